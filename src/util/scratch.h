/* scratch.h: large per-node arrays that one analysis frees and the next one
 * allocates again, kept mapped in between.
 *
 * A report on a big snapshot runs several analyses in a row (dominators,
 * the dominator tree, shortest paths), each allocating arrays of 4 or 8
 * bytes a node. Freed through malloc, every such block is unmapped, and
 * the next analysis's first touch of its fresh pages costs a page fault
 * and the kernel's zeroing of the page: half the time of --dump-retained
 * on a 10M-object snapshot. Blocks freed here are kept (a few, bounded)
 * and handed to the next request they fit, already faulted in.
 *
 * Only for blocks of GS_SCRATCH_MIN bytes or more (smaller ones go to
 * malloc); free them with gs_scratch_free, never free(). Under
 * AddressSanitizer everything goes to malloc, so that overflows are still
 * caught. Thread-safe. */
#ifndef GCSCOPE_UTIL_SCRATCH_H
#define GCSCOPE_UTIL_SCRATCH_H

#include <stddef.h>

/* count * size bytes, uninitialised; NULL on overflow or failure */
void *gs_scratch_alloc(size_t count, size_t size);
/* count * size bytes, zeroed; NULL on overflow or failure */
void *gs_scratch_calloc(size_t count, size_t size);
/* Give a block back (NULL is fine). */
void gs_scratch_free(void *p);

#endif
