/* mimalloc.h: the blocks of a free-threaded interpreter's mimalloc, per
 * size class, read from a captured image; what pymalloc's arenas are to
 * py/obmalloc.h.
 *
 * A free-threaded build (3.13t+) allocates every object and every
 * PyMem_Malloc() block from mimalloc: each thread state has four heaps
 * (_Py_MIMALLOC_HEAP_MEM, _OBJECT, _GC, _GC_PRE: pycore_mimalloc.h) over
 * the segments its thread owns; an exiting thread leaves its segments in
 * the interpreter's abandoned pool. Segments (MI_SEGMENT_SIZE, aligned)
 * come from mimalloc's arenas, large reservations of which only the
 * touched pages are resident.
 *
 * The walk: the segments of every page in every queue of every heap of
 * every thread state, of the abandoned pool's lists, and of mimalloc's
 * segment map (a static bitmap of every segment mimalloc allocated, found
 * by symbol like pymalloc's statics up to 3.11; without symbols the heaps
 * and the pool are enough for Python's blocks). Each segment is then read
 * slice by slice as mi_segment_visit_pages does: its info slices, each
 * page (a block is in use unless a free list or a heap's delayed-free list
 * holds it: py/mimalloc_page.h), and the free spans between. The used
 * blocks are what sys.getallocatedblocks() counts there (page->used after
 * mimalloc collected the lists). The arenas (mi_arenas, mi_arena_count)
 * give the reserved ranges whose resident pages outside a live segment are
 * segments freed and not yet purged.
 *
 * Bounded: segments by the map's size and the image, slices by
 * GS_PY_MI_MAX_SLICES, pages as py/mimalloc_page.h says, arenas by
 * MI_MAX_ARENAS. The stats are plain data (the snapshot stores them
 * verbatim); the map is what graph/memory.c needs to place each object's
 * block and count resident bytes, and is not stored.
 */
#ifndef GCSCOPE_PY_MIMALLOC_H
#define GCSCOPE_PY_MIMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "py/runtime.h"
#include "py/statics.h"

#define GS_PY_MI_MAX_CLASSES 96
/* Per heap: the four _Py_MIMALLOC_HEAP_* tags, then any other tag. */
#define GS_PY_MI_HEAPS 5

enum gs_py_mimalloc_status {
    GS_PY_MIMALLOC_NOT_READ = 0, /* no snapshot data (an older file, a made-up snapshot) */
    GS_PY_MIMALLOC_OK,
    GS_PY_MIMALLOC_NOT_USED,     /* a GIL build: pymalloc, not mimalloc */
    GS_PY_MIMALLOC_UNREADABLE,   /* no segment could be read */
};

/* One block size. */
struct gs_py_mimalloc_class {
    uint64_t block_size;
    uint64_t pages;
    uint64_t blocks;        /* capacity: blocks ever carved */
    uint64_t used_blocks;   /* in use */
};

struct gs_py_mimalloc_stats {
    uint32_t status;        /* enum gs_py_mimalloc_status */
    uint32_t nclasses;      /* classes[] in block size order */
    uint64_t segments, abandoned_segments;
    uint64_t segment_bytes;      /* the segments' sizes */
    uint64_t pages, page_bytes;  /* pages with blocks, and their slices */
    uint64_t blocks, used_blocks, used_bytes;
    uint64_t free_bytes;         /* carved blocks not in use */
    uint64_t uncarved_bytes;     /* page bytes past the carved blocks */
    uint64_t header_bytes;       /* the segments' own info slices */
    uint64_t free_span_bytes;    /* slices in no page */
    uint64_t heap_used_blocks[GS_PY_MI_HEAPS], heap_used_bytes[GS_PY_MI_HEAPS];
    uint64_t arenas, arena_bytes;   /* mimalloc's reservations (0: no symbols) */
    /* The resident part, from the image (graph/memory.c fills these):
     * resident = used + free; objects is the part of used that graph
     * objects and their buffers occupy (whole blocks), headers and
     * unowned are parts of free (info slices; arena pages outside every
     * live segment). */
    uint64_t resident, resident_used, resident_objects, resident_free, resident_headers, resident_unowned;
    uint64_t bad_pages;          /* pages or lists skipped as corrupt */
    struct gs_py_mimalloc_class classes[GS_PY_MI_MAX_CLASSES];
    uint64_t other_class_used_bytes; /* sizes past GS_PY_MI_MAX_CLASSES distinct ones */
    char why[256];               /* status != OK: what is missing; else a note (symbols) */
    char first_problem[256];
};

/* What graph/memory.c needs to place blocks: every page with blocks, in
 * address order, and per block whether it is in use. */
struct gs_py_mimalloc_page {
    uint64_t slices;        /* where the page's slices start */
    uint64_t start, bsize;  /* its blocks */
    uint64_t end;           /* the end of its slices */
    uint64_t first_bit;     /* its first block's bit in live[] */
    uint32_t capacity;
    uint32_t tag;
};
struct gs_py_mimalloc_range {
    uint64_t start, end, info_end;  /* info_end: segments only, the end of the info slices */
};
struct gs_py_mimalloc_map {
    struct gs_py_mimalloc_page *pages;
    size_t npages;
    uint64_t *live;         /* one bit per carved block, 1 = in use */
    uint64_t nbits;
    struct gs_py_mimalloc_range *segments, *arenas; /* in address order */
    size_t nsegments, narenas;
};

/* One page as the snapshot keeps it (section mi_pages): what a page that a
 * few blocks keep from being freed holds (graph/memory.h). */
struct gs_py_mimalloc_page_rec {
    uint64_t start;         /* its first block */
    uint64_t bytes;         /* its slices */
    uint64_t block_size;
    uint64_t resident;      /* resident bytes of its slices */
    uint32_t capacity, used;
    uint32_t tag, reserved;
};

/* Read mimalloc's heaps of every interpreter of rt. Never fails hard:
 * out->status says what happened; map (may be NULL) gets the pages and
 * ranges, freed with gs_py_mimalloc_map_free(). */
void gs_py_mimalloc_read(const struct gs_py_runtime *rt, const struct gs_py_statics *statics,
                         struct gs_py_mimalloc_stats *out, struct gs_py_mimalloc_map *map);
void gs_py_mimalloc_map_free(struct gs_py_mimalloc_map *map);

/* The page holding addr, or NULL (a binary search). */
const struct gs_py_mimalloc_page *gs_py_mimalloc_page_of(const struct gs_py_mimalloc_map *map, uint64_t addr);

#endif
