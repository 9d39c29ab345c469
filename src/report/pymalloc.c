/* pymalloc.c: --dump-pymalloc, sys._debugmallocstats() from outside, and
 * the arenas that fragmentation keeps from the system.
 *
 * The first part prints what pymalloc_print_stats() prints, in its format
 * (printone(): the label padded to 35 columns, '=', the value with commas
 * right-aligned in 21), so that the two can be compared line by line. The
 * figures are the snapshot's (py/obmalloc.h).
 *
 * Then the fragmentation: pymalloc returns an arena to the system only
 * when every pool in it is free. An arena where less than a quarter of
 * the bytes are in use is listed with the objects of the graph that live
 * in it, the ones that pin it.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/memory.h"
#include "report/memory.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

static const char *const status_names[] = {
    [GS_PY_PYMALLOC_OK] = "ok",           [GS_PY_PYMALLOC_NOT_READ] = "not recorded",
    [GS_PY_PYMALLOC_NO_SYMBOLS] = "no symbols", [GS_PY_PYMALLOC_UNREADABLE] = "unreadable",
    [GS_PY_PYMALLOC_DISABLED] = "disabled",
};

static void printone(FILE *out, const char *msg, uint64_t value)
{
    char digits[32];
    gs_fmt_count(value, digits, sizeof digits);
    fprintf(out, "%-35s=%21s\n", msg, digits);
}

/* pymalloc_print_stats()'s text. */
void gs_pymalloc_stats_text(FILE *out, const struct gs_py_pymalloc_stats *p)
{
    char buf[128];
    fprintf(out, "Small block threshold = %" PRIu64 ", in %u size classes.\n", p->small_threshold, p->nclasses);
    fputs("\nclass   size   num pools   blocks in use  avail blocks\n"
          "-----   ----   ---------   -------------  ------------\n",
          out);
    for (uint32_t i = 0; i < p->nclasses; i++) {
        const struct gs_py_pymalloc_class *k = &p->classes[i];
        if (!k->pools)
            continue;
        fprintf(out, "%5u %6" PRIu64 " %11" PRIu64 " %15" PRIu64 " %13" PRIu64 "\n", i, (i + 1) * p->alignment,
                k->pools, k->blocks, k->free_blocks);
    }
    fputc('\n', out);
    printone(out, "# arenas allocated total", p->ntimes_arena_allocated);
    printone(out, "# arenas reclaimed", p->ntimes_arena_allocated - p->narenas);
    printone(out, "# arenas highwater mark", p->narenas_highwater);
    printone(out, "# arenas allocated current", p->narenas);
    snprintf(buf, sizeof buf, "%" PRIu64 " arenas * %" PRIu64 " bytes/arena", p->narenas, p->arena_size);
    printone(out, buf, p->narenas * p->arena_size);
    fputc('\n', out);
    printone(out, "# bytes in allocated blocks", p->allocated_bytes);
    printone(out, "# bytes in available blocks", p->available_bytes);
    snprintf(buf, sizeof buf, "%" PRIu64 " unused pools * %" PRIu64 " bytes", p->free_pools, p->pool_size);
    printone(out, buf, p->free_pools * p->pool_size);
    printone(out, "# bytes lost to pool headers", p->pool_header_bytes);
    printone(out, "# bytes lost to quantization", p->quantization);
    printone(out, "# bytes lost to arena alignment", p->arena_alignment);
    printone(out, "Total", p->total);
}

static int by_waste(const void *a, const void *b)
{
    const struct gs_frag_arena *x = a, *y = b;
    if (x->used_bytes != y->used_bytes)
        return x->used_bytes < y->used_bytes ? -1 : 1;
    return x->address < y->address ? -1 : x->address > y->address;
}

/* The graph's objects in each arena are found through the address index,
 * in address order. */
struct gs_frag_arena *gs_pymalloc_fragmented(const struct gs_snapshot *s, size_t *nout, uint64_t *held)
{
    const struct gs_py_pymalloc_stats *p = &s->memory.pymalloc;
    struct gs_frag_arena *v = gs_xcalloc(s->narenas + 1, sizeof *v);
    size_t n = 0;
    *held = 0;
    for (uint64_t i = 0; i < s->narenas; i++) {
        const struct gs_py_pymalloc_arena *a = &s->arenas[i];
        if (!gs_memory_arena_fragmented(s, a))
            continue;
        struct gs_frag_arena *r = &v[n++];
        r->address = a->address;
        r->used_bytes = a->used_bytes;
        r->used_pools = a->used_pools;
        r->total_pools = a->total_pools;
        *held += p->arena_size;
        /* First node at or after the arena's start. */
        size_t lo = 0, hi = s->nobjects;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->addr[s->by_addr[mid]] < a->address)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t k = lo; k < s->nobjects && s->addr[s->by_addr[k]] < a->address + p->arena_size; k++) {
            if (r->nshown < GS_PINNED_SHOWN)
                r->shown[r->nshown++] = s->by_addr[k];
            r->objects++;
        }
    }
    gs_qsort(v, n, sizeof *v, by_waste);
    *nout = n;
    return v;
}

/* The graph's objects that start in [lo, hi): the first few, and how many. */
static uint64_t objects_in(const struct gs_snapshot *s, uint64_t lo, uint64_t hi, uint32_t *shown, uint32_t *nshown)
{
    size_t a = 0, b = s->nobjects;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (s->addr[s->by_addr[mid]] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    uint64_t n = 0;
    for (size_t k = a; k < s->nobjects && s->addr[s->by_addr[k]] < hi; k++, n++)
        if (*nshown < GS_PINNED_SHOWN)
            shown[(*nshown)++] = s->by_addr[k];
    return n;
}

static int page_by_waste(const void *a, const void *b)
{
    const struct gs_frag_page *x = a, *y = b;
    if (x->resident != y->resident)
        return x->resident > y->resident ? -1 : 1;
    uint64_t ux = (uint64_t)x->used_blocks * x->block_size, uy = (uint64_t)y->used_blocks * y->block_size;
    if (ux != uy)
        return ux < uy ? -1 : 1;
    return x->address < y->address ? -1 : x->address > y->address;
}

/* Most resident bytes first, then fewest bytes in use. */
struct gs_frag_page *gs_mimalloc_fragmented(const struct gs_snapshot *s, size_t *nout, uint64_t *held)
{
    struct gs_frag_page *v = gs_xcalloc(s->nmi_pages + 1, sizeof *v);
    size_t n = 0;
    *held = 0;
    for (uint64_t i = 0; i < s->nmi_pages; i++) {
        const struct gs_py_mimalloc_page_rec *p = &s->mi_pages[i];
        if (!gs_memory_mi_page_fragmented(p))
            continue;
        struct gs_frag_page *r = &v[n++];
        *r = (struct gs_frag_page){.address = p->start, .bytes = p->bytes, .resident = p->resident,
                                   .block_size = p->block_size, .used_blocks = p->used, .capacity = p->capacity};
        *held += p->resident;
        r->objects = objects_in(s, p->start, p->start + (uint64_t)p->capacity * p->block_size, r->shown, &r->nshown);
    }
    gs_qsort(v, n, sizeof *v, page_by_waste);
    *nout = n;
    return v;
}

static void stats_json(gs_json *w, const struct gs_py_pymalloc_stats *p)
{
    gs_json_key(w, "status");
    gs_json_string(w, p->status <= GS_PY_PYMALLOC_DISABLED ? status_names[p->status] : "unknown");
    if (p->status != GS_PY_PYMALLOC_OK) {
        gs_json_key(w, "message");
        gs_json_string(w, p->why);
        return;
    }
    gs_json_key(w, "small_block_threshold");
    gs_json_uint(w, p->small_threshold);
    gs_json_key(w, "arena_size");
    gs_json_uint(w, p->arena_size);
    gs_json_key(w, "pool_size");
    gs_json_uint(w, p->pool_size);
    gs_json_key(w, "classes");
    gs_json_begin_array(w);
    for (uint32_t i = 0; i < p->nclasses; i++) {
        const struct gs_py_pymalloc_class *k = &p->classes[i];
        if (!k->pools)
            continue;
        gs_json_begin_object(w);
        gs_json_key(w, "class");
        gs_json_uint(w, i);
        gs_json_key(w, "size");
        gs_json_uint(w, (i + 1) * p->alignment);
        gs_json_key(w, "pools");
        gs_json_uint(w, k->pools);
        gs_json_key(w, "blocks_in_use");
        gs_json_uint(w, k->blocks);
        gs_json_key(w, "avail_blocks");
        gs_json_uint(w, k->free_blocks);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
#define NUM(key, v) (gs_json_key(w, key), gs_json_uint(w, v))
    NUM("arenas_allocated_total", p->ntimes_arena_allocated);
    NUM("arenas_reclaimed", p->ntimes_arena_allocated - p->narenas);
    NUM("arenas_highwater_mark", p->narenas_highwater);
    NUM("arenas_allocated_current", p->narenas);
    NUM("bytes_in_allocated_blocks", p->allocated_bytes);
    NUM("bytes_in_available_blocks", p->available_bytes);
    NUM("unused_pools", p->free_pools);
    NUM("bytes_lost_to_pool_headers", p->pool_header_bytes);
    NUM("bytes_lost_to_quantization", p->quantization);
    NUM("bytes_lost_to_arena_alignment", p->arena_alignment);
    NUM("total", p->total);
    NUM("unreadable_pools", p->bad_pools);
#undef NUM
}

/* A free-threaded build's mimalloc (py/mimalloc.h): the figures per size
 * class and per heap, the blocks in use being what
 * sys.getallocatedblocks() counts. */
static const char *const mi_status_names[] = {
    [GS_PY_MIMALLOC_NOT_READ] = "not recorded", [GS_PY_MIMALLOC_OK] = "ok",
    [GS_PY_MIMALLOC_NOT_USED] = "not used", [GS_PY_MIMALLOC_UNREADABLE] = "unreadable",
};
static const char *const mi_heap_names[GS_PY_MI_HEAPS] = {"mem", "object", "gc", "gc_pre", "other"};

static bool mimalloc_shown(const struct gs_snapshot *s)
{
    return s->mimalloc.status == GS_PY_MIMALLOC_OK || s->mimalloc.status == GS_PY_MIMALLOC_UNREADABLE;
}

static void mimalloc_json(gs_json *w, const struct gs_py_mimalloc_stats *m)
{
    gs_json_key(w, "status");
    gs_json_string(w, m->status <= GS_PY_MIMALLOC_UNREADABLE ? mi_status_names[m->status] : "unknown");
    if (m->why[0]) {
        gs_json_key(w, "message");
        gs_json_string(w, m->why);
    }
#define NUM(k, v)              \
    do {                       \
        gs_json_key(w, k);     \
        gs_json_uint(w, (v));  \
    } while (0)
    NUM("segments", m->segments);
    NUM("abandoned_segments", m->abandoned_segments);
    NUM("segment_bytes", m->segment_bytes);
    NUM("pages", m->pages);
    NUM("blocks", m->blocks);
    NUM("used_blocks", m->used_blocks);
    NUM("used_bytes", m->used_bytes);
    NUM("free_block_bytes", m->free_bytes);
    NUM("uncarved_bytes", m->uncarved_bytes);
    NUM("header_bytes", m->header_bytes);
    NUM("free_span_bytes", m->free_span_bytes);
    NUM("arenas", m->arenas);
    NUM("arena_bytes", m->arena_bytes);
    NUM("resident", m->resident);
    NUM("resident_used", m->resident_used);
    NUM("resident_objects", m->resident_objects);
    NUM("resident_free", m->resident_free);
    NUM("resident_headers", m->resident_headers);
    NUM("resident_outside_segments", m->resident_unowned);
    NUM("unreadable_pages", m->bad_pages);
    gs_json_key(w, "heaps");
    gs_json_begin_array(w);
    for (int h = 0; h < GS_PY_MI_HEAPS; h++) {
        gs_json_begin_object(w);
        gs_json_key(w, "heap");
        gs_json_string(w, mi_heap_names[h]);
        NUM("used_blocks", m->heap_used_blocks[h]);
        NUM("used_bytes", m->heap_used_bytes[h]);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_key(w, "classes");
    gs_json_begin_array(w);
    for (uint32_t i = 0; i < m->nclasses && i < GS_PY_MI_MAX_CLASSES; i++) {
        const struct gs_py_mimalloc_class *k = &m->classes[i];
        gs_json_begin_object(w);
        NUM("block_size", k->block_size);
        NUM("pages", k->pages);
        NUM("blocks", k->blocks);
        NUM("used_blocks", k->used_blocks);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
#undef NUM
}

static void mimalloc_text(FILE *out, const struct gs_py_mimalloc_stats *m)
{
    char b1[32], b2[32], b3[32], b4[32];
    if (m->status != GS_PY_MIMALLOC_OK) {
        fprintf(out, "\nmimalloc: %s\n", m->why);
        return;
    }
    fprintf(out, "\nmimalloc (the free-threaded build's allocator): %s blocks in use in %s pages of %s segments%s\n",
            gs_fmt_count(m->used_blocks, b1, sizeof b1), gs_fmt_count(m->pages, b2, sizeof b2),
            gs_fmt_count(m->segments, b3, sizeof b3), m->abandoned_segments ? " (some abandoned by exited threads)" : "");
    fprintf(out, "\n%12s %8s %12s %12s %12s\n", "block size", "pages", "blocks", "in use", "free");
    for (uint32_t i = 0; i < m->nclasses && i < GS_PY_MI_MAX_CLASSES; i++) {
        const struct gs_py_mimalloc_class *k = &m->classes[i];
        fprintf(out, "%12" PRIu64 " %8" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n", k->block_size, k->pages,
                k->blocks, k->used_blocks, k->blocks - k->used_blocks);
    }
    fputc('\n', out);
    printone(out, "# blocks in use", m->used_blocks);
    printone(out, "# bytes in blocks in use", m->used_bytes);
    printone(out, "# bytes in free blocks", m->free_bytes);
    printone(out, "# bytes in pages past their blocks", m->uncarved_bytes);
    printone(out, "# bytes in free slices", m->free_span_bytes);
    printone(out, "# bytes of segment headers", m->header_bytes);
    printone(out, "Total segment bytes", m->segment_bytes);
    fprintf(out, "\nin use per heap:");
    for (int h = 0; h < GS_PY_MI_HEAPS; h++)
        if (m->heap_used_blocks[h] || h < GS_PY_MI_HEAPS - 1)
            fprintf(out, "%s %s %s in %s blocks", h ? "," : "", mi_heap_names[h],
                    gs_fmt_bytes(m->heap_used_bytes[h], b1, sizeof b1), gs_fmt_count(m->heap_used_blocks[h], b2, sizeof b2));
    fputc('\n', out);
    if (m->resident) {
        char b5[32], b6[32];
        fprintf(out, "resident: %s of %s reserved in %s arena%s: %s in blocks in use, %s free (of which %s outside "
                     "live segments)\n",
                gs_fmt_bytes(m->resident, b1, sizeof b1), gs_fmt_bytes(m->arena_bytes, b2, sizeof b2),
                gs_fmt_count(m->arenas, b3, sizeof b3), m->arenas == 1 ? "" : "s",
                gs_fmt_bytes(m->resident_used, b4, sizeof b4), gs_fmt_bytes(m->resident_free, b5, sizeof b5),
                gs_fmt_bytes(m->resident_unowned, b6, sizeof b6));
    }
    if (m->why[0])
        fprintf(out, "note: %s\n", m->why);
    if (m->bad_pages)
        fprintf(out, "%s pages or slices skipped as corrupt: %s\n", gs_fmt_count(m->bad_pages, b1, sizeof b1),
                m->first_problem);
}

static void mimalloc_fragmented_text(FILE *out, const struct gs_snapshot *s, size_t limit)
{
    size_t n;
    uint64_t held;
    char b1[32], b2[32], b3[32], desc[300];
    struct gs_frag_page *fp = gs_mimalloc_fragmented(s, &n, &held);
    fprintf(out, "\n%s page%s (%s resident) kept by blocks in use on less than %d%% of them%s\n",
            gs_fmt_count(n, b1, sizeof b1), n == 1 ? "" : "s", gs_fmt_bytes(held, b2, sizeof b2),
            GS_FRAGMENTED_PERCENT, n ? ": mimalloc frees a page only when all its blocks are free" : "");
    for (size_t i = 0; i < n && i < limit; i++) {
        fprintf(out, "  page 0x%" PRIx64 ": %u of %u blocks of %" PRIu64 " bytes in use, %s resident, %s graph object%s\n",
                fp[i].address, fp[i].used_blocks, fp[i].capacity, fp[i].block_size,
                gs_fmt_bytes(fp[i].resident, b1, sizeof b1), gs_fmt_count(fp[i].objects, b3, sizeof b3),
                fp[i].objects == 1 ? "" : "s");
        for (uint32_t k = 0; k < fp[i].nshown && k < 3; k++) {
            gs_snapshot_describe(s, fp[i].shown[k], desc, sizeof desc);
            fprintf(out, "      pinned by %s\n", desc);
        }
    }
    free(fp);
}

static gs_status report_pymalloc(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)err;
    const struct gs_py_pymalloc_stats *p = &s->memory.pymalloc;
    bool ok = s->memory.present && p->status == GS_PY_PYMALLOC_OK;
    size_t nsparse = 0;
    uint64_t held = 0;
    struct gs_frag_arena *sparse = ok ? gs_pymalloc_fragmented(s, &nsparse, &held) : NULL;
    size_t limit = o->top ? o->top : 10;
    char desc[300], b1[32], b2[32];
    if ((o->format == GS_FORMAT_JSON)) {
        gs_json w;
        gs_json_init(&w, out);
        gs_json_begin_object(&w);
        gs_report_header_json(&w, s);
        gs_json_key(&w, "pymalloc");
        gs_json_begin_object(&w);
        if (!s->memory.present) {
            gs_json_key(&w, "status");
            gs_json_string(&w, "not recorded");
        } else {
            stats_json(&w, p);
        }
        gs_json_end_object(&w);
        if (mimalloc_shown(s)) {
            gs_json_key(&w, "mimalloc");
            gs_json_begin_object(&w);
            mimalloc_json(&w, &s->mimalloc);
            gs_json_end_object(&w);
            size_t np;
            uint64_t pheld;
            struct gs_frag_page *fp = gs_mimalloc_fragmented(s, &np, &pheld);
            gs_json_key(&w, "fragmented_pages");
            gs_json_begin_array(&w);
            for (size_t i = 0; i < np && (!o->top || i < o->top); i++) {
                gs_json_begin_object(&w);
                gs_json_key(&w, "address");
                gs_json_addr(&w, fp[i].address);
                gs_json_key(&w, "bytes");
                gs_json_uint(&w, fp[i].bytes);
                gs_json_key(&w, "resident");
                gs_json_uint(&w, fp[i].resident);
                gs_json_key(&w, "block_size");
                gs_json_uint(&w, fp[i].block_size);
                gs_json_key(&w, "used_blocks");
                gs_json_uint(&w, fp[i].used_blocks);
                gs_json_key(&w, "capacity");
                gs_json_uint(&w, fp[i].capacity);
                gs_json_key(&w, "objects");
                gs_json_uint(&w, fp[i].objects);
                gs_json_key(&w, "pinned_by");
                gs_json_begin_array(&w);
                for (uint32_t k = 0; k < fp[i].nshown; k++) {
                    gs_json_begin_object(&w);
                    gs_json_key(&w, "addr");
                    gs_json_addr(&w, s->addr[fp[i].shown[k]]);
                    gs_json_key(&w, "type");
                    gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[fp[i].shown[k]]].name));
                    gs_json_end_object(&w);
                }
                gs_json_end_array(&w);
                gs_json_end_object(&w);
            }
            gs_json_end_array(&w);
            gs_json_key(&w, "fragmented_pages_count");
            gs_json_uint(&w, np);
            gs_json_key(&w, "fragmented_pages_bytes");
            gs_json_uint(&w, pheld);
            free(fp);
        }
        gs_json_key(&w, "fragmented_arenas");
        gs_json_begin_array(&w);
        for (size_t i = 0; i < nsparse; i++) {
            gs_json_begin_object(&w);
            gs_json_key(&w, "address");
            gs_json_addr(&w, sparse[i].address);
            gs_json_key(&w, "used_pools");
            gs_json_uint(&w, sparse[i].used_pools);
            gs_json_key(&w, "total_pools");
            gs_json_uint(&w, sparse[i].total_pools);
            gs_json_key(&w, "used_bytes");
            gs_json_uint(&w, sparse[i].used_bytes);
            gs_json_key(&w, "objects");
            gs_json_uint(&w, sparse[i].objects);
            gs_json_key(&w, "pinned_by");
            gs_json_begin_array(&w);
            for (uint32_t k = 0; k < sparse[i].nshown; k++) {
                gs_json_begin_object(&w);
                gs_json_key(&w, "addr");
                gs_json_addr(&w, s->addr[sparse[i].shown[k]]);
                gs_json_key(&w, "type");
                gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[sparse[i].shown[k]]].name));
                gs_json_end_object(&w);
            }
            gs_json_end_array(&w);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_key(&w, "fragmented_bytes");
        gs_json_uint(&w, held);
        gs_json_end_object(&w);
        gs_json_finish(&w);
    } else {
        gs_report_header_text(out, s);
        fputc('\n', out);
        if (!s->memory.present)
            fprintf(out, "pymalloc: not recorded in this snapshot\n");
        else if (!ok) {
            fprintf(out, "pymalloc: %s\n", p->why);
            if (mimalloc_shown(s)) {
                mimalloc_text(out, &s->mimalloc);
                mimalloc_fragmented_text(out, s, limit);
            }
        }
        else {
            gs_pymalloc_stats_text(out, p);
            fprintf(out, "\n%s arena%s (%s) kept from the system by blocks in use on less than %d%% of them",
                    gs_fmt_count(nsparse, b1, sizeof b1), nsparse == 1 ? "" : "s", gs_fmt_bytes(held, b2, sizeof b2),
                    GS_FRAGMENTED_PERCENT);
            fprintf(out, "%s\n", nsparse ? ": pymalloc frees an arena only when all its pools are free" : "");
            for (size_t i = 0; i < nsparse && i < limit; i++) {
                fprintf(out, "  arena 0x%" PRIx64 ": %u of %u pools in use, %s in blocks, %s graph object%s\n",
                        sparse[i].address, sparse[i].used_pools, sparse[i].total_pools,
                        gs_fmt_bytes(sparse[i].used_bytes, b1, sizeof b1), gs_fmt_count(sparse[i].objects, b2, sizeof b2),
                        sparse[i].objects == 1 ? "" : "s");
                for (uint32_t k = 0; k < sparse[i].nshown && k < 3; k++) {
                    gs_snapshot_describe(s, sparse[i].shown[k], desc, sizeof desc);
                    fprintf(out, "      pinned by %s\n", desc);
                }
            }
        }
    }
    free(sparse);
    return GS_OK;
}

/* The manual's entry for --dump-pymalloc, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_pymalloc_man[] =
    "pymalloc's arenas, pools and size classes read from the copy, printed as\n"
    ".B sys._debugmallocstats()\n"
    "prints them, then the arenas kept from the system by a few live blocks (fragmentation), each with\n"
    "the objects that pin it. A free-threaded build allocates with mimalloc instead: its blocks per size\n"
    "class and per heap, the blocks in use being those\n"
    ".B sys.getallocatedblocks()\n"
    "counts, its resident bytes, and the pages a few blocks in use keep from being freed, each with the\n"
    "objects that pin it.\n";

gs_status gs_report_pymalloc_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_TEXT;
    return report_pymalloc(out, s, &t, err);
}

gs_status gs_report_pymalloc_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_JSON;
    return report_pymalloc(out, s, &t, err);
}
