/* test_gc314.c: 3.14's two collectors over the same bytes, and the choice of
 * a table by build and patch level (py/choose.h).
 *
 * Only 3.14.7 (source) and sid's 3.14.10 are at hand, both generational, so
 * the incremental reading (3.14.0-3.14.4) is proven here on a fake runtime:
 * a _PyRuntime whose debug offsets and collector state are those of one
 * reading, checked against both readings and every micro version.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc/memreader.h"
#include "py/choose.h"
#include "py/layout.h"
#include "fakedebug.h"
#include "unit.h"

#define RUNTIME_ADDR 0x7f3400000000ull

struct fake {
    unsigned char *mem;
    size_t size;
    uint64_t gc; /* the main interpreter's collector state */
    gs_reader *r;
};

static void put64(struct fake *f, uint64_t addr, uint64_t v)
{
    memcpy(f->mem + (addr - RUNTIME_ADDR), &v, sizeof v);
}

static void put32(struct fake *f, uint64_t addr, uint32_t v)
{
    memcpy(f->mem + (addr - RUNTIME_ADDR), &v, sizeof v);
}

/* A _PyRuntime laid out by L: its debug offsets, and the main interpreter's
 * collector with empty lists (heads pointing at themselves). Incremental
 * readings get visited_space 1 and phase 0; generational ones generation0
 * -> generations[0] and zero dummies. */
static void fake_make(struct fake *f, const struct gs_py_layout *L)
{
    f->size = (size_t)L->runtime_size + 4096;
    f->mem = calloc(1, f->size);
    fake_debug_offsets(L, f->mem);
    f->gc = RUNTIME_ADDR + (uint64_t)L->runtime_main_interpreter + (uint64_t)L->interp_gc;
    for (int g = 0; g <= 3; g++) {
        uint64_t head = g < 3 ? f->gc + (uint64_t)L->gc_generations + (uint64_t)(g * L->gc_generation_size)
                              : f->gc + (uint64_t)L->gc_permanent_generation;
        put64(f, head + (uint64_t)L->gc_head_next, head);
        put64(f, head + (uint64_t)L->gc_head_prev, head);
    }
    if (gs_py_layout_incremental_gc(L)) {
        put32(f, f->gc + (uint64_t)L->gc_incremental_visited_space, 1);
        put32(f, f->gc + (uint64_t)L->gc_incremental_phase, 0);
    } else {
        put64(f, f->gc + (uint64_t)L->gc_generation0, f->gc + (uint64_t)L->gc_generations);
    }
    f->r = gs_reader_buffer_new();
    gs_reader_buffer_add(f->r, RUNTIME_ADDR, f->mem, f->size, true); /* borrowed: edits show */
}

static void fake_free(struct fake *f)
{
    gs_reader_free(f->r);
    free(f->mem);
}

static gs_status choose(struct fake *f, const char *binary, int micro, struct gs_py_choice *c, gs_error *err)
{
    struct gs_py_location loc;
    memset(&loc, 0, sizeof loc);
    snprintf(loc.binary, sizeof loc.binary, "%s", binary);
    loc.runtime_addr = RUNTIME_ADDR;
    memset(err, 0, sizeof *err);
    return gs_py_layout_choose(f->r, &loc, 3, 14, micro, c, err);
}

/* The incremental variant of the generational table: same bytes up to
 * heap_size, no generation0, 24 bytes less after the collector state. */
static void test_variant(void)
{
    const struct gs_py_layout *G = gs_py_layout_for(3, 14);
    UNIT_CHECK(G && gs_py_layout_has(G->gc_incremental_size));
    if (!G)
        return;
    struct gs_py_layout I;
    gs_py_layout_make_incremental(G, &I);
    UNIT_CHECK(gs_py_layout_incremental_gc(&I));
    UNIT_CHECK(!gs_py_layout_incremental_gc(G));
    UNIT_CHECK_EQ_U64(I.gc_size, G->gc_incremental_size);
    UNIT_CHECK(I.gc_size < G->gc_size);
    int64_t delta = G->gc_size - I.gc_size;
    UNIT_CHECK_EQ_U64(delta, 24); /* long_lived_total, long_lived_pending, generation0 */
    UNIT_CHECK_EQ_U64(I.interp_gc, G->interp_gc);
    UNIT_CHECK_EQ_U64(I.interp_threads_head, G->interp_threads_head); /* before the collector */
    UNIT_CHECK_EQ_U64(I.interp_sysdict, G->interp_sysdict - delta);
    UNIT_CHECK_EQ_U64(I.interp_builtins, G->interp_builtins - delta);
    UNIT_CHECK_EQ_U64(I.interp_modules, G->interp_modules - delta);
    UNIT_CHECK_EQ_U64(I.interp_size, G->interp_size - delta);
    UNIT_CHECK_EQ_U64(I.runtime_size, G->runtime_size - delta);
    /* young and old[2] are generations[3]'s bytes; the permanent one too. */
    UNIT_CHECK_EQ_U64(I.gc_generations, G->gc_generations);
    UNIT_CHECK_EQ_U64(I.gc_permanent_generation, G->gc_permanent_generation);
    UNIT_CHECK(I.gc_incremental_visited_space > I.gc_permanent_generation);
    UNIT_CHECK(I.gc_incremental_phase + 4 <= I.gc_size);
    /* Objects do not change. */
    UNIT_CHECK_EQ_U64(I.tuple_ob_item, G->tuple_ob_item);
    UNIT_CHECK_EQ_U64(I.iframe_stackpointer, G->iframe_stackpointer);
    /* Other versions have no such variant: the copy is the table. */
    const struct gs_py_layout *L13 = gs_py_layout_for(3, 13);
    struct gs_py_layout same;
    gs_py_layout_make_incremental(L13, &same);
    UNIT_CHECK(memcmp(&same, L13, sizeof same) == 0);
}

/* A generational runtime (3.14.5+): chosen whatever the micro version says,
 * since the incremental reading disagrees with its debug offsets. */
static void test_generational(void)
{
    const struct gs_py_layout *G = gs_py_layout_for(3, 14);
    struct fake f;
    fake_make(&f, G);
    struct gs_py_choice c;
    gs_error err;
    char why[256];
    UNIT_CHECK(gs_py_gc_reading_check(f.r, G, f.gc, why, sizeof why));
    for (int micro = 0; micro <= 12; micro++) {
        UNIT_CHECK(choose(&f, "/usr/bin/python3.14", micro, &c, &err) == GS_OK);
        UNIT_CHECK(c.layout && !c.incremental_gc && !c.debug);
        UNIT_CHECK(c.layout && c.layout->gc_size == G->gc_size);
    }

    /* generation0 elsewhere: that reading is inconsistent, and the other
     * disagrees with the debug offsets: refused, with both reasons. */
    put64(&f, f.gc + (uint64_t)G->gc_generation0, 0x1234560);
    UNIT_CHECK(!gs_py_gc_reading_check(f.r, G, f.gc, why, sizeof why));
    UNIT_CHECK(strstr(why, "generation0") != NULL);
    UNIT_CHECK(choose(&f, "/usr/bin/python3.14", 10, &c, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "Python 3.14.10") != NULL);
    UNIT_CHECK(strstr(err.msg, "neither") != NULL);
    UNIT_CHECK(strstr(err.msg, "3.8, 3.9") != NULL);
    UNIT_CHECK(strchr(err.msg, '\n') == NULL);
    put64(&f, f.gc + (uint64_t)G->gc_generation0, f.gc + (uint64_t)G->gc_generations);

    /* A written "dummy" means it is no 3.14.5+ collector. */
    put32(&f, f.gc + (uint64_t)G->gc_incremental_visited_space, 1);
    UNIT_CHECK(!gs_py_gc_reading_check(f.r, G, f.gc, why, sizeof why));
    put32(&f, f.gc + (uint64_t)G->gc_incremental_visited_space, 0);

    /* An uninitialised list head. */
    put64(&f, f.gc + (uint64_t)G->gc_generations + (uint64_t)G->gc_head_next, 0);
    UNIT_CHECK(!gs_py_gc_reading_check(f.r, G, f.gc, why, sizeof why));
    UNIT_CHECK(strstr(why, "not initialised") != NULL);
    fake_free(&f);
}

/* An incremental runtime (3.14.0-3.14.4). */
static void test_incremental(void)
{
    const struct gs_py_layout *G = gs_py_layout_for(3, 14);
    struct gs_py_layout I;
    gs_py_layout_make_incremental(G, &I);
    struct fake f;
    fake_make(&f, &I);
    struct gs_py_choice c;
    gs_error err;
    char why[256];
    UNIT_CHECK(gs_py_gc_reading_check(f.r, &I, f.gc, why, sizeof why));
    for (int micro = 0; micro <= 12; micro++) {
        UNIT_CHECK(choose(&f, "/usr/lib/x86_64-linux-gnu/libpython3.14.so.1.0", micro, &c, &err) == GS_OK);
        UNIT_CHECK(c.layout && c.incremental_gc && !c.debug);
        UNIT_CHECK(c.layout == &c.variant); /* the variant, kept in the choice */
        UNIT_CHECK(c.layout && c.layout->interp_sysdict == I.interp_sysdict);
    }

    /* visited_space out of range: inconsistent; the generational reading
     * disagrees with the debug offsets (gc.size): refused. */
    put32(&f, f.gc + (uint64_t)I.gc_incremental_visited_space, 7);
    UNIT_CHECK(!gs_py_gc_reading_check(f.r, &I, f.gc, why, sizeof why));
    UNIT_CHECK(strstr(why, "visited_space 7") != NULL);
    UNIT_CHECK(choose(&f, "/usr/bin/python3.14", 3, &c, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "Python 3.14.3") != NULL);
    UNIT_CHECK(strstr(err.msg, "incremental (3.14.0-3.14.4)") != NULL);
    UNIT_CHECK(strstr(err.msg, "visited_space 7") != NULL);
    put32(&f, f.gc + (uint64_t)I.gc_incremental_visited_space, 0);
    put32(&f, f.gc + (uint64_t)I.gc_incremental_phase, 2);
    UNIT_CHECK(!gs_py_gc_reading_check(f.r, &I, f.gc, why, sizeof why));
    fake_free(&f);
}

/* Debug builds: their own table, chosen by the debug offsets whatever the
 * name says; a 3.14 layout nobody knows is refused in one line naming the
 * version, what disagreed and the supported list. */
static void test_builds(void)
{
    const struct gs_py_layout *D = gs_py_layout_find(3, 14, false, true);
    UNIT_CHECK(D && D->debug && D->runtime_size != gs_py_layout_for(3, 14)->runtime_size);
    if (!D)
        return;
    struct fake f;
    fake_make(&f, D);
    struct gs_py_choice c;
    gs_error err;
    UNIT_CHECK(choose(&f, "/usr/bin/python3.14d", 10, &c, &err) == GS_OK);
    UNIT_CHECK(c.layout == D && c.debug && !c.incremental_gc);
    UNIT_CHECK(choose(&f, "/usr/bin/python3.14", 10, &c, &err) == GS_OK); /* renamed: still found */
    UNIT_CHECK(c.layout == D && c.debug);

    /* A field no table has: refused, named. */
    put64(&f, RUNTIME_ADDR + (uint64_t)D->dbg_interp_sysdict, (uint64_t)D->interp_sysdict + 16);
    UNIT_CHECK(choose(&f, "/usr/bin/python3.14d", 10, &c, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "Python 3.14.10 debug build has a layout gcscope does not know") != NULL);
    UNIT_CHECK(strstr(err.msg, "interpreter_state.sysdict") != NULL);
    UNIT_CHECK(strstr(err.msg, "3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14, 3.15") != NULL);
    UNIT_CHECK(strchr(err.msg, '\n') == NULL);
    fake_free(&f);

    /* No table for the minor at all. Nothing mapped: no debug offsets. */
    gs_reader *none = gs_reader_buffer_new();
    struct gs_py_location loc;
    memset(&loc, 0, sizeof loc);
    snprintf(loc.binary, sizeof loc.binary, "/usr/bin/python3.16");
    UNIT_CHECK(gs_py_layout_choose(none, &loc, 3, 16, 0, &c, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "Python 3.16.0 is not supported") != NULL);
    /* A debug build of a minor without debug offsets and without a table. */
    snprintf(loc.binary, sizeof loc.binary, "/usr/bin/python3.12d");
    UNIT_CHECK(gs_py_layout_choose(none, &loc, 3, 12, 1, &c, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "debug build") != NULL);
    /* ... and 3.11's, by its name. */
    snprintf(loc.binary, sizeof loc.binary, "/usr/bin/python3.11d");
    UNIT_CHECK(gs_py_layout_choose(none, &loc, 3, 11, 2, &c, &err) == GS_OK);
    UNIT_CHECK(c.debug && c.layout == gs_py_layout_find(3, 11, false, true));
    snprintf(loc.binary, sizeof loc.binary, "/usr/bin/python3.11");
    UNIT_CHECK(gs_py_layout_choose(none, &loc, 3, 11, 2, &c, &err) == GS_OK);
    UNIT_CHECK(!c.debug && c.layout == gs_py_layout_for(3, 11));
    gs_reader_free(none);
}

int main(void)
{
    test_variant();
    test_generational();
    test_incremental();
    test_builds();
    return unit_finish("test_gc314");
}
