/* choose.h: which layout table reads this target.
 *
 * The minor version names the tables to try; within a minor, the build and
 * the patch level decide:
 *   - a debug build (Py_DEBUG, Debian's python3.X-dbg) has a table of its
 *     own (py3Xd.c): its _PyRuntimeState and PyInterpreterState are larger;
 *   - 3.14.0-3.14.4 ran the incremental collector, 3.14.5 and later the
 *     generational one again over the same bytes, with three members
 *     appended (generation0 among them) that shift what follows the
 *     collector state in PyInterpreterState by 24 bytes. The incremental
 *     reading is a variant of the 3.14 table (gs_py_layout_make_incremental).
 *
 * Evidence, in order of trust: the target's own _Py_DebugOffsets (3.13+),
 * which a candidate must agree with in every member it shares; for 3.14 the
 * collector's state, which must fit the reading (gs_py_gc_reading_check); the
 * binary's name and the micro version, which only order the candidates.
 * Before 3.13 nothing but the name tells a debug build.
 *
 * Everything here reads the live process before it is stopped.
 */
#ifndef GCSCOPE_PY_CHOOSE_H
#define GCSCOPE_PY_CHOOSE_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/memreader.h"
#include "py/layout.h"
#include "py/locate.h"
#include "util/status.h"

struct gs_py_choice {
    const struct gs_py_layout *layout; /* the chosen table (may point at variant) */
    struct gs_py_layout variant;       /* storage for a derived table */
    bool debug;                     /* a debug build (a table of its own) */
    bool incremental_gc;            /* 3.14.0-3.14.4's incremental collector */
};

/* Choose for the target at loc (runtime_addr set), whose version is
 * major.minor.micro (micro -1 when unknown). Fills *out; keep it in place
 * while out->layout is used (it may point into it).
 *   GS_ERR_UNSUPPORTED  no table for this version or build, or every
 *                       candidate disagrees with the target (one line:
 *                       the version, what disagreed, the supported list)
 *   GS_ERR_CORRUPT      the debug offsets themselves are damaged */
gs_status gs_py_layout_choose(gs_reader *live, const struct gs_py_location *loc, int major, int minor, int micro,
                           struct gs_py_choice *out, gs_error *err);

/* The 3.14.0-3.14.4 reading of a 3.14 table L (which has
 * gc_incremental_size): the collector state is gc_incremental_size bytes
 * with no generation0, and every PyInterpreterState member after it (the
 * module table, sys and builtins dicts, the struct size) and _PyRuntimeState's
 * size move by the difference. */
void gs_py_layout_make_incremental(const struct gs_py_layout *L, struct gs_py_layout *out);

/* Is the collector state at gc_addr consistent with reading it with L?
 * Generational: the generation0 pointer points at generations[0], the
 * incremental members it replaced (3.14) are zero, every list head is
 * initialised. Incremental: visited_space and phase are 0 or 1, every list
 * head is initialised. False with the reason in why. */
bool gs_py_gc_reading_check(gs_reader *r, const struct gs_py_layout *L, uint64_t gc_addr, char *why, size_t cap);

#endif
