#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fakeheap.h"

#define TYPE_SUBCLASS_FALLBACK (1ULL << 31)

void fh_init(struct fakeheap *h, const struct gs_py_layout *L, size_t size)
{
    memset(h, 0, sizeof *h);
    h->L = L;
    h->size = size;
    h->mem = calloc(1, size);
    h->base = 0x7f0000000000ULL;
    h->r = gs_reader_buffer_new();
    gs_reader_buffer_add(h->r, h->base, h->mem, size, true);
    h->used = 64; /* address base+0 stays unused: never a valid pointer */

    /* _PyRuntime, and the main interpreter (embedded from 3.11 on). */
    h->runtime = fh_alloc(h, (size_t)L->runtime_size);
    if (gs_py_layout_has(L->runtime_main_interpreter))
        h->interp = h->runtime + (uint64_t)L->runtime_main_interpreter;
    else
        h->interp = fh_alloc(h, (size_t)L->interp_size);
    fh_w64(h, h->runtime + (uint64_t)L->runtime_interpreters_head, h->interp);
    fh_w64(h, h->interp + (uint64_t)L->interp_modules, fh_alloc(h, 64));
    fh_w64(h, h->interp + (uint64_t)L->interp_sysdict, fh_alloc(h, 64));
    fh_w64(h, h->interp + (uint64_t)L->interp_builtins, fh_alloc(h, 64));

    h->gc = gs_py_layout_has(L->interp_gc) ? h->interp + (uint64_t)L->interp_gc : h->runtime + (uint64_t)L->runtime_gc;
    fh_w32(h, h->gc + (uint64_t)L->gc_enabled, 1);
    for (int g = 0; g <= 3; g++) {
        uint64_t head = fh_gen_head(h, g);
        fh_w64(h, head + (uint64_t)L->gc_head_next, head);
        fh_w64(h, head + (uint64_t)L->gc_head_prev, head);
        if (g < 3)
            fh_w32(h, head + (uint64_t)L->gc_generation_threshold, g == 0 ? 700 : 10);
    }
    /* As _PyGC_InitState: generation0 points at the young list's head. */
    if (gs_py_layout_has(L->gc_generation0))
        fh_w64(h, h->gc + (uint64_t)L->gc_generation0, fh_gen_head(h, 0));

    h->tstate = fh_alloc(h, (size_t)L->tstate_size);
    fh_w64(h, h->interp + (uint64_t)L->interp_threads_head, h->tstate);
    fh_w64(h, h->tstate + (uint64_t)L->tstate_interp, h->interp);

    uint64_t ts = gs_py_layout_has(L->flag_type_subclass) ? (uint64_t)L->flag_type_subclass : TYPE_SUBCLASS_FALLBACK;
    h->type_type = fh_type(h, "type", ts | (uint64_t)L->flag_have_gc, L->heaptype_size, 40);
    h->object_type = fh_type(h, "object", 0, 16, 0);
}

void fh_free(struct fakeheap *h)
{
    gs_reader_free(h->r);
    free(h->mem);
}

uint64_t fh_alloc(struct fakeheap *h, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (h->used + size > h->size)
        abort(); /* the test asked for more than it planned */
    uint64_t a = h->base + h->used;
    h->used += size;
    return a;
}

static unsigned char *at(struct fakeheap *h, uint64_t addr, size_t n)
{
    if (addr < h->base || addr - h->base + n > h->size)
        abort();
    return h->mem + (addr - h->base);
}

void fh_w64(struct fakeheap *h, uint64_t addr, uint64_t v) { memcpy(at(h, addr, 8), &v, 8); }
void fh_w32(struct fakeheap *h, uint64_t addr, uint32_t v) { memcpy(at(h, addr, 4), &v, 4); }
void fh_w8(struct fakeheap *h, uint64_t addr, uint8_t v) { *at(h, addr, 1) = v; }

uint64_t fh_r64(struct fakeheap *h, uint64_t addr)
{
    uint64_t v;
    memcpy(&v, at(h, addr, 8), 8);
    return v;
}

uint64_t fh_cstring(struct fakeheap *h, const char *s)
{
    size_t n = strlen(s) + 1;
    uint64_t a = fh_alloc(h, n);
    memcpy(at(h, a, n), s, n);
    return a;
}

uint64_t fh_type(struct fakeheap *h, const char *tp_name, uint64_t flags, int64_t basicsize, int64_t itemsize)
{
    const struct gs_py_layout *L = h->L;
    uint64_t t = fh_alloc(h, (size_t)L->heaptype_size);
    fh_w64(h, t + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, t + (uint64_t)L->object_type, h->type_type ? h->type_type : t);
    fh_w64(h, t + (uint64_t)L->type_name, fh_cstring(h, tp_name));
    fh_w64(h, t + (uint64_t)L->type_basicsize, (uint64_t)basicsize);
    fh_w64(h, t + (uint64_t)L->type_itemsize, (uint64_t)itemsize);
    fh_w64(h, t + (uint64_t)L->type_flags, flags);
    return t;
}

uint64_t fh_str(struct fakeheap *h, const char *s)
{
    const struct gs_py_layout *L = h->L;
    /* made once per heap (a static cache keyed by the heap's address
     * would outlive a heap made again at the same address) */
    if (!h->str_type)
        h->str_type = fh_type(h, "str", (uint64_t)L->flag_unicode_subclass, L->unicode_ascii_size + 1, 1);
    uint64_t str_type = h->str_type;
    size_t n = strlen(s);
    uint64_t o = fh_alloc(h, (size_t)L->unicode_ascii_size + n + 1);
    fh_w64(h, o + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, o + (uint64_t)L->object_type, str_type);
    fh_w64(h, o + (uint64_t)L->unicode_length, n);
    uint32_t state = (1u << L->unicode_state_kind_shift) | (1u << L->unicode_state_compact_shift) |
                     (1u << L->unicode_state_ascii_shift);
    if (gs_py_layout_has(L->unicode_state_ready_shift))
        state |= 1u << L->unicode_state_ready_shift;
    fh_w32(h, o + (uint64_t)L->unicode_state, state);
    memcpy(at(h, o + (uint64_t)L->unicode_ascii_size, n + 1), s, n + 1);
    return o;
}

uint64_t fh_gen_head(struct fakeheap *h, int gen)
{
    const struct gs_py_layout *L = h->L;
    if (gen == 3)
        return h->gc + (uint64_t)L->gc_permanent_generation;
    return h->gc + (uint64_t)L->gc_generations + (uint64_t)(gen * L->gc_generation_size);
}

uint64_t fh_gc_object(struct fakeheap *h, int gen, uint64_t type, size_t size)
{
    const struct gs_py_layout *L = h->L;
    uint64_t hs = (uint64_t)L->gc_head_size;
    uint64_t g = fh_alloc(h, (size_t)hs + size);
    uint64_t head = fh_gen_head(h, gen);
    uint64_t last = fh_r64(h, head + (uint64_t)L->gc_head_prev);
    fh_w64(h, g + (uint64_t)L->gc_head_next, head);
    fh_w64(h, g + (uint64_t)L->gc_head_prev, last);
    fh_w64(h, last + (uint64_t)L->gc_head_next, g);
    fh_w64(h, head + (uint64_t)L->gc_head_prev, g);
    uint64_t o = g + hs;
    fh_w64(h, o + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, o + (uint64_t)L->object_type, type);
    return o;
}

/* --- containers ------------------------------------------------------------- */

uint64_t fh_builtin_type(struct fakeheap *h, const char *tp_name)
{
    const struct gs_py_layout *L = h->L;
    for (int i = 0; i < h->nbuiltin; i++)
        if (strcmp(h->builtin_names[i], tp_name) == 0)
            return h->builtin_types[i];
    uint64_t gc = (uint64_t)L->flag_have_gc, flags = gc;
    int64_t basicsize = 16, itemsize = 0;
    if (strcmp(tp_name, "list") == 0) {
        flags |= (uint64_t)L->flag_list_subclass;
        basicsize = L->list_size;
    } else if (strcmp(tp_name, "tuple") == 0) {
        flags |= (uint64_t)L->flag_tuple_subclass;
        basicsize = L->tuple_size - 8;
        itemsize = 8;
    } else if (strcmp(tp_name, "dict") == 0 || strcmp(tp_name, "collections.OrderedDict") == 0) {
        flags |= (uint64_t)L->flag_dict_subclass;
        basicsize = strcmp(tp_name, "dict") == 0 ? L->dict_size : L->odict_size;
    } else if (strcmp(tp_name, "set") == 0 || strcmp(tp_name, "frozenset") == 0) {
        basicsize = L->set_size;
    } else if (strcmp(tp_name, "collections.deque") == 0) {
        basicsize = L->deque_rightindex + 8;
    } else if (strcmp(tp_name, "mappingproxy") == 0) {
        basicsize = L->mappingproxy_mapping + 8;
    } else if (strcmp(tp_name, "int") == 0) {
        flags = (uint64_t)L->flag_long_subclass;
        basicsize = L->long_digit;
        itemsize = L->long_digit_size;
    }
    uint64_t t = fh_type(h, tp_name, flags, basicsize, itemsize);
    if (h->nbuiltin < 16) {
        h->builtin_names[h->nbuiltin] = tp_name;
        h->builtin_types[h->nbuiltin++] = t;
    }
    return t;
}

uint64_t fh_object(struct fakeheap *h, uint64_t type, size_t size)
{
    uint64_t o = fh_alloc(h, size);
    fh_w64(h, o + (uint64_t)h->L->object_refcnt, 1);
    fh_w64(h, o + (uint64_t)h->L->object_type, type);
    return o;
}

uint64_t fh_int(struct fakeheap *h, uint32_t value)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = fh_object(h, fh_builtin_type(h, "int"), (size_t)L->long_digit + 8);
    if (gs_py_layout_has(L->long_lv_tag))
        fh_w64(h, o + (uint64_t)L->long_lv_tag, (uint64_t)(value ? 1 : 0) << L->long_non_size_bits | (value ? 0 : 1));
    else
        fh_w64(h, o + (uint64_t)L->varobject_ob_size, value ? 1 : 0);
    fh_w32(h, o + (uint64_t)L->long_digit, value);
    return o;
}

static uint64_t gc_container(struct fakeheap *h, const char *tp_name, size_t size)
{
    return fh_gc_object(h, 0, fh_builtin_type(h, tp_name), size);
}

uint64_t fh_list(struct fakeheap *h, const uint64_t *items, size_t n)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, "list", (size_t)L->list_size);
    uint64_t arr = n ? fh_alloc(h, (n + 2) * 8) : 0;
    for (size_t i = 0; i < n; i++)
        fh_w64(h, arr + i * 8, items[i]);
    fh_w64(h, o + (uint64_t)L->varobject_ob_size, n);
    fh_w64(h, o + (uint64_t)L->list_ob_item, arr);
    fh_w64(h, o + (uint64_t)L->list_allocated, n ? n + 2 : 0);
    return o;
}

uint64_t fh_tuple(struct fakeheap *h, const uint64_t *items, size_t n)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, "tuple", (size_t)L->tuple_ob_item + n * 8 + 8);
    fh_w64(h, o + (uint64_t)L->varobject_ob_size, n);
    for (size_t i = 0; i < n; i++)
        fh_w64(h, o + (uint64_t)L->tuple_ob_item + i * 8, items[i]);
    return o;
}

uint64_t fh_dict_keys(struct fakeheap *h, const uint64_t *keys, const uint64_t *values, size_t n, int kind,
                      int64_t refcnt)
{
    const struct gs_py_layout *L = h->L;
    bool old = gs_py_layout_has(L->dictkeys_size_field);
    int64_t size = 8;
    while ((int64_t)n > size * 2 / 3)
        size *= 2;
    int64_t width = size <= 0x80 ? 1 : size <= 0x8000 ? 2 : 4;
    int64_t index_bytes = size * width;
    int64_t es = (old || kind == 0) ? L->dictkeyentry_size : L->dictunicodeentry_size;
    int64_t usable = size * 2 / 3;
    uint64_t k = fh_alloc(h, (size_t)(L->dictkeys_indices + index_bytes + usable * es));
    fh_w64(h, k + (uint64_t)L->dictkeys_refcnt, (uint64_t)refcnt);
    fh_w64(h, k + (uint64_t)L->dictkeys_nentries, n);
    fh_w64(h, k + (uint64_t)L->dictkeys_usable, (uint64_t)(usable - (int64_t)n));
    if (old) {
        fh_w64(h, k + (uint64_t)L->dictkeys_size_field, (uint64_t)size);
    } else {
        int log2 = 0, log2_index = 0;
        while ((1 << log2) < size)
            log2++;
        while ((1 << log2_index) < index_bytes)
            log2_index++;
        fh_w8(h, k + (uint64_t)L->dictkeys_log2_size, (uint8_t)log2);
        fh_w8(h, k + (uint64_t)L->dictkeys_log2_index_bytes, (uint8_t)log2_index);
        fh_w8(h, k + (uint64_t)L->dictkeys_kind, (uint8_t)kind);
    }
    if (!h->dummy)
        h->dummy = fh_object(h, h->object_type, 16);
    uint64_t entries = k + (uint64_t)L->dictkeys_indices + (uint64_t)index_bytes;
    for (size_t i = 0; i < n; i++) {
        uint64_t e = entries + i * (uint64_t)es;
        uint64_t key = keys[i] ? keys[i] : (old ? h->dummy : 0);
        uint64_t value = keys[i] && values && kind != 2 ? values[i] : 0;
        if (old || kind == 0) {
            fh_w64(h, e + (uint64_t)L->dictkeyentry_hash, keys[i] ? 0x1000 + i : (uint64_t)-1);
            fh_w64(h, e + (uint64_t)L->dictkeyentry_key, key);
            fh_w64(h, e + (uint64_t)L->dictkeyentry_value, value);
        } else {
            fh_w64(h, e, key);
            fh_w64(h, e + 8, value);
        }
    }
    return k;
}

uint64_t fh_dict(struct fakeheap *h, const uint64_t *keys, const uint64_t *values, size_t n, int kind)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, "dict", (size_t)L->dict_size);
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        used += keys[i] != 0;
    fh_w64(h, o + (uint64_t)L->dict_ma_used, used);
    fh_w64(h, o + (uint64_t)L->dict_ma_keys, fh_dict_keys(h, keys, values, n, kind, 1));
    return o;
}

uint64_t fh_dict_values(struct fakeheap *h, const uint64_t *values, size_t n)
{
    const struct gs_py_layout *L = h->L;
    uint64_t v = fh_alloc(h, (size_t)L->dictvalues_values + (n + 1) * 8);
    if (gs_py_layout_has(L->dictvalues_capacity)) {
        fh_w8(h, v + (uint64_t)L->dictvalues_capacity, (uint8_t)n);
        fh_w8(h, v + (uint64_t)L->dictvalues_size, (uint8_t)n);
        fh_w8(h, v + (uint64_t)L->dictvalues_valid, 1);
    }
    for (size_t i = 0; i < n; i++)
        fh_w64(h, v + (uint64_t)L->dictvalues_values + i * 8, values[i]);
    return v;
}

uint64_t fh_split_dict(struct fakeheap *h, uint64_t keys, const uint64_t *values, size_t n)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, "dict", (size_t)L->dict_size);
    fh_w64(h, o + (uint64_t)L->dict_ma_used, n);
    fh_w64(h, o + (uint64_t)L->dict_ma_keys, keys);
    fh_w64(h, o + (uint64_t)L->dict_ma_values, fh_dict_values(h, values, n));
    return o;
}

uint64_t fh_set(struct fakeheap *h, const char *tp_name, const uint64_t *keys, size_t n)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, tp_name, (size_t)L->set_size);
    size_t slots = 8;
    while (n > slots)
        slots *= 2;
    uint64_t table = slots == 8 ? o + (uint64_t)L->set_smalltable : fh_alloc(h, slots * (size_t)L->setentry_size);
    if (!h->dummy)
        h->dummy = fh_object(h, h->object_type, 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t e = table + i * (uint64_t)L->setentry_size;
        fh_w64(h, e + (uint64_t)L->setentry_key, keys[i] ? keys[i] : h->dummy);
        fh_w64(h, e + (uint64_t)L->setentry_hash, keys[i] ? 0x1000 + i : (uint64_t)-1);
    }
    fh_w64(h, o + (uint64_t)L->set_fill, n);
    fh_w64(h, o + (uint64_t)L->set_mask, slots - 1);
    fh_w64(h, o + (uint64_t)L->set_table, table);
    return o;
}

uint64_t fh_deque(struct fakeheap *h, const uint64_t *items, size_t n, int leftindex)
{
    const struct gs_py_layout *L = h->L;
    uint64_t o = gc_container(h, "collections.deque", (size_t)L->deque_rightindex + 8);
    int64_t blocklen = L->deque_blocklen;
    uint64_t first = fh_alloc(h, (size_t)L->dequeblock_size), block = first;
    int64_t index = leftindex;
    for (size_t i = 0; i < n; i++) {
        if (index == blocklen) {
            uint64_t next = fh_alloc(h, (size_t)L->dequeblock_size);
            fh_w64(h, block + (uint64_t)L->dequeblock_rightlink, next);
            fh_w64(h, next, block); /* leftlink opens the block */
            block = next;
            index = 0;
        }
        fh_w64(h, block + (uint64_t)L->dequeblock_data + (uint64_t)index * 8, items[i]);
        index++;
    }
    fh_w64(h, o + (uint64_t)L->varobject_ob_size, n);
    fh_w64(h, o + (uint64_t)L->deque_leftblock, first);
    fh_w64(h, o + (uint64_t)L->deque_rightblock, block);
    fh_w64(h, o + (uint64_t)L->deque_leftindex, (uint64_t)leftindex);
    fh_w64(h, o + (uint64_t)L->deque_rightindex, (uint64_t)(index - 1));
    return o;
}

/* --- classes and instances ----------------------------------------------------- */

#define FH_MAX_SLOTS 8

uint64_t fh_class(struct fakeheap *h, const char *name, uint64_t base, uint64_t flags, int64_t basicsize,
                  int64_t dictoffset, int nslots)
{
    const struct gs_py_layout *L = h->L;
    if (nslots > FH_MAX_SLOTS)
        abort();
    uint64_t t = fh_alloc(h, (size_t)(L->heaptype_size + (FH_MAX_SLOTS + 1) * L->memberdef_size));
    uint64_t ht_name = fh_str(h, name);
    fh_w64(h, t + (uint64_t)L->object_refcnt, 1);
    fh_w64(h, t + (uint64_t)L->object_type, h->type_type);
    fh_w64(h, t + (uint64_t)L->varobject_ob_size, (uint64_t)nslots);
    fh_w64(h, t + (uint64_t)L->type_name, ht_name + (uint64_t)L->unicode_ascii_size);
    fh_w64(h, t + (uint64_t)L->type_basicsize, (uint64_t)basicsize);
    fh_w64(h, t + (uint64_t)L->type_flags, flags | (uint64_t)L->flag_heaptype | (uint64_t)L->flag_have_gc);
    fh_w64(h, t + (uint64_t)L->type_dictoffset, (uint64_t)dictoffset);
    fh_w64(h, t + (uint64_t)L->type_base, base ? base : h->object_type);
    fh_w64(h, t + (uint64_t)L->type_members, t + (uint64_t)L->heaptype_size);
    fh_w64(h, t + (uint64_t)L->heaptype_name, ht_name);
    fh_w64(h, t + (uint64_t)L->heaptype_qualname, ht_name);
    return t;
}

void fh_member(struct fakeheap *h, uint64_t cls, int i, const char *name, int type, int64_t offset)
{
    const struct gs_py_layout *L = h->L;
    uint64_t m = cls + (uint64_t)L->heaptype_size + (uint64_t)(i * L->memberdef_size);
    fh_w64(h, m + (uint64_t)L->memberdef_name, fh_cstring(h, name));
    fh_w32(h, m + (uint64_t)L->memberdef_type, (uint32_t)type);
    fh_w64(h, m + (uint64_t)L->memberdef_offset, (uint64_t)offset);
}

uint64_t fh_instance(struct fakeheap *h, uint64_t cls, size_t size)
{
    const struct gs_py_layout *L = h->L;
    uint64_t flags = fh_r64(h, cls + (uint64_t)L->type_flags);
    if (!gs_py_layout_has(L->flag_managed_dict) || !(flags & (uint64_t)L->flag_managed_dict))
        return fh_gc_object(h, 0, cls, size);
    /* Two words of pre-header before the GC header. */
    fh_alloc(h, 16);
    uint64_t o = fh_gc_object(h, 0, cls, size);
    if (o - (uint64_t)L->gc_head_size - 16 < h->base)
        abort();
    return o;
}
