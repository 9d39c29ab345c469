/* test_memory_readers: the allocator and tracemalloc readers over small
 * synthetic images laid out by the layout tables, no process:
 *   - pymalloc (py/obmalloc.h), 3.12's embedded state and 3.13's pointer:
 *     per class pools, blocks in use and free blocks as
 *     pymalloc_print_stats() counts them, per arena the carved and used
 *     bytes; a pool with a bad size class, an arena table too large, no
 *     arena at all;
 *   - tracemalloc (py/tracemalloc.h), 3.8's inline hashtable (with and
 *     without the domain in the key) and 3.12's pointer entries: every
 *     trace, shared tracebacks read once, frames most recent first; a
 *     negative frame count, a chain that loops, a config that is off;
 *   - mimalloc (py/mimalloc.h), 3.14t: one segment with a page whose
 *     blocks are on each free list and on the heap's delayed-free list,
 *     and a free span; a looping list, a list leaving its page, a looping
 *     page queue, a corrupt segment, a bad slice, a GIL layout.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fakeheap.h"
#include "py/layout.h"
#include "py/mimalloc.h"
#include "py/obmalloc.h"
#include "py/tracemalloc.h"
#include "unit.h"
#include "util/strpool.h"

/* A second region of the fake heap's reader, at an address of our
 * choosing (an arena, a segment). */
struct region {
    unsigned char *mem;
    uint64_t base;
    size_t size;
};

static void region_add(struct fakeheap *h, struct region *g, uint64_t base, size_t size)
{
    g->mem = calloc(1, size);
    g->base = base;
    g->size = size;
    gs_reader_buffer_add(h->r, base, g->mem, size, true);
}

static void put(struct region *g, uint64_t addr, uint64_t v, size_t width)
{
    if (addr < g->base || addr + width > g->base + g->size) {
        fprintf(stderr, "test bug: write at 0x%llx outside the region\n", (unsigned long long)addr);
        abort();
    }
    memcpy(g->mem + (addr - g->base), &v, width);
}

/* --- pymalloc --------------------------------------------------------------- */

static void test_pymalloc(int minor)
{
    const struct gs_py_layout *L = gs_py_layout_find(3, minor, false, false);
    UNIT_CHECK(L != NULL);
    if (!L)
        return;
    struct fakeheap h;
    fh_init(&h, L, 8 << 20);
    uint64_t state = h.interp + (uint64_t)L->interp_obmalloc;
    if (L->interp_obmalloc_indirect == 1) {
        state = fh_alloc(&h, 4096);
        fh_w64(&h, h.interp + (uint64_t)L->interp_obmalloc, state);
    }
    uint64_t esz = (uint64_t)L->arena_object_size, pool = (uint64_t)L->pymalloc_pool_size;
    uint64_t table = fh_alloc(&h, 4 * esz);
    fh_w64(&h, state + (uint64_t)L->obmalloc_arenas, table);
    fh_w32(&h, state + (uint64_t)L->obmalloc_maxarenas, 4);
    fh_w64(&h, state + (uint64_t)L->obmalloc_narenas_current, 1);
    fh_w64(&h, state + (uint64_t)L->obmalloc_ntimes_arena_allocated, 3);
    fh_w64(&h, state + (uint64_t)L->obmalloc_narenas_highwater, 2);
    /* One arena in slot 1, three pools carved: 32-byte blocks, a free
     * pool, 64-byte blocks. */
    struct region arena;
    region_add(&h, &arena, 0x7f2000000000ULL, (size_t)(4 * pool));
    uint64_t A = arena.base, e = table + esz;
    fh_w64(&h, e + (uint64_t)L->arena_address, A);
    fh_w64(&h, e + (uint64_t)L->arena_pool_address, A + 3 * pool);
    fh_w32(&h, e + (uint64_t)L->arena_nfreepools, 1 + (uint32_t)(L->pymalloc_arena_size / (int64_t)pool) - 3);
    fh_w32(&h, e + (uint64_t)L->arena_ntotalpools, (uint32_t)(L->pymalloc_arena_size / (int64_t)pool));
    put(&arena, A + (uint64_t)L->pool_ref_count, 5, 4);
    put(&arena, A + (uint64_t)L->pool_szidx, 1, 4);
    put(&arena, A + pool + (uint64_t)L->pool_ref_count, 0, 4);
    put(&arena, A + 2 * pool + (uint64_t)L->pool_ref_count, 100, 4);
    put(&arena, A + 2 * pool + (uint64_t)L->pool_szidx, 3, 4);

    struct gs_py_ctx c = {h.r, L, NULL};
    struct gs_py_statics none;
    memset(&none, 0, sizeof none);
    struct gs_py_location loc;
    memset(&loc, 0, sizeof loc);
    struct gs_py_pymalloc_stats st;
    struct gs_py_pymalloc_arena *arenas;
    size_t n;
    gs_py_pymalloc_read(&c, h.interp, &none, &loc, &st, &arenas, &n);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_PYMALLOC_OK);
    uint64_t usable = pool - (uint64_t)L->pymalloc_pool_overhead;
    UNIT_CHECK_EQ_U64(st.narenas, 1);
    UNIT_CHECK_EQ_U64(st.ntimes_arena_allocated, 3);
    UNIT_CHECK_EQ_U64(st.narenas_highwater, 2);
    UNIT_CHECK_EQ_U64(st.classes[1].pools, 1);
    UNIT_CHECK_EQ_U64(st.classes[1].blocks, 5);
    UNIT_CHECK_EQ_U64(st.classes[1].free_blocks, usable / 32 - 5);
    UNIT_CHECK_EQ_U64(st.classes[3].pools, 1);
    UNIT_CHECK_EQ_U64(st.classes[3].blocks, 100);
    UNIT_CHECK_EQ_U64(st.classes[3].free_blocks, usable / 64 - 100);
    UNIT_CHECK_EQ_U64(st.allocated_bytes, 5 * 32 + 100 * 64);
    UNIT_CHECK_EQ_U64(st.available_bytes, (usable / 32 - 5) * 32 + (usable / 64 - 100) * 64);
    UNIT_CHECK_EQ_U64(st.pool_header_bytes, 2 * (uint64_t)L->pymalloc_pool_overhead);
    UNIT_CHECK_EQ_U64(st.total, (uint64_t)L->pymalloc_arena_size);
    UNIT_CHECK_EQ_U64(st.bad_pools, 0);
    UNIT_CHECK_EQ_U64(n, 1);
    if (n == 1) {
        UNIT_CHECK_EQ_U64(arenas[0].address, A);
        UNIT_CHECK_EQ_U64(arenas[0].carved_bytes, 3 * pool);
        UNIT_CHECK_EQ_U64(arenas[0].used_pools, 2);
        UNIT_CHECK_EQ_U64(arenas[0].used_bytes, 5 * 32 + 100 * 64);
    }
    free(arenas);

    /* A pool whose size class is out of range, and one claiming more
     * blocks than it holds: neither is counted. */
    put(&arena, A + pool + (uint64_t)L->pool_ref_count, 1, 4);
    put(&arena, A + pool + (uint64_t)L->pool_szidx, 200, 4);
    put(&arena, A + (uint64_t)L->pool_ref_count, (uint32_t)(usable / 32 + 1), 4);
    gs_py_pymalloc_read(&c, h.interp, &none, &loc, &st, &arenas, &n);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_PYMALLOC_OK);
    UNIT_CHECK_EQ_U64(st.bad_pools, 2);
    UNIT_CHECK_EQ_U64(st.classes[1].pools, 0);
    UNIT_CHECK_EQ_U64(st.classes[3].blocks, 100);
    free(arenas);

    /* An arena table claiming more slots than any process has. */
    fh_w32(&h, state + (uint64_t)L->obmalloc_maxarenas, GS_PY_PYMALLOC_MAX_ARENAS + 1);
    gs_py_pymalloc_read(&c, h.interp, &none, &loc, &st, &arenas, &n);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_PYMALLOC_UNREADABLE);
    UNIT_CHECK(arenas == NULL && n == 0);
    /* No table: PYTHONMALLOC=malloc. */
    fh_w64(&h, state + (uint64_t)L->obmalloc_arenas, 0);
    gs_py_pymalloc_read(&c, h.interp, &none, &loc, &st, &arenas, &n);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_PYMALLOC_DISABLED);
    free(arena.mem);
    fh_free(&h);
}

/* --- tracemalloc ------------------------------------------------------------ */

struct tm_fixture {
    struct fakeheap h;
    const struct gs_py_layout *L;
    uint64_t config, traces_at, domains_at, table, buckets;
    uint64_t file;
};

/* A traceback of n frames (lineno[i], most recent first) in file. */
static uint64_t tm_traceback(struct tm_fixture *f, const uint32_t *lineno, int n)
{
    const struct gs_py_layout *L = f->L;
    uint64_t tb = fh_alloc(&f->h, (size_t)(L->tmtraceback_frames + n * L->tmframe_size + 16));
    if (L->tmtraceback_nframe_bytes == 4)
        fh_w32(&f->h, tb + (uint64_t)L->tmtraceback_nframe, (uint32_t)n);
    else
        for (int i = 0; i < 2; i++)
            fh_w8(&f->h, tb + (uint64_t)L->tmtraceback_nframe + (uint64_t)i, (uint8_t)(n >> (8 * i)));
    if (gs_py_layout_has(L->tmtraceback_total_nframe))
        fh_w8(&f->h, tb + (uint64_t)L->tmtraceback_total_nframe, (uint8_t)(n + 1));
    for (int i = 0; i < n; i++) {
        uint64_t fr = tb + (uint64_t)L->tmtraceback_frames + (uint64_t)i * (uint64_t)L->tmframe_size;
        fh_w64(&f->h, fr + (uint64_t)L->tmframe_filename, f->file);
        fh_w32(&f->h, fr + (uint64_t)L->tmframe_lineno, lineno[i]);
    }
    return tb;
}

/* An entry for the trace of block (domain), pushed on bucket b. 3.8 keeps
 * key and trace inline (key_size 8, or 12 with the domain); 3.9+ points
 * at a trace_t. */
static uint64_t tm_entry(struct tm_fixture *f, int b, uint64_t block, uint32_t domain, uint64_t size, uint64_t tb,
                         uint64_t key_size)
{
    const struct gs_py_layout *L = f->L;
    uint64_t e = fh_alloc(&f->h, 64);
    uint64_t head = fh_r64(&f->h, f->buckets + (uint64_t)b * 8);
    fh_w64(&f->h, e + (uint64_t)L->hashentry_next, head);
    fh_w64(&f->h, f->buckets + (uint64_t)b * 8, e);
    fh_w64(&f->h, e + (uint64_t)L->hashentry_key, block);
    uint64_t trace;
    if (gs_py_layout_has(L->hashtable_key_size)) {
        if (key_size == 12)
            fh_w32(&f->h, e + (uint64_t)L->hashentry_key + 8, domain);
        trace = e + (uint64_t)L->hashentry_key + key_size;
    } else {
        trace = fh_alloc(&f->h, 16);
        fh_w64(&f->h, e + (uint64_t)L->hashentry_value, trace);
    }
    fh_w64(&f->h, trace + (uint64_t)L->tmtrace_size_field, size);
    fh_w64(&f->h, trace + (uint64_t)L->tmtrace_traceback, tb);
    return e;
}

static void tm_fixture(struct tm_fixture *f, int minor, uint64_t nentries, uint64_t key_size)
{
    const struct gs_py_layout *L = gs_py_layout_find(3, minor, false, false);
    f->L = L;
    fh_init(&f->h, L, 4 << 20);
    f->config = fh_alloc(&f->h, 4096);
    fh_w32(&f->h, f->config + (uint64_t)L->tm_config_tracing, 1);
    fh_w32(&f->h, f->config + (uint64_t)L->tm_config_max_nframe, 5);
    /* 3.12+ keeps the traced total in the state; before, it is summed */
    if (gs_py_layout_has(L->tmstate_traced_memory))
        fh_w64(&f->h, f->config + (uint64_t)L->tmstate_traced_memory, 157);
    f->table = fh_alloc(&f->h, 128);
    f->buckets = fh_alloc(&f->h, 4 * 8);
    fh_w64(&f->h, f->table + (uint64_t)L->hashtable_nbuckets, 4);
    fh_w64(&f->h, f->table + (uint64_t)L->hashtable_nentries, nentries);
    fh_w64(&f->h, f->table + (uint64_t)L->hashtable_buckets, f->buckets);
    if (gs_py_layout_has(L->hashtable_key_size))
        fh_w64(&f->h, f->table + (uint64_t)L->hashtable_key_size, key_size);
    /* the static (3.8-3.11) or the state's member (3.12+) holding the table */
    f->traces_at = fh_alloc(&f->h, 8);
    fh_w64(&f->h, f->traces_at, f->table);
    f->domains_at = 0;
    if (gs_py_layout_has(L->hashentry_value)) {
        f->domains_at = fh_alloc(&f->h, 8); /* an empty domains table */
        uint64_t dt = fh_alloc(&f->h, 128);
        fh_w64(&f->h, dt + (uint64_t)L->hashtable_nbuckets, 1);
        fh_w64(&f->h, dt + (uint64_t)L->hashtable_buckets, fh_alloc(&f->h, 8));
        fh_w64(&f->h, f->domains_at, dt);
    }
    f->file = fh_str(&f->h, "app.py");
}

static void test_tracemalloc(int minor, uint64_t key_size)
{
    struct tm_fixture f;
    tm_fixture(&f, minor, 3, key_size);
    const struct gs_py_layout *L = f.L;
    uint32_t one[] = {10}, two[] = {20, 30};
    uint64_t tb1 = tm_traceback(&f, one, 1), tb2 = tm_traceback(&f, two, 2);
    tm_entry(&f, 0, 0x3000, 0, 7, tb2, key_size);
    tm_entry(&f, 0, 0x1000, key_size == 12 ? 5 : 0, 100, tb1, key_size);
    tm_entry(&f, 2, 0x2000, 0, 50, tb1, key_size);

    struct gs_py_ctx c = {f.h.r, L, NULL};
    gs_strpool strings;
    gs_strpool_init(&strings);
    struct gs_py_tracemalloc t;
    gs_py_tracemalloc_read_at(&c, f.config, f.traces_at, f.domains_at, &strings, &t);
    UNIT_CHECK_EQ_U64(t.status, GS_PY_TM_TRACING);
    UNIT_CHECK_EQ_U64(t.max_nframe, 5);
    UNIT_CHECK_EQ_U64(t.ntraces, 3);
    UNIT_CHECK_EQ_U64(t.ntracebacks, 2); /* tb1 read once for two traces */
    UNIT_CHECK_EQ_U64(t.traced_memory, 157);
    UNIT_CHECK_EQ_U64(t.bad_entries, 0);
    if (t.ntraces == 3) {
        /* by domain, then address: the domain-5 trace last */
        bool domains = key_size == 12;
        UNIT_CHECK_EQ_U64(t.traces[0].addr, domains ? 0x2000 : 0x1000);
        UNIT_CHECK_EQ_U64(t.traces[2].addr, domains ? 0x1000 : 0x3000);
        UNIT_CHECK_EQ_U64(t.traces[2].domain, domains ? 5 : 0);
        const struct gs_tm_trace *t3 = domains ? &t.traces[1] : &t.traces[2];
        UNIT_CHECK_EQ_U64(t3->size, 7);
        const struct gs_tm_traceback *b = &t.tracebacks[t3->traceback];
        UNIT_CHECK_EQ_U64(b->nframe, 2);
        UNIT_CHECK_EQ_U64(b->total_nframe, gs_py_layout_has(L->tmtraceback_total_nframe) ? 3 : 2);
        UNIT_CHECK_EQ_U64(t.frames[b->first_frame].lineno, 20);
        UNIT_CHECK_EQ_U64(t.frames[b->first_frame + 1].lineno, 30);
        UNIT_CHECK_STR(gs_strpool_str(&strings, t.frames[b->first_frame].filename), "app.py");
    }
    gs_py_tracemalloc_free(&t);

    /* A negative (3.8: int) or absurd frame count: that trace is skipped. */
    if (L->tmtraceback_nframe_bytes == 4)
        fh_w32(&f.h, tb2 + (uint64_t)L->tmtraceback_nframe, 0xffffffffu);
    else
        fh_w8(&f.h, tb2 + (uint64_t)L->tmtraceback_nframe + 1, 0xff);
    gs_py_tracemalloc_read_at(&c, f.config, f.traces_at, f.domains_at, &strings, &t);
    UNIT_CHECK_EQ_U64(t.status, GS_PY_TM_TRACING);
    UNIT_CHECK_EQ_U64(t.ntraces, 2);
    UNIT_CHECK_EQ_U64(t.bad_entries, 1);
    gs_py_tracemalloc_free(&t);

    /* A chain that loops ends when the table's count is spent. */
    uint64_t head = fh_r64(&f.h, f.buckets + 2 * 8);
    fh_w64(&f.h, head + (uint64_t)L->hashentry_next, head);
    gs_py_tracemalloc_read_at(&c, f.config, f.traces_at, f.domains_at, &strings, &t);
    UNIT_CHECK(t.ntraces <= 3);
    gs_py_tracemalloc_free(&t);

    /* A key size that is neither 8 nor 12 (3.8): the table is refused. */
    if (gs_py_layout_has(L->hashtable_key_size)) {
        fh_w64(&f.h, f.table + (uint64_t)L->hashtable_key_size, 24);
        gs_py_tracemalloc_read_at(&c, f.config, f.traces_at, f.domains_at, &strings, &t);
        UNIT_CHECK_EQ_U64(t.status, GS_PY_TM_UNREADABLE);
        UNIT_CHECK_EQ_U64(t.ntraces, 0);
    }
    /* Not tracing: said before any table is read. */
    fh_w32(&f.h, f.config + (uint64_t)L->tm_config_tracing, 0);
    gs_py_tracemalloc_read_at(&c, f.config, 0, 0, &strings, &t);
    UNIT_CHECK_EQ_U64(t.status, GS_PY_TM_NOT_TRACING);
    gs_strpool_free(&strings);
    fh_free(&f.h);
}

/* --- mimalloc ----------------------------------------------------------------- */

struct mi_fixture {
    struct fakeheap h;
    const struct gs_py_layout *L;
    struct region seg;
    uint64_t tstate, heap, page, start;
    struct gs_py_thread thread;
    struct gs_py_interp interp;
    struct gs_py_runtime rt;
};

static uint64_t mi_slice(const struct mi_fixture *f, uint64_t i)
{
    return f->seg.base + (uint64_t)f->L->mi_segment_slices + i * (uint64_t)f->L->mi_page_size;
}

static uint64_t mi_block(const struct mi_fixture *f, uint64_t i) { return f->start + i * 64; }

/* One segment: 2 info slices, a page of ten 64-byte blocks at slice 2 in
 * the GC heap's queues (blocks 1 and 3 on free, 5 on local_free, 7 on
 * thread_free, 9 on the heap's delayed-free list: 0, 2, 4, 6, 8 in use),
 * the other slices a free span. */
static void mi_fixture(struct mi_fixture *f)
{
    const struct gs_py_layout *L = gs_py_layout_find(3, 14, true, false);
    memset(f, 0, sizeof *f);
    f->L = L;
    fh_init(&f->h, L, 4 << 20);
    uint64_t slice = (uint64_t)L->mi_segment_slice_size;
    region_add(&f->h, &f->seg, 0x7f1000000000ULL, (size_t)(3 * slice));
    struct region *g = &f->seg;
    put(g, g->base + (uint64_t)L->mi_segment_segment_size, (uint64_t)L->mi_segment_size, 8);
    put(g, g->base + (uint64_t)L->mi_segment_info_slices, 2, 8);
    uint64_t entries = (uint64_t)L->mi_segment_size / slice; /* MI_SLICES_PER_SEGMENT */
    put(g, g->base + (uint64_t)L->mi_segment_slice_entries, entries, 8);
    put(g, mi_slice(f, 0) + (uint64_t)L->mi_page_slice_count, 2, 4);
    put(g, mi_slice(f, 0) + (uint64_t)L->mi_page_xblock, 2 * slice, 4);
    f->page = mi_slice(f, 2);
    put(g, f->page + (uint64_t)L->mi_page_slice_count, 1, 4);
    put(g, f->page + (uint64_t)L->mi_page_xblock, 64, 4);
    put(g, f->page + (uint64_t)L->mi_page_capacity, 10, 2);
    put(g, f->page + (uint64_t)L->mi_page_reserved, 1000, 2);
    put(g, f->page + (uint64_t)L->mi_page_used, 6, 4);
    put(g, f->page + (uint64_t)L->mi_page_tag_byte, (uint64_t)L->ft_mimalloc_heap_gc << L->mi_page_tag_shift, 1);
    f->start = g->base + 2 * slice + 3 * 64; /* _mi_segment_page_start_from_slice: 3 blocks in */
    put(g, f->page + (uint64_t)L->mi_page_free, mi_block(f, 1), 8);
    put(g, mi_block(f, 1), mi_block(f, 3), 8);
    put(g, f->page + (uint64_t)L->mi_page_local_free, mi_block(f, 5), 8);
    put(g, f->page + (uint64_t)L->mi_page_xthread_free, mi_block(f, 7) | 1, 8); /* low bits: flags */
    put(g, mi_slice(f, 3) + (uint64_t)L->mi_page_slice_count, entries - 3, 4);

    /* The thread state: its mimalloc state, the GC heap with the page. */
    size_t heaps = (size_t)(L->ft_mimalloc_heaps + L->ft_mimalloc_heap_count * L->mi_heap_size);
    f->tstate = fh_alloc(&f->h, (size_t)L->ft_tstate_mimalloc + heaps + 4096);
    uint64_t m = f->tstate + (uint64_t)L->ft_tstate_mimalloc;
    fh_w32(&f->h, m + (uint64_t)L->ft_mimalloc_initialized, 1);
    f->heap = m + (uint64_t)L->ft_mimalloc_heaps + (uint64_t)L->ft_mimalloc_heap_gc * (uint64_t)L->mi_heap_size;
    fh_w64(&f->h, f->heap + (uint64_t)L->mi_heap_page_count, 1);
    fh_w64(&f->h, f->heap + (uint64_t)L->mi_heap_pages + 5 * (uint64_t)L->mi_page_queue_size +
                      (uint64_t)L->mi_page_queue_first, f->page);
    fh_w64(&f->h, f->heap + (uint64_t)L->mi_heap_thread_delayed_free, mi_block(f, 9));

    f->thread.addr = f->tstate;
    f->interp.addr = f->h.interp;
    f->interp.threads = &f->thread;
    f->interp.nthreads = 1;
    f->rt.ctx = (struct gs_py_ctx){f->h.r, L, NULL};
    f->rt.interps = &f->interp;
    f->rt.ninterps = 1;
    f->rt.free_threaded = true;
}

static void mi_free_fixture(struct mi_fixture *f)
{
    free(f->seg.mem);
    fh_free(&f->h);
}

static void mi_read(struct mi_fixture *f, struct gs_py_mimalloc_stats *st, struct gs_py_mimalloc_map *map)
{
    struct gs_py_statics none;
    memset(&none, 0, sizeof none);
    gs_py_mimalloc_read(&f->rt, &none, st, map);
}

static void test_mimalloc(void)
{
    struct mi_fixture f;
    mi_fixture(&f);
    const struct gs_py_layout *L = f.L;
    uint64_t slice = (uint64_t)L->mi_segment_slice_size;
    struct gs_py_mimalloc_stats st;
    struct gs_py_mimalloc_map map;
    mi_read(&f, &st, &map);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_MIMALLOC_OK);
    UNIT_CHECK(st.why[0] != '\0'); /* no symbols: the note says the map and arenas were not read */
    UNIT_CHECK_EQ_U64(st.segments, 1);
    UNIT_CHECK_EQ_U64(st.segment_bytes, (uint64_t)L->mi_segment_size);
    UNIT_CHECK_EQ_U64(st.pages, 1);
    UNIT_CHECK_EQ_U64(st.blocks, 10);
    UNIT_CHECK_EQ_U64(st.used_blocks, 5);
    UNIT_CHECK_EQ_U64(st.used_bytes, 5 * 64);
    UNIT_CHECK_EQ_U64(st.free_bytes, 5 * 64);
    UNIT_CHECK_EQ_U64(st.uncarved_bytes, slice - 3 * 64 - 10 * 64);
    UNIT_CHECK_EQ_U64(st.header_bytes, 2 * slice);
    UNIT_CHECK_EQ_U64(st.free_span_bytes, (uint64_t)L->mi_segment_size - 3 * slice);
    UNIT_CHECK_EQ_U64(st.heap_used_blocks[L->ft_mimalloc_heap_gc], 5);
    UNIT_CHECK_EQ_U64(st.nclasses, 1);
    UNIT_CHECK_EQ_U64(st.classes[0].block_size, 64);
    UNIT_CHECK_EQ_U64(st.classes[0].used_blocks, 5);
    UNIT_CHECK_EQ_U64(st.bad_pages, 0);
    UNIT_CHECK_EQ_U64(map.npages, 1);
    UNIT_CHECK_EQ_U64(map.nsegments, 1);
    const struct gs_py_mimalloc_page *p = gs_py_mimalloc_page_of(&map, mi_block(&f, 4) + 8);
    UNIT_CHECK(p != NULL);
    if (p) {
        UNIT_CHECK_EQ_U64(p->start, f.start);
        for (uint64_t i = 0; i < 10; i++) {
            uint64_t bit = p->first_bit + i;
            UNIT_CHECK_EQ_U64((map.live[bit / 64] >> (bit % 64)) & 1, i % 2 == 0);
        }
    }
    UNIT_CHECK(gs_py_mimalloc_page_of(&map, f.seg.base + 3 * slice) == NULL); /* the free span */
    gs_py_mimalloc_map_free(&map);

    /* A page queue that loops: bounded by the heap's page count, said,
     * and the segment still read once. */
    put(&f.seg, f.page + (uint64_t)L->mi_page_next, f.page, 8);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.used_blocks, 5);
    UNIT_CHECK(strstr(st.first_problem, "more than its 1 pages") != NULL);
    put(&f.seg, f.page + (uint64_t)L->mi_page_next, 0, 8);

    /* A free list that loops: the page is skipped, not followed. */
    put(&f.seg, mi_block(&f, 3), mi_block(&f, 1), 8);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.bad_pages, 1);
    UNIT_CHECK_EQ_U64(st.used_blocks, 0);
    UNIT_CHECK(strstr(st.first_problem, "loops") != NULL);
    /* ... or leaves its page. */
    put(&f.seg, mi_block(&f, 3), f.seg.base + 8, 8);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.bad_pages, 1);
    UNIT_CHECK(strstr(st.first_problem, "leaves the page") != NULL);
    put(&f.seg, mi_block(&f, 3), 0, 8);

    /* A slice count of 0 after the page: the rest of the segment is
     * skipped, what came before counts. */
    put(&f.seg, mi_slice(&f, 3) + (uint64_t)L->mi_page_slice_count, 0, 4);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.used_blocks, 5);
    UNIT_CHECK_EQ_U64(st.free_span_bytes, 0);
    UNIT_CHECK_EQ_U64(st.bad_pages, 1);
    put(&f.seg, mi_slice(&f, 3) + (uint64_t)L->mi_page_slice_count, (uint64_t)L->mi_segment_size / slice - 3, 4);

    /* A segment header that cannot be one: nothing is read from it. */
    put(&f.seg, f.seg.base + (uint64_t)L->mi_segment_slice_entries, 5000, 8);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_MIMALLOC_UNREADABLE);
    UNIT_CHECK_EQ_U64(st.segments, 0);
    mi_free_fixture(&f);

    /* A GIL build has no mimalloc to read. */
    mi_fixture(&f);
    f.rt.ctx.L = gs_py_layout_find(3, 14, false, false);
    mi_read(&f, &st, NULL);
    UNIT_CHECK_EQ_U64(st.status, GS_PY_MIMALLOC_NOT_USED);
    mi_free_fixture(&f);
}

int main(void)
{
    test_pymalloc(12);
    test_pymalloc(13);
    test_tracemalloc(8, 8);
    test_tracemalloc(8, 12);
    test_tracemalloc(12, 0);
    test_mimalloc();
    return unit_finish("test_memory_readers");
}
