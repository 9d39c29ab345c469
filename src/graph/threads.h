/* threads.h: the threads of a capture and their stacks, as the snapshot
 * keeps them: Python frames (function, file, line) merged with native
 * frames (the C functions around and between them), innermost first. */
#ifndef GCSCOPE_GRAPH_THREADS_H
#define GCSCOPE_GRAPH_THREADS_H

#include "capture.h"
#include "graph/snapshot.h"
#include "util/strpool.h"

/* Where build.c put the roots of each Python frame (its locals): the frame
 * (frame object or interpreter frame address) and its range in s->roots. */
struct gs_frame_roots {
    uint64_t frame;
    uint32_t first, n;
};

/* Fill s->threads and s->frames (and their counts) from the capture: every
 * thread the kernel had (cap->native), its Python thread state if any, its
 * name from threading, whether it holds the GIL, and its merged stack;
 * then the thread states no kernel thread claimed. A Python frame's node
 * is the object that holds its locals (its frame object up to 3.10, its
 * generator for a 3.11+ generator frame), else its frame object if one
 * was made, found with gs_snapshot_find() (s's address index is ready); a
 * 3.11+ thread frame's locals are the roots `roots` lists for its address.
 * threads.c's top comment says how threads are matched and stacks merged. */
gs_status gs_threads_build(const struct gs_capture *cap, struct gs_snapshot *s, gs_strpool *strings,
                           const struct gs_frame_roots *roots, size_t nroots, gs_error *err);

#endif
