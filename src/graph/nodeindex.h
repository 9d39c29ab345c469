/* nodeindex.h: from an object's address to its node number, while the
 * graph is built.
 *
 * Objects live in the captured regions, 16-byte aligned almost always
 * (pymalloc and malloc both align to 16 on x86_64). So each region (regions
 * less than 64 MiB apart share one, see nodeindex.c) gets a
 * dense array with one 16-bit slot per 32 bytes (which says which of its two
 * aligned addresses holds the node), reserved with MAP_NORESERVE: only the
 * pages that hold nodes cost memory (at most a sixteenth of the image), and
 * a lookup is one access near the previous one,
 * since objects that reference each other were mostly allocated near each
 * other. A slot holds its node as a distance from one of two 32-bit bases
 * of its 4 KiB of the target's memory (the first node recorded there, and
 * the first too far from that one): objects allocated together are mostly
 * numbered close together. Addresses that are not 16-byte aligned, outside
 * the regions, whose node is too far from both bases, or whose slot holds
 * the node of the other 16 bytes go to a hash map.
 */
#ifndef GCSCOPE_GRAPH_NODEINDEX_H
#define GCSCOPE_GRAPH_NODEINDEX_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/mem_image.h"
#include "util/addrmap.h"

struct gs_nodeindex_region {
    uint64_t start, end;
    /* Per 32 bytes: 0 = no node, GS_NODEINDEX_FAR = in the hash map, else
     * the node of one of its two 16-byte halves, as a distance from one of
     * its chunk's two bases (nodeindex.c). */
    uint16_t *slots;
    uint32_t *base; /* two per chunk: a node + 1; 0 = none yet */
    size_t bytes, base_bytes;
};

#define GS_NODEINDEX_FAR UINT16_MAX

struct gs_nodeindex {
    struct gs_nodeindex_region *regions;
    size_t n;
    size_t last;       /* the region of the previous lookup */
    gs_addrmap other;  /* everything else */
};

void gs_nodeindex_init(struct gs_nodeindex *x, const gs_image *img);
void gs_nodeindex_free(struct gs_nodeindex *x);

/* The node at addr, or GS_NO_NODE (UINT32_MAX). */
uint32_t gs_nodeindex_get(struct gs_nodeindex *x, uint64_t addr);
/* Record addr -> node. False when memory ran out. */
bool gs_nodeindex_put(struct gs_nodeindex *x, uint64_t addr, uint32_t node);
/* From another thread while the owner adds nodes: the node at addr when
 * its dense slot holds one, else GS_NO_NODE, which here means "not known":
 * the hash map is not read (it may be growing), and a slot written after
 * the read is missed. A node found is final: a slot, once set, never
 * changes. *cursor is the caller's own region memory (start at 0). */
uint32_t gs_nodeindex_peek(const struct gs_nodeindex *x, size_t *cursor, uint64_t addr);
/* Start loading the slot of addr (lookups are bound by memory latency). */
void gs_nodeindex_prefetch(struct gs_nodeindex *x, uint64_t addr);

/* Every node's number in address order: out[0..n) (n = the nodes recorded,
 * addr = their addresses, to check the index against). False when memory
 * ran out or the index does not hold exactly those n nodes. */
bool gs_nodeindex_in_order(const struct gs_nodeindex *x, const uint64_t *addr, uint32_t *out, size_t n);
/* The same, giving the dense slots' memory back as the scan passes it, so
 * that out[] grows in the room the index leaves (the build frees the index
 * right after): the index finds none of its nodes after (their slots read
 * as empty), and only gs_nodeindex_free may follow. */
bool gs_nodeindex_take_order(struct gs_nodeindex *x, const uint64_t *addr, uint32_t *out, size_t n);

#endif
