/* stacks.c: being written (placeholder so the tree links). */
#include "config.h"

#include "report/stacks.h"

gs_status gs_report_stacks(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, bool locals, gs_error *err) { (void)out; (void)s; (void)o; (void)locals; return gs_fail(err, GS_ERR_INTERNAL, "not yet"); }
