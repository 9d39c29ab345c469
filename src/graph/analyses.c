/* analyses.c: the analyses over one snapshot, computed once, lazily
 * (analyses.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "util/alloc.h"
#include "util/scratch.h"
#include "util/sort.h"

enum have {
    HAVE_SCC = 1 << 0,
    HAVE_GARBAGE = 1 << 1,
    HAVE_PATHS = 1 << 2,
    HAVE_DOM = 1 << 3,
    HAVE_CYCLES = 1 << 4,
    HAVE_DOMTREE = 1 << 5,
    HAVE_TYPES = 1 << 6,
};

struct gs_analyses {
    const struct gs_snapshot *s;
    unsigned have, failed; /* enum have */
    gs_error failure;      /* the first failure, told again to whoever asks */
    void (*progress)(void *arg, const char *what);
    void *progress_arg;

    struct gs_scc scc;
    uint8_t *garbage;
    struct gs_totals garbage_totals;
    struct gs_paths paths;
    struct gs_dominators dom;
    struct gs_totals reachable_totals;
    struct gs_cycles cycles;
    /* the dominator tree: children of p are dt_child[dt_off[p] .. dt_off[p+1]);
     * p == nobjects is the virtual root; each list sorted when first asked.
     * 32-bit offsets: there are fewer children than objects, and the
     * dominators refuse UINT32_MAX objects or more. */
    uint32_t *dt_off;
    uint32_t *dt_child;
    uint8_t *dt_sorted;
    struct gs_type_total *types;
};

struct gs_analyses *gs_analyses_new(const struct gs_snapshot *s, void (*progress)(void *, const char *), void *arg)
{
    struct gs_analyses *a = gs_xcalloc(1, sizeof *a);
    a->s = s;
    a->progress = progress;
    a->progress_arg = arg;
    return a;
}

void gs_analyses_free(struct gs_analyses *a)
{
    if (!a)
        return;
    if (a->have & HAVE_SCC)
        gs_scc_free(&a->scc);
    free(a->garbage);
    if (a->have & HAVE_PATHS)
        gs_paths_free(&a->paths);
    if (a->have & HAVE_DOM)
        gs_dominators_free(&a->dom);
    gs_cycles_free(&a->cycles);
    gs_scratch_free(a->dt_off);
    gs_scratch_free(a->dt_child);
    gs_scratch_free(a->dt_sorted);
    free(a->types);
    free(a);
}

const struct gs_snapshot *gs_analyses_snapshot(const struct gs_analyses *a) { return a->s; }

static void progress(struct gs_analyses *a, const char *what)
{
    if (!a->progress)
        return;
    char msg[160];
    snprintf(msg, sizeof msg, "computing %s over %" PRIu64 " objects...", what, a->s->nobjects);
    a->progress(a->progress_arg, msg);
}

/* Runs one step unless done or failed before; false (err set) on failure. */
static bool step(struct gs_analyses *a, unsigned bit, gs_status st, gs_error *err)
{
    if (st != GS_OK) {
        a->failed |= bit;
        a->failure = *err;
        return false;
    }
    a->have |= bit;
    return true;
}

static bool failed_before(const struct gs_analyses *a, unsigned bit, gs_error *err)
{
    if (!(a->failed & bit))
        return false;
    if (err)
        *err = a->failure;
    return true;
}

static gs_status nomem(gs_error *err, const char *what)
{
    return gs_fail(err, GS_ERR_NOMEM, "out of memory %s", what);
}

const struct gs_scc *gs_analyses_scc(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_SCC)
        return &a->scc;
    if (failed_before(a, HAVE_SCC, err))
        return NULL;
    progress(a, "reference cycles");
    return step(a, HAVE_SCC, gs_scc_compute(a->s, &a->scc, err), err) ? &a->scc : NULL;
}

const uint8_t *gs_analyses_garbage(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_GARBAGE)
        return a->garbage;
    if (failed_before(a, HAVE_GARBAGE, err))
        return NULL;
    progress(a, "cyclic garbage");
    if (!step(a, HAVE_GARBAGE, gs_garbage_compute(a->s, &a->garbage, err), err))
        return NULL;
    for (uint64_t i = 0; i < a->s->nobjects; i++)
        if (a->garbage[i]) {
            a->garbage_totals.objects++;
            a->garbage_totals.bytes += a->s->size[i];
        }
    return a->garbage;
}

const struct gs_totals *gs_analyses_garbage_totals(struct gs_analyses *a, gs_error *err)
{
    return gs_analyses_garbage(a, err) ? &a->garbage_totals : NULL;
}

const struct gs_paths *gs_analyses_paths(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_PATHS)
        return &a->paths;
    if (failed_before(a, HAVE_PATHS, err))
        return NULL;
    progress(a, "shortest paths from the roots");
    return step(a, HAVE_PATHS, gs_paths_compute(a->s, &a->paths, err), err) ? &a->paths : NULL;
}

const struct gs_dominators *gs_analyses_dominators(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_DOM)
        return &a->dom;
    if (failed_before(a, HAVE_DOM, err))
        return NULL;
    progress(a, "dominators and retained sizes");
    if (!step(a, HAVE_DOM, gs_dominators_compute(a->s, &a->dom, err), err))
        return NULL;
    for (uint64_t i = 0; i < a->s->nobjects; i++)
        if (a->dom.reachable[i]) {
            a->reachable_totals.objects++;
            a->reachable_totals.bytes += a->s->size[i];
        }
    return &a->dom;
}

const struct gs_totals *gs_analyses_reachable_totals(struct gs_analyses *a, gs_error *err)
{
    return gs_analyses_dominators(a, err) ? &a->reachable_totals : NULL;
}

const struct gs_cycles *gs_analyses_cycles(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_CYCLES)
        return &a->cycles;
    if (failed_before(a, HAVE_CYCLES, err))
        return NULL;
    const struct gs_scc *scc = gs_analyses_scc(a, err);
    const uint8_t *garbage = scc ? gs_analyses_garbage(a, err) : NULL;
    if (!garbage)
        return NULL;
    /* Shortest paths only when a cycle is alive: when every cycle is
     * garbage (or there is none), no search over the whole heap. */
    const struct gs_paths *paths = NULL;
    for (uint64_t c = 0; c < scc->ncycles; c++)
        if (!garbage[scc->members[scc->off[c]]]) {
            if (!(paths = gs_analyses_paths(a, err)))
                return NULL;
            break;
        }
    return step(a, HAVE_CYCLES, gs_cycles_compute(a->s, scc, garbage, paths, &a->cycles, err), err) ? &a->cycles
                                                                                                    : NULL;
}

/* --- the dominator tree and the types ----------------------------------------------- */

static gs_status build_domtree(struct gs_analyses *a, gs_error *err)
{
    const struct gs_snapshot *s = a->s;
    uint64_t n = s->nobjects, nchild = 0;
    for (uint64_t i = 0; i < n; i++)
        nchild += a->dom.reachable[i] != 0;
    /* util/scratch.h: the dominators' working arrays, freed just before */
    a->dt_off = gs_scratch_calloc(n + 2, sizeof *a->dt_off);
    a->dt_sorted = gs_scratch_calloc(n + 1, 1);
    a->dt_child = gs_scratch_alloc(nchild ? nchild : 1, sizeof *a->dt_child);
    if (!a->dt_off || !a->dt_sorted || !a->dt_child)
        return nomem(err, "building the dominator tree's child lists");
    /* Counting sort by parent, node order within each parent, without a
     * second array of cursors (fresh pages cost a fault each): count into
     * dt_off[p], sum so that dt_off[p] is the end of p's list, then fill
     * each list from its end down, which leaves dt_off[p] at its start.
     * dt_off[n + 1], never a parent, ends as the total. */
    for (uint64_t i = 0; i < n; i++)
        if (a->dom.reachable[i])
            a->dt_off[a->dom.idom[i] == GS_VIRTUAL_ROOT ? n : a->dom.idom[i]]++;
    for (uint64_t p = 0; p <= n; p++)
        a->dt_off[p + 1] += a->dt_off[p];
    for (uint64_t i = n; i-- > 0;)
        if (a->dom.reachable[i])
            a->dt_child[--a->dt_off[a->dom.idom[i] == GS_VIRTUAL_ROOT ? n : a->dom.idom[i]]] = (uint32_t)i;
    return GS_OK;
}

static bool domtree(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_DOMTREE)
        return true;
    if (failed_before(a, HAVE_DOMTREE, err) || !gs_analyses_dominators(a, err))
        return false;
    progress(a, "the dominator tree");
    return step(a, HAVE_DOMTREE, build_domtree(a, err), err);
}

static int by_retained(const void *x, const void *y, void *arg)
{
    const uint64_t *r = arg;
    uint32_t p = *(const uint32_t *)x, q = *(const uint32_t *)y;
    if (r[p] != r[q])
        return r[p] > r[q] ? -1 : 1;
    return p < q ? -1 : p > q;
}

const uint32_t *gs_analyses_children(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err)
{
    *n = 0;
    if (p > a->s->nobjects || !domtree(a, err))
        return NULL;
    uint32_t *c = a->dt_child + a->dt_off[p];
    *n = a->dt_off[p + 1] - a->dt_off[p];
    if (!a->dt_sorted[p]) {
        gs_qsort_r(c, (size_t)*n, sizeof *c, by_retained, a->dom.retained);
        a->dt_sorted[p] = 1;
    }
    return c;
}

const uint32_t *gs_analyses_children_unsorted(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err)
{
    *n = 0;
    if (p > a->s->nobjects || !domtree(a, err))
        return NULL;
    *n = a->dt_off[p + 1] - a->dt_off[p];
    return a->dt_child + a->dt_off[p];
}

uint32_t gs_analyses_largest_child(struct gs_analyses *a, uint32_t p, uint64_t *n, gs_error *err)
{
    *n = 0;
    if (p > a->s->nobjects || !domtree(a, err))
        return GS_NO_NODE;
    const uint32_t *c = a->dt_child + a->dt_off[p];
    *n = a->dt_off[p + 1] - a->dt_off[p];
    if (*n == 0)
        return GS_NO_NODE;
    if (a->dt_sorted[p])
        return c[0];
    /* the first in by_retained's order, without sorting the list */
    uint32_t best = c[0];
    for (uint64_t i = 1; i < *n; i++)
        if (by_retained(&c[i], &best, a->dom.retained) < 0)
            best = c[i];
    return best;
}

uint64_t gs_analyses_nchildren(const struct gs_analyses *a, uint32_t p)
{
    if (!(a->have & HAVE_DOMTREE) || p > a->s->nobjects)
        return 0;
    return a->dt_off[p + 1] - a->dt_off[p];
}

/* MAT's retained size of a type, or of a set of types: depth first over
 * the dominator tree, counting the instances open on the current path; an
 * instance entered while none of its kind is open counts, so a linked list
 * of a million Nodes counts once. With match NULL the kinds are the types
 * and the walk fills a->types; with match (per type number, 1 for a member
 * of the set) the set is one kind and its size goes to *set_retained. */
static gs_status walk_retained(struct gs_analyses *a, const uint8_t *match, uint64_t *set_retained, gs_error *err)
{
    const struct gs_snapshot *s = a->s;
    size_t nt = s->ntypes ? (size_t)s->ntypes : 1, depth, cap = 1024;
    uint64_t *open = calloc(match ? 1 : nt, sizeof *open);
    uint32_t *stack = gs_try_reallocarray(NULL, cap, sizeof *stack); /* nodes on the path */
    uint64_t *next = gs_try_reallocarray(NULL, cap, sizeof *next);   /* their next child */
    gs_status st = GS_OK;
    if (!open || !stack || !next) {
        st = nomem(err, "summing the retained size per type");
        goto out;
    }
    uint32_t root = (uint32_t)s->nobjects;
    stack[0] = root;
    next[0] = a->dt_off[root];
    depth = 1;
    while (depth) {
        uint32_t v = stack[depth - 1];
        if (next[depth - 1] == a->dt_off[v + 1]) {
            depth--;
            if (v != root && !match)
                open[s->type[v] < nt ? s->type[v] : 0]--;
            else if (v != root && s->type[v] < s->ntypes && match[s->type[v]])
                open[0]--;
            continue;
        }
        uint32_t c = a->dt_child[next[depth - 1]++];
        if (!match) {
            uint32_t t = s->type[c] < nt ? s->type[c] : 0;
            a->types[t].reachable_count++;
            a->types[t].reachable_shallow += s->size[c];
            if (open[t]++ == 0)
                a->types[t].retained += a->dom.retained[c];
        } else if (s->type[c] < s->ntypes && match[s->type[c]] && open[0]++ == 0) {
            *set_retained += a->dom.retained[c];
        }
        if (depth == cap) {
            uint32_t *ns = gs_try_reallocarray(stack, cap * 2, sizeof *stack);
            if (ns)
                stack = ns;
            uint64_t *nn = ns ? gs_try_reallocarray(next, cap * 2, sizeof *next) : NULL;
            if (!nn) {
                st = nomem(err, "walking the dominator tree");
                goto out;
            }
            next = nn;
            cap *= 2;
        }
        stack[depth] = c;
        next[depth] = a->dt_off[c];
        depth++;
    }
out:
    free(open);
    free(stack);
    free(next);
    return st;
}

/* Every object per type, then the walk for the reachable ones. */
static gs_status build_types(struct gs_analyses *a, gs_error *err)
{
    const struct gs_snapshot *s = a->s;
    size_t nt = s->ntypes ? (size_t)s->ntypes : 1;
    a->types = calloc(nt, sizeof *a->types);
    if (!a->types)
        return nomem(err, "summing the retained size per type");
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t t = s->type[i] < nt ? s->type[i] : 0;
        a->types[t].count++;
        a->types[t].shallow += s->size[i];
    }
    return walk_retained(a, NULL, NULL, err);
}

const struct gs_type_total *gs_analyses_types(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_TYPES)
        return a->types;
    if (failed_before(a, HAVE_TYPES, err) || !domtree(a, err))
        return NULL;
    progress(a, "retained sizes per type");
    return step(a, HAVE_TYPES, build_types(a, err), err) ? a->types : NULL;
}

gs_status gs_analyses_retained_of_types(struct gs_analyses *a, const uint8_t *match, uint64_t *out, gs_error *err)
{
    *out = 0;
    uint32_t only = UINT32_MAX; /* the one member, when the set has one */
    size_t members = 0;
    for (uint32_t t = 0; t < a->s->ntypes; t++)
        if (match[t]) {
            only = t;
            members++;
        }
    if (members == 0)
        return GS_OK;
    if (members == 1) {
        const struct gs_type_total *types = gs_analyses_types(a, err);
        if (!types)
            return err->code;
        *out = types[only].retained;
        return GS_OK;
    }
    if (!domtree(a, err))
        return err->code;
    return walk_retained(a, match, out, err);
}
