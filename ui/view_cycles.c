/* view_cycles.c: the reference cycles, garbage first (the order of
 * --dump-cycles), and one cycle opened: its loop written with edge labels
 * ("Node .next -> Node .next -> back") and its members. Enter on a member
 * opens the object.
 *
 * A row's type summary ("50 Node", "3 cell, 3 function, 3 tuple") is
 * made the first time the row is drawn and kept: a heap with a million
 * cycles costs nothing until one scrolls through it. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"
#include "util/sort.h"

#define SUMMARY_TYPES 4

enum { COL_RANK, COL_BYTES, COL_OBJECTS, NCOLS };

static const char *const col_names[NCOLS] = {"rank (garbage first)", "bytes", "objects"};

struct cycles {
    struct gs_view base;
    struct gs_ui *ui;
    char **summary; /* per ranked cycle, made when first drawn */
    bool built;
};

static uint64_t key(const void *ctx, uint32_t r, int col)
{
    const struct cycles *v = ctx;
    const struct gs_model_cycle *c = &v->ui->model.cycles[r];
    switch (col) {
    case COL_BYTES: return c->bytes;
    case COL_OBJECTS: return c->count;
    default: return UINT64_MAX - r; /* descending: the ranked order */
    }
}

static int by_type(const void *a, const void *b, void *arg)
{
    const struct gs_snapshot *s = arg;
    uint32_t x = s->type[*(const uint32_t *)a], y = s->type[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

struct type_count {
    uint32_t type;
    uint64_t count;
};

static int by_count(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* "2 Node" or "3 cell, 3 function, 3 tuple, ...": members per type. */
static const char *summary(struct cycles *v, uint32_t r)
{
    if (v->summary[r])
        return v->summary[r];
    const struct gs_snapshot *s = v->ui->snap;
    uint64_t k;
    const uint32_t *mem = gs_model_cycle_members(&v->ui->model, v->ui->model.cycles[r].id, &k);
    uint32_t *sorted = gs_try_reallocarray(NULL, k, sizeof *sorted);
    struct type_count *tc = gs_try_reallocarray(NULL, k, sizeof *tc);
    if (!sorted || !tc) {
        free(sorted);
        free(tc);
        return "?";
    }
    memcpy(sorted, mem, k * sizeof *sorted);
    gs_qsort_r(sorted, k, sizeof *sorted, by_type, (void *)s);
    size_t nt = 0;
    for (uint64_t i = 0; i < k; i++) {
        if (nt && tc[nt - 1].type == s->type[sorted[i]])
            tc[nt - 1].count++;
        else
            tc[nt++] = (struct type_count){s->type[sorted[i]], 1};
    }
    gs_qsort(tc, nt, sizeof *tc, by_count);
    char buf[512] = "", name[128];
    size_t len = 0;
    for (size_t i = 0; i < nt && i < SUMMARY_TYPES && len < sizeof buf; i++) {
        gs_type_qualname(s, tc[i].type, name, sizeof name);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%" PRIu64 " %s", i ? ", " : "", tc[i].count, name);
    }
    if (nt > SUMMARY_TYPES && len < sizeof buf)
        snprintf(buf + len, sizeof buf - len, ", %zu more types", nt - SUMMARY_TYPES);
    free(sorted);
    free(tc);
    v->summary[r] = gs_xstrdup(buf);
    return v->summary[r];
}

static bool match(const void *ctx, uint32_t r, const char *pat)
{
    struct cycles *v = (struct cycles *)ctx;
    return gs_contains(summary(v, r), pat) || gs_contains(gs_cycle_class_name(v->ui->model.cycles[r].cls), pat);
}

static const struct gs_list_src src = {.ncols = NCOLS, .key = key, .match = match};

static bool build(struct cycles *v, struct gs_ui *ui)
{
    if (v->built)
        return true;
    if (!gs_ui_need(ui, GS_NEED_CYCLES))
        return false;
    v->summary = gs_xcalloc(ui->model.ncycles ? ui->model.ncycles : 1, sizeof *v->summary);
    gs_list_init(&v->base.list, &src, v, NULL, ui->model.ncycles, false);
    v->built = true;
    return true;
}

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t r, int y, bool sel)
{
    struct cycles *v = (struct cycles *)base;
    const struct gs_model_cycle *c = &ui->model.cycles[r];
    char n[32], b[32];
    enum gs_role role = c->cls == GS_CYCLE_REACHABLE ? GS_ROLE_NORMAL : GS_ROLE_ALERT;
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_text(&ui->draw, y, 1, 23, gs_row_role(sel, role), gs_cycle_class_name(c->cls), false);
    gs_draw_right(&ui->draw, y, 25, 9, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_count(c->count, n, sizeof n));
    gs_draw_right(&ui->draw, y, 35, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(c->bytes, b, sizeof b));
    if (c->alike) {
        char text[400];
        /* The alike count first: the types may be cut at the right edge. */
        snprintf(text, sizeof text, "[+%s alike, %s] %s", gs_fmt_count(c->alike, n, sizeof n),
                 gs_fmt_bytes(c->alike_bytes, b, sizeof b), summary(v, r));
        gs_draw_text(&ui->draw, y, 47, COLS - 47, gs_row_role(sel, GS_ROLE_NORMAL), text, false);
    } else {
        gs_draw_text(&ui->draw, y, 47, COLS - 47, gs_row_role(sel, GS_ROLE_NORMAL), summary(v, r), false);
    }
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct cycles *v = (struct cycles *)base;
    if (!build(v, ui)) {
        gs_ui_draw_note(ui, y, ui->model.err.msg);
        return;
    }
    gs_ui_draw_header(ui, y, " class                     objects      bytes  types");
    if (!gs_list_count(&base->list))
        gs_ui_draw_note(ui, y + 1, "no reference cycles");
    gs_ui_draw_list(base, ui, y + 1, h - 1, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    uint32_t r;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &r))
        gs_ui_push(ui, gs_view_cycle_new(ui, r));
    return true;
}

static bool search(struct gs_view *base, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    if (!build((struct cycles *)base, ui))
        return false;
    return gs_list_search(&base->list, pat, dir, include_current);
}

static void status(struct gs_view *base, struct gs_ui *ui, char *buf, size_t cap)
{
    char b[32], c[32];
    const struct gs_model *m = &ui->model;
    if (!(m->have & GS_NEED_CYCLES))
        return;
    snprintf(buf, cap, "cyclic garbage %s objects, %s; sorted by %s", gs_fmt_count(m->garbage_objects, c, sizeof c),
             gs_fmt_bytes(m->garbage_bytes, b, sizeof b),
             base->list.sort_col >= 0 ? col_names[base->list.sort_col] : col_names[COL_RANK]);
}

static void done(struct gs_view *base)
{
    struct cycles *v = (struct cycles *)base;
    if (v->summary)
        for (size_t i = 0; i < v->ui->model.ncycles; i++)
            free(v->summary[i]);
    free(v->summary);
    gs_list_free(&base->list);
    free(v);
}

static const struct gs_view_ops ops = {
    .name = "cycles", .draw = draw, .request = request, .search = search, .status = status, .done = done};

struct gs_view *gs_view_cycles_new(struct gs_ui *ui)
{
    struct cycles *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Cycles");
    v->ui = ui;
    v->base.has_list = true;
    v->base.filterable = true;
    v->base.col_names = col_names;
    gs_list_init(&v->base.list, &src, v, NULL, 0, false);
    return &v->base;
}

/* --- one cycle ------------------------------------------------------------------------ */

/* ids: 0 the loop's title, 1..nloop its steps, nloop+1 the members'
 * title, then the members. */
struct cycle {
    struct gs_view base;
    struct gs_ui *ui;
    size_t rank;
    uint32_t *loop;
    uint64_t *edges;
    size_t nloop;
    uint64_t nmembers;
    const uint32_t *members;
    char path[1024];
    bool have_path;
};

static bool cycle_title(const struct cycle *c, uint32_t id) { return id == 0 || id == c->nloop + 1; }

static uint32_t cycle_node(const struct cycle *c, uint32_t id)
{
    return id <= c->nloop ? c->loop[id - 1] : c->members[id - c->nloop - 2];
}

static bool cycle_match(const void *ctx, uint32_t id, const char *pat)
{
    const struct cycle *c = ctx;
    char desc[300];
    if (cycle_title(c, id))
        return false;
    gs_snapshot_describe(c->ui->snap, cycle_node(c, id), desc, sizeof desc);
    return gs_contains(desc, pat);
}

static const struct gs_list_src cycle_src = {.match = cycle_match};

static void cycle_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool sel)
{
    struct cycle *c = (struct cycle *)base;
    const struct gs_snapshot *s = ui->snap;
    char desc[300], label[300], text[340], n[32];
    if (cycle_title(c, id)) {
        if (id == 0)
            snprintf(text, sizeof text, "loop (%zu step%s, back to the start)", c->nloop, c->nloop == 1 ? "" : "s");
        else
            snprintf(text, sizeof text, "members (%s)", gs_fmt_count(c->nmembers, n, sizeof n));
        gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_HEADER), text, true);
        return;
    }
    uint32_t node = cycle_node(c, id);
    gs_snapshot_describe(s, node, desc, sizeof desc);
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    if (id <= c->nloop) {
        /* "Node@0x..  .next ->": the step to the next row (the last one
         * leads back to the first). */
        gs_snapshot_label(s, s->out_label[c->edges[id - 1]], label, sizeof label);
        snprintf(text, sizeof text, "%s ->%s", label[0] ? label : "", id == c->nloop ? " back" : "");
        int w = gs_draw_text(&ui->draw, y, 2, COLS / 2, gs_row_role(sel, GS_ROLE_NORMAL), desc, false);
        gs_draw_text(&ui->draw, y, 3 + w, COLS - 3 - w, gs_row_role(sel, GS_ROLE_PATH), text, false);
    } else {
        gs_draw_text(&ui->draw, y, 2, COLS - 2, gs_row_role(sel, GS_ROLE_NORMAL), desc, false);
    }
}

static void cycle_draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct cycle *c = (struct cycle *)base;
    struct cycles *all = (struct cycles *)ui->tops[GS_TOP_CYCLES];
    const struct gs_model_cycle *mc = &ui->model.cycles[c->rank];
    char line[700], n[32], b[32];
    snprintf(line, sizeof line, "#%zu %s: %s objects, %s%s", c->rank + 1, gs_cycle_class_name(mc->cls),
             gs_fmt_count(mc->count, n, sizeof n), gs_fmt_bytes(mc->bytes, b, sizeof b),
             mc->uncollectable ? " (uncollectable: a legacy tp_del sends it to gc.garbage, never freed)"
             : mc->cls == GS_CYCLE_FINALIZERS ? " (finalizers run when it is collected)"
                                              : "");
    gs_draw_text(&ui->draw, y, 0, COLS, mc->cls == GS_CYCLE_REACHABLE ? GS_ROLE_HEADER : GS_ROLE_ALERT, line, true);
    snprintf(line, sizeof line, "types: %s", all ? summary(all, (uint32_t)c->rank) : "");
    gs_draw_text(&ui->draw, y + 1, 0, COLS, GS_ROLE_NORMAL, line, true);
    if (mc->cls == GS_CYCLE_REACHABLE && c->have_path) {
        gs_draw_text(&ui->draw, y + 2, 0, 6, GS_ROLE_DIM, "path: ", false);
        gs_draw_middle(&ui->draw, y + 2, 6, COLS - 6, GS_ROLE_PATH, c->path);
    } else {
        gs_draw_text(&ui->draw, y + 2, 0, COLS, GS_ROLE_DIM,
                     mc->cls == GS_CYCLE_REACHABLE ? "path: none found"
                                                   : "no root reaches it: gc.collect() would free it",
                     true);
    }
    if (!c->nloop)
        gs_ui_draw_note(ui, y + 3, "no loop found (out of memory?)");
    gs_ui_draw_list(base, ui, y + 4, h - 4, cycle_row);
}

static bool cycle_request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    struct cycle *c = (struct cycle *)base;
    uint32_t id;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &id) && !cycle_title(c, id))
        gs_ui_open_object(ui, cycle_node(c, id));
    return true;
}

static void cycle_done(struct gs_view *base)
{
    struct cycle *c = (struct cycle *)base;
    free(c->loop);
    free(c->edges);
    gs_list_free(&base->list);
    free(c);
}

static const struct gs_view_ops cycle_ops = {
    .name = "cycle", .draw = cycle_draw, .request = cycle_request, .done = cycle_done};

struct gs_view *gs_view_cycle_new(struct gs_ui *ui, size_t rank)
{
    struct cycle *c = gs_xcalloc(1, sizeof *c);
    char title[64];
    snprintf(title, sizeof title, "Cycle #%zu", rank + 1);
    gs_view_init(&c->base, &cycle_ops, title);
    c->ui = ui;
    c->rank = rank;
    uint32_t id = ui->model.cycles[rank].id;
    /* A reachable cycle's path, from the root to its head. */
    if (ui->model.cycles[rank].cls == GS_CYCLE_REACHABLE)
        gs_ui_need(ui, GS_NEED_PATHS);
    c->nloop = gs_model_cycle_loop(&ui->model, rank, &c->loop, &c->edges);
    c->members = gs_model_cycle_members(&ui->model, id, &c->nmembers);
    if (c->nloop)
        c->have_path = gs_model_path_expr(&ui->model, c->loop[0], c->path, sizeof c->path);
    c->base.has_list = true;
    gs_list_init(&c->base.list, &cycle_src, c, NULL, (size_t)(c->nloop + c->nmembers + 2), false);
    c->base.list.cursor = c->nloop ? 1 : 0;
    return &c->base;
}
