/* unwind_core.h: native stacks of the threads in a core file, walked with
 * libunwind's core-dump support (libunwind-coredump) over the core's
 * registers and memory, and the files the core names for what it left out
 * (code, unwind tables), under a sysroot for a core from elsewhere.
 * Symbolized afterwards like a live process's (unwind.h, gs_symbolizer). */
#ifndef GCSCOPE_PROC_UNWIND_CORE_H
#define GCSCOPE_PROC_UNWIND_CORE_H

#include <stddef.h>

#include "proc/core.h"
#include "proc/unwind.h"

/* Fill out[i] (one per thread of the core, in its order: gs_core_threads)
 * with the thread's instruction pointers, innermost first. Never fails: a
 * walk that cannot start or stops early leaves what it had. */
void gs_unwind_core(gs_core *core, const char *root, struct gs_native_stack *out, size_t n);

#endif
