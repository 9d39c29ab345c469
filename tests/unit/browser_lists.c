/* browser_lists SNAPSHOT: the browser's list logic (ui/list.c) and model
 * (ui/model.c) over a real snapshot, without curses or a process.
 *
 * The list holds every object of the snapshot with three columns: size
 * (keys under 32 bits: the radix sort), address (keys over 32 bits: the
 * comparison sort) and type name (a text column), and a filter on the type
 * name. Checked against what the test computes itself: each sort is a
 * permutation in the right order with ties in the items' order; reversing
 * keeps the cursor's row; a filter keeps exactly the matching objects, in
 * order, with the cursor on the same object; search wraps; moving and
 * scrolling keep the cursor on screen over a long random walk of
 * requests; an empty list takes every request. The model: the dominator
 * tree's child lists (each child's idom is its parent, largest retained
 * first, every reachable object once), the instances per type in address
 * and retained order, each cycle's members and loop (a walk along real
 * edges back to its head), and a path's expression as --path writes it.
 * Run by tests/snapshots/run.py over each committed snapshot. */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/snapfile.h"
#include "report/table.h"
#include "ui/list.h"
#include "ui/model.h"
#include "unit.h"

enum { COL_SIZE, COL_ADDR, COL_TYPE, NCOLS };

static const char *type_name(const struct gs_snapshot *s, uint32_t id)
{
    uint32_t t = s->type[id];
    return t < s->ntypes ? gs_snapshot_string(s, s->types[t].name) : "";
}

static uint64_t key(const void *ctx, uint32_t id, int col)
{
    const struct gs_snapshot *s = ctx;
    return col == COL_SIZE ? s->size[id] : s->addr[id];
}

static int cmp(const void *ctx, uint32_t a, uint32_t b, int col)
{
    (void)col;
    return strcmp(type_name(ctx, a), type_name(ctx, b));
}

static bool match(const void *ctx, uint32_t id, const char *pat)
{
    return gs_contains(type_name(ctx, id), pat);
}

static const struct gs_list_src src = {NCOLS, 1u << COL_TYPE, key, cmp, match};

static uint32_t rnd_state = 12345;
static uint32_t rnd(uint32_t bound)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return bound ? (rnd_state >> 8) % bound : 0;
}

/* The rows are the objects matching pat ("" for all), each once, in col's
 * order (desc: largest first), ties in ascending id (ties -1: descending,
 * as when the order is a kept one reversed). */
static void check_rows_ties(struct gs_list *l, const struct gs_snapshot *s, int col, bool desc, const char *pat,
                            int ties, const char *what)
{
    size_t n = gs_list_count(l), want = 0;
    uint8_t *seen = calloc(s->nobjects + 1, 1);
    for (uint32_t id = 0; id < s->nobjects; id++)
        want += !pat[0] || strcasestr(type_name(s, id), pat) != NULL;
    UNIT_CHECK_EQ_U64(n, want);
    size_t bad_order = 0, bad_member = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t id = gs_list_id(l, i);
        if (id >= s->nobjects || seen[id] || (pat[0] && !strcasestr(type_name(s, id), pat))) {
            bad_member++;
            continue;
        }
        seen[id] = 1;
        if (i == 0 || col < 0)
            continue;
        uint32_t prev = gs_list_id(l, i - 1);
        int c = col == COL_TYPE ? cmp(s, prev, id, col) : (key(s, prev, col) > key(s, id, col)) - (key(s, prev, col) < key(s, id, col));
        if (desc)
            c = -c;
        if (c > 0 || (c == 0 && (ties > 0 ? prev > id : prev < id)))
            bad_order++;
    }
    if (bad_member || bad_order)
        fprintf(stderr, "%s: %zu rows out of place, %zu wrong or repeated\n", what, bad_order, bad_member);
    UNIT_CHECK(bad_member == 0);
    UNIT_CHECK(bad_order == 0);
    free(seen);
}

static void check_rows(struct gs_list *l, const struct gs_snapshot *s, int col, bool desc, const char *pat,
                       const char *what)
{
    check_rows_ties(l, s, col, desc, pat, 1, what);
}

static void test_sort_filter(const struct gs_snapshot *s)
{
    struct gs_list l;
    gs_list_init(&l, &src, s, NULL, (size_t)s->nobjects, false);
    UNIT_CHECK_EQ_U64(gs_list_count(&l), s->nobjects);
    UNIT_CHECK_EQ_U64(gs_list_id(&l, 7), 7);
    check_rows(&l, s, -1, false, "", "items' order");

    gs_list_sort(&l, COL_SIZE, true);
    check_rows(&l, s, COL_SIZE, true, "", "by size, largest first");
    gs_list_sort(&l, COL_ADDR, false);
    check_rows(&l, s, COL_ADDR, false, "", "by address (64-bit keys)");
    gs_list_sort(&l, COL_TYPE, false);
    check_rows(&l, s, COL_TYPE, false, "", "by type name");

    /* Reversing: the rows backwards, the cursor on the same object. */
    size_t n = gs_list_count(&l);
    l.cursor = n / 3;
    uint32_t under = gs_list_id(&l, l.cursor), first = gs_list_id(&l, 0);
    gs_list_reverse(&l);
    UNIT_CHECK(l.desc);
    UNIT_CHECK_EQ_U64(gs_list_id(&l, n - 1), first);
    uint32_t id = UINT32_MAX;
    UNIT_CHECK(gs_list_current(&l, &id) && id == under);

    /* Sorting by another column keeps the cursor's object. The size order
     * kept from the first sort (largest first) is read backwards: ties
     * come in descending id. */
    gs_list_sort(&l, COL_SIZE, false);
    check_rows_ties(&l, s, COL_SIZE, false, "", -1, "by size, smallest first");
    UNIT_CHECK(gs_list_current(&l, &id) && id == under);
    /* The same column again is the order kept from the first time. */
    gs_list_sort(&l, COL_ADDR, false);
    gs_list_sort(&l, COL_SIZE, true);
    check_rows(&l, s, COL_SIZE, true, "", "by size again, largest first");

    /* A filter: the matching objects only, in the sort's order, the
     * cursor on the object it was on when that one matches. */
    uint32_t session = UINT32_MAX;
    for (uint32_t i = 0; i < s->nobjects && session == UINT32_MAX; i++)
        if (strcmp(type_name(s, i), "Session") == 0)
            session = i;
    UNIT_CHECK(session != UINT32_MAX);
    UNIT_CHECK(gs_list_select_id(&l, session));
    gs_list_filter(&l, "SeSSion");
    check_rows(&l, s, COL_SIZE, true, "session", "filtered on session");
    UNIT_CHECK(gs_list_current(&l, &id) && id == session);
    UNIT_CHECK(!gs_list_select_id(&l, first == session ? first + 1 : first) || strcasestr(type_name(s, first), "session"));
    gs_list_filter(&l, "");
    check_rows(&l, s, COL_SIZE, true, "", "filter cleared");
    UNIT_CHECK(gs_list_current(&l, &id) && id == session);

    /* Search: the next matching row after the cursor, wrapping; none
     * leaves the cursor where it was. */
    gs_list_filter(&l, "");
    n = gs_list_count(&l);
    for (int round = 0; round < 20; round++) {
        l.cursor = rnd((uint32_t)n);
        size_t from = l.cursor, want = n;
        for (size_t step = 1; step <= n && want == n; step++)
            if (strcasestr(type_name(s, gs_list_id(&l, (from + step) % n)), "dict"))
                want = (from + step) % n;
        UNIT_CHECK(gs_list_search(&l, "DICT", 1, false) == (want != n));
        UNIT_CHECK_EQ_U64(l.cursor, want != n ? want : from);
    }
    l.cursor = 5;
    UNIT_CHECK(!gs_list_search(&l, "no such type anywhere", 1, true));
    UNIT_CHECK_EQ_U64(l.cursor, 5);
    gs_list_free(&l);
}

/* Over a long random walk of requests, and a window of random height:
 * the cursor stays a row of the list and on screen, with no empty space
 * below the last row when the list could fill the window. */
static void test_moves(const struct gs_snapshot *s, const char *filter)
{
    struct gs_list l;
    gs_list_init(&l, &src, s, NULL, (size_t)s->nobjects, false);
    gs_list_sort(&l, COL_SIZE, true);
    gs_list_filter(&l, filter);
    size_t n = gs_list_count(&l);
    static const enum gs_request reqs[] = {GS_REQ_UP, GS_REQ_DOWN, GS_REQ_PAGE_UP, GS_REQ_PAGE_DOWN, GS_REQ_FIRST,
                                           GS_REQ_LAST};
    size_t off_screen = 0, wrong_move = 0;
    int height = 20;
    for (int i = 0; i < 5000; i++) {
        if (i % 37 == 0)
            height = 1 + (int)rnd(60);
        enum gs_request r = reqs[rnd(6)];
        size_t before = l.cursor, page = height > 1 ? (size_t)height - 1 : 1;
        UNIT_CHECK(gs_list_move(&l, r, height) || n == 0);
        size_t want = before;
        if (n) {
            switch (r) {
            case GS_REQ_UP:
                want = before ? before - 1 : 0;
                break;
            case GS_REQ_DOWN:
                want = before + 1 < n ? before + 1 : before;
                break;
            case GS_REQ_PAGE_UP:
                want = before > page ? before - page : 0;
                break;
            case GS_REQ_PAGE_DOWN:
                want = before + page < n ? before + page : n - 1;
                break;
            case GS_REQ_FIRST:
                want = 0;
                break;
            default:
                want = n - 1;
                break;
            }
        }
        wrong_move += l.cursor != want;
        gs_list_scroll(&l, height);
        size_t h = (size_t)height;
        bool ok = n ? l.cursor < n && l.top <= l.cursor && l.cursor < l.top + h && (n <= h ? l.top == 0 : l.top <= n - h)
                    : l.cursor == 0 && l.top == 0;
        off_screen += !ok;
    }
    if (off_screen || wrong_move)
        fprintf(stderr, "moves over %zu rows: %zu off screen, %zu wrong moves\n", n, off_screen, wrong_move);
    UNIT_CHECK(off_screen == 0);
    UNIT_CHECK(wrong_move == 0);
    UNIT_CHECK(gs_list_move(&l, GS_REQ_LAST, 10));
    UNIT_CHECK(!gs_list_move(&l, GS_REQ_NONE, 10));
    uint32_t id;
    UNIT_CHECK(gs_list_current(&l, &id) == (n > 0));
    gs_list_free(&l);
}

static void test_resize(void)
{
    struct gs_list l;
    gs_list_init(&l, &src, NULL, NULL, 100, false);
    l.cursor = 90;
    gs_list_resize(&l, 50);
    UNIT_CHECK_EQ_U64(gs_list_count(&l), 50);
    UNIT_CHECK_EQ_U64(l.cursor, 49);
    gs_list_resize(&l, 200);
    UNIT_CHECK_EQ_U64(l.cursor, 49);
    UNIT_CHECK_EQ_U64(gs_list_id(&l, 150), 150);
    gs_list_free(&l);
}

/* --- the model ---------------------------------------------------------------- */

static void test_domtree(struct gs_model *m, const struct gs_snapshot *s)
{
    UNIT_CHECK(gs_model_need(m, GS_NEED_DOMTREE));
    const struct gs_dominators *d = m->dom;
    uint64_t total = 0, bad_parent = 0, bad_order = 0;
    for (uint32_t p = 0; p <= s->nobjects; p++) {
        uint64_t n;
        const uint32_t *c = gs_model_children(m, p, &n);
        UNIT_CHECK_EQ_U64(gs_model_nchildren(m, p), n);
        total += n;
        for (uint64_t i = 0; i < n; i++) {
            uint32_t want = p == s->nobjects ? GS_VIRTUAL_ROOT : p;
            bad_parent += d->idom[c[i]] != want || !d->reachable[c[i]];
            bad_order += i && d->retained[c[i - 1]] < d->retained[c[i]];
        }
    }
    UNIT_CHECK_EQ_U64(total, m->reachable_objects);
    UNIT_CHECK_EQ_U64(bad_parent, 0);
    UNIT_CHECK_EQ_U64(bad_order, 0);
}

static void test_by_type(struct gs_model *m, const struct gs_snapshot *s)
{
    UNIT_CHECK(gs_model_need(m, GS_NEED_BY_TYPE | GS_NEED_DOM));
    uint64_t *count = calloc(s->ntypes + 1, sizeof *count);
    for (uint32_t i = 0; i < s->nobjects; i++)
        if (s->type[i] < s->ntypes)
            count[s->type[i]]++;
    uint64_t wrong_type = 0, addr_order = 0, retained_order = 0, wrong_count = 0;
    for (uint32_t t = 0; t < s->ntypes; t++) {
        uint64_t a = m->by_type_off[t], b = m->by_type_off[t + 1];
        wrong_count += b - a != count[t];
        for (uint64_t k = a; k < b; k++) {
            wrong_type += s->type[m->by_type[k]] != t || s->type[m->by_type_addr[k]] != t;
            if (k > a) {
                addr_order += s->addr[m->by_type_addr[k - 1]] >= s->addr[m->by_type_addr[k]];
                if (m->by_type_retained)
                    retained_order += m->dom->retained[m->by_type[k - 1]] < m->dom->retained[m->by_type[k]];
            }
        }
    }
    UNIT_CHECK(m->by_type_retained);
    UNIT_CHECK_EQ_U64(wrong_count, 0);
    UNIT_CHECK_EQ_U64(wrong_type, 0);
    UNIT_CHECK_EQ_U64(addr_order, 0);
    UNIT_CHECK_EQ_U64(retained_order, 0);
    free(count);
}

/* Is there an edge e from v to w? */
static bool is_edge(const struct gs_snapshot *s, uint32_t v, uint64_t e, uint32_t w)
{
    return e >= s->out_off[v] && e < s->out_off[v + 1] && s->out_dst[e] == w;
}

static void test_cycles(struct gs_model *m, const struct gs_snapshot *s)
{
    UNIT_CHECK(gs_model_need(m, GS_NEED_CYCLES));
    UNIT_CHECK(m->ncycles > 0);
    uint64_t bad_members = 0, bad_loop = 0;
    for (size_t r = 0; r < m->ncycles; r++) {
        const struct gs_model_cycle *c = &m->cycles[r];
        uint64_t n;
        const uint32_t *mem = gs_model_cycle_members(m, c->id, &n);
        UNIT_CHECK_EQ_U64(n, c->count);
        for (uint64_t i = 0; i < n; i++)
            bad_members += m->scc->cycle_of[mem[i]] != c->id || (i && mem[i - 1] >= mem[i]);
        uint32_t *nodes = NULL;
        uint64_t *edges = NULL;
        size_t len = gs_model_cycle_loop(m, r, &nodes, &edges);
        UNIT_CHECK(len > 0 && len <= n);
        UNIT_CHECK(len > 0 && nodes[0] == c->cycle->head);
        for (size_t i = 0; i < len; i++)
            bad_loop += m->scc->cycle_of[nodes[i]] != c->id || !is_edge(s, nodes[i], edges[i], nodes[(i + 1) % len]);
        free(nodes);
        free(edges);
    }
    UNIT_CHECK_EQ_U64(bad_members, 0);
    UNIT_CHECK_EQ_U64(bad_loop, 0);
}

/* --path's JSON expression for node, from the report itself. */
static char *report_expression(const struct gs_snapshot *s, uint32_t node)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct gs_report_opts o = {.format = GS_FORMAT_JSON, .addr = s->addr[node]};
    gs_error err = {0};
    UNIT_CHECK(gs_report_write(gs_report_by_name("path"), f, s, &o, &err) == GS_OK);
    fclose(f);
    cJSON *j = cJSON_Parse(buf);
    free(buf);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(j, "path");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(path, "expression");
    char *out = cJSON_IsString(e) ? strdup(e->valuestring) : NULL;
    cJSON_Delete(j);
    return out;
}

static void test_paths(struct gs_model *m, const struct gs_snapshot *s)
{
    UNIT_CHECK(gs_model_need(m, GS_NEED_PATHS));
    int compared = 0;
    for (int k = 0; k < 40; k++) {
        uint32_t node = rnd((uint32_t)s->nobjects);
        char expr[1024];
        bool reached = gs_model_path_expr(m, node, expr, sizeof expr);
        char *want = report_expression(s, node);
        UNIT_CHECK(reached == (want != NULL));
        if (reached && want) {
            UNIT_CHECK_STR(expr, want);
            compared++;
        }
        free(want);
    }
    UNIT_CHECK(compared > 0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: browser_lists SNAPSHOT\n");
        return 99;
    }
    struct gs_snapshot *s = NULL;
    gs_error err = {0};
    if (gs_snapfile_load(argv[1], &s, &err) != GS_OK) {
        fprintf(stderr, "browser_lists: %s\n", err.msg);
        return 99;
    }
    test_sort_filter(s);
    test_moves(s, "");
    test_moves(s, "session");
    test_moves(s, "no such type anywhere");
    test_resize();
    struct gs_model m;
    gs_model_init(&m, s, NULL, NULL);
    test_domtree(&m, s);
    test_by_type(&m, s);
    test_cycles(&m, s);
    test_paths(&m, s);
    gs_model_free(&m);
    gs_snapshot_free(s);
    return unit_finish("browser_lists");
}
