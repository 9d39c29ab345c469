#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "capture.h"
#include "proc/attach.h"
#include "proc/mem_live.h"
#include "py/debug_offsets.h"
#include "py/layout.h"
#include "util/alloc.h"
#include "util/phases.h"

void gs_capture_opts_default(struct gs_capture_opts *o)
{
    memset(o, 0, sizeof *o);
    o->timeout = 10.0;
    o->retries = 5;
    o->native_stacks = true;
    o->max_capture = gs_default_max_capture();
}

/* Without --max-capture, copy at most three quarters of the memory the
 * system has available: a target with a huge sparse mapping (a sanitizer's
 * shadow, a reserved arena) must be refused with a clear message, not take
 * the machine down. 0 (no limit) when /proc/meminfo says nothing. */
uint64_t gs_default_max_capture(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    unsigned long long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    fclose(f);
    return (uint64_t)kib * 1024 / 4 * 3;
}

static gs_status check_signals(gs_error *err)
{
    if (gs_signal_pending)
        return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d: the target was left running",
                       (int)gs_signal_pending);
    if (gs_deadline_hit)
        return gs_fail(err, GS_ERR_DEADLINE, "the capture took longer than --timeout: the target was left running");
    return GS_OK;
}

/* The process's state letter from /proc/PID/stat ('R', 'S', 'T', 'Z'...),
 * or 0 when there is no such process. A zombie has exited: it only waits
 * for its parent to collect its status. */
static char process_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": comm may hold spaces and parentheses; the state
     * follows the last ')'. */
    char *close = strrchr(buf, ')');
    return close && close[1] == ' ' ? close[2] : 0;
}

static bool process_gone(pid_t pid)
{
    char st = process_state(pid);
    return st == 0 || st == 'Z' || st == 'X';
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Parse "3.10.13" into major/minor; false if it does not look like one. */
static bool parse_version(const char *s, int *major, int *minor)
{
    return s && sscanf(s, "%d.%d", major, minor) == 2;
}

/* Which CPython is this? In order of trust: Py_Version (3.11+), the debug
 * offsets (3.13+), the library or executable name, a version literal in
 * the binary. Fills cap->version with the best exact string known so far
 * (sys.version, read after the capture, replaces it). */
static gs_status detect_version(struct gs_capture *cap, gs_reader *live, int *major, int *minor, int *micro,
                                gs_error *err)
{
    const struct gs_py_location *loc = &cap->loc;
    *major = *minor = *micro = -1;
    uint32_t hex = 0;
    if (loc->py_version_addr && gs_read_u32(live, loc->py_version_addr, &hex) && (hex >> 24) == 3) {
        *major = (int)(hex >> 24);
        *minor = (int)((hex >> 16) & 0xff);
        *micro = (int)((hex >> 8) & 0xff);
        snprintf(cap->version, sizeof cap->version, "%d.%d.%d", *major, *minor, (int)((hex >> 8) & 0xff));
        return GS_OK;
    }
    if (loc->name_major >= 0) {
        *major = loc->name_major;
        *minor = loc->name_minor;
    } else if (!parse_version(loc->rodata_version, major, minor)) {
        return gs_fail(err, GS_ERR_NOT_PYTHON,
                       "process %d maps %s but gcscope cannot tell its Python version", (int)cap->pid,
                       loc->binary);
    }
    int rmaj, rmin;
    if (loc->rodata_version[0] && parse_version(loc->rodata_version, &rmaj, &rmin) && rmaj == *major &&
        rmin == *minor) {
        snprintf(cap->version, sizeof cap->version, "%s", loc->rodata_version);
        if (sscanf(loc->rodata_version, "%*d.%*d.%d", micro) != 1)
            *micro = -1;
    }
    else
        snprintf(cap->version, sizeof cap->version, "%d.%d", *major, *minor);
    return GS_OK;
}

gs_status gs_capture_choose_layout(struct gs_capture *cap, gs_reader *mem, gs_error *err)
{
    int major, minor, micro;
    gs_status st = detect_version(cap, mem, &major, &minor, &micro, err);
    if (st != GS_OK)
        return st;
    /* The table for this version and build; 3.13+ interpreters describe
     * their own layout, and a table that disagrees is refused rather than
     * read with wrong offsets (py/choose.h). */
    st = gs_py_layout_choose(mem, &cap->loc, major, minor, micro, &cap->choice, err);
    cap->layout = st == GS_OK ? cap->choice.layout : NULL;
    return st;
}

static gs_status choose_layout(struct gs_capture *cap, gs_error *err)
{
    gs_reader *live = gs_reader_live_new(cap->pid);
    gs_status st = gs_capture_choose_layout(cap, live, err);
    gs_reader_free(live);
    return st;
}

struct regs_job {
    const pid_t *tids;
    struct gs_thread_regs *regs;
    size_t n;
    bool native_stacks;
    double deadline;
};

/* On the tracer thread (gs_attach_start): every thread's registers, for
 * walk_stacks to walk the stacks from after the detach. */
static void read_regs(void *arg)
{
    struct regs_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        j->regs[i].tid = j->tids[i];
        /* Past the deadline the remaining threads go without registers
         * (and so without a native stack) rather than hold the target
         * longer. */
        if (j->native_stacks && gs_now() < j->deadline && !gs_deadline_hit)
            gs_unwind_regs(j->tids[i], &j->regs[i]);
    }
}

/* While stopped, with the memory: the descriptor table, so that it
 * matches the objects that own them. */
static gs_status read_fds(struct gs_capture *cap, gs_error *err)
{
    free(cap->fds);
    cap->fds = NULL;
    cap->nfds = 0;
    gs_status st = gs_fds_read_table(cap->pid, &cap->fds, &cap->nfds, err);
    return st != GS_OK ? st : check_signals(err);
}

/* After the detach: each thread's native stack, walked from the registers
 * of the stop over the image copied in the same stop. Takes regs. */
static void walk_stacks(struct gs_capture *cap, const struct gs_capture_opts *opts, double deadline,
                        struct gs_thread_regs *regs, size_t n)
{
    free(cap->native);
    cap->native = gs_xcalloc(n ? n : 1, sizeof *cap->native);
    cap->nnative = n;
    for (size_t i = 0; i < n; i++) {
        cap->native[i].tid = regs[i].tid;
        if (opts->native_stacks && gs_now() < deadline && !gs_deadline_hit)
            gs_unwind_walk(cap->pid, gs_image_reader(cap->image), &regs[i], &cap->native[i]);
    }
    free(regs);
}

/* For benchmarks: the physical floor of a capture, measured in a stop of
 * its own once the capture is ready (outside capture_ms), so that the pause
 * reported is the capture's alone and the scratch buffer is faulted in
 * beforehand. */
static gs_status measure_floor(struct gs_capture *cap, double deadline, gs_error *err)
{
    gs_floor *f = gs_floor_prepare(cap->image);
    gs_attach *a = NULL;
    gs_status st = gs_attach_process(cap->pid, deadline, &a, err);
    if (st == GS_OK) {
        cap->floor_seconds = gs_floor_measure(f, cap->pid, &cap->floor_bytes);
        gs_detach(a);
    }
    gs_floor_free(f);
    return st;
}

/* Where each interpreter keeps its "a collection is running" flag, found
 * before the stop through the live process (the interpreter states never
 * move). Nothing found (a race with start-up, an odd layout) only means
 * no early check: the check on the copy still runs. */
static void find_gc_flags(struct gs_capture *cap)
{
    gs_reader *live = gs_reader_live_new(cap->pid);
    struct gs_py_runtime rt;
    gs_error ignored;
    cap->ngc_flags = 0;
    if (gs_py_runtime_read(live, cap->layout, cap->loc.runtime_addr, &rt, &ignored) == GS_OK) {
        for (size_t i = 0; i < rt.ninterps && cap->ngc_flags < GS_CAPTURE_GC_FLAGS; i++)
            cap->gc_flags[cap->ngc_flags++] = rt.interps[i].gc.addr + (uint64_t)cap->layout->gc_collecting;
        gs_py_runtime_free(&rt);
    }
    gs_reader_free(live);
}

/* One small read right after the stop: is any interpreter collecting? */
static bool collecting_now(const struct gs_capture *cap)
{
    for (size_t i = 0; i < cap->ngc_flags; i++) {
        int32_t v = 0;
        struct iovec local = {&v, sizeof v}, remote = {(void *)(uintptr_t)cap->gc_flags[i], sizeof v};
        if (process_vm_readv(cap->pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof v && v != 0)
            return true;
    }
    return false;
}

/* The target is stopped in the middle of a collection: let it run a
 * moment and stop it again, as often as the deadline allows. Each window
 * doubles (0.5 ms to 32 ms): a short collection ends in the first, a long
 * full one is not interrupted a hundred times. Each stop costs about what
 * seizing costs, not a copy. */
static gs_status wait_out_collection(struct gs_capture *cap, gs_attach *a, double deadline, gs_error *err)
{
    double window = 0.0005;
    while (collecting_now(cap)) {
        if (gs_attach_was_stopped(a))
            return gs_fail(err, GS_ERR_BUSY,
                           "process %d is stopped (job control) in the middle of a garbage collection: "
                           "resume it (kill -CONT %d) and retry",
                           (int)cap->pid, (int)cap->pid);
        if (gs_now() + window >= deadline)
            return gs_fail(err, GS_ERR_BUSY,
                           "a garbage collection was in progress at each of %d stops until --timeout: try again "
                           "or raise --timeout",
                           cap->attempts);
        gs_status st = gs_attach_cycle(a, window, deadline, err);
        if (st != GS_OK)
            return st;
        cap->attempts++;
        cap->gc_waits++;
        if (window < 0.032)
            window *= 2;
    }
    return GS_OK;
}

/* Stop the target, copy its writable memory, let it go. */
static gs_status stop_and_copy(struct gs_capture *cap, const struct gs_capture_opts *opts, double deadline,
                               gs_error *err)
{
    gs_status st;
    /* GCSCOPE_TRACE_PHASES: the steps before the stop (plan, prefault,
     * read-only copy) and the stop's own, one line each. */
    struct gs_phases ph;
    gs_phases_start(&ph);
    gs_maps before = {0};
    if ((st = gs_maps_read(cap->pid, &before, err)) != GS_OK)
        return st;
    gs_image_free(cap->image);
    cap->image = NULL;
    gs_phase_mark(&ph, "maps before");
    st = gs_image_plan(cap->pid, &before, opts->max_capture, deadline, &cap->image, &ph, err);
    /* Read-only file mappings (.rodata: static type names, member tables)
     * never change: copy them before the stop, so that the pause is spent
     * on the writable memory only and a target that dies afterwards still
     * leaves a complete image. */
    if (st == GS_OK)
        gs_image_copy_readonly(cap->image, cap->pid, &before);
    gs_maps_free(&before);
    gs_phase_mark(&ph, "read-only copy");
    if (st != GS_OK)
        return st;
    if ((st = check_signals(err)) != GS_OK)
        return st;

    gs_attach *a = NULL;
    if ((st = gs_attach_process(cap->pid, deadline, &a, err)) != GS_OK)
        return st;
    gs_phase_mark(&ph, "stop");
    cap->was_stopped = gs_attach_was_stopped(a);

    st = wait_out_collection(cap, a, deadline, err);
    size_t nthreads;
    const pid_t *tids = gs_attach_threads(a, &nthreads);
    cap->threads_stopped = nthreads;
    /* Each thread's registers are read by the tracer thread while this one
     * reads the maps and copies: for 500 threads the PTRACE_GETREGS calls
     * take about 1.2 ms, the maps and the resident scan 2 ms of one core. */
    struct gs_thread_regs *regs = gs_xcalloc(nthreads ? nthreads : 1, sizeof *regs);
    size_t nregs = nthreads;
    struct regs_job rj = {tids, regs, nthreads, opts->native_stacks, deadline};
    /* Without native stacks there are no registers to read, only the
     * thread ids to note: no reason to hand that to the tracer. */
    if (st == GS_OK && opts->native_stacks)
        gs_attach_start(a, read_regs, &rj);
    else if (st == GS_OK)
        read_regs(&rj);
    gs_maps_free(&cap->maps);
    gs_phase_mark(&ph, "gc check");
    if (st == GS_OK)
        st = gs_maps_read(cap->pid, &cap->maps, err);
    gs_phase_mark(&ph, "maps");
    if (st == GS_OK)
        st = gs_image_copy_writable(cap->image, cap->pid, &cap->maps, deadline, err);
    gs_phase_mark(&ph, "copy");
    if (st == GS_OK)
        st = read_fds(cap, err);
    gs_attach_wait(a);
    gs_phase_mark(&ph, "threads, fds");
    /* A testing aid: hold the stop, still answering signals promptly. */
    for (double held = 0; st == GS_OK && held < opts->debug_hold; held += 0.01) {
        if ((st = check_signals(err)) != GS_OK)
            break;
        sleep_seconds(0.01);
    }
    if (st == GS_OK)
        st = check_signals(err);
    double stopped = gs_attach_last_stop(a);
    double last_detach = gs_now();
    gs_detach_at(a, &last_detach);
    gs_phase_mark(&ph, "detach");
    gs_image_after_stop(cap->image);
    cap->pause_seconds = last_detach - stopped;
    cap->copy_seconds = gs_image_stats(cap->image)->copy_seconds;
    if (st != GS_OK) {
        free(regs);
        return st;
    }
    walk_stacks(cap, opts, deadline, regs, nregs);
    if (process_gone(cap->pid))
        return gs_fail(err, GS_ERR_EXITED, "process %d exited during the capture", (int)cap->pid);
    /* Positions, flags and socket addresses: fdinfo and the net tables cost
     * milliseconds (reading tcp walks the kernel's TCP hash), not worth a
     * longer pause. The table itself is from the stop, so owners agree with
     * memory; a descriptor reused since shows its new occupant's details. */
    if ((st = gs_fds_read_details(cap->pid, cap->fds, cap->nfds, err)) != GS_OK)
        return st;
    /* Resident memory per mapping, for the RSS accounting: a failure here
     * (a kernel without smaps) leaves the accounting out, not the capture. */
    free(cap->smaps);
    cap->smaps = NULL;
    cap->nsmaps = 0;
    gs_error serr;
    if (gs_smaps_read(cap->pid, &cap->smaps, &cap->nsmaps, &serr) != GS_OK) {
        cap->smaps = NULL;
        cap->nsmaps = 0;
    }
    /* Read-only file mappings cannot change: those mapped while the target
     * was stopped but not before are copied now, with it running. */
    gs_image_copy_readonly(cap->image, cap->pid, &cap->maps);
    /* The files behind code and constants, held open so that the emulated
     * traverse needs no live process (emu/emu.h). */
    gs_emu_files_free(cap->emu_files);
    cap->emu_files = gs_emu_files_open(cap->pid, &cap->maps);
    gs_phase_mark(&ph, "after the stop");
    return GS_OK;
}

gs_status gs_capture_check_version(struct gs_capture *cap, gs_error *err)
{
    if (!cap->rt.version[0])
        return GS_OK;
    int maj, min;
    if (!parse_version(cap->rt.version, &maj, &min) || maj != cap->layout->major || min != cap->layout->minor)
        return gs_fail(err, GS_ERR_CORRUPT, "sys.version says %s but the binary looked like %d.%d: refusing to guess",
                       cap->rt.version, cap->layout->major, cap->layout->minor);
    snprintf(cap->version, sizeof cap->version, "%s", cap->rt.version);
    return GS_OK;
}

gs_status gs_capture_process(pid_t pid, const struct gs_capture_opts *opts, struct gs_capture **out,
                             gs_error *err)
{
    struct gs_capture *cap = gs_xcalloc(1, sizeof *cap);
    gs_status st;
    cap->pid = pid;
    cap->started = gs_now();
    cap->floor_seconds = -1;
    double deadline = cap->started + opts->timeout;
    gs_watchdog_arm(opts->timeout);

    gs_maps maps = {0};
    if (process_state(pid) == 'Z') {
        st = gs_fail(err, GS_ERR_NO_PROCESS,
                     "process %d has already exited (a zombie waiting for its parent to reap it)", (int)pid);
        goto fail;
    }
    if ((st = gs_maps_read(pid, &maps, err)) != GS_OK)
        goto fail;
    st = gs_py_locate(pid, &maps, &cap->loc, err);
    gs_maps_free(&maps);
    if (st != GS_OK || (st = choose_layout(cap, err)) != GS_OK)
        goto fail;

    find_gc_flags(cap);
    for (int full = 1;; full++) {
        cap->attempts++;
        if ((st = stop_and_copy(cap, opts, deadline, err)) != GS_OK)
            goto fail;
        gs_py_runtime_free(&cap->rt);
        st = gs_py_runtime_read(gs_image_reader(cap->image), cap->layout, cap->loc.runtime_addr, &cap->rt, err);
        if (st != GS_OK)
            goto fail;
        if (!gs_py_runtime_collecting(&cap->rt))
            break;
        /* Collecting in an interpreter the early check did not know of:
         * a full capture again, a few times. */
        if (cap->was_stopped || full >= opts->retries) {
            st = gs_fail(err, GS_ERR_BUSY,
                         "a garbage collection was in progress in all %d captures%s: try again", cap->attempts,
                         cap->was_stopped ? " (the target is stopped in the middle of one)" : "");
            goto fail;
        }
        sleep_seconds(0.02 * full); /* let the collection finish */
    }
    if ((st = gs_capture_check_version(cap, err)) != GS_OK)
        goto fail;
    cap->ready = gs_now();
    /* The floor's own stop and scratch buffer come after the capture is
     * ready, so that capture_ms (started to ready) is what a capture
     * without --bench-floor takes. */
    if (opts->measure_floor && (st = measure_floor(cap, deadline, err)) != GS_OK)
        goto fail;
    gs_watchdog_disarm();
    *out = cap;
    return GS_OK;
fail:
    gs_watchdog_disarm();
    gs_capture_free(cap);
    return gs_capture_explain(pid, st, err);
}

gs_status gs_capture_explain(pid_t pid, gs_status st, gs_error *err)
{
    /* A dying process loses its mappings before it becomes a zombie, so
     * reads that found "no Python" or nonsense get a moment to see it go. */
    if (st == GS_ERR_NOT_PYTHON || st == GS_ERR_CORRUPT) {
        for (int i = 0; i < 10 && !process_gone(pid); i++)
            sleep_seconds(0.01);
    }
    if (st != GS_OK && st != GS_ERR_NO_PROCESS && st != GS_ERR_USAGE && st != GS_ERR_INTERRUPTED &&
        st != GS_ERR_EXITED && process_gone(pid))
        st = gs_fail(err, GS_ERR_EXITED, "process %d exited during the capture", (int)pid);
    return st;
}

void gs_capture_free(struct gs_capture *cap)
{
    if (!cap)
        return;
    gs_py_runtime_free(&cap->rt);
    gs_image_free(cap->image);
    gs_core_close(cap->core); /* after the image, which borrows its memory */
    gs_maps_free(&cap->maps);
    free(cap->fds);
    free(cap->native);
    free(cap->smaps);
    gs_emu_files_free(cap->emu_files);
    free(cap);
}
