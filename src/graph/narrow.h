/* narrow.h: a per-node array of 64-bit values held 32 bits wide.
 *
 * While the build holds the copy of the target's memory (its peak), the
 * snapshot's 64-bit per-node arrays whose values almost always fit in 32
 * bits (sizes, reference counts, edge offsets) are kept as their low
 * halves, with the rare values the low half does not give back listed
 * beside them in node order; they are widened once the copy is freed
 * (graph/build.c). A reader in node order keeps a cursor into the list.
 */
#ifndef GCSCOPE_GRAPH_NARROW_H
#define GCSCOPE_GRAPH_NARROW_H

#include <stdint.h>

/* A node's value that its 32-bit slot cannot hold. */
struct gs_wide64 {
    uint32_t node;
    uint64_t value;
};

/* Unsigned values (sizes): lo[node], unless wide[] lists the node. */
struct gs_narrow_u64 {
    const uint32_t *lo;
    const struct gs_wide64 *wide; /* sorted by node */
    uint64_t nwide;
};

/* The first entry of wide[] at or past node (binary search): where a
 * reader starting at node puts its cursor. */
static inline uint64_t gs_narrow_cursor(const struct gs_narrow_u64 *a, uint64_t node)
{
    uint64_t lo = 0, hi = a->nwide;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (a->wide[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Node's value, for a reader going up in node order from where *cursor
 * was put (gs_narrow_cursor). */
static inline uint64_t gs_narrow_get(const struct gs_narrow_u64 *a, uint64_t node, uint64_t *cursor)
{
    while (*cursor < a->nwide && a->wide[*cursor].node < node)
        ++*cursor;
    if (*cursor < a->nwide && a->wide[*cursor].node == node)
        return a->wide[*cursor].value;
    return a->lo[node];
}

#endif
