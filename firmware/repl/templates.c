/* The chat templates the firmware knows, written from each model family's
 * published prompt format (the Jinja templates in the model cards). Marker
 * strings such as <|im_start|> are looked up in the vocabulary when a turn
 * is encoded (chat.c), so they become the model's special tokens where it
 * has them and plain text where it does not. */
#include "templates.h"

#include "platform.h"
#include "text.h"
#include "tokenizer.h"

static const chat_template templates[] = {
    {
        .name = "llama2",
        .sys_pre = "[INST] <<SYS>>\n",
        .sys_post = "\n<</SYS>>\n\n",
        .sys_in_first_user = true,
        .user_pre = "[INST] ",
        .user_post = " [/INST]",
        .turn_end = "",
        .eos_bos_between_turns = true,
        .stops = {"[INST]", "</s>"},
    },
    {
        .name = "chatml",
        .sys_pre = "<|im_start|>system\n",
        .sys_post = "<|im_end|>\n",
        .user_pre = "<|im_start|>user\n",
        .user_post = "<|im_end|>\n<|im_start|>assistant\n",
        .turn_end = "<|im_end|>\n",
        .stops = {"<|im_end|>", "<|im_start|>"},
    },
    {
        .name = "zephyr",
        .sys_pre = "<|system|>\n",
        .sys_post = "</s>\n",
        .user_pre = "<|user|>\n",
        .user_post = "</s>\n<|assistant|>\n",
        .turn_end = "</s>\n",
        .stops = {"</s>", "<|user|>"},
    },
    {
        .name = "llama3",
        .sys_pre = "<|start_header_id|>system<|end_header_id|>\n\n",
        .sys_post = "<|eot_id|>",
        .user_pre = "<|start_header_id|>user<|end_header_id|>\n\n",
        .user_post = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        .turn_end = "<|eot_id|>",
        .stops = {"<|eot_id|>", "<|start_header_id|>"},
    },
    {
        .name = "phi3",
        .sys_pre = "<|system|>\n",
        .sys_post = "<|end|>\n",
        .user_pre = "<|user|>\n",
        .user_post = "<|end|>\n<|assistant|>\n",
        .turn_end = "<|end|>\n",
        .stops = {"<|end|>", "<|user|>", "<|endoftext|>"},
    },
    {
        /* ChatML with a thinking switch: Qwen3's Jinja writes an empty
         * think block for enable_thinking=false and drops past turns'
         * reasoning. */
        .name = "qwen3",
        .sys_pre = "<|im_start|>system\n",
        .sys_post = "<|im_end|>\n",
        .user_pre = "<|im_start|>user\n",
        .user_post = "<|im_end|>\n<|im_start|>assistant\n",
        .turn_end = "<|im_end|>\n",
        .stops = {"<|im_end|>", "<|im_start|>"},
        .user_post_no_think = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        .think_history = THINK_HISTORY_DROP,
    },
    {
        /* Phi-4 (14B): ChatML markers with <|im_sep|> after the role and no
         * newlines. */
        .name = "phi4",
        .sys_pre = "<|im_start|>system<|im_sep|>",
        .sys_post = "<|im_end|>",
        .user_pre = "<|im_start|>user<|im_sep|>",
        .user_post = "<|im_end|><|im_start|>assistant<|im_sep|>",
        .turn_end = "<|im_end|>",
        .stops = {"<|im_end|>", "<|im_start|>"},
    },
    {
        /* Phi-4-mini: Phi-3's markers without the newlines. */
        .name = "phi4mini",
        .sys_pre = "<|system|>",
        .sys_post = "<|end|>",
        .user_pre = "<|user|>",
        .user_post = "<|end|><|assistant|>",
        .turn_end = "<|end|>",
        .stops = {"<|end|>", "<|user|>", "<|endoftext|>"},
    },
    {
        /* Gemma has no system role: the prompt opens the first user turn. */
        .name = "gemma",
        .sys_pre = "<start_of_turn>user\n",
        .sys_post = "\n\n",
        .sys_in_first_user = true,
        .user_pre = "<start_of_turn>user\n",
        .user_post = "<end_of_turn>\n<start_of_turn>model\n",
        .turn_end = "<end_of_turn>\n",
        .stops = {"<end_of_turn>", "<start_of_turn>"},
    },
};

const chat_template *template_find(const char *name)
{
    for (unsigned i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (txt_eq_nocase(name, templates[i].name)) return &templates[i];
    return 0;
}

static bool contains(const char *text, const char *needle)
{
    size_t nl = txt_len(needle);
    for (const char *p = text; *p; p++) {
        size_t j = 0;
        while (j < nl && p[j] == needle[j]) j++;
        if (j == nl) return true;
    }
    return false;
}

const chat_template *template_from_jinja(const char *jinja)
{
    /* First match wins: the more specific marker sets come first (Phi-4
     * and Qwen3 are ChatML plus something; Phi-4-mini is Phi-3 with
     * tools and no newlines). */
    static const struct {
        const char *marker, *also, *name;
    } families[] = {
        {"<|im_sep|>", 0, "phi4"},       {"<|im_start|>", "</think>", "qwen3"},
        {"<|im_start|>", 0, "chatml"},   {"<|start_header_id|>", 0, "llama3"},
        {"<start_of_turn>", 0, "gemma"}, {"<|end|>", "<|tool|>", "phi4mini"},
        {"<|end|>", 0, "phi3"},          {"<|user|>", 0, "zephyr"},
        {"[INST]", 0, "llama2"},
    };
    if (!jinja) return 0;
    for (unsigned i = 0; i < sizeof families / sizeof families[0]; i++)
        if (contains(jinja, families[i].marker) && (!families[i].also || contains(jinja, families[i].also)))
            return template_find(families[i].name);
    return 0;
}

void template_describe_auto(const char *model_path, const llmbm_tokenizer *tok, char *out, size_t cap)
{
    const char *jinja = tok ? llmbm_tokenizer_chat_template(tok) : 0;
    const chat_template *family = template_from_jinja(jinja);
    chat_template *file = template_file_load(model_path);
    if (file) {
        txt_snprintf(out, cap, "%s (the .tpl beside the model, derived from its Jinja at image build time)%s%s%s",
                     file->name, family ? "; family " : "", family ? family->name : "",
                     file->user_post_no_think ? "; thinking can be turned off" : "");
        plat_free(file);
    } else if (family) {
        txt_snprintf(out, cap, "%s (built-in, recognised in the GGUF's Jinja template)%s", family->name,
                     family->user_post_no_think ? "; thinking can be turned off" : "");
    } else if (jinja) {
        txt_snprintf(out, cap,
                     "none: the GGUF's Jinja template is of a family the firmware does not know and there is "
                     "no .tpl beside the model (raw completion; python3 -m llmbm_build.chat_template makes one)");
    } else {
        txt_snprintf(out, cap, "none: the model carries no chat template (raw completion)");
    }
}

/* ---- NAME.tpl: a template derived from the model's Jinja template ----
 *
 * key=value lines (llmbm_build.chat_template writes them); '#' starts a
 * comment line. Values use C escapes (\n \r \t \\ \xHH) so markers with
 * newlines fit on one line. The file comes from a stick anyone may edit, so
 * everything is checked; a file with an error is not used at all (a
 * half-read template would corrupt every turn), an unknown key is only a
 * warning so newer build tools still work with older firmware. */

#define TPL_MAX_BYTES (64u * 1024u)

enum {
    K_VERSION,
    K_SYSTEM,
    K_BOS,
    K_NO_SYS,
    K_SYS_PRE,
    K_SYS_POST,
    K_USER_PRE,
    K_USER_POST,
    K_ASST_PRE,
    K_ASST_POST,
    K_ASST_HIST,
    K_ASST_NO_THINK,
    K_THINK_HISTORY,
    K_STOP,
    K_COUNT
};
static const char *const tpl_keys[K_COUNT] = {
    "version",
    "system",
    "bos",
    "no_system",
    "system_prefix",
    "system_suffix",
    "user_prefix",
    "user_suffix",
    "assistant_prefix",
    "assistant_suffix",
    "assistant_history_prefix",
    "assistant_prefix_no_think",
    "think_history",
    "stop",
};

typedef struct tpl_block {
    chat_template t;
    char name[48];
    /* The file's text, unescaped in place, then user_post (user_suffix +
     * assistant_prefix), user_post_no_think and user_post_history built
     * after it. */
    char text[];
} tpl_block;

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Unescapes s in place (the result is never longer). False on a bad escape
 * or an escaped NUL, which would silently cut the string. */
static bool unescape(char *s)
{
    char *out = s;
    for (const char *p = s; *p; p++) {
        if (*p != '\\') {
            *out++ = *p;
            continue;
        }
        p++;
        switch (*p) {
            case 'n': *out++ = '\n'; break;
            case 'r': *out++ = '\r'; break;
            case 't': *out++ = '\t'; break;
            case '\\': *out++ = '\\'; break;
            case 'x': {
                int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
                if (lo < 0 || (hi | lo) == 0) return false;
                *out++ = (char)(hi * 16 + lo);
                p += 2;
                break;
            }
            default: return false;
        }
    }
    *out = 0;
    return true;
}

/* Parses text (NUL-terminated, modified in place) into b->t. */
static bool tpl_parse(tpl_block *b, char *text, char *post, size_t post_cap)
{
    const char *val[K_COUNT] = {0};
    unsigned n_stops = 0, line_no = 0;
    bool ok = true;
    char *p = text;
    while (*p) {
        char *line = p;
        while (*p && *p != '\n') p++;
        if (*p) *p++ = 0;
        line_no++;
        size_t len = txt_len(line);
        if (len && line[len - 1] == '\r') line[--len] = 0;
        if (!len || line[0] == '#') continue;
        char *eq = line;
        while (*eq && *eq != '=') eq++;
        if (!*eq) {
            txt_printf("%s line %u: expected key=value\n", b->name, line_no);
            ok = false;
            continue;
        }
        *eq = 0;
        char *v = eq + 1;
        int k = 0;
        while (k < K_COUNT && !txt_eq(line, tpl_keys[k])) k++;
        if (k == K_COUNT) {
            txt_printf("%s line %u: unknown key '%s' (ignored)\n", b->name, line_no, line);
            continue;
        }
        if (!unescape(v)) {
            txt_printf("%s line %u: %s: bad escape (\\n \\r \\t \\\\ \\xHH only, no NUL)\n", b->name, line_no, line);
            ok = false;
            continue;
        }
        if (k == K_STOP) {
            if (n_stops == 3)
                txt_printf("%s line %u: more than 3 stop strings (ignored)\n", b->name, line_no);
            else if (*v)
                b->t.stops[n_stops++] = v;
            continue;
        }
        if (val[k]) {
            txt_printf("%s line %u: %s given twice\n", b->name, line_no, line);
            ok = false;
        }
        val[k] = v;
    }
    if (!val[K_VERSION] || !txt_eq(val[K_VERSION], "1")) {
        txt_printf("%s: version=1 expected (written by another llmbm_build?)\n", b->name);
        return false;
    }
    static const int required[] = {K_SYSTEM, K_USER_PRE, K_USER_POST, K_ASST_PRE, K_ASST_POST};
    for (unsigned i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!val[required[i]]) {
            txt_printf("%s: %s= missing\n", b->name, tpl_keys[required[i]]);
            ok = false;
        }
    if (val[K_SYSTEM] && !txt_eq(val[K_SYSTEM], "yes") && !txt_eq(val[K_SYSTEM], "folded") &&
        !txt_eq(val[K_SYSTEM], "no")) {
        txt_printf("%s: system=%s: yes, folded or no expected\n", b->name, val[K_SYSTEM]);
        ok = false;
    }
    static const char *const histories[] = {"keep", "drop", "drop_tag"};
    unsigned history = 0;
    while (val[K_THINK_HISTORY] && history < 3 && !txt_eq(val[K_THINK_HISTORY], histories[history])) history++;
    if (history == 3) {
        txt_printf("%s: think_history=%s: keep, drop or drop_tag expected\n", b->name, val[K_THINK_HISTORY]);
        ok = false;
    }
    if (!ok) return false;
    b->t.think_history = (think_history)history;
    b->t.name = b->name;
    b->t.sys_pre = val[K_SYS_PRE] ? val[K_SYS_PRE] : "";
    b->t.sys_post = val[K_SYS_POST] ? val[K_SYS_POST] : "";
    /* Without a system block of its own the prompt opens the first user turn. */
    b->t.sys_in_first_user = !txt_eq(val[K_SYSTEM], "yes");
    b->t.user_pre = val[K_USER_PRE];
    size_t used = txt_snprintf(post, post_cap, "%s%s", val[K_USER_POST], val[K_ASST_PRE]) + 1;
    b->t.user_post = post;
    if (val[K_ASST_NO_THINK]) {
        txt_snprintf(post + used, post_cap - used, "%s%s", val[K_USER_POST], val[K_ASST_NO_THINK]);
        b->t.user_post_no_think = post + used;
        used += txt_len(post + used) + 1;
    }
    if (val[K_ASST_HIST] && *val[K_ASST_HIST]) {
        txt_snprintf(post + used, post_cap - used, "%s%s", val[K_USER_POST], val[K_ASST_HIST]);
        b->t.user_post_history = post + used;
    }
    b->t.turn_end = val[K_ASST_POST];
    b->t.no_sys = val[K_NO_SYS];
    b->t.writes_bos = val[K_BOS] && txt_eq(val[K_BOS], "1");
    return true;
}

chat_template *template_file_load(const char *model_path)
{
    /* NAME.gguf -> NAME.tpl (the extension after the last '.' of the last
     * path component; image.py names the two files alike). */
    char path[260];
    size_t len = txt_len(model_path), dot = len, base = 0;
    for (size_t i = 0; i < len; i++) {
        if (model_path[i] == '/' || model_path[i] == '\\')
            base = i + 1, dot = len;
        else if (model_path[i] == '.')
            dot = i;
    }
    if (dot + 5 > sizeof path) return 0;
    for (size_t i = 0; i < dot; i++) path[i] = model_path[i];
    txt_snprintf(path + dot, sizeof path - dot, ".tpl");
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) return 0;
    if (size > TPL_MAX_BYTES) {
        txt_printf("%s: %llu bytes, more than a chat template needs (%u): not used\n", path, (unsigned long long)size,
                   TPL_MAX_BYTES);
        plat_close(f);
        return 0;
    }
    /* text + NUL, then room for user_post, user_post_no_think and
     * user_post_history: each at most the whole text again. */
    size_t n = (size_t)size, post_cap = 3 * (n + 1);
    tpl_block *b = plat_alloc(sizeof *b + n + 1 + post_cap);
    if (!b) {
        plat_close(f);
        txt_printf("%s: out of memory\n", path);
        return 0;
    }
    *b = (tpl_block){0};
    txt_snprintf(b->name, sizeof b->name, "%s", path + base);
    bool read = plat_read(f, 0, b->text, n);
    plat_close(f);
    b->text[n] = 0;
    if (!read) {
        txt_printf("%s: read error: not used\n", path);
    } else if (txt_len(b->text) != n) {
        txt_printf("%s: contains a NUL byte: not used\n", path);
    } else if (tpl_parse(b, b->text, b->text + n + 1, post_cap)) {
        return &b->t;
    } else {
        txt_printf("%s: not used; template=auto falls back to the model's family\n", path);
    }
    plat_free(b);
    return 0;
}
