/* test_dominators: the dominator tree and retained sizes over hand-made
 * graphs, a chain deep enough to overflow any recursive version, and
 * random graphs checked against a naive dominator computation (remove d,
 * see what the roots no longer reach); MAT's retained size of a set of
 * types (graph/analyses.h) by hand and against a walk up the idom chains. */
#include "config.h"

#include <stdlib.h>

#include "graph/analyses.h"
#include "graph/analysis.h"
#include "snapbuild.h"
#include "unit.h"
#include "util/alloc.h"

#define VR GS_VIRTUAL_ROOT
#define SZ 48 /* snapbuild's size of every object */

static struct gs_snapshot *build(uint32_t n, const uint32_t (*edges)[2], size_t nedges, const uint32_t *roots,
                                 size_t nroots)
{
    uint32_t *src = gs_xcalloc(nedges + 1, sizeof *src), *dst = gs_xcalloc(nedges + 1, sizeof *dst);
    for (size_t i = 0; i < nedges; i++) {
        src[i] = edges[i][0];
        dst[i] = edges[i][1];
    }
    struct gs_snapshot *s = snapbuild(n, src, dst, nedges, roots, nroots);
    free(src);
    free(dst);
    return s;
}

static void compute(const struct gs_snapshot *s, struct gs_dominators *d)
{
    gs_error err = {0};
    gs_status st = gs_dominators_compute(s, d, &err);
    UNIT_CHECK(st == GS_OK);
    if (st != GS_OK)
        fprintf(stderr, "gs_dominators_compute: %s\n", err.msg);
}

static void test_diamond(void)
{
    /*   0 -> 1 -> 3 -> 4
     *   0 -> 2 -> 3          */
    static const uint32_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}};
    static const uint32_t roots[] = {0};
    struct gs_snapshot *s = build(5, e, 5, roots, 1);
    struct gs_dominators d;
    compute(s, &d);
    UNIT_CHECK_EQ_U64(d.idom[0], VR);
    UNIT_CHECK_EQ_U64(d.idom[1], 0);
    UNIT_CHECK_EQ_U64(d.idom[2], 0);
    UNIT_CHECK_EQ_U64(d.idom[3], 0);
    UNIT_CHECK_EQ_U64(d.idom[4], 3);
    UNIT_CHECK_EQ_U64(d.retained[0], 5 * SZ);
    UNIT_CHECK_EQ_U64(d.retained[1], SZ);
    UNIT_CHECK_EQ_U64(d.retained[2], SZ);
    UNIT_CHECK_EQ_U64(d.retained[3], 2 * SZ);
    for (int i = 0; i < 5; i++)
        UNIT_CHECK(d.reachable[i] == 1);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

static void test_chain_and_cycle(void)
{
    /* 0 -> 1 -> 2 -> 0 (a cycle through the root's target), 2 -> 3, 3 -> 3 */
    static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 0}, {2, 3}, {3, 3}};
    static const uint32_t roots[] = {0};
    struct gs_snapshot *s = build(4, e, 5, roots, 1);
    struct gs_dominators d;
    compute(s, &d);
    UNIT_CHECK_EQ_U64(d.idom[0], VR);
    UNIT_CHECK_EQ_U64(d.idom[1], 0);
    UNIT_CHECK_EQ_U64(d.idom[2], 1);
    UNIT_CHECK_EQ_U64(d.idom[3], 2);
    UNIT_CHECK_EQ_U64(d.retained[0], 4 * SZ);
    UNIT_CHECK_EQ_U64(d.retained[1], 3 * SZ);
    UNIT_CHECK_EQ_U64(d.retained[3], SZ);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

static void test_shared_by_roots(void)
{
    /* Roots 0 and 1 both hold 2, which holds 3; 4 is reached from root 0
     * and is itself a root (an "external" one); 5 is held by 0 twice. */
    static const uint32_t e[][2] = {{0, 2}, {1, 2}, {2, 3}, {0, 4}, {4, 6}, {0, 5}, {0, 5}};
    static const uint32_t roots[] = {0, 1, 4, 0};
    struct gs_snapshot *s = build(7, e, 7, roots, 4);
    s->roots[2].kind = GS_ROOT_EXTERNAL;
    struct gs_dominators d;
    compute(s, &d);
    UNIT_CHECK_EQ_U64(d.idom[0], VR);
    UNIT_CHECK_EQ_U64(d.idom[1], VR);
    UNIT_CHECK_EQ_U64(d.idom[2], VR); /* reached from two roots: only the virtual root dominates it */
    UNIT_CHECK_EQ_U64(d.idom[3], 2);
    UNIT_CHECK_EQ_U64(d.idom[4], VR); /* a root of its own, even if 0 holds it too */
    UNIT_CHECK_EQ_U64(d.idom[5], 0);
    UNIT_CHECK_EQ_U64(d.idom[6], 4);
    UNIT_CHECK_EQ_U64(d.retained[0], 2 * SZ);
    UNIT_CHECK_EQ_U64(d.retained[1], SZ);
    UNIT_CHECK_EQ_U64(d.retained[2], 2 * SZ);
    UNIT_CHECK_EQ_U64(d.retained[4], 2 * SZ);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

static void test_unreachable(void)
{
    /* 0 -> 1; 2 <-> 3 -> 4 is cyclic garbage no root reaches, 4 -> 1. */
    static const uint32_t e[][2] = {{0, 1}, {2, 3}, {3, 2}, {3, 4}, {4, 1}};
    static const uint32_t roots[] = {0};
    struct gs_snapshot *s = build(5, e, 5, roots, 1);
    s->size[3] = 1000;
    struct gs_dominators d;
    compute(s, &d);
    UNIT_CHECK(d.reachable[0] == 1 && d.reachable[1] == 1);
    UNIT_CHECK_EQ_U64(d.idom[1], 0); /* the garbage's edge into it changes nothing */
    for (int i = 2; i < 5; i++) {
        UNIT_CHECK(d.reachable[i] == 0);
        UNIT_CHECK_EQ_U64(d.idom[i], GS_NO_NODE);
    }
    UNIT_CHECK_EQ_U64(d.retained[2], SZ);
    UNIT_CHECK_EQ_U64(d.retained[3], 1000); /* unreachable: its own size only */
    UNIT_CHECK_EQ_U64(d.retained[0], 2 * SZ);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

static void test_no_roots(void)
{
    static const uint32_t e[][2] = {{0, 1}};
    struct gs_snapshot *s = build(2, e, 1, NULL, 0);
    struct gs_dominators d;
    compute(s, &d);
    UNIT_CHECK(d.reachable[0] == 0 && d.reachable[1] == 0);
    UNIT_CHECK_EQ_U64(d.retained[0], SZ);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

/* A linked list of a million objects with a back pointer in each: a
 * recursive search or path compression would need a million frames. */
static void test_deep_chain(void)
{
    const uint32_t n = 1000000;
    size_t ne = 2 * (size_t)(n - 1);
    uint32_t *src = gs_xcalloc(ne, sizeof *src), *dst = gs_xcalloc(ne, sizeof *dst);
    size_t k = 0;
    for (uint32_t i = 0; i + 1 < n; i++) {
        src[k] = i;
        dst[k++] = i + 1;
        src[k] = i + 1;
        dst[k++] = i;
    }
    uint32_t root = 0;
    struct gs_snapshot *s = snapbuild(n, src, dst, ne, &root, 1);
    free(src);
    free(dst);
    struct gs_dominators d;
    compute(s, &d);
    uint32_t bad = 0;
    for (uint32_t i = 1; i < n; i++)
        bad += d.idom[i] != i - 1 || d.retained[i] != (uint64_t)(n - i) * SZ;
    UNIT_CHECK_EQ_U64(bad, 0);
    UNIT_CHECK_EQ_U64(d.retained[0], (uint64_t)n * SZ);
    gs_dominators_free(&d);
    gs_snapshot_free(s);
}

/* --- against the definition ------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t bound)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % bound);
}

/* What the roots reach when node `removed` is taken out (GS_NO_NODE: nothing). */
static void reach_without(const struct gs_snapshot *s, uint32_t removed, uint8_t *seen, uint32_t *stack)
{
    size_t top = 0;
    memset(seen, 0, s->nobjects);
    for (uint64_t r = 0; r < s->nroots; r++) {
        uint32_t v = s->roots[r].node;
        if (v != removed && !seen[v]) {
            seen[v] = 1;
            stack[top++] = v;
        }
    }
    while (top) {
        uint32_t v = stack[--top];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (w != removed && !seen[w]) {
                seen[w] = 1;
                stack[top++] = w;
            }
        }
    }
}

static void check_against_naive(uint32_t n, uint32_t nedges, uint32_t nroots)
{
    uint32_t *src = gs_xcalloc(nedges + 1, sizeof *src), *dst = gs_xcalloc(nedges + 1, sizeof *dst);
    uint32_t *roots = gs_xcalloc(nroots + 1, sizeof *roots);
    for (uint32_t i = 0; i < nedges; i++) {
        src[i] = rnd(n);
        /* mostly forward edges, so that long dominator chains appear */
        dst[i] = rnd(4) ? (src[i] + 1 + rnd(5)) % n : rnd(n);
    }
    for (uint32_t r = 0; r < nroots; r++)
        roots[r] = rnd(n);
    struct gs_snapshot *s = snapbuild(n, src, dst, nedges, roots, nroots);
    for (uint32_t i = 0; i < n; i++)
        s->size[i] = 16 + rnd(1000);
    /* dominated[d * n + x]: d strictly dominates x */
    uint8_t *dominated = gs_xcalloc((size_t)n * n, 1);
    uint8_t *all = gs_xcalloc(n, 1), *seen = gs_xcalloc(n, 1);
    uint32_t *stack = gs_xcalloc(n + nedges + nroots + 1, sizeof *stack);
    reach_without(s, GS_NO_NODE, all, stack);
    uint32_t *ndoms = gs_xcalloc(n, sizeof *ndoms);
    for (uint32_t dnode = 0; dnode < n; dnode++) {
        if (!all[dnode])
            continue;
        reach_without(s, dnode, seen, stack);
        for (uint32_t x = 0; x < n; x++)
            if (x != dnode && all[x] && !seen[x]) {
                dominated[(size_t)dnode * n + x] = 1;
                ndoms[x]++;
            }
    }
    struct gs_dominators d;
    compute(s, &d);
    uint32_t bad_idom = 0, bad_retained = 0, bad_reach = 0;
    for (uint32_t x = 0; x < n; x++) {
        bad_reach += d.reachable[x] != all[x];
        /* the immediate dominator: the strict dominator that itself has
         * one dominator fewer than x */
        uint32_t want = all[x] ? VR : GS_NO_NODE;
        for (uint32_t dn = 0; dn < n; dn++)
            if (dominated[(size_t)dn * n + x] && ndoms[dn] + 1 == ndoms[x])
                want = dn;
        bad_idom += d.idom[x] != want;
        uint64_t ret = s->size[x];
        if (all[x])
            for (uint32_t y = 0; y < n; y++)
                if (dominated[(size_t)x * n + y])
                    ret += s->size[y];
        bad_retained += d.retained[x] != ret;
    }
    UNIT_CHECK_EQ_U64(bad_reach, 0);
    UNIT_CHECK_EQ_U64(bad_idom, 0);
    UNIT_CHECK_EQ_U64(bad_retained, 0);
    gs_dominators_free(&d);
    free(ndoms);
    free(stack);
    free(seen);
    free(all);
    free(dominated);
    gs_snapshot_free(s);
    free(src);
    free(dst);
    free(roots);
}

static void test_random(void)
{
    for (int round = 0; round < 40; round++) {
        uint32_t n = 2 + rnd(300);
        check_against_naive(n, rnd(3 * n + 1), 1 + rnd(4));
    }
    check_against_naive(1500, 3000, 3);
}

/* A third type, "Node" again (another module): two classes of one name. */
static void add_second_node_type(struct gs_snapshot *s)
{
    s->types = gs_xreallocarray(s->types, 3, sizeof *s->types);
    s->types[2] = s->types[1];
    s->types[2].module = s->types[0].name;
    s->ntypes = 3;
}

static uint64_t set_retained(struct gs_analyses *an, const uint8_t *match)
{
    gs_error err = {0};
    uint64_t v = UINT64_MAX;
    UNIT_CHECK(gs_analyses_retained_of_types(an, match, &v, &err) == GS_OK);
    return v;
}

static void test_retained_of_types(void)
{
    /*   0 -> 1 -> 2 -> 3      types: 1 and 3 are type 1, 2 and 4 type 2
     *   0 -> 4                                                           */
    static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {0, 4}};
    static const uint32_t roots[] = {0};
    struct gs_snapshot *s = build(5, e, 4, roots, 1);
    add_second_node_type(s);
    s->type[0] = 0;
    s->type[2] = s->type[4] = 2;
    struct gs_analyses *an = gs_analyses_new(s, NULL, NULL);
    static const uint8_t both[4] = {0, 1, 1, 0}, first[4] = {0, 1, 0, 0}, second[4] = {0, 0, 1, 0}, none[4] = {0};
    /* 1 dominates 2 and 3: the set counts 1 (3 objects) and 4 (1 object),
     * less than the two types' own sizes summed (3 + 2 + 1). */
    UNIT_CHECK_EQ_U64(set_retained(an, both), 4 * SZ);
    UNIT_CHECK_EQ_U64(set_retained(an, first), 3 * SZ);
    UNIT_CHECK_EQ_U64(set_retained(an, second), 3 * SZ);
    UNIT_CHECK_EQ_U64(set_retained(an, none), 0);
    gs_analyses_free(an);
    gs_snapshot_free(s);
}

/* The set's retained size by its definition: the reachable members with
 * no member among their dominators, each walked up its idom chain. */
static uint64_t naive_set_retained(const struct gs_snapshot *s, const struct gs_dominators *d, const uint8_t *match)
{
    uint64_t total = 0;
    for (uint32_t v = 0; v < s->nobjects; v++) {
        if (!d->reachable[v] || !match[s->type[v]])
            continue;
        bool dominated = false;
        for (uint32_t u = d->idom[v]; u < s->nobjects && !dominated; u = d->idom[u])
            dominated = match[s->type[u]];
        if (!dominated)
            total += d->retained[v];
    }
    return total;
}

static void test_retained_of_types_random(void)
{
    static const uint8_t both[4] = {0, 1, 1, 0};
    for (int round = 0; round < 30; round++) {
        uint32_t n = 2 + rnd(300);
        size_t ne = rnd(3 * n + 1);
        uint32_t *src = gs_xcalloc(ne + 1, sizeof *src), *dst = gs_xcalloc(ne + 1, sizeof *dst);
        for (size_t i = 0; i < ne; i++) {
            src[i] = rnd(n);
            dst[i] = rnd(n);
        }
        uint32_t roots[2] = {0, rnd(n)};
        struct gs_snapshot *s = snapbuild(n, src, dst, ne, roots, 2);
        add_second_node_type(s);
        for (uint32_t v = 0; v < n; v++)
            s->type[v] = rnd(3);
        struct gs_analyses *an = gs_analyses_new(s, NULL, NULL);
        gs_error err = {0};
        const struct gs_dominators *d = gs_analyses_dominators(an, &err);
        UNIT_CHECK(d != NULL);
        if (d)
            UNIT_CHECK_EQ_U64(set_retained(an, both), naive_set_retained(s, d, both));
        gs_analyses_free(an);
        gs_snapshot_free(s);
        free(src);
        free(dst);
    }
}

int main(void)
{
    test_diamond();
    test_chain_and_cycle();
    test_shared_by_roots();
    test_unreachable();
    test_no_roots();
    test_deep_chain();
    test_random();
    test_retained_of_types();
    test_retained_of_types_random();
    return unit_finish("test_dominators");
}
