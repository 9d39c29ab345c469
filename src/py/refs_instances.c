/* refs_instances.c: what every instance of a heap type holds beyond its
 * kind's C struct: its type, its instance dict (or 3.11+ managed values)
 * and its __slots__; and the object members a type's tp_members lists.
 *
 * Follows Objects/typeobject.c subtype_traverse: the slots of each Python
 * class in the tp_base chain, the dict when the class (not a C base) added
 * it, the managed dict or values on 3.11+.
 */
#include "config.h"

#include <string.h>

#include "py/refs_internal.h"

#define MAX_BASE_DEPTH 64
#define MAX_MEMBERS 1024
#define MAX_VALUES 4096 /* a shared-keys values array never gets near this */

/* PyMemberDef types that hold an object reference (Include/structmember.h,
 * 3.12+ Include/descrobject.h as Py_T_OBJECT / Py_T_OBJECT_EX: the same
 * values in 3.8-3.13). */
#define T_OBJECT_TYPE 6
#define T_OBJECT_EX_TYPE 16
/* Py_RELATIVE_OFFSET (3.12+, Include/descrobject.h): an offset relative to
 * the subclass data of a PyType_FromSpec type; PyType_FromMetaclass resolves
 * it when it copies the members, so a live type should not carry it. */
#define MEMBER_RELATIVE_OFFSET 8

/* --- tp_members -------------------------------------------------------------- */

/* Report the object members of one type's tp_members; *count gets how many
 * object members the array lists (set or not). */
static enum gs_py_decode emit_members(const struct gs_py_refs_ctx *rc, uint64_t type, int *count)
{
    const struct gs_py_ctx *c = rc->c;
    const struct gs_py_layout *L = c->L;
    uint64_t members;
    if (!gs_py_field_ptr(c, type, L->type_members, &members))
        return GS_PY_DECODE_BAD;
    if (!members)
        return GS_PY_DECODE_OK;
    for (int i = 0; i < MAX_MEMBERS; i++) {
        uint64_t m = members + (uint64_t)(i * L->memberdef_size), name_ptr, value;
        int32_t mtype, mflags;
        int64_t offset;
        if (!gs_py_field_ptr(c, m, L->memberdef_name, &name_ptr))
            return GS_PY_DECODE_BAD;
        if (!name_ptr)
            return GS_PY_DECODE_OK;
        if (!gs_read_i32(c->r, m + (uint64_t)L->memberdef_type, &mtype) ||
            !gs_py_field_ssize(c, m, L->memberdef_offset, &offset) ||
            !gs_read_i32(c->r, m + (uint64_t)L->memberdef_flags, &mflags))
            return GS_PY_DECODE_BAD;
        if (mtype != T_OBJECT_TYPE && mtype != T_OBJECT_EX_TYPE)
            continue;
        (*count)++;
        /* A member lies inside the object's fixed part (a subclass only
         * grows it); anything else is not this object's to report. */
        if ((mflags & MEMBER_RELATIVE_OFFSET) || offset < L->object_size || offset + 8 > rc->t->basicsize)
            continue;
        char name[128];
        if (!gs_read_cstring(c->r, name_ptr, name, sizeof name))
            strcpy(name, "?");
        /* A "__weakref__" member (mypyc declares one) is the head of the
         * object's weak reference list: a borrowed pointer, not a reference
         * (--verify-referents found it on mypy's SemanticAnalyzer). */
        if (strcmp(name, "__weakref__") == 0)
            continue;
        if (!gs_py_read_ptr(c, rc->obj + (uint64_t)offset, &value))
            return GS_PY_DECODE_BAD;
        gs_py_refs_emit(rc, value, GS_LABEL_ATTR, 0, name);
    }
    return GS_PY_DECODE_BAD; /* no terminator within MAX_MEMBERS */
}

enum gs_py_decode gs_py_refs_members(const struct gs_py_refs_ctx *rc, uint64_t type)
{
    int count = 0;
    return emit_members(rc, type, &count);
}

/* --- which types are Python classes ----------------------------------------- */

/* A class made by a class statement (type_new) has tp_name pointing at the
 * UTF-8 form of its ht_name str: the str's own data for a compact ASCII
 * name, its utf8 buffer otherwise (type_new and type_set_name set
 * tp_name = PyUnicode_AsUTF8(name), 3.8-3.13). A heap type made by
 * PyType_FromSpec (collections.deque on 3.12+, functools.partial on 3.10+)
 * points tp_name at the spec's name or a copy of it instead. Only the former
 * have subtype_traverse as tp_traverse, which is what walks slots. */
bool gs_py_is_python_class(const struct gs_py_ctx *c, uint64_t type, uint64_t flags)
{
    const struct gs_py_layout *L = c->L;
    uint64_t tp_name, ht_name, utf8;
    uint32_t state;
    if (!(flags & (uint64_t)L->flag_heaptype))
        return false;
    if (!gs_py_field_ptr(c, type, L->type_name, &tp_name) || !gs_py_field_ptr(c, type, L->heaptype_name, &ht_name) ||
        !ht_name || !gs_read_u32(c->r, ht_name + (uint64_t)L->unicode_state, &state))
        return false;
    bool compact = (state >> L->unicode_state_compact_shift) & 1;
    bool ascii = (state >> L->unicode_state_ascii_shift) & 1;
    if (compact && ascii)
        return tp_name == ht_name + (uint64_t)L->unicode_ascii_size;
    return gs_py_field_ptr(c, ht_name, L->unicode_utf8, &utf8) && tp_name == utf8;
}

/* --- the instance dict -------------------------------------------------------- */

/* The label of the value in slot i of a shared-keys values array: the key
 * at entry i of the type's ht_cached_keys (split keys: {key, value} entries
 * on 3.11+, {hash, key, value} before). 0 when it cannot be read. */
struct cached_keys {
    uint64_t entries;
    int64_t nentries, entry_size, key_off;
};

static bool read_cached_keys(const struct gs_py_ctx *c, uint64_t type, struct cached_keys *k)
{
    const struct gs_py_layout *L = c->L;
    uint64_t keys;
    memset(k, 0, sizeof *k);
    if (!gs_py_field_ptr(c, type, L->heaptype_cached_keys, &keys) || !keys ||
        !gs_py_field_ssize(c, keys, L->dictkeys_nentries, &k->nentries) || k->nentries < 0 ||
        k->nentries > MAX_VALUES)
        return false;
    int64_t index_bytes;
    if (gs_py_layout_has(L->dictkeys_size_field)) {
        /* <= 3.10 (Objects/dict-common.h): dk_size index slots of 1, 2, 4
         * or 8 bytes (DK_IXSIZE), then PyDictKeyEntry. */
        int64_t size;
        if (!gs_py_field_ssize(c, keys, L->dictkeys_size_field, &size) || size <= 0 || size > (1 << 20))
            return false;
        index_bytes = size * (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
        k->entry_size = L->dictkeyentry_size;
        k->key_off = L->dictkeyentry_key;
    } else {
        /* 3.11+ (Include/internal/pycore_dict.h): 1 << dk_log2_index_bytes
         * index bytes; split keys are unicode entries {me_key, me_value}. */
        uint8_t log2_index_bytes, kind;
        if (!gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_log2_index_bytes, &log2_index_bytes) ||
            !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_kind, &kind) || log2_index_bytes > 24)
            return false;
        index_bytes = (int64_t)1 << log2_index_bytes;
        k->entry_size = kind == 0 ? L->dictkeyentry_size : L->dictunicodeentry_size;
        k->key_off = kind == 0 ? L->dictkeyentry_key : 0;
    }
    k->entries = keys + (uint64_t)L->dictkeys_indices + (uint64_t)index_bytes;
    return true;
}

/* read_cached_keys of the instance's class, from the table's memo when the
 * previous instance decoded was of the same class with the same keys
 * object (instances of a class mostly come in runs): one read instead of
 * the keys' geometry. */
static bool class_cached_keys(const struct gs_py_refs_ctx *rc, struct cached_keys *k)
{
    _Static_assert(sizeof *k + 8 <= sizeof rc->types->keys_memo.words, "the memo holds the keys and their address");
    uint64_t type = rc->t->addr, keys;
    if (rc->types && type && rc->types->keys_memo.addr == type &&
        gs_py_field_ptr(rc->c, type, rc->c->L->heaptype_cached_keys, &keys) && keys &&
        keys == rc->types->keys_memo.words[0]) {
        memcpy(k, &rc->types->keys_memo.words[1], sizeof *k);
        return true;
    }
    if (!read_cached_keys(rc->c, type, k))
        return false;
    if (rc->types && gs_py_field_ptr(rc->c, type, rc->c->L->heaptype_cached_keys, &keys)) {
        rc->types->keys_memo.addr = type;
        rc->types->keys_memo.words[0] = keys;
        memcpy(&rc->types->keys_memo.words[1], k, sizeof *k);
    }
    return true;
}

static uint64_t cached_key(const struct gs_py_ctx *c, const struct cached_keys *k, int64_t i)
{
    uint64_t key = 0;
    if (i < k->nentries)
        gs_py_read_ptr(c, k->entries + (uint64_t)(i * k->entry_size + k->key_off), &key);
    return key;
}

/* n values from `values` on, labelled with the cached keys' names. */
static enum gs_py_decode emit_values(const struct gs_py_refs_ctx *rc, uint64_t values, int64_t n,
                                  const struct cached_keys *k)
{
    if (n < 0 || n > MAX_VALUES)
        return GS_PY_DECODE_BAD;
    for (int64_t i = 0; i < n; i++) {
        uint64_t v;
        if (!gs_py_read_ptr(rc->c, values + (uint64_t)i * 8, &v))
            return GS_PY_DECODE_BAD;
        if (v)
            gs_py_refs_emit(rc, v, GS_LABEL_ATTR_OBJ, cached_key(rc->c, k, i), NULL);
    }
    return GS_PY_DECODE_OK;
}

/* 3.11: dict* at obj - managed_dict_before, PyDictValues* (a bare array,
 * dk_nentries of the cached keys long) at obj - managed_values_before;
 * at most one of them is set (Include/internal/pycore_object.h,
 * _PyObject_VisitInstanceAttributes). */
static enum gs_py_decode managed_311(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t dict, values;
    if (!gs_py_read_ptr(rc->c, rc->obj - (uint64_t)L->managed_dict_before, &dict) ||
        !gs_py_read_ptr(rc->c, rc->obj - (uint64_t)L->managed_values_before, &values))
        return GS_PY_DECODE_BAD;
    gs_py_refs_emit(rc, dict, GS_LABEL_FIELD, 0, "__dict__");
    if (!values)
        return GS_PY_DECODE_OK;
    struct cached_keys k;
    if (!class_cached_keys(rc, &k))
        return GS_PY_DECODE_BAD;
    return emit_values(rc, values + (uint64_t)L->dictvalues_values, k.nentries, &k);
}

/* 3.12: one PyDictOrValues at obj - managed_dict_before: a dict, or, with
 * the low bit set, the values at raw + 1 (_PyDictOrValues_GetValues). */
static enum gs_py_decode managed_312(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t raw;
    if (!gs_py_read_ptr(rc->c, rc->obj - (uint64_t)L->managed_dict_before, &raw))
        return GS_PY_DECODE_BAD;
    if (!(raw & (uint64_t)L->managed_dict_values_tag)) {
        gs_py_refs_emit(rc, raw, GS_LABEL_FIELD, 0, "__dict__");
        return GS_PY_DECODE_OK;
    }
    struct cached_keys k;
    if (!class_cached_keys(rc, &k))
        return GS_PY_DECODE_BAD;
    return emit_values(rc, raw + 1 + (uint64_t)L->dictvalues_values, k.nentries, &k);
}

/* 3.13+: dict* at obj - managed_dict_before; with Py_TPFLAGS_INLINE_VALUES
 * the PyDictValues {capacity, size, embedded, valid; values[]} lies right
 * after the object's tp_basicsize (_PyObject_InlineValues: in 3.13 that is
 * its PyObject header, which it asserts; 3.14 gives inline values to
 * subclasses of C types too, a str subclass's enum members among them). PyObject_VisitManagedDict
 * visits the inline values while `valid`, else the dict; a materialized dict
 * shares the inline values and is a reference of its own, so both are
 * reported. */
static enum gs_py_decode managed_313(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t dict;
    if (!gs_py_read_ptr(rc->c, rc->obj - (uint64_t)L->managed_dict_before, &dict))
        return GS_PY_DECODE_BAD;
    gs_py_refs_emit(rc, dict, GS_LABEL_FIELD, 0, "__dict__");
    if (!(rc->t->flags & (uint64_t)L->flag_inline_values))
        return GS_PY_DECODE_OK;
    if (rc->t->basicsize < L->object_size || rc->t->basicsize % 8)
        return GS_PY_DECODE_BAD;
    uint64_t values = rc->obj + (uint64_t)rc->t->basicsize;
    uint8_t capacity, valid;
    if (!gs_read_u8(rc->c->r, values + (uint64_t)L->dictvalues_capacity, &capacity) ||
        !gs_read_u8(rc->c->r, values + (uint64_t)L->dictvalues_valid, &valid))
        return GS_PY_DECODE_BAD;
    if (!valid)
        return GS_PY_DECODE_OK;
    struct cached_keys k;
    if (!class_cached_keys(rc, &k))
        return GS_PY_DECODE_BAD;
    return emit_values(rc, values + (uint64_t)L->dictvalues_values, capacity, &k);
}

static enum gs_py_decode managed_dict(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (gs_py_layout_has(L->managed_values_before))
        return managed_311(rc);
    if (gs_py_layout_has(L->managed_dict_values_tag))
        return managed_312(rc);
    return managed_313(rc);
}

/* Where _PyObject_GetDictPtr finds the dict for tp_dictoffset: at that
 * offset, or, when negative (var-sized objects), that far back from the end
 * of the object: _PyObject_VAR_SIZE(tp, |ob_size|), rounded up to a
 * pointer. 3.12+ never gives a Python class a negative offset (int and
 * tuple subclasses use managed dicts), so ob_size is a real count here. */
static bool dict_pointer(const struct gs_py_refs_ctx *rc, int64_t dictoffset, uint64_t *where)
{
    if (dictoffset > 0) {
        *where = rc->obj + (uint64_t)dictoffset;
        return true;
    }
    int64_t n;
    if (!gs_py_field_ssize(rc->c, rc->obj, rc->c->L->varobject_ob_size, &n))
        return false;
    if (n < 0)
        n = -n;
    if (n > ((int64_t)1 << 40))
        return false;
    int64_t size = (rc->t->basicsize + n * rc->t->itemsize + 7) & ~(int64_t)7;
    if (size + dictoffset < rc->c->L->object_size)
        return false;
    *where = rc->obj + (uint64_t)(size + dictoffset);
    return true;
}

/* The first type in the tp_base chain that is not a Python class: the C
 * type (static, or a PyType_FromSpec heap type) whose struct the instance
 * starts with. */
static bool solid_base(const struct gs_py_ctx *c, uint64_t type, uint64_t *base)
{
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags;
        if (!gs_py_type_flags(c, type, &flags))
            return false;
        if (!gs_py_is_python_class(c, type, flags)) {
            *base = type;
            return true;
        }
        if (!gs_py_field_ptr(c, type, c->L->type_base, &type))
            return false;
    }
    return false;
}

/* The dict at tp_dictoffset, unless a C base that has a decoder of its own
 * put it there (OrderedDict's od_inst_dict, a function's func_dict, an
 * exception's dict...): subtype_traverse visits it only when the class
 * moved tp_dictoffset away from its base's. Bases gcscope does not decode
 * (GS_PYK_OBJECT) have no decoder to report it, so it is reported here. */
static enum gs_py_decode offset_dict(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_ctx *c = rc->c;
    int64_t dictoffset = rc->t->dictoffset, base_offset;
    uint64_t base, where, dict;
    if (dictoffset == 0)
        return GS_PY_DECODE_OK;
    if (!solid_base(c, rc->t->addr, &base) || !gs_py_field_ssize(c, base, c->L->type_dictoffset, &base_offset))
        return GS_PY_DECODE_BAD;
    if (base_offset == dictoffset && rc->t->kind != GS_PYK_OBJECT)
        return GS_PY_DECODE_OK;
    if (!dict_pointer(rc, dictoffset, &where) || !gs_py_read_ptr(c, where, &dict))
        return GS_PY_DECODE_BAD;
    gs_py_refs_emit(rc, dict, GS_LABEL_FIELD, 0, "__dict__");
    return GS_PY_DECODE_OK;
}

/* --- slots and C heap types' members -------------------------------------- */

/* tp_members of each heap type from the instance's type down the tp_base
 * chain: a Python class's __slots__ (subtype_traverse's traverse_slots), and
 * the members of PyType_FromSpec types (defaultdict.default_factory on
 * 3.12+), which the dispatcher's walk over static types does not reach. The
 * walk stops at the first static type, and at the kind's own type, whose
 * decoder knows its fields. A GC-tracked C heap type that gcscope has no
 * decoder for, whose members list no object and that has no instance
 * dict makes the instance opaque, as the dispatcher does for such static
 * types. */
static enum gs_py_decode heap_members_walk(const struct gs_py_refs_ctx *rc, bool *found)
{
    const struct gs_py_ctx *c = rc->c;
    const char *kind_name = gs_py_kind_name(rc->t->kind);
    enum gs_py_decode res = GS_PY_DECODE_OK;
    uint64_t type = rc->t->addr;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags, tp_name;
        char name[128];
        if (!gs_py_type_flags(c, type, &flags))
            return GS_PY_DECODE_BAD;
        if (!(flags & (uint64_t)c->L->flag_heaptype))
            return res;
        if (!gs_py_is_python_class(c, type, flags) && rc->t->kind != GS_PYK_OBJECT &&
            gs_py_field_ptr(c, type, c->L->type_name, &tp_name) && gs_read_cstring(c->r, tp_name, name, sizeof name) &&
            strcmp(name, kind_name) == 0)
            return res;
        int count = 0;
        enum gs_py_decode r = emit_members(rc, type, &count);
        if (count)
            *found = true;
        int64_t dictoffset;
        if (r == GS_PY_DECODE_OK && count == 0 && rc->t->kind == GS_PYK_OBJECT && rc->t->is_gc &&
            !gs_py_is_python_class(c, type, flags) && gs_py_field_ssize(c, type, c->L->type_dictoffset, &dictoffset) &&
            dictoffset == 0)
            r = GS_PY_DECODE_OPAQUE;
        if (r > res)
            res = r;
        if (!gs_py_field_ptr(c, type, c->L->type_base, &type))
            return GS_PY_DECODE_BAD;
    }
    return res;
}

static enum gs_py_decode heap_members(const struct gs_py_refs_ctx *rc)
{
    if (rc->t->no_heap_members)
        return GS_PY_DECODE_OK;
    bool found = false;
    enum gs_py_decode res = heap_members_walk(rc, &found);
    /* The walk reads the type's chain alone unless a member lists an
     * object: remember that it finds nothing (a class without __slots__:
     * most instances), as the dispatcher does for static members. */
    if (!found && res == GS_PY_DECODE_OK) {
        uint32_t id = gs_py_types_get(rc->types, rc->c, rc->t->addr);
        if (id != GS_PY_TYPE_BAD)
            rc->types->v[id].no_heap_members = true;
    }
    return res;
}

/* --- the whole instance ------------------------------------------------------ */

enum gs_py_decode gs_py_refs_instance(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    enum gs_py_decode res = GS_PY_DECODE_OK, r;
    /* Every instance of a heap type holds its type (PyType_GenericAlloc
     * increfs it; subtype_dealloc decrefs it). */
    gs_py_refs_emit(rc, rc->t->addr, GS_LABEL_FIELD, 0, "__class__");
    if (gs_py_layout_has(L->flag_managed_dict) && (rc->t->flags & (uint64_t)L->flag_managed_dict))
        r = managed_dict(rc);
    else
        r = offset_dict(rc);
    if (r > res)
        res = r;
    r = heap_members(rc);
    return r > res ? r : res;
}
