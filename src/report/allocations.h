/* allocations.h: allocation sites from tracemalloc's traces in the
 * snapshot, grouped as tracemalloc's Snapshot.statistics() groups them,
 * for --dump-allocations, --diff, the suspects and the browser.
 */
#ifndef GCSCOPE_REPORT_ALLOCATIONS_H
#define GCSCOPE_REPORT_ALLOCATIONS_H

#include <stdio.h>

#include "graph/snapshot.h"
#include "report/report.h"
#include "util/jsonw.h"

enum gs_alloc_group {
    GS_ALLOC_LINENO = 0,   /* the most recent frame: statistics('lineno') */
    GS_ALLOC_TRACEBACK,    /* the whole traceback: statistics('traceback') */
    GS_ALLOC_FILENAME,     /* the most recent frame's file: statistics('filename') */
};

struct gs_alloc_stat {
    uint32_t traceback;    /* a representative traceback (its first frame, or all of it) */
    uint32_t filename;     /* string id of the group's file */
    uint32_t lineno;       /* 0 for GS_ALLOC_FILENAME */
    uint64_t size, count;
};

/* Group every trace (all domains, as take_snapshot() does); sorted by
 * size, then count, largest first. *out is malloc'd. */
void gs_alloc_stats(const struct gs_snapshot *s, enum gs_alloc_group g, struct gs_alloc_stat **out, size_t *n);

/* "not tracing: ..." and friends when the snapshot has no traces; NULL
 * when it has them. */
const char *gs_alloc_status_line(const struct gs_snapshot *s);

/* The allocation traceback of a node as text lines ("  File "x.py", line
 * 3"), most recent last; false when the node has no trace. */
bool gs_alloc_node_frame(const struct gs_snapshot *s, uint32_t node, uint32_t *filename, uint32_t *lineno,
                         uint32_t *traceback);

/* --dump-allocations[=lineno|traceback|filename]. */
gs_status gs_report_allocations(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                enum gs_alloc_group g, gs_error *err);

/* For --diff: allocation lines that grew between o->old and s, text or
 * JSON (a key "allocation_lines"); nothing when either has no traces. */
void gs_alloc_diff_text(FILE *out, const struct gs_snapshot *s, const struct gs_snapshot *old, size_t top);
void gs_alloc_diff_json(gs_json *w, const struct gs_snapshot *s, const struct gs_snapshot *old);

#endif
