/* Sampler pieces against llama2.c semantics: the xorshift stream, argmax
 * ties, multinomial and top-p cut-offs, and the extras staying off. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sampler.h"

static void test_rng(void)
{
    /* llama2.c random_u32 from seed 133742 (computed independently in Python). */
    uint64_t s = 133742;
    const uint32_t want[] = {3033531262u, 2674377904u, 2312864567u, 2287415643u};
    for (int i = 0; i < 4; i++) CHECK(llmbm_random_u32(&s) == want[i]);
    s = 133742;
    CHECK(llmbm_random_f32(&s) == (float)(3033531262u >> 8) / 16777216.0f);
}

static void test_argmax_and_mult(void)
{
    const float p[] = {0.1f, 0.4f, 0.4f, 0.1f};
    CHECK(llmbm_sample_argmax(p, 4) == 1); /* first of equal maxima */
    CHECK(llmbm_sample_mult(p, 4, 0.05f) == 0);
    CHECK(llmbm_sample_mult(p, 4, 0.45f) == 1);
    CHECK(llmbm_sample_mult(p, 4, 0.95f) == 3);
    CHECK(llmbm_sample_mult(p, 4, 1.5f) == 3); /* coin past the cdf: last index */
}

static void test_topp(void)
{
    llmbm_prob_index scratch[16];
    const float p[] = {0.05f, 0.5f, 0.3f, 0.15f};
    /* Sorted: 1 (0.5), 2 (0.3), 3 (0.15), 0 (0.05). top-p 0.7: cumulative
     * passes 0.7 at index 2 (0.8), so the nucleus is {1, 2}, r = coin*0.8. */
    CHECK(llmbm_sample_topp(p, 4, 0.7f, scratch, 0.0f) == 1);
    CHECK(llmbm_sample_topp(p, 4, 0.7f, scratch, 0.6f) == 1);  /* r=0.48 < 0.5 */
    CHECK(llmbm_sample_topp(p, 4, 0.7f, scratch, 0.65f) == 2); /* r=0.52 */
    CHECK(llmbm_sample_topp(p, 4, 0.7f, scratch, 0.999f) == 2);
    /* Equal probabilities keep index order (stable sort, as glibc's qsort). */
    const float q[] = {0.25f, 0.25f, 0.25f, 0.25f};
    CHECK(llmbm_sample_topp(q, 4, 0.3f, scratch, 0.1f) == 0);
}

static void test_extras(void)
{
    llmbm_sampler s;
    llmbm_err err;
    llmbm_sampler_params params = llmbm_sampler_defaults();
    CHECK(params.temperature == 1.0f && params.top_p == 0.9f && params.top_k == 0 && params.min_p == 0.0f &&
          params.repeat_penalty == 1.0f);
    params.temperature = 0.0f;
    params.repeat_penalty = 10.0f;
    params.repeat_last_n = 2;
    CHECK(llmbm_sampler_init(&s, 4, &params, &err) == 0);
    float logits[] = {1.0f, 3.0f, 2.5f, 0.0f};
    llmbm_sampler_accept(&s, 1);
    CHECK(llmbm_sample(&s, logits) == 2); /* token 1 penalised to 0.3 */
    llmbm_sampler_free(&s);

    params = llmbm_sampler_defaults();
    params.top_k = 1;
    params.seed = 7;
    CHECK(llmbm_sampler_init(&s, 4, &params, &err) == 0);
    for (int i = 0; i < 20; i++) {
        float l[] = {1.0f, 1.1f, 3.0f, 2.9f};
        CHECK(llmbm_sample(&s, l) == 2);
    }
    llmbm_sampler_free(&s);

    params = llmbm_sampler_defaults();
    params.min_p = 0.5f;
    params.top_p = 1.0f;
    CHECK(llmbm_sampler_init(&s, 4, &params, &err) == 0);
    for (int i = 0; i < 50; i++) {
        float l[] = {0.0f, 5.0f, 5.2f, -3.0f};
        int t = llmbm_sample(&s, l);
        CHECK(t == 1 || t == 2);
    }
    llmbm_sampler_free(&s);
}

int main(void)
{
    test_rng();
    test_argmax_and_mult();
    test_topp();
    test_extras();
    return CHECK_DONE();
}
