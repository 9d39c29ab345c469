/* model.h: what the browser shows, over the snapshot's analyses.
 *
 * The analyses are graph/analyses.h's, the same the reports read: cycles,
 * garbage, paths, dominators, retained sizes per type, the suspects. None
 * runs before a view asks (gs_model_need); the progress callback is told
 * what is about to run, so that the screen can say "computing..." before
 * the wait. What is here is presentation: the cycles as one row per shape,
 * the instances of each type in address and retained order.
 *
 * Ownership: the model owns its analyses and its lists; the snapshot
 * belongs to the caller and must outlive the model.
 */
#ifndef GCSCOPE_UI_MODEL_H
#define GCSCOPE_UI_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/analyses.h"
#include "report/suspects.h"
#include "graph/snapshot.h"
#include "util/status.h"

/* Numbered so that each comes after what it depends on. */
enum gs_need {
    GS_NEED_SCC = 1 << 0,
    GS_NEED_GARBAGE = 1 << 1,
    GS_NEED_PATHS = 1 << 2,
    GS_NEED_DOM = 1 << 3,
    GS_NEED_TYPES = 1 << 4,      /* per-type count, shallow and retained bytes */
    GS_NEED_DOMTREE = 1 << 5,    /* child lists of the dominator tree */
    GS_NEED_TYPE_RETAINED = 1 << 6, /* the same as GS_NEED_TYPES (kept for the views' requests) */
    GS_NEED_CYCLES = 1 << 7,     /* ranked cycles, one row per shape */
    GS_NEED_SUSPECTS = 1 << 8,
    GS_NEED_BY_TYPE = 1 << 9,    /* the nodes grouped by type: by address, and by retained size (GS_NEED_DOM) */
};

/* One row per shape of graph/cycles.h, in its rank: the shape's best
 * ranked cycle, standing for `alike` more that hold `alike_bytes`. */
struct gs_model_cycle {
    const struct gs_cycle *cycle;
    uint32_t id;       /* in scc */
    uint8_t cls;       /* enum gs_cycle_class */
    bool internal;     /* no member is an instance of a class */
    bool uncollectable; /* a legacy tp_del: the collector sends it to gc.garbage */
    uint64_t count, bytes;
    uint64_t alike;
    uint64_t alike_bytes;
};


struct gs_model {
    const struct gs_snapshot *s;
    struct gs_analyses *an;
    unsigned have, failed;  /* enum gs_need bits */
    gs_error err;           /* the first failure */

    /* read from the analyses once computed (NULL before) */
    const struct gs_scc *scc;
    const uint8_t *garbage;
    const struct gs_paths *paths;
    const struct gs_dominators *dom;
    const struct gs_type_total *types;        /* ntypes */
    uint64_t garbage_objects, garbage_bytes;  /* GS_NEED_GARBAGE */
    uint64_t reachable_objects, reachable_bytes; /* GS_NEED_DOM */

    struct gs_model_cycle *cycles;            /* one per shape, ranked */
    size_t ncycles;
    uint64_t cycle_class_count[GS_CYCLE_CLASS_COUNT]; /* cycles, not rows */

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
 * dominator tree, largest retained first. GS_NEED_DOMTREE first. */
const uint32_t *gs_model_children(struct gs_model *m, uint32_t p, uint64_t *n);
uint64_t gs_model_nchildren(const struct gs_model *m, uint32_t p);

/* The members of a cycle of the SCC (ascending node numbers). */
const uint32_t *gs_model_cycle_members(const struct gs_model *m, uint32_t id, uint64_t *n);

/* The loop of row `rank`'s cycle (gs_cycle_loop: from its head).
 * *nodes and *edges are allocated (the caller frees them); returns the
 * length, 0 when memory is short. */
size_t gs_model_cycle_loop(const struct gs_model *m, size_t rank, uint32_t **nodes, uint64_t **edges);

/* The shortest path from a root to node as one expression,
 * "__main__.CACHE[0]" (as the reports write it), into buf; false when no
 * root reaches it. GS_NEED_PATHS first. */
bool gs_model_path_expr(const struct gs_model *m, uint32_t node, char *buf, size_t cap);

#endif
