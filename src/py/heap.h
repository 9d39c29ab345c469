/* heap.h: walk every object the garbage collector tracks.
 *
 * For each interpreter, each generation (0, 1, 2) and the permanent
 * generation, follow the PyGC_Head list from its head, bounded and checking
 * every back link, and report each object to a visitor. A broken list (a
 * back link that disagrees, an unreadable header, more objects than the
 * memory could hold) stops that list's walk and is counted, never followed.
 *
 * A free-threaded interpreter has no lists: heap_ft.c walks its mimalloc
 * heaps instead, behind the same call (frozen objects as the permanent
 * generation, the others as generation 0).
 */
#ifndef GCSCOPE_PY_HEAP_H
#define GCSCOPE_PY_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "py/runtime.h"

#define GS_PY_GEN_PERMANENT 3

struct gs_py_heap_object {
    uint64_t addr;   /* the PyObject (after the GC header) */
    uint64_t type;   /* ob_type as read */
    int64_t refcnt;
    int generation;  /* 0-2, or GS_PY_GEN_PERMANENT */
    size_t interp;   /* index in gs_py_runtime.interps */
};

struct gs_py_heap_stats {
    uint64_t objects[GS_PY_GEN_PERMANENT + 1];
    uint64_t broken_lists;  /* lists whose walk stopped at a bad link */
    char first_problem[256];
};

/* Return false from the visitor to stop the walk. */
typedef bool (*gs_py_heap_visit_fn)(void *arg, const struct gs_py_heap_object *obj);

/* max_objects bounds each list (0: 1<<32). The image's size divided by the
 * smallest GC object (32 bytes) is a safe bound. */
gs_status gs_py_heap_walk(const struct gs_py_runtime *rt, uint64_t max_objects, gs_py_heap_visit_fn fn, void *arg,
                       struct gs_py_heap_stats *stats, gs_error *err);

#endif
