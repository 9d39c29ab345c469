/* verify.h: the writers of --verify-referents (graph/verify.h), text and
 * JSON (docs/json.md "--verify-referents"). Text lists only the types that
 * differ; JSON every type checked, with its recall. */
#ifndef GCSCOPE_REPORT_VERIFY_H
#define GCSCOPE_REPORT_VERIFY_H

#include <stdio.h>

#include "graph/verify.h"
#include "report/report.h"

gs_status gs_verify_write_text(FILE *out, const struct gs_snapshot *s, const struct gs_verify *v, size_t top,
                               gs_error *err);
gs_status gs_verify_write_json(FILE *out, const struct gs_snapshot *s, const struct gs_verify *v, gs_error *err);

#endif
