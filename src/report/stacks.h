/* stacks.h: --dump-stacks, what every thread is doing. */
#ifndef GCSCOPE_REPORT_STACKS_H
#define GCSCOPE_REPORT_STACKS_H

#include <stdbool.h>

#include "report/report.h"

/* With locals, each Python frame's local variables and what they retain. */
gs_status gs_report_stacks(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, bool locals,
                           gs_error *err);

#endif
