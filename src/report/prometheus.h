/* prometheus.h: --format prometheus, the numbers --check knows (see
 * report/measures.h) in Prometheus' text exposition format, for
 * node_exporter's textfile collector and runbooks.
 *
 * Part of src/report/: reads the snapshot's analyses, never a process.
 */
#ifndef GCSCOPE_REPORT_PROMETHEUS_H
#define GCSCOPE_REPORT_PROMETHEUS_H

#include <stdio.h>

#include "graph/analyses.h"
#include "util/status.h"

/* Writes every gauge to out. */
gs_status gs_report_prometheus(FILE *out, struct gs_analyses *an, gs_error *err);

#endif
