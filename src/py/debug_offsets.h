/* debug_offsets.h: check gcscope's table against the target's own
 * _Py_DebugOffsets (CPython 3.13+).
 *
 * From 3.13 the first member of _PyRuntime is a _Py_DebugOffsets: the cookie
 * "xdebugpy", PY_VERSION_HEX, a free-threaded flag, then groups of uint64
 * offsets/sizes that the interpreter computed with offsetof() when it was
 * built. gcscope does not *use* them (they cover only a part of what it reads
 * and change shape between minor versions); it uses them to prove that the
 * generated table fits the running binary before trusting any other offset.
 */
#ifndef GCSCOPE_PY_DEBUG_OFFSETS_H
#define GCSCOPE_PY_DEBUG_OFFSETS_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/memreader.h"
#include "py/layout.h"
#include "util/status.h"

/* 3.13+: validate the target's _Py_DebugOffsets at runtime_addr and compare
 * it with L. Fills *version_hex from its version field (as soon as it is
 * read, also on failure).
 *   GS_ERR_CORRUPT      unreadable, wrong cookie, a group size or offset out
 *                       of bounds, or a field that disagrees with L; the
 *                       message names the first one ("debug offsets disagree
 *                       with gcscope's 3.13 table: interpreter_state.threads_head
 *                       is 7344, table says 7352")
 *   GS_ERR_UNSUPPORTED  the version is not L's major.minor, or the target's
 *                       build (free-threaded or not) is not L's
 * For L without debug offsets (< 3.13): GS_OK and *version_hex = 0. */
gs_status gs_py_debug_offsets_check(gs_reader *r, uint64_t runtime_addr,
                                 const struct gs_py_layout *L, uint64_t *version_hex,
                                 gs_error *err);

/* Peek: does the memory at runtime_addr start with the cookie "xdebugpy"? */
bool gs_py_debug_offsets_present(gs_reader *r, uint64_t runtime_addr);

/* Peek: the free_threaded field of the target's debug offsets (3.13+):
 * 1 for a free-threaded build, 0 for a default one, -1 when there are no
 * debug offsets or the field holds anything else. */
int gs_py_debug_offsets_free_threaded(gs_reader *r, uint64_t runtime_addr);

#endif
