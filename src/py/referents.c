/* referents.c: the dispatcher. Chooses the decoder for an object's kind and
 * adds what every object of that shape holds (see refs_internal.h). */
#include "config.h"

#include <string.h>

#include "py/emulated.h"
#include "py/refs_internal.h"

#define MAX_BASE_DEPTH 64

static const gs_py_refs_fn decoders[GS_PYK_COUNT] = {
    [GS_PYK_LIST] = gs_py_refs_list,
    [GS_PYK_TUPLE] = gs_py_refs_tuple,
    [GS_PYK_DICT] = gs_py_refs_dict,
    [GS_PYK_ODICT] = gs_py_refs_odict,
    [GS_PYK_SET] = gs_py_refs_set,
    [GS_PYK_FROZENSET] = gs_py_refs_set,
    [GS_PYK_DEQUE] = gs_py_refs_deque,
    [GS_PYK_MAPPINGPROXY] = gs_py_refs_mappingproxy,
    [GS_PYK_TYPE] = gs_py_refs_type,
    [GS_PYK_MODULE] = gs_py_refs_module,
    [GS_PYK_FUNCTION] = gs_py_refs_function,
    [GS_PYK_CODE] = gs_py_refs_code,
    [GS_PYK_CELL] = gs_py_refs_cell,
    [GS_PYK_METHOD] = gs_py_refs_method,
    [GS_PYK_CLASSMETHOD] = gs_py_refs_classmethod,
    [GS_PYK_STATICMETHOD] = gs_py_refs_classmethod,
    [GS_PYK_PROPERTY] = gs_py_refs_property,
    [GS_PYK_PARTIAL] = gs_py_refs_partial,
    [GS_PYK_BUILTIN_FUNCTION] = gs_py_refs_builtin_function,
    [GS_PYK_METHOD_WRAPPER] = gs_py_refs_method_wrapper,
    [GS_PYK_LRU_CACHE] = gs_py_refs_lru_cache,
    [GS_PYK_LRU_ELEM] = gs_py_refs_lru_cache,
    [GS_PYK_FRAME] = gs_py_refs_frame,
    [GS_PYK_GENERATOR] = gs_py_refs_generator,
    [GS_PYK_COROUTINE] = gs_py_refs_generator,
    [GS_PYK_ASYNC_GENERATOR] = gs_py_refs_generator,
    [GS_PYK_TRACEBACK] = gs_py_refs_traceback,
    [GS_PYK_WEAKREF] = gs_py_refs_weakref,
    [GS_PYK_WEAKREF_OLD] = gs_py_refs_weakref,
    [GS_PYK_WEAKPROXY] = gs_py_refs_weakref,
    [GS_PYK_WEAKPROXY_OLD] = gs_py_refs_weakref,
    [GS_PYK_WEAKCALLPROXY] = gs_py_refs_weakref,
    [GS_PYK_WEAKCALLPROXY_OLD] = gs_py_refs_weakref,
    [GS_PYK_IO_FILEIO] = gs_py_refs_io,
    [GS_PYK_IO_BUFFERED_READER] = gs_py_refs_io,
    [GS_PYK_IO_BUFFERED_WRITER] = gs_py_refs_io,
    [GS_PYK_IO_BUFFERED_RANDOM] = gs_py_refs_io,
    [GS_PYK_IO_BUFFERED_RWPAIR] = gs_py_refs_io,
    [GS_PYK_IO_BYTESIO] = gs_py_refs_io,
    [GS_PYK_IO_STRINGIO] = gs_py_refs_io,
    [GS_PYK_IO_TEXTIOWRAPPER] = gs_py_refs_io,
    [GS_PYK_IO_NLDECODER] = gs_py_refs_io,
    [GS_PYK_SOCKET] = gs_py_refs_socket,
    [GS_PYK_EXCEPTION] = gs_py_refs_exception,
};

/* Kinds that hold no references at all. */
static bool is_leaf_kind(enum gs_py_kind k)
{
    switch (k) {
    case GS_PYK_STR:
    case GS_PYK_BYTES:
    case GS_PYK_BYTEARRAY:
    case GS_PYK_INT:
    case GS_PYK_BOOL:
    case GS_PYK_FLOAT:
    case GS_PYK_COMPLEX:
        return true;
    default:
        return false;
    }
}

bool gs_py_refs_field(const struct gs_py_refs_ctx *rc, int64_t offset, const char *name)
{
    uint64_t v;
    if (!gs_py_field_ptr(rc->c, rc->obj, offset, &v))
        return false;
    gs_py_refs_emit(rc, v, GS_LABEL_FIELD, 0, name);
    return true;
}

enum gs_py_decode gs_py_refs_fields(const struct gs_py_refs_ctx *rc, const struct named_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!gs_py_layout_has(f[i].offset))
            continue; /* this version has no such field */
        if (!gs_py_refs_field(rc, f[i].offset, f[i].name))
            return GS_PY_DECODE_BAD;
    }
    return GS_PY_DECODE_OK;
}

/* Does the tp_members array at `members` list an object member at `offset`? */
static bool member_at(const struct gs_py_ctx *c, uint64_t members, int64_t offset)
{
    const struct gs_py_layout *L = c->L;
    for (int i = 0; members && i < 1024; i++) {
        uint64_t m = members + (uint64_t)(i * L->memberdef_size), name;
        int64_t off;
        if (!gs_py_read_ptr(c, m + (uint64_t)L->memberdef_name, &name) || !name)
            return false;
        if (gs_py_read_ssize(c, m + (uint64_t)L->memberdef_offset, &off) && off == offset)
            return true;
    }
    return false;
}

static enum gs_py_decode worse(enum gs_py_decode a, enum gs_py_decode b) { return a > b ? a : b; }

/* tp_members of the static types from the object's first static type up to
 * (not including) its kind's own type: e.g. defaultdict's default_factory.
 * For GS_PYK_OBJECT the walk goes up to `object`. Returns how many static
 * types with members were seen in *with_members. */
static enum gs_py_decode static_members(const struct gs_py_refs_ctx *rc, bool *decoded)
{
    const struct gs_py_ctx *c = rc->c;
    const struct gs_py_layout *L = c->L;
    const char *stop = gs_py_kind_name(rc->t->kind);
    enum gs_py_decode res = GS_PY_DECODE_OK;
    uint64_t type = rc->t->addr;
    bool found = false;
    if (rc->t->no_static_members)
        return GS_PY_DECODE_OK;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags, name_ptr, members = 0;
        char name[128];
        if (!gs_py_type_flags(c, type, &flags))
            return GS_PY_DECODE_BAD;
        if (!(flags & (uint64_t)L->flag_heaptype)) {
            if (!gs_py_field_ptr(c, type, L->type_name, &name_ptr) || !gs_read_cstring(c->r, name_ptr, name, sizeof name))
                return GS_PY_DECODE_BAD;
            if (strcmp(name, stop) == 0 || strcmp(name, "object") == 0)
                break;
            if (gs_py_field_ptr(c, type, L->type_members, &members) && members) {
                res = worse(res, gs_py_refs_members(rc, type));
                *decoded = found = true;
            }
            /* A C type with an instance dict (tp_dictoffset) keeps it there,
             * unless a member already exposes that slot (SimpleNamespace's
             * "__dict__" member): report it once. */
            int64_t dictoffset;
            if (rc->t->kind == GS_PYK_OBJECT && !rc->t->heaptype &&
                gs_py_field_ssize(c, type, L->type_dictoffset, &dictoffset) && dictoffset > 0 && depth == 0 &&
                !member_at(c, members, dictoffset)) {
                gs_py_refs_field(rc, dictoffset, "__dict__");
                *decoded = found = true;
            }
        }
        if (!gs_py_field_ptr(c, type, L->type_base, &type))
            return GS_PY_DECODE_BAD;
    }
    /* The walk depends on the type alone: remember that it finds nothing. */
    if (!found && res == GS_PY_DECODE_OK) {
        uint32_t id = gs_py_types_get(rc->types, c, rc->t->addr);
        if (id != GS_PY_TYPE_BAD)
            rc->types->v[id].no_static_members = true;
    }
    return res;
}

enum gs_py_decode gs_py_referents(const struct gs_py_ctx *c, struct gs_py_types *types, uint64_t obj,
                            const struct gs_py_type_info *t, struct gs_py_refs_sink *sink)
{
    struct gs_py_refs_ctx rc = {c, types, obj, t, sink};
    enum gs_py_decode res = GS_PY_DECODE_OK;
    bool decoded = false;
    struct gs_py_emu_seen seen;
    if (c->emu)
        gs_py_emu_seen_begin(&seen, &rc);
    /* An lru_cache link's references, its class too, are its wrapper's
     * (gs_py_refs_lru_cache). */
    if (t->heaptype && t->kind != GS_PYK_LRU_ELEM) {
        res = gs_py_refs_instance(&rc);
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
    if (c->emu && t->kind == GS_PYK_OBJECT) {
        enum gs_py_decode er = gs_py_refs_emulated(&rc, &seen, &decoded);
        /* The type's own traverse visited all that its C part holds: a
         * compiled heap type's fields, which the instance decoder could not
         * read and called opaque (mypyc classes), are known now. */
        if (er == GS_PY_DECODE_OK && res == GS_PY_DECODE_OPAQUE && gs_py_emu_last(c).emulated)
            res = GS_PY_DECODE_OK;
        res = worse(res, er);
    }
    /* A static C type that tracks references (it has a GC header) but that
     * gcscope has no decoder and no member table for: keep it, flagged. */
    if (!decoded && t->is_gc && t->kind == GS_PYK_OBJECT && res == GS_PY_DECODE_OK)
        return GS_PY_DECODE_OPAQUE;
    return res;
}

enum gs_py_decode gs_py_iframe_roots(const struct gs_py_ctx *c, struct gs_py_types *types, uint64_t iframe, bool executing,
                               struct gs_py_refs_sink *sink)
{
    /* No object owns the frame: the context's type is an empty entry. */
    static const struct gs_py_type_info no_type = {0};
    struct gs_py_refs_ctx rc = {c, types, iframe, &no_type, sink};
    return gs_py_refs_iframe(&rc, iframe, executing);
}
