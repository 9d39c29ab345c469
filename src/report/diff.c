/* diff.c: --diff OLD, what grew between an older snapshot and this one. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "graph/analyses.h"
#include "graph/diff.h"
#include "report/allocations.h"
#include "report/report.h"
#include "report/table.h"

#define PATH_CAP 64

static void grown_json(gs_json *w, const struct gs_snapshot *s, const struct gs_diff_grown *g,
                       const struct gs_paths *p)
{
    uint32_t path[PATH_CAP];
    gs_json_begin_object(w);
    gs_json_key(w, "addr");
    gs_json_addr(w, s->addr[g->node]);
    gs_json_key(w, "type");
    gs_json_string(w, gs_snapshot_string(s, s->types[s->type[g->node]].name));
    gs_json_key(w, "items_before");
    gs_json_int(w, g->items_before);
    gs_json_key(w, "items_after");
    gs_json_int(w, g->items_after);
    gs_json_key(w, "bytes_before");
    gs_json_int(w, g->bytes_before);
    gs_json_key(w, "bytes_after");
    gs_json_int(w, g->bytes_after);
    gs_json_key(w, "new_referents");
    gs_json_uint(w, g->new_referents);
    size_t n = gs_path_to(p, g->node, path, PATH_CAP);
    gs_json_key(w, "path");
    if (n)
        gs_path_write_json(w, s, path, n < PATH_CAP ? n : PATH_CAP, p->root[g->node]);
    else
        gs_json_null(w);
    gs_json_end_object(w);
}

static void diff_json(FILE *out, const struct gs_snapshot *s, const struct gs_snapshot *old, const struct gs_diff *d,
                      const struct gs_paths *p)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "old");
    gs_json_begin_object(&w);
    gs_json_key(&w, "pid");
    gs_json_int(&w, old->meta.pid);
    gs_json_key(&w, "captured_at");
    gs_json_double(&w, old->meta.captured_at, 0);
    gs_json_key(&w, "objects");
    gs_json_uint(&w, old->nobjects);
    gs_json_end_object(&w);
    gs_json_key(&w, "new_objects");
    gs_json_uint(&w, d->nnew);
    gs_json_key(&w, "new_bytes");
    gs_json_uint(&w, d->new_bytes);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < d->ntypes; i++) {
        const struct gs_diff_type *t = &d->types[i];
        if (t->old_count == t->new_count && t->old_bytes == t->new_bytes)
            continue;
        gs_json_begin_object(&w);
        gs_json_key(&w, "type");
        gs_json_string(&w, t->name);
        gs_json_key(&w, "count_before");
        gs_json_int(&w, t->old_count);
        gs_json_key(&w, "count_after");
        gs_json_int(&w, t->new_count);
        gs_json_key(&w, "count_delta");
        gs_json_int(&w, t->new_count - t->old_count);
        gs_json_key(&w, "bytes_delta");
        gs_json_int(&w, t->new_bytes - t->old_bytes);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "grown");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < d->ngrown && i < 1000; i++)
        grown_json(&w, s, &d->grown[i], p);
    gs_json_end_array(&w);
    gs_json_key(&w, "largest_new");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < d->nnew && i < 1000; i++) {
        uint32_t n = d->new_objects[i];
        gs_json_begin_object(&w);
        gs_json_key(&w, "addr");
        gs_json_addr(&w, s->addr[n]);
        gs_json_key(&w, "type");
        gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[n]].name));
        gs_json_key(&w, "size");
        gs_json_uint(&w, s->size[n]);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_alloc_diff_json(&w, s, old);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

static void diff_text(FILE *out, const struct gs_snapshot *s, const struct gs_snapshot *old, const struct gs_diff *d,
                      const struct gs_paths *p, size_t top)
{
    char b1[32], b2[32], desc[300];
    uint32_t path[PATH_CAP];
    gs_report_header_text(out, s);
    double dt = s->meta.captured_at - old->meta.captured_at;
    fprintf(out, "\ncompared with the snapshot of process %lld taken %.0f s earlier: %s new objects (%s)\n",
            (long long)old->meta.pid, dt, gs_fmt_count(d->nnew, b1, sizeof b1), gs_fmt_bytes(d->new_bytes, b2, sizeof b2));
    fprintf(out, "\n%12s %14s  %s\n", "count +/-", "bytes +/-", "type (tracked objects)");
    size_t shown = 0;
    for (size_t i = 0; i < d->ntypes && (!top || shown < top); i++) {
        const struct gs_diff_type *t = &d->types[i];
        if (t->old_count == t->new_count && t->old_bytes == t->new_bytes)
            continue;
        fprintf(out, "%+12" PRId64 " %+14" PRId64 "  %s (%" PRId64 " -> %" PRId64 ")\n", t->new_count - t->old_count,
                t->new_bytes - t->old_bytes, t->name, t->old_count, t->new_count);
        shown++;
    }
    fprintf(out, "\ncontainers that grew (most new referents first):\n");
    for (size_t i = 0; i < d->ngrown && i < (top ? top : d->ngrown) && i < 20; i++) {
        const struct gs_diff_grown *g = &d->grown[i];
        gs_snapshot_describe(s, g->node, desc, sizeof desc);
        fprintf(out, "  %s: %" PRId64 " -> %" PRId64 " references, %" PRIu64 " to new objects, %" PRId64 " -> %" PRId64
                     " bytes\n",
                desc, g->items_before, g->items_after, g->new_referents, g->bytes_before, g->bytes_after);
        size_t n = gs_path_to(p, g->node, path, PATH_CAP);
        if (n)
            gs_path_write_text(out, s, path, n < PATH_CAP ? n : PATH_CAP, p->root[g->node]);
    }
    if (d->ngrown == 0)
        fprintf(out, "  none\n");
    gs_alloc_diff_text(out, s, old, top);
}

/* The diff and this snapshot's paths (for where each grown object lives);
 * warns when the two snapshots are of different processes. */
static gs_status diff_build(const struct gs_snapshot *s, const struct gs_report_opts *o, struct gs_diff *d,
                            const struct gs_paths **p, gs_error *err)
{
    const struct gs_snapshot *old = o->old;
    if (old->meta.pid != s->meta.pid)
        fprintf(stderr, "gcscope: warning: the old snapshot is of process %lld, this one of %lld: objects are "
                        "matched by address, which only means something within one process\n",
                (long long)old->meta.pid, (long long)s->meta.pid);
    gs_status st = gs_diff_compute(old, s, d, err);
    if (st != GS_OK)
        return st;
    if (!(*p = gs_analyses_paths(o->an, err))) {
        gs_diff_free(d);
        return err->code;
    }
    return GS_OK;
}

/* The manual's entry for --diff, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_diff_man[] =
    "What grew since the snapshot file\n"
    ".IR OLD :\n"
    "types whose count or bytes changed, objects that hold more than before, the largest new objects.\n"
    "Objects are matched by address and type.\n";

gs_status gs_report_diff_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_diff d;
    const struct gs_paths *p;
    gs_status st = diff_build(s, o, &d, &p, err);
    if (st != GS_OK)
        return st;
    diff_text(out, s, o->old, &d, p, o->top);
    gs_diff_free(&d);
    return GS_OK;
}

gs_status gs_report_diff_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_diff d;
    const struct gs_paths *p;
    gs_status st = diff_build(s, o, &d, &p, err);
    if (st != GS_OK)
        return st;
    diff_json(out, s, o->old, &d, p);
    gs_diff_free(&d);
    return GS_OK;
}
