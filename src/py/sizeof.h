/* sizeof.h: sys.getsizeof() of an object, computed from memory the way each
 * type's __sizeof__ computes it, plus the GC header and (3.11+) the
 * pre-header, as sys.getsizeof adds them. */
#ifndef GCSCOPE_PY_SIZEOF_H
#define GCSCOPE_PY_SIZEOF_H

#include <stdbool.h>
#include <stdint.h>

#include "py/object.h"
#include "py/typeinfo.h"

/* False when the object's fields could not be read (the size is then the
 * type's basic size, a lower bound). */
bool gs_py_getsizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *type, uint64_t *size);

/* What sys.getsizeof adds to __sizeof__ for instances of this type. */
uint64_t gs_py_preheader_size(const struct gs_py_layout *L, const struct gs_py_type_info *type);

#endif
