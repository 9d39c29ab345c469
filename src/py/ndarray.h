/* ndarray.h: numpy's ndarray read from the copy: where its data is and
 * how many bytes it owns, for sys.getsizeof (py/sizeof.c) and the
 * resident memory split (graph/memory.c: a buffer the object points to
 * outside pymalloc). */
#ifndef GCSCOPE_PY_NDARRAY_H
#define GCSCOPE_PY_NDARRAY_H

#include <stdbool.h>
#include <stdint.h>

#include "py/object.h"
#include "py/typeinfo.h"

/* numpy.ndarray itself (not a subclass: np.matrix, np.memmap and user
 * classes are left as plain objects). */
bool gs_py_is_ndarray(const struct gs_py_type_info *t);

struct gs_py_ndarray {
    uint64_t data;    /* the first element */
    uint64_t nbytes;  /* arr.nbytes when owned; 0 when the array is a view */
    int32_t nd;
    bool owned;       /* NPY_ARRAY_OWNDATA: the array frees data */
};

/* False when the fields are unreadable or out of bounds, or when an owned
 * array is not contiguous (its byte count would need the dtype). */
bool gs_py_ndarray_read(const struct gs_py_ctx *c, uint64_t obj, struct gs_py_ndarray *out);

#endif
