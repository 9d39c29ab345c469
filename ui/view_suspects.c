/* view_suspects.c: leak suspects, by the bytes they keep alive, as
 * --dump-suspects ranks and explains them; the status line says why the
 * selected one is a suspect. Enter opens the object, or the cycles for the
 * garbage. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

struct suspects {
    struct gs_view base;
    struct gs_ui *ui;
    bool built;
};

static bool match(const void *ctx, uint32_t i, const char *pat)
{
    const struct suspects *v = ctx;
    const struct gs_suspect *x = &v->ui->model.suspects.v[i];
    char desc[300] = "";
    if (x->node != GS_NO_NODE)
        gs_snapshot_describe(v->ui->snap, x->node, desc, sizeof desc);
    return gs_contains(x->name, pat) || gs_contains(desc, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t i, int y, bool sel)
{
    const struct gs_suspect *x = &ui->model.suspects.v[i];
    const struct gs_snapshot *s = ui->snap;
    char b[32], pct[16], desc[300], text[600];
    uint64_t heap = ui->model.suspects.reachable_bytes;
    snprintf(pct, sizeof pct, "%.1f%%", heap ? 100.0 * (double)x->retained / (double)heap : 0.0);
    if (x->node != GS_NO_NODE) {
        gs_snapshot_describe(s, x->node, desc, sizeof desc);
        if (x->items >= 0)
            snprintf(text, sizeof text, "%s  %s, %s items", x->name, desc,
                     gs_fmt_count((uint64_t)x->items, b, sizeof b));
        else
            snprintf(text, sizeof text, "%s  %s", x->name, desc);
    } else {
        snprintf(text, sizeof text, "%s (Enter: the cycles)", x->name);
    }
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_right(&ui->draw, y, 0, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(x->retained, b, sizeof b));
    gs_draw_right(&ui->draw, y, 11, 6, gs_row_role(sel, GS_ROLE_NUMBER), pct);
    gs_draw_text(&ui->draw, y, 19, 16, gs_row_role(sel, GS_ROLE_DIM), x->kind, false);
    gs_draw_text(&ui->draw, y, 36, COLS - 36,
                 gs_row_role(sel, x->node == GS_NO_NODE ? GS_ROLE_ALERT : GS_ROLE_NORMAL), text, false);
    (void)base;
}

static bool build(struct suspects *v, struct gs_ui *ui)
{
    if (v->built)
        return true;
    if (!gs_ui_need(ui, GS_NEED_SUSPECTS))
        return false;
    gs_list_init(&v->base.list, &src, v, NULL, ui->model.suspects.n, false);
    v->built = true;
    return true;
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct suspects *v = (struct suspects *)base;
    if (!build(v, ui)) {
        gs_ui_draw_note(ui, y, ui->model.err.msg);
        return;
    }
    gs_ui_draw_header(ui, y, "  retained  %heap  kind             bound to, and what it is");
    if (!gs_list_count(&base->list))
        gs_ui_draw_note(ui, y + 1, "no suspects: no global keeps a large share of the heap, and no cyclic garbage");
    gs_ui_draw_list(base, ui, y + 1, h - 1, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    uint32_t i;
    if (req != GS_REQ_OPEN)
        return false;
    if (!gs_list_current(&base->list, &i))
        return true;
    if (ui->model.suspects.v[i].node == GS_NO_NODE)
        gs_ui_open_top(ui, GS_TOP_CYCLES);
    else
        gs_ui_open_object(ui, ui->model.suspects.v[i].node);
    return true;
}

static bool search(struct gs_view *base, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    if (!build((struct suspects *)base, ui))
        return false;
    return gs_list_search(&base->list, pat, dir, include_current);
}

static void status(struct gs_view *base, struct gs_ui *ui, char *buf, size_t cap)
{
    uint32_t i;
    if (ui->model.suspects.n && gs_list_current(&base->list, &i))
        snprintf(buf, cap, "%s", ui->model.suspects.v[i].why);
    else
        snprintf(buf, cap, "caches, registries, mutable defaults, callbacks and cyclic garbage, as --dump-suspects finds them");
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {
    .name = "suspects", .draw = draw, .request = request, .search = search, .status = status, .done = done};

struct gs_view *gs_view_suspects_new(struct gs_ui *ui)
{
    struct suspects *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Suspects");
    v->ui = ui;
    v->base.has_list = true;
    gs_list_init(&v->base.list, &src, v, NULL, 0, false);
    return &v->base;
}
