/* The chat templates the firmware knows, written from each model family's
 * published prompt format (the Jinja templates in the model cards). Marker
 * strings such as <|im_start|> are looked up in the vocabulary when a turn
 * is encoded (chat.c), so they become the model's special tokens where it
 * has them and plain text where it does not. */
#include "templates.h"

#include "platform.h"
#include "text.h"

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
        .stops = { "[INST]", "</s>" },
    },
    {
        .name = "chatml",
        .sys_pre = "<|im_start|>system\n",
        .sys_post = "<|im_end|>\n",
        .user_pre = "<|im_start|>user\n",
        .user_post = "<|im_end|>\n<|im_start|>assistant\n",
        .turn_end = "<|im_end|>\n",
        .stops = { "<|im_end|>", "<|im_start|>" },
    },
    {
        .name = "zephyr",
        .sys_pre = "<|system|>\n",
        .sys_post = "</s>\n",
        .user_pre = "<|user|>\n",
        .user_post = "</s>\n<|assistant|>\n",
        .turn_end = "</s>\n",
        .stops = { "</s>", "<|user|>" },
    },
    {
        .name = "llama3",
        .sys_pre = "<|start_header_id|>system<|end_header_id|>\n\n",
        .sys_post = "<|eot_id|>",
        .user_pre = "<|start_header_id|>user<|end_header_id|>\n\n",
        .user_post = "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        .turn_end = "<|eot_id|>",
        .stops = { "<|eot_id|>", "<|start_header_id|>" },
    },
    {
        .name = "phi3",
        .sys_pre = "<|system|>\n",
        .sys_post = "<|end|>\n",
        .user_pre = "<|user|>\n",
        .user_post = "<|end|>\n<|assistant|>\n",
        .turn_end = "<|end|>\n",
        .stops = { "<|end|>", "<|user|>", "<|endoftext|>" },
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
        .stops = { "<end_of_turn>", "<start_of_turn>" },
    },
};

const chat_template *template_find(const char *name)
{
    for (unsigned i = 0; i < sizeof templates / sizeof templates[0]; i++)
        if (txt_eq_nocase(name, templates[i].name))
            return &templates[i];
    return 0;
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

enum { K_VERSION, K_SYSTEM, K_BOS, K_NO_SYS, K_SYS_PRE, K_SYS_POST, K_USER_PRE, K_USER_POST, K_ASST_PRE,
       K_ASST_POST, K_ASST_HIST, K_STOP, K_COUNT };
static const char *const tpl_keys[K_COUNT] = {
    "version", "system", "bos", "no_system", "system_prefix", "system_suffix", "user_prefix", "user_suffix",
    "assistant_prefix", "assistant_suffix", "assistant_history_prefix", "stop",
};

typedef struct tpl_block {
    chat_template t;
    char name[48];
    /* The file's text, unescaped in place, then user_post (user_suffix +
     * assistant_prefix) built after it. */
    char text[];
} tpl_block;

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
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
            if (lo < 0 || (hi | lo) == 0)
                return false;
            *out++ = (char)(hi * 16 + lo);
            p += 2;
            break;
        }
        default:
            return false;
        }
    }
    *out = 0;
    return true;
}

/* Parses text (NUL-terminated, modified in place) into b->t. */
static bool tpl_parse(tpl_block *b, char *text, char *post, size_t post_cap)
{
    const char *val[K_COUNT] = { 0 };
    unsigned n_stops = 0, line_no = 0;
    bool ok = true;
    char *p = text;
    while (*p) {
        char *line = p;
        while (*p && *p != '\n')
            p++;
        if (*p)
            *p++ = 0;
        line_no++;
        size_t len = txt_len(line);
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (!len || line[0] == '#')
            continue;
        char *eq = line;
        while (*eq && *eq != '=')
            eq++;
        if (!*eq) {
            txt_printf("%s line %u: expected key=value\n", b->name, line_no);
            ok = false;
            continue;
        }
        *eq = 0;
        char *v = eq + 1;
        int k = 0;
        while (k < K_COUNT && !txt_eq(line, tpl_keys[k]))
            k++;
        if (k == K_COUNT) {
            txt_printf("%s line %u: unknown key '%s' (ignored)\n", b->name, line_no, line);
            continue;
        }
        if (!unescape(v)) {
            txt_printf("%s line %u: %s: bad escape (\\n \\r \\t \\\\ \\xHH only, no NUL)\n", b->name, line_no,
                       line);
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
    static const int required[] = { K_SYSTEM, K_USER_PRE, K_USER_POST, K_ASST_PRE, K_ASST_POST };
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
    if (!ok)
        return false;
    b->t.name = b->name;
    b->t.sys_pre = val[K_SYS_PRE] ? val[K_SYS_PRE] : "";
    b->t.sys_post = val[K_SYS_POST] ? val[K_SYS_POST] : "";
    /* Without a system block of its own the prompt opens the first user turn. */
    b->t.sys_in_first_user = !txt_eq(val[K_SYSTEM], "yes");
    b->t.user_pre = val[K_USER_PRE];
    txt_snprintf(post, post_cap, "%s%s", val[K_USER_POST], val[K_ASST_PRE]);
    b->t.user_post = post;
    b->t.turn_end = val[K_ASST_POST];
    b->t.no_sys = val[K_NO_SYS];
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
    if (dot + 5 > sizeof path)
        return 0;
    for (size_t i = 0; i < dot; i++)
        path[i] = model_path[i];
    txt_snprintf(path + dot, sizeof path - dot, ".tpl");
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f)
        return 0;
    if (size > TPL_MAX_BYTES) {
        txt_printf("%s: %llu bytes, more than a chat template needs (%u): not used\n", path,
                   (unsigned long long)size, TPL_MAX_BYTES);
        plat_close(f);
        return 0;
    }
    /* text + NUL, then room for user_post: at most the whole text again. */
    size_t n = (size_t)size, post_cap = n + 1;
    tpl_block *b = plat_alloc(sizeof *b + n + 1 + post_cap);
    if (!b) {
        plat_close(f);
        txt_printf("%s: out of memory\n", path);
        return 0;
    }
    *b = (tpl_block){ 0 };
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
