/* preview.h: a short text that tells an object apart, the way a programmer
 * would recognise it: a str's first characters, an int's value, a
 * function's or type's qualified name, a module's name, a code object's
 * name and place. Interned into the snapshot's string pool. */
#ifndef GCSCOPE_GRAPH_PREVIEW_H
#define GCSCOPE_GRAPH_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "py/typeinfo.h"
#include "util/strpool.h"

#define GS_PREVIEW_MAX 64 /* bytes of preview text at most */

/* The preview's first n bytes in out, n returned (at most GS_PREVIEW_MAX): 0 when
 * the object has none. Reads memory only: any thread with its own reader. */
size_t gs_preview_text(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                       char out[GS_PREVIEW_MAX + 16]);
/* The preview's string id, or 0 when the object has none. */
uint32_t gs_preview(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, gs_strpool *pool);

#endif
