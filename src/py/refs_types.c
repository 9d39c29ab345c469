/* refs_types.c: the references of type objects (classes, static C types,
 * and instances of metaclasses).
 *
 * Objects/typeobject.c type_traverse (3.8-3.13) visits tp_dict, tp_cache,
 * tp_mro, tp_bases, tp_base and, from 3.9, ht_module. A type holds more
 * strong references than that: heap types own ht_name, ht_qualname,
 * ht_slots and the key strs of their shared-keys object ht_cached_keys;
 * tp_subclasses is a dict of weak references keyed by id. All are reported.
 * A heap metatype (the type's own type) is reported by the dispatcher
 * through gs_py_refs_instance.
 */
#include "config.h"

#include "py/refs_internal.h"

#define MAX_CACHED_KEYS 4096 /* shared keys stop sharing long before this */

/* The fields every type has. 3.12+ static builtin types
 * (_Py_TPFLAGS_STATIC_BUILTIN) keep their dict and subclasses in the
 * interpreter: tp_dict is NULL and tp_subclasses holds an index, not an
 * object (typeobject.c static_builtin_index_set), so it is not read. */
static bool type_fields(const struct gs_py_refs_ctx *rc, uint64_t flags)
{
    const struct gs_py_layout *L = rc->c->L;
    bool ok = gs_py_refs_field(rc, L->type_dict, "__dict__") && gs_py_refs_field(rc, L->type_mro, "__mro__") &&
              gs_py_refs_field(rc, L->type_bases, "__bases__") && gs_py_refs_field(rc, L->type_base, "__base__");
    if (!(gs_py_layout_has(L->flag_static_builtin) && (flags & (uint64_t)L->flag_static_builtin)))
        ok = ok && gs_py_refs_field(rc, L->type_subclasses, "__subclasses__");
    return ok;
}

/* PyHeapTypeObject (Include/cpython/object.h): the name and qualname strs,
 * the __slots__ tuple, the module of PyType_FromModuleAndSpec types (3.9+,
 * absent before). */
static bool heaptype_fields(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    bool ok = gs_py_refs_field(rc, L->heaptype_name, "__name__") && gs_py_refs_field(rc, L->heaptype_qualname, "__qualname__") &&
              gs_py_refs_field(rc, L->heaptype_slots, "__slots__");
    if (gs_py_layout_has(L->heaptype_module))
        ok = ok && gs_py_refs_field(rc, L->heaptype_module, "ht_module");
    return ok;
}

/* The key strs of ht_cached_keys, the keys object that the instances'
 * split dicts (3.8-3.10) or managed values (3.11+) share. The keys object
 * holds them; the instances' dicts do not report them (refs_containers.c).
 * Entries: after 1, 2, 4 or 8-byte indices (dk_size of them, <= 3.10;
 * 1 << dk_log2_index_bytes bytes, 3.11+), {hash, key, value} entries on
 * <= 3.10, {key, value} for unicode/split keys on 3.11+ (dk_kind != 0). */
static enum gs_py_decode cached_keys(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_ctx *c = rc->c;
    const struct gs_py_layout *L = c->L;
    uint64_t keys;
    int64_t nentries, index_bytes, entry_size, key_off;
    if (!gs_py_field_ptr(c, rc->obj, L->heaptype_cached_keys, &keys))
        return GS_PY_DECODE_BAD;
    if (!keys)
        return GS_PY_DECODE_OK;
    if (!gs_py_field_ssize(c, keys, L->dictkeys_nentries, &nentries) || nentries < 0 || nentries > MAX_CACHED_KEYS)
        return GS_PY_DECODE_BAD;
    if (gs_py_layout_has(L->dictkeys_size_field)) {
        int64_t size;
        if (!gs_py_field_ssize(c, keys, L->dictkeys_size_field, &size) || size <= 0 || size > (1 << 20) ||
            (size & (size - 1)))
            return GS_PY_DECODE_BAD;
        index_bytes = size * (size <= 0xff ? 1 : size <= 0xffff ? 2 : 4);
        entry_size = L->dictkeyentry_size;
        key_off = L->dictkeyentry_key;
    } else {
        uint8_t log2_index_bytes, kind;
        if (!gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_log2_index_bytes, &log2_index_bytes) ||
            !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_kind, &kind) || log2_index_bytes > 24 || kind > 2)
            return GS_PY_DECODE_BAD;
        index_bytes = (int64_t)1 << log2_index_bytes;
        entry_size = kind == 0 ? L->dictkeyentry_size : L->dictunicodeentry_size;
        key_off = kind == 0 ? L->dictkeyentry_key : 0;
    }
    uint64_t entries = keys + (uint64_t)L->dictkeys_indices + (uint64_t)index_bytes;
    for (int64_t i = 0; i < nentries; i++) {
        uint64_t key;
        if (!gs_py_read_ptr(c, entries + (uint64_t)(i * entry_size + key_off), &key))
            return GS_PY_DECODE_BAD;
        gs_py_refs_emit(rc, key, GS_LABEL_KEY, 0, NULL);
    }
    return GS_PY_DECODE_OK;
}

enum gs_py_decode gs_py_refs_type(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t flags;
    if (!gs_py_type_flags(rc->c, rc->obj, &flags) || !type_fields(rc, flags))
        return GS_PY_DECODE_BAD;
    if (!(flags & (uint64_t)L->flag_heaptype))
        return GS_PY_DECODE_OK;
    if (!heaptype_fields(rc))
        return GS_PY_DECODE_BAD;
    return cached_keys(rc);
}
