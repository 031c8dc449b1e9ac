/* A backtracking matcher for the pre-tokenizer regexes, which
 * python/llmbm_build/regex_program.py compiles at build time into the
 * instruction tables of pretok_tables.c (see there for the instruction set).
 * It works on codepoints and never looks outside the piece [.., end): a
 * look-ahead at the end of a piece sees nothing, as in llama.cpp, which runs
 * each regex on each piece separately. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { RX_CLASS, RX_SPLIT, RX_JMP, RX_END, RX_LOOK, RX_NLOOK, RX_MATCH };

typedef struct rx_inst {
    uint8_t op;
    uint16_t a, b; /* CLASS: class index; SPLIT: first choice, second; JMP, LOOK, NLOOK: next */
} rx_inst;

/* cats: GGUF_UCD_* bits; ranges [first_range, first_range + n_ranges) of gguf_rx_ranges. */
typedef struct rx_class {
    uint8_t cats;
    bool negate;
    uint16_t first_range, n_ranges;
} rx_class;

extern const rx_inst gguf_rx_code[];
extern const rx_class gguf_rx_classes[];
extern const uint32_t gguf_rx_ranges[][2];

/* Backtracking state, grown on demand; zero-initialise, free with rx_stack_free. */
typedef struct rx_stack {
    uint32_t (*slot)[2]; /* (pc, pos) to resume from */
    size_t top, cap;
} rx_stack;

void rx_stack_free(rx_stack *st);

/* The text a program runs on: codepoints with their GGUF_UCD_* class bits
 * (looked up once per codepoint rather than once per attempt), and the end
 * of the piece being split. */
typedef struct rx_text {
    const uint32_t *cp;
    const uint8_t *flags;
    size_t end;
} rx_text;

/* Runs the program at pc anchored at position pos of t. 1 and *match_end on
 * a match, 0 if none, -1 if memory ran out. */
int rx_match(uint32_t pc, const rx_text *t, size_t pos, rx_stack *st, size_t *match_end);
