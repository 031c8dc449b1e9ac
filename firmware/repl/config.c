/* REPL settings and the repl.cfg parser.
 *
 * repl.cfg is key=value lines; '#' or ';' starts a comment line; blank lines
 * are skipped; a value may be wrapped in double quotes to keep outer spaces.
 * The whole file is read (any length). A bad line is reported with its
 * number and skipped; it never stops the boot. */
#include "config.h"

#include "platform.h"
#include "repl.h"
#include "text.h"

typedef enum kind { K_STRING, K_FLOAT, K_UINT, K_CHOICE } kind;

typedef struct spec {
    const char *name;
    kind kind;
    const char *def;
    const char *choices; /* K_CHOICE: '|'-separated */
    float min, max;      /* K_FLOAT range */
} spec;

/* Defaults follow llama2.c `run` (temp 1.0, top-p 0.9, no other filters),
 * so a firmware run and `llmbm run` agree unless the user asks otherwise. */
static const spec specs[CFG_COUNT] = {
    [CFG_MODEL] = {"model", K_STRING, "", 0, 0, 0},
    [CFG_TOKENIZER] = {"tokenizer", K_STRING, "", 0, 0, 0},
    [CFG_TEMPLATE] = {"template", K_CHOICE, "auto",
                      "auto|raw|llama2|chatml|qwen3|zephyr|llama3|phi3|phi4|phi4mini|gemma", 0, 0},
    [CFG_SYSTEM] = {"system", K_STRING, "", 0, 0, 0},
    /* A thinking model's <think>...</think>: shown dimmed, hidden, or turned
     * off in the prompt (think.c). */
    [CFG_THINK] = {"think", K_CHOICE, "show", "show|hide|off", 0, 0},
    [CFG_TEMP] = {"temp", K_FLOAT, "1.0", 0, 0, 100},
    [CFG_TOP_P] = {"top_p", K_FLOAT, "0.9", 0, 0, 1},
    [CFG_TOP_K] = {"top_k", K_UINT, "0", 0, 0, 0},
    [CFG_MIN_P] = {"min_p", K_FLOAT, "0", 0, 0, 1},
    [CFG_REPEAT_PENALTY] = {"repeat_penalty", K_FLOAT, "1.0", 0, 0, 100},
    [CFG_REPEAT_LAST_N] = {"repeat_last_n", K_UINT, "64", 0, 0, 0},
    [CFG_SEED] = {"seed", K_UINT, "0", 0, 0, 0},
    [CFG_MAX_TOKENS] = {"max_tokens", K_UINT, "256", 0, 0, 0},
    [CFG_CTX] = {"ctx", K_UINT, "0", 0, 0, 0},
    /* The KV cache's element type (transformer.h llmbm_kv_type): auto is
     * f16 for GGUF models, f32 for llama2.c checkpoints. */
    [CFG_KV_TYPE] = {"kv_type", K_CHOICE, "auto", "auto|f32|f16|q8_0", 0, 0},
    [CFG_ISA] = {"isa", K_CHOICE, "auto", "auto|scalar|sse2|avx2|avx512|avx512vnni", 0, 0},
    [CFG_CORES] = {"cores", K_UINT, "0", 0, 0, 0},
    [CFG_AUTORUN] = {"autorun", K_STRING, "", 0, 0, 0},
    /* Pixels per font pixel on the framebuffer console; auto: 1 up to
     * 1080p-ish, 2 for 4K (firmware/console/fbcon.c fbcon_auto_scale). */
    [CFG_FONT_SCALE] = {"font_scale", K_CHOICE, "auto", "auto|1|2|3|4|5|6|7|8", 0, 0},
    /* Read by the EFI layer before the other cores start (repl_cfg_peek):
     * off skips MP Services; ap_timeout_ms bounds the APs' check-in. */
    [CFG_MP] = {"mp", K_CHOICE, "on", "on|off", 0, 0},
    [CFG_AP_TIMEOUT_MS] = {"ap_timeout_ms", K_UINT, "1000", 0, 0, 0},
};

void cfg_init(repl_cfg *cfg)
{
    for (int i = 0; i < CFG_COUNT; i++) cfg->values[i] = (cfg_value){specs[i].def, CFG_FROM_DEFAULT, 0};
    cfg->file_text = 0;
}

const char *cfg_key_name(cfg_key key) { return key < CFG_COUNT ? specs[key].name : "?"; }

cfg_key cfg_find(const char *name)
{
    for (int i = 0; i < CFG_COUNT; i++)
        if (txt_eq_nocase(name, specs[i].name)) return (cfg_key)i;
    return CFG_COUNT;
}

const char *cfg_get(const repl_cfg *cfg, cfg_key key) { return key < CFG_COUNT ? cfg->values[key].text : ""; }

static bool in_choices(const char *value, const char *choices)
{
    char word[32];
    const char *p = choices;
    while (*p) {
        size_t n = 0;
        while (*p && *p != '|' && n + 1 < sizeof word) word[n++] = *p++;
        word[n] = 0;
        if (txt_eq_nocase(value, word)) return true;
        if (*p == '|') p++;
    }
    return false;
}

bool cfg_set(repl_cfg *cfg, const char *key, const char *value, cfg_source source, unsigned line, const char **why)
{
    cfg_key k = cfg_find(key);
    if (k == CFG_COUNT) {
        *why = "unknown key";
        return false;
    }
    const spec *s = &specs[k];
    float f;
    uint64_t u;
    switch (s->kind) {
        case K_FLOAT:
            if (!txt_parse_float(value, &f) || f < s->min || f > s->max) {
                *why = s->max == 1 ? "expected a number from 0 to 1" : "expected a number >= 0";
                return false;
            }
            break;
        case K_UINT:
            if (!txt_parse_u64(value, &u)) {
                *why = "expected a whole number >= 0";
                return false;
            }
            break;
        case K_CHOICE:
            if (!in_choices(value, s->choices)) {
                *why = s->choices;
                return false;
            }
            break;
        case K_STRING: break;
    }
    cfg->values[k] = (cfg_value){value, source, line};
    return true;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Trims [*b, *e) in place and NUL-terminates it. */
static char *trim(char *b, char *e)
{
    while (b < e && is_space(*b)) b++;
    while (e > b && is_space(e[-1])) e--;
    *e = 0;
    return b;
}

/* repl_cfg_peek reads the file without a word: repl_run reports it. */
static bool quiet;
#define warn(...) (quiet ? (void)0 : (void)txt_printf(__VA_ARGS__))

static void parse_line(repl_cfg *cfg, char *line, char *end, unsigned number)
{
    char *text = trim(line, end);
    if (!*text || *text == '#' || *text == ';') return;
    char *eq = text;
    while (*eq && *eq != '=') eq++;
    if (!*eq) {
        warn("warning: repl.cfg line %u: expected key=value, got '%s' (ignored)\n", number, text);
        return;
    }
    char *key = trim(text, eq);
    char *value = trim(eq + 1, eq + 1 + txt_len(eq + 1));
    size_t vlen = txt_len(value);
    if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value[vlen - 1] = 0;
        value++;
    }
    if (!*key) {
        warn("warning: repl.cfg line %u: missing key before '=' (ignored)\n", number);
        return;
    }
    const char *why = "";
    if (cfg_set(cfg, key, value, CFG_FROM_FILE, number, &why)) return;
    if (cfg_find(key) == CFG_COUNT)
        warn("warning: repl.cfg line %u: unknown key '%s' (ignored)\n", number, key);
    else
        warn("warning: repl.cfg line %u: bad value for %s: '%s' (%s); keeping %s\n", number, key, value, why,
             *cfg_get(cfg, cfg_find(key)) ? cfg_get(cfg, cfg_find(key)) : "(empty)");
}

bool cfg_load(repl_cfg *cfg, const char *path)
{
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) return false;
    char *text = size < (1ull << 30) ? plat_alloc((size_t)size + 1) : 0;
    if (!text || !plat_read(f, 0, text, (size_t)size)) {
        warn("warning: %s: cannot read %llu bytes; using defaults\n", path, (unsigned long long)size);
        plat_free(text);
        plat_close(f);
        return false;
    }
    plat_close(f);
    text[size] = 0;
    cfg->file_text = text;

    char *p = text, *end = text + size;
    if (size >= 3 && (uint8_t)p[0] == 0xef && (uint8_t)p[1] == 0xbb && (uint8_t)p[2] == 0xbf)
        p += 3; /* UTF-8 byte-order mark from Windows editors */
    unsigned number = 1;
    while (p < end) {
        char *nl = p;
        while (nl < end && *nl != '\n') nl++;
        parse_line(cfg, p, nl, number++);
        p = nl + 1;
    }
    return true;
}

void cfg_print(const repl_cfg *cfg)
{
    txt_printf("%-15s %-24s %s\n", "setting", "value", "from");
    for (int i = 0; i < CFG_COUNT; i++) {
        const cfg_value *v = &cfg->values[i];
        char from[32];
        if (v->source == CFG_FROM_FILE)
            txt_snprintf(from, sizeof from, "repl.cfg line %u", v->line);
        else
            txt_snprintf(from, sizeof from, "%s",
                         v->source == CFG_FROM_SET    ? "/set"
                         : v->source == CFG_FROM_HOST ? "command line"
                                                      : "default");
        txt_printf("%-15s %-24s %s\n", specs[i].name, *v->text ? v->text : "(none)", from);
    }
}

bool repl_cfg_peek(const char *key, char *out, size_t cap)
{
    cfg_key k = cfg_find(key);
    if (k == CFG_COUNT) return false;
    repl_cfg cfg;
    cfg_init(&cfg);
    quiet = true;
    cfg_load(&cfg, "repl.cfg");
    quiet = false;
    const char *value = cfg_get(&cfg, k);
    bool fits = txt_len(value) < cap;
    if (fits) txt_snprintf(out, cap, "%s", value);
    plat_free(cfg.file_text);
    return fits;
}
