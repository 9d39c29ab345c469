/* ui.h: what the browser's views share (internal to ui/).
 *
 * Layer: ui/ is the ncurses browser over a snapshot. It reads src/graph/'s
 * analyses and some of src/report/'s helpers (formatting, suspects,
 * allocation lines, the memory split), never the process; ui/model.c keeps
 * only presentation (sorted lists, cursors, filters) and links without
 * curses.
 *
 * A view is a struct gs_view at the start of the view's own struct, with a
 * gs_view_ops table (tig's view_ops): draw the body, answer a request,
 * search, and free. The browser (browser.c) owns the terminal, the key
 * loop, the history and the top-level views; a view never reads a key or
 * touches the terminal outside its draw().
 *
 * Ownership: the top-level views (Overview, Types, ...) belong to the
 * browser and live as long as the snapshot; the views opened from them
 * (an object, the instances of a type, a cycle) belong to the history and
 * are freed when it forgets them. A view keeps node numbers: after `R`
 * (a new snapshot) every view is freed and the history starts again.
 *
 * Screen layout: line 0 the title, lines 1 .. LINES-3 the body (the
 * view's), line LINES-2 the status or prompt, line LINES-1 the key bar.
 */
#ifndef GCSCOPE_UI_UI_H
#define GCSCOPE_UI_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "graph/diff.h"
#include "graph/snapshot.h"
#include "ui/browser.h"
#include "ui/draw.h"
#include "ui/keys.h"
#include "ui/list.h"
#include "ui/model.h"

#define GS_HISTORY_MAX 64

struct gs_ui;
struct gs_view;

struct gs_view_ops {
    const char *name;
    /* Compute what the next draw needs, before the screen is cleared: the
     * screen drawn last stays up while the status line tells the
     * progress. Optional. */
    void (*prepare)(struct gs_view *v, struct gs_ui *ui);
    /* Draw the body: lines y .. y+h-1, the whole width. */
    void (*draw)(struct gs_view *v, struct gs_ui *ui, int y, int h);
    /* A request the view answers itself; false leaves it to the browser
     * (moving a list, history, views, search ...). Optional. */
    bool (*request)(struct gs_view *v, struct gs_ui *ui, enum gs_request req);
    /* Search for pat (lowercase) from the cursor: dir 1 forward, -1 back;
     * include_current: the cursor's row may be the match. Optional:
     * without it the list's own match is used. */
    bool (*search)(struct gs_view *v, struct gs_ui *ui, const char *pat, int dir, bool include_current);
    /* A line for the status bar when there is no message ("sorted by ..."). Optional. */
    void (*status)(struct gs_view *v, struct gs_ui *ui, char *buf, size_t cap);
    void (*done)(struct gs_view *v);
};

enum gs_top_view {
    GS_TOP_OVERVIEW,
    GS_TOP_TYPES,
    GS_TOP_CYCLES,
    GS_TOP_SUSPECTS,
    GS_TOP_DOMTREE,
    GS_TOP_RESOURCES,
    GS_TOP_THREADS,
    GS_TOP_CHANGES,
    GS_TOP_MEMORY,
    GS_TOP_COUNT
};

struct gs_view {
    const struct gs_view_ops *ops;
    char title[200];     /* "Instances of __main__.Session" */
    bool top;            /* a top-level view: the browser owns it */
    bool has_list;       /* list below is in use: moving, searching, sorting */
    bool filterable;     /* f filters the list */
    struct gs_list list;
    const char *const *col_names; /* the list's sortable columns, for the status line */
    int list_height;     /* rows of the list on screen at the last draw (for paging) */
};

struct gs_ui {
    struct gs_snapshot *snap;
    struct gs_model model;
    const struct gs_browse_source *src;
    struct gs_draw draw;
    /* after R: the previous capture and what changed */
    struct gs_snapshot *old;
    struct gs_diff diff;
    bool have_diff;
    /* history: hist[0 .. nhist), the current view is hist[at] */
    struct gs_view *hist[GS_HISTORY_MAX];
    size_t nhist, at;
    struct gs_view *tops[GS_TOP_COUNT];
    char search[128];    /* the last search, as typed */
    char message[256];   /* shown on the status line until the next key */
    bool message_error;
    bool quit;
    bool curses;         /* the screen is up (progress may draw) */
    /* A view drew what was cheap and fills in the rest at its next draw:
     * the loop draws again at once, before reading a key. */
    bool draw_again;
};

/* --- browser services (browser.c) --------------------------------------------- */

struct gs_view *gs_ui_current(struct gs_ui *ui);
/* Show v next (it joins the history; a top-level view is reused). */
void gs_ui_push(struct gs_ui *ui, struct gs_view *v);
void gs_ui_open_top(struct gs_ui *ui, enum gs_top_view which);
void gs_ui_open_object(struct gs_ui *ui, uint32_t node);
void gs_ui_open_instances(struct gs_ui *ui, uint32_t type);
/* A message on the status line until the next key. */
void gs_ui_message(struct gs_ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* gs_model_need, saying "computing..." on the screen first; on failure
 * the reason goes to the status line and false is returned. */
bool gs_ui_need(struct gs_ui *ui, unsigned what);

/* --- the frame and the list views (screen.c) --------------------------------------- */

/* Draw everything: the current view, the title, the status line, the key bar. */
void gs_ui_draw_screen(struct gs_ui *ui);
/* Write text on the status line now (progress while computing). */
void gs_ui_status_line(struct gs_ui *ui, const char *text, enum gs_role role);

/* Draw v's list in lines y .. y+h-1: scroll to the cursor, then draw_row
 * for each row on screen (selected: the cursor's row). */
typedef void (*gs_row_fn)(struct gs_view *v, struct gs_ui *ui, uint32_t id, int y, bool selected);
void gs_ui_draw_list(struct gs_view *v, struct gs_ui *ui, int y, int h, gs_row_fn row);
/* A column header line: the titles, the sorted one marked. */
void gs_ui_draw_header(struct gs_ui *ui, int y, const char *text);
/* The role of a row's text: selected rows in reverse, else role. */
static inline enum gs_role gs_row_role(bool selected, enum gs_role role)
{
    return selected ? GS_ROLE_SELECTED : role;
}
/* An empty list's explanation, or an analysis that failed, at line y. */
void gs_ui_draw_note(struct gs_ui *ui, int y, const char *text);

/* --- the views ------------------------------------------------------------------ */

struct gs_view *gs_view_overview_new(struct gs_ui *ui);
struct gs_view *gs_view_types_new(struct gs_ui *ui);
struct gs_view *gs_view_instances_new(struct gs_ui *ui, uint32_t type);
struct gs_view *gs_view_object_new(struct gs_ui *ui, uint32_t node);
struct gs_view *gs_view_cycles_new(struct gs_ui *ui);
struct gs_view *gs_view_cycle_new(struct gs_ui *ui, size_t rank); /* one cycle: its loop and members */
struct gs_view *gs_view_suspects_new(struct gs_ui *ui);
struct gs_view *gs_view_domtree_new(struct gs_ui *ui);
struct gs_view *gs_view_resources_new(struct gs_ui *ui);
struct gs_view *gs_view_threads_new(struct gs_ui *ui);
struct gs_view *gs_view_locals_new(struct gs_ui *ui, uint32_t frame); /* a frame's locals */
struct gs_view *gs_view_changes_new(struct gs_ui *ui);
struct gs_view *gs_view_memory_new(struct gs_ui *ui);
struct gs_view *gs_view_help_new(struct gs_ui *ui);

/* A view's common fields, for the constructors. */
void gs_view_init(struct gs_view *v, const struct gs_view_ops *ops, const char *title);

/* What an object holds, in a few words: its preview when it has one
 * ("'abc'", "len=3"), else its first references ".id=int .data=dict"). */
void gs_ui_preview(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap);

#endif
