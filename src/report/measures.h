/* measures.h: the numbers --check and --format prometheus read from a
 * snapshot, by name: "objects", "garbage_bytes", "retained(Session)".
 *
 * Part of src/report/. The names, what each needs computed, whether it is
 * a byte count and its metric are one table (gs_quantities), read by the
 * expression language (check.c: names and "did you mean"), by its output
 * (human sizes for bytes) and by the Prometheus writer (prometheus.c: one
 * gauge per name). The values come from the snapshot and its analyses
 * (graph/analyses.h): nothing here computes an analysis of its own.
 *
 * Order of calls: gs_measure_prepare() with the needs of every quantity
 * that will be read, then any number of gs_measure_name() and
 * gs_measure_function(), then gs_measure_free(). The analyses must outlive
 * the measure.
 */
#ifndef GCSCOPE_REPORT_MEASURES_H
#define GCSCOPE_REPORT_MEASURES_H

#include <stdbool.h>
#include <stdint.h>

#include "graph/analyses.h"
#include "report/report.h"
#include "util/status.h"

/* What a quantity needs computed before it is read. */
enum gs_measure_needs {
    GS_MEASURE_TYPES = 1 << 0,      /* the per-type summary */
    GS_MEASURE_GARBAGE = 1 << 1,    /* the collector's garbage rule */
    GS_MEASURE_SCC = 1 << 2,        /* the strongly connected components and cycles */
    GS_MEASURE_DOMINATORS = 1 << 3, /* the dominator tree */
};

enum gs_qty {
    GS_Q_OBJECTS,
    GS_Q_BYTES,
    GS_Q_GARBAGE_OBJECTS,
    GS_Q_GARBAGE_BYTES,
    GS_Q_CYCLES,
    GS_Q_GARBAGE_CYCLES,
    GS_Q_OPEN_FILES,
    GS_Q_OPEN_SOCKETS,
    GS_Q_FDS,
    GS_Q_UNOWNED_FDS,
    GS_Q_THREADS,
    GS_Q_GC_ENABLED,
    GS_Q_RSS_BYTES,
    GS_Q_ANONYMOUS_BYTES,
    GS_Q_UNEXPLAINED_BYTES,
    GS_Q_PYMALLOC_FREE_BYTES,
    GS_Q_FRAGMENTED_BYTES,
    GS_Q_TRACED_BYTES,
    GS_Q_DUPLICATE_BYTES,
    GS_Q_UNUSED_CAPACITY_BYTES,
    GS_Q_CONSTANT_BYTES,
    GS_Q_NAMES, /* the functions follow: they take a TYPE */
    GS_F_COUNT = GS_Q_NAMES,
    GS_F_BYTES,
    GS_F_RETAINED,
    GS_Q_COUNT,
};

struct gs_quantity {
    const char *name;   /* as written in an expression */
    unsigned needs;     /* enum gs_measure_needs */
    bool is_bytes;      /* shown with a human size too */
    const char *metric; /* Prometheus gauge; NULL for the functions */
    const char *help;   /* its # HELP line */
};

extern const struct gs_quantity gs_quantities[GS_Q_COUNT];

/* The snapshot's numbers, with the analyses asked for computed. Read-only
 * to callers. */
struct gs_measure {
    const struct gs_snapshot *s;
    struct gs_analyses *an;
    unsigned have;              /* enum gs_measure_needs prepared */
    struct gs_type_summary sum; /* GS_MEASURE_TYPES */
    uint64_t garbage_objects, garbage_bytes, garbage_cycles;
    const struct gs_scc *scc;
};

/* Computes what needs asks for. On failure (out of memory) err is set; m
 * must still be freed. */
gs_status gs_measure_prepare(struct gs_measure *m, struct gs_analyses *an, unsigned needs, gs_error *err);
void gs_measure_free(struct gs_measure *m);

/* A whole-process quantity (q < GS_Q_NAMES). */
uint64_t gs_measure_name(const struct gs_measure *m, enum gs_qty q);

/* A function of a TYPE (GS_F_*): the types whose name is name (and whose
 * module is module, when not NULL) taken together. *no_such_type when no
 * type of the snapshot matches (the value is then 0). */
gs_status gs_measure_function(const struct gs_measure *m, enum gs_qty q, const char *module, const char *name,
                              uint64_t *value, bool *no_such_type, gs_error *err);

#endif
