/* types.c: --dump-types, the objects the collector tracks, per type. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/explained.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/clock.h"
#include "util/sort.h"

static int by_bytes_desc(const void *a, const void *b)
{
    const struct gs_type_row *x = a, *y = b;
    uint64_t bx = x->bytes + x->frozen_bytes, by = y->bytes + y->frozen_bytes;
    if (bx != by)
        return bx > by ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

void gs_type_summary_build(const struct gs_snapshot *s, struct gs_type_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    struct gs_type_row *rows = gs_xcalloc((size_t)s->ntypes + 1, sizeof *rows);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint16_t f = s->flags[i];
        if (!(f & GS_NODE_TRACKED))
            continue;
        uint32_t t = s->type[i] < s->ntypes ? s->type[i] : 0;
        struct gs_type_row *r = &rows[t];
        r->type = t;
        if (t == 0)
            sum->bad_objects++;
        if (f & GS_NODE_FROZEN) {
            r->frozen_count++;
            r->frozen_bytes += s->size[i];
            sum->frozen_objects++;
            sum->frozen_bytes += s->size[i];
        } else {
            r->count++;
            r->bytes += s->size[i];
            sum->objects++;
            sum->bytes += s->size[i];
        }
    }
    size_t n = 0;
    for (size_t t = 0; t < s->ntypes; t++)
        if (rows[t].count || rows[t].frozen_count)
            rows[n++] = rows[t];
    gs_qsort(rows, n, sizeof *rows, by_bytes_desc);
    sum->rows = rows;
    sum->nrows = n;
}

void gs_type_summary_free(struct gs_type_summary *sum)
{
    free(sum->rows);
    memset(sum, 0, sizeof *sum);
}

static void types_text(FILE *out, const struct gs_snapshot *s, const struct gs_type_summary *sum,
                       const struct gs_report_opts *o)
{
    char c1[32], c2[32], name[512];
    gs_report_header_text(out, s);
    fputc('\n', out);
    fprintf(out, "%12s %14s  %s\n", "count", "bytes", "type");
    size_t shown = 0, with_count = 0;
    for (size_t i = 0; i < sum->nrows; i++)
        with_count += sum->rows[i].count != 0;
    for (size_t i = 0; i < sum->nrows; i++) {
        const struct gs_type_row *r = &sum->rows[i];
        if (!r->count)
            continue;
        if (o->top && shown == o->top) {
            size_t rest = with_count - shown;
            fprintf(out, "%12s %14s  ... %zu more type%s (--top 0 shows all)\n", "", "", rest, rest == 1 ? "" : "s");
            break;
        }
        gs_type_qualname_text(s, r->type, name, sizeof name);
        fprintf(out, "%12s %14s  %s\n", gs_fmt_count(r->count, c1, sizeof c1), gs_fmt_count(r->bytes, c2, sizeof c2),
                name);
        shown++;
    }
    fprintf(out, "%12s %14s\n", "------------", "--------------");
    fprintf(out, "%12s %14s  total: %zu types, GC-tracked objects in generations 0-2 (%s)\n",
            gs_fmt_count(sum->objects, c1, sizeof c1), gs_fmt_count(sum->bytes, c2, sizeof c2), with_count,
            gs_fmt_bytes(sum->bytes, name, sizeof name));
    if (sum->frozen_objects)
        fprintf(out, "%12s %14s  frozen: the permanent generation (gc.freeze(), static objects)\n",
                gs_fmt_count(sum->frozen_objects, c1, sizeof c1), gs_fmt_count(sum->frozen_bytes, c2, sizeof c2));
    struct gs_explained x;
    char line[1024];
    gs_explained_count(s, &x);
    gs_explained_text(&x, line, sizeof line);
    if (line[0])
        fprintf(out, "%s\n", line);
    if (sum->bad_objects)
        fprintf(out, "warning: %" PRIu64 " objects had an unreadable type and are counted as <bad type>\n",
                sum->bad_objects);
    if (s->meta.broken_lists)
        fprintf(out, "warning: %" PRIu64 " GC list%s could not be walked to the end (memory changed or corrupt)\n",
                s->meta.broken_lists, s->meta.broken_lists == 1 ? "" : "s");
}

static void types_json(FILE *out, const struct gs_snapshot *s, const struct gs_type_summary *sum, double started)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    if (started > 0) {
        gs_json_key(&w, "total_ms"); /* gcscope's whole run up to this report */
        gs_json_double(&w, (gs_now() - started) * 1e3, 3);
    }
    gs_json_key(&w, "objects");
    gs_json_uint(&w, sum->objects);
    gs_json_key(&w, "bytes");
    gs_json_uint(&w, sum->bytes);
    gs_json_key(&w, "frozen_objects");
    gs_json_uint(&w, sum->frozen_objects);
    gs_json_key(&w, "frozen_bytes");
    gs_json_uint(&w, sum->frozen_bytes);
    gs_json_key(&w, "bad_objects");
    gs_json_uint(&w, sum->bad_objects);
    struct gs_explained x;
    gs_explained_count(s, &x);
    gs_json_key(&w, "referents"); /* over every node, as --dump-graph lists them */
    gs_explained_json(&w, &x);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < sum->nrows; i++) {
        const struct gs_type_row *r = &sum->rows[i];
        const struct gs_snap_type *t = &s->types[r->type];
        gs_json_begin_object(&w);
        gs_report_type_json(&w, s, "name", r->type);
        gs_json_key(&w, "count");
        gs_json_uint(&w, r->count);
        gs_json_key(&w, "bytes");
        gs_json_uint(&w, r->bytes);
        gs_json_key(&w, "frozen_count");
        gs_json_uint(&w, r->frozen_count);
        gs_json_key(&w, "frozen_bytes");
        gs_json_uint(&w, r->frozen_bytes);
        gs_json_key(&w, "type_addr");
        gs_json_addr(&w, t->addr);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* The manual's entry for --dump-types, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_types_man[] =
    "The objects the collector tracks, per type: count and bytes\n"
    ".RB ( sys.getsizeof ),\n"
    "largest first, and the collector's state (enabled, thresholds, counts).\n"
    "The objects are exactly those\n"
    ".B gc.get_objects()\n"
    "returns; the permanent generation\n"
    ".RB ( gc.freeze() )\n"
    "is counted apart.\n"
    "A last line says how many objects had their referents found by running\n"
    "their type's own tp_traverse in the emulator, how many by a scan of\n"
    "their words (inferred), and how many stayed unknown, and why.\n";

gs_status gs_report_types_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)err;
    struct gs_type_summary sum;
    gs_type_summary_build(s, &sum);
    types_text(out, s, &sum, o);
    gs_type_summary_free(&sum);
    return GS_OK;
}

gs_status gs_report_types_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)err;
    struct gs_type_summary sum;
    gs_type_summary_build(s, &sum);
    types_json(out, s, &sum, o->started);
    gs_type_summary_free(&sum);
    return GS_OK;
}
