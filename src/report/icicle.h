/* icicle.h: memory as a picture, a tree of boxes whose widths are bytes.
 *
 * Part of src/report/, the presenters. A gs_icicle is a bounded tree made
 * from a snapshot for drawing: the dominator tree (each box an object, or
 * the group of one node's small children that share a type, as
 * "1,204 x Session";
 * width = retained bytes; label = the path step and the type), or the
 * per-type and per-module summaries (width = bytes of the tracked objects).
 * Two writers draw it: a self-contained SVG icicle chart (click a box to
 * zoom into it, a search that highlights matching boxes, no network access
 * needed), and the "folded" collapsed-stack text that flamegraph.pl,
 * speedscope and Grafana's profilers read ("a;b;c 1234", one line a box,
 * the value being the box's own bytes: its width less its children's).
 *
 * Bounds: boxes narrower than 1/GS_ICICLE_MIN_SHARE of the whole are left
 * out (their bytes still count in their parent's width), the tree is cut at
 * GS_ICICLE_MAX_DEPTH rows and GS_ICICLE_MAX_BOXES boxes, so a picture of a
 * ten-million-object heap stays a few hundred kilobytes.
 *
 * Labels come from the target (type names, dict keys): the writers escape
 * them for their format (XML; the folded format's ';' and line ends), and
 * show control characters and bidi overrides as visible escapes.
 */
#ifndef GCSCOPE_REPORT_ICICLE_H
#define GCSCOPE_REPORT_ICICLE_H

#include <stdint.h>
#include <stdio.h>

#include "graph/analyses.h"
#include "graph/snapshot.h"
#include "util/status.h"

#define GS_ICICLE_MIN_SHARE 4000
/* An object retaining 1/GS_ICICLE_ALONE_SHARE of the whole or more is a box
 * of its own; its smaller siblings of the same type are one box. */
#define GS_ICICLE_ALONE_SHARE 500
#define GS_ICICLE_MAX_DEPTH 48
#define GS_ICICLE_MAX_BOXES 30000

struct gs_icicle_box {
    char *label;       /* owned */
    uint64_t value;    /* bytes: the box's width */
    uint64_t count;    /* objects the box stands for */
    uint32_t parent;   /* index of the parent box; box 0 (the whole) has none */
    uint32_t depth;    /* 0 for the whole */
    uint32_t color;    /* a hue key: boxes of one type share a colour */
};

struct gs_icicle {
    struct gs_icicle_box *boxes; /* parents before children, siblings largest first */
    size_t nboxes, cap;
    uint64_t left_out;           /* boxes dropped by the bounds */
};

/* The dominator tree from the roots: what keeps memory alive. */
gs_status gs_icicle_from_dominators(struct gs_analyses *an, struct gs_icicle *out, gs_error *err);
/* The tracked objects by type (by_module false), or by module, then type. */
gs_status gs_icicle_from_types(struct gs_analyses *an, int by_module, struct gs_icicle *out, gs_error *err);
void gs_icicle_free(struct gs_icicle *t);

/* title: what the picture shows ("Retained memory"); the snapshot's header
 * line (process, Python, time) is added under it. */
gs_status gs_icicle_write_svg(FILE *out, const struct gs_snapshot *s, const struct gs_icicle *t, const char *title,
                              gs_error *err);
gs_status gs_icicle_write_folded(FILE *out, const struct gs_icicle *t, gs_error *err);

#endif
