/* refs_internal.h: what the referent decoders share. Only referents.c
 * (the dispatcher) and the refs_*.c decoders include it.
 *
 * A decoder gets a gs_py_refs_ctx for one object and reports through
 * gs_py_refs_emit(). Each decoder handles only the fields of its own kind's
 * C struct; the dispatcher adds the rest:
 *   - heap-type instances: the type (.__class__), the instance dict or the
 *     3.11+ managed dict / inline values, and __slots__ (gs_py_refs_instance);
 *   - static types between the object's first static type and its kind's
 *     base (e.g. collections.defaultdict above dict): their tp_members.
 */
#ifndef GCSCOPE_PY_REFS_INTERNAL_H
#define GCSCOPE_PY_REFS_INTERNAL_H

#include "py/referents.h"

struct gs_py_refs_ctx {
    const struct gs_py_ctx *c;
    struct gs_py_types *types;
    uint64_t obj;
    const struct gs_py_type_info *t;
    struct gs_py_refs_sink *sink;
};

typedef enum gs_py_decode (*gs_py_refs_fn)(const struct gs_py_refs_ctx *rc);

/* Report a strong reference (skips NULL). */
static inline void gs_py_refs_emit(const struct gs_py_refs_ctx *rc, uint64_t dst, enum gs_label_kind kind, uint64_t num,
                                const char *name)
{
    if (dst)
        rc->sink->strong(rc->sink, dst, kind, num, name);
}

/* Read the pointer field at obj+offset and report it with a FIELD label
 * named `name`. False when the field cannot be read (absent offset or
 * unreadable memory). */
bool gs_py_refs_field(const struct gs_py_refs_ctx *rc, int64_t offset, const char *name);

/* A list of fields reported with FIELD labels: each present one (a field
 * the version lacks is skipped); GS_PY_DECODE_BAD at the first unreadable one
 * (those before it stay reported). GS_PY_REFS_FIELDS takes an array. */
struct named_field {
    int64_t offset;
    const char *name;
};
enum gs_py_decode gs_py_refs_fields(const struct gs_py_refs_ctx *rc, const struct named_field *f, size_t n);
#define GS_PY_REFS_FIELDS(rc, list) gs_py_refs_fields((rc), (list), sizeof(list) / sizeof((list)[0]))

/* Every live entry of a dict object as KEY and VALUE edges (refs_containers.c). */
enum gs_py_decode gs_py_refs_dict_entries(const struct gs_py_refs_ctx *rc, uint64_t dict);

/* The heap-type part of an instance (refs_instances.c). */
enum gs_py_decode gs_py_refs_instance(const struct gs_py_refs_ctx *rc);

/* The object fields (T_OBJECT, T_OBJECT_EX) that one type's tp_members
 * lists, reported with ATTR labels named after the member (refs_instances.c). */
enum gs_py_decode gs_py_refs_members(const struct gs_py_refs_ctx *rc, uint64_t type);

/* Is `type` (with tp_flags `flags`) a class made by a class statement,
 * whose tp_traverse is subtype_traverse (refs_instances.c)? */
bool gs_py_is_python_class(const struct gs_py_ctx *c, uint64_t type, uint64_t flags);

/* --- the emulated traverse (refs_emulated.c, see emulated.h) ------------ */

/* What the hand decoders reported for the object, so that the emulated
 * traverse does not report it twice: begin() puts a recording sink in
 * front of rc->sink. */
#define GS_PY_EMU_SEEN_MAX 64
struct gs_py_emu_seen {
    struct gs_py_refs_sink base; /* first */
    struct gs_py_refs_sink *inner;
    uint64_t dst[GS_PY_EMU_SEEN_MAX];
    size_t n;
};
void gs_py_emu_seen_begin(struct gs_py_emu_seen *s, struct gs_py_refs_ctx *rc);

/* The referents the type's traverse visits (or, for a static non-GC type
 * nothing else explained, a conservative scan), minus those in `seen`.
 * GS_PY_DECODE_OPAQUE when the traverse could not be run to its end. */
enum gs_py_decode gs_py_refs_emulated(const struct gs_py_refs_ctx *rc, const struct gs_py_emu_seen *seen, bool *decoded);

/* A module's PyModuleDef m_traverse, emulated: what a C extension keeps in
 * its module state (refs_emulated.c). Needs rc->c->emu. */
enum gs_py_decode gs_py_refs_module_state(const struct gs_py_refs_ctx *rc);

/* --- decoders by kind: each in the file kinds.h names ------------------- */
enum gs_py_decode gs_py_refs_list(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_tuple(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_dict(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_odict(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_set(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_deque(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_mappingproxy(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_type(const struct gs_py_refs_ctx *rc);

enum gs_py_decode gs_py_refs_module(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_function(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_code(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_cell(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_method(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_classmethod(const struct gs_py_refs_ctx *rc); /* also staticmethod */
enum gs_py_decode gs_py_refs_property(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_partial(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_builtin_function(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_method_wrapper(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_lru_cache(const struct gs_py_refs_ctx *rc); /* also its _lru_list_elem links */
enum gs_py_decode gs_py_refs_frame(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_generator(const struct gs_py_refs_ctx *rc); /* also coroutine, async generator */
enum gs_py_decode gs_py_refs_traceback(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_weakref(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_exception(const struct gs_py_refs_ctx *rc);
enum gs_py_decode gs_py_refs_io(const struct gs_py_refs_ctx *rc); /* every GS_PYK_IO_* kind */
enum gs_py_decode gs_py_refs_socket(const struct gs_py_refs_ctx *rc);

/* 3.11+: the references an interpreter frame holds (code, function,
 * globals/builtins/locals where owned, locals by name, the value stack).
 * Used by generators, frame objects and the thread roots (refs_frames.c). */
enum gs_py_decode gs_py_refs_iframe(const struct gs_py_refs_ctx *rc, uint64_t iframe, bool executing);

#endif
