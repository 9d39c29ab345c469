/* memory.h: where the target's memory goes, for the snapshot.
 *
 * Called by gs_graph_build() once every node, type and size is known. It
 * reads from the capture (never the process): tracemalloc's traces
 * (py/tracemalloc.h), pymalloc's arenas (py/obmalloc.h), the mappings the
 * capture read from /proc/PID/smaps, and for each node the buffers it
 * points to (list, dict and set tables, bytearray data), the capacity its
 * items leave unused (slack) and a hash of a str's or bytes' value; then
 * it splits the anonymous resident memory into what explains it. It fills
 * s->memory, s->mappings, s->arenas, s->tm_* and s->slack / s->content.
 * memory.c's top comment says how each figure is computed.
 */
#ifndef GCSCOPE_GRAPH_MEMORY_H
#define GCSCOPE_GRAPH_MEMORY_H

#include "capture.h"
#include "graph/snapshot.h"
#include "py/typeinfo.h"
#include "util/strpool.h"

gs_status gs_memory_build(const struct gs_capture *cap, struct gs_snapshot *s, const struct py_types *types,
                          gs_strpool *strings, gs_error *err);

/* The traced block holding a node, or NULL: the trace (domain 0) whose
 * block [addr, addr + size) contains the object's address (a GC object's
 * block starts at its GC header or pre-header, before the object). */
const struct gs_tm_trace *gs_memory_trace_of(const struct gs_snapshot *s, uint32_t node);

#endif
