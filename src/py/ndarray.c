/* ndarray.c: see ndarray.h.
 *
 * numpy is an extension, not CPython: its layout is numpy's public C ABI,
 * PyArrayObject_fields in numpy/ndarraytypes.h, which has kept these
 * offsets from numpy 1.7 through 2.x (extensions compiled against one
 * numpy run against the next): data at 16, nd at 24, dimensions at 32,
 * strides at 40, flags at 64 (after base and descr). gs_py_is_ndarray checks
 * the type's name and that its basic size holds them.
 *
 * arr.nbytes is the element size times the elements. The element size is
 * in the dtype (descr), whose layout did change in numpy 2; for a
 * contiguous array it is also the stride of the innermost axis of more
 * than one element (the last for C order, the first for Fortran order),
 * which is what is read here. An array of at most one element has no such
 * axis: its at most one element's bytes are not counted.
 */
#include "config.h"

#include <string.h>

#include "py/ndarray.h"

enum {
    ND_DATA = 16,
    ND_NDIM = 24,
    ND_DIMENSIONS = 32,
    ND_STRIDES = 40,
    ND_FLAGS = 64,
    ND_MIN_BASICSIZE = 72,
    ND_MAX_DIMS = 64, /* NPY_MAXDIMS is 32 (64 in numpy 2) */
};

/* NPY_ARRAY_C_CONTIGUOUS, NPY_ARRAY_F_CONTIGUOUS, NPY_ARRAY_OWNDATA */
#define ND_C_CONTIGUOUS 0x1
#define ND_F_CONTIGUOUS 0x2
#define ND_OWNDATA 0x4

bool gs_py_is_ndarray(const struct gs_py_type_info *t)
{
    return t->kind == GS_PYK_OBJECT && t->name && t->module && strcmp(t->name, "ndarray") == 0 &&
           strcmp(t->module, "numpy") == 0 && t->basicsize >= ND_MIN_BASICSIZE;
}

bool gs_py_ndarray_read(const struct gs_py_ctx *c, uint64_t obj, struct gs_py_ndarray *out)
{
    int32_t nd, flags;
    uint64_t dims_addr, strides_addr;
    memset(out, 0, sizeof *out);
    if (!gs_py_field_ptr(c, obj, ND_DATA, &out->data) || !gs_read_i32(c->r, obj + ND_NDIM, &nd) ||
        !gs_read_i32(c->r, obj + ND_FLAGS, &flags) || nd < 0 || nd > ND_MAX_DIMS)
        return false;
    out->nd = nd;
    out->owned = (flags & ND_OWNDATA) != 0;
    if (!out->owned || !out->data)
        return true;
    if (nd == 0)
        return true;
    if (!gs_py_field_ptr(c, obj, ND_DIMENSIONS, &dims_addr) || !gs_py_field_ptr(c, obj, ND_STRIDES, &strides_addr))
        return false;
    int64_t dims[ND_MAX_DIMS], strides[ND_MAX_DIMS];
    for (int32_t i = 0; i < nd; i++)
        if (!gs_read_i64(c->r, dims_addr + 8 * (uint64_t)i, &dims[i]) ||
            !gs_read_i64(c->r, strides_addr + 8 * (uint64_t)i, &strides[i]) || dims[i] < 0)
            return false;
    bool corder = flags & ND_C_CONTIGUOUS, forder = flags & ND_F_CONTIGUOUS;
    if (!corder && !forder)
        return false;
    uint64_t elements = 1;
    for (int32_t i = 0; i < nd; i++) {
        if (dims[i] && elements > (UINT64_C(1) << 48) / (uint64_t)dims[i])
            return false; /* more than any memory */
        elements *= (uint64_t)dims[i];
    }
    int64_t elsize = 0;
    for (int32_t k = 0; k < nd; k++) {
        int32_t i = corder ? nd - 1 - k : k;
        if (dims[i] > 1) {
            elsize = strides[i];
            break;
        }
    }
    if (elsize < 0 || elsize > (1 << 20))
        return false;
    out->nbytes = elements * (uint64_t)elsize;
    return true;
}
