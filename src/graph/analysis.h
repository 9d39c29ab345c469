/* analysis.h: the analyses every leak report stands on, computed over a
 * snapshot's strong edges. Each is computed once, iteratively (heaps are
 * deep: no recursion), in memory linear in the graph, and freed by its
 * *_free(). All arrays are indexed by node number.
 *
 *   gs_scc_compute         strongly connected components (reference cycles)
 *   gs_garbage_compute     what CPython's next full collection would free
 *   gs_paths_compute       shortest paths from the roots (breadth first)
 *   gs_dominators_compute  the dominator tree from a virtual root over all
 *                          roots, and every object's retained size
 */
#ifndef GCSCOPE_GRAPH_ANALYSIS_H
#define GCSCOPE_GRAPH_ANALYSIS_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/snapshot.h"
#include "util/status.h"

/* --- strongly connected components ------------------------------------- */

struct gs_scc {
    /* Per node: its cycle's number, or GS_NO_NODE when the node is on no
     * cycle (a component of one node without a self-reference). */
    uint32_t *cycle_of;
    /* The cycles: members of cycle c are members[off[c]] .. members[off[c+1]-1]. */
    uint64_t ncycles;
    uint64_t *off;
    uint32_t *members;
};

gs_status gs_scc_compute(const struct gs_snapshot *s, struct gs_scc *out, gs_error *err);

/* Is edge e (from node v) v's reference to its own class? Cycles leave it
 * out: through a class and its module every stored instance would join
 * one giant cycle. Both the label and the address must say so: an
 * attribute that happens to hold the class is an ordinary edge. */
bool gs_edge_is_class(const struct gs_snapshot *s, uint32_t v, uint64_t e);
void gs_scc_free(struct gs_scc *scc);

/* --- cyclic garbage ----------------------------------------------------- */

/* Per node, 1 when CPython's collector would find it unreachable: among the
 * tracked objects, subtract from each reference count the references from
 * other tracked objects; objects with references left are held from
 * outside; everything reachable from those (or from untracked objects and
 * roots) is alive; the rest is garbage. */
gs_status gs_garbage_compute(const struct gs_snapshot *s, uint8_t **is_garbage, gs_error *err);

/* --- shortest paths from the roots -------------------------------------- */

struct gs_paths {
    uint32_t *parent;      /* previous node on a shortest path, GS_NO_NODE at a root or unreached */
    uint64_t *parent_edge; /* the edge (index in out_dst) from parent, UINT64_MAX at a root */
    uint32_t *root;        /* the root (index in s->roots) the path starts at, GS_NO_NODE if unreached */
    uint32_t *depth;       /* edges from the root; UINT32_MAX if unreached */
};

gs_status gs_paths_compute(const struct gs_snapshot *s, struct gs_paths *out, gs_error *err);
/* The path from a root to node, root first: nodes into buf (at most cap);
 * returns the path's length (may exceed cap), 0 when unreachable. */
size_t gs_path_to(const struct gs_paths *p, uint32_t node, uint32_t *buf, size_t cap);
void gs_paths_free(struct gs_paths *p);

/* --- dominators and retained sizes -------------------------------------- */

#define GS_VIRTUAL_ROOT UINT32_MAX

/* The virtual root's successors are the targets of every root, of every
 * kind ("external" included); only strong edges are followed. */
struct gs_dominators {
    /* Per node: its immediate dominator, GS_VIRTUAL_ROOT when only the
     * virtual root dominates it (directly held by a root, or by several
     * roots' paths), and reachable[i] == 0 when no root reaches it (cyclic
     * garbage): then idom[i] is GS_NO_NODE, the same value as
     * GS_VIRTUAL_ROOT, so test reachable first. */
    uint32_t *idom;
    uint8_t *reachable;
    /* Per node: the bytes freed if it were freed (itself and everything it
     * alone keeps alive), with sys.getsizeof sizes; an unreachable node's
     * own size. */
    uint64_t *retained;
};

gs_status gs_dominators_compute(const struct gs_snapshot *s, struct gs_dominators *out, gs_error *err);
void gs_dominators_free(struct gs_dominators *d);

/* --- type facts the analyses use ------------------------------------------ */

/* Does the node's type define a finalizer: __del__ in a class (heap type),
 * or a C tp_finalize, or a legacy tp_del (which sends cyclic garbage to
 * gc.garbage on every version)? From the snapshot's type flags. */
bool gs_node_has_del(const struct gs_snapshot *s, uint32_t node);
bool gs_node_has_legacy_del(const struct gs_snapshot *s, uint32_t node);

#endif
