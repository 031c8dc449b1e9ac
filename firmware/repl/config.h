/* REPL settings: defaults, repl.cfg, and (later) /set — each value with
 * where it came from, for /cfg. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef enum cfg_source {
    CFG_FROM_DEFAULT,
    CFG_FROM_FILE, /* repl.cfg, at `line` */
    CFG_FROM_SET,  /* typed at the prompt */
    CFG_FROM_HOST, /* the platform's command line (repl_sys.model) */
} cfg_source;

typedef enum cfg_key {
    CFG_MODEL,
    CFG_TOKENIZER,
    CFG_TEMPLATE,
    CFG_SYSTEM,
    CFG_THINK,
    CFG_TEMP,
    CFG_TOP_P,
    CFG_TOP_K,
    CFG_MIN_P,
    CFG_REPEAT_PENALTY,
    CFG_REPEAT_LAST_N,
    CFG_SEED,
    CFG_MAX_TOKENS,
    CFG_CTX,
    CFG_KV_TYPE,
    CFG_ISA,
    CFG_CORES,
    CFG_AUTORUN,
    CFG_FONT_SCALE,
    CFG_MP,
    CFG_AP_TIMEOUT_MS,
    CFG_COUNT,
} cfg_key;

typedef struct cfg_value {
    const char *text; /* never NULL; "" when unset */
    cfg_source source;
    unsigned line;
} cfg_value;

typedef struct repl_cfg {
    cfg_value values[CFG_COUNT];
    char *file_text; /* repl.cfg's bytes; FILE values point into it */
} repl_cfg;

void cfg_init(repl_cfg *cfg);
/* Reads path (missing is fine: defaults stay). Prints one warning per bad
 * line, naming the line number and key. Returns false if absent. */
bool cfg_load(repl_cfg *cfg, const char *path);
/* Validates and stores value (which must outlive cfg). On a bad key or
 * value returns false and sets *why to a message fragment. */
bool cfg_set(repl_cfg *cfg, const char *key, const char *value, cfg_source source, unsigned line, const char **why);
const char *cfg_get(const repl_cfg *cfg, cfg_key key);
const char *cfg_key_name(cfg_key key);
/* Looks a key name up (case-insensitive); CFG_COUNT if unknown. */
cfg_key cfg_find(const char *name);
/* The /cfg listing. */
void cfg_print(const repl_cfg *cfg);
