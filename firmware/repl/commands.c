/* The slash commands. One table: /help is generated from it. */
#include "platform.h"
#include "session.h"
#include "selftest.h"
#include "settings.h"
#include "text.h"

typedef struct command {
    const char *name;
    const char *args;
    const char *help;
    void (*run)(repl_state *st, char *args);
} command;

static void cmd_help(repl_state *st, char *args);

typedef struct list_ctx {
    unsigned count;
} list_ctx;

static void print_model(void *ctx, const char *path, uint64_t size)
{
    (void)ctx;
    char sz[32];
    txt_size(sz, sizeof sz, size);
    /* Shown with the UEFI separator: that is what the user sees on the
     * stick; /load accepts either. */
    char shown[300];
    size_t n = txt_snprintf(shown, sizeof shown, "%s", path);
    for (size_t i = 0; i < n; i++)
        if (shown[i] == '/') shown[i] = '\\';
    bool tokenizer = txt_ends_with_nocase(path, "tokenizer.bin");
    txt_printf("  %-32s %10s%s\n", shown, sz, tokenizer ? "  (tokenizer)" : "");
}

static void cmd_models(repl_state *st, char *args)
{
    (void)args;
    txt_printf("Model files (.gguf, .bin) at the root and in models\\:\n");
    if (models_scan(st->sys, print_model, 0) == 0) {
        txt_printf("  none found.\n");
        session_explain_no_model();
    }
}

static void cmd_cfg(repl_state *st, char *args)
{
    (void)args;
    if (!st->cfg_found) txt_printf("(no repl.cfg on the boot volume: all defaults)\n");
    cfg_print(&st->cfg);
    session_show_kernels(st);
}

static void cmd_load(repl_state *st, char *args)
{
    if (!*args) {
        txt_printf("usage: /load FILE\n");
        return;
    }
    session_load(st, args);
}

static void cmd_model_info(repl_state *st, char *args)
{
    if (!*args) {
        txt_printf("usage: /model_info FILE\n");
        return;
    }
    session_model_info(st, args);
}

static void cmd_unload(repl_state *st, char *args)
{
    (void)args;
    session_unload(st);
}

static void cmd_ctx(repl_state *st, char *args)
{
    (void)args;
    session_show_ctx(st);
}

static void cmd_reset(repl_state *st, char *args)
{
    (void)args;
    session_reset(st);
}

static void cmd_autorun(repl_state *st, char *args)
{
    if (!*args) {
        txt_printf("usage: /autorun FILE\n");
        return;
    }
    autorun_file(st, args);
}

static void cmd_reboot(repl_state *st, char *args)
{
    (void)args;
    txt_printf("Rebooting.\n");
    st->sys->reboot();
}

static void cmd_shutdown(repl_state *st, char *args)
{
    (void)args;
    txt_printf("Goodbye.\n");
    st->sys->shutdown();
}

static const command commands[] = {
    {"/help", "", "this list", cmd_help},
    {"/models", "", "model files on the boot volume, with sizes", cmd_models},
    {"/cfg", "", "effective settings and where each came from", cmd_cfg},
    {"/load", "FILE", "load a model (root or models\\), replacing the loaded one", cmd_load},
    {"/model_info", "FILE", "describe a model file without loading it", cmd_model_info},
    {"/unload", "", "free the loaded model", cmd_unload},
    {"/set", "KEY VALUE", "change a setting (keys: /cfg)", settings_set},
    {"/preset", "NAME", "sampling preset: greedy, stable or creative", settings_preset},
    {"/ctx", "", "context use of the conversation", cmd_ctx},
    {"/reset", "", "start the conversation over", cmd_reset},
    {"/autorun", "FILE", "run the lines of FILE as if typed", cmd_autorun},
    {"/selftest", "", "check that parallel work uses every core", cmd_selftest},
    {"/reboot", "", "restart the machine", cmd_reboot},
    {"/shutdown", "", "power off", cmd_shutdown},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void cmd_help(repl_state *st, char *args)
{
    (void)st;
    (void)args;
    txt_printf("Commands:\n");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        char head[32];
        txt_snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
        txt_printf("  %-18s %s\n", head, commands[i].help);
    }
    txt_printf("Anything else is a chat message to the loaded model.\n"
               "Settings live in repl.cfg at the root of the stick (see repl.cfg.example).\n"
               "Secure Boot: the banner says whether it is on and whose key signed this binary;\n"
               "on another computer, sbverify --list EFI/BOOT/BOOTX64.EFI shows the signature, and\n"
               "keys/ on a signed build's stick holds the certificates to enroll.\n");
}

void command_run(repl_state *st, char *line)
{
    char *args = line;
    while (*args && *args != ' ' && *args != '\t') args++;
    if (*args) {
        *args++ = 0;
        while (*args == ' ' || *args == '\t') args++;
        /* Trailing blanks are not part of a file name. */
        char *end = args + txt_len(args);
        while (end > args && (end[-1] == ' ' || end[-1] == '\t')) *--end = 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (txt_eq_nocase(line, commands[i].name)) {
            commands[i].run(st, args);
            return;
        }
    }
    txt_printf("Unknown command: %s (type /help for the list)\n", line);
}
