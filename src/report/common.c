/* common.c: what every report prints about the capture, and formatting. */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "report/report.h"
#include "util/text.h"

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

/* "SIGSEGV" for a signal number, "signal 70" for one without a name. */
static const char *signal_name(int signo, char *buf, size_t cap)
{
    const char *abbrev = signo > 0 && signo < NSIG ? sigabbrev_np(signo) : NULL;
    if (abbrev)
        snprintf(buf, cap, "SIG%s", abbrev);
    else
        snprintf(buf, cap, "signal %d", signo);
    return buf;
}

/* A core's header: where it came from, why it was written, and what it
 * lacks (a truncated core, parts in no file found). */
static void core_header_text(FILE *out, const struct gs_snapshot *s)
{
    const struct gs_snap_core *c = s->core;
    const struct gs_snap_meta *m = &s->meta;
    char b1[32], b2[32], sig[32], path[1024], name[1024], python[sizeof m->python * 4], build[sizeof m->build * 4],
        binary[sizeof m->binary * 4];
    /* The command line and name are the target's: escaped, as every string of it. */
    fprintf(out, "core %s of process %lld (%s), Python %s%s%s (%s)\n", gs_text(path, sizeof path, c->path),
            (long long)m->pid, gs_text(name, sizeof name, c->cmdline[0] ? c->cmdline : c->comm),
            gs_text(python, sizeof python, m->python), m->build[0] ? " " : "", gs_text(build, sizeof build, m->build),
            gs_text(binary, sizeof binary, m->binary));
    if (c->signo > 0 && (c->signo == SIGSEGV || c->signo == SIGBUS || c->signo == SIGILL || c->signo == SIGFPE))
        fprintf(out, "written on %s at 0x%llx", signal_name(c->signo, sig, sizeof sig),
                (unsigned long long)c->fault_addr);
    else if (c->signo > 0)
        fprintf(out, "written on %s", signal_name(c->signo, sig, sizeof sig));
    else
        fprintf(out, "written without a signal (gcore)");
    fprintf(out, "; %d thread%s; graph of %s objects ready in %.1f ms\n", c->nthreads, c->nthreads == 1 ? "" : "s",
            gs_fmt_count(s->nobjects, b2, sizeof b2), m->capture_ms + m->build_ms);
    if (c->bytes_missing)
        fprintf(out, "the core is truncated: %s of %d segment%s missing; objects there are left out\n",
                gs_fmt_bytes(c->bytes_missing, b1, sizeof b1), c->segments_truncated,
                c->segments_truncated == 1 ? "" : "s");
    if (c->bytes_unavailable)
        fprintf(out, "%s of file mappings are neither in the core nor in a matching file (--sysroot, --exe)\n",
                gs_fmt_bytes(c->bytes_unavailable, b1, sizeof b1));
}

void gs_type_qualname_text(const struct gs_snapshot *s, uint32_t type, char *buf, size_t cap)
{
    char raw[1024];
    gs_type_qualname(s, type, raw, sizeof raw);
    gs_text(buf, cap, raw);
}

void gs_report_header_text(FILE *out, const struct gs_snapshot *s)
{
    const struct gs_snap_meta *m = &s->meta;
    char b1[32], b2[32], python[sizeof m->python * 4], build[sizeof m->build * 4], binary[sizeof m->binary * 4];
    if (s->core) {
        core_header_text(out, s);
    } else {
        fprintf(out, "process %lld, Python %s%s%s (%s)\n", (long long)m->pid, gs_text(python, sizeof python, m->python),
                m->build[0] ? " " : "", gs_text(build, sizeof build, m->build), gs_text(binary, sizeof binary, m->binary));
        fprintf(out, "paused %.1f ms for %d thread%s (copied %s in %.1f ms), graph of %s objects ready in %.1f ms%s\n",
                m->pause_ms, m->threads_stopped, m->threads_stopped == 1 ? "" : "s",
                gs_fmt_bytes(m->copied_bytes, b1, sizeof b1), m->copy_ms, gs_fmt_count(s->nobjects, b2, sizeof b2),
                m->capture_ms + m->build_ms,
                m->target_was_stopped ? "; the target was already stopped and stays so" : "");
    }
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

void gs_report_type_json(gs_json *w, const struct gs_snapshot *s, const char *key, uint32_t type)
{
    const struct gs_snap_type *t = &s->types[type < s->ntypes ? type : 0];
    gs_json_key(w, key);
    gs_json_string(w, gs_snapshot_string(s, t->name));
    gs_json_key(w, "module");
    gs_json_string(w, gs_snapshot_string(s, t->module));
}

void gs_report_preview_json(gs_json *w, const struct gs_snapshot *s, uint32_t node)
{
    if (s->preview[node]) {
        gs_json_key(w, "preview");
        gs_json_string(w, gs_snapshot_string(s, s->preview[node]));
    }
}

void gs_report_totals_json(gs_json *w, const char *what, uint64_t objects, uint64_t bytes)
{
    char key[64];
    snprintf(key, sizeof key, "%s_objects", what);
    gs_json_key(w, key);
    gs_json_uint(w, objects);
    snprintf(key, sizeof key, "%s_bytes", what);
    gs_json_key(w, key);
    gs_json_uint(w, bytes);
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
    gs_json_key(w, "build");    /* "free-threaded", "debug", ... or "default" */
    gs_json_string(w, m->build[0] ? m->build : "default");
    gs_json_key(w, "free_threaded");
    gs_json_bool(w, strstr(m->build, "free-threaded") != NULL);
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
    if (s->core) {
        const struct gs_snap_core *c = s->core;
        gs_json_key(w, "core");
        gs_json_begin_object(w);
        gs_json_key(w, "path");
        gs_json_string(w, c->path);
        gs_json_key(w, "exe");
        gs_json_string(w, c->exe);
        gs_json_key(w, "cmdline");
        gs_json_string(w, c->cmdline);
        gs_json_key(w, "comm");
        gs_json_string(w, c->comm);
        gs_json_key(w, "signal");
        gs_json_int(w, c->signo);
        gs_json_key(w, "si_code");
        gs_json_int(w, c->si_code);
        gs_json_key(w, "fault_addr");
        gs_json_uint(w, c->fault_addr);
        gs_json_key(w, "threads");
        gs_json_int(w, c->nthreads);
        gs_json_key(w, "bytes_missing");
        gs_json_uint(w, c->bytes_missing);
        gs_json_key(w, "segments_truncated");
        gs_json_int(w, c->segments_truncated);
        gs_json_key(w, "bytes_unavailable");
        gs_json_uint(w, c->bytes_unavailable);
        gs_json_key(w, "bytes_from_files");
        gs_json_uint(w, c->bytes_from_files);
        gs_json_end_object(w);
    }
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
