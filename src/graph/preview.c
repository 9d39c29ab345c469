#include "config.h"

#include <stdio.h>
#include <string.h>

#include "graph/preview.h"

#define STR_CHARS 40   /* characters of a str shown */
#define BYTES_SHOWN 24 /* bytes of a bytes object shown */

/* Quote text as a Python repr would (single quotes, escapes), cut to fit. */
static void quote(const char *in, bool cut, char *out, size_t cap)
{
    size_t o = 0;
    out[o++] = '\'';
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 8 < cap; p++) {
        unsigned ch = *p;
        if (ch == '\'' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    if (cut && o + 4 < cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o++] = '\'';
    out[o] = '\0';
}

static bool str_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    char text[STR_CHARS * 4 + 1];
    int64_t len = 0;
    if (!gs_py_str_utf8(c, obj, text, sizeof text, &len))
        return false;
    /* gs_py_str_utf8 cut on bytes; cut again on characters for a steady width. */
    size_t chars = 0, i = 0;
    for (; text[i] && chars < STR_CHARS; i++)
        if (((unsigned char)text[i] & 0xc0) != 0x80)
            chars++;
    while (text[i] && ((unsigned char)text[i] & 0xc0) == 0x80)
        i++;
    text[i] = '\0';
    quote(text, len > (int64_t)chars, out, cap);
    return true;
}

static bool bytes_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    const struct gs_py_layout *L = c->L;
    int64_t n;
    unsigned char data[BYTES_SHOWN];
    if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || n < 0)
        return false;
    size_t shown = n < BYTES_SHOWN ? (size_t)n : BYTES_SHOWN;
    if (!gs_read_exact(c->r, obj + (uint64_t)L->bytes_sval, data, shown))
        return false;
    size_t o = 0;
    o += (size_t)snprintf(out, cap, "b'");
    for (size_t i = 0; i < shown && o + 8 < cap; i++) {
        unsigned ch = data[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\')
            out[o++] = (char)ch;
        else
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
    }
    snprintf(out + o, cap - o, "%s'", (size_t)n > shown ? "..." : "");
    return true;
}

/* An int's value when it fits in 64 bits; "<int of N digits>" otherwise. */
static bool int_preview(const struct gs_py_ctx *c, uint64_t obj, uint64_t type_flags, char *out, size_t cap)
{
    uint64_t v;
    bool negative;
    int64_t ndigits;
    if (gs_py_int_value_typed(c, obj, type_flags, &v, &negative)) {
        /* By hand: there is one int per few objects in most heaps, and
         * snprintf was a tenth of the build's instructions. */
        char digits[24];
        size_t n = 0, k = 0;
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v);
        if (cap < n + 2)
            return false;
        if (negative)
            out[k++] = '-';
        while (n)
            out[k++] = digits[--n];
        out[k] = '\0';
        return true;
    }
    if (!gs_py_int_digits_typed(c, obj, type_flags, &ndigits, &negative))
        return false;
    snprintf(out, cap, "<int of %lld digits>", (long long)ndigits);
    return true;
}

static bool float_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    double d;
    if (!gs_read_exact(c->r, obj + (uint64_t)c->L->float_fval, &d, sizeof d))
        return false;
    snprintf(out, cap, "%.17g", d);
    return true;
}

/* The str at a field, unquoted. */
static bool field_text(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, char *out, size_t cap)
{
    uint64_t s;
    return gs_py_field_ptr(c, obj, offset, &s) && s && gs_py_str_utf8(c, s, out, cap, NULL);
}

static bool module_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    uint64_t dict, name;
    if (gs_py_layout_has(c->L->module_name) && field_text(c, obj, c->L->module_name, out, cap))
        return true;
    return gs_py_field_ptr(c, obj, c->L->module_dict, &dict) && dict && gs_py_dict_get_str(c, dict, "__name__", &name) &&
           gs_py_str_utf8(c, name, out, cap, NULL);
}

static bool type_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    uint64_t flags, p;
    if (!gs_py_type_flags(c, obj, &flags))
        return false;
    if (flags & (uint64_t)c->L->flag_heaptype)
        return field_text(c, obj, c->L->heaptype_qualname, out, cap);
    return gs_py_field_ptr(c, obj, c->L->type_name, &p) && gs_read_cstring(c->r, p, out, cap);
}

static bool code_preview(const struct gs_py_ctx *c, uint64_t obj, char *out, size_t cap)
{
    const struct gs_py_layout *L = c->L;
    char name[64], file[128];
    int32_t line = 0;
    int64_t off = gs_py_layout_has(L->code_qualname) ? L->code_qualname : L->code_name;
    if (!field_text(c, obj, off, name, sizeof name))
        return false;
    if (!field_text(c, obj, L->code_filename, file, sizeof file))
        file[0] = '\0';
    gs_read_i32(c->r, obj + (uint64_t)L->code_firstlineno, &line);
    const char *base = strrchr(file, '/');
    /* Made whole, then cut: a preview is a glimpse of GS_PREVIEW_MAX bytes. */
    char whole[sizeof name + sizeof file + 16];
    snprintf(whole, sizeof whole, "%s %s:%d", name, base ? base + 1 : file, (int)line);
    size_t n = strnlen(whole, cap - 1);
    memcpy(out, whole, n);
    out[n] = '\0';
    return true;
}

size_t gs_preview_text(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                       char out[GS_PREVIEW_MAX + 16])
{
    bool ok = false;
    const size_t cap = GS_PREVIEW_MAX + 16;
    switch (t->kind) {
    case GS_PYK_STR: ok = str_preview(c, obj, out, cap); break;
    case GS_PYK_BYTES: ok = bytes_preview(c, obj, out, cap); break;
    case GS_PYK_INT: ok = int_preview(c, obj, t->flags, out, cap); break;
    case GS_PYK_BOOL:
        ok = int_preview(c, obj, t->flags, out, cap);
        if (ok)
            snprintf(out, cap, "%s", strcmp(out, "0") == 0 ? "False" : "True");
        break;
    case GS_PYK_FLOAT: ok = float_preview(c, obj, out, cap); break;
    case GS_PYK_FUNCTION: ok = field_text(c, obj, c->L->func_qualname, out, cap); break;
    case GS_PYK_MODULE: ok = module_preview(c, obj, out, cap); break;
    case GS_PYK_TYPE: ok = type_preview(c, obj, out, cap); break;
    case GS_PYK_CODE: ok = code_preview(c, obj, out, cap); break;
    default:
        /* NoneType is a static type of no kind of its own: the name is
         * compared only for those, not for every dict and instance. */
        if (t->kind == GS_PYK_OBJECT && !t->heaptype && strcmp(t->name, "NoneType") == 0) {
            snprintf(out, cap, "None");
            ok = true;
        }
        break;
    }
    if (!ok)
        return 0;
    size_t n = strlen(out);
    return n > GS_PREVIEW_MAX ? GS_PREVIEW_MAX : n;
}

uint32_t gs_preview(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, gs_strpool *pool)
{
    char out[GS_PREVIEW_MAX + 16];
    size_t n = gs_preview_text(c, obj, t, out);
    return n ? gs_strpool_add(pool, out, n) : 0;
}
