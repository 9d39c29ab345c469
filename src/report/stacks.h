/* stacks.h: --dump-stacks, every thread of the capture with its merged
 * Python and native stack, and with --locals each Python frame's local
 * variables with what they retain. */
#ifndef GCSCOPE_REPORT_STACKS_H
#define GCSCOPE_REPORT_STACKS_H

#include <stdbool.h>
#include <stdio.h>

#include "graph/snapshot.h"
#include "report/report.h"
#include "util/status.h"

/* A Python frame's local variables (cells and free variables included)
 * that hold an object, in slot order: from its node's GS_LABEL_LOCAL
 * references (a <= 3.10 frame object, a 3.11+ generator), or from the roots
 * build.c made of a 3.11+ thread frame (frame->first_root, nroots), leaving
 * out the frame's own fields and its value stack. Fills at most cap (names
 * point into s) and returns how many there are. */
struct gs_frame_local {
    const char *name;
    uint32_t node;
};
size_t gs_frame_locals(const struct gs_snapshot *s, const struct gs_frame *f, struct gs_frame_local *out,
                       size_t cap);

/* The report's writers (gs_report_stacks_text, _json) are reached through
 * report/table.h; text is like py-spy dump, JSON is in docs/json.md. With
 * o->locals, the dominator tree gives what each local retains. */

#endif
