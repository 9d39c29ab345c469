/* referents.c: the dispatcher. Chooses the decoder for an object's kind and
 * adds what every object of that shape holds (see refs_internal.h). */
#include "config.h"

#include <string.h>

#include "py/emulated.h"
#include "py/refs_internal.h"

#define MAX_BASE_DEPTH 64

static const py_refs_fn decoders[PYK_COUNT] = {
    [PYK_LIST] = py_refs_list,
    [PYK_TUPLE] = py_refs_tuple,
    [PYK_DICT] = py_refs_dict,
    [PYK_ODICT] = py_refs_odict,
    [PYK_SET] = py_refs_set,
    [PYK_FROZENSET] = py_refs_set,
    [PYK_DEQUE] = py_refs_deque,
    [PYK_MAPPINGPROXY] = py_refs_mappingproxy,
    [PYK_TYPE] = py_refs_type,
    [PYK_MODULE] = py_refs_module,
    [PYK_FUNCTION] = py_refs_function,
    [PYK_CODE] = py_refs_code,
    [PYK_CELL] = py_refs_cell,
    [PYK_METHOD] = py_refs_method,
    [PYK_CLASSMETHOD] = py_refs_classmethod,
    [PYK_STATICMETHOD] = py_refs_classmethod,
    [PYK_PROPERTY] = py_refs_property,
    [PYK_PARTIAL] = py_refs_partial,
    [PYK_BUILTIN_FUNCTION] = py_refs_builtin_function,
    [PYK_METHOD_WRAPPER] = py_refs_method_wrapper,
    [PYK_LRU_CACHE] = py_refs_lru_cache,
    [PYK_LRU_ELEM] = py_refs_lru_cache,
    [PYK_FRAME] = py_refs_frame,
    [PYK_GENERATOR] = py_refs_generator,
    [PYK_COROUTINE] = py_refs_generator,
    [PYK_ASYNC_GENERATOR] = py_refs_generator,
    [PYK_TRACEBACK] = py_refs_traceback,
    [PYK_WEAKREF] = py_refs_weakref,
    [PYK_WEAKREF_OLD] = py_refs_weakref,
    [PYK_WEAKPROXY] = py_refs_weakref,
    [PYK_WEAKPROXY_OLD] = py_refs_weakref,
    [PYK_WEAKCALLPROXY] = py_refs_weakref,
    [PYK_WEAKCALLPROXY_OLD] = py_refs_weakref,
    [PYK_IO_FILEIO] = py_refs_io,
    [PYK_IO_BUFFERED_READER] = py_refs_io,
    [PYK_IO_BUFFERED_WRITER] = py_refs_io,
    [PYK_IO_BUFFERED_RANDOM] = py_refs_io,
    [PYK_IO_BUFFERED_RWPAIR] = py_refs_io,
    [PYK_IO_BYTESIO] = py_refs_io,
    [PYK_IO_STRINGIO] = py_refs_io,
    [PYK_IO_TEXTIOWRAPPER] = py_refs_io,
    [PYK_IO_NLDECODER] = py_refs_io,
    [PYK_SOCKET] = py_refs_socket,
    [PYK_EXCEPTION] = py_refs_exception,
};

/* Kinds that hold no references at all. */
static bool is_leaf_kind(enum py_kind k)
{
    switch (k) {
    case PYK_STR:
    case PYK_BYTES:
    case PYK_BYTEARRAY:
    case PYK_INT:
    case PYK_BOOL:
    case PYK_FLOAT:
    case PYK_COMPLEX:
        return true;
    default:
        return false;
    }
}

bool py_refs_field(const struct py_refs_ctx *rc, int64_t offset, const char *name)
{
    uint64_t v;
    if (!py_field_ptr(rc->c, rc->obj, offset, &v))
        return false;
    py_refs_emit(rc, v, GS_LABEL_FIELD, 0, name);
    return true;
}

enum py_decode py_refs_fields(const struct py_refs_ctx *rc, const struct named_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!py_layout_has(f[i].offset))
            continue; /* this version has no such field */
        if (!py_refs_field(rc, f[i].offset, f[i].name))
            return PY_DECODE_BAD;
    }
    return PY_DECODE_OK;
}

/* Does the tp_members array at `members` list an object member at `offset`? */
static bool member_at(const struct py_ctx *c, uint64_t members, int64_t offset)
{
    const struct py_layout *L = c->L;
    for (int i = 0; members && i < 1024; i++) {
        uint64_t m = members + (uint64_t)(i * L->memberdef_size), name;
        int64_t off;
        if (!py_read_ptr(c, m + (uint64_t)L->memberdef_name, &name) || !name)
            return false;
        if (py_read_ssize(c, m + (uint64_t)L->memberdef_offset, &off) && off == offset)
            return true;
    }
    return false;
}

static enum py_decode worse(enum py_decode a, enum py_decode b) { return a > b ? a : b; }

/* tp_members of the static types from the object's first static type up to
 * (not including) its kind's own type: e.g. defaultdict's default_factory.
 * For PYK_OBJECT the walk goes up to `object`. Returns how many static
 * types with members were seen in *with_members. */
static enum py_decode static_members(const struct py_refs_ctx *rc, bool *decoded)
{
    const struct py_ctx *c = rc->c;
    const struct py_layout *L = c->L;
    const char *stop = py_kind_name(rc->t->kind);
    enum py_decode res = PY_DECODE_OK;
    uint64_t type = rc->t->addr;
    bool found = false;
    if (rc->t->no_static_members)
        return PY_DECODE_OK;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags, name_ptr, members = 0;
        char name[128];
        if (!py_type_flags(c, type, &flags))
            return PY_DECODE_BAD;
        if (!(flags & (uint64_t)L->flag_heaptype)) {
            if (!py_field_ptr(c, type, L->type_name, &name_ptr) || !gs_read_cstring(c->r, name_ptr, name, sizeof name))
                return PY_DECODE_BAD;
            if (strcmp(name, stop) == 0 || strcmp(name, "object") == 0)
                break;
            if (py_field_ptr(c, type, L->type_members, &members) && members) {
                res = worse(res, py_refs_members(rc, type));
                *decoded = found = true;
            }
            /* A C type with an instance dict (tp_dictoffset) keeps it there,
             * unless a member already exposes that slot (SimpleNamespace's
             * "__dict__" member): report it once. */
            int64_t dictoffset;
            if (rc->t->kind == PYK_OBJECT && !rc->t->heaptype &&
                py_field_ssize(c, type, L->type_dictoffset, &dictoffset) && dictoffset > 0 && depth == 0 &&
                !member_at(c, members, dictoffset)) {
                py_refs_field(rc, dictoffset, "__dict__");
                *decoded = found = true;
            }
        }
        if (!py_field_ptr(c, type, L->type_base, &type))
            return PY_DECODE_BAD;
    }
    /* The walk depends on the type alone: remember that it finds nothing. */
    if (!found && res == PY_DECODE_OK) {
        uint32_t id = py_types_get(rc->types, c, rc->t->addr);
        if (id != PY_TYPE_BAD)
            rc->types->v[id].no_static_members = true;
    }
    return res;
}

enum py_decode py_referents(const struct py_ctx *c, struct py_types *types, uint64_t obj,
                            const struct py_type_info *t, struct py_refs_sink *sink)
{
    struct py_refs_ctx rc = {c, types, obj, t, sink};
    enum py_decode res = PY_DECODE_OK;
    bool decoded = false;
    struct py_emu_seen seen;
    if (c->emu)
        py_emu_seen_begin(&seen, &rc);
    /* An lru_cache link's references, its class too, are its wrapper's
     * (py_refs_lru_cache). */
    if (t->heaptype && t->kind != PYK_LRU_ELEM) {
        res = py_refs_instance(&rc);
        decoded = true;
    }
    if (is_leaf_kind(t->kind))
        return res;
    res = worse(res, static_members(&rc, &decoded));
    if (decoders[t->kind]) {
        res = worse(res, decoders[t->kind](&rc));
        decoded = true;
    }
    /* No decoder for its kind: its type's own tp_traverse, emulated. */
    if (c->emu && t->kind == PYK_OBJECT) {
        enum py_decode er = py_refs_emulated(&rc, &seen, &decoded);
        /* The type's own traverse visited all that its C part holds: a
         * compiled heap type's fields, which the instance decoder could not
         * read and called opaque (mypyc classes), are known now. */
        if (er == PY_DECODE_OK && res == PY_DECODE_OPAQUE && py_emu_last(c).emulated)
            res = PY_DECODE_OK;
        res = worse(res, er);
    }
    /* A static C type that tracks references (it has a GC header) but that
     * gcscope has no decoder and no member table for: keep it, flagged. */
    if (!decoded && t->is_gc && t->kind == PYK_OBJECT && res == PY_DECODE_OK)
        return PY_DECODE_OPAQUE;
    return res;
}

enum py_decode py_iframe_roots(const struct py_ctx *c, struct py_types *types, uint64_t iframe, bool executing,
                               struct py_refs_sink *sink)
{
    /* No object owns the frame: the context's type is an empty entry. */
    static const struct py_type_info no_type = {0};
    struct py_refs_ctx rc = {c, types, iframe, &no_type, sink};
    return py_refs_iframe(&rc, iframe, executing);
}
