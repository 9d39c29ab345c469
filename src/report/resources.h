/* resources.h: --dump-resources, what the process holds open and which
 * objects own it. */
#ifndef GCSCOPE_REPORT_RESOURCES_H
#define GCSCOPE_REPORT_RESOURCES_H

#include "report/report.h"

gs_status gs_report_resources(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err);

#endif
