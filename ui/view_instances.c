/* view_instances.c: the instances of one type: address, size, retained
 * size and preview; sortable, filtered by preview or address; Enter
 * opens the object. The list is the type's slice of the model's nodes by
 * type, already sorted by retained size: opening it copies nothing. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

enum { COL_RETAINED, COL_SIZE, COL_ADDRESS, NCOLS };

static const char *const col_names[NCOLS] = {"retained bytes", "size", "address"};

struct instances {
    struct gs_view base;
    struct gs_ui *ui;
    uint32_t type;
    bool built;
};

static uint64_t key(const void *ctx, uint32_t node, int col)
{
    const struct instances *v = ctx;
    const struct gs_snapshot *s = v->ui->snap;
    switch (col) {
    case COL_RETAINED: return (v->ui->model.have & GS_NEED_DOM) ? v->ui->model.dom->retained[node] : 0;
    case COL_SIZE: return s->size[node];
    default: return s->addr[node]; /* unused: the model gives the address order */
    }
}

/* "0x7f..." without snprintf: a filter runs this over millions of rows. */
static void hex_addr(uint64_t a, char *buf)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;
    do {
        tmp[n++] = digits[a & 15];
        a >>= 4;
    } while (a);
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < n; i++)
        buf[2 + i] = tmp[n - 1 - i];
    buf[2 + n] = '\0';
}

static bool match(const void *ctx, uint32_t node, const char *pat)
{
    const struct instances *v = ctx;
    const struct gs_snapshot *s = v->ui->snap;
    if (gs_contains(gs_snapshot_string(s, s->preview[node]), pat))
        return true;
    /* Only a pattern of hex digits can be in an address. */
    if (pat[strspn(pat, "0123456789abcdefx")])
        return false;
    char addr[24];
    hex_addr(s->addr[node], addr);
    return gs_contains(addr, pat);
}

static const struct gs_list_src src = {.ncols = NCOLS, .key = key, .match = match};

static bool build(struct instances *v, struct gs_ui *ui)
{
    if (v->built)
        return true;
    /* The retained sizes first, so that the slices come sorted by them. */
    gs_ui_need(ui, GS_NEED_DOM);
    if (!gs_ui_need(ui, GS_NEED_BY_TYPE))
        return false;
    const struct gs_model *m = &ui->model;
    uint64_t first = m->by_type_off[v->type], n = m->by_type_off[v->type + 1] - first;
    gs_list_init(&v->base.list, &src, v, m->by_type + first, (size_t)n, false);
    gs_list_set_order(&v->base.list, COL_ADDRESS, m->by_type_addr + first, false);
    if (m->by_type_retained) {
        gs_list_set_order(&v->base.list, COL_RETAINED, m->by_type + first, true);
        gs_list_presorted(&v->base.list, COL_RETAINED, true);
    } else {
        gs_list_sort(&v->base.list, COL_SIZE, true);
    }
    v->built = true;
    return true;
}

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t node, int y, bool sel)
{
    const struct gs_snapshot *s = ui->snap;
    char addr[32], b1[32], b2[32], preview[512];
    gs_ui_preview(s, node, preview, sizeof preview);
    bool garbage = (ui->model.have & GS_NEED_DOM) && !ui->model.dom->reachable[node];
    snprintf(addr, sizeof addr, "0x%" PRIx64, s->addr[node]);
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_text(&ui->draw, y, 1, 16, gs_row_role(sel, GS_ROLE_DIM), addr, false);
    gs_draw_right(&ui->draw, y, 18, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(s->size[node], b1, sizeof b1));
    gs_draw_right(&ui->draw, y, 29, 10, gs_row_role(sel, GS_ROLE_NUMBER),
                  (ui->model.have & GS_NEED_DOM) ? gs_fmt_bytes(ui->model.dom->retained[node], b2, sizeof b2) : "?");
    if (garbage)
        gs_draw_text(&ui->draw, y, 41, COLS - 41, gs_row_role(sel, GS_ROLE_ALERT), "(unreachable) ", false);
    gs_draw_text(&ui->draw, y, garbage ? 55 : 41, COLS - (garbage ? 55 : 41), gs_row_role(sel, GS_ROLE_NORMAL),
                 preview, false);
    (void)base;
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct instances *v = (struct instances *)base;
    if (!build(v, ui)) {
        gs_ui_draw_note(ui, y, ui->model.err.msg);
        return;
    }
    gs_ui_draw_header(ui, y, " address               size   retained  preview");
    if (!gs_list_count(&base->list))
        gs_ui_draw_note(ui, y + 1, base->list.filter[0] ? "no instance matches the filter" : "no instances");
    gs_ui_draw_list(base, ui, y + 1, h - 1, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    uint32_t node;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &node))
        gs_ui_open_object(ui, node);
    return true;
}

static bool search(struct gs_view *base, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    if (!build((struct instances *)base, ui))
        return false;
    return gs_list_search(&base->list, pat, dir, include_current);
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {
    .name = "instances", .draw = draw, .request = request, .search = search, .done = done};

struct gs_view *gs_view_instances_new(struct gs_ui *ui, uint32_t type)
{
    struct instances *v = gs_xcalloc(1, sizeof *v);
    char name[256], title[300];
    gs_type_qualname(ui->snap, type, name, sizeof name);
    snprintf(title, sizeof title, "Instances of %s", name);
    gs_view_init(&v->base, &ops, title);
    v->ui = ui;
    v->type = type;
    v->base.has_list = true;
    v->base.filterable = true;
    v->base.col_names = col_names;
    gs_list_init(&v->base.list, &src, v, NULL, 0, false);
    return &v->base;
}
