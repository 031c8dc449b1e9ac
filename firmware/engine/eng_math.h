/* Float math for the engine, without libm. Each function computes in double
 * and rounds once to float, so results are correctly rounded in all but
 * astronomically rare cases -- the same values glibc's expf/powf/sinf/cosf
 * return, which is what makes our output match llama2.c bit for bit. */
#pragma once

float eng_sqrtf(float x);
double eng_sqrt(double x);
float eng_expf(float x);
float eng_logf(float x);
float eng_powf(float x, float y);
float eng_sinf(float x);
float eng_cosf(float x);
float eng_fabsf(float x);
float eng_tanhf(float x);

double eng_exp(double x);
double eng_log(double x); /* x > 0 finite; NaN/-inf otherwise */
/* round() semantics: halfway cases away from zero. */
double eng_round(double x);
