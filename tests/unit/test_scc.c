/* test_scc: reference cycles (strongly connected components) and cyclic
 * garbage (CPython's rule) on snapshots built by hand, and the cycle
 * report over them. Deep graphs (a million-node chain and ring) must not
 * overflow any stack. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "py/kinds.h"
#include "report/table.h"
#include "snapbuild.h"
#include "unit.h"

#define BIG 1000000u

static struct gs_snapshot *build(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t nedges,
                                 const uint32_t *roots, size_t nroots)
{
    return snapbuild(n, src, dst, nedges, roots, nroots);
}

/* Append a string to a built snapshot's pool; its id. */
static uint32_t add_string(struct gs_snapshot *s, const char *str)
{
    size_t len = s->strings_len, n = strlen(str) + 1;
    s->strings = realloc(s->strings, len + n);
    memcpy(s->strings + len, str, n);
    s->strings_len = len + n;
    return (uint32_t)len;
}

/* The members of cycle c as a bit set over at most 64 nodes. */
static uint64_t members_mask(const struct gs_scc *scc, uint64_t c)
{
    uint64_t mask = 0;
    for (uint64_t i = scc->off[c]; i < scc->off[c + 1]; i++)
        mask |= 1ULL << scc->members[i];
    return mask;
}

static uint64_t garbage_mask(const struct gs_snapshot *s)
{
    uint8_t *g = NULL;
    gs_error err;
    uint64_t mask = 0;
    UNIT_CHECK(gs_garbage_compute(s, &g, &err) == GS_OK);
    for (uint64_t i = 0; g && i < s->nobjects; i++)
        if (g[i])
            mask |= 1ULL << i;
    free(g);
    return mask;
}

static char *report(const struct gs_snapshot *s, bool json, size_t top);

static void test_empty(void)
{
    struct gs_snapshot *s = build(0, NULL, NULL, 0, NULL, 0);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 0);
    gs_scc_free(&scc);
    char *j = report(s, true, 0);
    UNIT_CHECK(strstr(j, "\"cycles\":[]") != NULL);
    free(j);
    char *t = report(s, false, 0);
    UNIT_CHECK(strstr(t, "reference cycles: 0") != NULL);
    free(t);
    gs_snapshot_free(s);
}

static void test_no_cycle(void)
{
    uint32_t src[] = {0, 1, 1, 2};
    uint32_t dst[] = {1, 2, 3, 3};
    uint32_t roots[] = {0};
    struct gs_snapshot *s = build(4, src, dst, 4, roots, 1);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 0);
    for (uint32_t i = 0; i < 4; i++)
        UNIT_CHECK_EQ_U64(scc.cycle_of[i], GS_NO_NODE);
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0);
    gs_scc_free(&scc);
    gs_snapshot_free(s);
}

static void test_one_loop(void)
{
    /* 3 -> 0 -> 1 -> 2 -> 0: one cycle {0,1,2}; 3 leads into it. */
    uint32_t src[] = {3, 0, 1, 2};
    uint32_t dst[] = {0, 1, 2, 0};
    uint32_t roots[] = {3};
    struct gs_snapshot *s = build(4, src, dst, 4, roots, 1);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 1);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 0), 0x7);
    UNIT_CHECK_EQ_U64(scc.cycle_of[3], GS_NO_NODE);
    UNIT_CHECK_EQ_U64(scc.cycle_of[0], 0);
    UNIT_CHECK_EQ_U64(scc.cycle_of[2], 0);
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0);
    gs_scc_free(&scc);
    gs_snapshot_free(s);
}

static void test_nested(void)
{
    /* {0,1} -> {2,3,4} -> 5 (self) -> 6; and {7,8} with a chord inside
     * {2,3,4} (3 -> 2) and an edge back from the inner ring to nothing.
     * Numbered so the cycles' order (lowest node first) is checkable:
     * cycle 0 = {0,1}, 1 = {2,3,4}, 2 = {5}, 3 = {7,8}. */
    uint32_t src[] = {0, 1, 1, 2, 3, 4, 3, 4, 5, 5, 7, 8, 8};
    uint32_t dst[] = {1, 0, 2, 3, 4, 2, 2, 5, 5, 6, 8, 7, 1};
    struct gs_snapshot *s = build(9, src, dst, 13, NULL, 0);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 4);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 0), 0x3);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 1), 0x1c);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 2), 0x20);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 3), 0x180);
    UNIT_CHECK_EQ_U64(scc.cycle_of[6], GS_NO_NODE);
    /* members ascending inside each cycle */
    for (uint64_t c = 0; c < scc.ncycles; c++)
        for (uint64_t i = scc.off[c] + 1; i < scc.off[c + 1]; i++)
            UNIT_CHECK(scc.members[i - 1] < scc.members[i]);
    /* No roots and no outside references: everything is garbage. */
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0x1ff);
    gs_scc_free(&scc);
    gs_snapshot_free(s);
}

static void test_self_loop(void)
{
    uint32_t src[] = {0, 1};
    uint32_t dst[] = {0, 2};
    uint32_t roots[] = {0};
    struct gs_snapshot *s = build(3, src, dst, 2, roots, 1);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 1);
    UNIT_CHECK_EQ_U64(members_mask(&scc, 0), 0x1);
    /* 1 -> 2 with nothing holding 1: garbage, though on no cycle. */
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0x6);
    gs_scc_free(&scc);
    gs_snapshot_free(s);
}

/* An instance's edge to its class does not make a cycle (scc.c). */
static void test_class_edge(void)
{
    /* 0 = an instance whose class is node 1; 1 -> 0 (the class holds it). */
    uint32_t src[] = {0, 1};
    uint32_t dst[] = {1, 0};
    struct gs_snapshot *s = build(2, src, dst, 2, NULL, 0);
    s->types[1].addr = s->addr[1];
    /* snapbuild labels edge e "[e]"; make edge 0 a ".__class__" field. */
    s->out_label[s->out_off[0]] = gs_label_make(GS_LABEL_FIELD, add_string(s, "__class__"));
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 0);
    gs_scc_free(&scc);
    /* The collector still follows it: both are garbage together. */
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0x3);
    gs_snapshot_free(s);
}

static void test_deep(bool ring)
{
    uint32_t n = BIG;
    uint32_t *src = malloc(sizeof *src * n), *dst = malloc(sizeof *dst * n);
    size_t m = 0;
    for (uint32_t i = 0; i + 1 < n; i++, m++) {
        src[m] = i;
        dst[m] = i + 1;
    }
    if (ring) {
        src[m] = n - 1;
        dst[m++] = 0;
    }
    uint32_t roots[] = {0};
    struct gs_snapshot *s = build(n, src, dst, m, roots, ring ? 0 : 1);
    free(src);
    free(dst);
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, ring ? 1 : 0);
    if (ring && scc.ncycles == 1) {
        UNIT_CHECK_EQ_U64(scc.off[1], n);
        UNIT_CHECK_EQ_U64(scc.members[0], 0);
        UNIT_CHECK_EQ_U64(scc.members[n - 1], n - 1);
    }
    gs_scc_free(&scc);
    uint8_t *g = NULL;
    UNIT_CHECK(gs_garbage_compute(s, &g, &err) == GS_OK);
    uint64_t ngarbage = 0;
    for (uint32_t i = 0; g && i < n; i++)
        ngarbage += g[i];
    /* The chain hangs from a root: alive. The ring has none: garbage. */
    UNIT_CHECK_EQ_U64(ngarbage, ring ? n : 0);
    free(g);
    if (ring) {
        /* The report walks the whole ring for its loop. */
        FILE *null = fopen("/dev/null", "w");
        struct gs_report_opts o = {.format = GS_FORMAT_JSON};
        UNIT_CHECK(gs_report_write(gs_report_by_name("cycles"), null, s, &o, &err) == GS_OK);
        fclose(null);
    }
    gs_snapshot_free(s);
}

/* CPython's rule: gc_refs = refcnt - references from examined objects. */
static void test_garbage_rule(void)
{
    /*  0 <-> 1        nothing else: garbage; 0 -> 2 (reachable only from garbage)
     *  3 <-> 4        3 has one reference from outside the graph: alive
     *  5 -> 6 <-> 7   5 is a root: alive
     *  8 -> 9 <-> 10  8 is untracked: alive, and so what it holds
     *  11 -> 12 <-> 13  11 is frozen (not examined): alive, and so what it holds
     *  14 <-> 15      14 is immortal: alive
     *  16 <-> 17      17's count is below the graph's: not trusted, alive */
    uint32_t src[] = {0, 1, 0, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    uint32_t dst[] = {1, 0, 2, 4, 3, 6, 7, 6, 9, 10, 9, 12, 13, 12, 15, 14, 17, 16};
    uint32_t roots[] = {5};
    struct gs_snapshot *s = build(18, src, dst, 18, roots, 1);
    s->refcnt[3]++;
    s->flags[8] &= (uint16_t)~GS_NODE_TRACKED;
    s->refcnt[8] = 1;
    s->flags[11] |= GS_NODE_FROZEN;
    s->refcnt[11] = 1;
    s->flags[14] |= GS_NODE_IMMORTAL;
    s->refcnt[14] = 0;
    s->refcnt[17] = 0;
    UNIT_CHECK_EQ_U64(garbage_mask(s), 0x7);

    /* A reference from an untracked object does not count as internal:
     * 9 stays alive even when the untracked 8 is not itself a root. */
    struct gs_scc scc;
    gs_error err;
    UNIT_CHECK(gs_scc_compute(s, &scc, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(scc.ncycles, 7);
    gs_scc_free(&scc);
    gs_snapshot_free(s);
}

/* Finalizers from the type facts; generators do not count. */
static void test_finalizers(void)
{
    uint32_t src[] = {0, 1};
    uint32_t dst[] = {1, 0};
    struct gs_snapshot *s = build(2, src, dst, 2, NULL, 0);
    struct gs_snap_type *t = &s->types[1];
    UNIT_CHECK(!gs_node_has_del(s, 0));
    t->facts = GS_TYPE_PY_DEL | GS_TYPE_FINALIZE | GS_TYPE_HEAPTYPE;
    UNIT_CHECK(gs_node_has_del(s, 0));
    UNIT_CHECK(!gs_node_has_legacy_del(s, 0));
    t->facts = GS_TYPE_FINALIZE;
    t->kind = GS_PYK_IO_FILEIO;
    UNIT_CHECK(gs_node_has_del(s, 0));
    t->kind = GS_PYK_GENERATOR;
    UNIT_CHECK(!gs_node_has_del(s, 0));
    t->kind = GS_PYK_COROUTINE;
    UNIT_CHECK(!gs_node_has_del(s, 0));
    t->facts = GS_TYPE_LEGACY_DEL;
    t->kind = GS_PYK_OBJECT;
    UNIT_CHECK(gs_node_has_del(s, 0));
    UNIT_CHECK(gs_node_has_legacy_del(s, 0));
    UNIT_CHECK(!gs_node_has_del(s, 7)); /* out of range: no */
    gs_snapshot_free(s);
}

static char *report(const struct gs_snapshot *s, bool json, size_t top)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct gs_report_opts o = {.format = json ? GS_FORMAT_JSON : GS_FORMAT_TEXT, .top = top};
    gs_error err;
    UNIT_CHECK(gs_report_write(gs_report_by_name("cycles"), f, s, &o, &err) == GS_OK);
    fclose(f);
    if (json) { /* compact, whatever the writer's spacing: no value here has a space */
        size_t k = 0;
        for (size_t i = 0; buf[i]; i++)
            if (buf[i] != ' ')
                buf[k++] = buf[i];
        buf[k] = '\0';
    }
    return buf;
}

static void test_report(void)
{
    /* garbage {0,1}; garbage with finalizers {2,3}; reachable {5,6} under
     * root 4; three garbage cycles alike {7,8} {9,10} {11,12}. */
    uint32_t src[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    uint32_t dst[] = {1, 0, 3, 2, 5, 6, 5, 8, 7, 10, 9, 12, 11};
    uint32_t roots[] = {4};
    struct gs_snapshot *s = build(13, src, dst, 13, roots, 1);
    /* types: 2 WithDel (defines __del__) for nodes 2, 3; 3 Big for node 0,
     * which makes its cycle the biggest garbage */
    s->types = realloc(s->types, 4 * sizeof *s->types);
    s->types[2] = s->types[1];
    s->types[2].name = add_string(s, "WithDel");
    s->types[2].facts = GS_TYPE_PY_DEL | GS_TYPE_FINALIZE | GS_TYPE_HEAPTYPE;
    s->types[2].addr = 0x99000;
    s->types[3] = s->types[1];
    s->types[3].name = add_string(s, "Big");
    s->types[3].addr = 0x99100;
    s->ntypes = 4;
    s->type[2] = s->type[3] = 2;
    s->type[0] = 3;
    s->size[0] = 1000;

    char *j = report(s, true, 0);
    UNIT_CHECK(strstr(j, "\"garbage_objects\":10") != NULL);
    UNIT_CHECK(strstr(j, "\"garbage_bytes\":1432") != NULL);
    UNIT_CHECK(strstr(j, "\"cycle_counts\":{\"garbage-with-finalizers\":1,\"garbage\":4,\"reachable\":1}") != NULL);
    /* ranked: the 1,048-byte garbage cycle first, the reachable one last */
    const char *first = strstr(j, "\"cycles\":[{\"class\":\"garbage\"");
    UNIT_CHECK(first != NULL);
    UNIT_CHECK(first && strstr(first, "\"bytes\":1048") != NULL);
    UNIT_CHECK(strstr(j, "\"loop\":[{\"addr\":\"0x1000\",\"type\":\"Big\",\"edge\":\"[0]\"},"
                         "{\"addr\":\"0x1040\",\"type\":\"Node\",\"edge\":\"[1]\"}]") != NULL);
    UNIT_CHECK(strstr(j, "\"class\":\"garbage-with-finalizers\"") != NULL);
    UNIT_CHECK(strstr(j, "\"finalizers\":[\"WithDel\"]") != NULL);
    const char *reach = strstr(j, "\"class\":\"reachable\"");
    UNIT_CHECK(reach && strstr(reach, "\"path\":{") != NULL);
    UNIT_CHECK(strstr(j, "\"cycles\":3,") != NULL); /* the three alike, as one shape */
    free(j);

    char *t = report(s, false, 2);
    UNIT_CHECK(strstr(t, "#1   garbage: 2 objects, 1.0 KiB") != NULL);
    UNIT_CHECK(strstr(t, "Big@0x1000 [0] -> Node@0x1040 [1] -> back") != NULL);
    UNIT_CHECK(strstr(t, "alike       2 more cycles") != NULL);
    UNIT_CHECK(strstr(t, "more shape") != NULL); /* --top 2 of 4 shapes */
    UNIT_CHECK(strstr(t, "reachable:") == NULL);
    free(t);
    gs_snapshot_free(s);
}

int main(void)
{
    test_empty();
    test_no_cycle();
    test_one_loop();
    test_nested();
    test_self_loop();
    test_class_edge();
    test_garbage_rule();
    test_finalizers();
    test_report();
    test_deep(false);
    test_deep(true);
    return unit_finish("test_scc");
}
