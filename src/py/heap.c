#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "py/heap.h"
#include "py/heap_ft.h"

/* _gc_prev's low two bits are flags (PREV_MASK_COLLECTING, FINALIZED) from
 * 3.8 on; _gc_next's low bit marks unreachable objects during a collection
 * (and the old space in 3.14's incremental collector). Mask them off. */
#define GC_PTR_MASK (~(uint64_t)3)

static void problem(struct gs_py_heap_stats *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(struct gs_py_heap_stats *st, const char *fmt, ...)
{
    st->broken_lists++;
    if (st->first_problem[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->first_problem, sizeof st->first_problem, fmt, ap);
    va_end(ap);
}

/* Walk one list; returns false if the visitor asked to stop. */
static bool walk_list(const struct gs_py_runtime *rt, size_t interp, int gen, uint64_t head, uint64_t max_objects,
                      gs_py_heap_visit_fn fn, void *arg, struct gs_py_heap_stats *st)
{
    const struct gs_py_ctx *c = &rt->ctx;
    const struct gs_py_layout *L = c->L;
    uint64_t hsize = (uint64_t)L->gc_head_size;
    uint64_t prev = head, cur;
    if (!gs_py_read_ptr(c, head + (uint64_t)L->gc_head_next, &cur)) {
        problem(st, "cannot read GC list head 0x%llx (generation %d)", (unsigned long long)head, gen);
        return true;
    }
    cur &= GC_PTR_MASK;
    uint64_t seen = 0;
    while (cur != head) {
        if (seen++ >= max_objects) {
            problem(st, "GC list at 0x%llx (generation %d) is longer than memory allows: it loops",
                    (unsigned long long)head, gen);
            return true;
        }
        /* One read for the GC header and the object header together. */
        struct {
            uint64_t next, prev, refcnt, type;
        } h;
        const void *v = gs_view(c->r, cur, sizeof h);
        if (v)
            memcpy(&h, v, sizeof h);
        else if (!gs_read_exact(c->r, cur, &h, sizeof h)) {
            problem(st, "unreadable GC header at 0x%llx (generation %d)", (unsigned long long)cur, gen);
            return true;
        }
        if ((h.prev & GC_PTR_MASK) != prev) {
            problem(st, "GC list link at 0x%llx (generation %d) does not point back: list is being changed",
                    (unsigned long long)cur, gen);
            return true;
        }
        struct gs_py_heap_object o = {
            .addr = cur + hsize,
            .refcnt = gs_py_refcnt_of_word(L, h.refcnt),
            .type = h.type,
            .generation = gen,
            .interp = interp,
        };
        /* The object header follows the 16-byte PyGC_Head in every version. */
        if (hsize != 16) {
            uint64_t word;
            if (!gs_py_read_ptr(c, o.addr + (uint64_t)L->object_refcnt, &word) ||
                !gs_py_read_ptr(c, o.addr + (uint64_t)L->object_type, &o.type)) {
                problem(st, "unreadable object at 0x%llx (generation %d)", (unsigned long long)o.addr, gen);
                return true;
            }
            o.refcnt = gs_py_refcnt_of_word(L, word);
        }
        st->objects[gen]++;
        if (!fn(arg, &o))
            return false;
        prev = cur;
        cur = h.next & GC_PTR_MASK;
    }
    return true;
}

gs_status gs_py_heap_walk(const struct gs_py_runtime *rt, uint64_t max_objects, gs_py_heap_visit_fn fn, void *arg,
                       struct gs_py_heap_stats *stats, gs_error *err)
{
    memset(stats, 0, sizeof *stats);
    if (max_objects == 0)
        max_objects = (uint64_t)1 << 32;
    if (gs_py_runtime_collecting(rt))
        return gs_fail(err, GS_ERR_BUSY, "a garbage collection is in progress in the target");
    /* Free-threaded: no lists; the objects are found in the mimalloc heaps. */
    if (gs_py_layout_is_free_threaded(rt->ctx.L))
        return gs_py_heap_walk_ft(rt, max_objects, fn, arg, stats, err);
    for (size_t i = 0; i < rt->ninterps; i++) {
        const struct gs_py_gcstate *gc = &rt->interps[i].gc;
        for (int g = 0; g <= GS_PY_GEN_PERMANENT; g++) {
            uint64_t head = g < GS_PY_GEN_PERMANENT ? gc->generation_heads[g] : gc->permanent_head;
            if (!walk_list(rt, i, g, head, max_objects, fn, arg, stats))
                return GS_OK;
        }
    }
    return GS_OK;
}
