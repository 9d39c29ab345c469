/* prometheus.c: --format prometheus, the numbers --check knows as gauges
 * in Prometheus' text exposition format (for node_exporter's textfile
 * collector): one gauge per whole-process quantity of report/measures.h,
 * then the 20 types with the most bytes, the pause and the capture time. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/measures.h"
#include "report/prometheus.h"
#include "util/alloc.h"
#include "util/sort.h"

#define PROM_TOP_TYPES 20 /* types listed */

/* Length of a valid UTF-8 sequence at p (n bytes left), 0 if invalid:
 * type names come from the target's memory, label values must be UTF-8. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len;
    if (p[0] < 0x80)
        return 1;
    else if ((p[0] & 0xe0) == 0xc0)
        len = 2;
    else if ((p[0] & 0xf0) == 0xe0)
        len = 3;
    else if ((p[0] & 0xf8) == 0xf0)
        len = 4;
    else
        return 0;
    if (len > n)
        return 0;
    uint32_t cp = p[0] & (0x7fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* A label value as the exposition format wants it: backslash, double
 * quote and line feed escaped; other control characters and invalid UTF-8
 * replaced (the value must be UTF-8, and one line). */
static void prom_label_value(FILE *out, const char *v)
{
    const unsigned char *p = (const unsigned char *)v;
    size_t n = strlen(v);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(p + i, n - i);
        if (len == 0) {
            fputs("\xef\xbf\xbd", out); /* U+FFFD */
            i++;
            continue;
        }
        if (p[i] == '\\')
            fputs("\\\\", out);
        else if (p[i] == '"')
            fputs("\\\"", out);
        else if (p[i] == '\n')
            fputs("\\n", out);
        else if (p[i] < 0x20 || p[i] == 0x7f)
            fputc('?', out);
        else
            fwrite(p + i, 1, len, out);
        i += len;
    }
}

static void prom_family(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* name{pid="..",python=".."[,type=".."]} */
static void prom_series(FILE *out, const struct gs_snapshot *s, const char *name, const char *type)
{
    fprintf(out, "%s{pid=\"%lld\",python=\"", name, (long long)s->meta.pid);
    prom_label_value(out, s->meta.python);
    fputc('"', out);
    if (type) {
        fputs(",type=\"", out);
        prom_label_value(out, type);
        fputc('"', out);
    }
    fputc('}', out);
}

struct prom_type {
    char name[256];
    uint64_t count, bytes;
};

static int prom_by_name(const void *a, const void *b)
{
    return strcmp(((const struct prom_type *)a)->name, ((const struct prom_type *)b)->name);
}

static int prom_by_bytes(const void *a, const void *b)
{
    const struct prom_type *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* The types by qualified name, merged: two classes of the same name and
 * module would otherwise make two series with the same labels, which a
 * Prometheus server rejects. Largest bytes first. */
static struct prom_type *prom_types(const struct gs_snapshot *s, const struct gs_type_summary *sum, size_t *n)
{
    struct prom_type *rows = gs_xcalloc(sum->nrows + 1, sizeof *rows);
    size_t k = 0;
    for (size_t i = 0; i < sum->nrows; i++) {
        if (!sum->rows[i].count)
            continue;
        gs_type_qualname(s, sum->rows[i].type, rows[k].name, sizeof rows[k].name);
        rows[k].count = sum->rows[i].count;
        rows[k++].bytes = sum->rows[i].bytes;
    }
    gs_qsort(rows, k, sizeof *rows, prom_by_name);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && strcmp(rows[m - 1].name, rows[i].name) == 0) {
            rows[m - 1].count += rows[i].count;
            rows[m - 1].bytes += rows[i].bytes;
        } else {
            rows[m++] = rows[i];
        }
    }
    gs_qsort(rows, m, sizeof *rows, prom_by_bytes);
    *n = m;
    return rows;
}

static void prom_types_out(FILE *out, const struct gs_snapshot *s, const struct gs_type_summary *sum)
{
    size_t n;
    struct prom_type *rows = prom_types(s, sum, &n);
    if (n > PROM_TOP_TYPES)
        n = PROM_TOP_TYPES;
    prom_family(out, "gcscope_type_objects",
                "Tracked objects of a type (generations 0-2), for the 20 types with the most bytes.");
    for (size_t i = 0; i < n; i++) {
        prom_series(out, s, "gcscope_type_objects", rows[i].name);
        fprintf(out, " %" PRIu64 "\n", rows[i].count);
    }
    prom_family(out, "gcscope_type_bytes", "Bytes (sys.getsizeof) of the tracked objects of a type, same types.");
    for (size_t i = 0; i < n; i++) {
        prom_series(out, s, "gcscope_type_bytes", rows[i].name);
        fprintf(out, " %" PRIu64 "\n", rows[i].bytes);
    }
    free(rows);
}

gs_status gs_report_prometheus(FILE *out, struct gs_analyses *an, gs_error *err)
{
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    struct gs_measure m;
    gs_status st = gs_measure_prepare(&m, an, GS_MEASURE_TYPES | GS_MEASURE_GARBAGE | GS_MEASURE_SCC, err);
    if (st != GS_OK) {
        gs_measure_free(&m);
        return st;
    }
    for (int q = 0; q < GS_Q_NAMES; q++) {
        prom_family(out, gs_quantities[q].metric, gs_quantities[q].help);
        prom_series(out, s, gs_quantities[q].metric, NULL);
        fprintf(out, " %" PRIu64 "\n", gs_measure_name(&m, (enum gs_qty)q));
    }
    prom_types_out(out, s, &m.sum);
    gs_measure_free(&m);
    prom_family(out, "gcscope_pause_seconds", "How long gcscope kept the process stopped for this capture.");
    prom_series(out, s, "gcscope_pause_seconds", NULL);
    fprintf(out, " %.6f\n", s->meta.pause_ms / 1e3);
    prom_family(out, "gcscope_capture_timestamp_seconds", "When the capture was taken (Unix time).");
    prom_series(out, s, "gcscope_capture_timestamp_seconds", NULL);
    fprintf(out, " %.3f\n", s->meta.captured_at);
    return GS_OK;
}

