/* verify.h: --verify-referents, the hand-written decoders checked by the
 * emulated traverse.
 *
 * For every object of a snapshot that gc.get_referents would traverse, its
 * type's own tp_traverse is run in the emulator (src/emu) over the capture
 * it was built from, and the referents it visits are compared, as a
 * multiset, with the edges the snapshot holds for the object (what the
 * decoders, the instance and member readers and the emulated traverse of
 * compiled types reported). The result is per type: a second oracle that
 * needs no code in the target. "missing": referents the traverse visits and
 * the snapshot lacks (a decoder that forgot a field); "extra": edges to GC
 * objects the traverse does not visit (a decoder that reads a wrong word);
 * "untraversed": edges to objects that cannot be in a cycle (str, int, a
 * static type), which traverse functions leave out on purpose. The first
 * two are disagreements; the third is not. Written by report/verify.c.
 *
 * The capture's image must still be there: build the snapshot with
 * gs_build_opts.keep_image.
 */
#ifndef GCSCOPE_GRAPH_VERIFY_H
#define GCSCOPE_GRAPH_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "graph/snapshot.h"
#include "util/status.h"

struct gs_verify_type {
    uint32_t type;            /* snapshot type id */
    uint64_t objects;         /* objects of the type gc.get_referents traverses */
    uint64_t unknown;         /* of them, those the emulator could not run to the end */
    uint32_t unknown_reason;  /* the first such object's gs_emu_outcome */
    uint64_t differing;       /* checked objects whose referents differ */
    uint64_t traverse_edges;  /* referents the traverse visited (checked objects) */
    uint64_t decoder_edges;   /* edges the snapshot holds for them */
    uint64_t matched;         /* found by both */
    uint64_t untraversed;     /* snapshot edges the traverse leaves out by design (to non-GC objects) */
    uint32_t example;         /* the first differing object's node, or GS_NO_NODE */
    uint64_t example_missing; /* an address its traverse visited that the snapshot lacks (0: none) */
    uint32_t example_extra;   /* a node the snapshot references that its traverse did not (GS_NO_NODE: none) */
};

struct gs_verify {
    struct gs_verify_type *types; /* types with objects; most differences first */
    size_t ntypes;
    size_t types_differing;
    uint64_t objects, unknown, differing, traverse_edges, decoder_edges, matched, untraversed;
    uint64_t undecided; /* objects whose GC-ness could not be told (not checked) */
};

static inline uint64_t gs_verify_missing(const struct gs_verify_type *t) { return t->traverse_edges - t->matched; }
static inline uint64_t gs_verify_extra(const struct gs_verify_type *t)
{
    return t->decoder_edges - t->matched - t->untraversed;
}

/* GS_ERR_USAGE when the emulator cannot run here (the reason says why). */
gs_status gs_verify_referents(const struct gs_capture *cap, const struct gs_snapshot *s, struct gs_verify **out,
                              gs_error *err);
void gs_verify_free(struct gs_verify *v);

#endif
