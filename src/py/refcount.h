/* refcount.h: an object's reference count and type as the interpreter's
 * own collector would count them, in a default (GIL) or a free-threaded
 * build.
 *
 * GIL builds keep one ob_refcnt word. A free-threaded object splits it:
 * ob_ref_local (owned by the thread in ob_tid; UINT32_MAX = immortal) plus
 * ob_ref_shared >> 2 (all other threads, may be negative until merged).
 * On top of that,
 *   - deferred reference counting (ob_gc_bits DEFERRED: functions, modules,
 *     heap types...) adds a bias _Py_REF_DEFERRED to ob_ref_shared that the
 *     collector subtracts (Python/gc_free_threading.c, update_refs), and
 *     the references from interpreter stacks are not counted at all;
 *   - objects with a unique id (heap types, code objects) also count in
 *     every thread's refcounts.values[id] until they are merged
 *     (_PyObject_MergePerThreadRefcounts).
 * gs_py_object_refcount() returns local + shared - bias + the per-thread sum,
 * so that "more references than the graph explains" (--dump-external, the
 * garbage rule) means what it means on a GIL build. An immortal object
 * reads as _Py_IMMORTAL_INITIAL_REFCNT, as Py_REFCNT() returns it, which
 * is negative as an int32 like every immortal count since 3.12.
 */
#ifndef GCSCOPE_PY_REFCOUNT_H
#define GCSCOPE_PY_REFCOUNT_H

#include <stdbool.h>
#include <stdint.h>

#include "py/object.h"
#include "util/addrmap.h"

/* What Py_REFCNT() gives for an immortal object on a free-threaded build
 * (_Py_IMMORTAL_INITIAL_REFCNT, 3 << 30 since 3.14): its low 32 bits are
 * negative, the test every immortal check in gcscope uses. */
#define GS_PY_FT_IMMORTAL_REFCNT ((int64_t)3 << 30)

/* Per-thread reference counts, summed over the threads of every
 * interpreter: object address -> int32 (stored in the uint32 value). */
struct gs_py_thread_refcounts {
    gs_addrmap by_object;
    uint64_t ids;       /* unique ids in use */
    uint64_t problems;  /* unreadable or inconsistent arrays, skipped */
};

/* The reference count and type of the object at addr. thread_refs may be
 * NULL (GIL builds have none). False if the header is unreadable or the
 * count is 0 (no live object there). */
bool gs_py_object_refcount(const struct gs_py_ctx *c, const struct gs_py_thread_refcounts *thread_refs, uint64_t addr,
                        int64_t *refcnt, uint64_t *type);

struct gs_py_interp;

/* Sum every thread's refcounts.values[] per object (free-threaded builds;
 * empty for GIL builds). Bounded; problems are counted, never followed. */
void gs_py_thread_refcounts_read(const struct gs_py_ctx *c, const struct gs_py_interp *interps, size_t ninterps,
                              struct gs_py_thread_refcounts *out);
void gs_py_thread_refcounts_free(struct gs_py_thread_refcounts *t);

/* Is the count gs_py_object_refcount() returned that of an immortal object? */
static inline bool gs_py_refcnt_is_immortal(int64_t refcnt) { return (int32_t)refcnt < 0; }

#endif
