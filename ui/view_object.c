/* view_object.c: one object: its header (type, address, size, retained
 * size, reference count, references held from outside the graph), the
 * shortest path from a root as breadcrumbs, then one list of what it
 * references (with edge labels) and what references it. Enter follows a
 * row, u goes one step up the path, i lists the instances of its type.
 *
 * The list's ids: 0 the "references" title, 1..nout the referents (edge
 * out_off[node] + id - 1), nout+1 the "referred to by" title, then the
 * referrers. Nothing is copied: a dict of a million items opens at once.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/allocations.h"
#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

#define HEADER_LINES 4

struct object {
    struct gs_view base;
    struct gs_ui *ui;
    uint32_t node;
    uint64_t nout, nin;
    char path[1024];
    bool have_path, path_done;
};

static bool is_title(const struct object *o, uint32_t id) { return id == 0 || id == o->nout + 1; }

/* The edge's target (referents) or source (referrers), and its label. */
static uint32_t row_node(const struct object *o, uint32_t id, char *label, size_t cap)
{
    const struct gs_snapshot *s = o->ui->snap;
    if (id <= o->nout) {
        uint64_t e = s->out_off[o->node] + id - 1;
        gs_snapshot_label(s, s->out_label[e], label, cap);
        return s->out_dst[e];
    }
    uint32_t src = s->in_src[s->in_off[o->node] + (id - o->nout - 2)];
    gs_snapshot_edge_label(s, src, o->node, label, cap);
    return src;
}

static bool match(const void *ctx, uint32_t id, const char *pat)
{
    const struct object *o = ctx;
    char label[300], desc[300];
    if (is_title(o, id))
        return false;
    uint32_t n = row_node(o, id, label, sizeof label);
    gs_snapshot_describe(o->ui->snap, n, desc, sizeof desc);
    return gs_contains(label, pat) || gs_contains(desc, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool sel)
{
    struct object *o = (struct object *)base;
    const struct gs_snapshot *s = ui->snap;
    char label[300], desc[300], b1[32], b2[32], text[128], c[32];
    if (is_title(o, id)) {
        bool refs = id == 0;
        snprintf(text, sizeof text, "%s (%s)", refs ? "references" : "referred to by",
                 gs_fmt_count(refs ? o->nout : o->nin, c, sizeof c));
        gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_HEADER), text, true);
        return;
    }
    uint32_t n = row_node(o, id, label, sizeof label);
    if (!label[0])
        snprintf(label, sizeof label, "%s", id <= o->nout ? "->" : "<-");
    gs_snapshot_describe(s, n, desc, sizeof desc);
    bool garbage = (ui->model.have & GS_NEED_DOM) && !ui->model.dom->reachable[n];
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_text(&ui->draw, y, 2, 22, gs_row_role(sel, GS_ROLE_DIM), label, false);
    gs_draw_right(&ui->draw, y, 25, 9, gs_row_role(sel, GS_ROLE_NUMBER), gs_fmt_bytes(s->size[n], b1, sizeof b1));
    gs_draw_right(&ui->draw, y, 35, 10, gs_row_role(sel, GS_ROLE_NUMBER),
                  (ui->model.have & GS_NEED_DOM) ? gs_fmt_bytes(ui->model.dom->retained[n], b2, sizeof b2) : "");
    gs_draw_text(&ui->draw, y, 47, COLS - 47, gs_row_role(sel, garbage ? GS_ROLE_ALERT : GS_ROLE_NORMAL), desc,
                 false);
}

/* "root of: module __main__" when roots point at it; flags worth telling. */
static void roots_line(struct object *o, char *buf, size_t cap)
{
    const struct gs_snapshot *s = o->ui->snap;
    uint16_t f = s->flags[o->node];
    size_t len = 0;
    buf[0] = '\0';
    if (f & GS_NODE_ROOT) {
        len += (size_t)snprintf(buf, cap, "root:");
        int shown = 0;
        for (uint64_t r = 0; r < s->nroots && len < cap; r++) {
            if (s->roots[r].node != o->node)
                continue;
            if (shown++ == 3) {
                len += (size_t)snprintf(buf + len, cap - len, " ...");
                break;
            }
            const struct gs_root *rt = &s->roots[r];
            const char *name = gs_snapshot_string(s, rt->name);
            if (rt->kind == GS_ROOT_EXTERNAL)
                len += (size_t)snprintf(buf + len, cap - len, " held from outside (%u reference%s);", rt->count,
                                        rt->count == 1 ? "" : "s");
            else
                len += (size_t)snprintf(buf + len, cap - len, " %s%s%s;", gs_root_kind_name(rt->kind),
                                        name[0] ? " " : "", name);
        }
    }
    static const struct {
        uint16_t flag;
        const char *text;
    } facts[] = {{GS_NODE_IMMORTAL, " immortal"}, {GS_NODE_FROZEN, " frozen (gc.freeze)"},
                 {GS_NODE_OPAQUE, " opaque: referents unknown"}, {GS_NODE_BAD, " inconsistent memory"}};
    for (size_t i = 0; i < sizeof facts / sizeof facts[0] && len < cap; i++)
        if (f & facts[i].flag)
            len += (size_t)snprintf(buf + len, cap - len, "%s", facts[i].text);
    if (len < cap && (f & GS_NODE_TRACKED) && !(f & GS_NODE_FROZEN))
        snprintf(buf + len, cap - len, " tracked, generation %d", gs_node_generation(f));
    else if (len < cap && !(f & GS_NODE_TRACKED))
        snprintf(buf + len, cap - len, " not tracked by the collector");
    if (buf[0] == ' ')
        memmove(buf, buf + 1, strlen(buf));
}

/* With tracemalloc on in the target: where the object was allocated, the
 * most recent frame first ("; allocated at app.py:12 <- main.py:30"),
 * after the roots line; nothing otherwise. */
static void alloc_line(const struct gs_snapshot *s, uint32_t n, char *buf, size_t cap)
{
    uint32_t file, line, tb;
    if (!gs_alloc_node_frame(s, n, &file, &line, &tb))
        return;
    const struct gs_tm_traceback *t = &s->tm_tracebacks[tb];
    size_t len = strlen(buf);
    len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "; allocated at");
    for (uint32_t i = 0; i < t->nframe && len < cap; i++) {
        const struct gs_tm_frame *f = &s->tm_frames[t->first_frame + i];
        const char *name = gs_snapshot_string(s, f->filename), *base = strrchr(name, '/');
        len += (size_t)snprintf(buf + len, cap - len, "%s%s:%u", i ? " <- " : " ", base ? base + 1 : name, f->lineno);
    }
    if (t->nframe == 0 && len < cap)
        snprintf(buf + len, cap - len, " <unknown>");
}

static void draw_header(struct object *o, struct gs_ui *ui, int y)
{
    const struct gs_snapshot *s = ui->snap;
    const struct gs_model *m = &ui->model;
    uint32_t n = o->node;
    char desc[300], type[256], line[600], b1[32], b2[32], roots[400];
    gs_snapshot_describe(s, n, desc, sizeof desc);
    gs_type_qualname(s, s->type[n], type, sizeof type);
    snprintf(line, sizeof line, "%s  (%s)", desc, type);
    gs_draw_text(&ui->draw, y, 0, COLS, GS_ROLE_HEADER, line, true);

    bool immortal = s->flags[n] & GS_NODE_IMMORTAL;
    int64_t outside = s->refcnt[n] - (int64_t)s->explained[n];
    char refs[160];
    if (immortal)
        snprintf(refs, sizeof refs, "refcount %lld (immortal), %u from the graph", (long long)s->refcnt[n],
                 s->explained[n]);
    else
        snprintf(refs, sizeof refs, "refcount %lld: %u from the graph, %lld held from outside", (long long)s->refcnt[n],
                 s->explained[n], (long long)(outside > 0 ? outside : 0));
    if (m->have & GS_NEED_DOM)
        snprintf(line, sizeof line, "size %s, retained %s%s; %s", gs_fmt_bytes(s->size[n], b1, sizeof b1),
                 gs_fmt_bytes(m->dom->retained[n], b2, sizeof b2), m->dom->reachable[n] ? "" : " (unreachable)", refs);
    else
        snprintf(line, sizeof line, "size %s; %s", gs_fmt_bytes(s->size[n], b1, sizeof b1), refs);
    gs_draw_text(&ui->draw, y + 1, 0, COLS, GS_ROLE_NORMAL, line, true);

    if (o->have_path) {
        gs_draw_text(&ui->draw, y + 2, 0, 6, GS_ROLE_DIM, "path: ", false);
        gs_draw_middle(&ui->draw, y + 2, 6, COLS - 6, GS_ROLE_PATH, o->path);
    } else {
        const char *why = (m->have & GS_NEED_GARBAGE) && m->garbage[n] ? "no root reaches it: cyclic garbage"
                                                                      : "no root reaches it";
        gs_draw_text(&ui->draw, y + 2, 0, COLS, GS_ROLE_ALERT, why, true);
    }
    roots_line(o, roots, sizeof roots);
    alloc_line(s, n, roots, sizeof roots);
    gs_draw_text(&ui->draw, y + 3, 0, COLS, GS_ROLE_DIM, roots, true);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    struct object *o = (struct object *)base;
    if (!o->path_done) {
        /* Breadcrumbs, retained sizes and garbage: each computed once for
         * the whole snapshot. */
        gs_ui_need(ui, GS_NEED_PATHS);
        gs_ui_need(ui, GS_NEED_DOM);
        gs_ui_need(ui, GS_NEED_GARBAGE);
        o->have_path = gs_model_path_expr(&ui->model, o->node, o->path, sizeof o->path);
        o->path_done = true;
    }
    draw_header(o, ui, y);
    gs_ui_draw_list(base, ui, y + HEADER_LINES, h - HEADER_LINES, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    struct object *o = (struct object *)base;
    const struct gs_model *m = &ui->model;
    uint32_t id;
    char label[16];
    switch (req) {
    case GS_REQ_OPEN:
        if (gs_list_current(&base->list, &id) && !is_title(o, id))
            gs_ui_open_object(ui, row_node(o, id, label, sizeof label));
        return true;
    case GS_REQ_PARENT:
        if ((m->have & GS_NEED_PATHS) && m->paths->parent[o->node] != GS_NO_NODE)
            gs_ui_open_object(ui, m->paths->parent[o->node]);
        else
            gs_ui_message(ui, false, "this object is where its path starts (or no root reaches it)");
        return true;
    case GS_REQ_INSTANCES:
        gs_ui_open_instances(ui, ui->snap->type[o->node]);
        return true;
    default:
        return false;
    }
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {.name = "object", .draw = draw, .request = request, .done = done};

struct gs_view *gs_view_object_new(struct gs_ui *ui, uint32_t node)
{
    const struct gs_snapshot *s = ui->snap;
    struct object *o = gs_xcalloc(1, sizeof *o);
    char title[300], desc[256];
    gs_snapshot_describe(s, node, desc, sizeof desc);
    snprintf(title, sizeof title, "Object %s", desc);
    gs_view_init(&o->base, &ops, title);
    o->ui = ui;
    o->node = node;
    o->nout = s->out_off[node + 1] - s->out_off[node];
    o->nin = s->in_off[node + 1] - s->in_off[node];
    o->base.has_list = true;
    gs_list_init(&o->base.list, &src, o, NULL, (size_t)(o->nout + o->nin + 2), false);
    o->base.list.cursor = o->nout ? 1 : o->nout + 2 <= o->nout + o->nin + 1 ? o->nout + 2 : 0;
    return &o->base;
}
