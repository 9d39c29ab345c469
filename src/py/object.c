#include "config.h"

#include <string.h>

#include "py/object.h"

/* Py_TPFLAGS_TYPE_SUBCLASS has been 1<<31 in every supported version; the
 * table carries it as flag_type_subclass. */

bool gs_py_read_ptr(const struct gs_py_ctx *c, uint64_t addr, uint64_t *out)
{
    return gs_read_u64(c->r, addr, out);
}

bool gs_py_read_ssize(const struct gs_py_ctx *c, uint64_t addr, int64_t *out)
{
    return gs_read_i64(c->r, addr, out);
}

bool gs_py_field_ptr(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, uint64_t *out)
{
    return offset >= 0 && gs_py_read_ptr(c, obj + (uint64_t)offset, out);
}

bool gs_py_field_ssize(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int64_t *out)
{
    return offset >= 0 && gs_py_read_ssize(c, obj + (uint64_t)offset, out);
}

bool gs_py_field_stackref(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, uint64_t *out)
{
    uint64_t bits;
    if (!gs_py_field_ptr(c, obj, offset, &bits))
        return false;
    *out = gs_py_stackref_object(c->L, bits, NULL);
    return true;
}

bool gs_py_field_i32(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int32_t *out)
{
    return offset >= 0 && gs_read_i32(c->r, obj + (uint64_t)offset, out);
}

bool gs_py_type_of(const struct gs_py_ctx *c, uint64_t obj, uint64_t *type)
{
    return gs_py_field_ptr(c, obj, c->L->object_type, type) && *type != 0;
}

bool gs_py_type_flags(const struct gs_py_ctx *c, uint64_t type, uint64_t *flags)
{
    return gs_py_field_ptr(c, type, c->L->type_flags, flags);
}

bool gs_py_has_type_flag(const struct gs_py_ctx *c, uint64_t obj, int64_t flag)
{
    uint64_t type, flags;
    if (flag <= 0 || !gs_py_type_of(c, obj, &type) || !gs_py_type_flags(c, type, &flags))
        return false;
    return (flags & (uint64_t)flag) != 0;
}

bool gs_py_is_type(const struct gs_py_ctx *c, uint64_t addr)
{
    return addr != 0 && gs_py_has_type_flag(c, addr, c->L->flag_type_subclass);
}

/* Append code point cp as UTF-8; false when it does not fit. */
static bool put_utf8(char *buf, size_t cap, size_t *pos, uint32_t cp)
{
    char tmp[4];
    size_t n;
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd; /* lone surrogates (surrogateescape) cannot be UTF-8 */
    if (cp < 0x80) {
        tmp[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        tmp[0] = (char)(0xc0 | (cp >> 6));
        tmp[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (char)(0xe0 | (cp >> 12));
        tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else if (cp <= 0x10ffff) {
        tmp[0] = (char)(0xf0 | (cp >> 18));
        tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    } else {
        return put_utf8(buf, cap, pos, 0xfffd);
    }
    if (*pos + n + 1 > cap)
        return false;
    memcpy(buf + *pos, tmp, n);
    *pos += n;
    return true;
}

bool gs_py_str_utf8(const struct gs_py_ctx *c, uint64_t str, char *buf, size_t cap, int64_t *len)
{
    const struct gs_py_layout *L = c->L;
    if (cap == 0)
        return false;
    buf[0] = '\0';
    if (!gs_py_has_type_flag(c, str, L->flag_unicode_subclass))
        return false;
    int64_t length;
    uint32_t state;
    if (!gs_py_field_ssize(c, str, L->unicode_length, &length) || length < 0 ||
        !gs_read_u32(c->r, str + (uint64_t)L->unicode_state, &state))
        return false;
    unsigned kind = (state >> L->unicode_state_kind_shift) & (unsigned)L->unicode_state_kind_mask;
    bool compact = (state >> L->unicode_state_compact_shift) & 1;
    bool ascii = (state >> L->unicode_state_ascii_shift) & 1;
    if (kind != 1 && kind != 2 && kind != 4)
        return false; /* 0 = PyUnicode_WCHAR_KIND (not ready, <= 3.11): no canonical data */
    uint64_t data;
    if (compact)
        data = str + (uint64_t)(ascii ? L->unicode_ascii_size : L->unicode_compact_size);
    else if (!gs_py_field_ptr(c, str, L->unicode_data, &data) || !data)
        return false;
    if (len)
        *len = length;

    /* Read only what can fit: at most cap-1 characters. */
    int64_t want = length;
    if ((uint64_t)want > cap - 1)
        want = (int64_t)(cap - 1);
    unsigned char tmp[1024];
    size_t pos = 0;
    for (int64_t i = 0; i < want;) {
        int64_t chunk = want - i;
        if ((uint64_t)chunk * kind > sizeof tmp)
            chunk = (int64_t)(sizeof tmp / kind);
        if (!gs_read_exact(c->r, data + (uint64_t)i * kind, tmp, (size_t)chunk * kind))
            return pos > 0;
        for (int64_t j = 0; j < chunk; j++) {
            uint32_t cp;
            if (kind == 1)
                cp = tmp[j];
            else if (kind == 2)
                cp = (uint32_t)tmp[2 * j] | ((uint32_t)tmp[2 * j + 1] << 8);
            else
                cp = (uint32_t)tmp[4 * j] | ((uint32_t)tmp[4 * j + 1] << 8) |
                     ((uint32_t)tmp[4 * j + 2] << 16) | ((uint32_t)tmp[4 * j + 3] << 24);
            if (!put_utf8(buf, cap, &pos, cp)) {
                buf[pos] = '\0';
                return true;
            }
        }
        i += chunk;
    }
    buf[pos] = '\0';
    return true;
}

bool gs_py_str_equals(const struct gs_py_ctx *c, uint64_t str, const char *s)
{
    char buf[256];
    size_t n = strlen(s);
    if (n >= sizeof buf)
        return false;
    int64_t len;
    if (!gs_py_str_utf8(c, str, buf, sizeof buf, &len))
        return false;
    return strcmp(buf, s) == 0;
}

bool gs_py_int_digits_typed(const struct gs_py_ctx *c, uint64_t obj, uint64_t type_flags, int64_t *ndigits, bool *negative)
{
    const struct gs_py_layout *L = c->L;
    if (L->flag_long_subclass <= 0 || !(type_flags & (uint64_t)L->flag_long_subclass))
        return false;
    if (gs_py_layout_has(L->long_lv_tag)) {
        uint64_t tag;
        if (!gs_py_field_ptr(c, obj, L->long_lv_tag, &tag))
            return false;
        *ndigits = (int64_t)(tag >> L->long_non_size_bits);
        *negative = (tag & 3) == 2;
        return true;
    }
    if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, ndigits))
        return false;
    *negative = *ndigits < 0;
    if (*negative)
        *ndigits = -*ndigits;
    return *ndigits >= 0; /* -INT64_MIN stays negative: corrupt */
}

bool gs_py_int_digits(const struct gs_py_ctx *c, uint64_t obj, int64_t *ndigits, bool *negative)
{
    uint64_t type, flags;
    return gs_py_type_of(c, obj, &type) && gs_py_type_flags(c, type, &flags) &&
           gs_py_int_digits_typed(c, obj, flags, ndigits, negative);
}

bool gs_py_int_value_typed(const struct gs_py_ctx *c, uint64_t obj, uint64_t type_flags, uint64_t *magnitude,
                        bool *negative)
{
    const struct gs_py_layout *L = c->L;
    int64_t ndigits;
    int shift = (int)L->long_shift;
    int64_t dsize = L->long_digit_size;
    if (!gs_py_int_digits_typed(c, obj, type_flags, &ndigits, negative) || shift <= 0 || shift > 32 ||
        (dsize != 2 && dsize != 4) || ndigits > 64 / shift + 1)
        return false;
    /* All digits in one view when the image has them in one piece (nearly
     * always: they follow the header); else one read each. */
    uint64_t at = obj + (uint64_t)L->long_digit;
    const unsigned char *view = ndigits ? gs_view(c->r, at, (size_t)(ndigits * dsize)) : NULL;
    uint64_t v = 0;
    for (int64_t i = ndigits; i-- > 0;) {
        uint32_t digit = 0;
        if (view) {
            if (dsize == 4)
                memcpy(&digit, view + i * 4, 4);
            else {
                uint16_t d16;
                memcpy(&d16, view + i * 2, 2);
                digit = d16;
            }
        } else if (gs_read(c->r, at + (uint64_t)(i * dsize), &digit, (size_t)dsize) != (size_t)dsize) {
            return false;
        }
        if (v >> (64 - shift))
            return false; /* more than 64 bits */
        v = (v << shift) | (digit & (uint32_t)(((uint64_t)1 << shift) - 1));
    }
    *magnitude = v;
    return true;
}

bool gs_py_int_value(const struct gs_py_ctx *c, uint64_t obj, uint64_t *magnitude, bool *negative)
{
    uint64_t type, flags;
    return gs_py_type_of(c, obj, &type) && gs_py_type_flags(c, type, &flags) &&
           gs_py_int_value_typed(c, obj, flags, magnitude, negative);
}

/* Geometry of a keys object: where entries start, their size, how many. */
struct keys_geom {
    uint64_t entries;
    int64_t entry_size;
    int64_t key_off, value_off;
    int64_t nentries;
    int64_t size;      /* number of index slots */
    int64_t index_bytes;
    bool general;      /* entries carry hashes (not unicode-only) */
};

static bool keys_geometry(const struct gs_py_ctx *c, uint64_t keys, struct keys_geom *g)
{
    const struct gs_py_layout *L = c->L;
    if (!gs_py_field_ssize(c, keys, L->dictkeys_nentries, &g->nentries))
        return false;
    if (gs_py_layout_has(L->dictkeys_size_field)) {
        /* <= 3.10: dk_size slots; indices 1/2/4/8 bytes wide; 24-byte entries. */
        if (!gs_py_field_ssize(c, keys, L->dictkeys_size_field, &g->size))
            return false;
        if (g->size <= 0 || g->size > (int64_t)GS_PY_DICT_MAX_ENTRIES * 2 || (g->size & (g->size - 1)))
            return false;
        int64_t width = g->size <= 0xff ? 1 : g->size <= 0xffff ? 2 : g->size <= 0xffffffffLL ? 4 : 8;
        g->index_bytes = width * g->size;
        g->entry_size = L->dictkeyentry_size;
        g->key_off = L->dictkeyentry_key;
        g->value_off = L->dictkeyentry_value;
        g->general = true;
    } else {
        /* 3.11+: log2 sizes; unicode-only keys use 16-byte {key, value}. */
        uint8_t log2_size, log2_index_bytes, kind;
        if (!gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_log2_size, &log2_size) ||
            !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_log2_index_bytes, &log2_index_bytes) ||
            !gs_read_u8(c->r, keys + (uint64_t)L->dictkeys_kind, &kind))
            return false;
        if (log2_size > 30 || log2_index_bytes > 33 || kind > 2)
            return false;
        g->size = (int64_t)1 << log2_size;
        g->index_bytes = (int64_t)1 << log2_index_bytes;
        g->general = kind == 0;
        if (g->general) {
            g->entry_size = L->dictkeyentry_size;
            g->key_off = L->dictkeyentry_key;
            g->value_off = L->dictkeyentry_value;
        } else {
            g->entry_size = L->dictunicodeentry_size;
            g->key_off = 0;
            g->value_off = 8;
        }
    }
    /* USABLE_FRACTION(size) = size*2/3 bounds the entries. */
    if (g->nentries < 0 || g->nentries > (g->size * 2) / 3 + 1 || g->nentries > (int64_t)GS_PY_DICT_MAX_ENTRIES)
        return false;
    g->entries = keys + (uint64_t)L->dictkeys_indices + (uint64_t)g->index_bytes;
    return true;
}

bool gs_py_dictkeys_size(const struct gs_py_ctx *c, uint64_t keys, uint64_t *size, int64_t *refcnt)
{
    struct keys_geom g;
    if (!keys_geometry(c, keys, &g) || !gs_py_field_ssize(c, keys, c->L->dictkeys_refcnt, refcnt))
        return false;
    /* sizeof(PyDictKeysObject) + index bytes + USABLE_FRACTION(size) entries. */
    *size = (uint64_t)c->L->dictkeys_indices + (uint64_t)g.index_bytes +
            (uint64_t)((g.size * 2) / 3) * (uint64_t)g.entry_size;
    return true;
}

bool gs_py_dictkeys_capacity(const struct gs_py_ctx *c, uint64_t keys, uint64_t *entries, uint64_t *entry_size)
{
    struct keys_geom g;
    if (!keys_geometry(c, keys, &g))
        return false;
    *entries = (uint64_t)((g.size * 2) / 3);
    *entry_size = (uint64_t)g.entry_size;
    return true;
}

bool gs_py_dict_foreach(const struct gs_py_ctx *c, uint64_t dict, gs_py_dict_visit_fn fn, void *arg)
{
    const struct gs_py_layout *L = c->L;
    uint64_t keys, values;
    struct keys_geom g;
    if (!gs_py_field_ptr(c, dict, L->dict_ma_keys, &keys) || !keys ||
        !gs_py_field_ptr(c, dict, L->dict_ma_values, &values) || !keys_geometry(c, keys, &g))
        return false;
    /* Split tables keep values apart, in an array indexed like the entries
     * (3.13 puts a small header before the array: dictvalues_values). */
    uint64_t values_base = values;
    if (values && gs_py_layout_has(L->dictvalues_values))
        values_base += (uint64_t)L->dictvalues_values;

    size_t bytes = (size_t)g.nentries * (size_t)g.entry_size;
    const unsigned char *ent = gs_view(c->r, g.entries, bytes);
    unsigned char local[24 * 64];
    for (int64_t i = 0; i < g.nentries; i++) {
        uint64_t key, value;
        if (ent) {
            memcpy(&key, ent + i * g.entry_size + g.key_off, 8);
            memcpy(&value, ent + i * g.entry_size + g.value_off, 8);
        } else {
            /* No contiguous view: read in batches of 64 entries. */
            int64_t batch = i % 64;
            if (batch == 0) {
                int64_t n = g.nentries - i < 64 ? g.nentries - i : 64;
                if (!gs_read_exact(c->r, g.entries + (uint64_t)(i * g.entry_size), local,
                                   (size_t)(n * g.entry_size)))
                    return false;
            }
            memcpy(&key, local + batch * g.entry_size + g.key_off, 8);
            memcpy(&value, local + batch * g.entry_size + g.value_off, 8);
        }
        if (values && !gs_py_read_ptr(c, values_base + (uint64_t)i * 8, &value))
            return false;
        if (!key || !value)
            continue; /* deleted entry (dummy key) or a split slot not set */
        if (!fn(arg, key, value))
            return true;
    }
    return true;
}

struct get_str_arg {
    const struct gs_py_ctx *c;
    const char *key;
    uint64_t value;
    bool found;
};

static bool get_str_visit(void *p, uint64_t key, uint64_t value)
{
    struct get_str_arg *a = p;
    if (gs_py_str_equals(a->c, key, a->key)) {
        a->value = value;
        a->found = true;
        return false;
    }
    return true;
}

bool gs_py_dict_get_str(const struct gs_py_ctx *c, uint64_t dict, const char *key, uint64_t *value)
{
    struct get_str_arg a = {c, key, 0, false};
    if (!gs_py_dict_foreach(c, dict, get_str_visit, &a) || !a.found)
        return false;
    *value = a.value;
    return true;
}
