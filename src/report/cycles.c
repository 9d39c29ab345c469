/* cycles.c: --dump-cycles, the reference cycles of the snapshot, cyclic
 * garbage first.
 *
 * The analysis (class, head, rank, shapes, the loop) is graph/cycles.h's,
 * computed once through graph/analyses.h: the browser's Cycles view shows
 * the same. What is here is presentation: each cycle's members counted per
 * type __name__ for display, the head's path, and the two formats.
 *
 * Text shows one example per shape, best-ranked first, with the count and
 * bytes of the rest; --top bounds the shapes shown. JSON lists every cycle
 * with its shape's number, and the shapes.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "py/kinds.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"
#include "util/text.h"

#define WIDTH 80          /* text: the terminal width the output fits */
#define LABEL_COL 16      /* text: where a cycle's field values start */
#define SHOW_MEMBERS 4    /* text: members shown per cycle */
#define SHOW_TYPES 6      /* text: types shown per cycle */
#define SHOW_LOOP_STEPS 8 /* text: steps of a long loop shown */
#define SHOW_GC_GARBAGE 10
#define DESC_MAX 48       /* text: an object's description, at most */
#define DEBUG_SAVEALL 32  /* gc.DEBUG_SAVEALL, the same value on 3.8-3.13 */

/* One row of a cycle's per-type counts, for display: types of the same
 * __name__ shown as one. */
struct type_count {
    const char *name;
    uint64_t count;
    bool finalizer;
};

struct cycles {
    const struct gs_snapshot *s;
    const struct gs_scc *scc;
    const struct gs_paths *paths; /* NULL when no cycle is alive */
    const struct gs_cycles *c;
    const struct gs_cycle *info;  /* ranked */
    const struct gs_cycle_shape *shapes;
    size_t nshapes;
    const uint64_t *class_count;
    const struct gs_totals *garbage;
    /* the loop shown, sized by the largest cycle: nodes, head first, and the edge leaving each */
    uint32_t *loop;
    uint64_t *loop_edge;
    size_t loop_len;
    /* per-type counts */
    uint64_t *per_type;   /* ntypes */
    uint32_t *rep;        /* ntypes: a member of that type */
    uint32_t *touched;    /* types seen in the current cycle */
    struct type_count *rows;
    size_t nrows;
};

static gs_status nomem(gs_error *err, const char *what)
{
    return gs_fail(err, GS_ERR_NOMEM, "out of memory %s", what);
}

static void find_loop(struct cycles *cy, const struct gs_cycle *ci)
{
    cy->loop_len = gs_cycle_loop(cy->s, cy->scc, ci, cy->loop, cy->loop_edge);
}

static int by_name(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static int by_count_desc(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The cycle's members counted per type __name__, into cy->rows. */
static void count_types(struct cycles *cy, const struct gs_cycle *ci)
{
    const struct gs_snapshot *s = cy->s;
    uint64_t k;
    const uint32_t *m = gs_cycle_members(cy->scc, ci->id, &k);
    size_t ntouched = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint32_t t = s->type[m[i]] < s->ntypes ? s->type[m[i]] : 0;
        if (cy->per_type[t]++ == 0) {
            cy->touched[ntouched++] = t;
            cy->rep[t] = m[i];
        }
    }
    for (size_t i = 0; i < ntouched; i++) {
        uint32_t t = cy->touched[i];
        cy->rows[i] = (struct type_count){gs_snapshot_string(s, s->types[t].name), cy->per_type[t],
                                          gs_node_has_del(s, cy->rep[t])};
        cy->per_type[t] = 0;
    }
    gs_qsort(cy->rows, ntouched, sizeof *cy->rows, by_name);
    size_t n = 0;
    for (size_t i = 0; i < ntouched; i++) {
        if (n && strcmp(cy->rows[n - 1].name, cy->rows[i].name) == 0) {
            cy->rows[n - 1].count += cy->rows[i].count;
            cy->rows[n - 1].finalizer |= cy->rows[i].finalizer;
        } else {
            cy->rows[n++] = cy->rows[i];
        }
    }
    gs_qsort(cy->rows, n, sizeof *cy->rows, by_count_desc);
    cy->nrows = n;
}

static gs_status cycles_build(struct cycles *cy, const struct gs_snapshot *s, struct gs_analyses *an, gs_error *err)
{
    memset(cy, 0, sizeof *cy);
    cy->s = s;
    if (!(cy->c = gs_analyses_cycles(an, err)) || !(cy->garbage = gs_analyses_garbage_totals(an, err)))
        return err->code;
    cy->scc = gs_analyses_scc(an, err);
    for (size_t i = 0; i < cy->c->ncycles && !cy->paths; i++)
        if (cy->c->cycles[i].cls == GS_CYCLE_REACHABLE && !(cy->paths = gs_analyses_paths(an, err)))
            return err->code;
    cy->info = cy->c->cycles;
    cy->shapes = cy->c->shapes;
    cy->nshapes = cy->c->nshapes;
    cy->class_count = cy->c->class_count;
    size_t k = (size_t)(cy->c->max_members ? cy->c->max_members : 1), nt = (size_t)(s->ntypes ? s->ntypes : 1);
    cy->loop = gs_try_reallocarray(NULL, k, sizeof *cy->loop);
    cy->loop_edge = gs_try_reallocarray(NULL, k, sizeof *cy->loop_edge);
    cy->per_type = calloc(nt, sizeof *cy->per_type);
    cy->rep = gs_try_reallocarray(NULL, nt, sizeof *cy->rep);
    cy->touched = gs_try_reallocarray(NULL, nt, sizeof *cy->touched);
    cy->rows = gs_try_reallocarray(NULL, nt, sizeof *cy->rows);
    if (!cy->loop || !cy->loop_edge || !cy->per_type || !cy->rep || !cy->touched || !cy->rows)
        return nomem(err, "preparing the loops of the reference cycles");
    return GS_OK;
}

static void cycles_free(struct cycles *cy)
{
    free(cy->loop);
    free(cy->loop_edge);
    free(cy->per_type);
    free(cy->rep);
    free(cy->touched);
    free(cy->rows);
}

/* The path from a root to the head of a reachable cycle; the caller
 * frees it. NULL (n 0) when no root reaches it or memory is short. */
static uint32_t *head_path(const struct cycles *cy, uint32_t head, size_t *n)
{
    *n = 0;
    if (!cy->paths || cy->paths->depth[head] == UINT32_MAX)
        return NULL;
    size_t cap = (size_t)cy->paths->depth[head] + 1;
    uint32_t *path = gs_try_reallocarray(NULL, cap, sizeof *path);
    if (!path)
        return NULL;
    size_t len = gs_path_to(cy->paths, head, path, cap);
    *n = len < cap ? len : cap;
    return path;
}

/* --- text ---------------------------------------------------------------- */

/* Words written with wrapping at WIDTH, continuation lines indented. */
struct wrap {
    FILE *out;
    int col, indent;
};

static void wrap_word(struct wrap *w, const char *raw, bool space)
{
    char word[600]; /* type names and labels come from the target */
    gs_text(word, sizeof word, raw);
    int len = (int)strlen(word);
    if (w->col > w->indent && w->col + (space ? 1 : 0) + len > WIDTH) {
        fprintf(w->out, "\n%*s", w->indent, "");
        w->col = w->indent;
        space = false;
    }
    if (space && w->col > w->indent) {
        fputc(' ', w->out);
        w->col++;
    }
    fputs(word, w->out);
    w->col += len;
}

/* "    label       " then values from LABEL_COL. */
static void wrap_start(struct wrap *w, FILE *out, const char *label)
{
    w->out = out;
    w->indent = LABEL_COL;
    fprintf(out, "    %-*s", LABEL_COL - 4, label);
    w->col = LABEL_COL;
}

static void wrap_end(struct wrap *w) { fputc('\n', w->out); }

/* Prose: word by word, so that it wraps between words. */
static void wrap_text(struct wrap *w, const char *text)
{
    char word[128];
    while (*text) {
        while (*text == ' ')
            text++;
        size_t n = strcspn(text, " ");
        if (!n)
            break;
        if (n >= sizeof word)
            n = sizeof word - 1;
        memcpy(word, text, n);
        word[n] = '\0';
        wrap_word(w, word, true);
        text += strcspn(text, " ");
    }
}

/* A node in at most DESC_MAX bytes, cut on a character boundary. */
static void short_describe(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap)
{
    gs_snapshot_describe(s, node, buf, cap);
    size_t len = strlen(buf);
    if (len <= DESC_MAX || cap < DESC_MAX + 4)
        return;
    size_t cut = DESC_MAX - 3;
    while (cut > 0 && ((unsigned char)buf[cut] & 0xc0) == 0x80)
        cut--;
    memcpy(buf + cut, "...", 4);
}

static void text_types(FILE *out, const struct cycles *cy)
{
    struct wrap w;
    char word[300];
    wrap_start(&w, out, "types");
    for (size_t i = 0; i < cy->nrows && i < SHOW_TYPES; i++) {
        snprintf(word, sizeof word, "%" PRIu64 " %s%s", cy->rows[i].count, cy->rows[i].name,
                 i + 1 < cy->nrows ? "," : "");
        wrap_word(&w, word, true);
    }
    if (cy->nrows > SHOW_TYPES) {
        snprintf(word, sizeof word, "... %zu more type%s", cy->nrows - SHOW_TYPES,
                 cy->nrows - SHOW_TYPES == 1 ? "" : "s");
        wrap_word(&w, word, true);
    }
    wrap_end(&w);
}

static void text_members(FILE *out, const struct cycles *cy, const struct gs_cycle *ci)
{
    struct wrap w;
    char desc[256], word[300];
    uint64_t k;
    const uint32_t *m = gs_cycle_members(cy->scc, ci->id, &k);
    wrap_start(&w, out, "members");
    /* The head first (where the loop and the path meet the cycle), then
     * the others in order. */
    for (uint64_t i = 0, shown = 0; i <= k && shown < SHOW_MEMBERS; i++) {
        uint32_t node = i == 0 ? ci->head : m[i - 1];
        if (i > 0 && node == ci->head)
            continue;
        shown++;
        short_describe(cy->s, node, desc, sizeof desc);
        snprintf(word, sizeof word, "%s%s", desc, shown < k ? "," : "");
        wrap_word(&w, word, true);
    }
    if (k > SHOW_MEMBERS) {
        snprintf(word, sizeof word, "... %" PRIu64 " more", k - SHOW_MEMBERS);
        wrap_word(&w, word, true);
    }
    wrap_end(&w);
}

/* "Node@0x.. .next -> Node@0x.. .next -> back"; a long loop shows its
 * first steps and how many it skipped. */
static void text_loop(FILE *out, const struct cycles *cy)
{
    const struct gs_snapshot *s = cy->s;
    struct wrap w;
    char desc[256], label[300], word[320];
    wrap_start(&w, out, "loop");
    if (!cy->loop_len) {
        wrap_word(&w, "(none found)", true);
        wrap_end(&w);
        return;
    }
    for (size_t i = 0; i < cy->loop_len; i++) {
        if (i == SHOW_LOOP_STEPS && cy->loop_len > SHOW_LOOP_STEPS + 1) {
            snprintf(word, sizeof word, "... %zu more steps ->", cy->loop_len - SHOW_LOOP_STEPS);
            wrap_word(&w, word, true);
            break;
        }
        short_describe(s, cy->loop[i], desc, sizeof desc);
        wrap_word(&w, desc, true);
        gs_snapshot_label(s, s->out_label[cy->loop_edge[i]], label, sizeof label);
        snprintf(word, sizeof word, "%s%s->", label, label[0] ? " " : "");
        wrap_word(&w, word, true);
    }
    wrap_word(&w, "back", true);
    wrap_end(&w);
}

static void text_finalizers(FILE *out, const struct cycles *cy, const struct gs_cycle *ci)
{
    struct wrap w;
    char word[300];
    size_t n = 0;
    for (size_t i = 0; i < cy->nrows; i++)
        n += cy->rows[i].finalizer;
    if (!n)
        return;
    wrap_start(&w, out, "finalizers");
    for (size_t i = 0, shown = 0; i < cy->nrows; i++) {
        if (!cy->rows[i].finalizer)
            continue;
        shown++;
        snprintf(word, sizeof word, "%s%s", cy->rows[i].name, shown < n ? "," : "");
        wrap_word(&w, word, true);
    }
    if (ci->uncollectable)
        wrap_text(&w, "(legacy tp_del: the collector puts this cycle in gc.garbage, never frees it)");
    else
        wrap_text(&w, "(run by the next collection, which may resurrect objects)");
    wrap_end(&w);
}

/* The path block of paths.c, its first line (the path as one expression)
 * after the "path" label, the steps below it as paths.c lays them out. */
static void text_path(FILE *out, const struct cycles *cy, const struct gs_cycle *ci)
{
    size_t n, len = 0;
    char *block = NULL;
    uint32_t *path = head_path(cy, ci->head, &n);
    fprintf(out, "    %-*s", LABEL_COL - 4, "path");
    if (!path) {
        fprintf(out, "no root reaches it (held from outside the graph)\n");
        return;
    }
    FILE *mem = open_memstream(&block, &len);
    if (!mem) {
        fputc('\n', out);
        gs_path_write_text(out, cy->s, path, n, cy->paths->root[ci->head]);
        free(path);
        return;
    }
    gs_path_write_text(mem, cy->s, path, n, cy->paths->root[ci->head]);
    fclose(mem);
    free(path);
    const char *p = block ? block : "";
    p += strspn(p, " ");
    fputs(p, out);
    if (!len || block[len - 1] != '\n')
        fputc('\n', out);
    free(block);
}

/* A shape: its best-ranked cycle in full, and how many more are alike. */
static void text_shape(FILE *out, struct cycles *cy, const struct gs_cycle_shape *sh, size_t rank)
{
    char c1[32], b1[32], text[160];
    const struct gs_cycle *ci = &cy->info[sh->first];
    fprintf(out, "#%-3zu %s: %s object%s, %s\n", rank, gs_cycle_class_name(ci->cls), gs_fmt_count(ci->count, c1, sizeof c1),
            ci->count == 1 ? "" : "s", gs_fmt_bytes(ci->bytes, b1, sizeof b1));
    if (sh->ncycles > 1) {
        struct wrap w;
        wrap_start(&w, out, "alike");
        snprintf(text, sizeof text, "%s more cycle%s of the same types, %s in all",
                 gs_fmt_count(sh->ncycles - 1, c1, sizeof c1), sh->ncycles == 2 ? "" : "s",
                 gs_fmt_bytes(sh->bytes, b1, sizeof b1));
        wrap_text(&w, text);
        wrap_end(&w);
    }
    count_types(cy, ci);
    text_types(out, cy);
    text_members(out, cy, ci);
    find_loop(cy, ci);
    text_loop(out, cy);
    if (ci->cls == GS_CYCLE_REACHABLE)
        text_path(out, cy, ci);
    else
        text_finalizers(out, cy, ci);
}

static void text_gc_garbage(FILE *out, const struct gs_snapshot *s)
{
    char desc[256], c1[32];
    if (s->meta.ninterps < 1 || s->meta.interps[0].garbage_node >= s->nobjects) {
        fprintf(out, "gc.garbage: not found\n");
        return;
    }
    uint32_t g = s->meta.interps[0].garbage_node;
    uint64_t n = s->out_off[g + 1] - s->out_off[g];
    fprintf(out, "gc.garbage: %s object%s%s\n", gs_fmt_count(n, c1, sizeof c1), n == 1 ? "" : "s",
            n ? " (saved by DEBUG_SAVEALL, or with a legacy tp_del)" : "");
    for (uint64_t e = s->out_off[g]; e < s->out_off[g + 1]; e++) {
        if (e - s->out_off[g] == SHOW_GC_GARBAGE) {
            fprintf(out, "    ... %" PRIu64 " more\n", s->out_off[g + 1] - e);
            break;
        }
        short_describe(s, s->out_dst[e], desc, sizeof desc);
        fprintf(out, "    %s\n", desc);
    }
}

static void text_summary(FILE *out, const struct cycles *cy)
{
    const struct gs_snapshot *s = cy->s;
    char c1[32], c2[32], c3[32], c4[32], b1[32];
    uint64_t ngarbage = cy->class_count[GS_CYCLE_GARBAGE] + cy->class_count[GS_CYCLE_FINALIZERS];
    if (s->meta.ninterps > 0 && !s->meta.interps[0].gc_enabled)
        fprintf(out, "collector disabled: cyclic garbage stays until gc.collect() or gc.enable()\n");
    if (s->meta.ninterps > 0 && (s->meta.interps[0].gc_debug & DEBUG_SAVEALL))
        fprintf(out, "gc.DEBUG_SAVEALL is set: collections move garbage to gc.garbage, never free it\n");
    fprintf(out, "cyclic garbage: %s object%s, %s: what gc.collect() would free now\n",
            gs_fmt_count(cy->garbage->objects, c1, sizeof c1), cy->garbage->objects == 1 ? "" : "s",
            gs_fmt_bytes(cy->garbage->bytes, b1, sizeof b1));
    fprintf(out, "reference cycles: %s (%s garbage, %s of them with finalizers; %s reachable)\n",
            gs_fmt_count(cy->scc->ncycles, c1, sizeof c1), gs_fmt_count(ngarbage, c2, sizeof c2),
            gs_fmt_count(cy->class_count[GS_CYCLE_FINALIZERS], c3, sizeof c3),
            gs_fmt_count(cy->class_count[GS_CYCLE_REACHABLE], c4, sizeof c4));
    fprintf(out, "  in %s shape%s: cycles of the same class and types are shown once\n",
            gs_fmt_count(cy->nshapes, c1, sizeof c1), cy->nshapes == 1 ? "" : "s");
    text_gc_garbage(out, s);
}

static bool internal_alive(const struct gs_cycle_shape *sh) { return sh->cls == GS_CYCLE_REACHABLE && sh->internal; }

static void cycles_text(FILE *out, struct cycles *cy, const struct gs_report_opts *o)
{
    gs_report_header_text(out, cy->s);
    text_summary(out, cy);
    size_t n = cy->nshapes;
    for (size_t i = 0; i < n; i++) {
        if (o->top && i == o->top) {
            uint64_t rest = 0;
            for (size_t j = i; j < n; j++)
                rest += cy->shapes[j].ncycles;
            fprintf(out, "\n... %zu more shape%s, %" PRIu64 " cycle%s (--top 0 shows all)\n", n - i,
                    n - i == 1 ? "" : "s", rest, rest == 1 ? "" : "s");
            break;
        }
        fputc('\n', out);
        if (internal_alive(&cy->shapes[i]) && (i == 0 || !internal_alive(&cy->shapes[i - 1])))
            fprintf(out, "the interpreter's own (no member is an instance of a class):\n\n");
        text_shape(out, cy, &cy->shapes[i], i + 1);
    }
}

/* --- JSON ------------------------------------------------------------------ */

static void json_node(gs_json *w, const struct gs_snapshot *s, uint32_t node)
{
    gs_json_key(w, "addr");
    gs_json_addr(w, s->addr[node]);
    gs_json_key(w, "type");
    gs_json_string(w, s->type[node] < s->ntypes ? gs_snapshot_string(s, s->types[s->type[node]].name) : "?");
}

static void json_loop(gs_json *w, const struct cycles *cy)
{
    const struct gs_snapshot *s = cy->s;
    char label[300];
    gs_json_key(w, "loop");
    gs_json_begin_array(w);
    for (size_t i = 0; i < cy->loop_len; i++) {
        gs_json_begin_object(w);
        json_node(w, s, cy->loop[i]);
        gs_snapshot_label(s, s->out_label[cy->loop_edge[i]], label, sizeof label);
        gs_json_key(w, "edge");
        gs_json_string(w, label);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

static void json_types(gs_json *w, const struct cycles *cy)
{
    gs_json_key(w, "types");
    gs_json_begin_object(w);
    for (size_t i = 0; i < cy->nrows; i++) {
        gs_json_key(w, cy->rows[i].name);
        gs_json_uint(w, cy->rows[i].count);
    }
    gs_json_end_object(w);
    gs_json_key(w, "finalizers");
    gs_json_begin_array(w);
    for (size_t i = 0; i < cy->nrows; i++)
        if (cy->rows[i].finalizer)
            gs_json_string(w, cy->rows[i].name);
    gs_json_end_array(w);
}

static void json_path(gs_json *w, const struct cycles *cy, const struct gs_cycle *ci)
{
    size_t n;
    uint32_t *path = head_path(cy, ci->head, &n);
    gs_json_key(w, "path");
    if (path)
        gs_path_write_json(w, cy->s, path, n, cy->paths->root[ci->head]);
    else
        gs_json_null(w);
    free(path);
}

static void json_cycle(gs_json *w, struct cycles *cy, const struct gs_cycle *ci)
{
    uint64_t k;
    const uint32_t *m = gs_cycle_members(cy->scc, ci->id, &k);
    gs_json_begin_object(w);
    gs_json_key(w, "class");
    gs_json_string(w, gs_cycle_class_name(ci->cls));
    gs_json_key(w, "shape");
    gs_json_uint(w, ci->shape);
    gs_json_key(w, "count");
    gs_json_uint(w, k);
    gs_json_key(w, "bytes");
    gs_json_uint(w, ci->bytes);
    gs_json_key(w, "uncollectable");
    gs_json_bool(w, ci->uncollectable);
    gs_json_key(w, "internal");
    gs_json_bool(w, ci->internal);
    count_types(cy, ci);
    json_types(w, cy);
    gs_json_key(w, "head");
    gs_json_addr(w, cy->s->addr[ci->head]);
    find_loop(cy, ci);
    json_loop(w, cy);
    if (ci->cls == GS_CYCLE_REACHABLE)
        json_path(w, cy, ci);
    gs_json_key(w, "objects");
    gs_json_begin_array(w);
    for (uint64_t i = 0; i < k; i++)
        gs_json_addr(w, cy->s->addr[m[i]]);
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void json_shapes(gs_json *w, struct cycles *cy)
{
    gs_json_key(w, "shapes");
    gs_json_begin_array(w);
    for (size_t i = 0; i < cy->nshapes; i++) {
        const struct gs_cycle_shape *sh = &cy->shapes[i];
        gs_json_begin_object(w);
        gs_json_key(w, "class");
        gs_json_string(w, gs_cycle_class_name(sh->cls));
        gs_json_key(w, "internal");
        gs_json_bool(w, sh->internal);
        gs_json_key(w, "cycles");
        gs_json_uint(w, sh->ncycles);
        gs_json_key(w, "objects");
        gs_json_uint(w, sh->objects);
        gs_json_key(w, "bytes");
        gs_json_uint(w, sh->bytes);
        count_types(cy, &cy->info[sh->first]);
        json_types(w, cy);
        gs_json_key(w, "example");
        gs_json_uint(w, sh->first);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

static void json_gc_garbage(gs_json *w, const struct gs_snapshot *s)
{
    gs_json_key(w, "gc_garbage");
    if (s->meta.ninterps < 1 || s->meta.interps[0].garbage_node >= s->nobjects) {
        gs_json_null(w);
        return;
    }
    uint32_t g = s->meta.interps[0].garbage_node;
    gs_json_begin_object(w);
    gs_json_key(w, "addr");
    gs_json_addr(w, s->addr[g]);
    gs_json_key(w, "count");
    gs_json_uint(w, s->out_off[g + 1] - s->out_off[g]);
    gs_json_key(w, "objects");
    gs_json_begin_array(w);
    for (uint64_t e = s->out_off[g]; e < s->out_off[g + 1]; e++) {
        gs_json_begin_object(w);
        json_node(w, s, s->out_dst[e]);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void cycles_json(FILE *out, struct cycles *cy)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, cy->s); /* carries "gc": the collector's state */
    json_gc_garbage(&w, cy->s);
    gs_json_key(&w, "garbage_objects");
    gs_json_uint(&w, cy->garbage->objects);
    gs_json_key(&w, "garbage_bytes");
    gs_json_uint(&w, cy->garbage->bytes);
    gs_json_key(&w, "cycle_counts");
    gs_json_begin_object(&w);
    for (int c = 0; c < GS_CYCLE_CLASS_COUNT; c++) {
        gs_json_key(&w, gs_cycle_class_name(c));
        gs_json_uint(&w, cy->class_count[c]);
    }
    gs_json_end_object(&w);
    json_shapes(&w, cy);
    gs_json_key(&w, "cycles");
    gs_json_begin_array(&w);
    for (uint64_t i = 0; i < cy->scc->ncycles; i++)
        json_cycle(&w, cy, &cy->info[i]);
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* The manual's entry for --dump-cycles, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_cycles_man[] =
    "Reference cycles, cyclic garbage first, by CPython's own rule for what the next full collection\n"
    "frees; garbage whose members define finalizers is marked. Each cycle is shown with one loop written\n"
    "with its edge labels, alike cycles are grouped into shapes, and an alive cycle is shown with its\n"
    "path from a root. Also whether the collector is disabled and what\n"
    ".B gc.garbage\n"
    "holds.\n";

gs_status gs_report_cycles_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct cycles cy;
    gs_status st = cycles_build(&cy, s, o->an, err);
    if (st == GS_OK)
        cycles_text(out, &cy, o);
    cycles_free(&cy);
    return st;
}

gs_status gs_report_cycles_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)o;
    struct cycles cy;
    gs_status st = cycles_build(&cy, s, o->an, err);
    if (st == GS_OK)
        cycles_json(out, &cy);
    cycles_free(&cy);
    return st;
}
