/* view_resources.c: the process's file descriptors (what each links to,
 * and the Python object that owns it) and the Python objects that hold
 * resources (files, sockets, mmaps, child processes, selectors). Enter
 * opens the owning object. Empty sections say so: a snapshot taken
 * without them simply has none. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

static const char *const fd_kinds[] = {"file", "socket", "pipe", "anon", "device", "other"};
static const char *const res_kinds[] = {"file", "socket", "mmap", "process", "selector"};

struct resources {
    struct gs_view base;
    struct gs_ui *ui;
};

/* ids: 0 the descriptors' title, 1..nfds the descriptors, nfds+1 the
 * resources' title, then the resources. */
static bool is_title(const struct gs_snapshot *s, uint32_t id) { return id == 0 || id == s->nfds + 1; }

static uint32_t owner_of(const struct gs_snapshot *s, uint32_t id)
{
    if (is_title(s, id))
        return GS_NO_NODE;
    if (id <= s->nfds)
        return s->fds[id - 1].owner;
    return s->resources[id - s->nfds - 2].node;
}

static void row_text(const struct gs_snapshot *s, uint32_t id, char *buf, size_t cap)
{
    char desc[300] = "", size[32];
    uint32_t owner = owner_of(s, id);
    if (owner < s->nobjects)
        gs_snapshot_describe(s, owner, desc, sizeof desc);
    if (id <= s->nfds) {
        const struct gs_fd *f = &s->fds[id - 1];
        const char *detail = gs_snapshot_string(s, f->detail);
        snprintf(buf, cap, "%5d  %-7s %s%s%s%s%s", f->fd, f->kind < 6 ? fd_kinds[f->kind] : "?",
                 gs_snapshot_string(s, f->target), detail[0] ? "  " : "", detail, desc[0] ? "  <- " : "", desc);
        return;
    }
    const struct gs_resource *r = &s->resources[id - s->nfds - 2];
    const char *mode = gs_snapshot_string(s, r->mode), *detail = gs_snapshot_string(s, r->detail);
    char fd[32] = "";
    if (r->fd >= 0)
        snprintf(fd, sizeof fd, "fd %lld ", (long long)r->fd);
    size[0] = '\0';
    if (r->size)
        gs_fmt_bytes(r->size, size, sizeof size);
    snprintf(buf, cap, "  %-8s %-7s%s %s%s%s%s%s%s  %s", r->kind < GS_RES_KIND_COUNT ? res_kinds[r->kind] : "?",
             r->closed ? "closed" : "open", fd, gs_snapshot_string(s, r->name), mode[0] ? " mode " : "", mode,
             size[0] ? " " : "", size, detail[0] ? "; " : "", detail);
    size_t len = strlen(buf);
    if (desc[0] && len < cap)
        snprintf(buf + len, cap - len, "  %s", desc);
}

static bool match(const void *ctx, uint32_t id, const char *pat)
{
    const struct resources *v = ctx;
    char text[800];
    if (is_title(v->ui->snap, id))
        return false;
    row_text(v->ui->snap, id, text, sizeof text);
    return gs_contains(text, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool sel)
{
    const struct gs_snapshot *s = ui->snap;
    char text[800], c[32];
    (void)base;
    if (is_title(s, id)) {
        bool fds = id == 0;
        uint64_t n = fds ? s->nfds : s->nresources;
        snprintf(text, sizeof text, "%s (%s)%s", fds ? "file descriptors" : "Python objects holding resources",
                 gs_fmt_count(n, c, sizeof c), n ? "" : ": none recorded in this snapshot");
        gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_HEADER), text, true);
        return;
    }
    row_text(s, id, text, sizeof text);
    bool closed = id > s->nfds && s->resources[id - s->nfds - 2].closed;
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, closed ? GS_ROLE_DIM : GS_ROLE_NORMAL), text, true);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    gs_ui_draw_list(base, ui, y, h, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    uint32_t id, owner;
    if (req != GS_REQ_OPEN)
        return false;
    if (!gs_list_current(&base->list, &id))
        return true;
    owner = owner_of(ui->snap, id);
    if (owner < ui->snap->nobjects)
        gs_ui_open_object(ui, owner);
    else if (!is_title(ui->snap, id))
        gs_ui_message(ui, false, "no Python object owns this descriptor");
    return true;
}

static void done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops ops = {.name = "resources", .draw = draw, .request = request, .done = done};

struct gs_view *gs_view_resources_new(struct gs_ui *ui)
{
    struct resources *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Resources and file descriptors");
    v->ui = ui;
    v->base.has_list = true;
    gs_list_init(&v->base.list, &src, v, NULL, (size_t)(ui->snap->nfds + ui->snap->nresources + 2), false);
    v->base.list.cursor = ui->snap->nfds ? 1 : 0;
    return &v->base;
}
