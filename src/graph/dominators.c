/* dominators.c: the dominator tree of the object graph and every object's
 * retained size.
 *
 * The graph gets a virtual root whose successors are the targets of all
 * roots (every kind, "external" included): an object is dominated by d
 * when every path from the virtual root to it passes through d, and it
 * retains itself plus everything it dominates, which is what would be
 * freed if it were freed.
 *
 * Lengauer-Tarjan, the "simple" version (path compression, no balancing):
 * O(m log n), the bound holds on any heap, unlike semi-NCA or the iterative
 * Cooper-Harvey-Kennedy whose worst cases are quadratic. Nothing recurses:
 * the depth-first search walks back up through the parent array, and the
 * path compression reverses the pointers of the path it compresses and
 * walks them back down, so neither needs a stack as deep as the heap.
 *
 * Vertices are numbered in depth-first preorder from 1; 0 is the virtual
 * root, and number 0 in `pre` means "not reached". Working memory, per
 * object: pre, vertex, ancestor (the DFS parent at first), semi, label,
 * dom (a bucket's next link until the vertex leaves its bucket) and the
 * bucket heads: 7 x 4 bytes, plus 1 for `reachable`. pre then becomes
 * idom in place, the working arrays are freed, and retained (8 bytes) is
 * accumulated in reverse preorder, where every vertex comes after its
 * immediate dominator, in the block that held semi and label: fresh
 * pages cost a page fault each, and faults are a third of the time of a
 * report at 10M objects.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "util/alloc.h"
#include "util/scratch.h"

#define END UINT32_MAX /* the end of a bucket list and of a reversed path */

/* bits in `reachable` while computing (cleared to 0/1 at the end) */
#define MARK_REACHED 1u
#define MARK_ROOT 2u

struct lt {
    const struct gs_snapshot *s;
    uint32_t n;         /* vertices reached, the virtual root excluded */
    uint32_t linked;    /* vertices >= linked are in the forest with their ancestor */
    uint32_t *pre;      /* per node: its number, 0 when unreached */
    uint32_t *vertex;   /* per number: the node */
    uint32_t *ancestor; /* per number: the DFS parent, then the forest's compressed links */
    uint32_t *semi;     /* per number: the semidominator; during the DFS, the edge cursor's low half */
    uint32_t *label;    /* per number: the vertex of least semi on the compressed path; cursor's high half */
    void *pair;         /* the one block of semi and label, then of retained */
    uint32_t *dom;      /* per number: the immediate dominator; the bucket's next link until then */
    uint32_t *head;     /* per number: the first vertex of its bucket */
    uint8_t *mark;      /* per node: MARK_* (the output's `reachable`) */
};

static void lt_free(struct lt *t)
{
    gs_scratch_free(t->vertex);
    gs_scratch_free(t->ancestor);
    gs_scratch_free(t->pair);
    gs_scratch_free(t->dom);
    gs_scratch_free(t->head);
    t->vertex = t->ancestor = t->semi = t->label = t->dom = t->head = NULL;
    t->pair = NULL;
}

/* Every array through util/scratch.h: the working arrays freed here are
 * what the dominator tree and the shortest paths allocate next. */
static bool lt_alloc(struct lt *t, uint64_t nobjects)
{
    size_t n = (size_t)nobjects + 1;
    t->pre = gs_scratch_calloc(n, sizeof *t->pre);
    t->mark = gs_scratch_calloc(n, sizeof *t->mark);
    t->vertex = gs_scratch_alloc(n, sizeof *t->vertex);
    t->ancestor = gs_scratch_alloc(n, sizeof *t->ancestor);
    /* semi and label side by side: the block later holds n uint64_t */
    t->pair = gs_scratch_alloc(n, sizeof(uint64_t));
    t->dom = gs_scratch_alloc(n, sizeof *t->dom);
    t->head = gs_scratch_alloc(n, sizeof *t->head);
    if (t->pair) {
        t->semi = t->pair;
        t->label = t->semi + n;
    }
    return t->pre && t->mark && t->vertex && t->ancestor && t->pair && t->dom && t->head;
}

/* --- the depth-first search ------------------------------------------- */

static uint64_t cursor_get(const struct lt *t, uint32_t v)
{
    return ((uint64_t)t->label[v] << 32) | t->semi[v];
}

static void cursor_set(struct lt *t, uint32_t v, uint64_t c)
{
    t->semi[v] = (uint32_t)c;
    t->label[v] = (uint32_t)(c >> 32);
}

static uint32_t number(struct lt *t, uint32_t node, uint32_t parent)
{
    uint32_t v = ++t->n;
    t->pre[node] = v;
    t->mark[node] |= MARK_REACHED;
    t->vertex[v] = node;
    t->ancestor[v] = parent;
    cursor_set(t, v, 0);
    return v;
}

/* Search from one root target, walking back up through the parents, so
 * that a chain of millions of objects costs no stack. */
static void dfs_from(struct lt *t, uint32_t root_node)
{
    const struct gs_snapshot *s = t->s;
    uint32_t v = number(t, root_node, 0);
    while (v != 0) {
        uint32_t node = t->vertex[v];
        uint64_t first = s->out_off[node], last = s->out_off[node + 1];
        uint64_t e = first + cursor_get(t, v);
        /* `mark` (a byte a node) stays in cache better than `pre` */
        while (e < last && (s->out_dst[e] >= s->nobjects || (t->mark[s->out_dst[e]] & MARK_REACHED)))
            e++;
        if (e < last) {
            cursor_set(t, v, e + 1 - first);
            v = number(t, s->out_dst[e], v);
        } else {
            /* Done with v: its cursor's arrays take their real roles. */
            t->semi[v] = v;
            t->label[v] = v;
            v = t->ancestor[v];
        }
    }
}

static void dfs(struct lt *t)
{
    const struct gs_snapshot *s = t->s;
    for (uint64_t r = 0; r < s->nroots; r++)
        if (s->roots[r].node < s->nobjects)
            t->mark[s->roots[r].node] |= MARK_ROOT;
    for (uint64_t r = 0; r < s->nroots; r++) {
        uint32_t node = s->roots[r].node;
        if (node < s->nobjects && !t->pre[node])
            dfs_from(t, node);
    }
}

/* --- eval and link over the forest -------------------------------------- */

static bool is_linked(const struct lt *t, uint32_t v) { return v != 0 && v >= t->linked; }

/* Compress the forest path above v: every vertex on it gets the label of
 * least semi above it and links straight to the path's top. The pointers
 * are reversed on the way up and restored on the way down, in place of
 * the recursion of the textbook version. */
static void compress(struct lt *t, uint32_t v)
{
    uint32_t prev = END, x = v;
    while (is_linked(t, t->ancestor[x])) {
        uint32_t a = t->ancestor[x];
        t->ancestor[x] = prev;
        prev = x;
        x = a;
    }
    /* x is the highest linked vertex: its ancestor is the tree's root. */
    uint32_t top = t->ancestor[x];
    uint32_t best = t->label[x];
    for (uint32_t c = prev; c != END;) {
        uint32_t next = t->ancestor[c];
        if (t->semi[best] < t->semi[t->label[c]])
            t->label[c] = best;
        else
            best = t->label[c];
        t->ancestor[c] = top;
        c = next;
    }
}

static uint32_t eval(struct lt *t, uint32_t v)
{
    if (!is_linked(t, v))
        return v;
    compress(t, v);
    return t->label[v];
}

/* --- the three steps ------------------------------------------------------ */

static void semidominator(struct lt *t, uint32_t w)
{
    const struct gs_snapshot *s = t->s;
    uint32_t node = t->vertex[w];
    if (t->mark[node] & MARK_ROOT) {
        t->semi[w] = 0; /* an edge from the virtual root: nothing is lower */
        return;
    }
    for (uint64_t e = s->in_off[node]; e < s->in_off[node + 1]; e++) {
        uint32_t src = s->in_src[e];
        if (src >= s->nobjects || !t->pre[src])
            continue;
        uint32_t u = eval(t, t->pre[src]);
        if (t->semi[u] < t->semi[w])
            t->semi[w] = t->semi[u];
    }
    /* The DFS parent is a predecessor, so semi < w; reverse edges that do
     * not mirror the forward ones (a corrupt file) must not break that. */
    if (t->semi[w] >= w)
        t->semi[w] = t->ancestor[w];
}

static void lengauer_tarjan(struct lt *t)
{
    for (uint32_t v = 0; v <= t->n; v++)
        t->head[v] = END;
    t->semi[0] = t->label[0] = t->dom[0] = 0;
    t->ancestor[0] = 0;
    t->linked = t->n + 1;
    for (uint32_t w = t->n; w >= 1; w--) {
        semidominator(t, w);
        t->dom[w] = t->head[t->semi[w]];
        t->head[t->semi[w]] = w;
        /* link(parent, w): ancestor[w] already is the parent */
        uint32_t p = t->ancestor[w];
        t->linked = w;
        for (uint32_t v = t->head[p]; v != END;) {
            uint32_t next = t->dom[v];
            uint32_t u = eval(t, v);
            t->dom[v] = t->semi[u] < t->semi[v] ? u : p;
            v = next;
        }
        t->head[p] = END;
    }
    for (uint32_t w = 1; w <= t->n; w++)
        if (t->dom[w] != t->semi[w])
            t->dom[w] = t->dom[t->dom[w]];
}

/* --- the results ---------------------------------------------------------- */

static void write_idom(struct lt *t, struct gs_dominators *out)
{
    const struct gs_snapshot *s = t->s;
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t v = t->pre[i];
        if (v == 0) {
            t->pre[i] = GS_NO_NODE;
            t->mark[i] = 0;
        } else {
            t->pre[i] = t->dom[v] == 0 ? GS_VIRTUAL_ROOT : t->vertex[t->dom[v]];
            t->mark[i] = 1;
        }
    }
    out->idom = t->pre;
    out->reachable = t->mark;
    t->pre = NULL;
    t->mark = NULL;
}

/* In reverse preorder every vertex comes after the vertices it dominates,
 * so one pass accumulates the dominator tree bottom up. */
static void accumulate(const struct lt *t, uint64_t *retained)
{
    const struct gs_snapshot *s = t->s;
    for (uint64_t i = 0; i < s->nobjects; i++)
        retained[i] = s->size[i];
    for (uint32_t w = t->n; w >= 1; w--)
        if (t->dom[w] != 0)
            retained[t->vertex[t->dom[w]]] += retained[t->vertex[w]];
}

gs_status gs_dominators_compute(const struct gs_snapshot *s, struct gs_dominators *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    if (s->nobjects >= UINT32_MAX)
        return gs_fail(err, GS_ERR_INTERNAL, "too many objects for the dominator tree: %llu",
                       (unsigned long long)s->nobjects);
    struct lt t = {.s = s};
    if (!lt_alloc(&t, s->nobjects)) {
        lt_free(&t);
        gs_scratch_free(t.pre);
        gs_scratch_free(t.mark);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory computing the dominators of %llu objects",
                       (unsigned long long)s->nobjects);
    }
    dfs(&t);
    lengauer_tarjan(&t);
    /* The forest is done: its arrays go, semi and label make room for retained. */
    gs_scratch_free(t.ancestor);
    gs_scratch_free(t.head);
    t.ancestor = t.head = t.semi = t.label = NULL;
    uint64_t *retained = t.pair;
    t.pair = NULL;
    accumulate(&t, retained);
    write_idom(&t, out);
    out->retained = retained;
    lt_free(&t);
    return GS_OK;
}

void gs_dominators_free(struct gs_dominators *d)
{
    if (!d)
        return;
    gs_scratch_free(d->idom);
    gs_scratch_free(d->reachable);
    gs_scratch_free(d->retained);
    memset(d, 0, sizeof *d);
}
