/* allocations.c: --dump-allocations, tracemalloc's statistics from outside.
 *
 * The grouping is tracemalloc.Snapshot.statistics()'s: 'lineno' keys on
 * the most recent frame (traceback[:1] of the raw, most-recent-first
 * frames), 'traceback' on all frames, 'filename' on the most recent
 * frame's file; each group sums the sizes and counts its traces, over
 * every domain (take_snapshot() includes them all). A trace with no frame
 * (tracemalloc's empty traceback) groups under "<unknown>":0.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/memory.h"
#include "report/allocations.h"
#include "report/table.h"
#include "util/addrmap.h"
#include "util/alloc.h"
#include "util/sort.h"

static const char *const status_names[] = {
    [GS_PY_TM_TRACING] = "tracing",         [GS_PY_TM_NOT_READ] = "not recorded",
    [GS_PY_TM_NOT_TRACING] = "not tracing", [GS_PY_TM_NO_SYMBOLS] = "tables not found",
    [GS_PY_TM_UNSUPPORTED] = "unsupported", [GS_PY_TM_UNREADABLE] = "unreadable",
};

static const char *status_name(const struct gs_snapshot *s)
{
    uint32_t st = s->memory.present ? s->memory.tm_status : GS_PY_TM_NOT_READ;
    return st <= GS_PY_TM_UNREADABLE ? status_names[st] : "unknown";
}

const char *gs_alloc_status_line(const struct gs_snapshot *s)
{
    if (!s->memory.present)
        return "not recorded: this snapshot was saved by a gcscope that did not read tracemalloc";
    if (s->memory.tm_status == GS_PY_TM_TRACING)
        return NULL;
    return s->memory.tm_why[0] ? s->memory.tm_why : "tracemalloc's traces are not available";
}

/* A group key: the frames that decide it, hashed, and compared exactly. */
struct key {
    const struct gs_tm_frame *frames;
    uint32_t n;
    bool file_only;
};

static struct key key_of(const struct gs_snapshot *s, uint32_t tb, enum gs_alloc_group g)
{
    const struct gs_tm_traceback *t = &s->tm_tracebacks[tb];
    struct key k = {s->tm_frames + t->first_frame, t->nframe, g == GS_ALLOC_FILENAME};
    if (g != GS_ALLOC_TRACEBACK && k.n > 1)
        k.n = 1;
    return k;
}

static uint64_t key_hash(struct key k)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ k.n;
    for (uint32_t i = 0; i < k.n; i++) {
        h = (h ^ k.frames[i].filename) * 0x100000001b3ull;
        if (!k.file_only)
            h = (h ^ k.frames[i].lineno) * 0x100000001b3ull;
    }
    return h ? h : 1;
}

static bool key_equal(struct key a, struct key b)
{
    if (a.n != b.n)
        return false;
    for (uint32_t i = 0; i < a.n; i++)
        if (a.frames[i].filename != b.frames[i].filename ||
            (!a.file_only && a.frames[i].lineno != b.frames[i].lineno))
            return false;
    return true;
}

static int by_size(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_alloc_stat *x = a, *y = b;
    if (x->size != y->size)
        return x->size > y->size ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    int c = strcmp(gs_snapshot_string(s, x->filename), gs_snapshot_string(s, y->filename));
    if (c)
        return -c;
    return x->lineno > y->lineno ? -1 : x->lineno < y->lineno;
}

void gs_alloc_stats(const struct gs_snapshot *s, enum gs_alloc_group g, struct gs_alloc_stat **out, size_t *nout)
{
    /* Open addressing over groups: slot -> group index + 1. */
    size_t cap = 64;
    while (cap < s->ntm_tracebacks * 2 + 2)
        cap *= 2;
    uint32_t *slots = gs_xcalloc(cap, sizeof *slots);
    uint64_t *hashes = gs_xcalloc(cap, sizeof *hashes);
    /* Per traceback, its group (tracebacks are few beside traces). */
    uint32_t *group_of = gs_xcalloc(s->ntm_tracebacks + 1, sizeof *group_of);
    struct gs_alloc_stat *v = gs_xcalloc(s->ntm_tracebacks + 1, sizeof *v);
    size_t n = 0;
    for (uint64_t tb = 0; tb < s->ntm_tracebacks; tb++) {
        struct key k = key_of(s, (uint32_t)tb, g);
        uint64_t h = key_hash(k);
        size_t i = (size_t)h & (cap - 1);
        while (slots[i]) {
            const struct gs_alloc_stat *st = &v[slots[i] - 1];
            if (hashes[i] == h && key_equal(key_of(s, st->traceback, g), k))
                break;
            i = (i + 1) & (cap - 1);
        }
        if (!slots[i]) {
            const struct gs_tm_frame *f = k.n ? &k.frames[0] : NULL;
            v[n] = (struct gs_alloc_stat){(uint32_t)tb, f ? f->filename : 0,
                                          f && g != GS_ALLOC_FILENAME ? f->lineno : 0, 0, 0};
            slots[i] = (uint32_t)++n;
            hashes[i] = h;
        }
        group_of[tb] = slots[i] - 1;
    }
    for (uint64_t t = 0; t < s->ntm_traces; t++) {
        struct gs_alloc_stat *st = &v[group_of[s->tm_traces[t].traceback]];
        st->size += s->tm_traces[t].size;
        st->count++;
    }
    /* Drop groups whose tracebacks no live trace uses (none, normally). */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].count)
            v[kept++] = v[i];
    gs_qsort_r(v, kept, sizeof *v, by_size, (void *)s);
    free(slots);
    free(hashes);
    free(group_of);
    *out = v;
    *nout = kept;
}

bool gs_alloc_node_frame(const struct gs_snapshot *s, uint32_t node, uint32_t *filename, uint32_t *lineno,
                         uint32_t *traceback)
{
    if (!s->ntm_traces)
        return false;
    const struct gs_tm_trace *t = gs_memory_trace_of(s, node);
    if (!t)
        return false;
    const struct gs_tm_traceback *tb = &s->tm_tracebacks[t->traceback];
    *traceback = t->traceback;
    if (tb->nframe == 0) {
        *filename = 0;
        *lineno = 0;
    } else {
        *filename = s->tm_frames[tb->first_frame].filename;
        *lineno = s->tm_frames[tb->first_frame].lineno;
    }
    return true;
}

static const char *fname(const struct gs_snapshot *s, uint32_t id)
{
    return id ? gs_snapshot_string(s, id) : "<unknown>";
}

/* --- per type: where each type's objects were allocated ----------------- */

struct type_site {
    uint32_t type, filename, lineno;
    uint64_t count, bytes;
};

static int site_cmp(const void *a, const void *b)
{
    const struct type_site *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->filename != y->filename)
        return x->filename < y->filename ? -1 : 1;
    return x->lineno < y->lineno ? -1 : x->lineno > y->lineno;
}

static int site_by_bytes(const void *a, const void *b)
{
    const struct type_site *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->count > y->count ? -1 : x->count < y->count;
}

struct type_total {
    uint32_t type;
    uint64_t bytes, objects, traced;
    size_t first, n;   /* its sites in the site array */
};

static int total_by_bytes(const void *a, const void *b)
{
    const struct type_total *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* Sites per type: objects joined to their traces, merged by (type, line). */
static void type_sites(const struct gs_snapshot *s, struct type_site **sites_out, size_t *nsites,
                       struct type_total **totals_out)
{
    struct type_site *v = gs_xcalloc(s->nobjects + 1, sizeof *v);
    struct type_total *tot = gs_xcalloc(s->ntypes + 1, sizeof *tot);
    size_t n = 0;
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t t = s->type[i];
        tot[t].type = t;
        tot[t].objects++;
        tot[t].bytes += s->size[i];
        uint32_t f, l, tb;
        if (!gs_alloc_node_frame(s, (uint32_t)i, &f, &l, &tb))
            continue;
        tot[t].traced++;
        v[n++] = (struct type_site){t, f, l, 1, s->size[i]};
    }
    gs_qsort(v, n, sizeof *v, site_cmp);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && site_cmp(&v[m - 1], &v[i]) == 0) {
            v[m - 1].count++;
            v[m - 1].bytes += v[i].bytes;
        } else {
            v[m++] = v[i];
        }
    }
    gs_qsort(v, m, sizeof *v, site_by_bytes);
    for (size_t i = 0; i < m; i++) {
        struct type_total *tt = &tot[v[i].type];
        if (!tt->n)
            tt->first = i;
        tt->n++;
    }
    gs_qsort(tot, s->ntypes, sizeof *tot, total_by_bytes);
    *sites_out = v;
    *nsites = m;
    *totals_out = tot;
}

/* --- presenting ------------------------------------------------------------ */

static const char *group_name(enum gs_alloc_group g)
{
    return g == GS_ALLOC_TRACEBACK ? "traceback" : g == GS_ALLOC_FILENAME ? "filename" : "lineno";
}

static void frames_json(gs_json *w, const struct gs_snapshot *s, uint32_t tb)
{
    /* Oldest first, as tracemalloc.Traceback orders them. */
    const struct gs_tm_traceback *t = &s->tm_tracebacks[tb];
    gs_json_begin_array(w);
    for (uint32_t i = t->nframe; i-- > 0;) {
        const struct gs_tm_frame *f = &s->tm_frames[t->first_frame + i];
        gs_json_begin_object(w);
        gs_json_key(w, "filename");
        gs_json_string(w, fname(s, f->filename));
        gs_json_key(w, "lineno");
        gs_json_uint(w, f->lineno);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

static void status_json(gs_json *w, const struct gs_snapshot *s)
{
    gs_json_key(w, "tracemalloc");
    gs_json_begin_object(w);
    gs_json_key(w, "status");
    gs_json_string(w, status_name(s));
    const char *line = gs_alloc_status_line(s);
    if (line) {
        gs_json_key(w, "message");
        gs_json_string(w, line);
    }
    gs_json_key(w, "traceback_limit");
    gs_json_int(w, s->memory.tm_max_nframe);
    gs_json_key(w, "traced_memory");
    gs_json_uint(w, s->memory.tm_traced_memory);
    gs_json_key(w, "traces");
    gs_json_uint(w, s->ntm_traces);
    gs_json_key(w, "tracebacks");
    gs_json_uint(w, s->ntm_tracebacks);
    gs_json_end_object(w);
}

static void report_json(FILE *out, const struct gs_snapshot *s, enum gs_alloc_group g,
                        const struct gs_alloc_stat *v, size_t n, const struct type_site *sites,
                        const struct type_total *tot)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    status_json(&w, s);
    gs_json_key(&w, "group");
    gs_json_string(&w, group_name(g));
    gs_json_key(&w, "statistics");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < n; i++) {
        gs_json_begin_object(&w);
        gs_json_key(&w, "filename");
        gs_json_string(&w, fname(s, v[i].filename));
        gs_json_key(&w, "lineno");
        gs_json_uint(&w, v[i].lineno);
        gs_json_key(&w, "size");
        gs_json_uint(&w, v[i].size);
        gs_json_key(&w, "count");
        gs_json_uint(&w, v[i].count);
        if (g == GS_ALLOC_TRACEBACK) {
            gs_json_key(&w, "traceback");
            frames_json(&w, s, v[i].traceback);
        }
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t t = 0; t < s->ntypes && tot && tot[t].traced; t++) {
        gs_json_begin_object(&w);
        gs_report_type_json(&w, s, "type", tot[t].type);
        gs_json_key(&w, "objects");
        gs_json_uint(&w, tot[t].objects);
        gs_json_key(&w, "traced");
        gs_json_uint(&w, tot[t].traced);
        gs_json_key(&w, "sites");
        gs_json_begin_array(&w);
        for (size_t k = 0; k < tot[t].n && k < 20; k++) {
            const struct type_site *st = &sites[tot[t].first + k];
            gs_json_begin_object(&w);
            gs_json_key(&w, "filename");
            gs_json_string(&w, fname(s, st->filename));
            gs_json_key(&w, "lineno");
            gs_json_uint(&w, st->lineno);
            gs_json_key(&w, "objects");
            gs_json_uint(&w, st->count);
            gs_json_key(&w, "bytes");
            gs_json_uint(&w, st->bytes);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

static void report_text(FILE *out, const struct gs_snapshot *s, enum gs_alloc_group g,
                        const struct gs_alloc_stat *v, size_t n, const struct type_site *sites,
                        const struct type_total *tot, size_t limit)
{
    char b1[32], b2[32], b3[32], name[300];
    gs_report_header_text(out, s);
    const char *line = gs_alloc_status_line(s);
    if (line) {
        fprintf(out, "\ntracemalloc: %s\n", line);
        return;
    }
    fprintf(out, "\ntracemalloc: tracing with %d frame%s per traceback, %s in %s blocks\n",
            s->memory.tm_max_nframe, s->memory.tm_max_nframe == 1 ? "" : "s",
            gs_fmt_bytes(s->memory.tm_traced_memory, b1, sizeof b1), gs_fmt_count(s->ntm_traces, b2, sizeof b2));
    fprintf(out, "\nTop allocation %s by size (as tracemalloc's statistics('%s')):\n",
            g == GS_ALLOC_FILENAME ? "files" : g == GS_ALLOC_TRACEBACK ? "tracebacks" : "lines", group_name(g));
    for (size_t i = 0; i < n && i < limit; i++) {
        const struct gs_alloc_stat *st = &v[i];
        if (g == GS_ALLOC_FILENAME)
            fprintf(out, "%s:", fname(s, st->filename));
        else
            fprintf(out, "%s:%" PRIu32 ":", fname(s, st->filename), st->lineno);
        fprintf(out, " size=%s, count=%s, average=%s\n", gs_fmt_bytes(st->size, b1, sizeof b1),
                gs_fmt_count(st->count, b2, sizeof b2), gs_fmt_bytes(st->size / st->count, b3, sizeof b3));
        if (g == GS_ALLOC_TRACEBACK) {
            const struct gs_tm_traceback *t = &s->tm_tracebacks[st->traceback];
            for (uint32_t k = t->nframe; k-- > 0;) {
                const struct gs_tm_frame *f = &s->tm_frames[t->first_frame + k];
                fprintf(out, "    File \"%s\", line %" PRIu32 "\n", fname(s, f->filename), f->lineno);
            }
        }
    }
    if (!tot)
        return;
    fprintf(out, "\nWhere each type's objects were allocated (objects joined to their traces):\n");
    size_t shown = 0;
    for (size_t t = 0; t < s->ntypes && tot[t].traced && shown < limit; t++, shown++) {
        gs_type_qualname(s, tot[t].type, name, sizeof name);
        fprintf(out, "%s: %s objects, %s traced, %s\n", name, gs_fmt_count(tot[t].objects, b1, sizeof b1),
                gs_fmt_count(tot[t].traced, b2, sizeof b2), gs_fmt_bytes(tot[t].bytes, b3, sizeof b3));
        for (size_t k = 0; k < tot[t].n && k < 3; k++) {
            const struct type_site *st = &sites[tot[t].first + k];
            fprintf(out, "    %s:%" PRIu32 ": %s objects, %s\n", fname(s, st->filename), st->lineno,
                    gs_fmt_count(st->count, b1, sizeof b1), gs_fmt_bytes(st->bytes, b2, sizeof b2));
        }
    }
}

gs_status gs_report_allocations(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                enum gs_alloc_group g, gs_error *err)
{
    (void)err;
    struct gs_alloc_stat *v = NULL;
    size_t n = 0;
    struct type_site *sites = NULL;
    struct type_total *tot = NULL;
    size_t nsites = 0;
    if (s->ntm_traces) {
        gs_alloc_stats(s, g, &v, &n);
        type_sites(s, &sites, &nsites, &tot);
    }
    if ((o->format == GS_FORMAT_JSON))
        report_json(out, s, g, v, n, sites, tot);
    else
        report_text(out, s, g, v, n, sites, tot, o->top ? o->top : 10);
    free(v);
    free(sites);
    free(tot);
    return GS_OK;
}

/* The manual's entry for --dump-allocations, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_allocations_man[] =
    "When the target runs with\n"
    ".B tracemalloc\n"
    ".RB ( \"\\-X tracemalloc=25\" ,\n"
    ".BR PYTHONTRACEMALLOC ),\n"
    "its traces read from the copy: the top allocation lines by size and count, as\n"
    ".B tracemalloc.take_snapshot().statistics(\\(aqlineno\\(aq)\n"
    "gives them inside, and for each type the lines its objects were allocated on. A target without\n"
    "tracemalloc gets a \"not tracing\" line; up to 3.11 the tables are\n"
    "statics found through the binary's symbol table or its debug file, and their absence is said.\n";

gs_status gs_report_allocations_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                     gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_TEXT;
    return gs_report_allocations(out, s, &t, GS_ALLOC_LINENO, err);
}

gs_status gs_report_allocations_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                     gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_JSON;
    return gs_report_allocations(out, s, &t, GS_ALLOC_LINENO, err);
}

/* The manual's entry for --dump-allocation-tracebacks, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_allocation_tracebacks_man[] =
    "The same grouped by whole traceback, as\n"
    ".BR statistics(\\(aqtraceback\\(aq) .\n";

gs_status gs_report_allocation_tracebacks_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                               gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_TEXT;
    return gs_report_allocations(out, s, &t, GS_ALLOC_TRACEBACK, err);
}

gs_status gs_report_allocation_tracebacks_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                               gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_JSON;
    return gs_report_allocations(out, s, &t, GS_ALLOC_TRACEBACK, err);
}

/* --- --diff by allocation line ------------------------------------------ */

struct line_delta {
    const char *filename;
    uint32_t lineno;
    int64_t size_diff, count_diff;
    uint64_t size, count;
};

static int delta_cmp(const void *a, const void *b)
{
    const struct line_delta *x = a, *y = b;
    int64_t ax = x->size_diff < 0 ? -x->size_diff : x->size_diff, ay = y->size_diff < 0 ? -y->size_diff : y->size_diff;
    if (ax != ay)
        return ax > ay ? -1 : 1;
    int c = strcmp(x->filename, y->filename);
    return c ? c : (x->lineno < y->lineno ? -1 : x->lineno > y->lineno);
}

static int name_cmp(const void *a, const void *b)
{
    const struct line_delta *x = a, *y = b;
    int c = strcmp(x->filename, y->filename);
    return c ? c : (x->lineno < y->lineno ? -1 : x->lineno > y->lineno);
}

/* Lines of both snapshots (strings differ between files: compare by text),
 * as tracemalloc's Snapshot.compare_to(old, 'lineno'). */
static struct line_delta *diff_lines(const struct gs_snapshot *s, const struct gs_snapshot *old, size_t *nout)
{
    struct gs_alloc_stat *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    gs_alloc_stats(s, GS_ALLOC_LINENO, &a, &na);
    gs_alloc_stats(old, GS_ALLOC_LINENO, &b, &nb);
    struct line_delta *v = gs_xcalloc(na + nb + 1, sizeof *v);
    struct line_delta *ob = gs_xcalloc(nb + 1, sizeof *ob);
    for (size_t i = 0; i < nb; i++)
        ob[i] = (struct line_delta){fname(old, b[i].filename), b[i].lineno, 0, 0, b[i].size, b[i].count};
    gs_qsort(ob, nb, sizeof *ob, name_cmp);
    uint8_t *matched = gs_xcalloc(nb + 1, 1);
    size_t n = 0;
    for (size_t i = 0; i < na; i++) {
        struct line_delta k = {fname(s, a[i].filename), a[i].lineno, 0, 0, a[i].size, a[i].count};
        struct line_delta *hit = bsearch(&k, ob, nb, sizeof *ob, name_cmp);
        k.size_diff = (int64_t)k.size - (hit ? (int64_t)hit->size : 0);
        k.count_diff = (int64_t)k.count - (hit ? (int64_t)hit->count : 0);
        if (hit)
            matched[hit - ob] = 1;
        v[n++] = k;
    }
    for (size_t i = 0; i < nb; i++)
        if (!matched[i])
            v[n++] = (struct line_delta){ob[i].filename, ob[i].lineno, -(int64_t)ob[i].size, -(int64_t)ob[i].count,
                                         0, 0};
    gs_qsort(v, n, sizeof *v, delta_cmp);
    free(a);
    free(b);
    free(ob);
    free(matched);
    *nout = n;
    return v;
}

void gs_alloc_diff_text(FILE *out, const struct gs_snapshot *s, const struct gs_snapshot *old, size_t top)
{
    if (!s->ntm_traces && !old->ntm_traces)
        return; /* neither traced: nothing to say beyond the other reports */
    if (!s->ntm_traces || !old->ntm_traces) {
        const char *why = gs_alloc_status_line(s->ntm_traces ? old : s);
        fprintf(out, "\nAllocation lines: %s\n", why ? why : "no traces");
        return;
    }
    size_t n;
    struct line_delta *v = diff_lines(s, old, &n);
    char b1[32], b2[32];
    fprintf(out, "\nAllocation lines that changed most (tracemalloc's compare_to('lineno')):\n");
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < (top ? top : 10); i++) {
        if (!v[i].size_diff && !v[i].count_diff)
            continue;
        shown++;
        fprintf(out, "%s:%" PRIu32 ": size=%s (%s%s), count=%" PRIu64 " (%+" PRId64 ")\n", v[i].filename, v[i].lineno,
                gs_fmt_bytes(v[i].size, b1, sizeof b1), v[i].size_diff < 0 ? "-" : "+",
                gs_fmt_bytes((uint64_t)(v[i].size_diff < 0 ? -v[i].size_diff : v[i].size_diff), b2, sizeof b2),
                v[i].count, v[i].count_diff);
    }
    free(v);
}

void gs_alloc_diff_json(gs_json *w, const struct gs_snapshot *s, const struct gs_snapshot *old)
{
    gs_json_key(w, "allocation_lines");
    gs_json_begin_array(w);
    if (s->ntm_traces && old->ntm_traces) {
        size_t n;
        struct line_delta *v = diff_lines(s, old, &n);
        for (size_t i = 0; i < n; i++) {
            if (!v[i].size_diff && !v[i].count_diff)
                continue;
            gs_json_begin_object(w);
            gs_json_key(w, "filename");
            gs_json_string(w, v[i].filename);
            gs_json_key(w, "lineno");
            gs_json_uint(w, v[i].lineno);
            gs_json_key(w, "size");
            gs_json_uint(w, v[i].size);
            gs_json_key(w, "size_diff");
            gs_json_int(w, v[i].size_diff);
            gs_json_key(w, "count");
            gs_json_uint(w, v[i].count);
            gs_json_key(w, "count_diff");
            gs_json_int(w, v[i].count_diff);
            gs_json_end_object(w);
        }
        free(v);
    }
    gs_json_end_array(w);
}
