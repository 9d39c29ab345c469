/* gc_traverse.h: the function gc.get_referents runs for an object.
 *
 * gc.get_referents(o) calls Py_TYPE(o)->tp_traverse when o is a GC object
 * (_PyObject_IS_GC: the type has Py_TPFLAGS_HAVE_GC, and its tp_is_gc, if
 * any, says yes) and lists nothing otherwise. --verify-referents runs that
 * function in the emulator for every object and compares with what the
 * hand-written decoders reported (graph/verify.c).
 */
#ifndef GCSCOPE_PY_GC_TRAVERSE_H
#define GCSCOPE_PY_GC_TRAVERSE_H

#include <stdbool.h>
#include <stdint.h>

#include "py/kinds.h"
#include "py/object.h"

enum gs_py_gc_traverse {
    GS_PY_GCT_RUN,        /* *fn is what gc.get_referents runs */
    GS_PY_GCT_NONE,       /* gc.get_referents lists nothing for the object */
    GS_PY_GCT_UNDECIDED,  /* a tp_is_gc other than type's, or unreadable memory */
};

/* For the object at obj, of type `type` (tp_flags type_flags, kind kind). */
enum gs_py_gc_traverse gs_py_gc_traverse_fn(const struct gs_py_ctx *c, uint64_t obj, uint64_t type, uint64_t type_flags,
                                      enum gs_py_kind kind, uint64_t *fn);

#endif
