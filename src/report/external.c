/* external.c: --dump-external, references the graph cannot explain.
 *
 * An object's reference count minus the references gcscope found to it
 * is what something outside the graph holds: a C extension's static or
 * cache, the C stack of a running call, or a leaked reference (a missing
 * Py_DECREF). Summed per type, a C extension that leaks stands out. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

struct ext_type {
    uint32_t type;
    uint64_t objects; /* objects with references from outside */
    uint64_t refs;    /* references from outside, summed */
};

static int by_refs(const void *a, const void *b)
{
    const struct ext_type *x = a, *y = b;
    if (x->refs != y->refs)
        return x->refs > y->refs ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

static int by_root_count(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_root *x = &s->roots[*(const uint32_t *)a], *y = &s->roots[*(const uint32_t *)b];
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* The external references per type (most first) and per object. */
struct ext_report {
    struct ext_type *types; /* one per type of the snapshot, sorted */
    uint32_t *roots;        /* indexes of the external roots, sorted */
    size_t nroots;
    uint64_t total;
};

static void ext_free(struct ext_report *x)
{
    free(x->types);
    free(x->roots);
}

/* On failure nothing is left to free. */
static gs_status ext_build(const struct gs_snapshot *s, struct ext_report *x, gs_error *err)
{
    struct ext_type *types = gs_xcalloc((size_t)s->ntypes + 1, sizeof *types);
    uint32_t *roots = gs_try_reallocarray(NULL, (size_t)s->nroots + 1, sizeof *roots);
    *x = (struct ext_report){types, roots, 0, 0};
    if (!roots) {
        ext_free(x);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory");
    }
    size_t nroots = 0;
    uint64_t total = 0;
    for (uint64_t r = 0; r < s->nroots; r++) {
        const struct gs_root *root = &s->roots[r];
        if (root->kind != GS_ROOT_EXTERNAL)
            continue;
        struct ext_type *t = &types[s->type[root->node]];
        t->type = s->type[root->node];
        t->objects++;
        t->refs += root->count;
        total += root->count;
        roots[nroots++] = (uint32_t)r;
    }
    for (size_t i = 0; i < s->ntypes; i++)
        types[i].type = (uint32_t)i;
    gs_qsort(types, (size_t)s->ntypes, sizeof *types, by_refs);
    gs_qsort_r(roots, nroots, sizeof *roots, by_root_count, (void *)s);
    x->nroots = nroots;
    x->total = total;
    return GS_OK;
}

/* The manual's entry for --dump-external, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_external_man[] =
    "References held from outside the graph: reference counts the graph cannot explain (C extensions'\n"
    "caches, a running call's C stack, or a missing\n"
    ".BR Py_DECREF ),\n"
    "per type and per object.\n";

gs_status gs_report_external_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    struct ext_report x;
    if (ext_build(s, &x, err) != GS_OK)
        return err->code;
    size_t limit = o->top ? o->top : (size_t)-1;
    char name[300], desc[300], b1[32], b2[32];
    gs_report_header_text(out, s);
    fprintf(out, "\n%s references from outside the graph, held on %s objects\n",
            gs_fmt_count(x.total, b1, sizeof b1), gs_fmt_count(x.nroots, b2, sizeof b2));
    fprintf(out, "(C extensions' statics and caches, the C stack of running calls, interned strings, "
                 "or leaked references)\n\n");
    fprintf(out, "%12s %12s  %s\n", "references", "objects", "type");
    for (size_t i = 0; i < s->ntypes && x.types[i].refs && i < limit; i++) {
        gs_type_qualname_text(s, x.types[i].type, name, sizeof name);
        fprintf(out, "%12s %12s  %s\n", gs_fmt_count(x.types[i].refs, b1, sizeof b1),
                gs_fmt_count(x.types[i].objects, b2, sizeof b2), name);
    }
    fprintf(out, "\n%12s %12s  %s\n", "external", "refcnt", "object");
    for (size_t i = 0; i < x.nroots && i < limit; i++) {
        const struct gs_root *root = &s->roots[x.roots[i]];
        gs_snapshot_describe(s, root->node, desc, sizeof desc);
        fprintf(out, "%12" PRIu32 " %12" PRId64 "  %s\n", root->count, s->refcnt[root->node], desc);
    }
    ext_free(&x);
    return GS_OK;
}

gs_status gs_report_external_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    (void)o;
    struct ext_report x;
    if (ext_build(s, &x, err) != GS_OK)
        return err->code;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "external_references");
    gs_json_uint(&w, x.total);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < s->ntypes && x.types[i].refs; i++) {
        gs_json_begin_object(&w);
        gs_report_type_json(&w, s, "name", x.types[i].type);
        gs_json_key(&w, "objects");
        gs_json_uint(&w, x.types[i].objects);
        gs_json_key(&w, "references");
        gs_json_uint(&w, x.types[i].refs);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "objects");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < x.nroots && i < 10000; i++) {
        const struct gs_root *root = &s->roots[x.roots[i]];
        gs_json_begin_object(&w);
        gs_json_key(&w, "addr");
        gs_json_addr(&w, s->addr[root->node]);
        gs_json_key(&w, "type");
        gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[root->node]].name));
        gs_json_key(&w, "refcnt");
        gs_json_int(&w, s->refcnt[root->node]);
        gs_json_key(&w, "explained");
        gs_json_uint(&w, s->explained[root->node]);
        gs_json_key(&w, "external");
        gs_json_uint(&w, root->count);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    ext_free(&x);
    return GS_OK;
}
