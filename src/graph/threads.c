/* threads.c: being written (placeholder so the tree links). */
#include "config.h"

#include "graph/threads.h"

gs_status gs_threads_build(const struct gs_capture *cap, struct gs_snapshot *s, gs_strpool *strings, const struct gs_frame_roots *roots, size_t nroots, gs_error *err) { (void)cap; (void)s; (void)strings; (void)roots; (void)nroots; (void)err; return GS_OK; }
