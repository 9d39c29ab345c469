#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proc/attach.h"
#include "py/sizeof.h"
#include "report/report.h"
#include "util/alloc.h"

struct build_state {
    const struct py_ctx *c;
    struct gs_type_summary *s;
    size_t rows_cap;
};

static struct gs_type_row *row_for(struct build_state *b, uint32_t type)
{
    /* Rows are indexed by type id until sorting at the end. */
    struct gs_type_summary *s = b->s;
    while (type >= b->rows_cap) {
        size_t ncap = b->rows_cap ? b->rows_cap * 2 : 256;
        s->rows = gs_xreallocarray(s->rows, ncap, sizeof *s->rows);
        memset(s->rows + b->rows_cap, 0, (ncap - b->rows_cap) * sizeof *s->rows);
        b->rows_cap = ncap;
    }
    if (type >= s->nrows)
        s->nrows = type + 1;
    s->rows[type].type = type;
    return &s->rows[type];
}

static bool visit(void *arg, const struct py_heap_object *o)
{
    struct build_state *b = arg;
    struct gs_type_summary *s = b->s;
    uint32_t t = py_types_get(&s->types, b->c, o->type);
    uint64_t size = 0;
    if (t == PY_TYPE_BAD)
        s->bad_objects++;
    else if (!py_getsizeof(b->c, o->addr, &s->types.v[t], &size))
        s->size_errors++;
    struct gs_type_row *row = row_for(b, t);
    if (o->generation == PY_GEN_PERMANENT) {
        row->frozen_count++;
        row->frozen_bytes += size;
        s->frozen_objects++;
        s->frozen_bytes += size;
    } else {
        row->count++;
        row->bytes += size;
        s->objects++;
        s->bytes += size;
    }
    return true;
}

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

gs_status gs_type_summary_build(const struct gs_capture *cap, struct gs_type_summary *s, gs_error *err)
{
    double t0 = gs_now();
    memset(s, 0, sizeof *s);
    py_types_init(&s->types);
    struct build_state b = {&cap->rt.ctx, s, 0};
    /* A GC object takes at least 32 bytes with its header: no list can be
     * longer than the copied memory divided by that. */
    uint64_t max_objects = gs_image_stats(cap->image)->bytes / 32 + 1;
    gs_status st = py_heap_walk(&cap->rt, max_objects, visit, &b, &s->heap, err);
    if (st != GS_OK)
        return st;
    /* Drop the empty rows (types met only as bases), then sort. */
    size_t n = 0;
    for (size_t i = 0; i < s->nrows; i++)
        if (s->rows[i].count || s->rows[i].frozen_count)
            s->rows[n++] = s->rows[i];
    s->nrows = n;
    qsort(s->rows, s->nrows, sizeof *s->rows, by_bytes_desc);
    s->seconds = gs_now() - t0;
    return GS_OK;
}

void gs_type_summary_free(struct gs_type_summary *s)
{
    py_types_free(&s->types);
    free(s->rows);
    memset(s, 0, sizeof *s);
}

/* "1,234,567": numbers people read at a glance. */
static const char *grouped(uint64_t v, char *buf, size_t cap)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, v);
    size_t pos = 0;
    for (int i = 0; i < n && pos + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[pos++] = ',';
        buf[pos++] = digits[i];
    }
    buf[pos] = '\0';
    return buf;
}

static const char *human_bytes(uint64_t v, char *buf, size_t cap)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double d = (double)v;
    int u = 0;
    while (d >= 1024 && u < 4) {
        d /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%" PRIu64 " B", v);
    else
        snprintf(buf, cap, "%.1f %s", d, units[u]);
    return buf;
}

static void qualified_name(const struct py_type_info *t, char *buf, size_t cap)
{
    if (strcmp(t->module, "builtins") == 0)
        snprintf(buf, cap, "%s", t->name);
    else
        snprintf(buf, cap, "%s.%s", t->module, t->name);
}

void gs_report_header_text(FILE *out, const struct gs_capture *cap)
{
    char b1[32], b2[32];
    const struct gs_image_stats *is = gs_image_stats(cap->image);
    fprintf(out, "process %d, Python %s (%s)\n", (int)cap->pid, cap->version, cap->loc.binary);
    fprintf(out, "paused %.1f ms for %zu thread%s (copied %s in %.1f ms), ready after %.1f ms%s\n",
            cap->pause_seconds * 1e3, cap->threads_stopped, cap->threads_stopped == 1 ? "" : "s",
            human_bytes(is->bytes_read, b1, sizeof b1), cap->copy_seconds * 1e3,
            (cap->ready - cap->started) * 1e3, cap->was_stopped ? "; the target was already stopped and stays so" : "");
    if (cap->floor_seconds >= 0)
        fprintf(out, "bulk-copy floor: %s in %.1f ms\n", human_bytes(cap->floor_bytes, b2, sizeof b2),
                cap->floor_seconds * 1e3);
    for (size_t i = 0; i < cap->rt.ninterps; i++) {
        const struct py_interp *in = &cap->rt.interps[i];
        const struct py_gcstate *gc = &in->gc;
        fprintf(out, "%scollector %s, thresholds %d/%d/%d, counts %d/%d/%d, %zu thread%s\n",
                cap->rt.ninterps > 1 ? "  " : "", gc->enabled ? "enabled" : "DISABLED", gc->thresholds[0],
                gc->thresholds[1], gc->thresholds[2], gc->counts[0], gc->counts[1], gc->counts[2], in->nthreads,
                in->nthreads == 1 ? "" : "s");
    }
}

void gs_report_types_text(FILE *out, const struct gs_capture *cap, const struct gs_type_summary *s,
                          const struct gs_report_opts *o)
{
    char c1[32], c2[32], name[512];
    gs_report_header_text(out, cap);
    fputc('\n', out);
    fprintf(out, "%12s %14s  %s\n", "count", "bytes", "type");
    size_t shown = 0;
    for (size_t i = 0; i < s->nrows; i++) {
        const struct gs_type_row *r = &s->rows[i];
        if (!r->count)
            continue;
        if (o->top && shown == o->top) {
            size_t rest = 0;
            for (size_t j = i; j < s->nrows; j++)
                rest += s->rows[j].count != 0;
            fprintf(out, "%12s %14s  ... %zu more type%s (--top 0 shows all)\n", "", "", rest, rest == 1 ? "" : "s");
            break;
        }
        qualified_name(&s->types.v[r->type], name, sizeof name);
        fprintf(out, "%12s %14s  %s\n", grouped(r->count, c1, sizeof c1), grouped(r->bytes, c2, sizeof c2), name);
        shown++;
    }
    fprintf(out, "%12s %14s\n", "------------", "--------------");
    fprintf(out, "%12s %14s  total: %zu types, GC-tracked objects in generations 0-2 (%s)\n",
            grouped(s->objects, c1, sizeof c1), grouped(s->bytes, c2, sizeof c2), s->nrows,
            human_bytes(s->bytes, name, sizeof name));
    if (s->frozen_objects)
        fprintf(out, "%12s %14s  frozen: the permanent generation (gc.freeze(), static objects)\n",
                grouped(s->frozen_objects, c1, sizeof c1), grouped(s->frozen_bytes, c2, sizeof c2));
    if (s->bad_objects)
        fprintf(out, "warning: %" PRIu64 " objects had an unreadable type and are counted as <bad type>\n",
                s->bad_objects);
    if (s->heap.broken_lists)
        fprintf(out, "warning: %" PRIu64 " GC list%s could not be walked to the end: %s\n", s->heap.broken_lists,
                s->heap.broken_lists == 1 ? "" : "s", s->heap.first_problem);
}

void gs_report_header_json(gs_json *w, const struct gs_capture *cap)
{
    const struct gs_image_stats *is = gs_image_stats(cap->image);
    gs_json_key(w, "gcscope");
    gs_json_string(w, PACKAGE_VERSION);
    gs_json_key(w, "python");
    gs_json_string(w, cap->version);
    gs_json_key(w, "python_build");
    gs_json_string(w, cap->rt.version_full);
    gs_json_key(w, "binary");
    gs_json_string(w, cap->loc.binary);
    gs_json_key(w, "pid");
    gs_json_int(w, cap->pid);
    gs_json_key(w, "pause_ms");
    gs_json_double(w, cap->pause_seconds * 1e3, 3);
    gs_json_key(w, "copy_ms");
    gs_json_double(w, cap->copy_seconds * 1e3, 3);
    gs_json_key(w, "capture_ms");
    gs_json_double(w, (cap->ready - cap->started) * 1e3, 3);
    gs_json_key(w, "copied_bytes");
    gs_json_uint(w, is->bytes_read);
    gs_json_key(w, "unreadable_pages");
    gs_json_uint(w, is->bad_pages);
    if (cap->floor_seconds >= 0) {
        gs_json_key(w, "floor_ms");
        gs_json_double(w, cap->floor_seconds * 1e3, 3);
        gs_json_key(w, "floor_bytes");
        gs_json_uint(w, cap->floor_bytes);
    }
    gs_json_key(w, "attempts");
    gs_json_int(w, cap->attempts);
    gs_json_key(w, "threads_stopped");
    gs_json_uint(w, cap->threads_stopped);
    gs_json_key(w, "target_was_stopped");
    gs_json_bool(w, cap->was_stopped);
    /* The main interpreter's collector is "gc" (the one `import gc` shows);
     * every interpreter's is listed under "interpreters". */
    const struct py_interp *main_interp = &cap->rt.interps[cap->rt.ninterps - 1];
    gs_json_key(w, "gc");
    gs_json_begin_object(w);
    gs_json_key(w, "enabled");
    gs_json_bool(w, main_interp->gc.enabled);
    gs_json_key(w, "thresholds");
    gs_json_begin_array(w);
    for (int g = 0; g < PY_NUM_GENERATIONS; g++)
        gs_json_int(w, main_interp->gc.thresholds[g]);
    gs_json_end_array(w);
    gs_json_key(w, "counts");
    gs_json_begin_array(w);
    for (int g = 0; g < PY_NUM_GENERATIONS; g++)
        gs_json_int(w, main_interp->gc.counts[g]);
    gs_json_end_array(w);
    gs_json_key(w, "collecting");
    gs_json_bool(w, main_interp->gc.collecting);
    gs_json_key(w, "debug");
    gs_json_int(w, main_interp->gc.debug);
    gs_json_end_object(w);
    gs_json_key(w, "interpreters");
    gs_json_begin_array(w);
    for (size_t i = cap->rt.ninterps; i-- > 0;) {
        const struct py_interp *in = &cap->rt.interps[i];
        gs_json_begin_object(w);
        gs_json_key(w, "id");
        gs_json_int(w, in->id);
        gs_json_key(w, "threads");
        gs_json_uint(w, in->nthreads);
        gs_json_key(w, "gc_enabled");
        gs_json_bool(w, in->gc.enabled);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

void gs_report_types_json(FILE *out, const struct gs_capture *cap, const struct gs_type_summary *s)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, cap);
    gs_json_key(&w, "total_ms");
    gs_json_double(&w, (gs_now() - cap->started) * 1e3, 3);
    gs_json_key(&w, "objects");
    gs_json_uint(&w, s->objects);
    gs_json_key(&w, "bytes");
    gs_json_uint(&w, s->bytes);
    gs_json_key(&w, "frozen_objects");
    gs_json_uint(&w, s->frozen_objects);
    gs_json_key(&w, "frozen_bytes");
    gs_json_uint(&w, s->frozen_bytes);
    gs_json_key(&w, "bad_objects");
    gs_json_uint(&w, s->bad_objects);
    gs_json_key(&w, "size_errors");
    gs_json_uint(&w, s->size_errors);
    gs_json_key(&w, "broken_lists");
    gs_json_uint(&w, s->heap.broken_lists);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < s->nrows; i++) {
        const struct gs_type_row *r = &s->rows[i];
        const struct py_type_info *t = &s->types.v[r->type];
        gs_json_begin_object(&w);
        gs_json_key(&w, "name");
        gs_json_string(&w, t->name);
        gs_json_key(&w, "module");
        gs_json_string(&w, t->module);
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
