/* narrow.h: a per-node array of 64-bit values held 32 or 16 bits wide.
 *
 * While the build holds the copy of the target's memory (its peak), the
 * snapshot's 64-bit per-node arrays whose values almost always fit in 32
 * bits (edge offsets) or 16 (sizes, reference counts) are kept as their
 * low bits, with the rare values the low bits do not give back listed
 * beside them in node order; they are widened once the copy is freed
 * (graph/build.c).
 */
#ifndef GCSCOPE_GRAPH_NARROW_H
#define GCSCOPE_GRAPH_NARROW_H

#include <stdbool.h>
#include <stdint.h>

/* A node's value that its narrow slot cannot hold. */
struct gs_wide64 {
    uint32_t node;
    uint64_t value;
};

/* Does v's low half give v back (sign-extended for signed values such as
 * reference counts, zero-extended for sizes and offsets)? */
static inline bool gs_narrow_fits(uint64_t v, bool is_signed)
{
    uint64_t back = is_signed ? (uint64_t)(int64_t)(int32_t)(uint32_t)v : (uint64_t)(uint32_t)v;
    return back == v;
}

/* The same for a 16-bit slot. Sizes of 64 KiB and more and reference
 * counts past 32767 (None's, immortal objects') are a small share of the
 * nodes: 16 bytes each in the list, against 2 bytes a node saved. */
static inline bool gs_narrow16_fits(uint64_t v, bool is_signed)
{
    uint64_t back = is_signed ? (uint64_t)(int64_t)(int16_t)(uint16_t)v : (uint64_t)(uint16_t)v;
    return back == v;
}

#endif
