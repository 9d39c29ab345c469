/* check.h: --check EXPR, assertions over a snapshot, for runbooks and cron.
 *
 * Order of calls: gs_checks_parse() first, before the target is touched,
 * so that a malformed expression costs nothing; then capture; then
 * gs_checks_run() over the snapshot. The language is documented in
 * docs/checks.md.
 */
#ifndef GCSCOPE_REPORT_CHECK_H
#define GCSCOPE_REPORT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "graph/analyses.h"
#include "graph/snapshot.h"
#include "util/status.h"

struct gs_checks;

/* Parse every expression. GS_ERR_USAGE with the expression and the column
 * of the error ("--check 'count(Session) <': expected a number at column 17"). */
gs_status gs_checks_parse(const char *const *exprs, size_t n, struct gs_checks **out, gs_error *err);

/* Evaluate over s. Prints one line per failed check with the actual values
 * (or, with json, one JSON object listing every check and its values).
 * *all_hold is false when any check failed. */
gs_status gs_checks_run(struct gs_checks *c, struct gs_analyses *an, FILE *out, bool json, bool *all_hold,
                        gs_error *err);

void gs_checks_free(struct gs_checks *c);

#endif
