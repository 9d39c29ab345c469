/* obmalloc.h: pymalloc's arenas, pools and size classes, read from a
 * captured image, with the figures sys._debugmallocstats() prints.
 *
 * Where the state lives: 3.12 in the main interpreter's
 * `struct _obmalloc_state obmalloc` (pycore_obmalloc.h), 3.13+ behind the
 * pointer interp->obmalloc (the main interpreter's is a static of
 * obmalloc.c, obmalloc_state_main); 3.8-3.11 in statics
 * of Objects/obmalloc.c (arenas, maxarenas, narenas_currently_allocated,
 * ntimes_arena_allocated, narenas_highwater) found by symbol (statics.h).
 *
 * The walk is pymalloc_print_stats()'s own: every arena slot with an
 * address, its pools from the first pool-aligned address up to
 * pool_address (pools past it were never carved), a pool with ref.count 0
 * is free, any other one counts ref.count blocks of its size class in use
 * and the rest of its blocks available. Every count read from the target
 * is bounded (maxarenas, pools per arena, size class index).
 *
 * The structs are plain data: the snapshot stores them verbatim.
 */
#ifndef GCSCOPE_PY_OBMALLOC_H
#define GCSCOPE_PY_OBMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "py/statics.h"

#define GS_PY_PYMALLOC_MAX_CLASSES 64
#define GS_PY_PYMALLOC_MAX_ARENAS (1u << 22) /* 4 TiB of 1 MiB arenas: more is corrupt */

enum gs_py_pymalloc_status {
    GS_PY_PYMALLOC_OK = 0,
    GS_PY_PYMALLOC_NOT_READ,      /* no snapshot data (an older file) */
    GS_PY_PYMALLOC_NO_SYMBOLS,    /* 3.8-3.11 without .symtab or debug file */
    GS_PY_PYMALLOC_UNREADABLE,    /* the state or the arena table is not in the copy */
    GS_PY_PYMALLOC_DISABLED,      /* PYTHONMALLOC=malloc: no arena at all */
};

struct gs_py_pymalloc_class {
    uint64_t pools, blocks, free_blocks;
};

/* One allocated arena. */
struct gs_py_pymalloc_arena {
    uint64_t address;       /* as malloc'd/mmap'd (may not be pool-aligned) */
    uint64_t carved_bytes;  /* from address up to pool_address: the part ever touched */
    uint64_t used_bytes;    /* bytes in allocated blocks */
    uint32_t total_pools, free_pools, used_pools, reserved;
};

struct gs_py_pymalloc_stats {
    uint32_t status;        /* enum gs_py_pymalloc_status */
    uint32_t nclasses;
    uint64_t arena_size, pool_size, pool_overhead, small_threshold;
    uint64_t alignment;
    struct gs_py_pymalloc_class classes[GS_PY_PYMALLOC_MAX_CLASSES];
    /* as _debugmallocstats prints them */
    uint64_t ntimes_arena_allocated, narenas_highwater, narenas_current;
    uint64_t narenas;       /* counted in the walk */
    uint64_t allocated_bytes, available_bytes, free_pools, pool_header_bytes, quantization, arena_alignment;
    uint64_t total;         /* the sum of the six: narenas * arena_size */
    uint64_t bad_pools;     /* pools whose header was unreadable or out of range (not counted) */
    char why[512];          /* when status != OK: what is missing */
};

/* Read pymalloc's state. main_interp: the main interpreter's address
 * (3.12+); statics: opened by the caller (3.8-3.11). *arenas (may be NULL
 * on return) gets one entry per allocated arena, in arena table order;
 * free() it. Never fails hard: out->status says what happened. */
void gs_py_pymalloc_read(const struct gs_py_ctx *c, uint64_t main_interp, const struct gs_py_statics *statics,
                      const struct gs_py_location *loc, struct gs_py_pymalloc_stats *out,
                      struct gs_py_pymalloc_arena **arenas, size_t *narenas);

#endif
