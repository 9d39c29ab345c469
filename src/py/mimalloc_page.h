/* mimalloc_page.h: one mimalloc page of a free-threaded interpreter, read
 * from a captured image: where its blocks are and which of them are free.
 *
 * Shared by the two readers of mimalloc's heaps: heap_ft.c (the objects
 * the collector tracks) and mimalloc.c (the bytes per size class, as
 * sys.getallocatedblocks() counts them). Both follow CPython's own
 * mimalloc (Include/internal/mimalloc/mimalloc/types.h, Objects/mimalloc/):
 *
 *   - a page (mi_page_t) is a slice entry of its segment, which is the
 *     MI_SEGMENT_SIZE-aligned address below it (_mi_ptr_segment); its
 *     blocks start after a small offset (_mi_segment_page_start_from_slice)
 *     and `capacity` of them were ever carved;
 *   - a block is free when it is on the page's free, local_free or
 *     thread_free list, or on its heap's thread_delayed_free list (mimalloc
 *     frees those at the next allocation). A debug build encodes the
 *     links with the page's or heap's keys (MI_ENCODE_FREELIST).
 *
 * The memory is untrusted: a list is bounded by the page's capacity, every
 * block must lie on a block boundary inside its page, a block seen twice
 * is a loop. A bad page or list is reported through gs_py_mi_diag and not
 * followed.
 */
#ifndef GCSCOPE_PY_MIMALLOC_PAGE_H
#define GCSCOPE_PY_MIMALLOC_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "py/object.h"
#include "util/addrmap.h"

/* mimalloc's small pages hold at most MI_SMALL_PAGE_SIZE / 8 blocks
 * (_mi_heap_area_visit_blocks' MI_MAX_BLOCKS); a 16-bit capacity bounds
 * every page. */
#define GS_PY_MI_MAX_PAGE_BLOCKS 65536u
/* slices per segment: MI_SEGMENT_SIZE / MI_SEGMENT_SLICE_SIZE + 1 */
#define GS_PY_MI_MAX_SLICES 4096u

/* Where problems go: counted, the first one described. */
struct gs_py_mi_diag {
    uint64_t *count;
    char *first;      /* "" until the first problem */
    size_t first_cap;
};
void gs_py_mi_problem(const struct gs_py_mi_diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct gs_py_mi_page {
    uint64_t addr;        /* the mi_page_t (a slice entry of its segment) */
    uint64_t segment;
    uint64_t start;       /* the first block */
    uint64_t area;        /* bytes from start to the end of the page's slices */
    uint64_t bsize;       /* block size (a huge page's block is the whole area) */
    uint32_t capacity, reserved, used, slice_count;
    uint64_t free, local_free, thread_free;
    uint64_t keys[2];
    bool encoded;
    int tag;              /* the owning heap's tag (_Py_MIMALLOC_HEAP_*) */
};

/* Read the page at addr (a slice entry with blocks). False, with a
 * problem reported, when it is unreadable or does not fit its segment. */
bool gs_py_mi_read_page(const struct gs_py_ctx *c, uint64_t addr, struct gs_py_mi_page *p,
                        const struct gs_py_mi_diag *d);

/* Mark the page's free blocks in free_map (GS_PY_MI_MAX_PAGE_BLOCKS bits,
 * cleared here): its three lists, and the blocks of `delayed` (a heap's
 * thread_delayed_free list, may be NULL) that lie in it. *nfree gets their
 * count. False when a list is broken (the map is then incomplete). */
bool gs_py_mi_mark_free(const struct gs_py_ctx *c, const struct gs_py_mi_page *p, uint64_t *free_map,
                        const gs_addrmap *delayed, uint32_t *nfree, const struct gs_py_mi_diag *d);

static inline bool gs_py_mi_is_free(const uint64_t *free_map, uint32_t i)
{
    return (free_map[i / 64] >> (i % 64)) & 1;
}

/* Add the blocks on the heap's thread_delayed_free list to *delayed (each
 * once; page_count bounds the list). False when memory runs out. */
bool gs_py_mi_collect_delayed(const struct gs_py_ctx *c, uint64_t heap, uint64_t page_count, gs_addrmap *delayed,
                              const struct gs_py_mi_diag *d);

#endif
