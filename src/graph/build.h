/* build.h: decode a capture into a snapshot (see snapshot.h). The capture
 * is only read; the target is not touched (it runs again already). */
#ifndef GCSCOPE_GRAPH_BUILD_H
#define GCSCOPE_GRAPH_BUILD_H

#include "capture.h"
#include "graph/snapshot.h"

gs_status gs_graph_build(const struct gs_capture *cap, struct gs_snapshot **out, gs_error *err);

#endif
