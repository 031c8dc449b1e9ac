/* The list of supported architectures (rows in arch/, see arch.h). Each
 * row's rope mode follows llama.cpp's llama_model_rope_type: NORM for
 * llama-like files, whose Q/K the converter permuted, NEOX for the families
 * it converts unpermuted. */
#include "arch.h"

#include "eng_util.h"

/* The order is the order `supported:` lists them in. */
static const llmbm_arch *const arches[] = {
    &llmbm_arch_llama,   &llmbm_arch_qwen2,  &llmbm_arch_qwen3,  &llmbm_arch_smollm3,
    &llmbm_arch_granite, &llmbm_arch_gemma3, &llmbm_arch_gemma2, &llmbm_arch_phi3,
};

const llmbm_arch *llmbm_arch_find(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++) {
        size_t n = eng_strlen(arches[i]->name);
        if (len == n && !eng_memcmp(name, arches[i]->name, n)) return arches[i];
    }
    return 0;
}

void llmbm_arch_list(char *buf, size_t cap)
{
    size_t at = 0;
    if (!cap) return;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof arches / sizeof arches[0] && at < cap; i++)
        at += (size_t)eng_snprintf(buf + at, cap - at, i ? ", %s" : "%s", arches[i]->name);
}

static void key_of(char *buf, size_t cap, const llmbm_arch_keys *k, const char *suffix)
{
    eng_snprintf(buf, cap, "%s.%s", k->arch, suffix);
}

static int key_status(const llmbm_arch_keys *k, const char *key, gguf_status st, bool required, const char *type)
{
    if (st == GGUF_OK || (st == GGUF_MISSING && !required)) return 0;
    if (st == GGUF_MISSING) return llmbm_fail(k->err, "%s: missing metadata key %s", k->name, key);
    return llmbm_fail(k->err, "%s: metadata key %s is not %s", k->name, key, type);
}

int llmbm_arch_u32(const llmbm_arch_keys *k, const char *suffix, bool required, uint32_t def, uint32_t *out)
{
    char key[96];
    key_of(key, sizeof key, k, suffix);
    gguf_status st = gguf_get_u32(k->g, key, out);
    if (st == GGUF_MISSING) *out = def;
    return key_status(k, key, st, required, "an unsigned 32-bit integer");
}

int llmbm_arch_f32(const llmbm_arch_keys *k, const char *suffix, bool required, float def, float *out, bool *present)
{
    char key[96];
    key_of(key, sizeof key, k, suffix);
    gguf_status st = gguf_get_f32(k->g, key, out);
    if (present) *present = st == GGUF_OK;
    if (st == GGUF_MISSING) *out = def;
    return key_status(k, key, st, required, "a float");
}

int llmbm_arch_bool(const llmbm_arch_keys *k, const char *suffix, bool def, bool *out)
{
    char key[96];
    key_of(key, sizeof key, k, suffix);
    gguf_status st = gguf_get_bool(k->g, key, out);
    if (st == GGUF_MISSING) *out = def;
    return key_status(k, key, st, false, "a bool");
}
