/* screen.c: the browser's frame around the views (title, status line,
 * key bar) and the drawing helpers the views share (ui.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "graph/analysis.h"
#include "report/report.h"
#include "ui/ui.h"

void gs_ui_status_line(struct gs_ui *ui, const char *text, enum gs_role role)
{
    gs_draw_text(&ui->draw, LINES - 2, 0, COLS, role, text, true);
}

void gs_ui_draw_header(struct gs_ui *ui, int y, const char *text)
{
    gs_draw_text(&ui->draw, y, 0, COLS, GS_ROLE_HEADER, text, true);
}

void gs_ui_draw_note(struct gs_ui *ui, int y, const char *text)
{
    gs_draw_text(&ui->draw, y, 2, COLS - 2, GS_ROLE_DIM, text, false);
}

void gs_ui_draw_list(struct gs_view *v, struct gs_ui *ui, int y, int h, gs_row_fn row)
{
    struct gs_list *l = &v->list;
    v->list_height = h > 0 ? h : 1;
    size_t n = gs_list_count(l);
    gs_list_scroll(l, v->list_height);
    for (int i = 0; i < h && l->top + (size_t)i < n; i++) {
        size_t r = l->top + (size_t)i;
        row(v, ui, gs_list_id(l, r), y + i, r == l->cursor);
    }
}

void gs_ui_preview(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap)
{
    const char *p = gs_snapshot_string(s, s->preview[node]);
    size_t len = 0;
    if (p[0] || cap == 0) {
        snprintf(buf, cap, "%s", p);
        return;
    }
    buf[0] = '\0';
    for (uint64_t e = s->out_off[node]; e < s->out_off[node + 1] && len + 1 < cap; e++) {
        char label[64];
        uint32_t dst = s->out_dst[e];
        /* A dict's keys are in its values' labels already. */
        if (gs_edge_is_class(s, node, e) || gs_label_kind_of(s->out_label[e]) == GS_LABEL_KEY)
            continue;
        gs_snapshot_label(s, s->out_label[e], label, sizeof label);
        const char *tn = gs_snapshot_string(s, s->types[s->type[dst]].name);
        const char *dp = gs_snapshot_string(s, s->preview[dst]);
        int n = snprintf(buf + len, cap - len, "%s%s=%.24s", len ? " " : "", label[0] ? label : "->",
                         dp[0] ? dp : tn);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    if (len >= cap)
        buf[cap - 1] = '\0';
}

static void draw_title(struct gs_ui *ui, struct gs_view *v)
{
    char left[512], right[64] = "", c1[32], c2[32];
    const struct gs_snap_meta *m = &ui->snap->meta;
    /* The title is one line: the build as its ABI letters ("3.14.7t" for
     * free-threaded, "d" debug), spelled out on the overview. */
    const char *abi = strstr(m->build, "free-threaded") ? (strstr(m->build, "debug") ? "td" : "t")
                      : strstr(m->build, "debug")       ? "d"
                                                        : "";
    snprintf(left, sizeof left, " gcscope  %s  Python %s%s  %s", ui->src && ui->src->label ? ui->src->label : "",
             m->python, abi, v ? v->title : "");
    if (v && v->has_list) {
        size_t n = gs_list_count(&v->list);
        snprintf(right, sizeof right, " %s/%s ", gs_fmt_count(n ? v->list.cursor + 1 : 0, c1, sizeof c1),
                 gs_fmt_count(n, c2, sizeof c2));
    }
    int rw = gs_text_width(&ui->draw, right);
    gs_draw_text(&ui->draw, 0, 0, COLS - rw, GS_ROLE_TITLE, left, true);
    if (rw && rw < COLS)
        gs_draw_text(&ui->draw, 0, COLS - rw, rw, GS_ROLE_TITLE, right, true);
}

/* The key bar: the long labels if they fit, else the short ones, else
 * the short ones of the entries that matter most. */
static void draw_keybar(struct gs_ui *ui)
{
    struct gs_bar_entry e[32];
    size_t n = gs_keys_bar(e, 32);
    bool keep[32];
    int width = 0;
    bool shortl = false;
    for (int pass = 0; pass < 2; pass++) {
        width = 0;
        shortl = pass == 1;
        for (size_t i = 0; i < n; i++)
            width += (int)strlen(e[i].key) + (int)strlen(shortl ? e[i].short_label : e[i].label) + 1;
        if (width <= COLS)
            break;
    }
    for (size_t i = 0; i < n; i++) {
        /* R means nothing for a snapshot file: not offered. */
        keep[i] = e[i].req != GS_REQ_RECAPTURE || (ui->src && ui->src->recapture);
        if (!keep[i])
            width -= (int)strlen(e[i].key) + (int)strlen(shortl ? e[i].short_label : e[i].label) + 1;
    }
    for (int prio = 9; width > COLS && prio > 0; prio--)
        for (size_t i = n; i-- > 0 && width > COLS;)
            if (keep[i] && e[i].priority == prio) {
                keep[i] = false;
                width -= (int)strlen(e[i].key) + (int)strlen(e[i].short_label) + 1;
            }
    int x = 0, y = LINES - 1;
    gs_draw_fill(&ui->draw, y, 0, COLS, GS_ROLE_BAR);
    for (size_t i = 0; i < n && x < COLS; i++) {
        if (!keep[i])
            continue;
        x += gs_draw_text(&ui->draw, y, x, COLS - x, GS_ROLE_BAR_KEY, e[i].key, false);
        x += gs_draw_text(&ui->draw, y, x, COLS - x, GS_ROLE_BAR, shortl ? e[i].short_label : e[i].label, false);
        x++;
    }
}

static void draw_status(struct gs_ui *ui, struct gs_view *v)
{
    char buf[256] = "";
    if (ui->message[0]) {
        gs_ui_status_line(ui, ui->message, ui->message_error ? GS_ROLE_ALERT : GS_ROLE_NORMAL);
        return;
    }
    if (v && v->ops->status)
        v->ops->status(v, ui, buf, sizeof buf);
    else if (v && v->has_list && v->col_names && v->list.sort_col >= 0)
        snprintf(buf, sizeof buf, "sorted by %s%s%s%s", v->col_names[v->list.sort_col],
                 v->list.desc ? ", largest first" : "", v->list.filter[0] ? "; filter: " : "", v->list.filter);
    else if (v && v->has_list && v->list.filter[0])
        snprintf(buf, sizeof buf, "filter: %s", v->list.filter);
    gs_ui_status_line(ui, buf, GS_ROLE_DIM);
}

void gs_ui_draw_screen(struct gs_ui *ui)
{
    struct gs_view *v = gs_ui_current(ui);
    if (v && v->ops->prepare)
        v->ops->prepare(v, ui);
    erase();
    int h = LINES - 3;
    if (v && h > 0)
        v->ops->draw(v, ui, 1, h);
    /* Drawn after the body: a view's draw may compute (and report) first. */
    draw_title(ui, v);
    draw_status(ui, v);
    draw_keybar(ui);
    refresh();
}
