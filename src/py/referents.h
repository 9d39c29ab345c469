/* referents.h: what an object references, decoded from memory.
 *
 * tp_traverse cannot be called in another process, so each kind of object
 * has a decoder that reads its fields and reports every strong reference
 * (and, apart, every weak one) to a sink, with a label that says how a
 * Python programmer would reach the referent (see py/label.h).
 *
 * Rules every decoder follows:
 *   - report every strong reference the object holds, including those
 *     tp_traverse skips (str keys of dicts, the type of a heap-type
 *     instance is reported by the dispatcher, not by decoders);
 *   - never report a reference the object does not hold: when a field
 *     cannot be read, stop and return GS_PY_DECODE_BAD;
 *   - bound every loop by a count read and checked against a sane limit;
 *   - NULL pointers are skipped silently (absent fields are normal).
 * The sink validates targets (readable, with a plausible type) itself.
 */
#ifndef GCSCOPE_PY_REFERENTS_H
#define GCSCOPE_PY_REFERENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "py/label.h"
#include "py/object.h"
#include "py/typeinfo.h"

struct gs_py_refs_sink {
    /* A strong reference to dst. `num` is the label's number (an index, or
     * the address of a key object for GS_LABEL_VALUE / GS_LABEL_ATTR_OBJ);
     * `name` a C string for named labels (copied by the sink), or NULL. */
    void (*strong)(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name);
    /* A weak reference (weakref.ref's referent): not an edge of the graph. */
    void (*weak)(struct gs_py_refs_sink *s, uint64_t dst);
};

enum gs_py_decode {
    GS_PY_DECODE_OK = 0,
    GS_PY_DECODE_OPAQUE, /* a type gcscope cannot decode: the node is kept, flagged */
    GS_PY_DECODE_BAD,    /* the object's memory is inconsistent */
};

/* Report every reference of obj (whose type entry is t). */
enum gs_py_decode gs_py_referents(const struct gs_py_ctx *c, struct gs_py_types *types, uint64_t obj,
                            const struct gs_py_type_info *t, struct gs_py_refs_sink *sink);

/* 3.11+: report what an interpreter frame owned by a thread holds (its code,
 * function, locals by name, value stack) to the sink. `executing` is true
 * for a thread's innermost frame, whose stack top may not be recorded. */
enum gs_py_decode gs_py_iframe_roots(const struct gs_py_ctx *c, struct gs_py_types *types, uint64_t iframe, bool executing,
                               struct gs_py_refs_sink *sink);

#endif
