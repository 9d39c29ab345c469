/* runtime.h: the interpreter state read from a captured image: interpreters,
 * their threads, their garbage collector, the exact version.
 *
 * gs_py_runtime_read() validates as it goes (the main interpreter's first
 * thread points back at it; list heads point at themselves or at objects
 * whose back links agree) and refuses an inconsistent runtime with
 * GS_ERR_CORRUPT rather than guessing.
 */
#ifndef GCSCOPE_PY_RUNTIME_H
#define GCSCOPE_PY_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "py/refcount.h"
#include "util/status.h"

#define GS_PY_MAX_INTERPRETERS 256
#define GS_PY_MAX_THREADS 100000
#define GS_PY_NUM_GENERATIONS 3

struct gs_py_gcstate {
    uint64_t addr;
    bool enabled;
    bool collecting;
    int64_t debug;
    int thresholds[GS_PY_NUM_GENERATIONS];
    int counts[GS_PY_NUM_GENERATIONS];
    uint64_t generation_heads[GS_PY_NUM_GENERATIONS]; /* PyGC_Head addresses */
    uint64_t permanent_head;
    uint64_t garbage; /* the gc.garbage list, 0 if not created */
};

struct gs_py_thread {
    uint64_t addr;
    uint64_t thread_id;        /* pthread_t */
    int64_t native_thread_id;  /* kernel tid, -1 when the version lacks it */
};

struct gs_py_interp {
    uint64_t addr;
    int64_t id;
    uint64_t modules, sysdict, builtins;
    struct gs_py_gcstate gc;
    struct gs_py_thread *threads;
    size_t nthreads;
};

struct gs_py_runtime {
    struct gs_py_ctx ctx;
    uint64_t runtime_addr;
    char version[64];      /* "3.12.1", from sys.version in the target */
    char version_full[160]; /* sys.version, cut */
    struct gs_py_interp *interps;
    size_t ninterps;
    bool free_threaded;    /* a Py_GIL_DISABLED build (the layout says so) */
    char abiflags[8];      /* sys.abiflags, "" when unreadable */
    /* free-threaded: every thread's per-object refcounts, summed (empty
     * for GIL builds); gs_py_object_refcount() adds them */
    struct gs_py_thread_refcounts thread_refs;
};

/* Read the runtime at runtime_addr with layout L (the caller has chosen L
 * from the detected version). Fills rt; free with gs_py_runtime_free(). */
gs_status gs_py_runtime_read(gs_reader *r, const struct gs_py_layout *L, uint64_t runtime_addr,
                          struct gs_py_runtime *rt, gs_error *err);
void gs_py_runtime_free(struct gs_py_runtime *rt);

/* Any interpreter's collector in the middle of a collection? */
bool gs_py_runtime_collecting(const struct gs_py_runtime *rt);

#endif
