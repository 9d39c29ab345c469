/* report.h: reports over a capture, each in text and JSON.
 *
 * A report is built (the numbers) and then presented (text or JSON) so
 * that the two presentations always say the same thing.
 */
#ifndef GCSCOPE_REPORT_REPORT_H
#define GCSCOPE_REPORT_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "py/heap.h"
#include "py/typeinfo.h"
#include "util/jsonw.h"

struct gs_type_row {
    uint32_t type;              /* index in gs_type_summary.types */
    uint64_t count, bytes;      /* generations 0-2: what gc.get_objects() sees */
    uint64_t frozen_count, frozen_bytes; /* permanent generation (gc.freeze()) */
};

struct gs_type_summary {
    struct py_types types;
    struct gs_type_row *rows;   /* sorted by bytes, largest first */
    size_t nrows;
    uint64_t objects, bytes;
    uint64_t frozen_objects, frozen_bytes;
    uint64_t bad_objects;       /* objects whose type was unreadable */
    uint64_t size_errors;       /* objects whose size fell back to the basic size */
    struct py_heap_stats heap;
    double seconds;             /* time to build */
};

gs_status gs_type_summary_build(const struct gs_capture *cap, struct gs_type_summary *s, gs_error *err);
void gs_type_summary_free(struct gs_type_summary *s);

struct gs_report_opts {
    bool json;
    size_t top;                 /* text: rows to show, 0 = all */
};

void gs_report_types_text(FILE *out, const struct gs_capture *cap, const struct gs_type_summary *s,
                          const struct gs_report_opts *o);
void gs_report_types_json(FILE *out, const struct gs_capture *cap, const struct gs_type_summary *s);

/* Shared by the reports: the capture's header facts. */
void gs_report_header_text(FILE *out, const struct gs_capture *cap);
void gs_report_header_json(struct gs_json *w, const struct gs_capture *cap);

#endif
