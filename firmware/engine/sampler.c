#include "sampler.h"

#include "ops.h"
#include "platform.h"

uint32_t llmbm_random_u32(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

float llmbm_random_f32(uint64_t *state) { return (float)(llmbm_random_u32(state) >> 8) / 16777216.0f; }

llmbm_sampler_params llmbm_sampler_defaults(void)
{
    llmbm_sampler_params p = {1.0f, 0.9f, 0, 0.0f, 1.0f, 64, 1};
    return p;
}

int llmbm_sampler_init(llmbm_sampler *s, uint32_t vocab_size, const llmbm_sampler_params *params, llmbm_err *err)
{
    eng_memset(s, 0, sizeof *s);
    s->params = *params;
    s->vocab_size = vocab_size;
    s->rng_state = params->seed;
    s->candidates = plat_alloc((size_t)vocab_size * 2 * sizeof *s->candidates);
    uint32_t hist = params->repeat_last_n ? params->repeat_last_n : 1;
    s->history = plat_alloc((size_t)hist * sizeof *s->history);
    if (!s->candidates || !s->history) {
        llmbm_sampler_free(s);
        return llmbm_fail(err, "sampler: out of memory for a vocabulary of %u", vocab_size);
    }
    return 0;
}

void llmbm_sampler_free(llmbm_sampler *s)
{
    if (s->candidates) plat_free(s->candidates);
    if (s->history) plat_free(s->history);
    eng_memset(s, 0, sizeof *s);
}

void llmbm_sampler_accept(llmbm_sampler *s, int32_t token)
{
    uint32_t cap = s->params.repeat_last_n;
    if (!cap || !s->history) return;
    s->history[s->history_pos] = token;
    s->history_pos = (s->history_pos + 1) % cap;
    if (s->history_len < cap) s->history_len++;
}

int32_t llmbm_sample_argmax(const float *probs, size_t n)
{
    size_t max_i = 0;
    float max_p = probs[0];
    for (size_t i = 1; i < n; i++)
        if (probs[i] > max_p) {
            max_i = i;
            max_p = probs[i];
        }
    return (int32_t)max_i;
}

int32_t llmbm_sample_mult(const float *probs, size_t n, float coin)
{
    float cdf = 0.0f;
    for (size_t i = 0; i < n; i++) {
        cdf += probs[i];
        if (coin < cdf) return (int32_t)i;
    }
    return (int32_t)(n - 1);
}

/* Stable merge sort by descending probability: glibc's qsort (which run.c
 * uses) is a merge sort too, so equal probabilities keep index order. */
static void sort_desc(llmbm_prob_index *v, llmbm_prob_index *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = v[j].prob > v[i].prob ? v[j++] : v[i++];
            while (i < mid) tmp[k++] = v[i++];
            while (j < hi) tmp[k++] = v[j++];
        }
        for (size_t i = 0; i < n; i++) v[i] = tmp[i];
    }
}

/* scratch holds 2*n entries. */
int32_t llmbm_sample_topp(const float *probs, size_t n, float topp, llmbm_prob_index *scratch, float coin)
{
    /* Tokens below (1-topp)/(n-1) can never be part of the nucleus: dropping
     * them first keeps the sort short. */
    size_t n0 = 0;
    const float cutoff = (1.0f - topp) / (float)(n - 1);
    for (size_t i = 0; i < n; i++)
        if (probs[i] >= cutoff) {
            scratch[n0].index = (int32_t)i;
            scratch[n0].prob = probs[i];
            n0++;
        }
    if (n0 == 0) return llmbm_sample_argmax(probs, n); /* only with NaN probabilities */
    sort_desc(scratch, scratch + n, n0);
    float cumulative = 0.0f;
    size_t last = n0 - 1;
    for (size_t i = 0; i < n0; i++) {
        cumulative += scratch[i].prob;
        if (cumulative > topp) {
            last = i;
            break;
        }
    }
    float r = coin * cumulative, cdf = 0.0f;
    for (size_t i = 0; i <= last; i++) {
        cdf += scratch[i].prob;
        if (r < cdf) return scratch[i].index;
    }
    return scratch[last].index;
}

static void apply_repeat_penalty(llmbm_sampler *s, float *logits)
{
    float pen = s->params.repeat_penalty;
    if (pen == 1.0f || pen <= 0.0f) return;
    for (uint32_t i = 0; i < s->history_len; i++) {
        int32_t tok = s->history[i];
        if (tok < 0 || (uint32_t)tok >= s->vocab_size) continue;
        /* Each distinct token is penalised once. */
        bool seen = false;
        for (uint32_t j = 0; j < i; j++) seen |= s->history[j] == tok;
        if (seen) continue;
        logits[tok] = logits[tok] > 0 ? logits[tok] / pen : logits[tok] * pen;
    }
}

/* Zeroes probabilities outside the top k and below min_p * p_max, then
 * renormalises. Only runs when one of the extras is on. */
static void apply_topk_minp(llmbm_sampler *s, float *probs)
{
    size_t n = s->vocab_size;
    uint32_t k = s->params.top_k;
    if (k && k < n) {
        llmbm_prob_index *c = s->candidates;
        for (size_t i = 0; i < n; i++) c[i].prob = probs[i], c[i].index = (int32_t)i;
        sort_desc(c, c + n, n);
        for (size_t i = k; i < n; i++) probs[c[i].index] = 0.0f;
    }
    if (s->params.min_p > 0.0f) {
        float pmax = probs[llmbm_sample_argmax(probs, n)];
        for (size_t i = 0; i < n; i++)
            if (probs[i] < s->params.min_p * pmax) probs[i] = 0.0f;
    }
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) sum += probs[i];
    if (sum > 0.0f)
        for (size_t i = 0; i < n; i++) probs[i] /= sum;
}

int32_t llmbm_sample(llmbm_sampler *s, float *logits)
{
    size_t n = s->vocab_size;
    apply_repeat_penalty(s, logits);
    if (s->params.temperature == 0.0f) return llmbm_sample_argmax(logits, n);
    for (size_t q = 0; q < n; q++) logits[q] /= s->params.temperature;
    llmbm_softmax(logits, n);
    if ((s->params.top_k && s->params.top_k < n) || s->params.min_p > 0.0f) apply_topk_minp(s, logits);
    float coin = llmbm_random_f32(&s->rng_state);
    float topp = s->params.top_p;
    if (topp <= 0.0f || topp >= 1.0f || n < 2) return llmbm_sample_mult(logits, n, coin);
    return llmbm_sample_topp(logits, n, topp, s->candidates, coin);
}
