/* memory.h: the memory figures that both the reports (--dump-memory,
 * --dump-pymalloc) and the browser's memory view present, computed once
 * here so that the two always say the same thing. */
#ifndef GCSCOPE_REPORT_MEMORY_H
#define GCSCOPE_REPORT_MEMORY_H

#include <stddef.h>
#include <stdint.h>

#include "graph/snapshot.h"

/* The parts of the anonymous resident memory, in the report's order:
 * key (JSON, check names), text, bytes. */
struct gs_memory_part {
    const char *key, *text;
    uint64_t bytes;
};
#define GS_MEMORY_PARTS_MAX 16
/* A free-threaded build's snapshot has mimalloc's parts where a GIL
 * build's has pymalloc's. */
size_t gs_memory_parts(const struct gs_snapshot *s, struct gs_memory_part p[GS_MEMORY_PARTS_MAX]);

/* part's share of whole, in percent (0 when whole is 0). */
double gs_memory_share(uint64_t part, uint64_t whole);

/* An arena pymalloc keeps from the system though it is mostly free
 * (graph/memory.h: gs_memory_arena_fragmented), with the graph's objects
 * that live in it: the first GS_PINNED_SHOWN in address order. */
#define GS_PINNED_SHOWN 5
struct gs_frag_arena {
    uint64_t address, used_bytes;
    uint32_t used_pools, total_pools;
    uint64_t objects;
    uint32_t shown[GS_PINNED_SHOWN];
    uint32_t nshown;
};
/* Every fragmented arena, least used first; *held gets their bytes.
 * free() the array (never NULL). */
struct gs_frag_arena *gs_pymalloc_fragmented(const struct gs_snapshot *s, size_t *n, uint64_t *held);

/* The same for a free-threaded build's mimalloc pages (graph/memory.h:
 * gs_memory_mi_page_fragmented); *held gets their resident bytes. */
struct gs_frag_page {
    uint64_t address, bytes, resident, block_size;
    uint32_t used_blocks, capacity;
    uint64_t objects;
    uint32_t shown[GS_PINNED_SHOWN];
    uint32_t nshown;
};
struct gs_frag_page *gs_mimalloc_fragmented(const struct gs_snapshot *s, size_t *n, uint64_t *held);

#endif
