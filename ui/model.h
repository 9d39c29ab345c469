/* model.h: the analyses the browser shows, computed once, when a view
 * first needs them.
 *
 * On a heap of ten million objects the analyses take seconds each, so
 * none runs before a view asks (gs_model_need); the progress callback is
 * told what is about to run, so that the screen can say "computing..."
 * before the wait. Each result then stays for the life of the snapshot:
 * every later key reads arrays.
 *
 * The analyses themselves are graph/analysis.h's; what is here is derived
 * from them for display: per-type totals, the dominator tree as child
 * lists, the cycles ranked and classed, and the suspects the browser can
 * tell from analysis.h alone (see model.c).
 *
 * Ownership: the model owns everything it computes; the snapshot belongs
 * to the caller and must outlive the model.
 */
#ifndef GCSCOPE_UI_MODEL_H
#define GCSCOPE_UI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "report/suspects.h"
#include "graph/snapshot.h"
#include "util/status.h"

/* Numbered so that each comes after what it depends on. */
enum gs_need {
    GS_NEED_SCC = 1 << 0,
    GS_NEED_GARBAGE = 1 << 1,
    GS_NEED_PATHS = 1 << 2,
    GS_NEED_DOM = 1 << 3,
    GS_NEED_TYPES = 1 << 4,      /* per-type count and shallow bytes */
    GS_NEED_DOMTREE = 1 << 5,    /* child lists of the dominator tree */
    GS_NEED_TYPE_RETAINED = 1 << 6,
    GS_NEED_CYCLES = 1 << 7,     /* ranked cycles */
    GS_NEED_SUSPECTS = 1 << 8,
    GS_NEED_BY_TYPE = 1 << 9,    /* the nodes grouped by type: by address, and by retained size (GS_NEED_DOM) */
};

enum gs_cycle_class { GS_CYCLE_FINALIZERS, GS_CYCLE_GARBAGE, GS_CYCLE_REACHABLE, GS_CYCLE_CLASS_COUNT };

const char *gs_cycle_class_name(int cls); /* "garbage-with-finalizers", "garbage", "reachable" */

struct gs_model_type {
    uint64_t count, shallow; /* every object of the type, reachable or not */
    uint64_t retained;       /* reachable instances not dominated by one of their type (MAT) */
};

struct gs_model_cycle {
    uint32_t id;       /* in scc */
    uint8_t cls;       /* enum gs_cycle_class */
    bool internal;     /* no member is an instance of a class */
    uint64_t count, bytes;
    /* Cycles of the same class and the same members per type are one row
     * (as --dump-cycles groups its "shapes"): this one stands for `alike`
     * more, holding `alike_bytes` between them. */
    uint32_t alike;
    uint64_t alike_bytes;
    uint64_t shape;  /* the shape's hash, used while grouping */
};


struct gs_model {
    const struct gs_snapshot *s;
    unsigned have, failed;  /* enum gs_need bits */
    gs_error err;           /* the first failure */
    void (*progress)(void *arg, const char *what);
    void *progress_arg;

    struct gs_scc scc;
    uint8_t *garbage;
    struct gs_paths paths;
    struct gs_dominators dom;

    struct gs_model_type *types;              /* ntypes */
    uint64_t garbage_objects, garbage_bytes;  /* GS_NEED_GARBAGE */
    uint64_t reachable_objects, reachable_bytes; /* GS_NEED_DOM */

    /* the dominator tree: children of p are dt_child[dt_off[p] .. dt_off[p+1]);
     * p == nobjects is the virtual root; sorted by retained size on demand */
    uint64_t *dt_off;
    uint32_t *dt_child;
    uint8_t *dt_sorted;

    struct gs_model_cycle *cycles;            /* ranked: garbage first */
    size_t ncycles;
    uint64_t cycle_class_count[GS_CYCLE_CLASS_COUNT];

    struct gs_suspect_list suspects;          /* --dump-suspects' list, ranked */

    /* the instances of type t: by_type[by_type_off[t] .. by_type_off[t+1]),
     * largest retained size first when by_type_retained, else by node */
    uint64_t *by_type_off;
    uint32_t *by_type;
    bool by_type_retained;
    uint32_t *by_type_addr;  /* the same slices, each in address order */
};

void gs_model_init(struct gs_model *m, const struct gs_snapshot *s, void (*progress)(void *, const char *),
                   void *arg);
void gs_model_free(struct gs_model *m);

/* Compute what is asked for and not yet there (with what it depends on).
 * False when something failed (out of memory): m->err says what; the
 * failure is remembered and not retried. */
bool gs_model_need(struct gs_model *m, unsigned what);

/* The children of p (a node, or nobjects for the virtual root) in the
 * dominator tree, largest retained first (sorted the first time).
 * GS_NEED_DOMTREE first. */
const uint32_t *gs_model_children(struct gs_model *m, uint32_t p, uint64_t *n);

/* The members of a cycle of the SCC (ascending node numbers). */
const uint32_t *gs_model_cycle_members(const struct gs_model *m, uint32_t id, uint64_t *n);

/* One loop through a cycle: nodes[0] is where it starts (an instance of a
 * class when there is one; for a reachable cycle, with paths computed,
 * the member nearest a root), edges[i] the edge (index in out_dst) from
 * nodes[i] to nodes[i+1] (the last leads back to nodes[0]). *nodes and
 * *edges are allocated (the caller frees them); returns the length, 0 when
 * none was found or memory is short. */
size_t gs_model_cycle_loop(const struct gs_model *m, uint32_t id, uint32_t **nodes, uint64_t **edges);

/* The shortest path from a root to node as one expression,
 * "__main__.CACHE[0]" (as the reports write it), into buf; false when no
 * root reaches it. GS_NEED_PATHS first. */
bool gs_model_path_expr(const struct gs_model *m, uint32_t node, char *buf, size_t cap);

#endif
