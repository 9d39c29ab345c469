/* cycles.h: the reference cycles classed, ranked, grouped into shapes,
 * each with the member a reader starts from and one loop through it.
 *
 * Part of src/graph/, the analyses over a snapshot. One analysis for every
 * presenter: --dump-cycles (report/cycles.c), the Prometheus and --check
 * numbers and the browser's Cycles view (ui/view_cycles.c) all read this,
 * normally through graph/analyses.h, which computes it once.
 *
 * Class, from the collector's own rule (garbage.c):
 *   garbage-with-finalizers  the next full collection frees it and runs
 *                            finalizers on the way (__del__, or a C
 *                            tp_finalize of a user-visible type);
 *   garbage                  the next full collection frees it, silently;
 *   reachable                alive.
 * A cycle's members are all garbage or all alive. A garbage cycle with a
 * legacy tp_del member is `uncollectable`: the collector puts it in
 * gc.garbage and never frees it.
 *
 * Head: the member a reader starts from. For a reachable cycle, the member
 * nearest a root (at equal depth, the one under the more telling root: a
 * module before a frame, anything before "held from outside"); for
 * garbage, the first instance of a class (heap type), else a class, else a
 * function, else the first member.
 *
 * Rank: garbage of both kinds first; among alive cycles, those holding an
 * instance of a class before the interpreter's own; then bytes, members,
 * and the cycle's number (scc.c's deterministic order).
 *
 * Shapes: cycles of the same class with the same number of members of
 * each type (the type itself: two classes of the same name in different
 * modules are different types) are one shape, ranked as cycles are.
 */
#ifndef GCSCOPE_GRAPH_CYCLES_H
#define GCSCOPE_GRAPH_CYCLES_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/snapshot.h"
#include "util/status.h"

enum gs_cycle_class { GS_CYCLE_FINALIZERS, GS_CYCLE_GARBAGE, GS_CYCLE_REACHABLE, GS_CYCLE_CLASS_COUNT };

/* "garbage-with-finalizers", "garbage", "reachable"; "?" out of range. */
const char *gs_cycle_class_name(int cls);

struct gs_cycle {
    uint32_t id;        /* its number in the gs_scc */
    uint8_t cls;        /* enum gs_cycle_class */
    bool uncollectable; /* garbage with a legacy tp_del member: goes to gc.garbage */
    bool internal;      /* no member is an instance of a class: the interpreter's own */
    uint32_t head;      /* the node its loop starts from */
    uint32_t shape;     /* its shape's rank (index in gs_cycles.shapes) */
    uint64_t count, bytes;
    uint64_t hash;      /* of its class and members per type */
};

struct gs_cycle_shape {
    uint8_t cls;
    bool internal;
    uint32_t first;     /* its best-ranked cycle: an index in gs_cycles.cycles */
    uint64_t ncycles, objects, bytes;
};

struct gs_cycles {
    struct gs_cycle *cycles;       /* ranked */
    size_t ncycles;
    struct gs_cycle_shape *shapes; /* ranked */
    size_t nshapes;
    uint64_t class_count[GS_CYCLE_CLASS_COUNT];
    uint64_t max_members;          /* of the largest cycle */
};

/* Class, head, rank and shape of every cycle of scc. paths may be NULL
 * when no cycle is reachable (then heads are chosen by type alone). */
gs_status gs_cycles_compute(const struct gs_snapshot *s, const struct gs_scc *scc, const uint8_t *garbage,
                            const struct gs_paths *paths, struct gs_cycles *out, gs_error *err);
void gs_cycles_free(struct gs_cycles *c);

/* The members of cycle id of scc, ascending node numbers. */
const uint32_t *gs_cycle_members(const struct gs_scc *scc, uint32_t id, uint64_t *n);

/* One loop through c: breadth first from its head, along edges that stay
 * in the cycle (leaving out the instance -> class edge, and
 * self-references in a cycle of several members), until an edge leads
 * back to the head. nodes[0] is the head, edges[i] the edge (index in
 * out_dst) from nodes[i] to the next (the last leads back to the head).
 * nodes and edges have room for c->count entries each. Returns the loop's
 * length: 0 only when memory is short. */
size_t gs_cycle_loop(const struct gs_snapshot *s, const struct gs_scc *scc, const struct gs_cycle *c,
                     uint32_t *nodes, uint64_t *edges);

#endif
