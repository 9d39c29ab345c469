/* keys.h: every key the browser answers, in one table (keys.c).
 *
 * The table yields the dispatch (gs_key_request: a key to a request), the
 * help screen (gs_keys_help: one line per request, its keys and what it
 * does) and the key bar (gs_keys_bar: the requests marked for it, in
 * order), so that the three never disagree. Views receive requests, never
 * raw keys; a request a view does not handle falls back to the browser's
 * global meaning (GS_REQ_RIGHT: go in, GS_REQ_LEFT: back).
 */
#ifndef GCSCOPE_UI_KEYS_H
#define GCSCOPE_UI_KEYS_H

#include <stddef.h>

enum gs_request {
    GS_REQ_NONE,
    /* moving */
    GS_REQ_UP,
    GS_REQ_DOWN,
    GS_REQ_PAGE_UP,
    GS_REQ_PAGE_DOWN,
    GS_REQ_FIRST,
    GS_REQ_LAST,
    /* going in and out */
    GS_REQ_OPEN,     /* Enter: open what the cursor is on */
    GS_REQ_RIGHT,    /* l, Right: go in (a tree: expand) */
    GS_REQ_LEFT,     /* h, Left: back (a tree: collapse) */
    GS_REQ_TOGGLE,   /* Space: expand or collapse */
    GS_REQ_BACK,     /* Backspace, [: history back */
    GS_REQ_FORWARD,  /* ]: history forward */
    GS_REQ_PARENT,   /* u: one step up the shortest path from a root */
    GS_REQ_INSTANCES, /* i: the instances of the current object's type */
    /* finding and ordering */
    GS_REQ_SEARCH,
    GS_REQ_NEXT,
    GS_REQ_PREV,
    GS_REQ_FILTER,
    GS_REQ_SORT,
    GS_REQ_REVERSE,
    /* views */
    GS_REQ_VIEW_OVERVIEW,
    GS_REQ_VIEW_TYPES,
    GS_REQ_VIEW_CYCLES,
    GS_REQ_VIEW_SUSPECTS,
    GS_REQ_VIEW_DOMTREE,
    GS_REQ_VIEW_RESOURCES,
    GS_REQ_VIEW_THREADS,
    GS_REQ_VIEW_CHANGES,
    GS_REQ_VIEW_MEMORY,
    /* the rest */
    GS_REQ_RECAPTURE,
    GS_REQ_HELP,
    GS_REQ_REDRAW,
    GS_REQ_QUIT,
    GS_REQ_COUNT
};

/* The request bound to a curses key code, GS_REQ_NONE if none. */
enum gs_request gs_key_request(int key);

/* The help screen: line i of n (i < gs_keys_help_lines()), written into
 * buf: "  j Down        move down". Section titles are lines too. */
size_t gs_keys_help_lines(void);
void gs_keys_help_line(size_t i, char *buf, size_t cap, int *is_title);

/* The key bar: its entries in order into out (at most cap), each with
 * the first key of its request ("2"), its labels and how long it stays
 * when the terminal is narrow (lower priority stays longer). */
struct gs_bar_entry {
    char key[16];
    const char *label;
    const char *short_label;
    int priority;
    enum gs_request req;
};
size_t gs_keys_bar(struct gs_bar_entry *out, size_t cap);

#endif
