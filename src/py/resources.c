/* resources.c: being written (placeholder so the tree links). */
#include "config.h"

#include "py/resources.h"

bool py_resource_decode(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, struct py_resource_info *out) { (void)c; (void)obj; (void)t; (void)out; return false; }
