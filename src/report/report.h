/* report.h: reports over a snapshot, each in text and JSON.
 *
 * Layer: src/report/ presents a snapshot and its analyses as text, JSON,
 * pictures, checks and Prometheus metrics: one file per report, one row per
 * report in table.h. The analyses live in src/graph/; the few that only
 * presenters need (suspects.h, allocations.h, memory.h, measures.h) live
 * here, each computed by one function that every presenter needing it calls
 * (reports, --check, the browser), so that they show the same figures. It
 * never reads the process.
 *
 * A report is built (the numbers) and then presented (text or JSON) so
 * that the two presentations always say the same thing. Reports read only
 * the snapshot: a live capture and a snapshot file give the same output.
 */
#ifndef GCSCOPE_REPORT_REPORT_H
#define GCSCOPE_REPORT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "graph/analyses.h"
#include "graph/snapshot.h"
#include "util/jsonw.h"
#include "util/status.h"

/* What a report is written as. Text and JSON exist for every report; the
 * pictures (an SVG icicle chart, folded stacks) for the reports whose rows
 * GS_REPORT_FORMATS lists (report/table.h). */
enum gs_format {
    GS_FORMAT_TEXT,
    GS_FORMAT_JSON,
    GS_FORMAT_SVG,
    GS_FORMAT_FOLDED,
    GS_FORMAT_COUNT,
};

struct gs_report_opts {
    enum gs_format format;
    size_t top;                     /* text: rows to show, 0 = all */
    uint64_t addr;                  /* --referrers, --path: the object */
    const struct gs_snapshot *old;  /* --diff: the older snapshot */
    double started;                 /* gs_now() when gcscope started, for total_ms; 0 = unknown */
    bool locals;                    /* --locals: the stacks report shows each frame's locals */
    struct gs_analyses *an;         /* the snapshot's analyses (graph/analyses.h); gs_report_write
                                       makes one for the call when NULL */
};

/* --- the per-type summary (--dump-types) --------------------------------- */

struct gs_type_row {
    uint32_t type;                       /* index in the snapshot's types */
    uint64_t count, bytes;               /* generations 0-2: what gc.get_objects() sees */
    uint64_t frozen_count, frozen_bytes; /* permanent generation (gc.freeze()) */
};

struct gs_type_summary {
    struct gs_type_row *rows; /* sorted by bytes, largest first */
    size_t nrows;
    uint64_t objects, bytes;
    uint64_t frozen_objects, frozen_bytes;
    uint64_t bad_objects;     /* tracked objects whose type was unreadable */
};

void gs_type_summary_build(const struct gs_snapshot *s, struct gs_type_summary *sum);
void gs_type_summary_free(struct gs_type_summary *sum);

/* --- the reports --------------------------------------------------------- */

/* Each report's writers (gs_report_NAME_text, gs_report_NAME_json) are
 * reached through the table, report/table.h. */

/* pymalloc_print_stats()'s own text for these figures (--dump-pymalloc). */
void gs_pymalloc_stats_text(FILE *out, const struct gs_py_pymalloc_stats *p);

/* The node at o->addr, or GS_ERR_USAGE "no object at 0x..." . */
gs_status gs_report_find(const struct gs_snapshot *s, uint64_t addr, uint32_t *node, gs_error *err);

/* A path from a root to node in text: "module __main__ -> dict['cache'] -> ...",
 * with edge labels; and the same as a JSON array of {addr, type, edge}. */
void gs_path_write_text(FILE *out, const struct gs_snapshot *s, const uint32_t *path, size_t n,
                         uint32_t root_index);
/* The path as one Python expression: "__main__.CACHE[0]". */
void gs_report_path_expression(const struct gs_snapshot *s, const uint32_t *path, size_t n, uint32_t root_index,
                               char *buf, size_t cap);
void gs_path_write_json(gs_json *w, const struct gs_snapshot *s, const uint32_t *path, size_t n,
                         uint32_t root_index);

/* --- shared by the reports ---------------------------------------------- */

/* The capture's facts: process, version, pause, collector state. */
void gs_report_header_text(FILE *out, const struct gs_snapshot *s);
void gs_report_header_json(gs_json *w, const struct gs_snapshot *s);
/* KEY: the type's name, "module": its module ("type" or "name" as KEY). */
void gs_report_type_json(gs_json *w, const struct gs_snapshot *s, const char *key, uint32_t type);
/* "preview": the node's short value (a str's start), when it has one. */
void gs_report_preview_json(gs_json *w, const struct gs_snapshot *s, uint32_t node);
/* "WHAT_objects": objects, "WHAT_bytes": bytes ("reachable_objects"). */
void gs_report_totals_json(gs_json *w, const char *what, uint64_t objects, uint64_t bytes);

/* "1,234,567" and "1.5 MiB" into buf. */
const char *gs_fmt_count(uint64_t v, char *buf, size_t cap);
const char *gs_fmt_bytes(uint64_t v, char *buf, size_t cap);

/* "Leaky" or "collections.deque": module omitted for builtins. Exact, for
 * JSON and Prometheus; the _text form is escaped for text output. */
void gs_type_qualname(const struct gs_snapshot *s, uint32_t type, char *buf, size_t cap);
void gs_type_qualname_text(const struct gs_snapshot *s, uint32_t type, char *buf, size_t cap);

#endif
