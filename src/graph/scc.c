/* scc.c: reference cycles, as the strongly connected components of the
 * snapshot's strong edges (Tarjan's algorithm, iterative).
 *
 * Heaps are deep (a linked list of a million nodes is a million frames of
 * recursion), so the depth-first search keeps its own stack on the heap.
 * Memory, per node: index 4 + lowlink 4 + Tarjan stack 4 + search stack
 * 4 + 8 (node, next edge) while running, then cycle_of 4 and members 4 for
 * the result: about 32 bytes a node at the peak, nothing per edge.
 *
 * One kind of reference is left out: an instance's reference to its own
 * class (ob_type, labelled .__class__). It is real (the class lives as
 * long as its instances) and the collector follows it, but a class is
 * shared by all its instances and reaches back to its module's globals, so
 * with it every instance stored anywhere under that module joins one giant
 * component with the module, and a two-node cycle kept in a global
 * (a.next = b; b.next = a) would vanish into it. No one means that edge
 * when they speak of a reference cycle. garbage.c keeps it: a class is
 * not garbage while an alive instance holds it.
 *
 * Order is deterministic and independent of the search: cycle c comes
 * before cycle d when its lowest node number is lower, and each cycle's
 * members are in ascending node order.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "util/alloc.h"

/* index[v]: 0 = not visited yet, DONE = assigned to a component, else the
 * visit order + 1. In Tarjan's algorithm a visited node that is not yet in
 * a component is exactly a node on the Tarjan stack, so DONE doubles as
 * the "on stack" test and no extra array is needed. */
#define DONE UINT32_MAX

struct tarjan {
    const struct gs_snapshot *s;
    uint32_t *index, *low;
    uint32_t *stack;     /* Tarjan's stack of visited, unassigned nodes */
    uint64_t nstack;
    uint32_t *call_node; /* the depth-first search's own stack ... */
    uint64_t *call_edge; /* ... and the next out edge to look at */
    uint64_t ncall;
    uint32_t next_index;
    uint32_t *comp;      /* per node: a temporary cycle number (discovery order) */
    uint32_t ncomp;
};

bool gs_edge_is_class(const struct gs_snapshot *s, uint32_t v, uint64_t e)
{
    uint32_t t = s->type[v];
    uint32_t label = s->out_label[e];
    /* The label first: it is read in order, the target's address is not. */
    return gs_label_kind_of(label) == GS_LABEL_FIELD && t < s->ntypes && s->addr[s->out_dst[e]] == s->types[t].addr &&
           strcmp(gs_snapshot_string(s, gs_label_payload(label)), "__class__") == 0;
}

static bool has_self_edge(const struct gs_snapshot *s, uint32_t v)
{
    for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++)
        if (s->out_dst[e] == v && !gs_edge_is_class(s, v, e))
            return true;
    return false;
}

static void visit(struct tarjan *t, uint32_t v)
{
    t->index[v] = t->low[v] = ++t->next_index;
    t->stack[t->nstack++] = v;
    t->call_node[t->ncall] = v;
    t->call_edge[t->ncall] = t->s->out_off[v];
    t->ncall++;
}

/* v's search is over and v is the root of its component: pop it. Only
 * components that are cycles get a number; the rest stay GS_NO_NODE. */
static void pop_component(struct tarjan *t, uint32_t v)
{
    uint32_t top = t->stack[t->nstack - 1];
    bool cycle = top != v || has_self_edge(t->s, v);
    uint32_t w;
    do {
        w = t->stack[--t->nstack];
        t->index[w] = DONE;
        t->comp[w] = cycle ? t->ncomp : GS_NO_NODE;
    } while (w != v);
    if (cycle)
        t->ncomp++;
}

static void search_from(struct tarjan *t, uint32_t start)
{
    const struct gs_snapshot *s = t->s;
    visit(t, start);
    while (t->ncall) {
        uint64_t top = t->ncall - 1;
        uint32_t v = t->call_node[top];
        if (t->call_edge[top] < s->out_off[v + 1]) {
            uint64_t e = t->call_edge[top]++;
            uint32_t w = s->out_dst[e];
            if (gs_edge_is_class(s, v, e))
                continue;
            if (t->index[w] == 0)
                visit(t, w);
            else if (t->index[w] != DONE && t->index[w] < t->low[v])
                t->low[v] = t->index[w];
            continue;
        }
        /* v is finished: report to its caller, as the recursion would. */
        t->ncall--;
        if (t->ncall) {
            uint32_t parent = t->call_node[t->ncall - 1];
            if (t->low[v] < t->low[parent])
                t->low[parent] = t->low[v];
        }
        if (t->low[v] == t->index[v])
            pop_component(t, v);
    }
}

/* Renumber the cycles by their lowest node and gather members by a
 * counting sort: the result does not depend on the search order. */
static gs_status collect(struct tarjan *t, struct gs_scc *out, gs_error *err)
{
    uint64_t n = t->s->nobjects;
    uint32_t *renum = gs_try_reallocarray(NULL, (size_t)t->ncomp + 1, sizeof *renum);
    out->off = gs_try_reallocarray(NULL, (size_t)t->ncomp + 1, sizeof *out->off);
    if (!renum || !out->off) {
        free(renum);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory numbering %u reference cycles", t->ncomp);
    }
    for (uint32_t c = 0; c < t->ncomp; c++)
        renum[c] = GS_NO_NODE;
    memset(out->off, 0, ((size_t)t->ncomp + 1) * sizeof *out->off);
    uint32_t next = 0;
    uint64_t nmembers = 0;
    for (uint64_t v = 0; v < n; v++) {
        uint32_t c = t->comp[v];
        if (c == GS_NO_NODE)
            continue;
        if (renum[c] == GS_NO_NODE)
            renum[c] = next++;
        t->comp[v] = renum[c];
        out->off[renum[c] + 1]++;
        nmembers++;
    }
    free(renum);
    for (uint32_t c = 0; c < t->ncomp; c++)
        out->off[c + 1] += out->off[c];
    out->members = gs_try_reallocarray(NULL, (size_t)(nmembers ? nmembers : 1), sizeof *out->members);
    if (!out->members)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing the members of %u reference cycles", t->ncomp);
    /* t->index is free now: reuse it as the fill cursor of each cycle. */
    uint32_t *fill = t->index;
    for (uint32_t c = 0; c < t->ncomp; c++)
        fill[c] = 0;
    for (uint64_t v = 0; v < n; v++) {
        uint32_t c = t->comp[v];
        if (c != GS_NO_NODE)
            out->members[out->off[c] + fill[c]++] = (uint32_t)v;
    }
    out->ncycles = t->ncomp;
    out->cycle_of = t->comp;
    t->comp = NULL;
    return GS_OK;
}

static void tarjan_free(struct tarjan *t)
{
    free(t->index);
    free(t->low);
    free(t->stack);
    free(t->call_node);
    free(t->call_edge);
    free(t->comp);
}

gs_status gs_scc_compute(const struct gs_snapshot *s, struct gs_scc *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    uint64_t n = s->nobjects;
    /* Visit numbers are n + 1 at most and DONE is reserved. */
    if (n >= UINT32_MAX - 1)
        return gs_fail(err, GS_ERR_INTERNAL, "too many objects for the cycle search: %llu",
                       (unsigned long long)n);
    size_t cap = (size_t)(n ? n : 1);
    struct tarjan t = {.s = s};
    t.index = gs_try_reallocarray(NULL, cap, sizeof *t.index);
    t.low = gs_try_reallocarray(NULL, cap, sizeof *t.low);
    t.stack = gs_try_reallocarray(NULL, cap, sizeof *t.stack);
    t.call_node = gs_try_reallocarray(NULL, cap, sizeof *t.call_node);
    t.call_edge = gs_try_reallocarray(NULL, cap, sizeof *t.call_edge);
    t.comp = gs_try_reallocarray(NULL, cap, sizeof *t.comp);
    if (!t.index || !t.low || !t.stack || !t.call_node || !t.call_edge || !t.comp) {
        tarjan_free(&t);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory searching %llu objects for reference cycles",
                       (unsigned long long)n);
    }
    memset(t.index, 0, cap * sizeof *t.index);
    for (uint64_t v = 0; v < n; v++)
        if (t.index[v] == 0)
            search_from(&t, (uint32_t)v);
    /* The search stacks are done with: give their memory back before the
     * members array is made. */
    free(t.low);
    free(t.stack);
    free(t.call_node);
    free(t.call_edge);
    t.low = t.stack = t.call_node = NULL;
    t.call_edge = NULL;
    gs_status st = collect(&t, out, err);
    tarjan_free(&t);
    if (st != GS_OK)
        gs_scc_free(out);
    return st;
}

void gs_scc_free(struct gs_scc *scc)
{
    if (!scc)
        return;
    free(scc->cycle_of);
    free(scc->off);
    free(scc->members);
    memset(scc, 0, sizeof *scc);
}
