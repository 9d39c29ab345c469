/* heap_ft.h: the tracked objects of a free-threaded interpreter, from its
 * mimalloc heaps (see heap_ft.c). Called by gs_py_heap_walk() for a
 * free-threaded layout; same visitor, bounds and statistics. */
#ifndef GCSCOPE_PY_HEAP_FT_H
#define GCSCOPE_PY_HEAP_FT_H

#include "py/heap.h"

gs_status gs_py_heap_walk_ft(const struct gs_py_runtime *rt, uint64_t max_objects, gs_py_heap_visit_fn fn, void *arg,
                          struct gs_py_heap_stats *stats, gs_error *err);

#endif
