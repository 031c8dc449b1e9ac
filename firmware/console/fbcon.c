/* The framebuffer text console (see fbcon.h). Every change goes through the
 * cell array first and is then drawn from it, so the cursor, a wide
 * character's two halves and a combining mark are always redrawn alike. */
#include "fbcon.h"

#define MIN_COLS  20
#define MIN_ROWS  5
#define MAX_SCALE 8

const uint32_t fbcon_palette[FBCON_COLORS] = {
    [FBCON_MESSAGE] = 0x00b0b8c0, /* light grey */
    [FBCON_PROMPT] = 0x0060d070,  /* green */
    [FBCON_INPUT] = 0x00ffffff,   /* white */
    [FBCON_ANSWER] = 0x00ffd878,  /* warm yellow */
    [FBCON_THINK] = 0x00807458,   /* the answer's yellow, dimmed */
};

unsigned fbcon_auto_scale(unsigned width, unsigned height)
{
    (void)width;
    unsigned s = (height + 540) / 1080;
    return s < 1 ? 1 : s > MAX_SCALE ? MAX_SCALE : s;
}

static unsigned cell_w(const fbcon *c) { return FONT_CELL_WIDTH * c->scale; }

static unsigned cell_h(const fbcon *c) { return FONT_HEIGHT * c->scale; }

static fbcon_cell *cell(fbcon *c, unsigned col, unsigned row) { return &c->cells[(size_t)row * c->cols + col]; }

static void mark_dirty(fbcon *c, unsigned x0, unsigned y0, unsigned x1, unsigned y1)
{
    if (c->dirty_x0 >= c->dirty_x1) {
        c->dirty_x0 = x0, c->dirty_y0 = y0, c->dirty_x1 = x1, c->dirty_y1 = y1;
        return;
    }
    if (x0 < c->dirty_x0) c->dirty_x0 = x0;
    if (y0 < c->dirty_y0) c->dirty_y0 = y0;
    if (x1 > c->dirty_x1) c->dirty_x1 = x1;
    if (y1 > c->dirty_y1) c->dirty_y1 = y1;
}

static void fill(fbcon *c, unsigned x0, unsigned y0, unsigned w, unsigned h, uint32_t color)
{
    for (unsigned y = y0; y < y0 + h; y++) {
        uint32_t *p = c->pixels + (size_t)y * c->pitch + x0;
        for (unsigned x = 0; x < w; x++) p[x] = color;
    }
    mark_dirty(c, x0, y0, x0 + w, y0 + h);
}

/* Draws glyph g with its top-left at cell (col, row): its set bits in fg,
 * the others in bg unless overlay (a combining mark keeps what is under it). */
static void blit_glyph(fbcon *c, unsigned col, unsigned row, font_glyph g, uint32_t fg, uint32_t bg, bool overlay)
{
    unsigned s = c->scale, cells = g.cells;
    if (col + cells > c->cols) cells = c->cols - col; /* a wide mark over the last column: cut */
    unsigned x0 = col * cell_w(c), y0 = row * cell_h(c);
    for (unsigned r = 0; r < FONT_HEIGHT; r++) {
        for (unsigned half = 0; half < cells; half++) {
            uint8_t bits = g.rows[half * FONT_HEIGHT + r];
            for (unsigned b = 0; b < FONT_CELL_WIDTH; b++) {
                bool on = bits >> (7 - b) & 1;
                if (!on && overlay) continue;
                uint32_t v = on ? fg : bg;
                unsigned x = x0 + (half * FONT_CELL_WIDTH + b) * s;
                for (unsigned dy = 0; dy < s; dy++) {
                    uint32_t *p = c->pixels + (size_t)(y0 + r * s + dy) * c->pitch + x;
                    for (unsigned dx = 0; dx < s; dx++) p[dx] = v;
                }
            }
        }
    }
    mark_dirty(c, x0, y0, x0 + cells * cell_w(c), y0 + cell_h(c));
}

/* Where the cursor is drawn: the wrap position shows on the last column. */
static unsigned cursor_col(const fbcon *c) { return c->col < c->cols ? c->col : c->cols - 1; }

static void draw_cell(fbcon *c, unsigned col, unsigned row)
{
    fbcon_cell *k = cell(c, col, row);
    if (k->flags & FBCON_RIGHT_HALF && col > 0) {
        draw_cell(c, col - 1, row); /* the left half draws both */
        return;
    }
    uint32_t fg = fbcon_palette[k->color < FBCON_COLORS ? k->color : FBCON_MESSAGE];
    unsigned x = col * cell_w(c), y = row * cell_h(c);
    unsigned span = 1;
    if (k->cp) {
        font_glyph g = font_lookup(k->cp);
        span = g.cells;
        if (col + span > c->cols) span = 1;
        if (span == 2 && !(cell(c, col + 1, row)->flags & FBCON_RIGHT_HALF))
            span = 1; /* should not happen: the right half was overwritten */
        g.cells = (uint8_t)span;
        blit_glyph(c, col, row, g, fg, FBCON_BACKGROUND, false);
        if (k->mark) blit_glyph(c, col, row, font_lookup(k->mark), fg, FBCON_BACKGROUND, true);
    } else {
        fill(c, x, y, cell_w(c), cell_h(c), FBCON_BACKGROUND);
    }
    /* The cursor: a bar under the cell, an eighth of its height. */
    if (c->cursor_shown && row == c->row && (col == cursor_col(c) || (span == 2 && col + 1 == cursor_col(c))))
        fill(c, cursor_col(c) * cell_w(c), y + cell_h(c) - 2 * c->scale, cell_w(c), 2 * c->scale,
             fbcon_palette[FBCON_INPUT]);
}

static void redraw_all(fbcon *c)
{
    fill(c, 0, 0, c->width, c->height, FBCON_BACKGROUND);
    for (unsigned r = 0; r < c->rows; r++)
        for (unsigned col = 0; col < c->cols; col++)
            if (cell(c, col, r)->cp || (r == c->row && col == cursor_col(c))) draw_cell(c, col, r);
}

static void set_cursor(fbcon *c, unsigned col, unsigned row)
{
    unsigned old_col = cursor_col(c), old_row = c->row;
    c->col = col;
    c->row = row;
    if (old_col != cursor_col(c) || old_row != row) {
        draw_cell(c, old_col, old_row);
        draw_cell(c, cursor_col(c), row);
    }
}

static void scroll(fbcon *c)
{
    unsigned h = cell_h(c), used = c->rows * h;
    for (unsigned y = 0; y + h < used; y++) {
        uint32_t *dst = c->pixels + (size_t)y * c->pitch, *src = dst + (size_t)h * c->pitch;
        for (unsigned x = 0; x < c->cols * cell_w(c); x++) dst[x] = src[x];
    }
    for (size_t i = 0; i + c->cols < (size_t)c->cols * c->rows; i++) c->cells[i] = c->cells[i + c->cols];
    for (unsigned col = 0; col < c->cols; col++) *cell(c, col, c->rows - 1) = (fbcon_cell){0};
    fill(c, 0, used - h, c->cols * cell_w(c), h, FBCON_BACKGROUND);
    mark_dirty(c, 0, 0, c->cols * cell_w(c), used);
    if (c->base_row > 0)
        c->base_row--;
    else
        c->have_base = false;
}

static void newline(fbcon *c)
{
    unsigned old_col = cursor_col(c), old_row = c->row;
    c->col = 0;
    if (c->row + 1 < c->rows) {
        c->row++;
    } else {
        scroll(c); /* moves the old cursor row up: its cell is redrawn below */
        old_row--;
    }
    draw_cell(c, old_col, old_row);
    draw_cell(c, 0, c->row);
}

/* Blanks a cell, and the other half of a wide character it belonged to. */
static void clear_cell(fbcon *c, unsigned col, unsigned row)
{
    fbcon_cell *k = cell(c, col, row);
    if (k->flags & FBCON_RIGHT_HALF && col > 0) {
        *cell(c, col - 1, row) = (fbcon_cell){0};
        draw_cell(c, col - 1, row);
    } else if (k->cp && col + 1 < c->cols && cell(c, col + 1, row)->flags & FBCON_RIGHT_HALF) {
        *cell(c, col + 1, row) = (fbcon_cell){0};
        draw_cell(c, col + 1, row);
    }
    *k = (fbcon_cell){0};
}

static void put_char(fbcon *c, uint32_t cp)
{
    font_glyph g = font_lookup(cp);
    if (g.combining) {
        /* On the character left of the cursor, as terminals do (so the
         * line editor can add a mark without redrawing its base); at the
         * start of a row, on the character that wrapped there from. */
        unsigned col = c->base_col, row = c->base_row;
        bool found = c->have_base;
        if (c->col > 0) {
            col = cursor_col(c) == c->col ? c->col - 1 : c->cols - 1;
            if (col > 0 && cell(c, col, c->row)->flags & FBCON_RIGHT_HALF) col--;
            row = c->row;
            found = cell(c, col, row)->cp != 0;
        }
        if (found) {
            cell(c, col, row)->mark = (uint16_t)cp;
            draw_cell(c, col, row);
        }
        return; /* a mark with nothing before it on screen is dropped */
    }
    unsigned width = g.cells;
    if (c->col + width > c->cols) newline(c);
    unsigned col = c->col, row = c->row;
    clear_cell(c, col, row);
    if (width == 2) clear_cell(c, col + 1, row);
    *cell(c, col, row) = (fbcon_cell){.cp = cp, .color = c->color};
    if (width == 2) *cell(c, col + 1, row) = (fbcon_cell){.cp = cp, .color = c->color, .flags = FBCON_RIGHT_HALF};
    c->have_base = true;
    c->base_col = col;
    c->base_row = row;
    c->col += width;
    draw_cell(c, col, row);
    if (c->col < c->cols) draw_cell(c, c->col, row); /* the cursor moved there */
}

static void control(fbcon *c, uint32_t ch)
{
    switch (ch) {
        case '\n':
            newline(c);
            c->have_base = false;
            break;
        case '\r':
            set_cursor(c, 0, c->row);
            c->have_base = false;
            break;
        case '\b':
            if (c->col > 0) {
                unsigned col = c->col - 1;
                if (col > 0 && cell(c, col, c->row)->flags & FBCON_RIGHT_HALF) col--;
                set_cursor(c, col, c->row);
            }
            c->have_base = false;
            break;
        case '\t':
            do put_char(c, ' ');
            while (c->col % 8 && c->col < c->cols);
            break;
        default: break; /* other controls: nothing to draw */
    }
}

static void put_cp(fbcon *c, uint32_t cp)
{
    if (cp < 0x20 || cp == 0x7f)
        control(c, cp);
    else
        put_char(c, cp);
}

void fbcon_write(fbcon *c, const char *utf8, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)utf8[i];
        if (c->utf8_need && (b & 0xc0) == 0x80) {
            c->utf8_cp = c->utf8_cp << 6 | (b & 0x3f);
            if (--c->utf8_need == 0) put_cp(c, c->utf8_cp);
            continue;
        }
        if (c->utf8_need) { /* a sequence cut short */
            put_cp(c, 0xfffd);
            c->utf8_need = 0;
        }
        if (b < 0x80) {
            put_cp(c, b);
        } else if ((b & 0xe0) == 0xc0) {
            c->utf8_cp = b & 0x1f;
            c->utf8_need = 1;
        } else if ((b & 0xf0) == 0xe0) {
            c->utf8_cp = b & 0x0f;
            c->utf8_need = 2;
        } else if ((b & 0xf8) == 0xf0) {
            c->utf8_cp = b & 0x07;
            c->utf8_need = 3;
        } else {
            put_cp(c, 0xfffd);
        }
    }
}

void fbcon_set_color(fbcon *c, fbcon_color color) { c->color = (uint8_t)color; }

static bool fits(const fbcon *c, unsigned scale)
{
    unsigned cols = c->width / (FONT_CELL_WIDTH * scale), rows = c->height / (FONT_HEIGHT * scale);
    return cols >= MIN_COLS && rows >= MIN_ROWS && (size_t)cols * rows <= c->cells_cap;
}

bool fbcon_init(fbcon *c, uint32_t *pixels, unsigned width, unsigned height, unsigned pitch, fbcon_cell *cells,
                size_t cells_cap, unsigned scale)
{
    *c = (fbcon){.pixels = pixels,
                 .width = width,
                 .height = height,
                 .pitch = pitch,
                 .cells = cells,
                 .cells_cap = cells_cap,
                 .scale = 0 /* none yet */,
                 .cursor_shown = true};
    if (pitch < width || !fits(c, 1)) return false;
    c->cols = width / FONT_CELL_WIDTH;
    c->rows = height / FONT_HEIGHT;
    for (size_t i = 0; i < (size_t)c->cols * c->rows; i++) cells[i] = (fbcon_cell){0};
    fbcon_set_scale(c, scale);
    return true;
}

unsigned fbcon_set_scale(fbcon *c, unsigned scale)
{
    if (scale < 1) scale = 1;
    if (scale > MAX_SCALE) scale = MAX_SCALE;
    while (scale > 1 && !fits(c, scale)) scale--;
    /* font_scale=auto at boot asks again for the scale init chose: no relayout, no redraw. */
    if (scale == c->scale) return scale;
    unsigned cols = c->width / (FONT_CELL_WIDTH * scale), rows = c->height / (FONT_HEIGHT * scale);
    /* Keep the newest lines (those up to the cursor's), each cut to the new
     * width. Rows move towards lower indices when the grid shrinks (copy
     * ascending) and higher ones when it grows (then first is 0: descend). */
    unsigned first = c->row + 1 > rows ? c->row + 1 - rows : 0, keep = c->row + 1 - first;
    unsigned copy_cols = cols < c->cols ? cols : c->cols;
    if (cols <= c->cols) {
        for (unsigned r = 0; r < keep; r++)
            for (unsigned k = 0; k < copy_cols; k++)
                c->cells[(size_t)r * cols + k] = c->cells[(size_t)(first + r) * c->cols + k];
    } else {
        for (unsigned r = keep; r-- > 0;)
            for (unsigned k = copy_cols; k-- > 0;)
                c->cells[(size_t)r * cols + k] = c->cells[(size_t)(first + r) * c->cols + k];
    }
    for (unsigned r = 0; r < rows; r++)
        for (unsigned k = r < keep ? copy_cols : 0; k < cols; k++) c->cells[(size_t)r * cols + k] = (fbcon_cell){0};
    c->scale = scale;
    c->cols = cols;
    c->rows = rows;
    c->row = keep - 1;
    if (c->col > cols) c->col = cols;
    c->have_base = false;
    redraw_all(c);
    return scale;
}

bool fbcon_take_dirty(fbcon *c, unsigned *x, unsigned *y, unsigned *w, unsigned *h)
{
    if (c->dirty_x0 >= c->dirty_x1) return false;
    *x = c->dirty_x0;
    *y = c->dirty_y0;
    *w = c->dirty_x1 - c->dirty_x0;
    *h = c->dirty_y1 - c->dirty_y0;
    c->dirty_x0 = c->dirty_x1 = 0;
    return true;
}
