/* view_domtree.c: the dominator tree, expanded and collapsed in place like
 * ncdu's directories: each object under the one that alone keeps it
 * alive, largest retained size first. l/Right expands, h/Left collapses
 * (or goes to the parent row), Space toggles, Enter opens the object.
 *
 * The rows on screen are a flat array (node, depth); expanding inserts at
 * most CHUNK children and a "... N more" row that shows the next CHUNK on
 * Enter, so that the virtual root's hundred thousand children never make
 * a key slow. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

#define CHUNK 500
#define INDENT_MAX 40

enum { ROW_NODE, ROW_MORE };

struct trow {
    uint32_t node;     /* ROW_MORE: the parent whose children continue */
    uint32_t depth;
    uint8_t kind;
    uint8_t expanded;
    uint64_t shown;    /* ROW_MORE: children shown before it */
};

struct domtree {
    struct gs_view base;
    struct gs_ui *ui;
    struct trow *rows;
    size_t n, cap;
    bool built;
};

static void reserve(struct domtree *t, size_t more)
{
    if (t->n + more <= t->cap)
        return;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->n + more)
        cap *= 2;
    t->rows = gs_xreallocarray(t->rows, cap, sizeof *t->rows);
    t->cap = cap;
}

/* Insert children from..from+CHUNK of parent at row `at`. */
static size_t insert_children(struct domtree *t, size_t at, uint32_t parent, uint32_t depth, uint64_t from)
{
    uint64_t n;
    const uint32_t *c = gs_model_children(&t->ui->model, parent, &n);
    if (from >= n)
        return 0;
    uint64_t k = n - from < CHUNK ? n - from : CHUNK;
    bool more = from + k < n;
    size_t add = (size_t)k + more;
    reserve(t, add);
    memmove(t->rows + at + add, t->rows + at, (t->n - at) * sizeof *t->rows);
    for (uint64_t i = 0; i < k; i++)
        t->rows[at + i] = (struct trow){c[from + i], depth, ROW_NODE, 0, 0};
    if (more)
        t->rows[at + k] = (struct trow){parent, depth, ROW_MORE, 0, from + k};
    t->n += add;
    gs_list_resize(&t->base.list, t->n);
    return add;
}

static bool has_children(struct domtree *t, uint32_t node)
{
    return gs_model_nchildren(&t->ui->model, node) > 0;
}

static void expand(struct domtree *t, size_t r)
{
    struct trow *row = &t->rows[r];
    if (row->kind != ROW_NODE || row->expanded || !has_children(t, row->node))
        return;
    row->expanded = 1;
    insert_children(t, r + 1, row->node, row->depth + 1, 0);
}

static void collapse(struct domtree *t, size_t r)
{
    size_t end = r + 1;
    while (end < t->n && t->rows[end].depth > t->rows[r].depth)
        end++;
    memmove(t->rows + r + 1, t->rows + end, (t->n - end) * sizeof *t->rows);
    t->n -= end - r - 1;
    t->rows[r].expanded = 0;
    gs_list_resize(&t->base.list, t->n);
}

static bool match(const void *ctx, uint32_t r, const char *pat)
{
    const struct domtree *t = ctx;
    char desc[300];
    if (t->rows[r].kind != ROW_NODE)
        return false;
    gs_snapshot_describe(t->ui->snap, t->rows[r].node, desc, sizeof desc);
    return gs_contains(desc, pat);
}

static const struct gs_list_src src = {.match = match};

static bool build(struct domtree *t, struct gs_ui *ui)
{
    if (t->built)
        return true;
    if (!gs_ui_need(ui, GS_NEED_DOMTREE))
        return false;
    t->built = true;
    insert_children(t, 0, (uint32_t)ui->snap->nobjects, 0, 0);
    return true;
}

/* How the row's object hangs from the one above it: the label of the
 * dominator's reference to it ("['BIG_TABLE']"), "" when the dominator
 * holds it only through others; at the top, the root that holds it. */
static void how_held(const struct gs_ui *ui, const struct trow *row, char *buf, size_t cap)
{
    const struct gs_snapshot *s = ui->snap;
    uint32_t node = row->node, parent = ui->model.dom->idom[node];
    buf[0] = '\0';
    if (row->depth > 0 && parent != GS_VIRTUAL_ROOT) {
        gs_snapshot_edge_label(s, parent, node, buf, cap);
        return;
    }
    if (!(s->flags[node] & GS_NODE_ROOT))
        return;
    /* The most telling root: a module before a frame, anything before
     * "held from outside" (the kinds are in that order). */
    const struct gs_root *best = NULL;
    for (uint64_t r = 0; r < s->nroots; r++)
        if (s->roots[r].node == node && (!best || s->roots[r].kind < best->kind))
            best = &s->roots[r];
    if (best) {
        const char *name = gs_snapshot_string(s, best->name);
        snprintf(buf, cap, "<%s%s%s>", gs_root_kind_name(best->kind), name[0] ? " " : "", name);
    }
}

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t r, int y, bool sel)
{
    struct domtree *t = (struct domtree *)base;
    const struct trow *row = &t->rows[r];
    const struct gs_snapshot *s = ui->snap;
    const struct gs_model *m = &ui->model;
    char b[32], pct[16], desc[300], text[700], c[32], held[300];
    int indent = (int)(row->depth * 2 < INDENT_MAX ? row->depth * 2 : INDENT_MAX);
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    if (row->kind == ROW_MORE) {
        uint64_t n = gs_model_nchildren(m, row->node);
        snprintf(text, sizeof text, "... %s more (Enter shows them)", gs_fmt_count(n - row->shown, c, sizeof c));
        gs_draw_text(&ui->draw, y, 19 + indent, COLS - 19 - indent, gs_row_role(sel, GS_ROLE_DIM), text, false);
        return;
    }
    uint64_t heap = m->reachable_bytes;
    uint64_t ret = m->dom->retained[row->node];
    snprintf(pct, sizeof pct, "%.1f%%", heap ? 100.0 * (double)ret / (double)heap : 0.0);
    gs_draw_right(&ui->draw, y, 0, 10, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(ret, b, sizeof b));
    gs_draw_right(&ui->draw, y, 11, 6, gs_row_role(sel, GS_ROLE_NUMBER), pct);
    const char *mark = !has_children(t, row->node) ? " " : row->expanded ? (ui->draw.utf8 ? "\xe2\x96\xbe" : "-")
                                                                          : (ui->draw.utf8 ? "\xe2\x96\xb8" : "+");
    gs_snapshot_describe(s, row->node, desc, sizeof desc);
    how_held(ui, row, held, sizeof held);
    uint64_t kids = gs_model_nchildren(m, row->node);
    snprintf(text, sizeof text, "%s %s%s%s", mark, held, held[0] ? " " : "", desc);
    if (kids) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "  [keeps %s]", gs_fmt_count(kids, c, sizeof c));
    }
    gs_draw_text(&ui->draw, y, 19 + indent, COLS - 19 - indent, gs_row_role(sel, GS_ROLE_NORMAL), text, false);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct domtree *t = (struct domtree *)base;
    if (!build(t, ui)) {
        gs_ui_draw_note(ui, y, ui->model.err.msg);
        return;
    }
    gs_ui_draw_header(ui, y, "  retained  %heap  object  [what it alone keeps alive]");
    if (!t->n)
        gs_ui_draw_note(ui, y + 1, "no root reaches any object");
    gs_ui_draw_list(base, ui, y + 1, h - 1, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    struct domtree *t = (struct domtree *)base;
    size_t r = base->list.cursor;
    if (!t->built || r >= t->n)
        return false;
    struct trow *row = &t->rows[r];
    switch (req) {
    case GS_REQ_OPEN:
        if (row->kind == ROW_MORE) {
            struct trow more = *row;
            memmove(t->rows + r, t->rows + r + 1, (t->n - r - 1) * sizeof *t->rows);
            t->n--;
            insert_children(t, r, more.node, more.depth, more.shown);
        } else {
            gs_ui_open_object(ui, row->node);
        }
        return true;
    case GS_REQ_RIGHT:
        if (row->kind != ROW_NODE)
            return true;
        if (row->expanded && r + 1 < t->n)
            base->list.cursor = r + 1;
        else
            expand(t, r);
        return true;
    case GS_REQ_TOGGLE:
        if (row->kind == ROW_NODE && row->expanded)
            collapse(t, r);
        else
            expand(t, r);
        return true;
    case GS_REQ_LEFT:
        if (row->kind == ROW_NODE && row->expanded) {
            collapse(t, r);
            return true;
        }
        if (row->depth == 0)
            return false; /* the top: back in the history */
        while (r > 0 && t->rows[r].depth >= row->depth)
            r--;
        base->list.cursor = r;
        return true;
    default:
        return false;
    }
}

static bool search(struct gs_view *base, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    if (!build((struct domtree *)base, ui))
        return false;
    return gs_list_search(&base->list, pat, dir, include_current);
}

static void done(struct gs_view *base)
{
    struct domtree *t = (struct domtree *)base;
    free(t->rows);
    gs_list_free(&base->list);
    free(t);
}

static const struct gs_view_ops ops = {
    .name = "domtree", .draw = draw, .request = request, .search = search, .done = done};

struct gs_view *gs_view_domtree_new(struct gs_ui *ui)
{
    struct domtree *t = gs_xcalloc(1, sizeof *t);
    gs_view_init(&t->base, &ops, "Dominator tree");
    t->ui = ui;
    t->base.has_list = true;
    gs_list_init(&t->base.list, &src, t, NULL, 0, false);
    return &t->base;
}
