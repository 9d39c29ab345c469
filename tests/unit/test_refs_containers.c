/* test_refs_containers: the container decoders (list, tuple, dict in each
 * version's layouts, set with dummies, deque over several blocks,
 * mappingproxy), instances (dicts, 3.11+ managed values, slots) and
 * classes, and the sizes of the untracked scalar kinds, over a fake heap laid out by every table; plus
 * corrupt containers, which must give GS_PY_DECODE_BAD without crashing. */
#include "config.h"

#include <stdio.h>

#include "fakeheap.h"
#include "py/referents.h"
#include "py/sizeof.h"
#include "py/typeinfo.h"
#include "unit.h"

#define MAX_REFS 512

struct ref {
    uint64_t dst;
    enum gs_label_kind kind;
    uint64_t num;
    char name[32];
};

struct recorder {
    struct gs_py_refs_sink sink;
    struct ref refs[MAX_REFS];
    size_t n;
    size_t weak;
};

static void rec_strong(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    struct recorder *r = (struct recorder *)s;
    if (r->n < MAX_REFS) {
        struct ref *f = &r->refs[r->n];
        f->dst = dst;
        f->kind = kind;
        f->num = num;
        snprintf(f->name, sizeof f->name, "%s", name ? name : "");
    }
    r->n++;
}

static void rec_weak(struct gs_py_refs_sink *s, uint64_t dst)
{
    (void)dst;
    ((struct recorder *)s)->weak++;
}

struct env {
    struct fakeheap h;
    struct gs_py_ctx c;
    struct gs_py_types types;
    const struct gs_py_layout *L;
};

static void env_init(struct env *e, const struct gs_py_layout *L)
{
    fh_init(&e->h, L, 8 << 20);
    e->c.r = e->h.r;
    e->c.L = L;
    e->c.emu = NULL; /* no emulated traverse over a fake heap */
    e->L = L;
    gs_py_types_init(&e->types);
}

static void env_free(struct env *e)
{
    gs_py_types_free(&e->types);
    fh_free(&e->h);
}

/* Decode obj through the dispatcher, as the graph builder does. */
static enum gs_py_decode decode(struct env *e, uint64_t obj, struct recorder *r)
{
    uint64_t type = 0;
    memset(r, 0, sizeof *r);
    r->sink.strong = rec_strong;
    r->sink.weak = rec_weak;
    if (!gs_py_type_of(&e->c, obj, &type))
        return GS_PY_DECODE_BAD;
    uint32_t t = gs_py_types_get(&e->types, &e->c, type);
    if (t == GS_PY_TYPE_BAD)
        return GS_PY_DECODE_BAD;
    struct gs_py_type_info info = e->types.v[t];
    return gs_py_referents(&e->c, &e->types, obj, &info, &r->sink);
}

static bool has_ref(const struct recorder *r, uint64_t dst, enum gs_label_kind kind, uint64_t num)
{
    for (size_t i = 0; i < r->n && i < MAX_REFS; i++)
        if (r->refs[i].dst == dst && r->refs[i].kind == kind && r->refs[i].num == num)
            return true;
    return false;
}

static size_t count_kind(const struct recorder *r, enum gs_label_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n && i < MAX_REFS; i++)
        n += r->refs[i].kind == kind;
    return n;
}

/* n distinct objects to put in containers. */
static void make_items(struct env *e, uint64_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        items[i] = fh_int(&e->h, (uint32_t)(i + 1));
}

/* --- list, tuple ----------------------------------------------------------- */

static void test_list_tuple(struct env *e)
{
    struct recorder r;
    uint64_t items[5];
    make_items(e, items, 5);
    uint64_t list = fh_list(&e->h, items, 5);
    UNIT_CHECK(decode(e, list, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 5);
    for (size_t i = 0; i < 5; i++)
        UNIT_CHECK(has_ref(&r, items[i], GS_LABEL_INDEX, i));

    uint64_t tuple = fh_tuple(&e->h, items, 3);
    UNIT_CHECK(decode(e, tuple, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 3);
    UNIT_CHECK(has_ref(&r, items[2], GS_LABEL_INDEX, 2));

    /* NULL slots (a tuple being filled) are skipped. */
    uint64_t holey[3] = {items[0], 0, items[1]};
    UNIT_CHECK(decode(e, fh_tuple(&e->h, holey, 3), &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 2);

    /* An empty list has no array at all. */
    UNIT_CHECK(decode(e, fh_list(&e->h, NULL, 0), &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 0);

    /* Corrupt: more items than allocated; a negative size; an array in
     * unmapped memory; a tuple claiming 2^40 items. */
    const struct gs_py_layout *L = e->L;
    fh_w64(&e->h, list + (uint64_t)L->varobject_ob_size, 100);
    UNIT_CHECK(decode(e, list, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, list + (uint64_t)L->varobject_ob_size, (uint64_t)-3);
    UNIT_CHECK(decode(e, list, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, list + (uint64_t)L->varobject_ob_size, 5);
    fh_w64(&e->h, list + (uint64_t)L->list_ob_item, 0x10);
    UNIT_CHECK(decode(e, list, &r) == GS_PY_DECODE_BAD);
    UNIT_CHECK_EQ_U64(r.n, 0);
    fh_w64(&e->h, tuple + (uint64_t)L->varobject_ob_size, (uint64_t)1 << 40);
    UNIT_CHECK(decode(e, tuple, &r) == GS_PY_DECODE_BAD);
}

/* --- dicts ----------------------------------------------------------------- */

static void check_entries(const struct recorder *r, const uint64_t *keys, const uint64_t *values, size_t n,
                          bool with_keys)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keys[i])
            continue;
        live++;
        UNIT_CHECK(has_ref(r, values[i], GS_LABEL_VALUE, keys[i]));
        if (with_keys)
            UNIT_CHECK(has_ref(r, keys[i], GS_LABEL_KEY, 0));
    }
    UNIT_CHECK_EQ_U64(count_kind(r, GS_LABEL_VALUE), live);
    UNIT_CHECK_EQ_U64(count_kind(r, GS_LABEL_KEY), with_keys ? live : 0);
}

static void test_dicts(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    bool new_keys = !gs_py_layout_has(L->dictkeys_size_field); /* 3.11+ */
    struct recorder r;
    uint64_t keys[12], values[12];
    for (size_t i = 0; i < 12; i++) {
        char name[8];
        snprintf(name, sizeof name, "k%zu", i);
        keys[i] = fh_str(&e->h, name);
    }
    make_items(e, values, 12);

    /* Combined, general entries: str and int keys, every key reported. */
    uint64_t mixed_keys[3] = {keys[0], values[5], keys[1]};
    uint64_t d = fh_dict(&e->h, mixed_keys, values, 3, 0);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
    check_entries(&r, mixed_keys, values, 3, true);

    /* Deleted entries (dummy key on <= 3.10, NULL on 3.11+) are skipped. */
    uint64_t holey[6] = {keys[0], 0, keys[2], 0, 0, keys[5]};
    d = fh_dict(&e->h, holey, values, 6, 0);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
    check_entries(&r, holey, values, 6, true);

    /* 3.11+ str-keyed table: {key, value} entries; the keys are reported
     * although dict_traverse skips them. A larger table (16 slots). */
    if (new_keys) {
        d = fh_dict(&e->h, keys, values, 9, 1);
        UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
        check_entries(&r, keys, values, 9, true);
        uint64_t uholey[4] = {0, keys[1], 0, keys[3]};
        d = fh_dict(&e->h, uholey, values, 4, 1);
        UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
        check_entries(&r, uholey, values, 4, true);
    }

    /* Split table over shared keys: values only, labelled by their keys
     * (the shared keys object holds the keys, the type reports them). A
     * NULL value is a key this instance does not have. */
    uint64_t shared = fh_dict_keys(&e->h, keys, NULL, 4, 2, 3);
    uint64_t split_values[4] = {values[0], 0, values[2], values[3]};
    d = fh_split_dict(&e->h, shared, split_values, 4);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
    uint64_t split_keys[4] = {keys[0], 0, keys[2], keys[3]};
    check_entries(&r, split_keys, split_values, 4, false);
    /* A split table whose keys only this dict holds owns them. */
    fh_w64(&e->h, shared + (uint64_t)L->dictkeys_refcnt, 1);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
    check_entries(&r, split_keys, split_values, 4, true);
    fh_w64(&e->h, shared + (uint64_t)L->dictkeys_refcnt, 3);
    /* 3.13: values embedded in an instance belong to the instance. */
    if (gs_py_layout_has(L->dictvalues_embedded)) {
        uint64_t v = fh_r64(&e->h, d + (uint64_t)L->dict_ma_values);
        fh_w8(&e->h, v + (uint64_t)L->dictvalues_embedded, 1);
        UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
        UNIT_CHECK_EQ_U64(r.n, 0);
    }

    /* Corrupt: nentries beyond the table; keys in unmapped memory; entries
     * that run off the end of the mapped memory. */
    d = fh_dict(&e->h, keys, values, 5, 0);
    uint64_t k = fh_r64(&e->h, d + (uint64_t)L->dict_ma_keys);
    fh_w64(&e->h, k + (uint64_t)L->dictkeys_nentries, 1000);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, k + (uint64_t)L->dictkeys_nentries, (uint64_t)-1);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, k + (uint64_t)L->dictkeys_nentries, 5);
    fh_w64(&e->h, d + (uint64_t)L->dict_ma_keys, 0x10);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, d + (uint64_t)L->dict_ma_keys, 0);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    /* A keys object at the very end of the mapping: its entries are cut. */
    uint64_t end = e->h.base + e->h.size;
    uint64_t tail = end - (uint64_t)L->dictkeys_indices - 8 - 8;
    fh_w64(&e->h, tail + (uint64_t)L->dictkeys_refcnt, 1);
    fh_w64(&e->h, tail + (uint64_t)L->dictkeys_nentries, 5);
    if (new_keys) {
        fh_w8(&e->h, tail + (uint64_t)L->dictkeys_log2_size, 3);
        fh_w8(&e->h, tail + (uint64_t)L->dictkeys_log2_index_bytes, 3);
        fh_w8(&e->h, tail + (uint64_t)L->dictkeys_kind, 0);
    } else {
        fh_w64(&e->h, tail + (uint64_t)L->dictkeys_size_field, 8);
    }
    fh_w64(&e->h, d + (uint64_t)L->dict_ma_keys, tail);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    /* Split values in unmapped memory. */
    d = fh_split_dict(&e->h, shared, split_values, 4);
    fh_w64(&e->h, d + (uint64_t)L->dict_ma_values, 0x20);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
}

/* --- set, frozenset ----------------------------------------------------------- */

static void test_sets(struct env *e)
{
    struct recorder r;
    uint64_t items[20];
    make_items(e, items, 20);
    /* Smalltable with dummies (0 = dummy) and free slots after. */
    uint64_t small[5] = {items[0], 0, items[1], 0, items[2]};
    uint64_t s = fh_set(&e->h, "set", small, 5);
    UNIT_CHECK(decode(e, s, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 3);
    for (size_t i = 0; i < 3; i++)
        UNIT_CHECK(has_ref(&r, items[i], GS_LABEL_MEMBER, 0));
    UNIT_CHECK(!has_ref(&r, e->h.dummy, GS_LABEL_MEMBER, 0));

    /* A frozenset with a separate table of 32 slots. */
    uint64_t big[20];
    for (size_t i = 0; i < 20; i++)
        big[i] = i % 7 == 3 ? 0 : items[i];
    s = fh_set(&e->h, "frozenset", big, 20);
    UNIT_CHECK(decode(e, s, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 17);
    UNIT_CHECK(has_ref(&r, items[19], GS_LABEL_MEMBER, 0));

    /* Corrupt: a mask that is not 2^n - 1, a huge one, an unmapped table. */
    const struct gs_py_layout *L = e->L;
    fh_w64(&e->h, s + (uint64_t)L->set_mask, 30);
    UNIT_CHECK(decode(e, s, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, s + (uint64_t)L->set_mask, ((uint64_t)1 << 40) - 1);
    UNIT_CHECK(decode(e, s, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, s + (uint64_t)L->set_mask, 31);
    fh_w64(&e->h, s + (uint64_t)L->set_table, 0x40);
    UNIT_CHECK(decode(e, s, &r) == GS_PY_DECODE_BAD);
}

/* --- deque ------------------------------------------------------------------- */

static void test_deque(struct env *e)
{
    struct recorder r;
    enum { N = 200 };
    static uint64_t items[N];
    make_items(e, items, N);
    /* 200 items from index 40: four blocks (24 + 64 + 64 + 48). */
    uint64_t d = fh_deque(&e->h, items, N, 40);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, N);
    UNIT_CHECK(has_ref(&r, items[0], GS_LABEL_INDEX, 0));
    UNIT_CHECK(has_ref(&r, items[23], GS_LABEL_INDEX, 23));
    UNIT_CHECK(has_ref(&r, items[24], GS_LABEL_INDEX, 24));
    UNIT_CHECK(has_ref(&r, items[N - 1], GS_LABEL_INDEX, N - 1));

    /* An empty deque and one that fits in its first block. */
    UNIT_CHECK(decode(e, fh_deque(&e->h, items, 0, 32), &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 0);
    UNIT_CHECK(decode(e, fh_deque(&e->h, items, 3, 63), &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 3);

    /* Its size: basic size + blocks + GC header. */
    const struct gs_py_layout *L = e->L;
    uint64_t type, size;
    UNIT_CHECK(gs_py_type_of(&e->c, d, &type));
    const struct gs_py_type_info *t = &e->types.v[gs_py_types_get(&e->types, &e->c, type)];
    UNIT_CHECK(gs_py_getsizeof(&e->c, d, t, &size));
    UNIT_CHECK_EQ_U64(size, (uint64_t)t->basicsize + 4 * (uint64_t)L->dequeblock_size + (uint64_t)L->gc_head_size);

    /* Corrupt: more items than the blocks hold (the chain ends), a left
     * index out of its block, a block pointer into unmapped memory. */
    fh_w64(&e->h, d + (uint64_t)L->varobject_ob_size, N + 500);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, d + (uint64_t)L->varobject_ob_size, N);
    fh_w64(&e->h, d + (uint64_t)L->deque_leftindex, 64);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
    fh_w64(&e->h, d + (uint64_t)L->deque_leftindex, 40);
    fh_w64(&e->h, d + (uint64_t)L->deque_leftblock, 0x80);
    UNIT_CHECK(decode(e, d, &r) == GS_PY_DECODE_BAD);
}

/* --- mappingproxy -------------------------------------------------------------- */

static void test_mappingproxy(struct env *e)
{
    struct recorder r;
    uint64_t mapping = fh_dict(&e->h, NULL, NULL, 0, 0);
    uint64_t type = fh_builtin_type(&e->h, "mappingproxy");
    uint64_t p = fh_gc_object(&e->h, 0, type, (size_t)e->L->mappingproxy_mapping + 8);
    fh_w64(&e->h, p + (uint64_t)e->L->mappingproxy_mapping, mapping);
    UNIT_CHECK(decode(e, p, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 1);
    UNIT_CHECK(has_ref(&r, mapping, GS_LABEL_FIELD, 0));
    UNIT_CHECK_STR(r.refs[0].name, "mapping");
}

/* --- instances and classes --------------------------------------------------------- */

#define T_OBJECT_EX 16
#define T_INT 1

static bool has_named(const struct recorder *r, uint64_t dst, enum gs_label_kind kind, const char *name)
{
    for (size_t i = 0; i < r->n && i < MAX_REFS; i++)
        if (r->refs[i].dst == dst && r->refs[i].kind == kind && strcmp(r->refs[i].name, name) == 0)
            return true;
    return false;
}

/* A class whose instances keep attributes in a dict or (3.11+) managed
 * values: each version's layout of the values, and the dict once made. */
static void test_instance_dicts(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t names[2] = {fh_str(&e->h, "alpha"), fh_str(&e->h, "beta")};
    uint64_t vals[2];
    make_items(e, vals, 2);
    uint64_t dict = fh_dict(&e->h, names, vals, 2, 0);
    uint64_t shared = fh_dict_keys(&e->h, names, NULL, 2, 2, 2);
    bool managed = gs_py_layout_has(L->flag_managed_dict);
    uint64_t flags = managed ? (uint64_t)L->flag_managed_dict : 0;
    if (gs_py_layout_has(L->flag_inline_values))
        flags |= (uint64_t)L->flag_inline_values;
    int64_t basicsize = managed ? L->object_size : L->object_size + 16;
    uint64_t cls = fh_class(&e->h, "Plain", 0, flags, basicsize, managed ? -1 : L->object_size, 0);
    fh_w64(&e->h, cls + (uint64_t)L->heaptype_cached_keys, shared);
    /* Room for 3.13's inline values after the header. */
    uint64_t o = fh_instance(&e->h, cls, (size_t)(L->object_size + 64));

    if (!managed) {
        /* <= 3.10: the dict at tp_dictoffset. */
        fh_w64(&e->h, o + (uint64_t)L->object_size, dict);
        UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
        UNIT_CHECK_EQ_U64(r.n, 2);
        UNIT_CHECK(has_named(&r, cls, GS_LABEL_FIELD, "__class__"));
        UNIT_CHECK(has_named(&r, dict, GS_LABEL_FIELD, "__dict__"));
        return;
    }
    uint64_t before = (uint64_t)L->managed_dict_before;
    if (gs_py_layout_has(L->managed_values_before)) {
        /* 3.11: a values pointer, no dict. */
        fh_w64(&e->h, o - (uint64_t)L->managed_values_before, fh_dict_values(&e->h, vals, 2));
    } else if (gs_py_layout_has(L->managed_dict_values_tag)) {
        /* 3.12: the values pointer minus one (odd) in the dict slot. */
        fh_w64(&e->h, o - before, fh_dict_values(&e->h, vals, 2) - 1);
    } else {
        /* 3.13: inline values, valid. */
        uint64_t v = o + (uint64_t)L->object_size;
        fh_w8(&e->h, v + (uint64_t)L->dictvalues_capacity, 2);
        fh_w8(&e->h, v + (uint64_t)L->dictvalues_size, 2);
        fh_w8(&e->h, v + (uint64_t)L->dictvalues_embedded, 1);
        fh_w8(&e->h, v + (uint64_t)L->dictvalues_valid, 1);
        fh_w64(&e->h, v + (uint64_t)L->dictvalues_values, vals[0]);
        fh_w64(&e->h, v + (uint64_t)L->dictvalues_values + 8, vals[1]);
    }
    UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 3);
    UNIT_CHECK(has_named(&r, cls, GS_LABEL_FIELD, "__class__"));
    UNIT_CHECK(has_ref(&r, vals[0], GS_LABEL_ATTR_OBJ, names[0]));
    UNIT_CHECK(has_ref(&r, vals[1], GS_LABEL_ATTR_OBJ, names[1]));

    /* The dict, once made: 3.11 and 3.12 drop the values; 3.13 keeps the
     * inline values (still valid) and the dict as well; invalid values
     * leave only the dict. */
    if (gs_py_layout_has(L->managed_values_before))
        fh_w64(&e->h, o - (uint64_t)L->managed_values_before, 0);
    fh_w64(&e->h, o - before, dict);
    UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has_named(&r, dict, GS_LABEL_FIELD, "__dict__"));
    if (gs_py_layout_has(L->flag_inline_values)) {
        UNIT_CHECK_EQ_U64(r.n, 4);
        fh_w8(&e->h, o + (uint64_t)L->object_size + (uint64_t)L->dictvalues_valid, 0);
        UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
    }
    UNIT_CHECK_EQ_U64(r.n, 2);

    /* Corrupt: values with the cached keys gone. */
    fh_w64(&e->h, cls + (uint64_t)L->heaptype_cached_keys, 0);
    if (gs_py_layout_has(L->managed_dict_values_tag)) {
        fh_w64(&e->h, o - before, fh_dict_values(&e->h, vals, 2) - 1);
        UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_BAD);
    }
}

/* __slots__ along the chain of classes; non-object members are skipped. */
static void test_slots(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t vals[3];
    make_items(e, vals, 3);
    int64_t off = L->object_size;
    uint64_t base = fh_class(&e->h, "Base", 0, 0, off + 16, 0, 2);
    fh_member(&e->h, base, 0, "x", T_OBJECT_EX, off);
    fh_member(&e->h, base, 1, "n", T_INT, off + 8);
    uint64_t sub = fh_class(&e->h, "Sub", base, 0, off + 24, 0, 1);
    fh_member(&e->h, sub, 0, "y", T_OBJECT_EX, off + 16);
    uint64_t o = fh_instance(&e->h, sub, (size_t)(off + 24));
    fh_w64(&e->h, o + (uint64_t)off, vals[0]);
    fh_w64(&e->h, o + (uint64_t)off + 8, 12345);
    fh_w64(&e->h, o + (uint64_t)off + 16, vals[2]);
    UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 3);
    UNIT_CHECK(has_named(&r, sub, GS_LABEL_FIELD, "__class__"));
    UNIT_CHECK(has_named(&r, vals[0], GS_LABEL_ATTR, "x"));
    UNIT_CHECK(has_named(&r, vals[2], GS_LABEL_ATTR, "y"));
    /* An empty slot is skipped. */
    fh_w64(&e->h, o + (uint64_t)off, 0);
    UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 2);

    /* The class itself: dict, mro, bases, base, names, the cached keys. */
    uint64_t tdict = fh_dict(&e->h, NULL, NULL, 0, 0);
    uint64_t mro = fh_tuple(&e->h, (uint64_t[]){sub, base, e->h.object_type}, 3);
    uint64_t key = fh_str(&e->h, "attr");
    fh_w64(&e->h, sub + (uint64_t)L->type_dict, tdict);
    fh_w64(&e->h, sub + (uint64_t)L->type_mro, mro);
    fh_w64(&e->h, sub + (uint64_t)L->heaptype_cached_keys, fh_dict_keys(&e->h, &key, NULL, 1, 2, 1));
    UNIT_CHECK(decode(e, sub, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has_named(&r, tdict, GS_LABEL_FIELD, "__dict__"));
    UNIT_CHECK(has_named(&r, mro, GS_LABEL_FIELD, "__mro__"));
    UNIT_CHECK(has_named(&r, base, GS_LABEL_FIELD, "__base__"));
    UNIT_CHECK(has_named(&r, fh_r64(&e->h, sub + (uint64_t)L->heaptype_name), GS_LABEL_FIELD, "__name__"));
    UNIT_CHECK(has_ref(&r, key, GS_LABEL_KEY, 0));
    /* A members array in unmapped memory: corrupt. */
    fh_w64(&e->h, sub + (uint64_t)L->type_members, 0x30);
    UNIT_CHECK(decode(e, o, &r) == GS_PY_DECODE_BAD);
}

/* --- sizes of scalars ------------------------------------------------------------ */

static uint64_t size_of(struct env *e, uint64_t obj)
{
    uint64_t type, size = 0;
    if (!gs_py_type_of(&e->c, obj, &type))
        return 0;
    uint32_t t = gs_py_types_get(&e->types, &e->c, type);
    gs_py_getsizeof(&e->c, obj, &e->types.v[t], &size);
    return size;
}

static void test_sizes(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    /* int: one digit; zero counts one digit from 3.11 (24 bytes before). */
    UNIT_CHECK_EQ_U64(size_of(e, fh_int(&e->h, 5)), 28);
    UNIT_CHECK_EQ_U64(size_of(e, fh_int(&e->h, 0)), L->long_sizeof_min_digits ? 28 : 24);
    /* str: compact ASCII, 3 characters and the terminator. */
    UNIT_CHECK_EQ_U64(size_of(e, fh_str(&e->h, "abc")), (uint64_t)L->unicode_ascii_size + 4);
    /* bytearray: basic size + ob_alloc. */
    uint64_t bt = fh_type(&e->h, "bytearray", 0, L->bytearray_size, 0);
    uint64_t ba = fh_object(&e->h, bt, (size_t)L->bytearray_size);
    fh_w64(&e->h, ba + (uint64_t)L->bytearray_alloc, 100);
    UNIT_CHECK_EQ_U64(size_of(e, ba), (uint64_t)L->bytearray_size + 100);
}

static void test_layout(const struct gs_py_layout *L)
{
    struct env e;
    env_init(&e, L);
    test_list_tuple(&e);
    test_dicts(&e);
    test_sets(&e);
    test_deque(&e);
    test_mappingproxy(&e);
    test_instance_dicts(&e);
    test_slots(&e);
    test_sizes(&e);
    env_free(&e);
}

int main(void)
{
    int tables = 0;
    for (const struct gs_py_layout *const *L = gs_py_layouts; *L; L++) {
        /* The fake heap lays objects out with the GIL build's header (a
         * free-threaded one is 32 bytes, its counts split): skip those. */
        if (gs_py_layout_is_free_threaded(*L))
            continue;
        test_layout(*L);
        tables++;
    }
    UNIT_CHECK(tables >= 6);
    return unit_finish("test_refs_containers");
}
