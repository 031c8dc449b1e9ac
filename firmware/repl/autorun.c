/* Autorun: REPL lines from a file on the boot volume, run as if typed.
 *
 * From `autorun=FILE` in repl.cfg (after the model is loaded at boot) or
 * `/autorun FILE`. Each line is echoed after the prompt, exactly as a typed
 * line appears, so a transcript of an autorun session reads (and is parsed
 * by the boot tests) like an interactive one. Blank lines and lines starting
 * with '#' are skipped. At the end the prompt takes over; a `/shutdown` line
 * ends the session instead, which is how an unattended benchmark powers off.
 *
 * The file must be text: a first pass reads it all and refuses it, before
 * any line runs, at the first NUL byte, invalid UTF-8 or a line longer than
 * a typed line may be (a binary named by mistake would otherwise be typed
 * into the chat line by line). Both passes read the file in CHUNK pieces,
 * so memory use does not grow with the file, and Esc (or Ctrl-C) between
 * two lines stops the run; an Esc during an answer stops that answer, as
 * when typed. */
#include "platform.h"
#include "session.h"
#include "text.h"

#define CHUNK             ((size_t)64 << 10)
/* As long as a line typed at the prompt may be (repl.c's LINE_CAP). */
#define AUTORUN_LINE_CAP  16384
/* The text check polls for Esc every this many chunks (4 MiB): reading is
 * fast, but a huge file on a slow stick should still be stoppable. */
#define CHECK_POLL_CHUNKS 64

typedef struct {
    plat_file *f;
    uint64_t size;
    uint64_t next_read; /* file offset of the next chunk */
    uint64_t offset;    /* file offset of chunk[pos] */
    uint8_t *chunk;
    size_t pos, len;
    uint64_t chunks_read;
} reader;

typedef enum { GOT_LINE, GOT_END, GOT_READ_ERROR } got;

/* To the first line: past a byte-order mark from Windows editors. */
static void reader_rewind(reader *r)
{
    r->next_read = r->offset = 0;
    r->pos = r->len = 0;
    r->chunks_read = 0;
    uint8_t bom[3];
    if (r->size >= 3 && plat_read(r->f, 0, bom, 3) && bom[0] == 0xef && bom[1] == 0xbb && bom[2] == 0xbf)
        r->next_read = r->offset = 3;
}

/* The next line, without its '\n', into line[cap] (NUL-terminated). *len is
 * the line's whole length, which is more than cap - 1 when it was cut;
 * *start is the file offset of its first byte. */
static got next_line(reader *r, uint8_t *line, size_t cap, size_t *len, uint64_t *start)
{
    if (r->offset >= r->size) return GOT_END;
    *start = r->offset;
    size_t n = 0;
    for (;;) {
        if (r->pos == r->len) {
            if (r->next_read >= r->size) break; /* the last line has no '\n' */
            uint64_t left = r->size - r->next_read;
            size_t want = left < CHUNK ? (size_t)left : CHUNK;
            if (!plat_read(r->f, r->next_read, r->chunk, want)) return GOT_READ_ERROR;
            r->next_read += want;
            r->pos = 0;
            r->len = want;
            r->chunks_read++;
        }
        uint8_t c = r->chunk[r->pos++];
        r->offset++;
        if (c == '\n') break;
        if (n < cap - 1) line[n] = c;
        n++;
    }
    line[n < cap - 1 ? n : cap - 1] = 0;
    *len = n;
    return GOT_LINE;
}

/* Length of the valid UTF-8 sequence at s[0, n) (Unicode's well-formed
 * table: no overlong forms, no surrogates, nothing past U+10FFFF), 0 if the
 * bytes there are not one. */
static size_t utf8_valid_len(const uint8_t *s, size_t n)
{
    uint8_t b = s[0];
    if (b < 0x80) return 1;
    size_t need;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf)
        need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        if (b == 0xe0) lo = 0xa0;
        if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        if (b == 0xf0) lo = 0x90;
        if (b == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (n < need + 1 || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i <= need; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return need + 1;
}

/* Why s[0, n) is not text, or NULL; *at is the offending byte's index. */
static const char *not_text(const uint8_t *s, size_t n, size_t *at)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == 0) {
            *at = i;
            return "a NUL byte";
        }
        size_t k = utf8_valid_len(s + i, n - i);
        if (!k) {
            *at = i;
            return "invalid UTF-8";
        }
        i += k;
    }
    return 0;
}

/* The line as a REPL line: without '\r' and blanks at its ends; NULL for a
 * line that is skipped (blank, or a '#' comment). */
static char *runnable(uint8_t *line, size_t len)
{
    char *p = (char *)line, *e = p + len;
    while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
    *e = 0;
    while (*p == ' ' || *p == '\t') p++;
    return *p && *p != '#' ? p : 0;
}

/* The first pass: false (after saying why) if the file is not text, cannot
 * be read or the check was stopped; else *count is its runnable lines. */
static bool check_text(repl_state *st, reader *r, const char *path, uint8_t *line, unsigned *count)
{
    uint64_t line_no = 0, start;
    uint64_t polled = 0;
    size_t len;
    got g;
    *count = 0;
    while ((g = next_line(r, line, AUTORUN_LINE_CAP, &len, &start)) == GOT_LINE) {
        line_no++;
        if (len > AUTORUN_LINE_CAP - 1) {
            txt_printf("autorun: %s line %llu is longer than %u bytes: nothing run\n", path,
                       (unsigned long long)line_no, AUTORUN_LINE_CAP - 1);
            return false;
        }
        size_t at;
        const char *why = not_text(line, len, &at);
        if (why) {
            txt_printf("autorun: %s is not a text file (%s at byte %llu, line %llu): nothing run\n", path, why,
                       (unsigned long long)(start + at), (unsigned long long)line_no);
            return false;
        }
        if (runnable(line, len)) (*count)++;
        if (r->chunks_read >= polled + CHECK_POLL_CHUNKS) {
            polled = r->chunks_read;
            if (line_interrupt_pending(st->sys)) {
                txt_printf("autorun: %s stopped by Esc while being read: nothing run\n", path);
                return false;
            }
        }
    }
    if (g == GOT_READ_ERROR) {
        txt_printf("autorun: cannot read %s (%llu bytes) at byte %llu: nothing run\n", path,
                   (unsigned long long)r->size, (unsigned long long)r->next_read);
        return false;
    }
    return true;
}

/* The second pass: runs the lines. */
static void run_lines(repl_state *st, reader *r, const char *path, uint8_t *line, unsigned total)
{
    unsigned count = 0;
    uint64_t start;
    size_t len;
    got g;
    while ((g = next_line(r, line, AUTORUN_LINE_CAP, &len, &start)) == GOT_LINE) {
        size_t at;
        /* The first pass checked it; a file changed since is stopped here. */
        if (len > AUTORUN_LINE_CAP - 1 || not_text(line, len, &at)) {
            txt_printf("autorun: %s changed while running: stopped after %u of %u lines\n", path, count, total);
            return;
        }
        char *text = runnable(line, len);
        if (!text) continue;
        txt_printf("%s%s\n", REPL_PROMPT, text);
        count++;
        repl_execute(st, text);
        if (count < total && line_interrupt_pending(st->sys)) {
            txt_printf("autorun: %s stopped by Esc after %u of %u lines\n", path, count, total);
            return;
        }
    }
    if (g == GOT_READ_ERROR)
        txt_printf("autorun: cannot read %s at byte %llu: stopped after %u of %u lines\n", path,
                   (unsigned long long)r->next_read, count, total);
    else
        txt_printf("autorun: %s done (%u line%s)\n", path, count, count == 1 ? "" : "s");
}

void autorun_file(repl_state *st, const char *path)
{
    uint64_t size = 0;
    plat_file *f = plat_open(path, &size);
    if (!f) {
        txt_printf("autorun: %s is not on the boot volume: nothing run\n", path);
        return;
    }
    /* A file that runs itself (or two that run each other) would never end. */
    static bool running;
    if (running) {
        txt_printf("autorun: %s not run: autorun files cannot start other autorun files\n", path);
        plat_close(f);
        return;
    }
    reader r = {.f = f, .size = size};
    r.chunk = plat_alloc(CHUNK);
    uint8_t *line = plat_alloc(AUTORUN_LINE_CAP);
    if (!r.chunk || !line) {
        txt_printf("autorun: no memory for reading %s: nothing run\n", path);
    } else {
        running = true;
        unsigned total;
        reader_rewind(&r);
        if (check_text(st, &r, path, line, &total)) {
            reader_rewind(&r);
            run_lines(st, &r, path, line, total);
        }
        running = false;
    }
    plat_free(line);
    plat_free(r.chunk);
    plat_close(f);
}
