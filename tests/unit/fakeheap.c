#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fakeheap.h"

#define TYPE_SUBCLASS_FALLBACK (1ULL << 31)

void fh_init(struct fakeheap *h, const struct py_layout *L, size_t size)
{
    memset(h, 0, sizeof *h);
    h->L = L;
    h->size = size;
    h->mem = calloc(1, size);
    h->base = 0x7f0000000000ULL;
    h->r = gs_reader_buffer_new();
    gs_reader_buffer_add(h->r, h->base, h->mem, size, true);
    h->used = 64; /* address base+0 stays unused: never a valid pointer */

    /* _PyRuntime, and the main interpreter (embedded from 3.11 on). */
    h->runtime = fh_alloc(h, (size_t)L->runtime_size);
    if (py_layout_has(L->runtime_main_interpreter))
        h->interp = h->runtime + (uint64_t)L->runtime_main_interpreter;
    else
        h->interp = fh_alloc(h, (size_t)L->interp_size);
    fh_w64(h, h->runtime + (uint64_t)L->runtime_interpreters_head, h->interp);
    fh_w64(h, h->interp + (uint64_t)L->interp_modules, fh_alloc(h, 64));
    fh_w64(h, h->interp + (uint64_t)L->interp_sysdict, fh_alloc(h, 64));
    fh_w64(h, h->interp + (uint64_t)L->interp_builtins, fh_alloc(h, 64));

    h->gc = py_layout_has(L->interp_gc) ? h->interp + (uint64_t)L->interp_gc : h->runtime + (uint64_t)L->runtime_gc;
    fh_w32(h, h->gc + (uint64_t)L->gc_enabled, 1);
    for (int g = 0; g <= 3; g++) {
        uint64_t head = fh_gen_head(h, g);
        fh_w64(h, head + (uint64_t)L->gc_head_next, head);
        fh_w64(h, head + (uint64_t)L->gc_head_prev, head);
        if (g < 3)
            fh_w32(h, head + (uint64_t)L->gc_generation_threshold, g == 0 ? 700 : 10);
    }

    h->tstate = fh_alloc(h, (size_t)L->tstate_size);
    fh_w64(h, h->interp + (uint64_t)L->interp_threads_head, h->tstate);
    fh_w64(h, h->tstate + (uint64_t)L->tstate_interp, h->interp);

    uint64_t ts = py_layout_has(L->flag_type_subclass) ? (uint64_t)L->flag_type_subclass : TYPE_SUBCLASS_FALLBACK;
    h->type_type = fh_type(h, "type", ts | (uint64_t)L->flag_have_gc, L->heaptype_size, 40);
    h->object_type = fh_type(h, "object", 0, 16, 0);
}

void fh_free(struct fakeheap *h)
{
    gs_reader_free(h->r);
    free(h->mem);
}

uint64_t fh_alloc(struct fakeheap *h, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (h->used + size > h->size)
        abort(); /* the test asked for more than it planned */
    uint64_t a = h->base + h->used;
    h->used += size;
    return a;
}

static unsigned char *at(struct fakeheap *h, uint64_t addr, size_t n)
{
    if (addr < h->base || addr - h->base + n > h->size)
        abort();
    return h->mem + (addr - h->base);
}

void fh_w64(struct fakeheap *h, uint64_t addr, uint64_t v) { memcpy(at(h, addr, 8), &v, 8); }
void fh_w32(struct fakeheap *h, uint64_t addr, uint32_t v) { memcpy(at(h, addr, 4), &v, 4); }
void fh_w8(struct fakeheap *h, uint64_t addr, uint8_t v) { *at(h, addr, 1) = v; }

uint64_t fh_r64(struct fakeheap *h, uint64_t addr)
{
    uint64_t v;
    memcpy(&v, at(h, addr, 8), 8);
    return v;
}

uint64_t fh_cstring(struct fakeheap *h, const char *s)
{
    size_t n = strlen(s) + 1;
    uint64_t a = fh_alloc(h, n);
    memcpy(at(h, a, n), s, n);
    return a;
}

uint64_t fh_type(struct fakeheap *h, const char *tp_name, uint64_t flags, int64_t basicsize, int64_t itemsize)
{
    const struct py_layout *L = h->L;
    uint64_t t = fh_alloc(h, (size_t)L->heaptype_size);
    fh_w64(h, t + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, t + (uint64_t)L->object_type, h->type_type ? h->type_type : t);
    fh_w64(h, t + (uint64_t)L->type_name, fh_cstring(h, tp_name));
    fh_w64(h, t + (uint64_t)L->type_basicsize, (uint64_t)basicsize);
    fh_w64(h, t + (uint64_t)L->type_itemsize, (uint64_t)itemsize);
    fh_w64(h, t + (uint64_t)L->type_flags, flags);
    return t;
}

uint64_t fh_str(struct fakeheap *h, const char *s)
{
    const struct py_layout *L = h->L;
    static uint64_t str_type;
    static const struct py_layout *str_layout;
    static struct fakeheap *str_heap;
    if (str_layout != L || str_heap != h || !str_type) {
        str_type = fh_type(h, "str", (uint64_t)L->flag_unicode_subclass, L->unicode_ascii_size + 1, 1);
        str_layout = L;
        str_heap = h;
    }
    size_t n = strlen(s);
    uint64_t o = fh_alloc(h, (size_t)L->unicode_ascii_size + n + 1);
    fh_w64(h, o + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, o + (uint64_t)L->object_type, str_type);
    fh_w64(h, o + (uint64_t)L->unicode_length, n);
    uint32_t state = (1u << L->unicode_state_kind_shift) | (1u << L->unicode_state_compact_shift) |
                     (1u << L->unicode_state_ascii_shift);
    if (py_layout_has(L->unicode_state_ready_shift))
        state |= 1u << L->unicode_state_ready_shift;
    fh_w32(h, o + (uint64_t)L->unicode_state, state);
    memcpy(at(h, o + (uint64_t)L->unicode_ascii_size, n + 1), s, n + 1);
    return o;
}

uint64_t fh_gen_head(struct fakeheap *h, int gen)
{
    const struct py_layout *L = h->L;
    if (gen == 3)
        return h->gc + (uint64_t)L->gc_permanent_generation;
    return h->gc + (uint64_t)L->gc_generations + (uint64_t)(gen * L->gc_generation_size);
}

uint64_t fh_gc_object(struct fakeheap *h, int gen, uint64_t type, size_t size)
{
    const struct py_layout *L = h->L;
    uint64_t hs = (uint64_t)L->gc_head_size;
    uint64_t g = fh_alloc(h, (size_t)hs + size);
    uint64_t head = fh_gen_head(h, gen);
    uint64_t last = fh_r64(h, head + (uint64_t)L->gc_head_prev);
    fh_w64(h, g + (uint64_t)L->gc_head_next, head);
    fh_w64(h, g + (uint64_t)L->gc_head_prev, last);
    fh_w64(h, last + (uint64_t)L->gc_head_next, g);
    fh_w64(h, head + (uint64_t)L->gc_head_prev, g);
    uint64_t o = g + hs;
    fh_w64(h, o + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, o + (uint64_t)L->object_type, type);
    return o;
}
