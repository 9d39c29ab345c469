/* cycles.c: --dump-cycles, the reference cycles of the snapshot, cyclic
 * garbage first.
 *
 * A cycle is a strongly connected component with more than one member or
 * with a self-reference (scc.c). Its class, from the collector's own rule
 * (garbage.c):
 *   garbage-with-finalizers  the next full collection frees it and runs
 *                            finalizers on the way (__del__, or a C
 *                            tp_finalize of a user-visible type);
 *   garbage                  the next full collection frees it, silently;
 *   reachable                alive: shown with its shortest path from a root.
 * A cycle's members are all garbage or all alive (alive is closed under
 * reference, and every member references every other through the cycle).
 *
 * Each cycle is shown with one concrete loop, written with edge labels: a
 * breadth-first search inside the cycle from its head back to itself, so
 * the loop is a shortest one through the head. The head is the member a
 * reader would start from: for a reachable cycle, the member nearest a
 * root (where the path enters); for garbage, the first instance of a class
 * (heap type) rather than, say, an instance dict on 3.8-3.10, else a class
 * or a function.
 *
 * Ranking: garbage of both kinds first, then bytes, then members, then the
 * cycle's number (scc.c's deterministic order). Among alive cycles, those
 * holding an instance of a class come before the interpreter's own
 * (a builtin type, its __mro__, dict and descriptors).
 *
 * Shapes: cycles of the same class with the same members per type are one
 * shape (a leak repeated per request makes hundreds of identical cycles).
 * Text shows one example per shape, best-ranked first, with the count and
 * bytes of the rest; --top bounds the shapes shown. JSON lists every cycle
 * with its shape's number, and the shapes.
 *
 * Memory, besides the analyses (scc.c, garbage.c, paths): about 80 bytes
 * a cycle and, for the loop search, 28 bytes a member of the largest one.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
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

enum cycle_class { CLASS_FINALIZERS, CLASS_GARBAGE, CLASS_REACHABLE, CLASS_COUNT };

static const char *const class_names[CLASS_COUNT] = {"garbage-with-finalizers", "garbage", "reachable"};

struct cycle_info {
    uint32_t id;        /* the cycle's number in the gs_scc */
    uint8_t cls;        /* enum cycle_class */
    bool uncollectable; /* a member has a legacy tp_del: the cycle goes to gc.garbage */
    bool internal;      /* no member is an instance of a class: the interpreter's own */
    uint32_t head;      /* the node its loop starts from */
    uint32_t shape;     /* its shape's rank */
    uint64_t count, bytes;
    uint64_t hash;      /* of its class and members per type */
};

/* Cycles alike: the same class and the same members per type (128
 * Session <-> Connection cycles left by 128 requests are one leak). */
struct shape {
    uint8_t cls;
    bool internal;
    uint32_t first;     /* its best-ranked cycle, an index in the ranked cycles */
    uint64_t ncycles, objects, bytes;
};

/* One row of a cycle's per-type counts; types of the same __name__ merged. */
struct type_count {
    const char *name;
    uint64_t count;
    bool finalizer;
};

struct cycles {
    const struct gs_snapshot *s;
    struct gs_scc scc;
    uint8_t *garbage;
    struct gs_paths paths;
    bool have_paths;
    struct cycle_info *info; /* ranked */
    struct shape *shapes;    /* ranked */
    size_t nshapes;
    uint64_t class_count[CLASS_COUNT];
    uint64_t garbage_objects, garbage_bytes;
    /* the loop search, sized by the largest cycle: per member position */
    uint64_t max_members;
    uint32_t *from;       /* the position it was reached from */
    uint64_t *via;        /* by this edge */
    uint32_t *queue;
    uint32_t *loop;       /* the loop found: nodes, head first ... */
    uint64_t *loop_edge;  /* ... and the edge leaving each */
    size_t loop_len;
    /* per-type counts */
    uint64_t *per_type;   /* ntypes */
    uint32_t *rep;        /* ntypes: a member of that type */
    uint32_t *touched;    /* types seen in the current cycle */
    struct type_count *rows;
    size_t nrows;
};

/* --- analysis ---------------------------------------------------------- */

static gs_status nomem(gs_error *err, const char *what)
{
    return gs_fail(err, GS_ERR_NOMEM, "out of memory %s", what);
}

static const uint32_t *cycle_members(const struct cycles *cy, uint32_t c, uint64_t *k)
{
    *k = cy->scc.off[c + 1] - cy->scc.off[c];
    return cy->scc.members + cy->scc.off[c];
}

static bool is_heap_type(const struct gs_snapshot *s, uint32_t node)
{
    return s->type[node] < s->ntypes && (s->types[s->type[node]].facts & GS_TYPE_HEAPTYPE);
}

/* Where a reader starts a garbage cycle: an instance of a class, else a
 * class or function (a dead class definition), else anything. */
static int head_score(const struct gs_snapshot *s, uint32_t node)
{
    if (is_heap_type(s, node))
        return 3;
    uint32_t kind = s->type[node] < s->ntypes ? s->types[s->type[node]].kind : PYK_OBJECT;
    return kind == PYK_TYPE ? 2 : kind == PYK_FUNCTION ? 1 : 0;
}

/* Of two members reached from roots, the one to show a path to: the
 * nearer; at equal depth, the one under the more telling root (a module
 * before a frame, anything before "held from outside"). */
static bool nearer(const struct cycles *cy, uint32_t a, uint32_t b)
{
    const struct gs_paths *p = &cy->paths;
    if (p->depth[a] != p->depth[b])
        return p->depth[a] < p->depth[b];
    uint32_t ka = p->root[a] < cy->s->nroots ? cy->s->roots[p->root[a]].kind : GS_ROOT_KIND_COUNT;
    uint32_t kb = p->root[b] < cy->s->nroots ? cy->s->roots[p->root[b]].kind : GS_ROOT_KIND_COUNT;
    return ka < kb;
}

static uint32_t choose_head(const struct cycles *cy, uint32_t c, uint8_t cls)
{
    uint64_t k;
    const uint32_t *m = cycle_members(cy, c, &k);
    if (cls == CLASS_REACHABLE && cy->have_paths) {
        uint32_t best = m[0];
        for (uint64_t i = 1; i < k; i++)
            if (nearer(cy, m[i], best))
                best = m[i];
        if (cy->paths.depth[best] != UINT32_MAX)
            return best;
    }
    uint32_t best = m[0];
    int best_score = head_score(cy->s, m[0]);
    for (uint64_t i = 1; i < k; i++) {
        int score = head_score(cy->s, m[i]);
        if (score > best_score) {
            best = m[i];
            best_score = score;
        }
    }
    return best;
}

static void classify(struct cycles *cy, struct cycle_info *ci, uint32_t c)
{
    const struct gs_snapshot *s = cy->s;
    uint64_t k;
    const uint32_t *m = cycle_members(cy, c, &k);
    bool finalizers = false;
    ci->id = c;
    ci->count = k;
    ci->bytes = 0;
    ci->uncollectable = false;
    ci->internal = true;
    for (uint64_t i = 0; i < k; i++) {
        ci->bytes += s->size[m[i]];
        ci->internal &= !is_heap_type(s, m[i]);
        finalizers |= gs_node_has_del(s, m[i]);
        ci->uncollectable |= gs_node_has_legacy_del(s, m[i]);
    }
    /* All members share the class: the first one decides. */
    if (!cy->garbage[m[0]])
        ci->cls = CLASS_REACHABLE;
    else
        ci->cls = finalizers ? CLASS_FINALIZERS : CLASS_GARBAGE;
    if (ci->cls == CLASS_REACHABLE)
        ci->uncollectable = false;
    cy->class_count[ci->cls]++;
    if (k > cy->max_members)
        cy->max_members = k;
}

/* Garbage first; among alive cycles, those holding the program's objects
 * (instances of classes) before the interpreter's own (a builtin type and
 * its __mro__, dict and descriptors: hundreds of them in any process, and
 * nothing anyone can fix); then bytes. */
static int by_rank(const void *a, const void *b)
{
    const struct cycle_info *x = a, *y = b;
    bool gx = x->cls != CLASS_REACHABLE, gy = y->cls != CLASS_REACHABLE;
    if (gx != gy)
        return gx ? -1 : 1;
    if (!gx && x->internal != y->internal)
        return x->internal ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* A member's position in its cycle (members are in ascending order). */
static uint64_t member_pos(const uint32_t *m, uint64_t k, uint32_t node)
{
    uint64_t lo = 0, hi = k;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (m[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The loop, into cy->loop / cy->loop_edge: breadth first from the head,
 * along edges that stay in the cycle, until an edge leads back to the
 * head. In a cycle of several members, self-references are skipped: a
 * loop through the others says more. */
static void find_loop(struct cycles *cy, const struct cycle_info *ci)
{
    const struct gs_snapshot *s = cy->s;
    uint64_t k;
    const uint32_t *m = cycle_members(cy, ci->id, &k);
    uint32_t head = ci->head;
    uint64_t qh = 0, qt = 0, back = UINT64_MAX;
    uint32_t last = 0;
    cy->loop_len = 0;
    for (uint64_t i = 0; i < k; i++)
        cy->from[i] = GS_NO_NODE;
    uint32_t hpos = (uint32_t)member_pos(m, k, head);
    cy->from[hpos] = hpos;
    cy->queue[qt++] = hpos;
    while (qh < qt && back == UINT64_MAX) {
        uint32_t p = cy->queue[qh++], v = m[p];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (cy->scc.cycle_of[w] != ci->id || (w == v && k > 1) || gs_edge_is_class(s, v, e))
                continue;
            if (w == head) {
                back = e;
                last = p;
                break;
            }
            uint32_t wp = (uint32_t)member_pos(m, k, w);
            if (cy->from[wp] != GS_NO_NODE)
                continue;
            cy->from[wp] = p;
            cy->via[wp] = e;
            cy->queue[qt++] = wp;
        }
    }
    if (back == UINT64_MAX)
        return; /* not strongly connected: cannot happen with scc.c's output */
    size_t len = 1;
    for (uint32_t p = last; p != hpos; p = cy->from[p])
        len++;
    cy->loop_len = len;
    cy->loop_edge[len - 1] = back;
    size_t i = len - 1;
    for (uint32_t p = last; p != hpos; p = cy->from[p], i--) {
        cy->loop[i] = m[p];
        cy->loop_edge[i - 1] = cy->via[p];
    }
    cy->loop[0] = head;
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
static void count_types(struct cycles *cy, const struct cycle_info *ci)
{
    const struct gs_snapshot *s = cy->s;
    uint64_t k;
    const uint32_t *m = cycle_members(cy, ci->id, &k);
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

/* FNV-1a over the class and the (name, count) rows, as count_types
 * orders them (count, then name: one order per multiset). A
 * collision of 64-bit hashes would merge two shapes: with a million cycles
 * the odds are about 1 in 10^7, and it only changes how text groups them. */
static uint64_t shape_hash(const struct cycles *cy, uint8_t cls)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint64_t prime = 0x100000001b3ULL;
    h = (h ^ cls) * prime;
    for (size_t i = 0; i < cy->nrows; i++) {
        for (const char *p = cy->rows[i].name;; p++) {
            h = (h ^ (unsigned char)*p) * prime;
            if (!*p)
                break;
        }
        for (int b = 0; b < 64; b += 8)
            h = (h ^ ((cy->rows[i].count >> b) & 0xff)) * prime;
    }
    return h;
}

static int by_shape_rank(const void *a, const void *b)
{
    const struct shape *x = a, *y = b;
    bool gx = x->cls != CLASS_REACHABLE, gy = y->cls != CLASS_REACHABLE;
    if (gx != gy)
        return gx ? -1 : 1;
    if (!gx && x->internal != y->internal)
        return x->internal ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->ncycles != y->ncycles)
        return x->ncycles > y->ncycles ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Ranked-cycle indexes by hash, ties in rank order (qsort_r: ctx is the
 * ranked cycles). */
static int by_hash(const void *a, const void *b, void *ctx)
{
    const struct cycle_info *info = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (info[x].hash != info[y].hash)
        return info[x].hash < info[y].hash ? -1 : 1;
    return x < y ? -1 : x > y;
}

static gs_status group_shapes(struct cycles *cy, gs_error *err)
{
    size_t nc = (size_t)cy->scc.ncycles;
    uint32_t *order = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *order);
    cy->shapes = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *cy->shapes);
    uint32_t *rank_of = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *rank_of);
    if (!order || !cy->shapes || !rank_of) {
        free(order);
        free(rank_of);
        return nomem(err, "grouping the reference cycles");
    }
    for (size_t i = 0; i < nc; i++) {
        count_types(cy, &cy->info[i]);
        cy->info[i].hash = shape_hash(cy, cy->info[i].cls);
        order[i] = (uint32_t)i;
    }
    gs_qsort_r(order, nc, sizeof *order, by_hash, cy->info);
    size_t n = 0;
    for (size_t j = 0; j < nc; j++) {
        struct cycle_info *ci = &cy->info[order[j]];
        if (j == 0 || ci->hash != cy->info[order[j - 1]].hash)
            cy->shapes[n++] = (struct shape){.cls = ci->cls, .internal = ci->internal, .first = order[j]};
        struct shape *sh = &cy->shapes[n - 1];
        sh->ncycles++;
        sh->objects += ci->count;
        sh->bytes += ci->bytes;
        ci->shape = (uint32_t)(n - 1);
    }
    free(order);
    cy->nshapes = n;
    gs_qsort(cy->shapes, n, sizeof *cy->shapes, by_shape_rank);
    /* The cycles learn their shape's rank through its first cycle. */
    for (size_t r = 0; r < n; r++)
        rank_of[cy->info[cy->shapes[r].first].shape] = (uint32_t)r;
    for (size_t i = 0; i < nc; i++)
        cy->info[i].shape = rank_of[cy->info[i].shape];
    free(rank_of);
    return GS_OK;
}

static gs_status cycles_build(struct cycles *cy, const struct gs_snapshot *s, gs_error *err)
{
    gs_status st;
    memset(cy, 0, sizeof *cy);
    cy->s = s;
    if ((st = gs_scc_compute(s, &cy->scc, err)) != GS_OK)
        return st;
    if ((st = gs_garbage_compute(s, &cy->garbage, err)) != GS_OK)
        return st;
    for (uint64_t v = 0; v < s->nobjects; v++)
        if (cy->garbage[v]) {
            cy->garbage_objects++;
            cy->garbage_bytes += s->size[v];
        }
    /* Shortest paths only for alive cycles: when every cycle is garbage
     * (or there is none), skip the search over the whole heap. */
    bool any_alive = false;
    for (uint64_t c = 0; c < cy->scc.ncycles && !any_alive; c++)
        any_alive = !cy->garbage[cy->scc.members[cy->scc.off[c]]];
    if (any_alive) {
        if ((st = gs_paths_compute(s, &cy->paths, err)) != GS_OK)
            return st;
        cy->have_paths = true;
    }
    size_t nc = (size_t)cy->scc.ncycles;
    cy->info = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *cy->info);
    if (!cy->info)
        return nomem(err, "ranking the reference cycles");
    for (size_t c = 0; c < nc; c++) {
        classify(cy, &cy->info[c], (uint32_t)c);
        cy->info[c].head = choose_head(cy, (uint32_t)c, cy->info[c].cls);
    }
    gs_qsort(cy->info, nc, sizeof *cy->info, by_rank);

    size_t k = (size_t)(cy->max_members ? cy->max_members : 1), nt = (size_t)(s->ntypes ? s->ntypes : 1);
    cy->from = gs_try_reallocarray(NULL, k, sizeof *cy->from);
    cy->via = gs_try_reallocarray(NULL, k, sizeof *cy->via);
    cy->queue = gs_try_reallocarray(NULL, k, sizeof *cy->queue);
    cy->loop = gs_try_reallocarray(NULL, k, sizeof *cy->loop);
    cy->loop_edge = gs_try_reallocarray(NULL, k, sizeof *cy->loop_edge);
    cy->per_type = calloc(nt, sizeof *cy->per_type);
    cy->rep = gs_try_reallocarray(NULL, nt, sizeof *cy->rep);
    cy->touched = gs_try_reallocarray(NULL, nt, sizeof *cy->touched);
    cy->rows = gs_try_reallocarray(NULL, nt, sizeof *cy->rows);
    if (!cy->from || !cy->via || !cy->queue || !cy->loop || !cy->loop_edge || !cy->per_type || !cy->rep ||
        !cy->touched || !cy->rows)
        return nomem(err, "preparing the loops of the reference cycles");
    return group_shapes(cy, err);
}

static void cycles_free(struct cycles *cy)
{
    gs_scc_free(&cy->scc);
    free(cy->garbage);
    if (cy->have_paths)
        gs_paths_free(&cy->paths);
    free(cy->info);
    free(cy->shapes);
    free(cy->from);
    free(cy->via);
    free(cy->queue);
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
    if (!cy->have_paths || cy->paths.depth[head] == UINT32_MAX)
        return NULL;
    size_t cap = (size_t)cy->paths.depth[head] + 1;
    uint32_t *path = gs_try_reallocarray(NULL, cap, sizeof *path);
    if (!path)
        return NULL;
    size_t len = gs_path_to(&cy->paths, head, path, cap);
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

static void text_members(FILE *out, const struct cycles *cy, const struct cycle_info *ci)
{
    struct wrap w;
    char desc[256], word[300];
    uint64_t k;
    const uint32_t *m = cycle_members(cy, ci->id, &k);
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

static void text_finalizers(FILE *out, const struct cycles *cy, const struct cycle_info *ci)
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
static void text_path(FILE *out, const struct cycles *cy, const struct cycle_info *ci)
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
        gs_path_write_text(out, cy->s, path, n, cy->paths.root[ci->head]);
        free(path);
        return;
    }
    gs_path_write_text(mem, cy->s, path, n, cy->paths.root[ci->head]);
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
static void text_shape(FILE *out, struct cycles *cy, const struct shape *sh, size_t rank)
{
    char c1[32], b1[32], text[160];
    const struct cycle_info *ci = &cy->info[sh->first];
    fprintf(out, "#%-3zu %s: %s object%s, %s\n", rank, class_names[ci->cls], gs_fmt_count(ci->count, c1, sizeof c1),
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
    if (ci->cls == CLASS_REACHABLE)
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
    uint64_t ngarbage = cy->class_count[CLASS_GARBAGE] + cy->class_count[CLASS_FINALIZERS];
    if (s->meta.ninterps > 0 && !s->meta.interps[0].gc_enabled)
        fprintf(out, "collector disabled: cyclic garbage stays until gc.collect() or gc.enable()\n");
    if (s->meta.ninterps > 0 && (s->meta.interps[0].gc_debug & DEBUG_SAVEALL))
        fprintf(out, "gc.DEBUG_SAVEALL is set: collections move garbage to gc.garbage, never free it\n");
    fprintf(out, "cyclic garbage: %s object%s, %s: what gc.collect() would free now\n",
            gs_fmt_count(cy->garbage_objects, c1, sizeof c1), cy->garbage_objects == 1 ? "" : "s",
            gs_fmt_bytes(cy->garbage_bytes, b1, sizeof b1));
    fprintf(out, "reference cycles: %s (%s garbage, %s of them with finalizers; %s reachable)\n",
            gs_fmt_count(cy->scc.ncycles, c1, sizeof c1), gs_fmt_count(ngarbage, c2, sizeof c2),
            gs_fmt_count(cy->class_count[CLASS_FINALIZERS], c3, sizeof c3),
            gs_fmt_count(cy->class_count[CLASS_REACHABLE], c4, sizeof c4));
    fprintf(out, "  in %s shape%s: cycles of the same class and types are shown once\n",
            gs_fmt_count(cy->nshapes, c1, sizeof c1), cy->nshapes == 1 ? "" : "s");
    text_gc_garbage(out, s);
}

static bool internal_alive(const struct shape *sh) { return sh->cls == CLASS_REACHABLE && sh->internal; }

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

static void json_path(gs_json *w, const struct cycles *cy, const struct cycle_info *ci)
{
    size_t n;
    uint32_t *path = head_path(cy, ci->head, &n);
    gs_json_key(w, "path");
    if (path)
        gs_path_write_json(w, cy->s, path, n, cy->paths.root[ci->head]);
    else
        gs_json_null(w);
    free(path);
}

static void json_cycle(gs_json *w, struct cycles *cy, const struct cycle_info *ci)
{
    uint64_t k;
    const uint32_t *m = cycle_members(cy, ci->id, &k);
    gs_json_begin_object(w);
    gs_json_key(w, "class");
    gs_json_string(w, class_names[ci->cls]);
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
    if (ci->cls == CLASS_REACHABLE)
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
        const struct shape *sh = &cy->shapes[i];
        gs_json_begin_object(w);
        gs_json_key(w, "class");
        gs_json_string(w, class_names[sh->cls]);
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
    gs_json_uint(&w, cy->garbage_objects);
    gs_json_key(&w, "garbage_bytes");
    gs_json_uint(&w, cy->garbage_bytes);
    gs_json_key(&w, "cycle_counts");
    gs_json_begin_object(&w);
    for (int c = 0; c < CLASS_COUNT; c++) {
        gs_json_key(&w, class_names[c]);
        gs_json_uint(&w, cy->class_count[c]);
    }
    gs_json_end_object(&w);
    json_shapes(&w, cy);
    gs_json_key(&w, "cycles");
    gs_json_begin_array(&w);
    for (uint64_t i = 0; i < cy->scc.ncycles; i++)
        json_cycle(&w, cy, &cy->info[i]);
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

gs_status gs_report_cycles_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct cycles cy;
    gs_status st = cycles_build(&cy, s, err);
    if (st == GS_OK)
        cycles_text(out, &cy, o);
    cycles_free(&cy);
    return st;
}

gs_status gs_report_cycles_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)o;
    struct cycles cy;
    gs_status st = cycles_build(&cy, s, err);
    if (st == GS_OK)
        cycles_json(out, &cy);
    cycles_free(&cy);
    return st;
}
