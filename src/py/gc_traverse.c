/* gc_traverse.c: see gc_traverse.h. */
#include "config.h"

#include "py/gc_traverse.h"
#include "py/layout.h"

enum gs_py_gc_traverse gs_py_gc_traverse_fn(const struct gs_py_ctx *c, uint64_t obj, uint64_t type, uint64_t type_flags,
                                      enum gs_py_kind kind, uint64_t *fn)
{
    const struct gs_py_layout *L = c->L;
    uint64_t is_gc;
    *fn = 0;
    if (!(type_flags & (uint64_t)L->flag_have_gc))
        return GS_PY_GCT_NONE;
    if (!gs_py_field_ptr(c, type, L->type_is_gc, &is_gc))
        return GS_PY_GCT_UNDECIDED;
    if (is_gc) {
        /* Only `type` has one (type_is_gc): a type object is a GC object
         * when it is a heap type; static types are not. */
        uint64_t own_flags;
        if (kind != GS_PYK_TYPE || !gs_py_type_flags(c, obj, &own_flags))
            return GS_PY_GCT_UNDECIDED;
        if (!(own_flags & (uint64_t)L->flag_heaptype))
            return GS_PY_GCT_NONE;
    }
    if (!gs_py_field_ptr(c, type, L->type_traverse, fn))
        return GS_PY_GCT_UNDECIDED;
    return *fn ? GS_PY_GCT_RUN : GS_PY_GCT_NONE;
}
