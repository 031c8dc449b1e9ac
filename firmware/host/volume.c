/* The boot volume of `llmbm repl`: a directory.
 *
 * The REPL names files as the firmware does, relative to the root of the
 * stick ("repl.cfg", "models/x.gguf", "models\x.gguf"). Once a root is set,
 * plat_open resolves every path under it and refuses one that would leave
 * it: an absolute path is taken from the root (as on the stick), and a ".."
 * component is refused, so nothing typed at the prompt or written in
 * repl.cfg reaches a file outside the directory. The one exception is the
 * model named with -m (and the NAME.tpl beside it), allowed by exact path.
 *
 * Symbolic links inside the directory are followed: putting a link to a
 * large model there is the hosted way of copying it onto the stick, and
 * whoever can create links in the directory chooses what the volume holds
 * anyway. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_volume.h"

static int root_fd = -1;
enum { MAX_ALLOWED = 2 };
static char *allowed[MAX_ALLOWED];

bool host_volume_set_root(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    if (root_fd >= 0) close(root_fd);
    root_fd = fd;
    return true;
}

bool host_volume_active(void) { return root_fd >= 0; }

bool host_volume_allow(const char *path)
{
    for (int i = 0; i < MAX_ALLOWED; i++) {
        if (!allowed[i]) {
            allowed[i] = strdup(path);
            return allowed[i] != NULL;
        }
    }
    return false;
}

/* path as a relative path under the root into out[cap]: separators '/',
 * no leading ones, no "." or ".." components. False if it cannot be. */
static bool relative_path(const char *path, char *out, size_t cap)
{
    while (*path == '/' || *path == '\\') path++;
    size_t n = 0;
    const char *comp = path;
    for (const char *p = path;; p++) {
        if (*p == '/' || *p == '\\' || *p == 0) {
            size_t len = (size_t)(p - comp);
            if (len == 2 && comp[0] == '.' && comp[1] == '.') return false;
            bool skip = len == 0 || (len == 1 && comp[0] == '.');
            if (!skip) {
                if (n && n + 1 < cap) out[n++] = '/';
                if (n + len + 1 > cap) return false;
                memcpy(out + n, comp, len);
                n += len;
            }
            if (*p == 0) break;
            comp = p + 1;
        }
    }
    out[n] = 0;
    return true;
}

int host_volume_open(const char *path, int flags)
{
    for (int i = 0; i < MAX_ALLOWED; i++)
        if (allowed[i] && !strcmp(allowed[i], path)) return open(path, flags | O_CLOEXEC);
    char rel[4096];
    if (!relative_path(path, rel, sizeof rel)) return -1;
    return openat(root_fd, rel[0] ? rel : ".", flags | O_CLOEXEC);
}
