/* analyses.h: every analysis over one snapshot, each computed once, when
 * first asked for, and kept beside the snapshot.
 *
 * Part of src/graph/. The reports (report/), the checks and the Prometheus
 * numbers, and the browser's model (ui/model.c) all ask here, so they
 * read the same cycles, garbage, paths, dominators, retained sizes per
 * type and totals: they cannot disagree. graph/diff.h is the other shared
 * analysis (it compares two snapshots).
 *
 * Each getter computes what it needs first (the cycles need the SCC, the
 * garbage and, when a cycle is alive, the paths). On failure (out of
 * memory) it returns NULL with err set, and the failure is remembered:
 * asking again fails the same way without retrying.
 *
 * Ownership: gs_analyses_free frees everything computed; the snapshot
 * belongs to the caller and must outlive the analyses. Results are
 * read-only to callers.
 */
#ifndef GCSCOPE_GRAPH_ANALYSES_H
#define GCSCOPE_GRAPH_ANALYSES_H

#include <stdint.h>

#include "graph/analysis.h"
#include "graph/cycles.h"
#include "graph/snapshot.h"
#include "util/status.h"

struct gs_analyses;

/* The version of the analyses' results: a snapshot file carries the
 * results of the version that saved it, and they are used only when it is
 * this one. Raise it whenever a change to an analysis changes any result
 * (an order, a tie broken another way), so that older files have theirs
 * computed again instead of read. */
#define GS_ANALYSES_VERSION 1

/* progress, when given, is told what is about to run ("computing
 * dominators and retained sizes over 1,234 objects..."): the browser
 * shows it before a long wait. */
struct gs_analyses *gs_analyses_new(const struct gs_snapshot *s, void (*progress)(void *arg, const char *what),
                                    void *arg);
void gs_analyses_free(struct gs_analyses *a);

const struct gs_snapshot *gs_analyses_snapshot(const struct gs_analyses *a);

struct gs_totals {
    uint64_t objects, bytes;
};

/* Per type: every object of the type, reachable or not; retained is MAT's
 * retained size of the type: the reachable instances not dominated by
 * another instance of the type, summed. */
struct gs_type_total {
    uint64_t count, shallow, retained;
    uint64_t reachable_count, reachable_shallow; /* the instances some root reaches */
};

const struct gs_scc *gs_analyses_scc(struct gs_analyses *a, gs_error *err);
/* Per node, 1 when the next full collection frees it (garbage.c). */
const uint8_t *gs_analyses_garbage(struct gs_analyses *a, gs_error *err);
const struct gs_totals *gs_analyses_garbage_totals(struct gs_analyses *a, gs_error *err);
const struct gs_paths *gs_analyses_paths(struct gs_analyses *a, gs_error *err);
const struct gs_dominators *gs_analyses_dominators(struct gs_analyses *a, gs_error *err);
/* What some root reaches: the objects and bytes the dominators see. */
const struct gs_totals *gs_analyses_reachable_totals(struct gs_analyses *a, gs_error *err);
const struct gs_cycles *gs_analyses_cycles(struct gs_analyses *a, gs_error *err);
/* ntypes entries (index: type number). */
const struct gs_type_total *gs_analyses_types(struct gs_analyses *a, gs_error *err);

/* MAT's retained size of a set of types taken as one (--check's
 * retained(TYPE) when a name matches several classes): the retained sizes
 * of the reachable members no other member dominates. match has one entry
 * per type number, 1 for a member. A set of one reads the per-type table;
 * a larger set walks the dominator tree as that table's walk does. */
gs_status gs_analyses_retained_of_types(struct gs_analyses *a, const uint8_t *match, uint64_t *out, gs_error *err);

/* The dominator tree as child lists: the children of p (a node, or
 * nobjects for the virtual root), largest retained size first. NULL with
 * *n = 0 when p is out of range or the tree cannot be built. */
const uint32_t *gs_analyses_children(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err);
/* The same children in no particular order, for a caller that ranks them
 * itself (sorting a list of a million children costs more than a scan). */
const uint32_t *gs_analyses_children_unsorted(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err);
/* The first of those children, and how many there are, without sorting
 * the list (a report that asks this of every object would otherwise sort
 * the whole tree); GS_NO_NODE when p has none or is out of range. */
uint32_t gs_analyses_largest_child(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err);
/* How many children p has; 0 before the tree is built. */
uint64_t gs_analyses_nchildren(const struct gs_analyses *a, uint32_t p);

/* Every analysis above, for a snapshot file to carry (--save): computed
 * (on two threads: the dominators and what stands on them on one, the
 * cycles, the garbage and the paths on the other) unless the snapshot
 * carried them already, with every child list sorted, then described in
 * out (GS_STORED_COUNT entries pointing into a, valid until
 * gs_analyses_free). A snapshot loaded with them (graph/snapshot.h's
 * stored) has each used in place after its checksum and its content are
 * checked, when first asked for; one that fails a check is computed
 * again, as for a file without it. */
gs_status gs_analyses_export(struct gs_analyses *a, struct gs_stored_section *out, gs_error *err);

#endif
