/* The list of supported architectures (rows in arch/, see arch.h). Each
 * row's rope mode follows llama.cpp's llama_model_rope_type: NORM for
 * llama-like files, whose Q/K the converter permuted, NEOX for the families
 * it converts unpermuted. */
#include "arch.h"

#include "eng_util.h"

/* The order is the order `supported:` lists them in. */
static const llmbm_arch *const arches[] = {
    &llmbm_arch_llama, &llmbm_arch_qwen2, &llmbm_arch_qwen3, &llmbm_arch_smollm3, &llmbm_arch_granite, &llmbm_arch_gemma3,
    &llmbm_arch_gemma2, &llmbm_arch_phi3,
};

const llmbm_arch *llmbm_arch_find(const char *name, size_t len) {
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++) {
        size_t n = eng_strlen(arches[i]->name);
        if (len == n && !eng_memcmp(name, arches[i]->name, n)) return arches[i];
    }
    return 0;
}

void llmbm_arch_list(char *buf, size_t cap) {
    size_t at = 0;
    if (!cap) return;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof arches / sizeof arches[0] && at < cap; i++)
        at += (size_t)eng_snprintf(buf + at, cap - at, i ? ", %s" : "%s", arches[i]->name);
}
