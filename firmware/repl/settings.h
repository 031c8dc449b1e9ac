/* /set and /preset (settings.c). */
#pragma once

#include "session.h"

/* Validates and stores key=value as typed at the prompt, then lets the
 * session react (session_setting_changed). A bad key or value prints a
 * warning naming it and keeps the old value. */
bool settings_apply(repl_state *st, const char *key, const char *value, bool quiet);
/* "/set KEY VALUE" */
void settings_set(repl_state *st, char *args);
/* "/preset greedy|stable|creative" */
void settings_preset(repl_state *st, char *args);
