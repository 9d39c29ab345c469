/* pictures.c: --format svg and --format folded, the pictures of
 * --dump-retained (the dominator tree), --dump-types and --dump-modules,
 * drawn by report/icicle.c. */
#include "config.h"

#include "report/icicle.h"
#include "report/table.h"

typedef gs_status icicle_maker(struct gs_analyses *an, struct gs_icicle *out, gs_error *err);

static gs_status draw(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, icicle_maker *make,
                      const char *title, bool svg, gs_error *err)
{
    struct gs_icicle t;
    gs_status st = make(o->an, &t, err);
    if (st != GS_OK)
        return st;
    st = svg ? gs_icicle_write_svg(out, s, &t, title, err) : gs_icicle_write_folded(out, &t, err);
    gs_icicle_free(&t);
    return st;
}

static gs_status by_type(struct gs_analyses *an, struct gs_icicle *out, gs_error *err)
{
    return gs_icicle_from_types(an, 0, out, err);
}

static gs_status by_module(struct gs_analyses *an, struct gs_icicle *out, gs_error *err)
{
    return gs_icicle_from_types(an, 1, out, err);
}

#define RETAINED_TITLE "What keeps memory alive: the dominator tree, width = retained bytes"
#define TYPES_TITLE "Objects the collector tracks, by type: width = bytes (sys.getsizeof)"
#define MODULES_TITLE "Objects the collector tracks, by module of their type: width = bytes"

gs_status gs_report_retained_svg(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    return draw(out, s, o, gs_icicle_from_dominators, RETAINED_TITLE, true, err);
}

gs_status gs_report_retained_folded(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                    gs_error *err)
{
    return draw(out, s, o, gs_icicle_from_dominators, RETAINED_TITLE, false, err);
}

gs_status gs_report_types_svg(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    return draw(out, s, o, by_type, TYPES_TITLE, true, err);
}

gs_status gs_report_types_folded(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    return draw(out, s, o, by_type, TYPES_TITLE, false, err);
}

gs_status gs_report_modules_svg(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    return draw(out, s, o, by_module, MODULES_TITLE, true, err);
}

gs_status gs_report_modules_folded(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err)
{
    return draw(out, s, o, by_module, MODULES_TITLE, false, err);
}
