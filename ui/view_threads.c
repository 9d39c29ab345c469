/* view_threads.c: every thread with its stack (Python frames merged with
 * native ones, innermost first), and a Python frame's locals: Enter on a
 * frame lists them, Enter on a local opens the object. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

struct trow {
    uint8_t is_frame;
    uint32_t index; /* in threads, or in frames */
};

struct threads {
    struct gs_view base;
    struct gs_ui *ui;
    struct trow *rows;
    size_t n;
};

static void row_text(const struct gs_snapshot *s, const struct trow *r, char *buf, size_t cap)
{
    if (!r->is_frame) {
        const struct gs_thread *t = &s->threads[r->index];
        snprintf(buf, cap, "thread %lld \"%s\"%s%s%s, state %c, %u frame%s", (long long)t->tid,
                 gs_snapshot_string(s, t->name), (t->flags & GS_THREAD_MAIN) ? ", main" : "",
                 (t->flags & GS_THREAD_GIL) ? ", holds the GIL" : "",
                 (t->flags & GS_THREAD_PYTHON) ? "" : ", not running Python", (char)(t->state ? t->state : '?'),
                 t->nframes, t->nframes == 1 ? "" : "s");
        return;
    }
    const struct gs_frame *f = &s->frames[r->index];
    if (f->kind == GS_FRAME_PYTHON)
        snprintf(buf, cap, "    %s  %s:%d%s", gs_snapshot_string(s, f->function), gs_snapshot_string(s, f->file),
                 f->line, f->nroots ? "  (Enter: locals)" : "");
    else
        snprintf(buf, cap, "    [native] %s  %s 0x%" PRIx64, gs_snapshot_string(s, f->function),
                 gs_snapshot_string(s, f->file), f->addr);
}

static bool match(const void *ctx, uint32_t id, const char *pat)
{
    const struct threads *v = ctx;
    char text[600];
    row_text(v->ui->snap, &v->rows[id], text, sizeof text);
    return gs_contains(text, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool sel)
{
    struct threads *v = (struct threads *)base;
    const struct trow *r = &v->rows[id];
    char text[600];
    row_text(ui->snap, r, text, sizeof text);
    enum gs_role role = !r->is_frame                                                   ? GS_ROLE_HEADER
                        : ui->snap->frames[r->index].kind == GS_FRAME_NATIVE ? GS_ROLE_DIM
                                                                                       : GS_ROLE_NORMAL;
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, role), text, true);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    if (!ui->snap->nthreads) {
        gs_ui_draw_note(ui, y, "no threads recorded in this snapshot");
        return;
    }
    gs_ui_draw_list(base, ui, y, h, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    struct threads *v = (struct threads *)base;
    uint32_t id;
    if (req != GS_REQ_OPEN)
        return false;
    if (!gs_list_current(&base->list, &id))
        return true;
    const struct trow *r = &v->rows[id];
    const struct gs_frame *f = r->is_frame ? &ui->snap->frames[r->index] : NULL;
    if (f && f->nroots)
        gs_ui_push(ui, gs_view_locals_new(ui, r->index));
    else if (f && f->node < ui->snap->nobjects)
        gs_ui_open_object(ui, f->node);
    else
        gs_ui_message(ui, false, "Enter on a Python frame lists its locals");
    return true;
}

static void done(struct gs_view *base)
{
    struct threads *v = (struct threads *)base;
    free(v->rows);
    gs_list_free(&base->list);
    free(v);
}

static const struct gs_view_ops ops = {.name = "threads", .draw = draw, .request = request, .done = done};

struct gs_view *gs_view_threads_new(struct gs_ui *ui)
{
    const struct gs_snapshot *s = ui->snap;
    struct threads *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Threads");
    v->ui = ui;
    v->rows = gs_xreallocarray(NULL, (size_t)(s->nthreads + s->nframes + 1), sizeof *v->rows);
    for (uint64_t t = 0; t < s->nthreads; t++) {
        v->rows[v->n++] = (struct trow){0, (uint32_t)t};
        const struct gs_thread *th = &s->threads[t];
        for (uint32_t f = 0; f < th->nframes && (uint64_t)th->first_frame + f < s->nframes; f++)
            v->rows[v->n++] = (struct trow){1, th->first_frame + f};
    }
    v->base.has_list = true;
    gs_list_init(&v->base.list, &src, v, NULL, v->n, false);
    /* The cursor starts on the first Python frame: where the program is. */
    for (size_t i = 0; i < v->n; i++)
        if (v->rows[i].is_frame && s->frames[v->rows[i].index].kind == GS_FRAME_PYTHON) {
            v->base.list.cursor = i;
            break;
        }
    return &v->base;
}

/* --- a frame's locals ------------------------------------------------------------------ */

struct locals {
    struct gs_view base;
    struct gs_ui *ui;
    uint32_t first, n; /* roots[first .. first + n) */
};

static bool locals_match(const void *ctx, uint32_t i, const char *pat)
{
    const struct locals *v = ctx;
    const struct gs_snapshot *s = v->ui->snap;
    const struct gs_root *r = &s->roots[v->first + i];
    char desc[300];
    gs_snapshot_describe(s, r->node, desc, sizeof desc);
    return gs_contains(gs_snapshot_string(s, r->name), pat) || gs_contains(desc, pat);
}

static const struct gs_list_src locals_src = {.match = locals_match};

static void locals_row(struct gs_view *base, struct gs_ui *ui, uint32_t i, int y, bool sel)
{
    struct locals *v = (struct locals *)base;
    const struct gs_snapshot *s = ui->snap;
    const struct gs_root *r = &s->roots[v->first + i];
    char desc[300], b[32];
    /* The root's name is "thread function() variable": the variable is its last word. */
    const char *name = gs_snapshot_string(s, r->name), *sp = strrchr(name, ' ');
    gs_snapshot_describe(s, r->node, desc, sizeof desc);
    gs_draw_fill(&ui->draw, y, 0, COLS, gs_row_role(sel, GS_ROLE_NORMAL));
    gs_draw_text(&ui->draw, y, 2, 22, gs_row_role(sel, GS_ROLE_DIM), sp ? sp + 1 : name, false);
    gs_draw_right(&ui->draw, y, 25, 10, gs_row_role(sel, GS_ROLE_NUMBER),
                  (ui->model.have & GS_NEED_DOM) ? gs_fmt_bytes(ui->model.dom->retained[r->node], b, sizeof b) : "");
    gs_draw_text(&ui->draw, y, 37, COLS - 37, gs_row_role(sel, GS_ROLE_NORMAL), desc, false);
}

static void locals_draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    gs_ui_need(ui, GS_NEED_DOM);
    gs_ui_draw_header(ui, y, "  variable                retained  object");
    gs_ui_draw_list(base, ui, y + 1, h - 1, locals_row);
}

static bool locals_request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    struct locals *v = (struct locals *)base;
    uint32_t i;
    if (req != GS_REQ_OPEN)
        return false;
    if (gs_list_current(&base->list, &i))
        gs_ui_open_object(ui, ui->snap->roots[v->first + i].node);
    return true;
}

static void locals_done(struct gs_view *base)
{
    gs_list_free(&base->list);
    free(base);
}

static const struct gs_view_ops locals_ops = {
    .name = "locals", .draw = locals_draw, .request = locals_request, .done = locals_done};

struct gs_view *gs_view_locals_new(struct gs_ui *ui, uint32_t frame)
{
    const struct gs_snapshot *s = ui->snap;
    const struct gs_frame *f = &s->frames[frame];
    struct locals *v = gs_xcalloc(1, sizeof *v);
    char title[300];
    snprintf(title, sizeof title, "Locals of %s (%s:%d)", gs_snapshot_string(s, f->function),
             gs_snapshot_string(s, f->file), f->line);
    gs_view_init(&v->base, &locals_ops, title);
    v->ui = ui;
    v->first = f->first_root;
    v->n = f->first_root < s->nroots ? (uint32_t)(f->nroots < s->nroots - f->first_root ? f->nroots
                                                                                         : s->nroots - f->first_root)
                                     : 0;
    v->base.has_list = true;
    gs_list_init(&v->base.list, &locals_src, v, NULL, v->n, false);
    return &v->base;
}
