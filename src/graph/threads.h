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
 * name from threading, whether it holds the GIL, and its merged stack.
 * Frame objects are linked to their nodes with gs_snapshot_find() (s's
 * address index is ready), locals through `roots`. */
gs_status gs_threads_build(const struct gs_capture *cap, struct gs_snapshot *s, gs_strpool *strings,
                           const struct gs_frame_roots *roots, size_t nroots, gs_error *err);

#endif
