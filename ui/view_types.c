/* view_types.c: every type in the snapshot with its count, shallow bytes
 * and retained bytes (MAT's retained size of a type: see model.h);
 * sortable by each column, filtered by typing (f), Enter lists the
 * instances. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

enum { COL_RETAINED, COL_SHALLOW, COL_COUNT, COL_NAME, NCOLS };

static const char *const col_names[NCOLS] = {"retained bytes", "shallow bytes", "count", "name"};

struct types {
    struct gs_view base;
    struct gs_ui *ui;
    bool built;
};

static uint64_t key(const void *ctx, uint32_t t, int col)
{
    const struct types *v = ctx;
    const struct gs_type_total *r = &v->ui->model.types[t];
    switch (col) {
    case COL_RETAINED: return r->retained;
    case COL_SHALLOW: return r->shallow;
    default: return r->count;
    }
}

static int cmp(const void *ctx, uint32_t a, uint32_t b, int col)
{
    const struct types *v = ctx;
    char x[256], y[256];
    (void)col;
    gs_type_qualname(v->ui->snap, a, x, sizeof x);
    gs_type_qualname(v->ui->snap, b, y, sizeof y);
    return strcmp(x, y);
}

static bool match(const void *ctx, uint32_t t, const char *pat)
{
    const struct types *v = ctx;
    char name[256];
    gs_type_qualname(v->ui->snap, t, name, sizeof name);
    return gs_contains(name, pat);
}

static const struct gs_list_src src = {
    .ncols = NCOLS, .text_cols = 1u << COL_NAME, .key = key, .cmp = cmp, .match = match};

static bool build(struct types *v, struct gs_ui *ui)
{
    if (v->built)
        return true;
    /* Count and shallow bytes first: they are cheap, and shown even if
     * the dominators cannot be computed. */
    if (!gs_ui_need(ui, GS_NEED_TYPES))
        return false;
    bool retained = gs_ui_need(ui, GS_NEED_TYPE_RETAINED);
    const struct gs_snapshot *s = ui->snap;
    uint32_t *ids = gs_xreallocarray(NULL, s->ntypes ? s->ntypes : 1, sizeof *ids);
    size_t n = 0;
    for (uint32_t t = 0; t < s->ntypes; t++)
        if (ui->model.types[t].count)
            ids[n++] = t;
    gs_list_init(&v->base.list, &src, v, ids, n, true);
    gs_list_sort(&v->base.list, retained ? COL_RETAINED : COL_SHALLOW, true);
    v->built = true;
    return true;
}

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t t, int y, bool sel)
{
    const struct gs_type_total *r = &ui->model.types[t];
    char c[32], b1[32], b2[32], name[256];
    bool have_ret = ui->model.have & GS_NEED_TYPE_RETAINED;
    gs_type_qualname(ui->snap, t, name, sizeof name);
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_right(&ui->draw, y, 0, 12, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_count(r->count, c, sizeof c));
    gs_draw_right(&ui->draw, y, 13, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(r->shallow, b1, sizeof b1));
    gs_draw_right(&ui->draw, y, 24, 10, gs_row_role(sel, GS_ROLE_NUMBER),
                  have_ret ? gs_fmt_bytes(r->retained, b2, sizeof b2) : "?");
    gs_draw_text(&ui->draw, y, 36, COLS - 36, gs_row_role(sel, GS_ROLE_NORMAL), name, true);
    (void)base;
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct types *v = (struct types *)base;
    if (!build(v, ui)) {
        gs_ui_draw_note(ui, y, ui->model.err.msg);
        return;
    }
    gs_ui_draw_header(ui, y, "       count    shallow   retained  type");
    if (!gs_list_count(&base->list))
        gs_ui_draw_note(ui, y + 1, base->list.filter[0] ? "no type matches the filter (f, then empty: all)" : "no types");
    gs_ui_draw_list(base, ui, y + 1, h - 1, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    uint32_t t;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &t))
        gs_ui_open_instances(ui, t);
    return true;
}

static bool search(struct gs_view *base, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    if (!build((struct types *)base, ui))
        return false;
    return gs_list_search(&base->list, pat, dir, include_current);
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {.name = "types", .draw = draw, .request = request, .search = search, .done = done};

struct gs_view *gs_view_types_new(struct gs_ui *ui)
{
    struct types *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Types");
    v->ui = ui;
    v->base.has_list = true;
    v->base.filterable = true;
    v->base.col_names = col_names;
    gs_list_init(&v->base.list, &src, v, NULL, 0, false);
    return &v->base;
}
