/* build.h: decode a capture into a snapshot (see snapshot.h). The target
 * is not touched (it runs again already). The capture's image, the copy of
 * the target's memory and the largest thing gcscope holds, is released
 * (cap->image = NULL) as soon as nothing reads it any more: after the
 * referents, previews, resources, thread stacks, type facts and memory
 * figures (sizes and counts among them), and
 * before the reverse edges are made, so that the copy and the reverse
 * arrays are never in memory together. The rest of cap stays valid. */
#ifndef GCSCOPE_GRAPH_BUILD_H
#define GCSCOPE_GRAPH_BUILD_H

#include "capture.h"
#include "graph/snapshot.h"

gs_status gs_graph_build(struct gs_capture *cap, struct gs_snapshot **out, gs_error *err);

/* keep_image: the image stays in cap (for --verify-referents, which runs
 * each object's traverse over it after the build; it costs holding the copy
 * and the reverse arrays together). */
struct gs_build_opts {
    bool keep_image;
};
gs_status gs_graph_build_opts(struct gs_capture *cap, const struct gs_build_opts *opts, struct gs_snapshot **out,
                              gs_error *err);

#endif
