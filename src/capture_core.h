/* capture_core.h: a core file instead of a process, into the same
 * struct gs_capture a live capture makes (capture.h), so that the graph,
 * every report, --save and the browser work on a core unchanged.
 *
 * Nothing is stopped and nothing is copied that the core holds: the image
 * borrows the core's mapped pages. The interpreter is located exactly as
 * for a live process (py/locate.c over maps made from the core's PT_LOAD
 * segments and NT_FILE), in the files under --sysroot, each checked against
 * the build id in the core. What a core does not hold: the descriptor
 * table (cap->fds is empty and snap meta says the source was a core), the
 * threads' kernel names other than the main thread's.
 */
#ifndef GCSCOPE_CAPTURE_CORE_H
#define GCSCOPE_CAPTURE_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"

struct gs_core_opts {
    const char *path;      /* the core file */
    const char *exe;       /* --exe: the executable to use, or NULL for the one the core names */
    const char *sysroot;   /* --sysroot: the root the core's files are under, or NULL */
    bool native_stacks;    /* unwind every thread's C stack */
    uint64_t max_capture;  /* bytes the image may copy (what the core itself holds is borrowed), 0 = no limit */
};

gs_status gs_capture_core(const struct gs_core_opts *opts, struct gs_capture **out, gs_error *err);

#endif
