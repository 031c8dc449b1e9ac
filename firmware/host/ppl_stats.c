/* Perplexity and KL-divergence statistics (ppl_stats.h). */
#include "ppl_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool ppl_stats_init(ppl_stats *s, size_t cap, bool with_base)
{
    memset(s, 0, sizeof *s);
    s->cap = cap ? cap : 1;
    s->with_base = with_base;
    s->nll = malloc(s->cap * sizeof *s->nll);
    if (!s->nll) return false;
    if (!with_base) return true;
    s->nll_base = malloc(s->cap * sizeof *s->nll_base);
    s->kl = malloc(s->cap * sizeof *s->kl);
    s->dp = malloc(s->cap * sizeof *s->dp);
    s->same_top = malloc(s->cap);
    return s->nll_base && s->kl && s->dp && s->same_top;
}

void ppl_stats_free(ppl_stats *s)
{
    free(s->nll);
    free(s->nll_base);
    free(s->kl);
    free(s->dp);
    free(s->same_top);
    memset(s, 0, sizeof *s);
}

void ppl_log_softmax(const float *logits, uint32_t n_vocab, double *out)
{
    double max = logits[0];
    for (uint32_t v = 1; v < n_vocab; v++)
        if (logits[v] > max) max = logits[v];
    double sum = 0;
    for (uint32_t v = 0; v < n_vocab; v++) sum += exp((double)logits[v] - max);
    double log_z = max + log(sum);
    for (uint32_t v = 0; v < n_vocab; v++) out[v] = (double)logits[v] - log_z;
}

static uint32_t argmax(const double *x, uint32_t n)
{
    uint32_t best = 0;
    for (uint32_t v = 1; v < n; v++)
        if (x[v] > x[best]) best = v;
    return best;
}

void ppl_stats_add(ppl_stats *s, const double *logprobs, const double *base, uint32_t n_vocab, int32_t target)
{
    if (s->n >= s->cap) return; /* sized by the caller for every scored position */
    size_t i = s->n++;
    s->nll[i] = -logprobs[target];
    if (!s->with_base) return;
    double kl = 0;
    for (uint32_t v = 0; v < n_vocab; v++) kl += exp(base[v]) * (base[v] - logprobs[v]);
    s->nll_base[i] = -base[target];
    s->kl[i] = kl;
    s->dp[i] = exp(logprobs[target]) - exp(base[target]);
    s->same_top[i] = argmax(logprobs, n_vocab) == argmax(base, n_vocab);
}

/* Mean and standard error of the mean. */
static void mean_err(const double *x, size_t n, double *mean, double *err)
{
    double sum = 0, sum2 = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        sum2 += x[i] * x[i];
    }
    *mean = n ? sum / (double)n : 0;
    double var = n ? sum2 / (double)n - *mean * *mean : 0;
    *err = n > 1 && var > 0 ? sqrt(var / (double)(n - 1)) : 0;
}

void ppl_stats_perplexity(const ppl_stats *s, double *ppl, double *err)
{
    double mean, mean_e;
    mean_err(s->nll, s->n, &mean, &mean_e);
    *ppl = exp(mean);
    *err = *ppl * mean_e;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted[0..n) with linear interpolation between ranks. */
static double quantile(const double *sorted, size_t n, double p)
{
    double r = p * (double)(n - 1);
    size_t lo = (size_t)r;
    if (lo + 1 >= n) return sorted[n - 1];
    return sorted[lo] + (r - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

/* "label    : " padded to 12 terminal columns (Δ is two bytes, one column). */
static void print_label(FILE *out, const char *label)
{
    int cols = 0;
    for (const char *p = label; *p; p++) cols += ((unsigned char)*p & 0xC0) != 0x80;
    fprintf(out, "%s%*s: ", label, cols < 12 ? 12 - cols : 0, "");
}

/* KL values are printed with 9 decimals: a good kernel's are around 1e-4 .. 1e-2. */
static void print_quantiles(FILE *out, const char *what, const double *x, size_t n, double scale, const char *unit,
                            int decimals, const double *levels, size_t n_levels)
{
    double *sorted = malloc(n * sizeof *sorted);
    if (!sorted) return;
    memcpy(sorted, x, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    char label[32];
    snprintf(label, sizeof label, "Maximum %s", what);
    print_label(out, label);
    fprintf(out, "%*.*f%s\n", decimals + 4, decimals, sorted[n - 1] * scale, unit);
    for (size_t i = 0; i < n_levels; i++) {
        if (levels[i] == 0.5)
            snprintf(label, sizeof label, "Median  %s", what);
        else
            snprintf(label, sizeof label, "%4.1f%%   %s", levels[i] * 100, what);
        print_label(out, label);
        fprintf(out, "%*.*f%s\n", decimals + 4, decimals, quantile(sorted, n, levels[i]) * scale, unit);
    }
    snprintf(label, sizeof label, "Minimum %s", what);
    print_label(out, label);
    fprintf(out, "%*.*f%s\n", decimals + 4, decimals, sorted[0] * scale, unit);
    free(sorted);
}

static double correlation(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 1.0;
}

void ppl_stats_print(const ppl_stats *s, FILE *out)
{
    double ppl, ppl_e;
    ppl_stats_perplexity(s, &ppl, &ppl_e);
    if (!s->with_base) {
        fprintf(out, "Final estimate: PPL = %.4f +/- %.5f over %zu tokens\n", ppl, ppl_e, s->n);
        return;
    }
    size_t n = s->n;
    double *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return;
    ppl_stats base = *s;
    base.nll = s->nll_base;
    double ppl_b, ppl_b_e;
    ppl_stats_perplexity(&base, &ppl_b, &ppl_b_e);
    for (size_t i = 0; i < n; i++) tmp[i] = s->nll[i] - s->nll_base[i];
    double log_ratio, log_ratio_e;
    mean_err(tmp, n, &log_ratio, &log_ratio_e);
    fprintf(out, "====== Perplexity statistics (%zu tokens) ======\n", n);
    fprintf(out, "Mean PPL(Q)                   : %10.6f +/- %10.6f\n", ppl, ppl_e);
    fprintf(out, "Mean PPL(base)                : %10.6f +/- %10.6f\n", ppl_b, ppl_b_e);
    fprintf(out, "Cor(ln(PPL(Q)), ln(PPL(base))): %10.6f%%\n", 100 * correlation(s->nll, s->nll_base, n));
    fprintf(out, "Mean ln(PPL(Q)/PPL(base))     : %10.6f +/- %10.6f\n", log_ratio, log_ratio_e);
    fprintf(out, "Mean PPL(Q)/PPL(base)         : %10.6f +/- %10.6f\n", exp(log_ratio), exp(log_ratio) * log_ratio_e);
    fprintf(out, "Mean PPL(Q)-PPL(base)         : %10.6f\n", ppl - ppl_b);

    double kl, kl_e;
    mean_err(s->kl, n, &kl, &kl_e);
    static const double kl_levels[] = {0.999, 0.99, 0.95, 0.90, 0.5, 0.10, 0.05, 0.01, 0.001};
    fprintf(out, "\n====== KL divergence statistics ======\n");
    fprintf(out, "Mean    KLD : %12.9f +/- %12.9f\n", kl, kl_e);
    print_quantiles(out, "KLD", s->kl, n, 1, "", 9, kl_levels, sizeof kl_levels / sizeof *kl_levels);

    double dp, dp_e;
    mean_err(s->dp, n, &dp, &dp_e);
    for (size_t i = 0; i < n; i++) tmp[i] = s->dp[i] * s->dp[i];
    double dp2, dp2_e;
    mean_err(tmp, n, &dp2, &dp2_e);
    double rms = sqrt(dp2), rms_e = rms > 0 ? dp2_e / (2 * rms) : 0;
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += s->same_top[i];
    double top = (double)same / (double)n;
    double top_e = n > 1 ? sqrt(top * (1 - top) / (double)(n - 1)) : 0;
    static const double dp_levels[] = {0.999, 0.99, 0.95, 0.90, 0.75, 0.5, 0.25, 0.10, 0.05, 0.01, 0.001};
    fprintf(out, "\n====== Token probability statistics ======\n");
    print_label(out, "Mean    Δp");
    fprintf(out, "%10.6f +/- %10.6f %%\n", 100 * dp, 100 * dp_e);
    print_quantiles(out, "Δp", s->dp, n, 100, " %", 6, dp_levels, sizeof dp_levels / sizeof *dp_levels);
    print_label(out, "RMS Δp");
    fprintf(out, "%10.6f +/- %10.6f %%\n", 100 * rms, 100 * rms_e);
    fprintf(out, "Same top p  : %10.6f +/- %10.6f %%\n", 100 * top, 100 * top_e);
    free(tmp);
}
