/* sizeof.c: sys.getsizeof() computed from memory.
 *
 * sys.getsizeof(o) is o.__sizeof__() plus what the object carries before
 * its start (the GC header, and on 3.11+ the managed dict/weakref
 * pointers). Each kind below repeats its type's __sizeof__ for every
 * supported version; a subclass inherits it (Python-level __sizeof__
 * overrides are not seen). One function per kind; the layout fields carry
 * what differs between versions.
 */
#include "config.h"

#include "py/ndarray.h"
#include "py/sizeof.h"

/* wchar_t is 4 bytes on Linux: the 3.8-3.11 wstr buffer holds UCS-4. */
#define WCHAR_SIZE 4

static bool object_heaptype(const struct gs_py_ctx *c, uint64_t obj)
{
    uint64_t flags;
    return gs_py_type_flags(c, obj, &flags) && (flags & (uint64_t)c->L->flag_heaptype);
}

/* _PyType_PreHeaderSize (3.11+): the GC header of GC types, and two words
 * for Py_TPFLAGS_MANAGED_DICT (3.11) or MANAGED_DICT | MANAGED_WEAKREF
 * (3.12+, Py_TPFLAGS_PREHEADER). Before 3.11 only the GC header. */
uint64_t gs_py_preheader_size(const struct gs_py_layout *L, const struct gs_py_type_info *type)
{
    /* No GC head in a free-threaded build (gc_head_size GS_PY_ABSENT). */
    uint64_t size = type->is_gc && gs_py_layout_has(L->gc_head_size) ? (uint64_t)L->gc_head_size : 0;
    uint64_t managed = 0;
    if (gs_py_layout_has(L->flag_managed_dict))
        managed |= (uint64_t)L->flag_managed_dict;
    if (gs_py_layout_has(L->flag_managed_weakref))
        managed |= (uint64_t)L->flag_managed_weakref;
    if (type->flags & managed)
        size += 2 * 8; /* the dict/values and weakref pointers before the GC header */
    return size;
}

/* What sys.getsizeof adds for this object. Type objects are the exception
 * to "by type": 3.8-3.10 add the GC header when _PyObject_IS_GC(o), and
 * type_is_gc says yes for heap types only; 3.13 adds nothing for static
 * types (sysmodule.c _PySys_GetSizeOf); 3.11 and 3.12 add the pre-header
 * of `type` to static types too (getsizeof_static_type_preheader). */
static uint64_t preheader_of(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t)
{
    if (t->kind == GS_PYK_TYPE && !t->heaptype && !object_heaptype(c, obj) && !c->L->getsizeof_static_type_preheader)
        return 0;
    return gs_py_preheader_size(c->L, t);
}

/* object.__sizeof__: tp_basicsize + ob_size * tp_itemsize (typeobject.c
 * object___sizeof___impl; ob_size is taken as is, never negative for the
 * types that reach it: tuple, bytes, ...). */
static bool object_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    *size = (uint64_t)t->basicsize;
    if (t->itemsize > 0) {
        int64_t n;
        if (!gs_py_field_ssize(c, obj, c->L->varobject_ob_size, &n))
            return false;
        if (n < 0)
            n = -n;
        *size += (uint64_t)n * (uint64_t)t->itemsize;
    }
    return true;
}

/* numpy's array_sizeof (methods.c): tp_basicsize, the dimensions and
 * strides (two npy_intp per axis) and, when the array owns its data,
 * arr.nbytes (py/ndarray.c says how it is read). */
static bool ndarray_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    struct gs_py_ndarray a;
    if (!gs_py_ndarray_read(c, obj, &a))
        return object_sizeof(c, obj, t, size);
    *size = (uint64_t)t->basicsize + (uint64_t)a.nd * 16 + a.nbytes;
    return true;
}

/* --- scalars ------------------------------------------------------------------ */

/* int.__sizeof__ (longobject.c): offsetof(PyLongObject, ob_digit) plus the
 * digits: |ob_size| of them up to 3.11, lv_tag >> _PyLong_NON_SIZE_BITS from
 * 3.12; at least long_sizeof_min_digits (1 from 3.11: zero keeps a digit).
 * bool is an int. */
static bool int_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    int64_t ndigits;
    bool negative;
    if (!gs_py_int_digits_typed(c, obj, t->flags, &ndigits, &negative))
        return false;
    if (ndigits < L->long_sizeof_min_digits)
        ndigits = L->long_sizeof_min_digits;
    if (ndigits > ((int64_t)1 << 40))
        return false;
    *size = (uint64_t)L->long_digit + (uint64_t)ndigits * (uint64_t)L->long_digit_size;
    return true;
}

/* The parts of a str that unicode_sizeof adds up. */
struct str_parts {
    int64_t length;
    unsigned kind;
    bool compact, ascii, ready;
    uint64_t data;
};

static bool str_parts(const struct gs_py_ctx *c, uint64_t obj, struct str_parts *p)
{
    const struct gs_py_layout *L = c->L;
    uint32_t state;
    if (!gs_py_field_ssize(c, obj, L->unicode_length, &p->length) || p->length < 0 ||
        !gs_read_u32(c->r, obj + (uint64_t)L->unicode_state, &state))
        return false;
    p->kind = (state >> L->unicode_state_kind_shift) & (unsigned)L->unicode_state_kind_mask;
    p->compact = (state >> L->unicode_state_compact_shift) & 1;
    p->ascii = (state >> L->unicode_state_ascii_shift) & 1;
    /* 3.12+ strings are always ready (no such bit). */
    p->ready = !gs_py_layout_has(L->unicode_state_ready_shift) || ((state >> L->unicode_state_ready_shift) & 1);
    if (p->compact)
        p->data = obj + (uint64_t)(p->ascii ? L->unicode_ascii_size : L->unicode_compact_size);
    else if (!gs_py_field_ptr(c, obj, L->unicode_data, &p->data))
        return false;
    return true;
}

/* 3.8-3.11 _PyUnicode_HAS_WSTR_MEMORY: a wstr buffer that is not the
 * canonical data (or the str is not ready), wstr_length + 1 wchar_t. */
static bool str_wstr_extra(const struct gs_py_ctx *c, uint64_t obj, const struct str_parts *p, uint64_t *extra)
{
    const struct gs_py_layout *L = c->L;
    uint64_t wstr;
    int64_t wlen = p->length;
    *extra = 0;
    if (!gs_py_layout_has(L->unicode_wstr))
        return true;
    if (!gs_py_field_ptr(c, obj, L->unicode_wstr, &wstr))
        return false;
    if (!wstr || (p->ready && wstr == p->data))
        return true;
    if (!(p->compact && p->ascii) && !gs_py_field_ssize(c, obj, L->unicode_wstr_length, &wlen))
        return false;
    if (wlen < 0)
        return false;
    *extra = (uint64_t)(wlen + 1) * WCHAR_SIZE;
    return true;
}

/* _PyUnicode_HAS_UTF8_MEMORY: not compact ASCII, and a utf8 buffer that is
 * not the data itself: utf8_length + 1 bytes. */
static bool str_utf8_extra(const struct gs_py_ctx *c, uint64_t obj, const struct str_parts *p, uint64_t *extra)
{
    const struct gs_py_layout *L = c->L;
    uint64_t utf8;
    int64_t utf8_length;
    *extra = 0;
    if (p->compact && p->ascii)
        return true;
    if (!gs_py_field_ptr(c, obj, L->unicode_utf8, &utf8))
        return false;
    if (!utf8 || utf8 == p->data)
        return true;
    if (!gs_py_field_ssize(c, obj, L->unicode_utf8_length, &utf8_length) || utf8_length < 0)
        return false;
    *extra = (uint64_t)utf8_length + 1;
    return true;
}

/* str.__sizeof__ (unicodeobject.c unicode_sizeof, 3.8-3.13): the struct of
 * the str's form (compact ASCII, compact, or legacy with a separate data
 * block, e.g. str subclasses) with its characters and a terminator, then
 * the separately allocated utf8 and (<= 3.11) wstr buffers. */
static bool str_sizeof(const struct gs_py_ctx *c, uint64_t obj, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    struct str_parts p;
    uint64_t wstr_extra, utf8_extra;
    if (!str_parts(c, obj, &p) || p.length > ((int64_t)1 << 40))
        return false;
    uint64_t chars = (uint64_t)(p.length + 1) * p.kind;
    if (p.compact && p.ascii)
        *size = (uint64_t)L->unicode_ascii_size + (uint64_t)p.length + 1;
    else if (p.compact)
        *size = (uint64_t)L->unicode_compact_size + chars;
    else
        *size = (uint64_t)L->unicode_size + (p.data ? chars : 0);
    if (!str_wstr_extra(c, obj, &p, &wstr_extra) || !str_utf8_extra(c, obj, &p, &utf8_extra))
        return false;
    *size += wstr_extra + utf8_extra;
    return true;
}

/* bytearray.__sizeof__ (bytearrayobject.c): tp_basicsize + ob_alloc. */
static bool bytearray_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    int64_t alloc;
    if (!gs_py_field_ssize(c, obj, c->L->bytearray_alloc, &alloc) || alloc < 0)
        return false;
    *size = (uint64_t)t->basicsize + (uint64_t)alloc;
    return true;
}

/* --- code objects ---------------------------------------------------------------- */

/* co_extra (_PyCodeObjectExtra, codeobject.c): its size plus ce_size - 1
 * more pointers. */
static bool code_extra_size(const struct gs_py_ctx *c, uint64_t obj, uint64_t *extra)
{
    const struct gs_py_layout *L = c->L;
    uint64_t co_extra;
    int64_t ce_size;
    *extra = 0;
    if (!gs_py_field_ptr(c, obj, L->code_extra, &co_extra))
        return false;
    if (!co_extra)
        return true;
    if (!gs_py_read_ssize(c, co_extra, &ce_size) || ce_size < 0 || ce_size > (1 << 16))
        return false;
    *extra = (uint64_t)L->codeextra_size + (uint64_t)(ce_size - 1) * 8;
    return true;
}

/* 3.8-3.10 code.__sizeof__ also counts co_cell2arg (a Py_ssize_t per cell
 * variable) and, once the opcache exists, its map (a byte per code unit,
 * len(co_code) / 2) and co_opcache_size _PyOpcache entries. */
static bool code_old_extras(const struct gs_py_ctx *c, uint64_t obj, uint64_t *extra)
{
    const struct gs_py_layout *L = c->L;
    uint64_t cell2arg, cellvars, opcache, co_code;
    int64_t ncells, ncode;
    uint8_t nopcache;
    *extra = 0;
    if (!gs_py_field_ptr(c, obj, L->code_cell2arg, &cell2arg) || !gs_py_field_ptr(c, obj, L->code_cellvars, &cellvars) ||
        !gs_py_field_ptr(c, obj, L->code_opcache, &opcache))
        return false;
    if (cell2arg && cellvars) {
        if (!gs_py_field_ssize(c, cellvars, L->varobject_ob_size, &ncells) || ncells < 0 || ncells > (1 << 20))
            return false;
        *extra += (uint64_t)ncells * 8;
    }
    if (opcache) {
        if (!gs_py_field_ptr(c, obj, L->code_code, &co_code) ||
            !gs_py_field_ssize(c, co_code, L->varobject_ob_size, &ncode) || ncode < 0 ||
            !gs_read_u8(c->r, obj + (uint64_t)L->code_opcache_size, &nopcache))
            return false;
        *extra += (uint64_t)ncode / 2 + (uint64_t)nopcache * (uint64_t)L->opcache_size;
    }
    return true;
}

/* code.__sizeof__ (codeobject.c): tp_basicsize (<= 3.10) or, 3.11+, where
 * the bytecode is inline, _PyObject_VAR_SIZE(type, ob_size): basicsize +
 * ob_size code units, rounded up to a pointer; then co_extra. */
static bool code_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    uint64_t extra, old;
    if (!object_sizeof(c, obj, t, size))
        return false;
    if (t->itemsize > 0)
        *size = (*size + 7) & ~(uint64_t)7;
    if (!code_extra_size(c, obj, &extra))
        return false;
    *size += extra;
    if (gs_py_layout_has(c->L->code_cell2arg)) {
        if (!code_old_extras(c, obj, &old))
            return false;
        *size += old;
    }
    return true;
}

/* --- containers ----------------------------------------------------------------- */

/* list.__sizeof__: tp_basicsize + allocated slots. */
static bool list_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    int64_t allocated;
    *size = (uint64_t)t->basicsize;
    if (!gs_py_field_ssize(c, obj, c->L->list_allocated, &allocated) || allocated < 0)
        return false;
    *size += (uint64_t)allocated * 8;
    return true;
}

/* dict.__sizeof__ (_PyDict_SizeOf): tp_basicsize, the values array of a
 * split table, and the keys object when this dict alone holds it. */
static bool dict_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    uint64_t keys, values, keys_size;
    int64_t refcnt;
    *size = (uint64_t)t->basicsize;
    if (!gs_py_field_ptr(c, obj, L->dict_ma_keys, &keys) || !keys || !gs_py_field_ptr(c, obj, L->dict_ma_values, &values) ||
        !gs_py_dictkeys_size(c, keys, &keys_size, &refcnt))
        return false;
    if (values) {
        /* Split table: the values array. <= 3.10 USABLE_FRACTION(dk_size);
         * 3.11+ shared_keys_usable_size() = dk_nentries + dk_usable. */
        if (gs_py_layout_has(L->dictkeys_size_field)) {
            int64_t dk_size;
            if (!gs_py_field_ssize(c, keys, L->dictkeys_size_field, &dk_size))
                return false;
            *size += (uint64_t)((dk_size * 2) / 3) * 8;
        } else {
            int64_t nentries, usable;
            if (!gs_py_field_ssize(c, keys, L->dictkeys_nentries, &nentries) ||
                !gs_py_field_ssize(c, keys, L->dictkeys_usable, &usable))
                return false;
            *size += (uint64_t)(nentries + usable) * 8;
        }
    }
    /* Shared keys are accounted for in the type object. */
    if (refcnt == 1)
        *size += keys_size;
    return true;
}

/* OrderedDict.__sizeof__ (odictobject.c): the dict, od_fast_nodes (a
 * pointer per slot) and, when not empty, a node per item. */
static bool odict_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    int64_t fast_size, used;
    if (!dict_sizeof(c, obj, t, size))
        return false;
    if (!gs_py_field_ssize(c, obj, L->odict_fast_nodes_size, &fast_size) ||
        !gs_py_field_ssize(c, obj, L->dict_ma_used, &used) || fast_size < 0 || used < 0)
        return false;
    *size += (uint64_t)fast_size * 8 + (uint64_t)used * (uint64_t)L->odictnode_size;
    return true;
}

/* set.__sizeof__: tp_basicsize, plus the table when it is not smalltable. */
static bool set_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    uint64_t table;
    int64_t mask;
    *size = (uint64_t)t->basicsize;
    if (!gs_py_field_ptr(c, obj, L->set_table, &table) || !gs_py_field_ssize(c, obj, L->set_mask, &mask) || mask < 0)
        return false;
    if (table != obj + (uint64_t)L->set_smalltable)
        *size += (uint64_t)(mask + 1) * (uint64_t)L->setentry_size;
    return true;
}

/* deque.__sizeof__ (_collectionsmodule.c): tp_basicsize and the blocks
 * that leftindex + ob_size items span. */
static bool deque_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    int64_t n, leftindex, blocklen = L->deque_blocklen;
    *size = (uint64_t)t->basicsize;
    if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || !gs_py_field_ssize(c, obj, L->deque_leftindex, &leftindex) ||
        n < 0 || leftindex < 0 || leftindex >= blocklen)
        return false;
    *size += (uint64_t)((leftindex + n + blocklen - 1) / blocklen) * (uint64_t)L->dequeblock_size;
    return true;
}

/* type.__sizeof__ (typeobject.c): sizeof(PyTypeObject) for static types;
 * sizeof(PyHeapTypeObject) plus the shared keys for heap types. */
static bool type_sizeof(const struct gs_py_ctx *c, uint64_t obj, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    uint64_t flags;
    if (!gs_py_type_flags(c, obj, &flags))
        return false;
    if (!(flags & (uint64_t)L->flag_heaptype)) {
        *size = (uint64_t)L->type_size;
        return true;
    }
    *size = (uint64_t)L->heaptype_size;
    uint64_t keys, keys_size;
    int64_t refcnt;
    if (gs_py_field_ptr(c, obj, L->heaptype_cached_keys, &keys) && keys) {
        if (!gs_py_dictkeys_size(c, keys, &keys_size, &refcnt))
            return false;
        *size += keys_size;
    }
    return true;
}

/* _io.Buffered*.__sizeof__ (Modules/_io/bufferedio.c, 3.8-3.13):
 * tp_basicsize plus the read/write buffer while it is allocated. */
static bool buffered_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, uint64_t *size)
{
    uint64_t buffer;
    int64_t buffer_size;
    *size = (uint64_t)t->basicsize;
    if (!gs_py_field_ptr(c, obj, c->L->buffered_buffer, &buffer))
        return false;
    if (!buffer)
        return true;
    if (!gs_py_field_ssize(c, obj, c->L->buffered_buffer_size, &buffer_size) || buffer_size < 0)
        return false;
    *size += (uint64_t)buffer_size;
    return true;
}

/* Modules have no __sizeof__ of their own (object.__sizeof__: the module
 * state of extension modules is not counted; checked on 3.8 and 3.12). */

/* frame.__sizeof__ up to 3.10 (frameobject.c frame_sizeof):
 * sizeof(PyFrameObject) + (extras - 1) pointers, extras = co_stacksize +
 * co_nlocals + len(co_cellvars) + len(co_freevars) of its code. Not
 * ob_size: a frame reused from the free list may be larger. */
static bool old_frame_sizeof(const struct gs_py_ctx *c, uint64_t obj, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    uint64_t code, cellvars, freevars;
    int32_t stacksize, nlocals;
    int64_t ncells = 0, nfrees = 0;
    if (!gs_py_field_ptr(c, obj, L->frame_code, &code) || !code ||
        !gs_read_i32(c->r, code + (uint64_t)L->code_stacksize, &stacksize) ||
        !gs_read_i32(c->r, code + (uint64_t)L->code_nlocals, &nlocals) ||
        !gs_py_field_ptr(c, code, L->code_cellvars, &cellvars) || !gs_py_field_ptr(c, code, L->code_freevars, &freevars))
        return false;
    if ((cellvars && !gs_py_field_ssize(c, cellvars, L->varobject_ob_size, &ncells)) ||
        (freevars && !gs_py_field_ssize(c, freevars, L->varobject_ob_size, &nfrees)))
        return false;
    int64_t extras = (int64_t)stacksize + nlocals + ncells + nfrees;
    if (extras < 0 || extras > (1 << 24))
        return false;
    *size = (uint64_t)L->frame_size + (uint64_t)(extras - 1) * 8;
    return true;
}

/* 3.11+ generators, coroutines and frame objects embed an interpreter frame
 * whose size comes from the code object: __sizeof__ is the offset of the
 * embedded frame, the frame's fixed part up to localsplus, and one slot per
 * local and stack entry: co_nlocalsplus + co_stacksize in 3.11, and
 * co_framesize - FRAME_SPECIALS_SIZE (the fixed part in words, rounded
 * down) from 3.12. <= 3.10 generators are ordinary var-sized objects and
 * frames are old_frame_sizeof. */
static bool embedded_frame_sizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                                  int64_t frame_offset, bool via_pointer, uint64_t *size)
{
    const struct gs_py_layout *L = c->L;
    if (!gs_py_layout_has(frame_offset) || !gs_py_layout_has(L->iframe_code))
        return via_pointer ? old_frame_sizeof(c, obj, size) : object_sizeof(c, obj, t, size);
    uint64_t iframe = obj + (uint64_t)frame_offset, code;
    if (via_pointer && !gs_py_read_ptr(c, obj + (uint64_t)L->frame_frame, &iframe))
        return false;
    if (!gs_py_field_stackref(c, iframe, L->iframe_code, &code) || !code)
        return false;
    int64_t slots;
    if (gs_py_layout_has(L->code_framesize)) {
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

bool gs_py_getsizeof(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *type, uint64_t *size)
{
    bool ok;
    switch (type->kind) {
    case GS_PYK_STR: ok = str_sizeof(c, obj, size); break;
    case GS_PYK_INT:
    case GS_PYK_BOOL: ok = int_sizeof(c, obj, type, size); break;
    case GS_PYK_BYTEARRAY: ok = bytearray_sizeof(c, obj, type, size); break;
    case GS_PYK_CODE: ok = code_sizeof(c, obj, type, size); break;
    case GS_PYK_LIST: ok = list_sizeof(c, obj, type, size); break;
    case GS_PYK_DICT: ok = dict_sizeof(c, obj, type, size); break;
    case GS_PYK_ODICT: ok = odict_sizeof(c, obj, type, size); break;
    case GS_PYK_SET:
    case GS_PYK_FROZENSET: ok = set_sizeof(c, obj, type, size); break;
    case GS_PYK_TYPE: ok = type_sizeof(c, obj, size); break;
    case GS_PYK_DEQUE: ok = deque_sizeof(c, obj, type, size); break;
    case GS_PYK_IO_BUFFERED_READER:
    case GS_PYK_IO_BUFFERED_WRITER:
    case GS_PYK_IO_BUFFERED_RANDOM: ok = buffered_sizeof(c, obj, type, size); break;
    case GS_PYK_GENERATOR:
    case GS_PYK_COROUTINE:
    case GS_PYK_ASYNC_GENERATOR: ok = embedded_frame_sizeof(c, obj, type, c->L->gen_iframe, false, size); break;
    case GS_PYK_FRAME: ok = embedded_frame_sizeof(c, obj, type, c->L->frame_data, true, size); break;
    default:
        ok = gs_py_is_ndarray(type) ? ndarray_sizeof(c, obj, type, size) : object_sizeof(c, obj, type, size);
        break;
    }
    if (!ok)
        *size = (uint64_t)type->basicsize;
    *size += preheader_of(c, obj, type);
    return ok;
}
