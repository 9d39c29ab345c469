/* test_heap: the runtime reader and the GC heap walk over a fake heap laid
 * out by every layout table, including broken lists, loops, unreadable
 * objects, garbage types and a collection in progress. */
#include "config.h"

#include <stdio.h>

#include "fakeheap.h"
#include "py/choose.h"
#include "py/heap.h"
#include "py/object.h"
#include "py/runtime.h"
#include "py/sizeof.h"
#include "py/typeinfo.h"
#include "unit.h"

struct seen {
    uint64_t addrs[64];
    int gens[64];
    size_t n;
};

static bool record(void *arg, const struct gs_py_heap_object *o)
{
    struct seen *s = arg;
    if (s->n < 64) {
        s->addrs[s->n] = o->addr;
        s->gens[s->n] = o->generation;
    }
    s->n++;
    return true;
}

static gs_status walk(struct fakeheap *h, uint64_t max, struct seen *s, struct gs_py_heap_stats *st)
{
    struct gs_py_runtime rt;
    gs_error err;
    memset(s, 0, sizeof *s);
    gs_status rs = gs_py_runtime_read(h->r, h->L, h->runtime, &rt, &err);
    if (rs != GS_OK)
        return rs;
    gs_status ws = gs_py_heap_walk(&rt, max, record, s, st, &err);
    gs_py_runtime_free(&rt);
    return ws;
}

static void test_layout(const struct gs_py_layout *L)
{
    struct fakeheap h;
    struct seen s;
    struct gs_py_heap_stats st;
    gs_error err;
    fh_init(&h, L, 4 << 20);
    uint64_t thing = fh_type(&h, "mymod.Thing", (uint64_t)L->flag_have_gc, 32, 0);
    uint64_t list_type = fh_type(&h, "list", (uint64_t)L->flag_have_gc | (uint64_t)L->flag_list_subclass,
                                 L->list_size, 0);

    /* Runtime: one interpreter, one thread pointing back, the collector. */
    struct gs_py_runtime rt;
    UNIT_CHECK(gs_py_runtime_read(h.r, L, h.runtime, &rt, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(rt.ninterps, 1);
    if (rt.ninterps == 1) {
        UNIT_CHECK_EQ_U64(rt.interps[0].nthreads, 1);
        UNIT_CHECK(rt.interps[0].gc.enabled);
        UNIT_CHECK_EQ_U64(rt.interps[0].gc.thresholds[0], 700);
        UNIT_CHECK_EQ_U64(rt.interps[0].gc.thresholds[2], 10);
    }
    gs_py_runtime_free(&rt);

    /* Objects in every generation, found in order with their generation. */
    uint64_t a = fh_gc_object(&h, 0, thing, 32);
    uint64_t b = fh_gc_object(&h, 0, thing, 32);
    uint64_t c = fh_gc_object(&h, 2, list_type, (size_t)L->list_size);
    uint64_t d = fh_gc_object(&h, 3, thing, 32);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_OK);
    UNIT_CHECK_EQ_U64(s.n, 4);
    UNIT_CHECK_EQ_U64(s.addrs[0], a);
    UNIT_CHECK_EQ_U64(s.addrs[1], b);
    UNIT_CHECK_EQ_U64(s.addrs[2], c);
    UNIT_CHECK_EQ_U64(s.gens[2], 2);
    UNIT_CHECK_EQ_U64(s.addrs[3], d);
    UNIT_CHECK_EQ_U64(s.gens[3], GS_PY_GEN_PERMANENT);
    UNIT_CHECK_EQ_U64(st.broken_lists, 0);

    /* Type names: "mymod.Thing" is Thing from mymod; "list" is a builtin. */
    struct gs_py_ctx ctx = {h.r, L, NULL};
    struct gs_py_types types;
    gs_py_types_init(&types);
    uint32_t ti = gs_py_types_get(&types, &ctx, thing);
    UNIT_CHECK(ti != GS_PY_TYPE_BAD);
    UNIT_CHECK_STR(types.v[ti].name, "Thing");
    UNIT_CHECK_STR(types.v[ti].module, "mymod");
    uint32_t li = gs_py_types_get(&types, &ctx, list_type);
    UNIT_CHECK_STR(types.v[li].module, "builtins");
    UNIT_CHECK(types.v[li].kind == GS_PYK_LIST);
    UNIT_CHECK(gs_py_types_get(&types, &ctx, thing) == ti); /* cached */
    /* Garbage "types": unmapped, and a readable object that is no type. */
    UNIT_CHECK(gs_py_types_get(&types, &ctx, 0xdeadbeef0) == GS_PY_TYPE_BAD);
    UNIT_CHECK(gs_py_types_get(&types, &ctx, a) == GS_PY_TYPE_BAD);

    /* sys.getsizeof of a list: basic size + allocated slots + GC header. */
    fh_w64(&h, c + (uint64_t)L->list_allocated, 10);
    uint64_t size = 0;
    UNIT_CHECK(gs_py_getsizeof(&ctx, c, &types.v[li], &size));
    UNIT_CHECK_EQ_U64(size, (uint64_t)L->list_size + 80 + (uint64_t)L->gc_head_size);
    gs_py_types_free(&types);

    /* Strings and the str comparison used for dict lookups. */
    uint64_t str = fh_str(&h, "version");
    char buf[32];
    int64_t len = 0;
    UNIT_CHECK(gs_py_str_utf8(&ctx, str, buf, sizeof buf, &len));
    UNIT_CHECK_STR(buf, "version");
    UNIT_CHECK_EQ_U64(len, 7);
    UNIT_CHECK(gs_py_str_utf8(&ctx, str, buf, 4, &len)); /* cut to fit */
    UNIT_CHECK_STR(buf, "ver");
    UNIT_CHECK(gs_py_str_equals(&ctx, str, "version"));
    UNIT_CHECK(!gs_py_str_equals(&ctx, str, "versio"));
    UNIT_CHECK(!gs_py_str_utf8(&ctx, a, buf, sizeof buf, &len)); /* not a str */

    /* A bound on the list length is respected. */
    UNIT_CHECK(walk(&h, 1, &s, &st) == GS_OK);
    UNIT_CHECK(st.broken_lists >= 1);

    /* A back link that disagrees stops the walk of that list only. */
    uint64_t hs = (uint64_t)L->gc_head_size;
    uint64_t saved = fh_r64(&h, b - hs + (uint64_t)L->gc_head_prev);
    fh_w64(&h, b - hs + (uint64_t)L->gc_head_prev, 0x1234560);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_OK);
    UNIT_CHECK_EQ_U64(s.n, 3); /* a, then c and d from the other lists */
    UNIT_CHECK_EQ_U64(st.broken_lists, 1);
    UNIT_CHECK(strstr(st.first_problem, "does not point back") != NULL);
    fh_w64(&h, b - hs + (uint64_t)L->gc_head_prev, saved);

    /* A loop that does not pass the head: b.next = a. a's back link says
     * head, not b, so the walk stops instead of going round for ever. */
    uint64_t saved_next = fh_r64(&h, b - hs + (uint64_t)L->gc_head_next);
    fh_w64(&h, b - hs + (uint64_t)L->gc_head_next, a - hs);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_OK);
    UNIT_CHECK_EQ_U64(st.broken_lists, 1);
    UNIT_CHECK_EQ_U64(s.n, 4);
    /* A next pointer into unmapped memory. */
    fh_w64(&h, b - hs + (uint64_t)L->gc_head_next, 0x10);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_OK);
    UNIT_CHECK_EQ_U64(st.broken_lists, 1);
    UNIT_CHECK(strstr(st.first_problem, "unreadable") != NULL);
    fh_w64(&h, b - hs + (uint64_t)L->gc_head_next, saved_next);

    /* A collection in progress is reported, not walked. */
    fh_w32(&h, h.gc + (uint64_t)L->gc_collecting, 1);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_ERR_BUSY);
    fh_w32(&h, h.gc + (uint64_t)L->gc_collecting, 0);

    /* A thread that does not point back at its interpreter: corrupt. */
    fh_w64(&h, h.tstate + (uint64_t)L->tstate_interp, h.tstate);
    UNIT_CHECK(gs_py_runtime_read(h.r, L, h.runtime, &rt, &err) == GS_ERR_CORRUPT);
    fh_w64(&h, h.tstate + (uint64_t)L->tstate_interp, h.interp);
    /* A thread list that loops onto itself. */
    fh_w64(&h, h.tstate + (uint64_t)L->tstate_next, h.tstate);
    UNIT_CHECK(gs_py_runtime_read(h.r, L, h.runtime, &rt, &err) == GS_ERR_CORRUPT);
    fh_w64(&h, h.tstate + (uint64_t)L->tstate_next, 0);
    /* An uninitialised collector (list heads NULL). */
    fh_w64(&h, fh_gen_head(&h, 1) + (uint64_t)L->gc_head_next, 0);
    UNIT_CHECK(gs_py_runtime_read(h.r, L, h.runtime, &rt, &err) == GS_ERR_CORRUPT);
    /* No interpreter at all. */
    fh_w64(&h, h.runtime + (uint64_t)L->runtime_interpreters_head, 0);
    UNIT_CHECK(gs_py_runtime_read(h.r, L, h.runtime, &rt, &err) == GS_ERR_CORRUPT);
    fh_free(&h);
}

/* 3.14.0-3.14.4's incremental collector marks the old space an object is
 * in with bit 0 of its _gc_next (the links of old[1], here generation 2):
 * the walk masks it and finds every object. */
static void test_old_space_bits(const struct gs_py_layout *L)
{
    struct fakeheap h;
    struct seen s;
    struct gs_py_heap_stats st;
    fh_init(&h, L, 4 << 20);
    uint64_t thing = fh_type(&h, "mymod.Thing", (uint64_t)L->flag_have_gc, 32, 0);
    uint64_t head = fh_gen_head(&h, 2);
    uint64_t o[3];
    for (int i = 0; i < 3; i++)
        o[i] = fh_gc_object(&h, 2, thing, 32);
    for (int i = 0; i < 3; i++) { /* the space bit on every link of the list */
        uint64_t g = o[i] - (uint64_t)L->gc_head_size;
        fh_w64(&h, g + (uint64_t)L->gc_head_next, fh_r64(&h, g + (uint64_t)L->gc_head_next) | 1);
    }
    fh_w64(&h, head + (uint64_t)L->gc_head_next, fh_r64(&h, head + (uint64_t)L->gc_head_next) | 1);
    fh_w32(&h, h.gc + (uint64_t)L->gc_incremental_visited_space, 1);
    UNIT_CHECK(walk(&h, 0, &s, &st) == GS_OK);
    UNIT_CHECK_EQ_U64(s.n, 3);
    UNIT_CHECK_EQ_U64(st.broken_lists, 0);
    for (int i = 0; i < 3 && i < (int)s.n; i++)
        UNIT_CHECK(s.addrs[i] == o[i] && s.gens[i] == 2);
    fh_free(&h);
}

int main(void)
{
    int tables = 0;
    for (const struct gs_py_layout *const *L = gs_py_layouts; *L; L++) {
        /* A free-threaded build keeps no collector lists: its objects are
         * found in mimalloc heaps (py/heap_ft.c), not by this fake heap. */
        if (gs_py_layout_is_free_threaded(*L))
            continue;
        test_layout(*L);
        tables++;
    }
    UNIT_CHECK(tables >= 6);
    /* The incremental reading of 3.14 (py/choose.h) walks the same lists. */
    static struct gs_py_layout incremental;
    gs_py_layout_make_incremental(gs_py_layout_for(3, 14), &incremental);
    test_layout(&incremental);
    test_old_space_bits(&incremental);
    return unit_finish("test_heap");
}
