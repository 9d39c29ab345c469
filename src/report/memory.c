/* memory.c: --dump-memory, the process's resident memory accounted for.
 *
 * The figures are the snapshot's (graph/memory.c says how each is
 * computed); this file presents them: each part of the anonymous resident
 * memory with its bytes and its share, what stays unexplained, the
 * file-backed part (code and libraries), and the largest mappings.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/memory.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

size_t gs_memory_parts(const struct gs_snapshot *s, struct gs_memory_part p[GS_MEMORY_PARTS_MAX])
{
    const struct gs_snap_memory *m = &s->memory;
    const struct gs_py_mimalloc_stats *mi = &s->mimalloc;
    size_t n = 0;
    if (mi->status == GS_PY_MIMALLOC_OK) {
        /* A free-threaded build: objects live in mimalloc's blocks, not
         * pymalloc's (graph/memory.c). */
        uint64_t other = mi->resident_used > mi->resident_objects ? mi->resident_used - mi->resident_objects : 0;
        p[n++] = (struct gs_memory_part){"objects_mimalloc", "Python objects and their buffers in mimalloc blocks",
                                         mi->resident_objects};
        p[n++] = (struct gs_memory_part){"objects_malloc", "Python objects and their buffers outside mimalloc",
                                         m->objects_malloc};
        p[n++] = (struct gs_memory_part){"mimalloc_other", "mimalloc blocks no graph object accounts for", other};
        p[n++] = (struct gs_memory_part){"mimalloc_free",
                                         "mimalloc free space (free blocks, pages, headers)",
                                         mi->resident_free};
    } else {
        p[n++] = (struct gs_memory_part){"objects_pymalloc", "Python objects in pymalloc blocks", m->objects_pymalloc};
        p[n++] = (struct gs_memory_part){"objects_malloc", "Python objects and their buffers outside pymalloc",
                                         m->objects_malloc};
        p[n++] = (struct gs_memory_part){"pymalloc_other", "pymalloc blocks no graph object accounts for",
                                         m->pymalloc_other};
        p[n++] = (struct gs_memory_part){"pymalloc_free", "pymalloc free space (free blocks and pools, headers)",
                                         m->pymalloc_free};
    }
    p[n++] = (struct gs_memory_part){"tracemalloc_tables", "tracemalloc's own tables (estimated)",
                                     m->tracemalloc_tables};
    p[n++] = (struct gs_memory_part){"stacks", "thread stacks", m->stacks};
    p[n++] = (struct gs_memory_part){"libraries", "libraries' written data (.data, .bss)", m->libraries};
    p[n++] = (struct gs_memory_part){"unexplained", "unexplained", m->unexplained};
    return n;
}

double gs_memory_share(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0; }

static const char *const kind_names[] = {
    [GS_MAPPING_ANON] = "anonymous", [GS_MAPPING_HEAP] = "heap",  [GS_MAPPING_STACK] = "stack",
    [GS_MAPPING_THREAD_STACK] = "thread stack", [GS_MAPPING_FILE] = "file", [GS_MAPPING_OTHER] = "other",
};

static int by_rss(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_snap_mapping *x = &s->mappings[*(const uint32_t *)a], *y = &s->mappings[*(const uint32_t *)b];
    if (x->rss != y->rss)
        return x->rss > y->rss ? -1 : 1;
    return x->start < y->start ? -1 : x->start > y->start;
}

static gs_status report_memory(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)err;
    const struct gs_snap_memory *m = &s->memory;
    struct gs_memory_part parts[GS_MEMORY_PARTS_MAX];
    size_t np = gs_memory_parts(s, parts);
    uint32_t *order = gs_xcalloc(s->nmappings + 1, sizeof *order);
    for (uint64_t i = 0; i < s->nmappings; i++)
        order[i] = (uint32_t)i;
    gs_qsort_r(order, (size_t)s->nmappings, sizeof *order, by_rss, (void *)s);
    size_t limit = o->top ? o->top : 10;
    char b1[32], b2[32], b3[32], b4[32];
    bool ok = m->present && m->smaps_read;
    if ((o->format == GS_FORMAT_JSON)) {
        gs_json w;
        gs_json_init(&w, out);
        gs_json_begin_object(&w);
        gs_report_header_json(&w, s);
        gs_json_key(&w, "memory");
        gs_json_begin_object(&w);
        gs_json_key(&w, "status");
        gs_json_string(&w, !m->present ? "not recorded" : !m->smaps_read ? "smaps unreadable" : "ok");
        gs_json_key(&w, "rss");
        gs_json_uint(&w, m->rss);
        gs_json_key(&w, "anonymous");
        gs_json_uint(&w, m->anonymous);
        gs_json_key(&w, "file");
        gs_json_uint(&w, m->file_rss);
        gs_json_key(&w, "swap");
        gs_json_uint(&w, m->swap);
        gs_json_key(&w, "parts");
        gs_json_begin_array(&w);
        for (size_t i = 0; i < np; i++) {
            gs_json_begin_object(&w);
            gs_json_key(&w, "name");
            gs_json_string(&w, parts[i].key);
            gs_json_key(&w, "bytes");
            gs_json_uint(&w, parts[i].bytes);
            gs_json_key(&w, "share");
            gs_json_double(&w, gs_memory_share(parts[i].bytes, m->anonymous), 2);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_key(&w, "external_buffers");
        gs_json_uint(&w, m->external_buffers);
        gs_json_key(&w, "objects_in_files");
        gs_json_uint(&w, m->objects_in_files);
        gs_json_key(&w, "arenas_carved");
        gs_json_uint(&w, m->arenas_carved);
        gs_json_key(&w, "unexplained_share");
        gs_json_double(&w, gs_memory_share(m->unexplained, m->anonymous), 2);
        gs_json_key(&w, "mappings");
        gs_json_begin_array(&w);
        for (uint64_t i = 0; i < s->nmappings && i < 50; i++) {
            const struct gs_snap_mapping *e = &s->mappings[order[i]];
            gs_json_begin_object(&w);
            gs_json_key(&w, "start");
            gs_json_addr(&w, e->start);
            gs_json_key(&w, "end");
            gs_json_addr(&w, e->end);
            gs_json_key(&w, "kind");
            gs_json_string(&w, e->kind <= GS_MAPPING_OTHER ? kind_names[e->kind] : "?");
            gs_json_key(&w, "path");
            gs_json_string(&w, gs_snapshot_string(s, e->path));
            gs_json_key(&w, "rss");
            gs_json_uint(&w, e->rss);
            gs_json_key(&w, "anonymous");
            gs_json_uint(&w, e->anonymous);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_end_object(&w);
        gs_json_end_object(&w);
        gs_json_finish(&w);
    } else {
        gs_report_header_text(out, s);
        if (!ok) {
            fprintf(out, "\nmemory: %s\n",
                    !m->present ? "not recorded: this snapshot was saved by a gcscope that did not read it"
                                : "/proc/PID/smaps could not be read at capture time");
        } else {
            fprintf(out, "\nResident memory %s: anonymous %s, file-backed %s, swapped %s\n",
                    gs_fmt_bytes(m->rss, b1, sizeof b1), gs_fmt_bytes(m->anonymous, b2, sizeof b2),
                    gs_fmt_bytes(m->file_rss, b3, sizeof b3), gs_fmt_bytes(m->swap, b4, sizeof b4));
            fprintf(out, "\n%-54s %12s %7s\n", "anonymous resident memory", "bytes", "share");
            for (size_t i = 0; i < np; i++) {
                fprintf(out, "  %-52s %12s %6.1f%%\n", parts[i].text, gs_fmt_bytes(parts[i].bytes, b1, sizeof b1),
                        gs_memory_share(parts[i].bytes, m->anonymous));
                if (strcmp(parts[i].key, "objects_malloc") == 0 && m->external_buffers)
                    fprintf(out, "    %-50s %12s\n", "of which container tables and bytearray/numpy data",
                            gs_fmt_bytes(m->external_buffers, b1, sizeof b1));
            }
            fprintf(out, "  %-52s %12s\n", "total", gs_fmt_bytes(m->anonymous, b1, sizeof b1));
            fprintf(out, "\nfile-backed resident memory (code and libraries): %s\n",
                    gs_fmt_bytes(m->file_rss, b1, sizeof b1));
            if (s->mimalloc.status == GS_PY_MIMALLOC_OK) {
                const struct gs_py_mimalloc_stats *mi = &s->mimalloc;
                fprintf(out, "mimalloc: %s resident in %" PRIu64 " segments (%s of segment headers, %s in arenas "
                             "outside live segments)%s%s\n",
                        gs_fmt_bytes(mi->resident, b1, sizeof b1), mi->segments,
                        gs_fmt_bytes(mi->resident_headers, b2, sizeof b2),
                        gs_fmt_bytes(mi->resident_unowned, b3, sizeof b3), mi->why[0] ? "; " : "", mi->why);
            } else if (m->pymalloc.status != GS_PY_PYMALLOC_OK) {
                fprintf(out, "pymalloc: %s (its arenas count as objects or unexplained)\n", m->pymalloc.why);
            }
            fprintf(out, "\n%-14s %-18s %12s %12s  %s\n", "kind", "start", "rss", "anonymous", "path");
            for (uint64_t i = 0; i < s->nmappings && i < limit; i++) {
                const struct gs_snap_mapping *e = &s->mappings[order[i]];
                fprintf(out, "%-14s 0x%016" PRIx64 " %12s %12s  %s\n",
                        e->kind <= GS_MAPPING_OTHER ? kind_names[e->kind] : "?", e->start,
                        gs_fmt_bytes(e->rss, b1, sizeof b1), gs_fmt_bytes(e->anonymous, b2, sizeof b2),
                        gs_snapshot_string(s, e->path));
            }
        }
    }
    free(order);
    return GS_OK;
}

/* The manual's entry for --dump-memory, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_memory_man[] =
    "The resident memory from\n"
    ".I /proc/PID/smaps\n"
    "(read at capture time and saved with the snapshot), its anonymous part split into Python objects\n"
    "in pymalloc blocks, objects and their buffers elsewhere (list, dict and set tables, bytearray data),\n"
    "pymalloc blocks outside the graph, pymalloc free space, tracemalloc's own tables, thread stacks and\n"
    "libraries' written data, and what stays unexplained, each with bytes and share; then the largest\n"
    "mappings. On a free-threaded build mimalloc's blocks take pymalloc's place: objects in its blocks,\n"
    "its other blocks in use, and its free space (free blocks and pages, headers, freed segments),\n"
    "counted in resident bytes.\n";

gs_status gs_report_memory_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_TEXT;
    return report_memory(out, s, &t, err);
}

gs_status gs_report_memory_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_JSON;
    return report_memory(out, s, &t, err);
}
