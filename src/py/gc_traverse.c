/* gc_traverse.c: see gc_traverse.h. */
#include "config.h"

#include "py/gc_traverse.h"
#include "py/layout.h"

enum py_gc_traverse py_gc_traverse_fn(const struct py_ctx *c, uint64_t obj, uint64_t type, uint64_t type_flags,
                                      enum py_kind kind, uint64_t *fn)
{
    const struct py_layout *L = c->L;
    uint64_t is_gc;
    *fn = 0;
    if (!(type_flags & (uint64_t)L->flag_have_gc))
        return PY_GCT_NONE;
    if (!py_field_ptr(c, type, L->type_is_gc, &is_gc))
        return PY_GCT_UNDECIDED;
    if (is_gc) {
        /* Only `type` has one (type_is_gc): a type object is a GC object
         * when it is a heap type; static types are not. */
        uint64_t own_flags;
        if (kind != PYK_TYPE || !py_type_flags(c, obj, &own_flags))
            return PY_GCT_UNDECIDED;
        if (!(own_flags & (uint64_t)L->flag_heaptype))
            return PY_GCT_NONE;
    }
    if (!py_field_ptr(c, type, L->type_traverse, fn))
        return PY_GCT_UNDECIDED;
    return *fn ? PY_GCT_RUN : PY_GCT_NONE;
}
