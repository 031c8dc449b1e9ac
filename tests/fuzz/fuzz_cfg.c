/* libFuzzer harness for repl.cfg: any bytes as the file. cfg_load must warn
 * about bad lines and keep going, never read past the text; every value it
 * keeps must be one cfg_set accepts again (what /set would be given). */
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz_platform.h"
#include "platform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_volume_put("repl.cfg", data, size);
    repl_cfg cfg;
    cfg_init(&cfg);
    (void)cfg_load(&cfg, "repl.cfg");
    cfg_print(&cfg);
    repl_cfg again;
    cfg_init(&again);
    for (int k = 0; k < CFG_COUNT; k++) {
        const char *value = cfg_get(&cfg, (cfg_key)k), *why = "";
        if (cfg.values[k].source != CFG_FROM_FILE) continue;
        if (!cfg_set(&again, cfg_key_name((cfg_key)k), value, CFG_FROM_SET, 0, &why)) __builtin_trap();
        if (cfg_find(cfg_key_name((cfg_key)k)) != (cfg_key)k) __builtin_trap();
    }
    plat_free(cfg.file_text);
    return 0;
}
