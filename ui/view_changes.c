/* view_changes.c: what changed since the previous capture (after R): the
 * types by byte growth and the containers that grew (graph/diff.h's
 * comparison; objects are matched by address). Enter on a container opens
 * it in the new snapshot. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

struct changes {
    struct gs_view base;
    struct gs_ui *ui;
    size_t nchanged; /* types whose count or bytes changed */
};

/* ids: 0 the types' title, 1..ntypes the types, ntypes+1 the grown
 * containers' title, then the containers. */
static bool is_title(const struct gs_diff *d, uint32_t id) { return id == 0 || id == d->ntypes + 1; }

static const char *signed_bytes(int64_t v, char *buf, size_t cap)
{
    char b[24];
    gs_fmt_bytes((uint64_t)(v < 0 ? -v : v), b, sizeof b);
    snprintf(buf, cap, "%s%s", v < 0 ? "-" : "+", b);
    return buf;
}

static void row_text(struct gs_ui *ui, uint32_t id, char *buf, size_t cap)
{
    const struct gs_diff *d = &ui->diff;
    char b[32], c1[32], c2[32], desc[300];
    if (id <= d->ntypes) {
        const struct gs_diff_type *t = &d->types[id - 1];
        snprintf(buf, cap, "%10s  %+12lld  %s -> %s  %s", signed_bytes(t->new_bytes - t->old_bytes, b, sizeof b),
                 (long long)(t->new_count - t->old_count), gs_fmt_count((uint64_t)t->old_count, c1, sizeof c1),
                 gs_fmt_count((uint64_t)t->new_count, c2, sizeof c2), t->name);
        return;
    }
    const struct gs_diff_grown *g = &d->grown[id - d->ntypes - 2];
    gs_snapshot_describe(ui->snap, g->node, desc, sizeof desc);
    snprintf(buf, cap, "%10s  %12s  items %lld -> %lld, %" PRIu64 " new  %s",
             signed_bytes(g->bytes_after - g->bytes_before, b, sizeof b), "", (long long)g->items_before,
             (long long)g->items_after, g->new_referents, desc);
}

static bool match(const void *ctx, uint32_t id, const char *pat)
{
    const struct changes *v = ctx;
    char text[600];
    if (is_title(&v->ui->diff, id))
        return false;
    row_text(v->ui, id, text, sizeof text);
    return gs_contains(text, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool sel)
{
    const struct gs_diff *d = &ui->diff;
    const struct changes *v = (const struct changes *)base;
    char text[600], c[32], c2[32];
    if (is_title(d, id)) {
        if (id == 0)
            snprintf(text, sizeof text, "types that changed, by growth: %s of %s", gs_fmt_count(v->nchanged, c, sizeof c),
                     gs_fmt_count(d->ntypes, c2, sizeof c2));
        else
            snprintf(text, sizeof text, "containers that grew (%s)", gs_fmt_count(d->ngrown, c, sizeof c));
        gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_HEADER), text, true);
        return;
    }
    row_text(ui, id, text, sizeof text);
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL), text, true);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    char line[300], c[32], b[32];
    const struct gs_diff *d = &ui->diff;
    double dt = ui->snap->meta.captured_at - (ui->old ? ui->old->meta.captured_at : 0);
    snprintf(line, sizeof line, "since the previous capture (%.0f s earlier): %s new objects, %s", dt,
             gs_fmt_count(d->nnew, c, sizeof c), gs_fmt_bytes(d->new_bytes, b, sizeof b));
    gs_draw_text(&ui->draw, y, 0, COLS, GS_ROLE_PATH, line, true);
    gs_ui_draw_header(ui, y + 1, "     bytes         count  before -> after");
    gs_ui_draw_list(base, ui, y + 2, h - 2, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    const struct gs_diff *d = &ui->diff;
    uint32_t id;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &id) && id > d->ntypes + 1)
        gs_ui_open_object(ui, d->grown[id - d->ntypes - 2].node);
    return true;
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {.name = "changes", .draw = draw, .request = request, .done = done};

struct gs_view *gs_view_changes_new(struct gs_ui *ui)
{
    struct changes *v = gs_xcalloc(1, sizeof *v);
    const struct gs_diff *d = &ui->diff;
    gs_view_init(&v->base, &ops, "Changes since the previous capture");
    v->ui = ui;
    v->base.has_list = true;
    /* The titles, the types whose count or bytes changed, the containers. */
    size_t n = 0, total = ui->have_diff ? d->ntypes + d->ngrown + 2 : 0;
    uint32_t *ids = gs_xreallocarray(NULL, total ? total : 1, sizeof *ids);
    for (size_t id = 0; id < total; id++) {
        if (id >= 1 && id <= d->ntypes) {
            const struct gs_diff_type *t = &d->types[id - 1];
            if (t->old_count == t->new_count && t->old_bytes == t->new_bytes)
                continue;
            v->nchanged++;
        }
        ids[n++] = (uint32_t)id;
    }
    gs_list_init(&v->base.list, &src, v, ids, n, true);
    v->base.list.cursor = n > 1 ? 1 : 0;
    return &v->base;
}
