/* capture.h: from a pid to a validated runtime over a captured image.
 *
 *   1. before stopping anything: read the maps, find the interpreter's
 *      binary and _PyRuntime, detect the version, pick the layout, check
 *      3.13's debug offsets, and pre-fault the buffer for the copy;
 *   2. stop every thread, bulk-copy the writable memory, let them go
 *      (the pause is this step only);
 *      Right after the stop, one small read tells whether a collection is
 *      running; if so the target runs a moment and is stopped again (as
 *      often as the deadline allows) before anything is copied;
 *   3. read the runtime from the copy; if a collection was in progress
 *      all the same (an interpreter born meanwhile), start again.
 * Everything after (walks, reports) reads the image, never the process.
 */
#ifndef GCSCOPE_CAPTURE_H
#define GCSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "emu/emu.h"
#include "proc/maps.h"
#include "proc/fds.h"
#include "proc/core.h"
#include "proc/mem_image.h"
#include "proc/smaps.h"
#include "proc/unwind.h"
#include "py/choose.h"
#include "py/locate.h"
#include "py/runtime.h"
#include "util/status.h"

#define GS_CAPTURE_GC_FLAGS 16

struct gs_capture_opts {
    double timeout;        /* seconds for the whole capture (watchdog) */
    uint64_t max_capture;  /* bytes of target memory to copy at most, 0 = no limit;
                            * the default is gs_default_max_capture() */
    bool measure_floor;    /* also time a bare bulk copy (benchmarks) */
    double debug_hold;     /* keep the target stopped this long (tests) */
    int retries;           /* attempts when a collection is in progress */
    bool native_stacks;    /* unwind every thread's C stack while stopped */
};

struct gs_capture {
    pid_t pid;
    struct gs_py_location loc;
    const struct gs_py_layout *layout; /* choice.layout */
    struct gs_py_choice choice; /* the table, debug build, 3.14's collector (py/choose.h) */
    gs_maps maps;          /* as read while the target was stopped */
    gs_image *image;
    struct gs_py_runtime rt;  /* reads the image */
    char version[64];      /* exact version, e.g. "3.11.2" */
    double pause_seconds;  /* first stop to last detach, last attempt */
    double copy_seconds;   /* bulk copy inside the pause */
    double floor_seconds;  /* bare bulk copy of anonymous writable memory; <0 if not measured */
    uint64_t floor_bytes;
    double started;        /* gs_now() when capture began */
    double ready;          /* gs_now() when the runtime was read */
    int attempts;          /* stops made: the first, one per wait for a collection, full retries */
    int gc_waits;          /* stops that found a collection in progress and let it finish */
    uint64_t gc_flags[GS_CAPTURE_GC_FLAGS]; /* where each interpreter says it is collecting */
    size_t ngc_flags;
    size_t threads_stopped;
    bool was_stopped;      /* the target was job-control stopped already */
    /* read while the target was stopped, with the memory */
    struct gs_fd_entry *fds;   /* its file descriptors */
    size_t nfds;
    struct gs_native_stack *native; /* one per kernel thread (stack empty without native_stacks) */
    size_t nnative;
    /* A capture from a core file (capture_core.h) instead of a process:
     * the core (the image borrows its memory), and the root its files were
     * read under ("" for this machine). NULL for a live capture. */
    gs_core *core;
    const char *files_root;
    /* read right after the target resumed (smaps.h says why not during) */
    struct gs_smap *smaps;     /* resident memory per mapping; NULL if unreadable */
    size_t nsmaps;
    /* opened after the pause: the files behind its read-only mappings, for
     * the emulated traverse of compiled types (emu/emu.h) */
    struct gs_emu_files *emu_files;
};

void gs_capture_opts_default(struct gs_capture_opts *o);

/* From cap->loc: the version (read through mem) and its layout, checked
 * against 3.13's debug offsets; fills cap->version and cap->layout. */
gs_status gs_capture_choose_layout(struct gs_capture *cap, gs_reader *mem, gs_error *err);

/* After the runtime was read: sys.version must agree with the layout chosen;
 * it then replaces cap->version. */
gs_status gs_capture_check_version(struct gs_capture *cap, gs_error *err);
uint64_t gs_default_max_capture(void);

gs_status gs_capture_process(pid_t pid, const struct gs_capture_opts *opts, struct gs_capture **out,
                             gs_error *err);
void gs_capture_free(struct gs_capture *cap);

/* Whatever went wrong with a capture or what was built from it, a target
 * that is gone explains it best: turn st into GS_ERR_EXITED when pid has
 * exited (or is exiting), else return st unchanged. */
gs_status gs_capture_explain(pid_t pid, gs_status st, gs_error *err);

#endif
