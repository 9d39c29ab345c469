/* list.h: the rows of a list view, filtered and sorted lazily.
 *
 * A list is a set of ids (node numbers, type numbers, edge numbers: the
 * view decides) that the view describes through a gs_list_src: a numeric
 * sort key per column, or a comparison for text columns, and a match for
 * search and filter. Nothing is computed until the rows are first needed
 * (gs_list_prepare, called by every accessor): the filter then runs once
 * over the ids, and the sort once over what passed (a radix sort on 64-bit
 * keys: a few million rows in well under a second). Reversing the order
 * reverses the rows in place; moving the cursor never recomputes.
 *
 * Ownership: the list owns its rows; it owns the ids when told so
 * (gs_list_init's own_items), else they must outlive it. ids NULL means
 * the ids 0..n-1 (no array needed for a list of a million edges).
 */
#ifndef GCSCOPE_UI_LIST_H
#define GCSCOPE_UI_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui/keys.h"

#define GS_LIST_MAX_COLS 8

struct gs_list_src {
    int ncols;           /* sortable columns: 0..ncols-1 */
    unsigned text_cols;  /* bit c: column c sorts with cmp, not key */
    uint64_t (*key)(const void *ctx, uint32_t id, int col);
    int (*cmp)(const void *ctx, uint32_t a, uint32_t b, int col);
    /* Does row id match pat (a search or a filter, already lowercase)? */
    bool (*match)(const void *ctx, uint32_t id, const char *pat);
};

struct gs_list {
    const struct gs_list_src *src;
    const void *ctx;
    uint32_t *items;     /* the ids, NULL for 0..nitems-1 */
    size_t nitems;
    bool own_items;
    uint32_t *rows;      /* filtered and sorted ids; NULL: the items as they are */
    size_t nrows;
    int sort_col;        /* -1: the items' own order */
    bool desc;           /* descending: largest first */
    char filter[128];    /* lowercase; "" for none */
    bool dirty;          /* rows must be recomputed */
    bool failed;         /* out of memory sorting: shown unsorted */
    bool prepared;       /* rows were made once: re-sorting keeps the cursor's row */
    /* The same items already in a column's order (desc: largest first),
     * given by the view or kept from the first sort by that column (then
     * owned): sorting by that column again is a copy. */
    const uint32_t *orders[GS_LIST_MAX_COLS];
    bool orders_desc[GS_LIST_MAX_COLS];
    uint32_t *own_orders[GS_LIST_MAX_COLS];
    size_t cursor, top;  /* row under the cursor, first row on screen */
};

void gs_list_init(struct gs_list *l, const struct gs_list_src *src, const void *ctx, uint32_t *items, size_t n,
                  bool own_items);
void gs_list_free(struct gs_list *l);

/* A list in the items' own order (no sort, no filter) whose items grew or
 * shrank to n (a tree that expanded): the cursor stays where it was. */
void gs_list_resize(struct gs_list *l, size_t n);

/* Recompute the rows if the sort or filter changed (the accessors call it). */
void gs_list_prepare(struct gs_list *l);
size_t gs_list_count(struct gs_list *l);
uint32_t gs_list_id(struct gs_list *l, size_t row); /* row < count */
/* The id under the cursor; false when the list is empty. */
bool gs_list_current(struct gs_list *l, uint32_t *id);

/* ids (nitems of them, the same set as the items) are in col's order:
 * a sort by col copies them, a filter keeps their order. */
void gs_list_set_order(struct gs_list *l, int col, const uint32_t *ids, bool desc);

/* The items are in col's order already (desc: largest first): no sort
 * until another order is asked for. */
void gs_list_presorted(struct gs_list *l, int col, bool desc);

/* Sort ids[0..n) by keys[id] (the same radix sort), largest first when
 * desc, equal keys in their first order. False when memory is short. */
bool gs_sort_ids(uint32_t *ids, size_t n, const uint64_t *keys, bool desc);

/* Sort by col (desc: largest first); the same column again keeps the
 * work done. gs_list_next_sort() moves to the following column. */
void gs_list_sort(struct gs_list *l, int col, bool desc);
void gs_list_next_sort(struct gs_list *l);
void gs_list_reverse(struct gs_list *l);
void gs_list_filter(struct gs_list *l, const char *pat);

/* Moving: the requests UP, DOWN, PAGE_UP, PAGE_DOWN, FIRST, LAST with a
 * page of `height` rows; false for any other request. */
bool gs_list_move(struct gs_list *l, enum gs_request req, int height);
/* Keep the cursor on screen in a window of height rows. */
void gs_list_scroll(struct gs_list *l, int height);
/* Put the cursor on the first row with this id, if any. */
bool gs_list_select_id(struct gs_list *l, uint32_t id);

/* The next (dir 1) or previous (dir -1) row matching pat, from the cursor
 * (include_current: the cursor's row counts), wrapping around; moves the
 * cursor there and returns true, or false when no row matches. */
bool gs_list_search(struct gs_list *l, const char *pat, int dir, bool include_current);

/* pat lowercased into buf (searches ignore case). */
void gs_lower(const char *pat, char *buf, size_t cap);
/* Does hay contain the lowercase needle, ignoring case? */
bool gs_contains(const char *hay, const char *needle);

#endif
