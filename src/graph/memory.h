/* memory.h: where the target's memory goes, for the snapshot.
 *
 * Called by gs_graph_build() once every node and type is known. It
 * reads from the capture (never the process): tracemalloc's traces
 * (py/tracemalloc.h), pymalloc's arenas (py/obmalloc.h), the mappings the
 * capture read from /proc/PID/smaps, and for each node the buffers it
 * points to (list, dict and set tables, bytearray data), the capacity its
 * items leave unused (slack) and a hash of a str's or bytes' value; then
 * it splits the anonymous resident memory into what explains it. It fills
 * s->memory, s->mappings, s->arenas, s->tm_* and s->slack / s->content.
 * memory.c's top comment says how each figure is computed.
 *
 * Its visit of every node (on the build's threads) also reads what the
 * referents' pass need not hold at the build's peak: each node's reference
 * count and sys.getsizeof, kept 16 bits wide until the copy is freed
 * (graph/narrow.h), and the immortal flag (3.12+). The value hashes of
 * str and bytes (a tenth of the nodes) are listed by node while the copy is
 * held, and spread into s->content once it is freed
 * (gs_memory_spread_content).
 *
 * It interns the mappings' and tracemalloc's names in `strings`, then
 * drops the pool's lookup table (util/strpool.h) for its visit of every
 * node: the caller interns nothing after it (an add would build the table
 * again, hashing every string).
 */
#ifndef GCSCOPE_GRAPH_MEMORY_H
#define GCSCOPE_GRAPH_MEMORY_H

#include "capture.h"
#include "graph/narrow.h"
#include "graph/snapshot.h"
#include "py/typeinfo.h"
#include "util/strpool.h"

#define GS_MEMORY_PARTS 16 /* the most threads the visit of every node takes */

/* Each node's reference count (signed) and size, as gs_memory_build fills
 * them: lo[] (s->nobjects entries each, given) and the values their low
 * halves do not give back (sign-extended for counts), sorted by node
 * (allocated; NULL when none); and every nonzero value hash, by node, in
 * one list for each thread of the visit (node ranges in order). */
struct gs_memory_node_facts {
    uint16_t *refcnt_lo, *size_lo;
    struct gs_wide64 *refcnt_wide, *size_wide;
    uint64_t nrefcnt_wide, nsize_wide;
    struct gs_wide64 *content[GS_MEMORY_PARTS];
    uint64_t ncontent[GS_MEMORY_PARTS];
};

gs_status gs_memory_build(const struct gs_capture *cap, struct gs_snapshot *s, const struct gs_py_types *types,
                          struct gs_memory_node_facts *facts, gs_strpool *strings, gs_error *err);
/* s->content (one hash a node, 0 for the others) from facts->content,
 * which it frees. False when memory ran out. */
bool gs_memory_spread_content(struct gs_snapshot *s, struct gs_memory_node_facts *facts);

/* The traced block holding a node, or NULL: the trace (domain 0) whose
 * block [addr, addr + size) contains the object's address (a GC object's
 * block starts at its GC header or pre-header, before the object). */
const struct gs_tm_trace *gs_memory_trace_of(const struct gs_snapshot *s, uint32_t node);

/* Groups of str or bytes objects with the same value (same type, size and
 * value hash), two copies or more, most bytes wasted first; *wasted gets
 * the bytes of every copy past the first. NULL (n 0) when the snapshot
 * has no value hashes. free() the array. */
struct gs_dup_group {
    uint32_t first;         /* a node of the group */
    uint64_t copies, size;  /* copies and one copy's size */
};
struct gs_dup_group *gs_memory_duplicates(const struct gs_snapshot *s, size_t *n, uint64_t *wasted);

/* An arena pymalloc cannot return to the system although less than
 * GS_FRAGMENTED_PERCENT of it is in use: a few live blocks pin it. */
#define GS_FRAGMENTED_PERCENT 25
bool gs_memory_arena_fragmented(const struct gs_snapshot *s, const struct gs_py_pymalloc_arena *a);
/* The bytes of every such arena, and the resident bytes of every such
 * mimalloc page (gs_memory_mi_page_fragmented, below). */
uint64_t gs_memory_fragmented_bytes(const struct gs_snapshot *s);

/* A mimalloc page that a few blocks in use keep from being freed (mimalloc
 * frees a page when its last block is freed): less than
 * GS_FRAGMENTED_PERCENT of its bytes in blocks in use. */
bool gs_memory_mi_page_fragmented(const struct gs_py_mimalloc_page_rec *p);

/* Large objects of one repeated value (s->constants): the least data an
 * object needs to be listed. */
#define GS_CONSTANT_MIN_BYTES 1024
/* The bytes of their data (items x item size), which a count and the one
 * value would replace. */
uint64_t gs_memory_constant_bytes(const struct gs_snapshot *s);

/* The unused capacity of every container (the sum of s->slack). */
uint64_t gs_memory_unused_capacity(const struct gs_snapshot *s);

#endif
