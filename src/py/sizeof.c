#include "config.h"

#include "py/sizeof.h"

/* collections.deque is private to Modules/_collectionsmodule.c. In every
 * version 3.8-3.13 its struct starts PyObject_VAR_HEAD, leftblock,
 * rightblock, leftindex, so leftindex is at 40, and a block is 64 slots plus
 * two links (BLOCKLEN 64: 528 bytes). Checked against sys.getsizeof by
 * tests/integration/dump_types.py on every version. */
#define DEQUE_LEFTINDEX_OFFSET 40
#define DEQUE_BLOCKLEN 64
#define DEQUE_BLOCK_SIZE (DEQUE_BLOCKLEN * 8 + 16)

/* collections.OrderedDict (Objects/odictobject.c, private): the dict, then
 * od_first, od_last, od_fast_nodes, od_fast_nodes_size; nodes are
 * {key, hash, next, prev}. Same in 3.8-3.13. */
#define ODICT_FAST_NODES_SIZE_AFTER_DICT 24
#define ODICT_NODE_SIZE 32

uint64_t py_preheader_size(const struct py_layout *L, const struct py_type_info *type)
{
    uint64_t size = type->is_gc ? (uint64_t)L->gc_head_size : 0;
    uint64_t managed = 0;
    if (py_layout_has(L->flag_managed_dict))
        managed |= (uint64_t)L->flag_managed_dict;
    if (py_layout_has(L->flag_managed_weakref))
        managed |= (uint64_t)L->flag_managed_weakref;
    if (type->flags & managed)
        size += 2 * 8; /* the dict/values and weakref pointers before the GC header */
    return size;
}

static bool object_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    *size = (uint64_t)t->basicsize;
    if (t->itemsize > 0) {
        int64_t n;
        if (!py_field_ssize(c, obj, c->L->varobject_ob_size, &n))
            return false;
        if (n < 0)
            n = -n;
        *size += (uint64_t)n * (uint64_t)t->itemsize;
    }
    return true;
}

static bool list_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    int64_t allocated;
    *size = (uint64_t)t->basicsize;
    if (!py_field_ssize(c, obj, c->L->list_allocated, &allocated) || allocated < 0)
        return false;
    *size += (uint64_t)allocated * 8;
    return true;
}

static bool dict_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    const struct py_layout *L = c->L;
    uint64_t keys, values, keys_size;
    int64_t refcnt;
    *size = (uint64_t)t->basicsize;
    if (!py_field_ptr(c, obj, L->dict_ma_keys, &keys) || !keys || !py_field_ptr(c, obj, L->dict_ma_values, &values) ||
        !py_dictkeys_size(c, keys, &keys_size, &refcnt))
        return false;
    if (values) {
        /* Split table: the values array. <= 3.10 USABLE_FRACTION(dk_size);
         * 3.11+ shared_keys_usable_size() = dk_nentries + dk_usable. */
        if (py_layout_has(L->dictkeys_size_field)) {
            int64_t dk_size;
            if (!py_field_ssize(c, keys, L->dictkeys_size_field, &dk_size))
                return false;
            *size += (uint64_t)((dk_size * 2) / 3) * 8;
        } else {
            int64_t nentries, usable;
            if (!py_field_ssize(c, keys, L->dictkeys_nentries, &nentries) ||
                !py_field_ssize(c, keys, L->dictkeys_usable, &usable))
                return false;
            *size += (uint64_t)(nentries + usable) * 8;
        }
    }
    /* Shared keys are accounted for in the type object. */
    if (refcnt == 1)
        *size += keys_size;
    return true;
}

static bool odict_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    const struct py_layout *L = c->L;
    int64_t fast_size, used;
    if (!dict_sizeof(c, obj, t, size))
        return false;
    if (!py_read_ssize(c, obj + (uint64_t)L->dict_size + ODICT_FAST_NODES_SIZE_AFTER_DICT, &fast_size) ||
        !py_field_ssize(c, obj, L->dict_ma_used, &used) || fast_size < 0 || used < 0)
        return false;
    *size += (uint64_t)fast_size * 8 + (uint64_t)used * ODICT_NODE_SIZE;
    return true;
}

static bool set_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    const struct py_layout *L = c->L;
    uint64_t table;
    int64_t mask;
    *size = (uint64_t)t->basicsize;
    if (!py_field_ptr(c, obj, L->set_table, &table) || !py_field_ssize(c, obj, L->set_mask, &mask) || mask < 0)
        return false;
    if (table != obj + (uint64_t)L->set_smalltable)
        *size += (uint64_t)(mask + 1) * (uint64_t)L->setentry_size;
    return true;
}

static bool type_sizeof(const struct py_ctx *c, uint64_t obj, uint64_t *size)
{
    const struct py_layout *L = c->L;
    uint64_t flags;
    if (!py_type_flags(c, obj, &flags))
        return false;
    if (!(flags & (uint64_t)L->flag_heaptype)) {
        *size = (uint64_t)L->type_size;
        return true;
    }
    *size = (uint64_t)L->heaptype_size;
    uint64_t keys, keys_size;
    int64_t refcnt;
    if (py_field_ptr(c, obj, L->heaptype_cached_keys, &keys) && keys) {
        if (!py_dictkeys_size(c, keys, &keys_size, &refcnt))
            return false;
        *size += keys_size;
    }
    return true;
}

static bool deque_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    int64_t n, leftindex;
    *size = (uint64_t)t->basicsize;
    if (!py_field_ssize(c, obj, c->L->varobject_ob_size, &n) ||
        !py_read_ssize(c, obj + DEQUE_LEFTINDEX_OFFSET, &leftindex) || n < 0 || leftindex < 0 ||
        leftindex >= DEQUE_BLOCKLEN)
        return false;
    *size += (uint64_t)((leftindex + n + DEQUE_BLOCKLEN - 1) / DEQUE_BLOCKLEN) * DEQUE_BLOCK_SIZE;
    return true;
}

static bool module_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t, uint64_t *size)
{
    const struct py_layout *L = c->L;
    *size = (uint64_t)t->basicsize;
    uint64_t def;
    int64_t m_size;
    if (py_field_ptr(c, obj, L->module_def, &def) && def &&
        py_field_ssize(c, def, L->moduledef_size_field, &m_size) && m_size > 0)
        *size += (uint64_t)m_size;
    return true;
}

/* 3.11+ generators, coroutines and frame objects embed an interpreter frame
 * whose size comes from the code object: __sizeof__ is the offset of the
 * embedded frame, the frame's fixed part up to localsplus, and one slot per
 * local and stack entry: co_nlocalsplus + co_stacksize in 3.11, and
 * co_framesize - FRAME_SPECIALS_SIZE (the fixed part in words, rounded
 * down) from 3.12. <= 3.10 they are ordinary var-sized objects. */
static bool embedded_frame_sizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *t,
                                  int64_t frame_offset, bool via_pointer, uint64_t *size)
{
    const struct py_layout *L = c->L;
    if (!py_layout_has(frame_offset) || !py_layout_has(L->iframe_code))
        return object_sizeof(c, obj, t, size);
    uint64_t iframe = obj + (uint64_t)frame_offset, code;
    if (via_pointer && !py_read_ptr(c, obj + (uint64_t)L->frame_frame, &iframe))
        return false;
    if (!py_field_ptr(c, iframe, L->iframe_code, &code) || !code)
        return false;
    int64_t slots;
    if (py_layout_has(L->code_framesize)) {
        int32_t framesize;
        if (!gs_read_i32(c->r, code + (uint64_t)L->code_framesize, &framesize))
            return false;
        slots = (int64_t)framesize - (L->iframe_size - 1) / 8;
    } else {
        int32_t nlocalsplus, stacksize;
        if (!gs_read_i32(c->r, code + (uint64_t)L->code_nlocalsplus, &nlocalsplus) ||
            !gs_read_i32(c->r, code + (uint64_t)L->code_stacksize, &stacksize))
            return false;
        slots = (int64_t)nlocalsplus + stacksize;
    }
    if (slots < 0 || slots > (1 << 24))
        return false;
    *size = (uint64_t)frame_offset + (uint64_t)L->iframe_localsplus + (uint64_t)slots * 8;
    return true;
}

bool py_getsizeof(const struct py_ctx *c, uint64_t obj, const struct py_type_info *type, uint64_t *size)
{
    bool ok;
    switch (type->kind) {
    case PYK_LIST: ok = list_sizeof(c, obj, type, size); break;
    case PYK_DICT: ok = dict_sizeof(c, obj, type, size); break;
    case PYK_ODICT: ok = odict_sizeof(c, obj, type, size); break;
    case PYK_SET:
    case PYK_FROZENSET: ok = set_sizeof(c, obj, type, size); break;
    case PYK_TYPE: ok = type_sizeof(c, obj, size); break;
    case PYK_DEQUE: ok = deque_sizeof(c, obj, type, size); break;
    case PYK_MODULE: ok = module_sizeof(c, obj, type, size); break;
    case PYK_GENERATOR:
    case PYK_COROUTINE:
    case PYK_ASYNC_GENERATOR: ok = embedded_frame_sizeof(c, obj, type, c->L->gen_iframe, false, size); break;
    case PYK_FRAME: ok = embedded_frame_sizeof(c, obj, type, c->L->frame_data, true, size); break;
    default: ok = object_sizeof(c, obj, type, size); break;
    }
    if (!ok)
        *size = (uint64_t)type->basicsize;
    *size += py_preheader_size(c->L, type);
    return ok;
}
