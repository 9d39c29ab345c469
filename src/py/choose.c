/* choose.c: pick the layout table that reads a target (see choose.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "py/choose.h"
#include "py/debug_offsets.h"

/* At most: {release, debug} x {generational, incremental}. */
#define MAX_CANDIDATES 4

/* 3.14's incremental collector: gc.c GC_PHASE_MARK 0, GC_PHASE_COLLECT 1;
 * visited_space is 0 or 1. The collector became generational again in
 * 3.14.5 (gh-142516). */
#define FIRST_GENERATIONAL_314 5

void gs_py_layout_make_incremental(const struct gs_py_layout *L, struct gs_py_layout *out)
{
    *out = *L;
    if (!gs_py_layout_has(L->gc_incremental_size) || !gs_py_layout_has(L->interp_gc))
        return;
    int64_t delta = L->gc_incremental_size - L->gc_size;
    out->gc_size = L->gc_incremental_size;
    out->gc_generation0 = GS_PY_ABSENT;
    /* Members of PyInterpreterState after the collector state. */
    int64_t *after[] = {&out->interp_modules, &out->interp_sysdict, &out->interp_builtins,
                        &out->interp_ceval_gil, &out->interp_next, &out->interp_id,
                        &out->interp_threads_head, &out->interp_runtime};
    for (size_t i = 0; i < sizeof after / sizeof after[0]; i++)
        if (gs_py_layout_has(*after[i]) && *after[i] > L->interp_gc)
            *after[i] += delta;
    out->interp_size += delta;
    /* _PyRuntimeState embeds the main interpreter: it shrinks as much, and
     * nothing gcscope reads lies after it. */
    out->runtime_size += delta;
    out->generated_from = "3.14 headers, read as 3.14.0-3.14.4 (incremental collector)";
}

static bool read_i32(gs_reader *r, uint64_t addr, int32_t *v)
{
    return gs_read_i32(r, addr, v);
}

bool gs_py_gc_reading_check(gs_reader *r, const struct gs_py_layout *L, uint64_t gc_addr, char *why, size_t cap)
{
    /* Every list head, initialised: its links are never NULL (an empty list
     * points at itself). */
    for (int g = 0; g <= 3; g++) {
        uint64_t head = g < 3 ? gc_addr + (uint64_t)L->gc_generations + (uint64_t)(g * L->gc_generation_size)
                              : gc_addr + (uint64_t)L->gc_permanent_generation;
        uint64_t next = 0, prev = 0;
        if (!gs_read_u64(r, head + (uint64_t)L->gc_head_next, &next) ||
            !gs_read_u64(r, head + (uint64_t)L->gc_head_prev, &prev)) {
            snprintf(why, cap, "the collector state at 0x%" PRIx64 " is unreadable", gc_addr);
            return false;
        }
        if ((next & ~(uint64_t)3) == 0 || (prev & ~(uint64_t)3) == 0) {
            snprintf(why, cap, "%s list head %d is not initialised",
                     g < 3 ? "a generation's" : "the permanent generation's", g);
            return false;
        }
    }
    if (gs_py_layout_incremental_gc(L)) {
        int32_t visited = -1, phase = -1;
        if (!read_i32(r, gc_addr + (uint64_t)L->gc_incremental_visited_space, &visited) ||
            !read_i32(r, gc_addr + (uint64_t)L->gc_incremental_phase, &phase) || visited < 0 || visited > 1 ||
            phase < 0 || phase > 1) {
            snprintf(why, cap, "incremental reading: visited_space %d and phase %d are not 0 or 1", (int)visited,
                     (int)phase);
            return false;
        }
        return true;
    }
    if (gs_py_layout_has(L->gc_generation0)) {
        uint64_t gen0 = 0;
        if (!gs_read_u64(r, gc_addr + (uint64_t)L->gc_generation0, &gen0) ||
            gen0 != gc_addr + (uint64_t)L->gc_generations) {
            snprintf(why, cap, "generational reading: generation0 is 0x%" PRIx64 ", not generations[0] at 0x%" PRIx64,
                     gen0, gc_addr + (uint64_t)L->gc_generations);
            return false;
        }
    }
    if (gs_py_layout_has(L->gc_incremental_visited_space)) {
        /* 3.14.5+: dummy2 and dummy3 stand where visited_space and phase
         * were, and are never written. */
        int32_t d2 = -1, d3 = -1;
        if (!read_i32(r, gc_addr + (uint64_t)L->gc_incremental_visited_space, &d2) ||
            !read_i32(r, gc_addr + (uint64_t)L->gc_incremental_phase, &d3) || d2 != 0 || d3 != 0) {
            snprintf(why, cap, "generational reading: the members after heap_size are %d and %d, not 0",
                     (int)d2, (int)d3);
            return false;
        }
    }
    return true;
}

/* The main interpreter's collector state, in the live process. */
static bool main_gc_addr(gs_reader *r, const struct gs_py_layout *L, uint64_t runtime, uint64_t *gc)
{
    uint64_t interp = 0;
    if (gs_py_layout_has(L->runtime_main_interpreter))
        interp = runtime + (uint64_t)L->runtime_main_interpreter;
    else if (!gs_read_u64(r, runtime + (uint64_t)L->runtime_interpreters_main, &interp) || !interp)
        return false;
    if (!gs_py_layout_has(L->interp_gc))
        return false;
    *gc = interp + (uint64_t)L->interp_gc;
    return true;
}

/* Append "text; " to buf. */
static void append(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf);
    if (n < cap)
        snprintf(buf + n, cap - n, "%s; ", text);
}

gs_status gs_py_layout_choose(gs_reader *live, const struct gs_py_location *loc, int major, int minor, int micro,
                           struct gs_py_choice *out, gs_error *err)
{
    memset(out, 0, sizeof *out);
    char flags[8];
    bool named_debug = gs_py_abiflags_from_name(loc->binary, flags, sizeof flags) && strchr(flags, 'd');
    /* Free-threaded or not: the debug offsets' free_threaded field (3.13+)
     * when there is one, else the file name's ABI flag (libpython3.14t.so);
     * sys.abiflags confirms it after the capture (gs_py_runtime_read). */
    int dbg_ft = gs_py_debug_offsets_free_threaded(live, loc->runtime_addr);
    bool ft = dbg_ft >= 0 ? dbg_ft == 1 : gs_py_name_is_free_threaded(loc->binary);
    const struct gs_py_layout *release = gs_py_layout_find(major, minor, ft, false);
    const struct gs_py_layout *debug = gs_py_layout_find(major, minor, ft, true);
    char version[48];
    if (micro >= 0)
        snprintf(version, sizeof version, "%d.%d.%d%s", major, minor, micro, ft ? " (free-threaded build)" : "");
    else
        snprintf(version, sizeof version, "%d.%d%s", major, minor, ft ? " (free-threaded build)" : "");
    if (!release)
        return gs_fail(err, GS_ERR_UNSUPPORTED,
                       "Python %s is not supported: gcscope reads CPython %s (debug builds of %s)", version,
                       gs_py_layout_supported(), gs_py_layout_supported_debug());
    /* Without debug offsets (before 3.13) the name is all there is: a debug
     * build with no table of its own is refused rather than guessed. */
    if (!gs_py_layout_has(release->debug_offsets_present)) {
        if (named_debug && !debug)
            return gs_fail(err, GS_ERR_UNSUPPORTED,
                           "Python %s debug build (%s) is not supported: gcscope reads CPython %s and the "
                           "debug builds of %s",
                           version, loc->binary, gs_py_layout_supported(), gs_py_layout_supported_debug());
        out->layout = named_debug ? debug : release;
        out->debug = named_debug;
        return GS_OK;
    }

    /* 3.13+: each candidate proves itself against the debug offsets; for
     * 3.14, against the collector's state too. Named debug builds first. */
    const struct gs_py_layout *builds[2] = {named_debug ? debug : release, named_debug ? release : debug};
    static struct gs_py_layout variants[2];
    const struct gs_py_layout *cand[MAX_CANDIDATES];
    size_t n = 0;
    for (int b = 0; b < 2; b++) {
        const struct gs_py_layout *L = builds[b];
        if (!L)
            continue;
        if (!gs_py_layout_has(L->gc_incremental_size) || gs_py_layout_is_free_threaded(L)) {
            cand[n++] = L;
            continue;
        }
        gs_py_layout_make_incremental(L, &variants[b]);
        bool incremental_first = micro >= 0 && micro < FIRST_GENERATIONAL_314;
        cand[n++] = incremental_first ? &variants[b] : L;
        cand[n++] = incremental_first ? L : &variants[b];
    }

    char first_reason[sizeof err->msg];
    char gc_reasons[sizeof err->msg];
    first_reason[0] = gc_reasons[0] = '\0';
    gs_status first_code = GS_OK;
    bool unreadable = false;
    for (size_t i = 0; i < n; i++) {
        const struct gs_py_layout *L = cand[i];
        uint64_t hex = 0;
        gs_error e;
        gs_status st = gs_py_debug_offsets_check(live, loc->runtime_addr, L, &hex, &e);
        if (st == GS_ERR_UNSUPPORTED) { /* another version, a free-threaded build: no table fits */
            if (err)
                *err = e;
            return st;
        }
        if (st != GS_OK) {
            if (first_code == GS_OK) {
                first_code = st;
                snprintf(first_reason, sizeof first_reason, "%s", e.msg);
            }
            continue;
        }
        if (gs_py_layout_has(L->gc_incremental_size) && !gs_py_layout_is_free_threaded(L)) {
            uint64_t gc;
            char why[256];
            uint64_t probe;
            if (!main_gc_addr(live, L, loc->runtime_addr, &gc) || !gs_read_u64(live, gc, &probe)) {
                unreadable = true; /* a dying process, or no runtime there */
                continue;
            }
            if (!gs_py_gc_reading_check(live, L, gc, why, sizeof why)) {
                if (!gs_read_u64(live, gc, &probe))
                    unreadable = true; /* it went away meanwhile */
                else
                    append(gc_reasons, sizeof gc_reasons, why);
                continue;
            }
        }
        out->incremental_gc = gs_py_layout_incremental_gc(L);
        out->debug = L->debug != 0;
        if (L == &variants[0] || L == &variants[1]) {
            out->variant = *L;
            out->layout = &out->variant;
        } else {
            out->layout = L;
        }
        return GS_OK;
    }
    if (unreadable && !gc_reasons[0])
        return gs_fail(err, GS_ERR_CORRUPT,
                       "cannot read the collector state of Python %s's main interpreter: the process is "
                       "exiting, or _PyRuntime is not where gcscope looked",
                       version);
    if (gc_reasons[0]) {
        size_t k = strlen(gc_reasons);
        if (k >= 2)
            gc_reasons[k - 2] = '\0';
        return gs_fail(err, GS_ERR_UNSUPPORTED,
                       "Python %s: the collector state fits neither the incremental (3.14.0-3.14.4) nor the "
                       "generational (3.14.5+) reading (%s): gcscope reads CPython %s",
                       version, gc_reasons, gs_py_layout_supported());
    }
    if (first_code == GS_ERR_CORRUPT && strstr(first_reason, "disagree") == NULL)
        return gs_fail(err, first_code, "%s", first_reason); /* damaged, not unknown */
    return gs_fail(err, GS_ERR_UNSUPPORTED,
                   "Python %s%s has a layout gcscope does not know (%s): gcscope reads CPython %s "
                   "(debug builds of %s)",
                   version, named_debug ? " debug build" : "", first_reason, gs_py_layout_supported(),
                   gs_py_layout_supported_debug());
}
