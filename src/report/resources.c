/* resources.c: being written (placeholder so the tree links). */
#include "config.h"

#include "report/resources.h"

gs_status gs_report_resources(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err) { (void)out; (void)s; (void)o; return gs_fail(err, GS_ERR_INTERNAL, "not yet"); }
