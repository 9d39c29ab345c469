/* mimalloc.c: see mimalloc.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/mimalloc.h"
#include "py/mimalloc_page.h"
#include "util/addrmap.h"
#include "util/alloc.h"
#include "util/sort.h"

/* No sane process has more segments than this (32 TiB of 32 MiB ones). */
#define MAX_SEGMENTS (1u << 20)
/* A heap's page_count beyond this is corrupt (1 TiB of 64 KiB pages). */
#define MAX_HEAP_PAGES (1u << 24)
/* A huge segment holds one object of at most this much. */
#define MAX_SEGMENT_BYTES (1ull << 40)

struct walk {
    const struct gs_py_ctx *c;
    const struct gs_py_layout *L;
    struct gs_py_mimalloc_stats *o;
    struct gs_py_mi_diag diag;
    gs_addrmap seen;            /* segment -> 1, or 2 when abandoned */
    uint64_t *segs;
    size_t nsegs, cap_segs;
    gs_addrmap delayed;         /* blocks on a heap's thread_delayed_free list */
    uint64_t *free_map;         /* GS_PY_MI_MAX_PAGE_BLOCKS bits */
    struct gs_py_mimalloc_map map;
    size_t cap_pages, cap_live, cap_segments, cap_arenas;
    uint64_t problems;          /* counted by diag; bad_pages counts the pages lost */
    bool oom;
};

static void add_segment(struct walk *w, uint64_t seg, bool abandoned)
{
    uint64_t segsize = (uint64_t)w->L->mi_segment_size;
    if (!seg || (seg & (segsize - 1)))
        return;
    uint32_t *hit = gs_addrmap_get(&w->seen, seg);
    if (hit) {
        if (abandoned)
            *hit = 2;
        return;
    }
    if (w->nsegs >= MAX_SEGMENTS) {
        gs_py_mi_problem(&w->diag, "more than %u mimalloc segments: the lists are corrupt", MAX_SEGMENTS);
        return;
    }
    if (w->nsegs == w->cap_segs) {
        size_t ncap = w->cap_segs ? w->cap_segs * 2 : 64;
        uint64_t *p = gs_try_reallocarray(w->segs, ncap, sizeof *p);
        if (!p) {
            w->oom = true;
            return;
        }
        w->segs = p;
        w->cap_segs = ncap;
    }
    if (!gs_addrmap_put(&w->seen, seg, abandoned ? 2 : 1)) {
        w->oom = true;
        return;
    }
    w->segs[w->nsegs++] = seg;
}

/* The segments of a heap's pages (every queue, first..next), and its
 * delayed-free blocks. A queue longer than the heap's page count loops. */
static void heap_segments(struct walk *w, uint64_t heap)
{
    const struct gs_py_layout *L = w->L;
    uint64_t page_count;
    if (!gs_py_read_ptr(w->c, heap + (uint64_t)L->mi_heap_page_count, &page_count)) {
        gs_py_mi_problem(&w->diag, "unreadable mimalloc heap at 0x%llx", (unsigned long long)heap);
        return;
    }
    if (page_count == 0)
        return;
    if (page_count > MAX_HEAP_PAGES) {
        gs_py_mi_problem(&w->diag, "mimalloc heap 0x%llx claims %llu pages", (unsigned long long)heap,
                         (unsigned long long)page_count);
        return;
    }
    if (!gs_py_mi_collect_delayed(w->c, heap, page_count, &w->delayed, &w->diag)) {
        w->oom = true;
        return;
    }
    uint64_t walked = 0, segsize = (uint64_t)L->mi_segment_size;
    for (int64_t bin = 0; bin <= L->mi_bin_full && !w->oom; bin++) {
        uint64_t q = heap + (uint64_t)L->mi_heap_pages + (uint64_t)bin * (uint64_t)L->mi_page_queue_size, page;
        if (!gs_py_read_ptr(w->c, q + (uint64_t)L->mi_page_queue_first, &page))
            return;
        while (page) {
            if (walked++ >= page_count) {
                gs_py_mi_problem(&w->diag, "the page queues of mimalloc heap 0x%llx hold more than its %llu pages",
                                 (unsigned long long)heap, (unsigned long long)page_count);
                return;
            }
            add_segment(w, (page - 1) & ~(segsize - 1), false);
            if (!gs_py_read_ptr(w->c, page + (uint64_t)L->mi_page_next, &page))
                break;
        }
    }
}

/* The abandoned pool's two lists of segments (the first one tagged). */
static void abandoned_segments(struct walk *w, uint64_t pool)
{
    const struct gs_py_layout *L = w->L;
    uint64_t heads[2];
    if (!gs_py_read_ptr(w->c, pool + (uint64_t)L->mi_pool_abandoned, &heads[0]) ||
        !gs_py_read_ptr(w->c, pool + (uint64_t)L->mi_pool_abandoned_visited, &heads[1])) {
        gs_py_mi_problem(&w->diag, "unreadable abandoned pool at 0x%llx", (unsigned long long)pool);
        return;
    }
    uint64_t mask = (uint64_t)L->mi_segment_size - 1;
    heads[0] &= ~mask; /* mi_tagged_segment_ptr */
    gs_addrmap here;
    gs_addrmap_init(&here);
    for (int h = 0; h < 2 && !w->oom; h++) {
        uint64_t seg = heads[h];
        for (uint64_t n = 0; seg && !w->oom; n++) {
            if (n > MAX_SEGMENTS || (seg & mask) || gs_addrmap_get(&here, seg)) {
                gs_py_mi_problem(&w->diag, "the abandoned segment list at 0x%llx loops or is corrupt",
                                 (unsigned long long)pool);
                break;
            }
            if (!gs_addrmap_put(&here, seg, 1)) {
                w->oom = true;
                break;
            }
            add_segment(w, seg, true);
            if (!gs_py_read_ptr(w->c, seg + (uint64_t)L->mi_segment_abandoned_next, &seg))
                break;
        }
    }
    gs_addrmap_free(&here);
}

/* mi_segment_map: bit i set <=> a segment at i * MI_SEGMENT_SIZE. Its
 * last word only says that some segment lies above MI_MAX_ADDRESS (those
 * are found through the heaps). */
static bool map_segments(struct walk *w, const struct gs_py_statics *st)
{
    const struct gs_py_layout *L = w->L;
    uint64_t words = (uint64_t)L->mi_segment_map_bits / 64, at;
    if (!gs_py_statics_find(st, "mi_segment_map", (words + 1) * 8, &at))
        return false;
    uint64_t *v = gs_try_reallocarray(NULL, words, 8);
    if (!v) {
        w->oom = true;
        return false;
    }
    bool ok = gs_read_exact(w->c->r, at, v, words * 8);
    for (uint64_t i = 0; ok && i < words && !w->oom; i++)
        for (uint64_t bits = v[i]; bits; bits &= bits - 1)
            add_segment(w, (i * 64 + (uint64_t)__builtin_ctzll(bits)) * (uint64_t)L->mi_segment_size, false);
    free(v);
    return ok;
}

static bool push_range(struct walk *w, struct gs_py_mimalloc_range **arr, size_t *n, size_t *cap,
                       struct gs_py_mimalloc_range r)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        void *p = gs_try_reallocarray(*arr, ncap, sizeof **arr);
        if (!p) {
            w->oom = true;
            return false;
        }
        *arr = p;
        *cap = ncap;
    }
    (*arr)[(*n)++] = r;
    return true;
}

static int by_start(const void *a, const void *b)
{
    const struct gs_py_mimalloc_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* mi_arenas[0 .. mi_arena_count): each [start, start + block_count *
 * MI_ARENA_BLOCK_SIZE). */
static bool read_arenas(struct walk *w, const struct gs_py_statics *st)
{
    const struct gs_py_layout *L = w->L;
    uint64_t arenas_at, count_at, count;
    if (!gs_py_statics_find(st, "mi_arenas", (uint64_t)L->mi_max_arenas * 8, &arenas_at) ||
        !gs_py_statics_find(st, "mi_arena_count", 8, &count_at) || !gs_read_u64(w->c->r, count_at, &count))
        return false;
    if (count > (uint64_t)L->mi_max_arenas)
        count = (uint64_t)L->mi_max_arenas;
    for (uint64_t i = 0; i < count && !w->oom; i++) {
        uint64_t arena, start, blocks;
        if (!gs_py_read_ptr(w->c, arenas_at + i * 8, &arena) || !arena ||
            !gs_py_read_ptr(w->c, arena + (uint64_t)L->mi_arena_start, &start) ||
            !gs_read_u64(w->c->r, arena + (uint64_t)L->mi_arena_block_count, &blocks) || !start ||
            blocks > MAX_SEGMENT_BYTES / (uint64_t)L->mi_arena_block_size)
            continue;
        uint64_t bytes = blocks * (uint64_t)L->mi_arena_block_size;
        if (!push_range(w, &w->map.arenas, &w->map.narenas, &w->cap_arenas,
                        (struct gs_py_mimalloc_range){start, start + bytes, 0}))
            break;
        w->o->arenas++;
        w->o->arena_bytes += bytes;
    }
    gs_qsort(w->map.arenas, w->map.narenas, sizeof *w->map.arenas, by_start);
    return true;
}

static struct gs_py_mimalloc_class *class_of(struct gs_py_mimalloc_stats *o, uint64_t bsize)
{
    uint32_t i = 0;
    while (i < o->nclasses && o->classes[i].block_size < bsize)
        i++;
    if (i < o->nclasses && o->classes[i].block_size == bsize)
        return &o->classes[i];
    if (o->nclasses == GS_PY_MI_MAX_CLASSES)
        return NULL;
    memmove(&o->classes[i + 1], &o->classes[i], (o->nclasses - i) * sizeof o->classes[0]);
    o->nclasses++;
    memset(&o->classes[i], 0, sizeof o->classes[i]);
    o->classes[i].block_size = bsize;
    return &o->classes[i];
}

/* One page with blocks: its class, its heap, its live blocks. */
static void account_page(struct walk *w, const struct gs_py_mi_page *p, uint64_t slices)
{
    struct gs_py_mimalloc_stats *o = w->o;
    uint32_t nfree = 0;
    bool ok = p->capacity == 0 || gs_py_mi_mark_free(w->c, p, w->free_map, &w->delayed, &nfree, &w->diag);
    if (!ok) {
        o->bad_pages++;
        return;
    }
    struct gs_py_mimalloc_map *m = &w->map;
    if (m->npages == w->cap_pages) {
        size_t ncap = w->cap_pages ? w->cap_pages * 2 : 256;
        void *np = gs_try_reallocarray(m->pages, ncap, sizeof *m->pages);
        if (!np) {
            w->oom = true;
            return;
        }
        m->pages = np;
        w->cap_pages = ncap;
    }
    uint64_t need = (m->nbits + p->capacity + 63) / 64;
    if (need > w->cap_live) {
        size_t ncap = w->cap_live ? w->cap_live * 2 : 1024;
        while (ncap < need)
            ncap *= 2;
        uint64_t *nl = gs_try_reallocarray(m->live, ncap, sizeof *nl);
        if (!nl) {
            w->oom = true;
            return;
        }
        memset(nl + w->cap_live, 0, (ncap - w->cap_live) * sizeof *nl);
        m->live = nl;
        w->cap_live = ncap;
    }
    for (uint32_t i = 0; i < p->capacity; i++)
        if (!gs_py_mi_is_free(w->free_map, i)) {
            uint64_t bit = m->nbits + i;
            m->live[bit / 64] |= (uint64_t)1 << (bit % 64);
        }
    uint64_t end = p->start + p->area;
    m->pages[m->npages++] = (struct gs_py_mimalloc_page){
        .slices = slices, .start = p->start, .bsize = p->bsize, .end = end, .first_bit = m->nbits,
        .capacity = p->capacity, .tag = (uint32_t)p->tag,
    };
    m->nbits += p->capacity;
    uint64_t used = p->capacity - nfree;
    int h = p->tag >= 0 && p->tag < GS_PY_MI_HEAPS - 1 ? p->tag : GS_PY_MI_HEAPS - 1;
    o->pages++;
    o->page_bytes += end - slices;
    o->blocks += p->capacity;
    o->used_blocks += used;
    o->used_bytes += used * p->bsize;
    o->free_bytes += (uint64_t)nfree * p->bsize;
    o->uncarved_bytes += p->area - (uint64_t)p->capacity * p->bsize;
    o->heap_used_blocks[h] += used;
    o->heap_used_bytes[h] += used * p->bsize;
    struct gs_py_mimalloc_class *k = class_of(o, p->bsize);
    if (k) {
        k->pages++;
        k->blocks += p->capacity;
        k->used_blocks += used;
    } else {
        o->other_class_used_bytes += used * p->bsize;
    }
}

/* mi_segment_visit_pages: the info slices, then each span of slices, a
 * page (xblock_size > 0) or free. */
static void walk_segment(struct walk *w, uint64_t seg, bool abandoned)
{
    const struct gs_py_layout *L = w->L;
    struct gs_py_mimalloc_stats *o = w->o;
    uint64_t size, info, entries, slice = (uint64_t)L->mi_segment_slice_size, psz = (uint64_t)L->mi_page_size;
    if (!gs_read_u64(w->c->r, seg + (uint64_t)L->mi_segment_segment_size, &size) ||
        !gs_read_u64(w->c->r, seg + (uint64_t)L->mi_segment_info_slices, &info) ||
        !gs_read_u64(w->c->r, seg + (uint64_t)L->mi_segment_slice_entries, &entries) ||
        entries > GS_PY_MI_MAX_SLICES || info == 0 || info >= entries || size < entries * slice ||
        size > MAX_SEGMENT_BYTES) {
        gs_py_mi_problem(&w->diag, "mimalloc segment 0x%llx is unreadable or corrupt", (unsigned long long)seg);
        return;
    }
    o->segments++;
    o->abandoned_segments += abandoned;
    o->segment_bytes += size;
    o->header_bytes += info * slice;
    push_range(w, &w->map.segments, &w->map.nsegments, &w->cap_segments,
               (struct gs_py_mimalloc_range){seg, seg + size, seg + info * slice});
    uint64_t slices = seg + (uint64_t)L->mi_segment_slices;
    for (uint64_t i = info; i < entries && !w->oom;) {
        uint64_t at = slices + i * psz;
        uint32_t count, xblock;
        if (!gs_read_u32(w->c->r, at + (uint64_t)L->mi_page_slice_count, &count) || count == 0 ||
            !gs_read_u32(w->c->r, at + (uint64_t)L->mi_page_xblock, &xblock)) {
            gs_py_mi_problem(&w->diag, "mimalloc segment 0x%llx has a bad slice %llu", (unsigned long long)seg,
                             (unsigned long long)i);
            o->bad_pages++;
            return;
        }
        uint64_t n = count < entries - i ? count : entries - i;
        if (xblock == 0) {
            o->free_span_bytes += n * slice;
        } else {
            struct gs_py_mi_page p;
            if (gs_py_mi_read_page(w->c, at, &p, &w->diag))
                account_page(w, &p, seg + i * slice);
            else
                o->bad_pages++;
        }
        i += count;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void gs_py_mimalloc_read(const struct gs_py_runtime *rt, const struct gs_py_statics *statics,
                         struct gs_py_mimalloc_stats *o, struct gs_py_mimalloc_map *map_out)
{
    const struct gs_py_ctx *c = &rt->ctx;
    const struct gs_py_layout *L = c->L;
    memset(o, 0, sizeof *o);
    if (map_out)
        memset(map_out, 0, sizeof *map_out);
    if (!gs_py_layout_has(L->ft_mimalloc_heap_count) || !gs_py_layout_has(L->mi_segment_info_slices)) {
        o->status = GS_PY_MIMALLOC_NOT_USED;
        snprintf(o->why, sizeof o->why, "not a free-threaded build: objects are in pymalloc's arenas");
        return;
    }
    struct walk w = {.c = c, .L = L, .o = o};
    w.diag = (struct gs_py_mi_diag){&w.problems, o->first_problem, sizeof o->first_problem};
    gs_addrmap_init(&w.seen);
    gs_addrmap_init(&w.delayed);
    w.free_map = gs_try_reallocarray(NULL, GS_PY_MI_MAX_PAGE_BLOCKS / 64, sizeof *w.free_map);
    if (!w.free_map)
        w.oom = true;
    for (size_t i = 0; i < rt->ninterps && !w.oom; i++) {
        const struct gs_py_interp *in = &rt->interps[i];
        for (size_t t = 0; t < in->nthreads && !w.oom; t++) {
            uint64_t m = in->threads[t].addr + (uint64_t)L->ft_tstate_mimalloc;
            int32_t initialized;
            if (!gs_read_i32(c->r, m + (uint64_t)L->ft_mimalloc_initialized, &initialized) || !initialized)
                continue; /* not bound yet (tstate_mimalloc_bind) */
            for (int64_t h = 0; h < L->ft_mimalloc_heap_count && !w.oom; h++)
                heap_segments(&w, m + (uint64_t)L->ft_mimalloc_heaps + (uint64_t)h * (uint64_t)L->mi_heap_size);
        }
        abandoned_segments(&w, in->addr + (uint64_t)L->ft_interp_abandoned_pool);
    }
    bool have_map = !w.oom && map_segments(&w, statics);
    bool have_arenas = !w.oom && read_arenas(&w, statics);
    if (!have_map || !have_arenas)
        snprintf(o->why, sizeof o->why,
                 "mimalloc's segment map and arenas (statics of libpython) were not found: segments found "
                 "through the threads' heaps only, freed segments not told apart");
    gs_qsort(w.segs, w.nsegs, sizeof *w.segs, cmp_u64);
    for (size_t i = 0; i < w.nsegs && !w.oom; i++) {
        uint32_t *tag = gs_addrmap_get(&w.seen, w.segs[i]);
        walk_segment(&w, w.segs[i], tag && *tag == 2);
    }
    free(w.segs);
    free(w.free_map);
    gs_addrmap_free(&w.seen);
    gs_addrmap_free(&w.delayed);
    if (w.oom) {
        gs_py_mimalloc_map_free(&w.map);
        o->status = GS_PY_MIMALLOC_UNREADABLE;
        snprintf(o->why, sizeof o->why, "out of memory reading mimalloc's segments");
        return;
    }
    o->status = o->segments ? GS_PY_MIMALLOC_OK : GS_PY_MIMALLOC_UNREADABLE;
    if (!o->segments)
        snprintf(o->why, sizeof o->why, "no mimalloc segment could be read%s%.200s", o->first_problem[0] ? ": " : "",
                 o->first_problem);
    if (map_out)
        *map_out = w.map;
    else
        gs_py_mimalloc_map_free(&w.map);
}

void gs_py_mimalloc_map_free(struct gs_py_mimalloc_map *m)
{
    free(m->pages);
    free(m->live);
    free(m->segments);
    free(m->arenas);
    memset(m, 0, sizeof *m);
}

const struct gs_py_mimalloc_page *gs_py_mimalloc_page_of(const struct gs_py_mimalloc_map *m, uint64_t addr)
{
    size_t lo = 0, hi = m->npages;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->pages[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < m->npages && m->pages[lo].slices <= addr && addr < m->pages[lo].end)
        return &m->pages[lo];
    return NULL;
}
