/* view_help.c: the help screen, written from the key table (keys.c) that
 * also dispatches the keys, so the two cannot disagree. ? or Backspace
 * closes it. */
#include "config.h"

#include <stdlib.h>

#include "ui/ui.h"
#include "util/alloc.h"

static bool match(const void *ctx, uint32_t line, const char *pat)
{
    char buf[256];
    int title;
    (void)ctx;
    gs_keys_help_line(line, buf, sizeof buf, &title);
    return gs_contains(buf, pat);
}

static const struct gs_list_src src = {.match = match};

static void draw_row(struct gs_view *v, struct gs_ui *ui, uint32_t line, int y, bool sel)
{
    char buf[256];
    int title;
    (void)v;
    gs_keys_help_line(line, buf, sizeof buf, &title);
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(sel, title ? GS_ROLE_HEADER : GS_ROLE_NORMAL), buf, true);
}

static void draw(struct gs_view *v, struct gs_ui *ui, int y, int h)
{
    gs_draw_text(&ui->draw, y, 0, COLS, GS_ROLE_PATH,
                 "Keys (? or Backspace: back)", true);
    gs_ui_draw_list(v, ui, y + 1, h - 1, draw_row);
}

static void done(struct gs_view *v)
{
    gs_list_free(&v->list);
    free(v);
}

static const struct gs_view_ops ops = {.name = "help", .draw = draw, .done = done};

struct gs_view *gs_view_help_new(struct gs_ui *ui)
{
    (void)ui;
    struct gs_view *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(v, &ops, "Help");
    v->has_list = true;
    gs_list_init(&v->list, &src, NULL, NULL, gs_keys_help_lines(), false);
    return v;
}
