/* heap_ft.c: every object a free-threaded interpreter's collector tracks,
 * found the way it finds them itself.
 *
 * A free-threaded build (Py_GIL_DISABLED) links no object into a list.
 * Python/gc_free_threading.c, gc_visit_heaps_lock_held(), visits
 *   - for each thread state, its mimalloc heaps
 *     _PyThreadStateImpl.mimalloc.heaps[_Py_MIMALLOC_HEAP_GC] (the object
 *     at the start of the block) and heaps[_Py_MIMALLOC_HEAP_GC_PRE] (after
 *     the two pre-header words: managed dict and weakrefs);
 *   - then the interpreter's abandoned pool (segments of threads that
 *     exited), pages whose tag is one of those two heaps;
 * and in every page the blocks that are not free (mimalloc's
 * _mi_heap_area_visit_blocks, after _mi_page_free_collect merged the page's
 * local_free and thread_free lists into free, and
 * _mi_heap_delayed_free_partial returned the heap's thread_delayed_free
 * blocks to their pages). An object is the collector's iff ob_gc_bits has
 * TRACKED. gc.get_objects() leaves out FROZEN (gc.freeze()) and UNREACHABLE
 * (mid-collection) objects: frozen ones are reported as the permanent
 * generation, as on a GIL build; a collection in progress is refused before.
 *
 * We cannot merge the lists in the target, so each page's free blocks are
 * the union of its free, local_free and thread_free lists and of the
 * heap's delayed-free list, marked in a bitmap (py/mimalloc_page.c). The
 * memory is untrusted: every list is bounded by the page's capacity and
 * every block must lie on a block boundary inside its page (a block seen
 * twice is a loop); page queues are bounded by the heap's page count and
 * checked for repeats; abandoned segments are bounded by the image size. A
 * bad list stops that list and is counted in broken_lists, never followed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/heap_ft.h"
#include "py/mimalloc_page.h"
#include "py/refcount.h"
#include "util/addrmap.h"
#include "util/alloc.h"

struct ft_walk {
    const struct gs_py_runtime *rt;
    const struct gs_py_ctx *c;
    const struct gs_py_layout *L;
    const struct gs_py_thread_refcounts *thread_refs;
    uint64_t max_objects, visited;
    gs_py_heap_visit_fn fn;
    void *arg;
    struct gs_py_heap_stats *st;
    struct gs_py_mi_diag diag;  /* into st->broken_lists, st->first_problem */
    size_t interp;
    gs_addrmap delayed;     /* blocks on a heap's thread_delayed_free list */
    gs_addrmap pages_seen;  /* every page walked once: queues may not share */
    uint64_t *free_map;     /* GS_PY_MI_MAX_PAGE_BLOCKS bits */
    bool stop;              /* the visitor asked to stop */
    bool oom;
};

#define problem(w, ...) gs_py_mi_problem(&(w)->diag, __VA_ARGS__)

static void visit_object(struct ft_walk *w, uint64_t obj)
{
    const struct gs_py_layout *L = w->L;
    uint8_t bits;
    if (!gs_read_u8(w->c->r, obj + (uint64_t)L->ft_object_gc_bits, &bits) || !(bits & L->ft_gc_bit_tracked))
        return;
    if (bits & L->ft_gc_bit_unreachable)
        return; /* being collected: not in gc.get_objects() */
    if (w->visited++ >= w->max_objects) {
        problem(w, "more tracked objects than the memory could hold: the heaps loop");
        w->stop = true;
        return;
    }
    struct gs_py_heap_object o = {
        .addr = obj,
        .generation = (bits & L->ft_gc_bit_frozen) ? GS_PY_GEN_PERMANENT : 0,
        .interp = w->interp,
    };
    if (!gs_py_object_refcount(w->c, w->thread_refs, obj, &o.refcnt, &o.type)) {
        /* Tracked and allocated but unreadable or at count 0: an object
         * being torn down by a thread we stopped. Skip it, as a list walk
         * would skip an object being unlinked. */
        return;
    }
    w->st->objects[o.generation]++;
    if (!w->fn(w->arg, &o))
        w->stop = true;
}

/* Visit the live blocks of one page, the object at block + obj_offset. */
static void walk_page(struct ft_walk *w, const struct gs_py_mi_page *p, uint64_t obj_offset)
{
    if (p->used == 0 || p->capacity == 0)
        return;
    uint32_t nfree;
    if (!gs_py_mi_mark_free(w->c, p, w->free_map, &w->delayed, &nfree, &w->diag))
        return;
    for (uint32_t i = 0; i < p->capacity && !w->stop; i++)
        if (!gs_py_mi_is_free(w->free_map, i))
            visit_object(w, p->start + (uint64_t)i * p->bsize + obj_offset);
}

static bool page_once(struct ft_walk *w, uint64_t page)
{
    if (gs_addrmap_get(&w->pages_seen, page)) {
        problem(w, "mimalloc page 0x%llx is in two queues: the queues loop", (unsigned long long)page);
        return false;
    }
    if (!gs_addrmap_put(&w->pages_seen, page, 1)) {
        w->oom = w->stop = true;
        return false;
    }
    return true;
}

/* mi_heap_visit_pages: every queue pages[0..MI_BIN_FULL], first..next. */
static void walk_heap(struct ft_walk *w, uint64_t heap, uint64_t obj_offset)
{
    const struct gs_py_layout *L = w->L;
    uint64_t page_count;
    if (!gs_py_read_ptr(w->c, heap + (uint64_t)L->mi_heap_page_count, &page_count)) {
        problem(w, "unreadable mimalloc heap at 0x%llx", (unsigned long long)heap);
        return;
    }
    if (page_count == 0)
        return;
    if (page_count > w->max_objects) {
        problem(w, "mimalloc heap 0x%llx claims %llu pages", (unsigned long long)heap, (unsigned long long)page_count);
        return;
    }
    if (!gs_py_mi_collect_delayed(w->c, heap, page_count, &w->delayed, &w->diag)) {
        w->oom = w->stop = true;
        return;
    }
    uint64_t walked = 0;
    for (int64_t bin = 0; bin <= L->mi_bin_full && !w->stop; bin++) {
        uint64_t q = heap + (uint64_t)L->mi_heap_pages + (uint64_t)bin * (uint64_t)L->mi_page_queue_size;
        uint64_t page;
        if (!gs_py_read_ptr(w->c, q + (uint64_t)L->mi_page_queue_first, &page)) {
            problem(w, "unreadable page queue %lld of mimalloc heap 0x%llx", (long long)bin, (unsigned long long)heap);
            return;
        }
        while (page && !w->stop) {
            if (walked++ >= page_count || !page_once(w, page)) {
                if (!w->oom)
                    problem(w, "the page queues of mimalloc heap 0x%llx hold more than its %llu pages",
                            (unsigned long long)heap, (unsigned long long)page_count);
                return;
            }
            struct gs_py_mi_page p;
            if (!gs_py_mi_read_page(w->c, page, &p, &w->diag))
                break;
            walk_page(w, &p, obj_offset);
            if (!gs_py_read_ptr(w->c, page + (uint64_t)L->mi_page_next, &page))
                break;
        }
    }
}

/* mi_segment_visit_pages: the used slices after the segment's own. */
static void walk_segment(struct ft_walk *w, uint64_t segment)
{
    const struct gs_py_layout *L = w->L;
    uint64_t entries;
    if (!gs_read_u64(w->c->r, segment + (uint64_t)L->mi_segment_slice_entries, &entries) ||
        entries > GS_PY_MI_MAX_SLICES) {
        problem(w, "abandoned mimalloc segment 0x%llx is unreadable", (unsigned long long)segment);
        return;
    }
    uint64_t slices = segment + (uint64_t)L->mi_segment_slices, psz = (uint64_t)L->mi_page_size;
    uint32_t count;
    if (!gs_read_u32(w->c->r, slices + (uint64_t)L->mi_page_slice_count, &count) || count == 0)
        return;
    for (uint64_t i = count; i < entries && !w->stop;) {
        uint64_t slice = slices + i * psz;
        uint32_t xblock;
        if (!gs_read_u32(w->c->r, slice + (uint64_t)L->mi_page_slice_count, &count) || count == 0 ||
            !gs_read_u32(w->c->r, slice + (uint64_t)L->mi_page_xblock, &xblock)) {
            problem(w, "abandoned mimalloc segment 0x%llx has a bad slice %llu", (unsigned long long)segment,
                    (unsigned long long)i);
            return;
        }
        if (xblock > 0) { /* mi_slice_is_used */
            struct gs_py_mi_page p;
            if (page_once(w, slice) && gs_py_mi_read_page(w->c, slice, &p, &w->diag)) {
                if (p.tag == L->ft_mimalloc_heap_gc)
                    walk_page(w, &p, 0);
                else if (p.tag == L->ft_mimalloc_heap_gc_pre)
                    walk_page(w, &p, 16);
            }
        }
        i += count;
    }
}

static void walk_abandoned(struct ft_walk *w, uint64_t pool)
{
    const struct gs_py_layout *L = w->L;
    uint64_t heads[2];
    if (!gs_py_read_ptr(w->c, pool + (uint64_t)L->mi_pool_abandoned, &heads[0]) ||
        !gs_py_read_ptr(w->c, pool + (uint64_t)L->mi_pool_abandoned_visited, &heads[1])) {
        problem(w, "unreadable abandoned pool at 0x%llx", (unsigned long long)pool);
        return;
    }
    heads[0] &= ~((uint64_t)L->mi_segment_size - 1); /* mi_tagged_segment_ptr */
    uint64_t bound = w->max_objects / 1024 + 16;
    gs_addrmap seen;
    gs_addrmap_init(&seen);
    for (int h = 0; h < 2 && !w->stop; h++) {
        uint64_t seg = heads[h];
        for (uint64_t n = 0; seg && !w->stop; n++) {
            if (n > bound || gs_addrmap_get(&seen, seg) || (seg & ((uint64_t)L->mi_segment_size - 1))) {
                problem(w, "the abandoned segment list at 0x%llx loops or is corrupt", (unsigned long long)pool);
                break;
            }
            if (!gs_addrmap_put(&seen, seg, 1)) {
                w->oom = w->stop = true;
                break;
            }
            walk_segment(w, seg);
            if (!gs_py_read_ptr(w->c, seg + (uint64_t)L->mi_segment_abandoned_next, &seg))
                break;
        }
    }
    gs_addrmap_free(&seen);
}

gs_status gs_py_heap_walk_ft(const struct gs_py_runtime *rt, uint64_t max_objects, gs_py_heap_visit_fn fn, void *arg,
                          struct gs_py_heap_stats *stats, gs_error *err)
{
    const struct gs_py_layout *L = rt->ctx.L;
    struct ft_walk w = {
        .rt = rt,
        .c = &rt->ctx,
        .L = L,
        .thread_refs = &rt->thread_refs,
        .max_objects = max_objects,
        .fn = fn,
        .arg = arg,
        .st = stats,
        .diag = {&stats->broken_lists, stats->first_problem, sizeof stats->first_problem},
    };
    w.free_map = gs_try_reallocarray(NULL, GS_PY_MI_MAX_PAGE_BLOCKS / 64, sizeof *w.free_map);
    if (!w.free_map)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory walking the mimalloc heaps");
    gs_addrmap_init(&w.delayed);
    gs_addrmap_init(&w.pages_seen);
    uint64_t heap_ids[2] = {(uint64_t)L->ft_mimalloc_heap_gc, (uint64_t)L->ft_mimalloc_heap_gc_pre};
    uint64_t offsets[2] = {0, 16}; /* GC_PRE: managed dict and weakref words first */
    for (size_t i = 0; i < rt->ninterps && !w.stop; i++) {
        const struct gs_py_interp *in = &rt->interps[i];
        w.interp = i;
        for (size_t t = 0; t < in->nthreads && !w.stop; t++) {
            uint64_t m = in->threads[t].addr + (uint64_t)L->ft_tstate_mimalloc;
            int32_t initialized;
            if (!gs_read_i32(w.c->r, m + (uint64_t)L->ft_mimalloc_initialized, &initialized)) {
                problem(&w, "unreadable mimalloc state of thread state 0x%llx", (unsigned long long)in->threads[t].addr);
                continue;
            }
            if (!initialized)
                continue; /* not bound yet (tstate_mimalloc_bind) */
            for (int h = 0; h < 2 && !w.stop; h++)
                walk_heap(&w, m + (uint64_t)L->ft_mimalloc_heaps + heap_ids[h] * (uint64_t)L->mi_heap_size,
                          offsets[h]);
        }
        if (!w.stop)
            walk_abandoned(&w, in->addr + (uint64_t)L->ft_interp_abandoned_pool);
    }
    gs_addrmap_free(&w.delayed);
    gs_addrmap_free(&w.pages_seen);
    free(w.free_map);
    if (w.oom)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory walking the mimalloc heaps");
    return GS_OK;
}
