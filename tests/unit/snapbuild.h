/* snapbuild.h: a small snapshot made by hand, for the tests of the file
 * format and of the analyses. */
#ifndef GCSCOPE_TESTS_SNAPBUILD_H
#define GCSCOPE_TESTS_SNAPBUILD_H

#include "graph/snapshot.h"

/* A snapshot of `n` objects whose edges are the pairs (src[i], dst[i]),
 * all labelled [i]; type 1 "Node" from "mod", roots given as node numbers
 * (kind "module"). Addresses are 0x1000 + 0x40 * node. */
struct gs_snapshot *snapbuild(uint32_t n, const uint32_t *src, const uint32_t *dst, size_t nedges,
                              const uint32_t *roots, size_t nroots);

#endif
