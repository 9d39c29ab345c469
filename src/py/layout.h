/* layout.h: the offsets of one CPython minor version, as data.
 *
 * Each supported minor version has one generated table, src/py/offsets/py3NN.c
 * (made by tools/gen-offsets from that version's own headers; never edit by
 * hand). gs_py_layout_for() picks the table at run time. Decoders receive a
 * `const struct gs_py_layout *` and never test a version number to find a field:
 * a field a version lacks is GS_PY_ABSENT.
 */
#ifndef GCSCOPE_PY_LAYOUT_H
#define GCSCOPE_PY_LAYOUT_H

#include <stdbool.h>
#include <stdint.h>

#include "py/layout_fields.h"

#define GS_PY_ABSENT ((int64_t)-1)

struct gs_py_layout {
    int major, minor;          /* the minor version this table describes */
    int debug;                 /* 1: a Py_DEBUG build's table (py3NNd.c) */
    const char *generated_from; /* e.g. "3.12.1 headers (pyenv)" */
#define GS_PY_LAYOUT_DECLARE(name) int64_t name;
    GS_PY_LAYOUT_FIELDS(GS_PY_LAYOUT_DECLARE)
#undef GS_PY_LAYOUT_DECLARE
};

/* The table for a default (GIL, release) build of major.minor, or NULL
 * when gcscope has none. */
const struct gs_py_layout *gs_py_layout_for(int major, int minor);

/* The same for a default (GIL) or a free-threaded (Py_GIL_DISABLED, "3.14t")
 * build: their object headers, collectors and many structs differ, so each
 * has its own table. */
const struct gs_py_layout *gs_py_layout_for_build(int major, int minor, bool free_threaded);

/* Any build: free-threaded or not, debug (Py_DEBUG: Debian's python3.X-dbg,
 * whose runtime and interpreter states are larger) or release. */
const struct gs_py_layout *gs_py_layout_find(int major, int minor, bool free_threaded, bool debug);

/* The supported versions as text, "3.8, 3.9, ..., 3.13, 3.14t (free-threaded)",
 * for error messages. */
const char *gs_py_layout_supported(void);

/* The versions whose debug builds have a table: "3.11, 3.14, 3.15". */
const char *gs_py_layout_supported_debug(void);

/* All tables (GIL, free-threaded, debug), NULL-terminated (for tests). */
extern const struct gs_py_layout *const gs_py_layouts[];

static inline bool gs_py_layout_has(int64_t value) { return value != GS_PY_ABSENT; }

/* A free-threaded table: objects live in mimalloc heaps (src/py/heap_ft.c),
 * not in collector lists, and the reference count is split in two. */
static inline bool gs_py_layout_is_free_threaded(const struct gs_py_layout *L) { return L->ft_build == 1; }

/* Does L read the 3.14.0-3.14.4 incremental collector (a variant of the
 * 3.14 GIL table made by gs_py_layout_make_incremental(), py/choose.h)? */
static inline bool gs_py_layout_incremental_gc(const struct gs_py_layout *L)
{
    return !gs_py_layout_is_free_threaded(L) && gs_py_layout_has(L->gc_incremental_visited_space) &&
           !gs_py_layout_has(L->gc_generation0);
}

#endif
