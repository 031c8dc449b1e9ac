/* See model_prepare.h. */
#include "model_prepare.h"

#include "isa.h"
#include "isa_autotune.h"
#include "model_layout.h"
#include "platform.h"

/* Milliseconds with three significant digits or more: the estimates run
 * from microseconds (stories260K on a real CPU) to seconds (TCG). */
static int ms(char *buf, size_t cap, double v)
{
    return eng_snprintf(buf, cap, v < 10 ? "%.3f ms" : v < 100 ? "%.2f ms" : "%.1f ms", v);
}

/* "Kernels: WINNER, R.Rx faster than RUNNER-UP here (LEVEL N.NN ms, ...: ...)" */
static void describe_measurement(const llmbm_autotune *a, char *buf, size_t cap)
{
    size_t used = 0;
    const unsigned f = a->fastest;
    if (a->n_levels == 1) {
        char t[32];
        ms(t, sizeof t, a->token_ms[f]);
        eng_snprintf(buf, cap,
                     "Kernels: %s (the only level this CPU runs; %s estimated kernel time per token on one "
                     "core)",
                     a->name[f], t);
        return;
    }
    unsigned runner = f == 0 ? 1 : 0;
    for (unsigned i = 0; i < a->n_levels; i++)
        if (i != f && a->token_ms[i] < a->token_ms[runner]) runner = i;
    double ratio = a->token_ms[f] > 0 ? a->token_ms[runner] / a->token_ms[f] : 1.0;
    int n = eng_snprintf(buf, cap, "Kernels: %s, %.1fx faster than %s here (", a->name[f], ratio, a->name[runner]);
    used = n > 0 ? (size_t)n : 0;
    for (unsigned i = 0; i < a->n_levels && used < cap; i++) {
        char t[32];
        ms(t, sizeof t, a->token_ms[i]);
        n = eng_snprintf(buf + used, cap - used, "%s%s %s", i ? ", " : "", a->name[i], t);
        used += n > 0 ? (size_t)n : 0;
    }
    if (used < cap)
        eng_snprintf(buf + used, cap - used, ": estimated kernel time per token on one core, timed in %.1f ms)",
                     (double)a->cost_us / 1000);
}

void llmbm_model_prepare(llmbm_model *m, llmbm_prepared *out)
{
    eng_memset(out, 0, sizeof *out);
    if (llmbm_isa_forced()) {
        eng_snprintf(out->kernels, sizeof out->kernels, "Kernels: %s (forced, not measured)", llmbm_isa_name());
    } else {
        /* From the most capable level: what "auto" means until measured. */
        llmbm_isa_set("auto", 0);
        llmbm_autotune a;
        if (llmbm_autotune_measure(m, &a)) {
            llmbm_isa_use_measured(a.level[a.fastest]);
            describe_measurement(&a, out->kernels, sizeof out->kernels);
        } else {
            eng_snprintf(out->kernels, sizeof out->kernels,
                         "Kernels: %s (the most capable level here; not measured: %s)", llmbm_isa_name(),
                         a.not_measured);
        }
        out->measure_us = a.cost_us;
    }
    uint64_t t0 = plat_now_us();
    out->rewritten = llmbm_model_relayout(m);
    out->relayout_us = plat_now_us() - t0;
}
