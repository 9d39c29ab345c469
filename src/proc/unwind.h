/* unwind.h: native stacks of the target's threads, walked with
 * libunwind-ptrace while each thread is stopped, symbolized afterwards
 * from the ELF files (so the walk adds little to the pause). */
#ifndef GCSCOPE_PROC_UNWIND_H
#define GCSCOPE_PROC_UNWIND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc/maps.h"

#define GS_NATIVE_MAX_FRAMES 256

struct gs_native_stack {
    pid_t tid;
    char state;          /* from /proc/PID/task/TID/stat */
    char comm[32];       /* the kernel's thread name */
    size_t n;
    uint64_t ips[GS_NATIVE_MAX_FRAMES];
};

/* While tid is ptrace-stopped: fill out with its instruction pointers,
 * innermost first (bounded). Never fails: an unwind that stops early
 * leaves what it had. */
void gs_unwind_thread(pid_t pid, pid_t tid, struct gs_native_stack *out);

/* After the target runs again: "function+0x12" and the module's file name
 * for an ip, from the ELF symbols of the mapping it falls in. Caches the
 * opened files; free with gs_symbolizer_free(). */
typedef struct gs_symbolizer gs_symbolizer;
gs_symbolizer *gs_symbolizer_new(pid_t pid, const gs_maps *maps);
void gs_symbolize(gs_symbolizer *sym, uint64_t ip, char *func, size_t fcap, char *module, size_t mcap);
void gs_symbolizer_free(gs_symbolizer *sym);

#endif
