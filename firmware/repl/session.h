/* State shared by the REPL's files, and the seam where the engine plugs in.
 *
 * session.c owns the loaded model and the conversation; loader.c gets a
 * model into memory, chat.c runs the conversation, settings.c handles /set.
 * The line editor, the commands and the config only call the functions
 * below. */
#pragma once

#include "config.h"
#include "repl.h"

typedef struct repl_state {
    const repl_sys *sys;
    repl_cfg cfg;
    bool cfg_found;
    bool model_loaded;
} repl_state;

/* After repl.cfg: report the configured model (or how to add one). */
void session_boot(repl_state *st);
/* /load FILE */
void session_load(repl_state *st, const char *path);
/* A line that is not a command. */
void session_chat(repl_state *st, const char *line);
/* /model_info FILE, /unload, /ctx, /reset */
void session_model_info(repl_state *st, const char *path);
void session_unload(repl_state *st);
void session_show_ctx(repl_state *st);
void session_reset(repl_state *st);
/* After /set changed `key` (a cfg_key): rebuild or reset what depends on it. */
void session_setting_changed(repl_state *st, int key);
/* /cfg: the kernel level in use and how it was chosen. */
void session_show_kernels(repl_state *st);
/* The loaded model's load times (ready-time line); false when none is. */
struct load_times;
bool session_load_times(struct load_times *out);
/* How to put a model on the stick. */
void session_explain_no_model(void);

/* line.c: reads one line (edited and drawn, with history) into buf[cap],
 * UTF-8, without the terminator. */
void line_read(const repl_sys *sys, char *buf, size_t cap);
/* True if Esc or Ctrl-C was pressed; other keys waiting are kept for the
 * next line_read (typing ahead during an answer, pasting). */
bool line_interrupt_pending(const repl_sys *sys);

/* repl.c: runs one line as typed at the prompt (a command or a chat line). */
void repl_execute(repl_state *st, char *line);
/* repl.c: hands font_scale= to the console (at boot, and on /set font_scale). */
void font_scale_apply(repl_state *st);
/* autorun.c: runs the lines of a file as if typed (/autorun, autorun=). */
void autorun_file(repl_state *st, const char *path);

/* commands.c: runs a line starting with '/'. */
void command_run(repl_state *st, char *line);

/* Calls fn for every .gguf/.bin at the root and in models\ ; returns the
 * count. path is "NAME" or "models/NAME". */
typedef void (*model_file_fn)(void *ctx, const char *path, uint64_t size);
unsigned models_scan(const repl_sys *sys, model_file_fn fn, void *ctx);
