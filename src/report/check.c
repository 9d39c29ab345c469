/* check.c: being written (placeholder so the tree links). */
#include "config.h"

#include "report/check.h"

gs_status gs_checks_parse(const char *const *exprs, size_t n, struct gs_checks **out, gs_error *err) { (void)exprs; (void)n; *out = NULL; (void)err; return GS_OK; }
gs_status gs_checks_run(struct gs_checks *c, const struct gs_snapshot *s, FILE *out, bool json, bool *all_hold, gs_error *err) { (void)c; (void)s; (void)out; (void)json; *all_hold = true; return gs_fail(err, GS_ERR_INTERNAL, "not yet"); }
void gs_checks_free(struct gs_checks *c) { (void)c; }
gs_status gs_report_prometheus(FILE *out, const struct gs_snapshot *s, gs_error *err) { (void)out; (void)s; return gs_fail(err, GS_ERR_INTERNAL, "not yet"); }
