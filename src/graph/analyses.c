/* analyses.c: the analyses over one snapshot, computed once, lazily
 * (analyses.h). */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "util/alloc.h"
#include "util/hash.h"
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
    unsigned borrowed;     /* enum have: the results used in place from the snapshot file */
    unsigned stored_checked, stored_bad; /* per gs_stored_kind: checksum tested, and failed */
    struct gs_stored_meta export_meta;   /* what gs_analyses_export describes */
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
     * dominators refuse UINT32_MAX objects or more. dt_sorted is NULL when
     * every list is sorted (a snapshot file's are). */
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
    /* what the snapshot file holds is its mapping's, not ours */
    unsigned own = ~a->borrowed;
    if ((a->have & own) & HAVE_SCC)
        gs_scc_free(&a->scc);
    if (own & HAVE_GARBAGE)
        free(a->garbage);
    if ((a->have & own) & HAVE_PATHS)
        gs_paths_free(&a->paths);
    if ((a->have & own) & HAVE_DOM)
        gs_dominators_free(&a->dom);
    gs_cycles_free(&a->cycles);
    if (own & HAVE_DOMTREE) {
        gs_scratch_free(a->dt_off);
        gs_scratch_free(a->dt_child);
    }
    gs_scratch_free(a->dt_sorted);
    if (own & HAVE_TYPES)
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

/* --- the analyses a snapshot file carries ---------------------------------------- */

/* A stored section's data when the file has it, with the element size and
 * count expected and its checksum right (tested once); NULL otherwise. */
static const void *stored(struct gs_analyses *a, enum gs_stored_kind k, uint32_t elem_size, uint64_t count)
{
    const struct gs_stored_section *sec = &a->s->stored[k];
    if (!sec->data || sec->elem_size != elem_size || sec->count != count || (a->stored_bad & (1u << k)))
        return NULL;
    if (!(a->stored_checked & (1u << k))) {
        a->stored_checked |= 1u << k;
        /* count * elem_size lies inside the file: the loader checked */
        if (gs_hash64(sec->data, (size_t)(count * elem_size), sec->file_id) != sec->checksum)
            a->stored_bad |= 1u << k;
    }
    return (a->stored_bad & (1u << k)) ? NULL : sec->data;
}

/* Test the checksums of several stored sections at once (on two threads:
 * gs_hash64_jobs), before stored() asks for each. */
static void verify(struct gs_analyses *a, const enum gs_stored_kind *kinds, size_t n)
{
    struct gs_hash_job jobs[GS_STORED_COUNT];
    enum gs_stored_kind of[GS_STORED_COUNT];
    size_t njobs = 0;
    for (size_t i = 0; i < n && njobs < GS_STORED_COUNT; i++) {
        const struct gs_stored_section *sec = &a->s->stored[kinds[i]];
        if (!sec->data || (a->stored_checked & (1u << kinds[i])))
            continue;
        jobs[njobs] = (struct gs_hash_job){sec->data, (size_t)(sec->count * sec->elem_size), sec->file_id, 0};
        of[njobs++] = kinds[i];
    }
    gs_hash64_jobs(jobs, njobs);
    for (size_t j = 0; j < njobs; j++) {
        a->stored_checked |= 1u << of[j];
        if (jobs[j].out != a->s->stored[of[j]].checksum)
            a->stored_bad |= 1u << of[j];
    }
}

#define VERIFY(a, ...)                                                                                     \
    do {                                                                                                   \
        static const enum gs_stored_kind kinds_[] = {__VA_ARGS__};                                         \
        verify(a, kinds_, sizeof kinds_ / sizeof *kinds_);                                                 \
    } while (0)

/* The stored results' description, when they are of this version and of
 * this snapshot's counts. */
static const struct gs_stored_meta *stored_meta(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    const struct gs_stored_meta *m = stored(a, GS_STORED_META, sizeof *m, 1);
    if (!m || m->version != GS_ANALYSES_VERSION || m->nobjects != s->nobjects || m->nedges != s->nedges ||
        m->nroots != s->nroots || m->ntypes != s->ntypes || m->ncycles > s->nobjects ||
        m->nmembers > s->nobjects || m->nchildren > s->nobjects)
        return NULL;
    return m;
}

static uint64_t total_bytes(const struct gs_snapshot *s)
{
    if (s->size_total) /* a file's, summed by its loader */
        return s->size_total;
    uint64_t total = 0; /* below 2^62: the loader checked */
    for (uint64_t i = 0; i < s->nobjects; i++)
        total += s->size[i];
    return total;
}

/* Run check over [0, n) in two halves, the second on a thread of its own
 * when n is large (the checks below read a few arrays at random: on two
 * cores in about half the time); true when both halves hold. */
typedef bool range_check(const void *ctx, uint64_t lo, uint64_t hi, struct gs_totals *sum);

struct half {
    range_check *check;
    const void *ctx;
    uint64_t lo, hi;
    struct gs_totals sum;
    bool ok;
};

static void *run_half(void *arg)
{
    struct half *h = arg;
    h->ok = h->check(h->ctx, h->lo, h->hi, &h->sum);
    return NULL;
}

static bool in_halves(range_check *check, const void *ctx, uint64_t n, struct gs_totals *sum)
{
    *sum = (struct gs_totals){0, 0};
    if (n < (1u << 20))
        return check(ctx, 0, n, sum);
    struct half second = {check, ctx, n / 2, n, {0, 0}, false};
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay this thread's */
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, run_half, &second) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    bool first = check(ctx, 0, n / 2, sum);
    if (threaded)
        pthread_join(t, NULL);
    else
        run_half(&second);
    sum->objects += second.sum.objects;
    sum->bytes += second.sum.bytes;
    return first && second.ok;
}

/* Each adopt_* checks a stored result as far as the presenters rely on it
 * (every index in range, every walk finite: a path's depth falls by one
 * at each step, each reachable node is in its dominator's child list
 * once) and takes it in place; false leaves it to be computed. */

static bool adopt_garbage(struct gs_analyses *a)
{
    uint64_t n = a->s->nobjects;
    const uint8_t *g = stored_meta(a) ? stored(a, GS_STORED_GARBAGE, 1, n) : NULL;
    if (!g)
        return false;
    struct gs_totals sum = {0, 0}; /* the totals, in the same pass as the check */
    for (uint64_t i = 0; i < n; i++) {
        if (g[i] > 1)
            return false;
        if (g[i]) {
            sum.objects++;
            sum.bytes += a->s->size[i];
        }
    }
    a->garbage_totals = sum;
    a->garbage = (uint8_t *)g;
    a->borrowed |= HAVE_GARBAGE;
    return true;
}

static bool adopt_scc(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    uint64_t n = s->nobjects;
    const struct gs_stored_meta *m = stored_meta(a);
    if (m)
        VERIFY(a, GS_STORED_CYCLE_OF, GS_STORED_CYCLE_OFF, GS_STORED_CYCLE_MEMBERS);
    const uint32_t *cycle_of = m ? stored(a, GS_STORED_CYCLE_OF, 4, n) : NULL;
    const uint64_t *off = cycle_of ? stored(a, GS_STORED_CYCLE_OFF, 8, m->ncycles + 1) : NULL;
    const uint32_t *members = off ? stored(a, GS_STORED_CYCLE_MEMBERS, 4, m->nmembers) : NULL;
    if (!members || off[0] != 0 || off[m->ncycles] != m->nmembers)
        return false;
    for (uint64_t c = 0; c < m->ncycles; c++) {
        if (off[c + 1] <= off[c] || off[c + 1] > m->nmembers)
            return false;
        for (uint64_t k = off[c]; k < off[c + 1]; k++)
            if (members[k] >= n || cycle_of[members[k]] != c || (k > off[c] && members[k] <= members[k - 1]))
                return false;
    }
    uint64_t on_cycles = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (cycle_of[i] != GS_NO_NODE && cycle_of[i] >= m->ncycles)
            return false;
        on_cycles += cycle_of[i] != GS_NO_NODE;
    }
    if (on_cycles != m->nmembers)
        return false;
    a->scc = (struct gs_scc){(uint32_t *)cycle_of, m->ncycles, (uint64_t *)off, (uint32_t *)members};
    a->borrowed |= HAVE_SCC;
    return true;
}

struct paths_ctx {
    const struct gs_snapshot *s;
    const struct gs_paths *p;
};

static bool paths_hold(const void *arg, uint64_t lo, uint64_t hi, struct gs_totals *unused)
{
    (void)unused;
    const struct paths_ctx *c = arg;
    const struct gs_snapshot *s = c->s;
    const uint32_t *parent = c->p->parent, *root = c->p->root, *depth = c->p->depth;
    const uint64_t *edge = c->p->parent_edge;
    uint64_t n = s->nobjects;
    for (uint64_t i = lo; i < hi; i++) {
        if (depth[i] == UINT32_MAX) {
            if (parent[i] != GS_NO_NODE || edge[i] != UINT64_MAX || root[i] != GS_NO_NODE)
                return false;
        } else if (depth[i] == 0) {
            if (parent[i] != GS_NO_NODE || edge[i] != UINT64_MAX || root[i] >= s->nroots ||
                s->roots[root[i]].node != i)
                return false;
        } else {
            uint32_t p = parent[i];
            if (p >= n || depth[p] != depth[i] - 1 || edge[i] < s->out_off[p] || edge[i] >= s->out_off[p + 1] ||
                s->out_dst[edge[i]] != i || root[i] != root[p])
                return false;
        }
    }
    return true;
}

static bool adopt_paths(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    uint64_t n = s->nobjects;
    if (!stored_meta(a))
        return false;
    VERIFY(a, GS_STORED_PATH_PARENT, GS_STORED_PATH_EDGE, GS_STORED_PATH_ROOT, GS_STORED_PATH_DEPTH);
    const uint32_t *parent = stored(a, GS_STORED_PATH_PARENT, 4, n);
    const uint64_t *edge = stored(a, GS_STORED_PATH_EDGE, 8, n);
    const uint32_t *root = stored(a, GS_STORED_PATH_ROOT, 4, n);
    const uint32_t *depth = stored(a, GS_STORED_PATH_DEPTH, 4, n);
    if (!parent || !edge || !root || !depth)
        return false;
    struct gs_paths p = {(uint32_t *)parent, (uint64_t *)edge, (uint32_t *)root, (uint32_t *)depth};
    struct paths_ctx ctx = {s, &p};
    struct gs_totals none;
    if (!in_halves(paths_hold, &ctx, n, &none))
        return false;
    a->paths = p;
    a->borrowed |= HAVE_PATHS;
    return true;
}

struct dom_ctx {
    const struct gs_snapshot *s;
    const struct gs_dominators *d;
    uint64_t total;
};

/* ... and sums the reachable objects and bytes on the way (the totals the
 * getter would count in one more pass). */
static bool dominators_hold(const void *arg, uint64_t lo, uint64_t hi, struct gs_totals *sum)
{
    const struct dom_ctx *c = arg;
    const struct gs_snapshot *s = c->s;
    const uint8_t *reach = c->d->reachable;
    const uint32_t *idom = c->d->idom;
    const uint64_t *ret = c->d->retained;
    uint64_t n = s->nobjects;
    for (uint64_t i = lo; i < hi; i++) {
        /* GS_VIRTUAL_ROOT and GS_NO_NODE are one value */
        if (reach[i] > 1 ||
            (reach[i] && idom[i] != GS_VIRTUAL_ROOT && (idom[i] >= n || idom[i] == i || !reach[idom[i]])) ||
            (!reach[i] && idom[i] != GS_NO_NODE) || ret[i] < s->size[i] || ret[i] > c->total)
            return false;
        if (reach[i]) {
            sum->objects++;
            sum->bytes += s->size[i];
        }
    }
    return true;
}

static bool adopt_dominators(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    uint64_t n = s->nobjects;
    if (!stored_meta(a))
        return false;
    VERIFY(a, GS_STORED_REACHABLE, GS_STORED_IDOM, GS_STORED_RETAINED);
    const uint8_t *reach = stored(a, GS_STORED_REACHABLE, 1, n);
    const uint32_t *idom = stored(a, GS_STORED_IDOM, 4, n);
    const uint64_t *ret = stored(a, GS_STORED_RETAINED, 8, n);
    if (!reach || !idom || !ret)
        return false;
    struct gs_dominators d = {(uint32_t *)idom, (uint8_t *)reach, (uint64_t *)ret};
    struct dom_ctx ctx = {s, &d, total_bytes(s)};
    if (!in_halves(dominators_hold, &ctx, n, &a->reachable_totals))
        return false;
    a->dom = d;
    a->borrowed |= HAVE_DOM;
    return true;
}

static int by_retained(const void *x, const void *y, void *arg);

struct tree_ctx {
    uint64_t n;
    const struct gs_dominators *d;
    const uint32_t *off, *child;
};

static bool tree_holds(const void *arg, uint64_t lo, uint64_t hi, struct gs_totals *unused)
{
    (void)unused;
    const struct tree_ctx *t = arg;
    for (uint64_t p = lo; p < hi; p++) {
        if (t->off[p + 1] < t->off[p] || t->off[p + 1] > t->off[t->n + 1])
            return false;
        for (uint64_t k = t->off[p]; k < t->off[p + 1]; k++) {
            uint32_t c = t->child[k];
            if (c >= t->n || !t->d->reachable[c] || t->d->idom[c] != (p == t->n ? GS_VIRTUAL_ROOT : (uint32_t)p) ||
                (k > t->off[p] && by_retained(&t->child[k - 1], &c, t->d->retained) >= 0))
                return false;
        }
    }
    return true;
}

/* Only beside stored dominators: the lists must be theirs. */
static bool adopt_domtree(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    uint64_t n = s->nobjects;
    const struct gs_stored_meta *m = (a->borrowed & HAVE_DOM) ? stored_meta(a) : NULL;
    if (m) /* the types too: asked for next, nearly always */
        VERIFY(a, GS_STORED_DT_OFF, GS_STORED_DT_CHILD, GS_STORED_TYPES);
    const uint32_t *off = m ? stored(a, GS_STORED_DT_OFF, 4, n + 2) : NULL;
    const uint32_t *child = off ? stored(a, GS_STORED_DT_CHILD, 4, m->nchildren) : NULL;
    /* (the reachable totals are counted before the tree is asked for) */
    if (!child || off[0] != 0 || off[n + 1] != m->nchildren || m->nchildren != a->reachable_totals.objects)
        return false;
    /* Every entry is in its dominator's list, and each list is strictly
     * in by_retained's order: no node twice, so with as many entries as
     * reachable nodes, each once. */
    struct tree_ctx ctx = {n, &a->dom, off, child};
    struct gs_totals none;
    if (!in_halves(tree_holds, &ctx, n + 1, &none))
        return false;
    a->dt_off = (uint32_t *)off;
    a->dt_child = (uint32_t *)child;
    a->dt_sorted = NULL;
    a->borrowed |= HAVE_DOMTREE;
    return true;
}

_Static_assert(sizeof(struct gs_stored_type_total) == sizeof(struct gs_type_total) &&
                   offsetof(struct gs_stored_type_total, reachable_shallow) ==
                       offsetof(struct gs_type_total, reachable_shallow),
               "a file's type totals are read as gs_type_total");

static bool adopt_types(struct gs_analyses *a)
{
    const struct gs_snapshot *s = a->s;
    const struct gs_stored_type_total *t =
        (a->borrowed & HAVE_DOMTREE) && stored_meta(a) ? stored(a, GS_STORED_TYPES, sizeof *t, s->ntypes) : NULL;
    if (!t)
        return false;
    uint64_t total = total_bytes(s);
    for (uint64_t i = 0; i < s->ntypes; i++)
        if (t[i].count > s->nobjects || t[i].shallow > total || t[i].retained > total ||
            t[i].reachable_count > t[i].count || t[i].reachable_shallow > t[i].shallow)
            return false;
    a->types = (struct gs_type_total *)t;
    a->borrowed |= HAVE_TYPES;
    return true;
}

const struct gs_scc *gs_analyses_scc(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_SCC)
        return &a->scc;
    if (failed_before(a, HAVE_SCC, err))
        return NULL;
    if (adopt_scc(a)) {
        a->have |= HAVE_SCC;
        return &a->scc;
    }
    progress(a, "reference cycles");
    return step(a, HAVE_SCC, gs_scc_compute(a->s, &a->scc, err), err) ? &a->scc : NULL;
}

static void sum_garbage(struct gs_analyses *a)
{
    a->garbage_totals = (struct gs_totals){0, 0};
    for (uint64_t i = 0; i < a->s->nobjects; i++)
        if (a->garbage[i]) {
            a->garbage_totals.objects++;
            a->garbage_totals.bytes += a->s->size[i];
        }
}

const uint8_t *gs_analyses_garbage(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_GARBAGE)
        return a->garbage;
    if (failed_before(a, HAVE_GARBAGE, err))
        return NULL;
    if (adopt_garbage(a)) { /* its check summed the totals */
        a->have |= HAVE_GARBAGE;
        return a->garbage;
    }
    progress(a, "cyclic garbage");
    if (!step(a, HAVE_GARBAGE, gs_garbage_compute(a->s, &a->garbage, err), err))
        return NULL;
    sum_garbage(a);
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
    if (adopt_paths(a)) {
        a->have |= HAVE_PATHS;
        return &a->paths;
    }
    progress(a, "shortest paths from the roots");
    return step(a, HAVE_PATHS, gs_paths_compute(a->s, &a->paths, err), err) ? &a->paths : NULL;
}

const struct gs_dominators *gs_analyses_dominators(struct gs_analyses *a, gs_error *err)
{
    if (a->have & HAVE_DOM)
        return &a->dom;
    if (failed_before(a, HAVE_DOM, err))
        return NULL;
    if (adopt_dominators(a)) { /* its checks summed the reachable totals */
        a->have |= HAVE_DOM;
        return &a->dom;
    }
    progress(a, "dominators and retained sizes");
    if (!step(a, HAVE_DOM, gs_dominators_compute(a->s, &a->dom, err), err))
        return NULL;
    a->reachable_totals = (struct gs_totals){0, 0};
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
    if (adopt_domtree(a)) {
        a->have |= HAVE_DOMTREE;
        return true;
    }
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
    if (a->dt_sorted && !a->dt_sorted[p]) {
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
    if (!a->dt_sorted || a->dt_sorted[p])
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
    if (adopt_types(a)) {
        a->have |= HAVE_TYPES;
        return a->types;
    }
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

/* --- saving them with the snapshot --------------------------------------------------- */

/* The cycles' side of gs_analyses_export: the SCC, the garbage and the
 * paths need nothing of the dominators, so they run on a thread of their
 * own, into their own results, touching only the (read-only) snapshot. */
struct other_side {
    const struct gs_snapshot *s;
    bool scc, garbage, paths; /* to compute */
    struct gs_scc scc_out;
    uint8_t *garbage_out;
    struct gs_paths paths_out;
    bool scc_done, paths_done; /* computed (garbage_out says it for the garbage) */
    gs_status st;
    gs_error err;
};

static void *compute_other_side(void *arg)
{
    struct other_side *o = arg;
    o->st = GS_OK;
    if (o->scc && (o->st = gs_scc_compute(o->s, &o->scc_out, &o->err)) != GS_OK)
        return NULL;
    o->scc_done = o->scc;
    if (o->garbage && (o->st = gs_garbage_compute(o->s, &o->garbage_out, &o->err)) != GS_OK)
        return NULL;
    if (o->paths && (o->st = gs_paths_compute(o->s, &o->paths_out, &o->err)) != GS_OK)
        return NULL;
    o->paths_done = o->paths;
    return NULL;
}

/* Sort every child list once (the presenters then never sort). */
static void sort_all_children(struct gs_analyses *a)
{
    if (!a->dt_sorted)
        return;
    for (uint64_t p = 0; p <= a->s->nobjects; p++) {
        uint64_t n = a->dt_off[p + 1] - a->dt_off[p];
        if (!a->dt_sorted[p] && n > 1)
            gs_qsort_r(a->dt_child + a->dt_off[p], (size_t)n, sizeof *a->dt_child, by_retained, a->dom.retained);
    }
    gs_scratch_free(a->dt_sorted);
    a->dt_sorted = NULL;
}

/* The other side's results become a's, whatever happened on this side. */
static void install(struct gs_analyses *a, struct other_side *o)
{
    if (o->scc_done && !(a->have & HAVE_SCC))
        a->scc = o->scc_out, a->have |= HAVE_SCC;
    else if (o->scc_done)
        gs_scc_free(&o->scc_out);
    if (o->garbage_out && !(a->have & HAVE_GARBAGE))
        a->garbage = o->garbage_out, a->have |= HAVE_GARBAGE, sum_garbage(a);
    else
        free(o->garbage_out);
    if (o->paths_done && !(a->have & HAVE_PATHS))
        a->paths = o->paths_out, a->have |= HAVE_PATHS;
    else if (o->paths_done)
        gs_paths_free(&o->paths_out);
}

/* What compute_both asks for. */
#define GS_AN_SCC (1u << 0)
#define GS_AN_GARBAGE (1u << 1)
#define GS_AN_PATHS (1u << 2)
#define GS_AN_DOMINATORS (1u << 3)
#define GS_AN_TREE (1u << 4) /* the dominator tree and the per-type totals, with the dominators */

/* Compute what is asked, on both cores: the SCC, the garbage and the paths
 * need nothing of each other nor of the dominators, so they run on a
 * second thread while this one computes the dominators (with GS_AN_TREE,
 * the tree and the types too), or the SCC when no dominators are asked
 * for. What the snapshot file carries is read, not computed. Failures are
 * not reported here: the getters, asked next, fail the same way and say
 * why. (Only --save uses it: the reports asked for it measured no gain on
 * the loaded 2-core test machine, and --dump-cycles 0.3 s more CPU, the
 * two threads' page faults contending.) */
static void compute_both(struct gs_analyses *a, unsigned what)
{
    if (a->failed)
        return;
    /* What the file carried is taken first (on this thread: it sets a's
     * fields); what remains is shared out. */
    if ((what & GS_AN_SCC) && !(a->have & HAVE_SCC) && adopt_scc(a))
        a->have |= HAVE_SCC;
    if ((what & GS_AN_GARBAGE) && !(a->have & HAVE_GARBAGE) && adopt_garbage(a))
        a->have |= HAVE_GARBAGE; /* its check summed the totals */
    if ((what & GS_AN_PATHS) && !(a->have & HAVE_PATHS) && adopt_paths(a))
        a->have |= HAVE_PATHS;
    struct other_side other = {.s = a->s}, mine = {.s = a->s};
    other.scc = (what & GS_AN_SCC) && !(a->have & HAVE_SCC);
    other.garbage = (what & GS_AN_GARBAGE) && !(a->have & HAVE_GARBAGE);
    other.paths = (what & GS_AN_PATHS) && !(a->have & HAVE_PATHS);
    bool tree = (what & GS_AN_TREE) != 0;
    bool dom = (what & (GS_AN_DOMINATORS | GS_AN_TREE)) && !(a->have & (tree ? HAVE_TYPES : HAVE_DOM));
    if (!dom) {
        /* no dominators to compute here: this thread takes the SCC (the
         * longest of the three), or else the garbage */
        if (other.scc)
            mine.scc = true, other.scc = false;
        else if (other.garbage && other.paths)
            mine.garbage = true, other.garbage = false;
    }
    if (!other.scc && !other.garbage && !other.paths)
        return; /* one job or none: the getters do it, on this thread */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay this thread's */
    pthread_t thread;
    bool threaded = pthread_create(&thread, NULL, compute_other_side, &other) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!threaded)
        compute_other_side(&other);
    gs_error ignored; /* a getter asked again fails the same way, and says it */
    if (dom && tree)
        (void)gs_analyses_types(a, &ignored);
    else if (dom)
        (void)gs_analyses_dominators(a, &ignored);
    else
        compute_other_side(&mine);
    if (threaded)
        pthread_join(thread, NULL);
    install(a, &mine);
    install(a, &other);
}

gs_status gs_analyses_export(struct gs_analyses *a, struct gs_stored_section *out, gs_error *err)
{
    const struct gs_snapshot *s = a->s;
    memset(out, 0, GS_STORED_COUNT * sizeof *out);
    compute_both(a, GS_AN_SCC | GS_AN_GARBAGE | GS_AN_PATHS | GS_AN_TREE);
    /* each through its getter: what could not be computed says why there */
    if (!gs_analyses_scc(a, err) || !gs_analyses_garbage(a, err) || !gs_analyses_paths(a, err) ||
        !gs_analyses_types(a, err))
        return err->code;
    sort_all_children(a);
    uint64_t n = s->nobjects;
    a->export_meta = (struct gs_stored_meta){.version = GS_ANALYSES_VERSION,
                                             .nobjects = n,
                                             .nedges = s->nedges,
                                             .nroots = s->nroots,
                                             .ntypes = s->ntypes,
                                             .ncycles = a->scc.ncycles,
                                             .nmembers = a->scc.off[a->scc.ncycles],
                                             .nchildren = a->dt_off[n + 1]};
    const struct gs_stored_meta *m = &a->export_meta;
#define OUT(KIND, PTR, COUNT) out[KIND] = (struct gs_stored_section){PTR, COUNT, 0, 0, (uint32_t)sizeof *(PTR)}
    OUT(GS_STORED_META, m, 1);
    OUT(GS_STORED_GARBAGE, a->garbage, n);
    OUT(GS_STORED_REACHABLE, a->dom.reachable, n);
    OUT(GS_STORED_IDOM, a->dom.idom, n);
    OUT(GS_STORED_RETAINED, a->dom.retained, n);
    OUT(GS_STORED_DT_OFF, a->dt_off, n + 2);
    OUT(GS_STORED_DT_CHILD, a->dt_child, m->nchildren);
    OUT(GS_STORED_TYPES, (const struct gs_stored_type_total *)a->types, s->ntypes);
    OUT(GS_STORED_CYCLE_OF, a->scc.cycle_of, n);
    OUT(GS_STORED_CYCLE_OFF, a->scc.off, m->ncycles + 1);
    OUT(GS_STORED_CYCLE_MEMBERS, a->scc.members, m->nmembers);
    OUT(GS_STORED_PATH_PARENT, a->paths.parent, n);
    OUT(GS_STORED_PATH_EDGE, a->paths.parent_edge, n);
    OUT(GS_STORED_PATH_ROOT, a->paths.root, n);
    OUT(GS_STORED_PATH_DEPTH, a->paths.depth, n);
#undef OUT
    return GS_OK;
}
