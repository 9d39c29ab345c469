/* view_suspects.c: leak suspects, by the bytes they keep alive: the
 * module globals and class attributes that retain a large share of the
 * heap, and the cyclic garbage (model.c says what is and is not covered).
 * Enter opens the object, or the cycles for the garbage. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

static const char *const kind_names[] = {"global", "class attribute", "garbage"};

struct suspects {
    struct gs_view base;
    struct gs_ui *ui;
    bool built;
};

static bool match(const void *ctx, uint32_t i, const char *pat)
{
    const struct suspects *v = ctx;
    const struct gs_model_suspect *x = &v->ui->model.suspects[i];
    char desc[300] = "";
    if (x->node != GS_NO_NODE)
        gs_snapshot_describe(v->ui->snap, x->node, desc, sizeof desc);
    return gs_contains(x->name, pat) || gs_contains(desc, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t i, int y, bool sel)
{
    const struct gs_model_suspect *x = &ui->model.suspects[i];
    const struct gs_snapshot *s = ui->snap;
    char b[32], pct[16], desc[300], text[600];
    uint64_t heap = ui->model.reachable_bytes;
    snprintf(pct, sizeof pct, "%.1f%%", heap ? 100.0 * (double)x->retained / (double)heap : 0.0);
    if (x->node != GS_NO_NODE) {
        gs_snapshot_describe(s, x->node, desc, sizeof desc);
        snprintf(text, sizeof text, "%s  %s, %s references", x->name, desc,
                 gs_fmt_count(s->out_off[x->node + 1] - s->out_off[x->node], b, sizeof b));
    } else {
        snprintf(text, sizeof text, "%s (Enter: the cycles)", x->name);
    }
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_right(&ui->draw, y, 0, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(x->retained, b, sizeof b));
    gs_draw_right(&ui->draw, y, 11, 6, gs_row_role(sel, GS_ROLE_NUMBER), pct);
    gs_draw_text(&ui->draw, y, 19, 16, gs_row_role(sel, GS_ROLE_DIM), kind_names[x->kind], false);
    gs_draw_text(&ui->draw, y, 36, COLS - 36, gs_row_role(sel, x->kind == GS_SUSPECT_GARBAGE ? GS_ROLE_ALERT : GS_ROLE_NORMAL),
                 text, false);
    (void)base;
}

static bool build(struct suspects *v, struct gs_ui *ui)
{
    if (v->built)
        return true;
    if (!gs_ui_need(ui, GS_NEED_SUSPECTS))
        return false;
    gs_list_init(&v->base.list, &src, v, NULL, ui->model.nsuspects, false);
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
    if (ui->model.suspects[i].node == GS_NO_NODE)
        gs_ui_open_top(ui, GS_TOP_CYCLES);
    else
        gs_ui_open_object(ui, ui->model.suspects[i].node);
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
    (void)base;
    (void)ui;
    snprintf(buf, cap, "globals and class attributes keeping >= 1%% of the heap; --dump-suspects explains more");
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
