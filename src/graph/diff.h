/* diff.h: what changed between two snapshots of the same process.
 *
 * Objects are matched by address and type name: CPython never moves an
 * object, so an object alive in both captures has the same address. An
 * object freed and replaced by a new one of the same type at the same
 * address looks unchanged; that is the price of not running code in the
 * target (no object identity beyond the address).
 */
#ifndef GCSCOPE_GRAPH_DIFF_H
#define GCSCOPE_GRAPH_DIFF_H

#include <stdint.h>

#include "graph/snapshot.h"
#include "util/status.h"

struct gs_diff_type {
    char name[128];   /* "module.Name" as the reports print it */
    int64_t old_count, new_count;
    int64_t old_bytes, new_bytes;
};

struct gs_diff_grown {
    uint32_t node;         /* in the new snapshot */
    uint32_t old_node;     /* in the old one */
    int64_t items_before, items_after; /* references it holds */
    int64_t bytes_before, bytes_after; /* its own size */
    uint64_t new_referents;            /* referents not in the old snapshot */
};

struct gs_diff {
    struct gs_diff_type *types;   /* sorted by byte growth, largest first */
    size_t ntypes;
    struct gs_diff_grown *grown;  /* containers present in both that grew, most new referents first */
    size_t ngrown;
    uint32_t *new_objects;        /* nodes of the new snapshot absent from the old, largest first */
    size_t nnew;
    uint64_t new_bytes;
};

/* Compare old with cur (both must be from the same process for the
 * address matching to mean anything: the caller warns otherwise). */
gs_status gs_diff_compute(const struct gs_snapshot *old, const struct gs_snapshot *cur, struct gs_diff *out,
                          gs_error *err);
void gs_diff_free(struct gs_diff *d);

#endif
