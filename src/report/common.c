/* common.c: what every report prints about the capture, and formatting. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "report/report.h"

const char *gs_fmt_count(uint64_t v, char *buf, size_t cap)
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

const char *gs_fmt_bytes(uint64_t v, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
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

void gs_type_qualname(const struct gs_snapshot *s, uint32_t type, char *buf, size_t cap)
{
    if (type >= s->ntypes) {
        snprintf(buf, cap, "?");
        return;
    }
    const char *module = gs_snapshot_string(s, s->types[type].module);
    const char *name = gs_snapshot_string(s, s->types[type].name);
    if (strcmp(module, "builtins") == 0 || !module[0])
        snprintf(buf, cap, "%s", name);
    else
        snprintf(buf, cap, "%s.%s", module, name);
}

void gs_report_header_text(FILE *out, const struct gs_snapshot *s)
{
    const struct gs_snap_meta *m = &s->meta;
    char b1[32], b2[32];
    fprintf(out, "process %lld, Python %s (%s)\n", (long long)m->pid, m->python, m->binary);
    fprintf(out, "paused %.1f ms for %d thread%s (copied %s in %.1f ms), graph of %s objects ready in %.1f ms%s\n",
            m->pause_ms, m->threads_stopped, m->threads_stopped == 1 ? "" : "s",
            gs_fmt_bytes(m->copied_bytes, b1, sizeof b1), m->copy_ms, gs_fmt_count(s->nobjects, b2, sizeof b2),
            m->capture_ms + m->build_ms, m->target_was_stopped ? "; the target was already stopped and stays so" : "");
    if (m->floor_ms >= 0)
        fprintf(out, "bulk-copy floor: %s in %.1f ms\n", gs_fmt_bytes(m->floor_bytes, b1, sizeof b1), m->floor_ms);
    for (int32_t i = 0; i < m->ninterps; i++) {
        const struct gs_snap_interp *in = &m->interps[i];
        fprintf(out, "%scollector %s, thresholds %d/%d/%d, counts %d/%d/%d, %d thread%s\n",
                m->ninterps > 1 ? "  " : "", in->gc_enabled ? "enabled" : "DISABLED", in->thresholds[0],
                in->thresholds[1], in->thresholds[2], in->counts[0], in->counts[1], in->counts[2], in->nthreads,
                in->nthreads == 1 ? "" : "s");
    }
}

void gs_report_header_json(gs_json *w, const struct gs_snapshot *s)
{
    const struct gs_snap_meta *m = &s->meta;
    gs_json_key(w, "gcscope");
    gs_json_string(w, PACKAGE_VERSION);
    gs_json_key(w, "python");
    gs_json_string(w, m->python);
    gs_json_key(w, "python_build");
    gs_json_string(w, m->python_build);
    gs_json_key(w, "binary");
    gs_json_string(w, m->binary);
    gs_json_key(w, "pid");
    gs_json_int(w, m->pid);
    gs_json_key(w, "captured_at");
    gs_json_double(w, m->captured_at, 0);
    gs_json_key(w, "pause_ms");
    gs_json_double(w, m->pause_ms, 3);
    gs_json_key(w, "copy_ms");
    gs_json_double(w, m->copy_ms, 3);
    gs_json_key(w, "capture_ms");
    gs_json_double(w, m->capture_ms, 3);
    gs_json_key(w, "build_ms");
    gs_json_double(w, m->build_ms, 3);
    gs_json_key(w, "copied_bytes");
    gs_json_uint(w, m->copied_bytes);
    gs_json_key(w, "unreadable_pages");
    gs_json_uint(w, m->unreadable_pages);
    if (m->floor_ms >= 0) {
        gs_json_key(w, "floor_ms");
        gs_json_double(w, m->floor_ms, 3);
        gs_json_key(w, "floor_bytes");
        gs_json_uint(w, m->floor_bytes);
    }
    gs_json_key(w, "attempts");
    gs_json_int(w, m->attempts);
    gs_json_key(w, "threads_stopped");
    gs_json_int(w, m->threads_stopped);
    gs_json_key(w, "target_was_stopped");
    gs_json_bool(w, m->target_was_stopped != 0);
    /* The main interpreter's collector is "gc" (the one `import gc` shows). */
    if (m->ninterps > 0) {
        const struct gs_snap_interp *in = &m->interps[0];
        gs_json_key(w, "gc");
        gs_json_begin_object(w);
        gs_json_key(w, "enabled");
        gs_json_bool(w, in->gc_enabled != 0);
        gs_json_key(w, "thresholds");
        gs_json_begin_array(w);
        for (int g = 0; g < 3; g++)
            gs_json_int(w, in->thresholds[g]);
        gs_json_end_array(w);
        gs_json_key(w, "counts");
        gs_json_begin_array(w);
        for (int g = 0; g < 3; g++)
            gs_json_int(w, in->counts[g]);
        gs_json_end_array(w);
        gs_json_key(w, "collecting");
        gs_json_bool(w, in->gc_collecting != 0);
        gs_json_key(w, "debug");
        gs_json_int(w, in->gc_debug);
        gs_json_end_object(w);
    }
    gs_json_key(w, "interpreters");
    gs_json_begin_array(w);
    for (int32_t i = 0; i < m->ninterps; i++) {
        const struct gs_snap_interp *in = &m->interps[i];
        gs_json_begin_object(w);
        gs_json_key(w, "id");
        gs_json_int(w, in->id);
        gs_json_key(w, "threads");
        gs_json_int(w, in->nthreads);
        gs_json_key(w, "gc_enabled");
        gs_json_bool(w, in->gc_enabled != 0);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_key(w, "graph");
    gs_json_begin_object(w);
    gs_json_key(w, "objects");
    gs_json_uint(w, s->nobjects);
    gs_json_key(w, "edges");
    gs_json_uint(w, s->nedges);
    gs_json_key(w, "roots");
    gs_json_uint(w, s->nroots);
    gs_json_end_object(w);
    gs_json_key(w, "bad_edges");
    gs_json_uint(w, m->bad_edges);
    gs_json_key(w, "broken_lists");
    gs_json_uint(w, m->broken_lists);
}
