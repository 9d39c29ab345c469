/* cycles.c: the reference cycles classed, ranked and grouped (cycles.h).
 *
 * Memory: about 60 bytes a cycle, 16 bytes a type while grouping, and for
 * a loop 28 bytes a member of the cycle.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/cycles.h"
#include "py/kinds.h"
#include "util/alloc.h"
#include "util/sort.h"

static const char *const class_names[GS_CYCLE_CLASS_COUNT] = {"garbage-with-finalizers", "garbage", "reachable"};

const char *gs_cycle_class_name(int cls) { return cls >= 0 && cls < GS_CYCLE_CLASS_COUNT ? class_names[cls] : "?"; }

const uint32_t *gs_cycle_members(const struct gs_scc *scc, uint32_t id, uint64_t *n)
{
    *n = scc->off[id + 1] - scc->off[id];
    return scc->members + scc->off[id];
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
    uint32_t kind = gs_snapshot_kind(s, node);
    return kind == GS_PYK_TYPE ? 2 : kind == GS_PYK_FUNCTION ? 1 : 0;
}

/* Of two members reached from roots, the nearer; at equal depth, the one
 * under the more telling root (root kinds are numbered in that order). */
static bool nearer(const struct gs_snapshot *s, const struct gs_paths *p, uint32_t a, uint32_t b)
{
    if (p->depth[a] != p->depth[b])
        return p->depth[a] < p->depth[b];
    uint32_t ka = p->root[a] < s->nroots ? s->roots[p->root[a]].kind : GS_ROOT_KIND_COUNT;
    uint32_t kb = p->root[b] < s->nroots ? s->roots[p->root[b]].kind : GS_ROOT_KIND_COUNT;
    return ka < kb;
}

static uint32_t choose_head(const struct gs_snapshot *s, const struct gs_paths *paths, const uint32_t *m,
                            uint64_t k, uint8_t cls)
{
    if (cls == GS_CYCLE_REACHABLE && paths) {
        uint32_t best = m[0];
        for (uint64_t i = 1; i < k; i++)
            if (nearer(s, paths, m[i], best))
                best = m[i];
        if (paths->depth[best] != UINT32_MAX)
            return best;
    }
    uint32_t best = m[0];
    int best_score = head_score(s, m[0]);
    for (uint64_t i = 1; i < k; i++) {
        int score = head_score(s, m[i]);
        if (score > best_score) {
            best = m[i];
            best_score = score;
        }
    }
    return best;
}

static void classify(const struct gs_snapshot *s, const struct gs_scc *scc, const uint8_t *garbage, uint32_t id,
                     struct gs_cycle *c)
{
    uint64_t k;
    const uint32_t *m = gs_cycle_members(scc, id, &k);
    bool finalizers = false;
    *c = (struct gs_cycle){.id = id, .count = k, .internal = true};
    for (uint64_t i = 0; i < k; i++) {
        c->bytes += s->size[m[i]];
        c->internal &= !is_heap_type(s, m[i]);
        finalizers |= gs_node_has_del(s, m[i]);
        c->uncollectable |= gs_node_has_legacy_del(s, m[i]);
    }
    /* All members share the class: the first one decides. */
    if (!garbage[m[0]])
        c->cls = GS_CYCLE_REACHABLE;
    else
        c->cls = finalizers ? GS_CYCLE_FINALIZERS : GS_CYCLE_GARBAGE;
    if (c->cls == GS_CYCLE_REACHABLE)
        c->uncollectable = false;
}

/* The one ranking of cycles and of shapes: garbage first; among the
 * alive, the program's own before the interpreter's internal ones; then
 * most bytes, then most members (a cycle) or cycles (a shape); then the
 * earlier (tie: a cycle's id, a shape's best cycle). */
struct rank_key {
    uint8_t cls;
    bool internal;
    uint64_t bytes, count, tie;
};

static int rank_cmp(const struct rank_key *x, const struct rank_key *y)
{
    bool gx = x->cls != GS_CYCLE_REACHABLE, gy = y->cls != GS_CYCLE_REACHABLE;
    if (gx != gy)
        return gx ? -1 : 1;
    if (!gx && x->internal != y->internal)
        return x->internal ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->tie < y->tie ? -1 : x->tie > y->tie;
}

static int by_rank(const void *a, const void *b)
{
    const struct gs_cycle *x = a, *y = b;
    return rank_cmp(&(struct rank_key){x->cls, x->internal, x->bytes, x->count, x->id},
                    &(struct rank_key){y->cls, y->internal, y->bytes, y->count, y->id});
}

/* --- shapes -------------------------------------------------------------------- */

struct type_count {
    uint32_t type;
    uint64_t count;
};

static int by_count_then_type(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* FNV-1a over the class and the (type, count) pairs in one order per
 * multiset. A collision of 64-bit hashes would merge two shapes: with a
 * million cycles the odds are about 1 in 10^7, and it only changes how
 * cycles are grouped for display. */
static uint64_t shape_hash(const struct gs_snapshot *s, const uint32_t *m, uint64_t k, uint8_t cls,
                           uint64_t *per_type, struct type_count *rows)
{
    size_t n = 0;
    for (uint64_t i = 0; i < k; i++) {
        uint32_t t = s->type[m[i]] < s->ntypes ? s->type[m[i]] : 0;
        if (per_type[t]++ == 0)
            rows[n++].type = t;
    }
    for (size_t i = 0; i < n; i++) {
        rows[i].count = per_type[rows[i].type];
        per_type[rows[i].type] = 0;
    }
    gs_qsort(rows, n, sizeof *rows, by_count_then_type);
    uint64_t h = 0xcbf29ce484222325ULL;
    const uint64_t prime = 0x100000001b3ULL;
    h = (h ^ cls) * prime;
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 64; b += 8) {
            h = (h ^ ((rows[i].type >> (b & 31)) & 0xff)) * prime;
            h = (h ^ ((rows[i].count >> b) & 0xff)) * prime;
        }
    return h;
}

static int by_shape_rank(const void *a, const void *b)
{
    const struct gs_cycle_shape *x = a, *y = b;
    return rank_cmp(&(struct rank_key){x->cls, x->internal, x->bytes, x->ncycles, x->first},
                    &(struct rank_key){y->cls, y->internal, y->bytes, y->ncycles, y->first});
}

/* Ranked-cycle indexes by hash, ties in rank order. */
static int by_hash(const void *a, const void *b, void *ctx)
{
    const struct gs_cycle *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (c[x].hash != c[y].hash)
        return c[x].hash < c[y].hash ? -1 : 1;
    return x < y ? -1 : x > y;
}

static gs_status group_shapes(const struct gs_snapshot *s, const struct gs_scc *scc, struct gs_cycles *cy,
                              gs_error *err)
{
    size_t nc = cy->ncycles, nt = s->ntypes ? (size_t)s->ntypes : 1;
    uint32_t *order = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *order);
    uint32_t *rank_of = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *rank_of);
    uint64_t *per_type = calloc(nt, sizeof *per_type);
    struct type_count *rows = gs_try_reallocarray(NULL, nt, sizeof *rows);
    cy->shapes = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *cy->shapes);
    gs_status st = GS_OK;
    if (!order || !rank_of || !per_type || !rows || !cy->shapes) {
        st = gs_fail(err, GS_ERR_NOMEM, "out of memory grouping the reference cycles");
        goto out;
    }
    for (size_t i = 0; i < nc; i++) {
        uint64_t k;
        const uint32_t *m = gs_cycle_members(scc, cy->cycles[i].id, &k);
        cy->cycles[i].hash = shape_hash(s, m, k, cy->cycles[i].cls, per_type, rows);
        order[i] = (uint32_t)i;
    }
    gs_qsort_r(order, nc, sizeof *order, by_hash, cy->cycles);
    size_t n = 0;
    for (size_t j = 0; j < nc; j++) {
        struct gs_cycle *c = &cy->cycles[order[j]];
        if (j == 0 || c->hash != cy->cycles[order[j - 1]].hash)
            cy->shapes[n++] = (struct gs_cycle_shape){.cls = c->cls, .internal = c->internal, .first = order[j]};
        struct gs_cycle_shape *sh = &cy->shapes[n - 1];
        sh->ncycles++;
        sh->objects += c->count;
        sh->bytes += c->bytes;
        c->shape = (uint32_t)(n - 1);
    }
    cy->nshapes = n;
    gs_qsort(cy->shapes, n, sizeof *cy->shapes, by_shape_rank);
    /* The cycles learn their shape's rank through its first cycle. */
    for (size_t r = 0; r < n; r++)
        rank_of[cy->cycles[cy->shapes[r].first].shape] = (uint32_t)r;
    for (size_t i = 0; i < nc; i++)
        cy->cycles[i].shape = rank_of[cy->cycles[i].shape];
out:
    free(order);
    free(rank_of);
    free(per_type);
    free(rows);
    return st;
}

gs_status gs_cycles_compute(const struct gs_snapshot *s, const struct gs_scc *scc, const uint8_t *garbage,
                            const struct gs_paths *paths, struct gs_cycles *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    size_t nc = (size_t)scc->ncycles;
    out->cycles = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *out->cycles);
    if (!out->cycles)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory ranking the reference cycles");
    out->ncycles = nc;
    for (size_t i = 0; i < nc; i++) {
        struct gs_cycle *c = &out->cycles[i];
        classify(s, scc, garbage, (uint32_t)i, c);
        uint64_t k;
        const uint32_t *m = gs_cycle_members(scc, (uint32_t)i, &k);
        c->head = choose_head(s, paths, m, k, c->cls);
        out->class_count[c->cls]++;
        if (k > out->max_members)
            out->max_members = k;
    }
    gs_qsort(out->cycles, nc, sizeof *out->cycles, by_rank);
    gs_status st = group_shapes(s, scc, out, err);
    if (st != GS_OK)
        gs_cycles_free(out);
    return st;
}

void gs_cycles_free(struct gs_cycles *c)
{
    free(c->cycles);
    free(c->shapes);
    memset(c, 0, sizeof *c);
}

/* --- the loop ------------------------------------------------------------------ */

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

size_t gs_cycle_loop(const struct gs_snapshot *s, const struct gs_scc *scc, const struct gs_cycle *c,
                     uint32_t *nodes, uint64_t *edges)
{
    uint64_t k;
    const uint32_t *m = gs_cycle_members(scc, c->id, &k);
    uint32_t *from = gs_try_reallocarray(NULL, k, sizeof *from);
    uint64_t *via = gs_try_reallocarray(NULL, k, sizeof *via);
    uint32_t *queue = gs_try_reallocarray(NULL, k, sizeof *queue);
    size_t len = 0;
    if (!from || !via || !queue)
        goto out;
    uint32_t head = c->head, hpos = (uint32_t)member_pos(m, k, head), last = 0;
    uint64_t qh = 0, qt = 0, back = UINT64_MAX;
    for (uint64_t i = 0; i < k; i++)
        from[i] = GS_NO_NODE;
    from[hpos] = hpos;
    queue[qt++] = hpos;
    while (qh < qt && back == UINT64_MAX) {
        uint32_t p = queue[qh++], v = m[p];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (scc->cycle_of[w] != c->id || (w == v && k > 1) || gs_edge_is_class(s, v, e))
                continue;
            if (w == head) {
                back = e;
                last = p;
                break;
            }
            uint32_t wp = (uint32_t)member_pos(m, k, w);
            if (from[wp] != GS_NO_NODE)
                continue;
            from[wp] = p;
            via[wp] = e;
            queue[qt++] = wp;
        }
    }
    if (back == UINT64_MAX)
        goto out; /* not strongly connected: cannot happen with scc.c's output */
    len = 1;
    for (uint32_t p = last; p != hpos; p = from[p])
        len++;
    edges[len - 1] = back;
    size_t i = len - 1;
    for (uint32_t p = last; p != hpos; p = from[p], i--) {
        nodes[i] = m[p];
        edges[i - 1] = via[p];
    }
    nodes[0] = head;
out:
    free(from);
    free(via);
    free(queue);
    return len;
}
