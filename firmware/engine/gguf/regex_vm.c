/* The pre-tokenizer regex matcher: classic backtracking over the compiled
 * program, first match wins (what Perl, ECMAScript and Python's regex do,
 * and what llama.cpp's std::regex does with these patterns). The patterns
 * are fixed at build time and never loop on empty text (the compiler
 * refuses that), so every run ends. */
#include "regex_vm.h"

#include "platform.h"
#include "rt_string.h"

static bool class_has(const rx_class *c, uint32_t cp, unsigned flags)
{
    bool in = (flags & c->cats) != 0;
    for (uint32_t i = 0; i < c->n_ranges && !in; i++) {
        const uint32_t *r = gguf_rx_ranges[c->first_range + i];
        in = cp >= r[0] && cp <= r[1];
    }
    return in != c->negate;
}

static bool push(rx_stack *st, uint32_t pc, size_t pos)
{
    if (st->top == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 256;
        uint32_t(*slot)[2] = plat_alloc(cap * sizeof *slot);
        if (!slot) return false;
        if (st->top) rt_memcpy(slot, st->slot, st->top * sizeof *slot);
        plat_free(st->slot);
        st->slot = slot;
        st->cap = cap;
    }
    st->slot[st->top][0] = pc;
    st->slot[st->top][1] = (uint32_t)pos;
    st->top++;
    return true;
}

void rx_stack_free(rx_stack *st)
{
    plat_free(st->slot);
    rt_memset(st, 0, sizeof *st);
}

int rx_match(uint32_t pc, const rx_text *t, size_t pos, rx_stack *st, size_t *match_end)
{
    size_t base = st->top; /* a look-ahead runs on top of its caller's choices */
    for (;;) {
        const rx_inst *in = &gguf_rx_code[pc];
        bool ok = true;
        switch (in->op) {
            case RX_CLASS:
                ok = pos < t->end && class_has(&gguf_rx_classes[in->a], t->cp[pos], t->flags[pos]);
                pos++, pc++;
                break;
            case RX_SPLIT:
                if (!push(st, in->b, pos)) return -1;
                pc = in->a;
                break;
            case RX_JMP: pc = in->a; break;
            case RX_END:
                ok = pos == t->end;
                pc++;
                break;
            case RX_LOOK:
            case RX_NLOOK: {
                size_t ignored;
                int r = rx_match(pc + 1, t, pos, st, &ignored);
                if (r < 0) return -1;
                ok = (r == 1) == (in->op == RX_LOOK);
                pc = in->a;
                break;
            }
            default: /* RX_MATCH */
                st->top = base;
                *match_end = pos;
                return 1;
        }
        if (ok) continue;
        if (st->top == base) return 0;
        st->top--;
        pc = st->slot[st->top][0];
        pos = st->slot[st->top][1];
    }
}
