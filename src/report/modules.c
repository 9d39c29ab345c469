/* modules.c: --dump-modules, the objects the collector tracks summed per
 * module of their type (type.__module__): which package's objects fill
 * the heap. Builtin types count under "builtins". Built on the per-type
 * summary, so its totals are --dump-types' totals. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/table.h"
#include "util/text.h"
#include "util/alloc.h"
#include "util/sort.h"

struct module_row {
    const char *module;
    size_t types;
    uint64_t objects, bytes, frozen_objects, frozen_bytes;
};

struct module_summary {
    struct gs_type_summary types;
    struct module_row *rows; /* largest first */
    size_t nrows;
};

static int by_module_name(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_type_row *x = a, *y = b;
    return strcmp(gs_snapshot_string(s, s->types[x->type].module), gs_snapshot_string(s, s->types[y->type].module));
}

static int by_bytes_desc(const void *a, const void *b)
{
    const struct module_row *x = a, *y = b;
    uint64_t bx = x->bytes + x->frozen_bytes, by = y->bytes + y->frozen_bytes;
    if (bx != by)
        return bx > by ? -1 : 1;
    return strcmp(x->module, y->module);
}

static void modules_build(const struct gs_snapshot *s, struct module_summary *m)
{
    gs_type_summary_build(s, &m->types);
    struct gs_type_row *t = m->types.rows;
    gs_qsort_r(t, m->types.nrows, sizeof *t, by_module_name, (void *)s);
    m->rows = gs_xcalloc(m->types.nrows + 1, sizeof *m->rows);
    m->nrows = 0;
    for (size_t i = 0; i < m->types.nrows; i++) {
        const char *module = gs_snapshot_string(s, s->types[t[i].type].module);
        if (!module[0])
            module = "builtins";
        struct module_row *r = &m->rows[m->nrows];
        if (m->nrows == 0 || strcmp(r[-1].module, module) != 0)
            *r = (struct module_row){.module = module};
        else
            r--;
        r->types++;
        r->objects += t[i].count;
        r->bytes += t[i].bytes;
        r->frozen_objects += t[i].frozen_count;
        r->frozen_bytes += t[i].frozen_bytes;
        m->nrows = (size_t)(r - m->rows) + 1;
    }
    gs_qsort(m->rows, m->nrows, sizeof *m->rows, by_bytes_desc);
}

static void modules_free(struct module_summary *m)
{
    gs_type_summary_free(&m->types);
    free(m->rows);
}

/* The manual's entry for --dump-modules, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_modules_man[] =
    "The same objects summed per module of their type\n"
    ".RB ( type(o).__module__ ;\n"
    "builtin types under\n"
    ".BR builtins ):\n"
    "objects, bytes and the number of types, largest first, frozen objects included.\n";

gs_status gs_report_modules_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                 gs_error *err)
{
    (void)err;
    struct module_summary m;
    modules_build(s, &m);
    char c1[32], c2[32], c3[32];
    gs_report_header_text(out, s);
    fprintf(out, "\n%12s %14s %7s  %s\n", "objects", "bytes", "types", "module");
    for (size_t i = 0; i < m.nrows; i++) {
        if (o->top && i == o->top) {
            size_t rest = m.nrows - i;
            fprintf(out, "%12s %14s %7s  ... %zu more module%s (--top 0 shows all)\n", "", "", "", rest,
                    rest == 1 ? "" : "s");
            break;
        }
        const struct module_row *r = &m.rows[i];
        char module[600];
        fprintf(out, "%12s %14s %7zu  %s\n", gs_fmt_count(r->objects + r->frozen_objects, c1, sizeof c1),
                gs_fmt_count(r->bytes + r->frozen_bytes, c2, sizeof c2), r->types, gs_text(module, sizeof module, r->module));
    }
    fprintf(out, "%12s %14s\n", "------------", "--------------");
    fprintf(out, "%12s %14s %7s  total: %zu modules (%s), frozen objects included\n",
            gs_fmt_count(m.types.objects + m.types.frozen_objects, c1, sizeof c1),
            gs_fmt_count(m.types.bytes + m.types.frozen_bytes, c2, sizeof c2), "", m.nrows,
            gs_fmt_bytes(m.types.bytes + m.types.frozen_bytes, c3, sizeof c3));
    modules_free(&m);
    return GS_OK;
}

gs_status gs_report_modules_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                 gs_error *err)
{
    (void)o, (void)err;
    struct module_summary m;
    modules_build(s, &m);
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "modules");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < m.nrows; i++) {
        const struct module_row *r = &m.rows[i];
        gs_json_begin_object(&w);
        gs_json_key(&w, "module");
        gs_json_string(&w, r->module);
        gs_json_key(&w, "types");
        gs_json_uint(&w, r->types);
        gs_json_key(&w, "objects");
        gs_json_uint(&w, r->objects);
        gs_json_key(&w, "bytes");
        gs_json_uint(&w, r->bytes);
        gs_json_key(&w, "frozen_objects");
        gs_json_uint(&w, r->frozen_objects);
        gs_json_key(&w, "frozen_bytes");
        gs_json_uint(&w, r->frozen_bytes);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    modules_free(&m);
    return GS_OK;
}
