/* list.c: lazily filtered and sorted rows (see list.h). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/list.h"
#include "util/alloc.h"
#include "util/sort.h"

void gs_list_init(struct gs_list *l, const struct gs_list_src *src, const void *ctx, uint32_t *items, size_t n,
                  bool own_items)
{
    memset(l, 0, sizeof *l);
    l->src = src;
    l->ctx = ctx;
    l->items = items;
    l->nitems = n;
    l->own_items = own_items;
    l->nrows = n;
    l->sort_col = -1;
}

void gs_list_free(struct gs_list *l)
{
    if (l->own_items)
        free(l->items);
    free(l->rows);
    for (int c = 0; c < GS_LIST_MAX_COLS; c++)
        free(l->own_orders[c]);
    memset(l, 0, sizeof *l);
}

static uint32_t item(const struct gs_list *l, size_t i) { return l->items ? l->items[i] : (uint32_t)i; }

/* --- sorting ---------------------------------------------------------------- */

/* LSD radix sort of (key << 32 | id) words on their key, 8 bits a pass.
 * The histograms of the four key bytes come from one read pass, and a
 * byte that is the same in every key (sizes fit in one or two bytes)
 * costs nothing more. Stable: equal keys keep their order. False when the
 * scratch array cannot be allocated. */
static bool radix_sort_packed(uint64_t *a, size_t n)
{
    size_t (*count)[256] = calloc(4, sizeof *count);
    uint64_t *tmp = gs_try_reallocarray(NULL, n ? n : 1, sizeof *tmp);
    if (!count || !tmp) {
        free(count);
        free(tmp);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 4; b++)
            count[b][(a[i] >> (32 + 8 * b)) & 0xff]++;
    uint64_t *src = a, *dst = tmp;
    for (int b = 0; b < 4 && n; b++) {
        size_t *c = count[b];
        int shift = 32 + 8 * b;
        if (c[(src[0] >> shift) & 0xff] == n)
            continue;
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t k = c[d];
            c[d] = pos;
            pos += k;
        }
        for (size_t i = 0; i < n; i++)
            dst[c[(src[i] >> shift) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
    free(tmp);
    free(count);
    return true;
}

/* Keys wider than 32 bits (a retained size over 4 GiB): a comparison
 * sort of positions by their keys, ties in the first order. */
static int by_wide_key(const void *x, const void *y, void *arg)
{
    const uint64_t *keys = arg;
    const uint64_t a = keys[*(const uint32_t *)x], b = keys[*(const uint32_t *)y];
    if (a != b)
        return a < b ? -1 : 1;
    return *(const uint32_t *)x < *(const uint32_t *)y ? -1 : *(const uint32_t *)x > *(const uint32_t *)y;
}

static bool sort_wide(uint32_t *ids, size_t n, bool desc, uint64_t (*key)(const void *, uint32_t, int),
                      const void *ctx, int col, const uint64_t *keys)
{
    uint64_t *k = gs_try_reallocarray(NULL, n, sizeof *k);
    uint32_t *pos = gs_try_reallocarray(NULL, n, sizeof *pos);
    uint32_t *copy = gs_try_reallocarray(NULL, n, sizeof *copy);
    bool ok = k && pos && copy;
    if (ok) {
        for (size_t i = 0; i < n; i++) {
            uint64_t v = keys ? keys[ids[i]] : key(ctx, ids[i], col);
            k[i] = desc ? ~v : v;
            pos[i] = (uint32_t)i;
        }
        gs_qsort_r(pos, n, sizeof *pos, by_wide_key, k);
        memcpy(copy, ids, n * sizeof *ids);
        for (size_t i = 0; i < n; i++)
            ids[i] = copy[pos[i]];
    }
    free(k);
    free(pos);
    free(copy);
    return ok;
}

/* Sort ids by their keys: the key callback, or keys[] by id. */
static bool sort_keyed(uint32_t *ids, size_t n, bool desc, uint64_t (*key)(const void *, uint32_t, int),
                       const void *ctx, int col, const uint64_t *keys)
{
    uint64_t *packed = gs_try_reallocarray(NULL, n, sizeof *packed);
    if (!packed)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys ? keys[ids[i]] : key(ctx, ids[i], col);
        if (k > UINT32_MAX) {
            free(packed);
            return sort_wide(ids, n, desc, key, ctx, col, keys);
        }
        packed[i] = ((desc ? UINT32_MAX - k : k) << 32) | ids[i];
    }
    bool ok = radix_sort_packed(packed, n);
    if (ok)
        for (size_t i = 0; i < n; i++)
            ids[i] = (uint32_t)packed[i];
    free(packed);
    return ok;
}

struct cmp_ctx {
    const struct gs_list *l;
    int col;
    bool desc;
};

static int by_text(const void *a, const void *b, void *arg)
{
    const struct cmp_ctx *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int r = c->l->src->cmp(c->l->ctx, x, y, c->col);
    if (c->desc)
        r = -r;
    return r ? r : (x < y ? -1 : x > y);
}

static bool sort_rows(struct gs_list *l)
{
    size_t n = l->nrows;
    int col = l->sort_col;
    if (n < 2)
        return true;
    if (l->src->text_cols & (1u << col)) {
        struct cmp_ctx c = {l, col, l->desc};
        gs_qsort_r(l->rows, n, sizeof *l->rows, by_text, &c);
        return true;
    }
    return sort_keyed(l->rows, n, l->desc, l->src->key, l->ctx, col, NULL);
}

bool gs_sort_ids(uint32_t *ids, size_t n, const uint64_t *keys, bool desc)
{
    return n < 2 || sort_keyed(ids, n, desc, NULL, NULL, 0, keys);
}

void gs_list_set_order(struct gs_list *l, int col, const uint32_t *ids, bool desc)
{
    if (col >= 0 && col < GS_LIST_MAX_COLS) {
        l->orders[col] = ids;
        l->orders_desc[col] = desc;
    }
}

void gs_list_presorted(struct gs_list *l, int col, bool desc)
{
    free(l->rows);
    l->rows = NULL;
    l->nrows = l->nitems;
    l->sort_col = col;
    l->desc = desc;
    l->dirty = false;
}

void gs_list_prepare(struct gs_list *l)
{
    if (!l->dirty)
        return;
    l->dirty = false;
    l->failed = false;
    uint32_t keep = 0;
    bool had = l->prepared && l->cursor < l->nrows;
    if (had)
        keep = gs_list_id(l, l->cursor);
    free(l->rows);
    l->rows = NULL;
    l->nrows = l->nitems;
    if (l->filter[0] || l->sort_col >= 0) {
        l->rows = gs_try_reallocarray(NULL, l->nitems ? l->nitems : 1, sizeof *l->rows);
        if (!l->rows) {
            l->failed = true;
        } else {
            /* A column whose order the view gave: filter in that order
             * (reversed if need be), and there is nothing to sort. */
            int col = l->sort_col;
            const uint32_t *order = col >= 0 && col < GS_LIST_MAX_COLS ? l->orders[col] : NULL;
            bool flip = order && l->orders_desc[col] != l->desc;
            size_t n = 0;
            for (size_t i = 0; i < l->nitems; i++) {
                uint32_t id = order ? order[flip ? l->nitems - 1 - i : i] : item(l, i);
                if (!l->filter[0] || l->src->match(l->ctx, id, l->filter))
                    l->rows[n++] = id;
            }
            l->nrows = n;
            if (col >= 0 && !order && !sort_rows(l))
                l->failed = true;
            /* Sorted once: an unfiltered order is kept for the next time
             * this column is asked for (s goes round the columns). */
            if (col >= 0 && col < GS_LIST_MAX_COLS && !order && !l->failed && !l->filter[0] &&
                (l->own_orders[col] = gs_try_reallocarray(NULL, n ? n : 1, sizeof *l->rows))) {
                memcpy(l->own_orders[col], l->rows, n * sizeof *l->rows);
                gs_list_set_order(l, col, l->own_orders[col], l->desc);
            }
        }
    }
    l->cursor = l->top = 0;
    l->prepared = true;
    if (had)
        gs_list_select_id(l, keep);
}

void gs_list_resize(struct gs_list *l, size_t n)
{
    l->nitems = l->nrows = n;
    if (l->cursor >= n)
        l->cursor = n ? n - 1 : 0;
}

size_t gs_list_count(struct gs_list *l)
{
    gs_list_prepare(l);
    return l->nrows;
}

uint32_t gs_list_id(struct gs_list *l, size_t row)
{
    gs_list_prepare(l);
    return l->rows ? l->rows[row] : item(l, row);
}

bool gs_list_current(struct gs_list *l, uint32_t *id)
{
    if (l->cursor >= gs_list_count(l))
        return false;
    *id = gs_list_id(l, l->cursor);
    return true;
}

void gs_list_sort(struct gs_list *l, int col, bool desc)
{
    if (col == l->sort_col && desc == l->desc && !l->dirty)
        return;
    if (col == l->sort_col && desc != l->desc && !l->dirty && l->rows) {
        gs_list_reverse(l);
        return;
    }
    l->sort_col = col;
    l->desc = desc;
    l->dirty = true;
}

void gs_list_next_sort(struct gs_list *l)
{
    if (l->src->ncols <= 0)
        return;
    int col = (l->sort_col + 1) % l->src->ncols;
    /* Text sorts read best A to Z, numbers largest first. */
    gs_list_sort(l, col, !(l->src->text_cols & (1u << col)));
}

void gs_list_reverse(struct gs_list *l)
{
    gs_list_prepare(l);
    if (!l->rows) {
        /* The items' own order, reversed: materialise it once. */
        l->rows = gs_try_reallocarray(NULL, l->nitems ? l->nitems : 1, sizeof *l->rows);
        if (!l->rows)
            return;
        for (size_t i = 0; i < l->nitems; i++)
            l->rows[i] = item(l, i);
        l->nrows = l->nitems;
    }
    for (size_t i = 0, j = l->nrows; i + 1 < j; i++, j--) {
        uint32_t t = l->rows[i];
        l->rows[i] = l->rows[j - 1];
        l->rows[j - 1] = t;
    }
    l->desc = !l->desc;
    if (l->cursor < l->nrows)
        l->cursor = l->nrows - 1 - l->cursor;
}

void gs_list_filter(struct gs_list *l, const char *pat)
{
    char low[sizeof l->filter];
    gs_lower(pat, low, sizeof low);
    if (strcmp(low, l->filter) == 0)
        return;
    snprintf(l->filter, sizeof l->filter, "%s", low);
    l->dirty = true;
}

/* --- moving --------------------------------------------------------------------- */

bool gs_list_move(struct gs_list *l, enum gs_request req, int height)
{
    size_t n = gs_list_count(l), page = height > 1 ? (size_t)height - 1 : 1;
    if (n == 0)
        return req == GS_REQ_UP || req == GS_REQ_DOWN || req == GS_REQ_PAGE_UP || req == GS_REQ_PAGE_DOWN ||
               req == GS_REQ_FIRST || req == GS_REQ_LAST;
    switch (req) {
    case GS_REQ_UP:
        if (l->cursor > 0)
            l->cursor--;
        return true;
    case GS_REQ_DOWN:
        if (l->cursor + 1 < n)
            l->cursor++;
        return true;
    case GS_REQ_PAGE_UP:
        l->cursor = l->cursor > page ? l->cursor - page : 0;
        l->top = l->top > page ? l->top - page : 0;
        return true;
    case GS_REQ_PAGE_DOWN:
        l->cursor = l->cursor + page < n ? l->cursor + page : n - 1;
        if (l->top + page + (size_t)height <= n)
            l->top += page;
        return true;
    case GS_REQ_FIRST:
        l->cursor = 0;
        return true;
    case GS_REQ_LAST:
        l->cursor = n - 1;
        return true;
    default:
        return false;
    }
}

void gs_list_scroll(struct gs_list *l, int height)
{
    size_t n = gs_list_count(l), h = height > 0 ? (size_t)height : 1;
    if (l->cursor >= n)
        l->cursor = n ? n - 1 : 0;
    if (l->cursor < l->top)
        l->top = l->cursor;
    if (l->cursor >= l->top + h)
        l->top = l->cursor - h + 1;
    /* No empty space below the last row when the list could fill it. */
    if (n > h && l->top > n - h)
        l->top = n - h;
    if (n <= h)
        l->top = 0;
}

bool gs_list_select_id(struct gs_list *l, uint32_t id)
{
    size_t n = gs_list_count(l);
    for (size_t i = 0; i < n; i++)
        if ((l->rows ? l->rows[i] : item(l, i)) == id) {
            l->cursor = i;
            return true;
        }
    return false;
}

bool gs_list_search(struct gs_list *l, const char *pat, int dir, bool include_current)
{
    size_t n = gs_list_count(l);
    char low[256];
    if (!n || !pat[0] || !l->src->match)
        return false;
    gs_lower(pat, low, sizeof low);
    size_t at = l->cursor < n ? l->cursor : 0;
    for (size_t step = include_current ? 0 : 1; step <= n; step++) {
        size_t i = dir > 0 ? (at + step) % n : (at + n - step % n) % n;
        if (l->src->match(l->ctx, gs_list_id(l, i), low)) {
            l->cursor = i;
            return true;
        }
    }
    return false;
}

void gs_lower(const char *pat, char *buf, size_t cap)
{
    size_t i = 0;
    for (; pat[i] && i + 1 < cap; i++)
        buf[i] = (char)tolower((unsigned char)pat[i]);
    buf[i] = '\0';
}

bool gs_contains(const char *hay, const char *needle)
{
    if (!needle[0])
        return true;
    /* The first character in both cases, found with strpbrk-like speed;
     * the rest compared ignoring case. */
    unsigned char first = (unsigned char)needle[0];
    int upper = toupper(first);
    for (; *hay; hay++) {
        unsigned char c = (unsigned char)*hay;
        if (c != first && c != upper)
            continue;
        size_t i = 1;
        while (needle[i] && tolower((unsigned char)hay[i]) == (unsigned char)needle[i])
            i++;
        if (!needle[i])
            return true;
    }
    return false;
}
