/* browser.c: the browser's main loop: the keys, the history, the prompt.
 *
 * The terminal is term.c's (restored on every way out). SIGINT, SIGTERM,
 * SIGHUP and SIGQUIT keep main.c's handlers, which only set
 * gs_signal_pending: getch returns every fraction of a second and the loop
 * looks at the flag (Ctrl-C quits; the others end with "interrupted").
 * Resizes arrive as KEY_RESIZE (ncurses' own SIGWINCH handler) and redraw
 * everything at the new size.
 *
 * The target is never touched here: gs_browse() gets a snapshot taken
 * after the target was resumed, and `R` asks the caller's recapture
 * callback for a new one.
 */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/term.h"
#include "ui/ui.h"
#include "util/alloc.h"
#include "util/cancel.h"

#define LIVE_MAX 200000 /* rows a search or filter goes through at each key typed */

/* --- views and history ------------------------------------------------------------ */

void gs_view_init(struct gs_view *v, const struct gs_view_ops *ops, const char *title)
{
    memset(v, 0, sizeof *v);
    v->ops = ops;
    snprintf(v->title, sizeof v->title, "%s", title);
}

static void view_free(struct gs_view *v)
{
    if (v)
        v->ops->done(v);
}

struct gs_view *gs_ui_current(struct gs_ui *ui) { return ui->nhist ? ui->hist[ui->at] : NULL; }

/* A view the history forgets: freed unless the browser owns it. */
static void forget(struct gs_view *v)
{
    if (v && !v->top)
        view_free(v);
}

void gs_ui_push(struct gs_ui *ui, struct gs_view *v)
{
    if (!v)
        return;
    if (gs_ui_current(ui) == v)
        return;
    for (size_t i = ui->at + 1; i < ui->nhist; i++)
        forget(ui->hist[i]);
    if (ui->nhist)
        ui->nhist = ui->at + 1;
    if (ui->nhist == GS_HISTORY_MAX) {
        forget(ui->hist[0]);
        memmove(ui->hist, ui->hist + 1, (GS_HISTORY_MAX - 1) * sizeof ui->hist[0]);
        ui->nhist--;
    }
    ui->hist[ui->nhist++] = v;
    ui->at = ui->nhist - 1;
}

static struct gs_view *make_top(struct gs_ui *ui, enum gs_top_view which)
{
    switch (which) {
    case GS_TOP_OVERVIEW: return gs_view_overview_new(ui);
    case GS_TOP_TYPES: return gs_view_types_new(ui);
    case GS_TOP_CYCLES: return gs_view_cycles_new(ui);
    case GS_TOP_SUSPECTS: return gs_view_suspects_new(ui);
    case GS_TOP_DOMTREE: return gs_view_domtree_new(ui);
    case GS_TOP_RESOURCES: return gs_view_resources_new(ui);
    case GS_TOP_THREADS: return gs_view_threads_new(ui);
    case GS_TOP_CHANGES: return gs_view_changes_new(ui);
    case GS_TOP_MEMORY: return gs_view_memory_new(ui);
    default: return NULL;
    }
}

void gs_ui_open_top(struct gs_ui *ui, enum gs_top_view which)
{
    if ((unsigned)which >= GS_TOP_COUNT)
        return;
    if (!ui->tops[which]) {
        ui->tops[which] = make_top(ui, which);
        if (!ui->tops[which])
            return;
        ui->tops[which]->top = true;
    }
    gs_ui_push(ui, ui->tops[which]);
}

void gs_ui_open_object(struct gs_ui *ui, uint32_t node)
{
    if (node < ui->snap->nobjects)
        gs_ui_push(ui, gs_view_object_new(ui, node));
}

void gs_ui_open_instances(struct gs_ui *ui, uint32_t type)
{
    if (type < ui->snap->ntypes)
        gs_ui_push(ui, gs_view_instances_new(ui, type));
}

/* Every view and the history, before the snapshot goes. */
static void forget_views(struct gs_ui *ui)
{
    for (size_t i = 0; i < ui->nhist; i++)
        forget(ui->hist[i]);
    ui->nhist = ui->at = 0;
    for (int t = 0; t < GS_TOP_COUNT; t++) {
        view_free(ui->tops[t]);
        ui->tops[t] = NULL;
    }
}

void gs_ui_message(struct gs_ui *ui, bool error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->message, sizeof ui->message, fmt, ap);
    va_end(ap);
    ui->message_error = error;
}

/* --- computing -------------------------------------------------------------------------- */

static void on_progress(void *arg, const char *what)
{
    struct gs_ui *ui = arg;
    if (!ui->curses)
        return;
    gs_ui_status_line(ui, what, GS_ROLE_ALERT);
    refresh();
}

bool gs_ui_need(struct gs_ui *ui, unsigned what)
{
    if (gs_model_need(&ui->model, what))
        return true;
    gs_ui_message(ui, true, "%s", ui->model.err.msg);
    return false;
}

/* --- the prompt ------------------------------------------------------------------------ */

/* Read a line on the status line: Enter accepts, Esc cancels. live is
 * called after each change (incremental search, filter as you type). */
static bool prompt(struct gs_ui *ui, const char *label, char *buf, size_t cap,
                   void (*live)(struct gs_ui *, const char *, void *), void *arg)
{
    size_t len = strlen(buf);
    char line[512];
    for (;;) {
        gs_ui_draw_screen(ui);
        snprintf(line, sizeof line, "%s%s", label, buf);
        gs_draw_text(&ui->draw, LINES - 2, 0, COLS, GS_ROLE_NORMAL, line, true);
        int at = gs_text_width(&ui->draw, line);
        move(LINES - 2, at < COLS ? at : COLS - 1);
        curs_set(1);
        refresh();
        int ch = getch();
        curs_set(0);
        if (gs_signal_pending)
            return false;
        if (ch == ERR || ch == KEY_RESIZE)
            continue;
        if (ch == 27) /* Esc */
            return false;
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
            return true;
        if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            /* a whole UTF-8 character */
            while (len > 0 && ((unsigned char)buf[len - 1] & 0xc0) == 0x80)
                len--;
            if (len > 0)
                len--;
        } else if (ch == 21) { /* Ctrl-U */
            len = 0;
        } else if (ch >= 0x20 && ch < 0x100 && ch != 127 && len + 1 < cap) {
            buf[len++] = (char)ch;
        } else {
            continue;
        }
        buf[len] = '\0';
        if (live)
            live(ui, buf, arg);
    }
}

/* Search in the current view (its own search, else its list's). */
static bool search_view(struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    struct gs_view *v = gs_ui_current(ui);
    char low[sizeof ui->search];
    gs_lower(pat, low, sizeof low);
    if (!v || !low[0])
        return false;
    if (v->ops->search)
        return v->ops->search(v, ui, low, dir, include_current);
    if (v->has_list)
        return gs_list_search(&v->list, low, dir, include_current);
    return false;
}

struct search_state {
    struct gs_view *view;
    size_t cursor; /* where the search started in view */
};

static void search_live(struct gs_ui *ui, const char *pat, void *arg)
{
    struct search_state *st = arg;
    struct gs_view *v = gs_ui_current(ui);
    if (v != st->view) {
        st->view = v;
        st->cursor = v ? v->list.cursor : 0;
    }
    if (v)
        v->list.cursor = st->cursor;
    if (pat[0] && !(pat[0] == '0' && pat[1] == 'x'))
        search_view(ui, pat, 1, true);
}

/* An address typed in full: the object at it, if the snapshot has one. */
static bool search_address(struct gs_ui *ui, const char *pat)
{
    char *end;
    if (pat[0] != '0' || (pat[1] != 'x' && pat[1] != 'X') || !pat[2])
        return false;
    uint64_t addr = strtoull(pat + 2, &end, 16);
    if (*end)
        return false;
    uint32_t node = gs_snapshot_find(ui->snap, addr);
    if (node == GS_NO_NODE)
        gs_ui_message(ui, true, "no object at 0x%" PRIx64 " in this snapshot", addr);
    else
        gs_ui_open_object(ui, node);
    return true;
}

static void do_search(struct gs_ui *ui)
{
    struct gs_view *v = gs_ui_current(ui);
    struct search_state st = {v, v ? v->list.cursor : 0};
    char pat[sizeof ui->search] = "";
    /* As you type on lists a key can scan at once; a list of millions is
     * searched on Enter, so that typing stays quick. */
    bool live = !v || !v->has_list || v->list.nitems <= LIVE_MAX;
    if (!prompt(ui, "/", pat, sizeof pat, live ? search_live : NULL, &st)) {
        if (st.view)
            st.view->list.cursor = st.cursor;
        return;
    }
    if (!pat[0])
        return;
    snprintf(ui->search, sizeof ui->search, "%s", pat);
    if (search_address(ui, pat))
        return;
    search_live(ui, pat, &st);
    if (!search_view(ui, pat, 1, true))
        gs_ui_message(ui, true, "not found: %s", pat);
}

static void filter_live(struct gs_ui *ui, const char *pat, void *arg)
{
    struct gs_view *v = arg;
    (void)ui;
    gs_list_filter(&v->list, pat);
}

static void do_filter(struct gs_ui *ui, struct gs_view *v)
{
    char pat[sizeof v->list.filter], before[sizeof v->list.filter];
    if (!v->filterable) {
        gs_ui_message(ui, false, "this view has no filter: / searches it");
        return;
    }
    snprintf(before, sizeof before, "%s", v->list.filter);
    snprintf(pat, sizeof pat, "%s", v->list.filter);
    bool live = v->list.nitems <= LIVE_MAX;
    if (!prompt(ui, live ? "filter: " : "filter (Enter applies): ", pat, sizeof pat, live ? filter_live : NULL, v))
        gs_list_filter(&v->list, before);
    else if (!live)
        gs_list_filter(&v->list, pat);
}

/* --- R: capture again ------------------------------------------------------------------- */

static void recapture(struct gs_ui *ui)
{
    if (!ui->src || !ui->src->recapture) {
        gs_ui_message(ui, true, "R captures a live process again: this is a snapshot file");
        return;
    }
    gs_ui_status_line(ui, "capturing the process again...", GS_ROLE_ALERT);
    refresh();
    struct gs_snapshot *fresh = NULL;
    gs_error err = {0};
    if (ui->src->recapture(ui->src->arg, &fresh, &err) != GS_OK) {
        gs_ui_message(ui, true, "capture failed: %s", err.msg);
        return;
    }
    forget_views(ui);
    gs_model_free(&ui->model);
    if (ui->have_diff)
        gs_diff_free(&ui->diff);
    ui->have_diff = false;
    gs_snapshot_free(ui->old);
    ui->old = ui->snap;
    ui->snap = fresh;
    gs_model_init(&ui->model, ui->snap, on_progress, ui);
    gs_ui_status_line(ui, "comparing with the previous capture...", GS_ROLE_ALERT);
    refresh();
    if (gs_diff_compute(ui->old, ui->snap, &ui->diff, &err) == GS_OK)
        ui->have_diff = true;
    else
        gs_ui_message(ui, true, "cannot compare the captures: %s", err.msg);
    gs_ui_open_top(ui, GS_TOP_OVERVIEW);
    if (ui->have_diff)
        gs_ui_open_top(ui, GS_TOP_CHANGES);
}

/* --- requests ---------------------------------------------------------------------------- */

static void history_move(struct gs_ui *ui, int dir)
{
    if (dir < 0 && ui->at > 0)
        ui->at--;
    else if (dir > 0 && ui->at + 1 < ui->nhist)
        ui->at++;
    else
        gs_ui_message(ui, false, dir < 0 ? "at the start of the history" : "at the end of the history");
}

static void global_request(struct gs_ui *ui, struct gs_view *v, enum gs_request req)
{
    switch (req) {
    case GS_REQ_UP:
    case GS_REQ_DOWN:
    case GS_REQ_PAGE_UP:
    case GS_REQ_PAGE_DOWN:
    case GS_REQ_FIRST:
    case GS_REQ_LAST:
        if (v && v->has_list)
            gs_list_move(&v->list, req, v->list_height);
        break;
    case GS_REQ_LEFT:
    case GS_REQ_BACK:
        history_move(ui, -1);
        break;
    case GS_REQ_FORWARD:
        history_move(ui, 1);
        break;
    case GS_REQ_SEARCH:
        do_search(ui);
        break;
    case GS_REQ_NEXT:
    case GS_REQ_PREV:
        if (!ui->search[0])
            gs_ui_message(ui, false, "no search yet: / searches");
        else if (!search_view(ui, ui->search, req == GS_REQ_NEXT ? 1 : -1, false))
            gs_ui_message(ui, true, "not found: %s", ui->search);
        break;
    case GS_REQ_FILTER:
        if (v)
            do_filter(ui, v);
        break;
    case GS_REQ_SORT:
    case GS_REQ_REVERSE:
        if (!v || !v->has_list || !v->list.src || v->list.src->ncols <= 0)
            gs_ui_message(ui, false, "this view keeps its own order");
        else if (req == GS_REQ_SORT)
            gs_list_next_sort(&v->list);
        else
            gs_list_reverse(&v->list);
        break;
    case GS_REQ_VIEW_OVERVIEW: gs_ui_open_top(ui, GS_TOP_OVERVIEW); break;
    case GS_REQ_VIEW_TYPES: gs_ui_open_top(ui, GS_TOP_TYPES); break;
    case GS_REQ_VIEW_CYCLES: gs_ui_open_top(ui, GS_TOP_CYCLES); break;
    case GS_REQ_VIEW_SUSPECTS: gs_ui_open_top(ui, GS_TOP_SUSPECTS); break;
    case GS_REQ_VIEW_DOMTREE: gs_ui_open_top(ui, GS_TOP_DOMTREE); break;
    case GS_REQ_VIEW_RESOURCES: gs_ui_open_top(ui, GS_TOP_RESOURCES); break;
    case GS_REQ_VIEW_THREADS: gs_ui_open_top(ui, GS_TOP_THREADS); break;
    case GS_REQ_VIEW_MEMORY: gs_ui_open_top(ui, GS_TOP_MEMORY); break;
    case GS_REQ_VIEW_CHANGES:
        if (ui->have_diff)
            gs_ui_open_top(ui, GS_TOP_CHANGES);
        else
            gs_ui_message(ui, false, "no earlier capture to compare with: R captures again");
        break;
    case GS_REQ_RECAPTURE:
        recapture(ui);
        break;
    case GS_REQ_HELP:
        if (v && strcmp(v->ops->name, "help") == 0)
            history_move(ui, -1);
        else
            gs_ui_push(ui, gs_view_help_new(ui));
        break;
    case GS_REQ_REDRAW:
        clearok(curscr, TRUE);
        break;
    case GS_REQ_QUIT:
        ui->quit = true;
        break;
    case GS_REQ_OPEN:
    case GS_REQ_RIGHT:
    case GS_REQ_TOGGLE:
    case GS_REQ_PARENT:
    case GS_REQ_INSTANCES:
        gs_ui_message(ui, false, "nothing to open here");
        break;
    default:
        break;
    }
}

static void handle_key(struct gs_ui *ui, int ch)
{
    enum gs_request req = gs_key_request(ch);
    ui->message[0] = '\0';
    if (req == GS_REQ_NONE)
        return;
    struct gs_view *v = gs_ui_current(ui);
    if (v && v->ops->request && v->ops->request(v, ui, req))
        return;
    /* Right and l go in where the view has no meaning of its own for them. */
    if (req == GS_REQ_RIGHT && v && v->ops->request && v->ops->request(v, ui, GS_REQ_OPEN))
        return;
    global_request(ui, v, req);
}

/* --- the loop ------------------------------------------------------------------------------ */

static gs_status run(struct gs_ui *ui, gs_error *err)
{
    gs_ui_open_top(ui, GS_TOP_OVERVIEW);
    bool dirty = true;
    while (!ui->quit) {
        if (gs_signal_pending)
            break;
        if (dirty)
            gs_ui_draw_screen(ui);
        if (ui->draw_again) {
            /* what was cheap is on the screen; now the rest (keys typed
             * meanwhile wait in the terminal's queue) */
            ui->draw_again = false;
            dirty = true;
            continue;
        }
        int ch = getch();
        if (ch == ERR) {
            dirty = false;
            continue;
        }
        dirty = true;
        if (ch == KEY_RESIZE) {
            /* ncurses has the new LINES and COLS: draw it all again. */
            clearok(curscr, TRUE);
            continue;
        }
        handle_key(ui, ch);
    }
    if (gs_signal_pending && gs_signal_pending != SIGINT)
        return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d", (int)gs_signal_pending);
    return GS_OK;
}

gs_status gs_browse(struct gs_snapshot *snap, const struct gs_browse_source *src, gs_error *err)
{
    struct gs_ui *ui = gs_xcalloc(1, sizeof *ui);
    ui->snap = snap;
    ui->src = src;
    /* The locale's character set decides how names are drawn (UTF-8 or
     * '?'); numbers stay in the C locale. */
    setlocale(LC_CTYPE, "");
    gs_model_init(&ui->model, ui->snap, on_progress, ui);
    gs_status st = gs_term_start(err);
    if (st == GS_OK) {
        const char *nc = getenv("NO_COLOR");
        gs_draw_init(&ui->draw, nc && nc[0]);
        ui->curses = true;
        st = run(ui, err);
        ui->curses = false;
        gs_term_stop();
    }
    forget_views(ui);
    gs_model_free(&ui->model);
    if (ui->have_diff)
        gs_diff_free(&ui->diff);
    gs_snapshot_free(ui->old);
    gs_snapshot_free(ui->snap);
    free(ui);
    return st;
}
