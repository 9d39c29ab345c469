#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/typeinfo.h"
#include "util/alloc.h"

#define MAX_BASE_DEPTH 64 /* tp_base chains are short; longer means a loop */

static const char *const kind_names[GS_PYK_COUNT] = {
#define PY_KIND_NAME(kind, name) [kind] = name,
    GS_PY_KINDS(PY_KIND_NAME)
#undef PY_KIND_NAME
};

const char *gs_py_kind_name(enum gs_py_kind k) { return k < GS_PYK_COUNT ? kind_names[k] : "?"; }

enum gs_py_kind gs_py_kind_from_name(const char *tp_name)
{
    for (int k = 1; k < GS_PYK_COUNT; k++)
        if (strcmp(tp_name, kind_names[k]) == 0)
            return (enum gs_py_kind)k;
    return GS_PYK_OBJECT;
}

void gs_py_types_init(struct gs_py_types *t)
{
    memset(t, 0, sizeof *t);
    gs_addrmap_init(&t->index);
    t->cap = 64;
    t->v = gs_xcalloc(t->cap, sizeof *t->v);
    t->v[0].name = gs_xstrdup("<bad type>");
    t->v[0].module = gs_xstrdup("<gcscope>");
    t->n = 1;
}

void gs_py_types_init_copy(struct gs_py_types *t)
{
    memset(t, 0, sizeof *t);
    gs_addrmap_init(&t->index);
    t->frozen = true;
}

bool gs_py_types_copy_add(struct gs_py_types *t, const struct gs_py_type_info *info)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        struct gs_py_type_info *v = gs_try_reallocarray(t->v, cap, sizeof *v);
        if (!v)
            return false;
        t->v = v;
        t->cap = cap;
    }
    uint32_t id = (uint32_t)t->n;
    if (id != GS_PY_TYPE_BAD && !gs_addrmap_put(&t->index, info->addr, id))
        return false;
    t->v[t->n++] = *info;
    return true;
}

void gs_py_types_free(struct gs_py_types *t)
{
    for (size_t i = 0; i < t->n && !t->frozen; i++) {
        free(t->v[i].name);
        free(t->v[i].module);
    }
    free(t->v);
    gs_addrmap_free(&t->index);
    memset(t, 0, sizeof *t);
}

static bool read_tp_name(const struct gs_py_ctx *c, uint64_t type, char *buf, size_t cap)
{
    uint64_t p;
    return gs_py_field_ptr(c, type, c->L->type_name, &p) && p && gs_read_cstring(c->r, p, buf, cap) && buf[0];
}

/* type.__name__ and type.__module__, as typeobject.c computes them. */
static void read_names(const struct gs_py_ctx *c, uint64_t type, bool heaptype, char **name, char **module)
{
    const struct gs_py_layout *L = c->L;
    char buf[512];
    *name = NULL;
    *module = NULL;
    if (heaptype) {
        uint64_t s, dict, mod;
        if (gs_py_field_ptr(c, type, L->heaptype_name, &s) && gs_py_str_utf8(c, s, buf, sizeof buf, NULL))
            *name = gs_xstrdup(buf);
        if (gs_py_field_ptr(c, type, L->type_dict, &dict) && dict && gs_py_dict_get_str(c, dict, "__module__", &mod) &&
            gs_py_str_utf8(c, mod, buf, sizeof buf, NULL))
            *module = gs_xstrdup(buf);
        if (!*module)
            *module = gs_xstrdup("builtins");
    }
    if (!*name || !*module) {
        if (!read_tp_name(c, type, buf, sizeof buf))
            snprintf(buf, sizeof buf, "<unnamed type 0x%llx>", (unsigned long long)type);
        char *dot = strrchr(buf, '.');
        if (!*name)
            *name = gs_xstrdup(dot ? dot + 1 : buf);
        if (!*module) {
            if (dot) {
                *dot = '\0';
                *module = gs_xstrdup(buf);
            } else {
                *module = gs_xstrdup("builtins");
            }
        }
    }
}

/* The kind is the nearest base, heap or static, whose tp_name is one gcscope
 * knows (collections.defaultdict -> dict, bool -> int, a class deriving from
 * list -> list); a C type with no known base is GS_PYK_OBJECT. Classes are
 * skipped: a class named "list" in user code is not the built-in. */
static enum gs_py_kind find_kind(const struct gs_py_ctx *c, uint64_t type)
{
    const struct gs_py_layout *L = c->L;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags;
        if (!gs_py_type_flags(c, type, &flags))
            return GS_PYK_OBJECT;
        /* C types made with PyType_FromSpec are heap types too (deque and
         * defaultdict from 3.12, partial from 3.10, _io from 3.12), but they
         * are immutable, which a class statement never makes. */
        bool c_type = !(flags & (uint64_t)L->flag_heaptype) ||
                      (gs_py_layout_has(L->flag_immutabletype) && (flags & (uint64_t)L->flag_immutabletype));
        if (c_type) {
            char buf[128];
            if (!read_tp_name(c, type, buf, sizeof buf))
                return GS_PYK_OBJECT;
            enum gs_py_kind k = gs_py_kind_from_name(buf);
            if (k != GS_PYK_OBJECT || strcmp(buf, "object") == 0)
                return k;
        }
        if (!gs_py_field_ptr(c, type, L->type_base, &type))
            return GS_PYK_OBJECT;
    }
    return GS_PYK_OBJECT;
}

static size_t recent_slot(uint64_t type_addr)
{
    return (size_t)((type_addr >> 4) ^ (type_addr >> 10)) & 63;
}

static uint32_t remember(struct gs_py_types *t, uint64_t type_addr, uint32_t id)
{
    if (type_addr) {
        t->recent_addr[recent_slot(type_addr)] = type_addr;
        t->recent_id[recent_slot(type_addr)] = id;
    }
    return id;
}

uint32_t gs_py_types_get(struct gs_py_types *t, const struct gs_py_ctx *c, uint64_t type_addr)
{
    size_t k = recent_slot(type_addr);
    if (type_addr && t->recent_addr[k] == type_addr)
        return t->recent_id[k];
    uint32_t *hit = gs_addrmap_get(&t->index, type_addr);
    if (hit)
        return remember(t, type_addr, *hit);
    if (t->frozen) {
        /* A copy never reads a type: the owner of the table would have
         * added it, so what the caller decodes must be decoded again there. */
        if (type_addr)
            t->missed = true;
        return GS_PY_TYPE_BAD;
    }
    const struct gs_py_layout *L = c->L;
    uint32_t id = GS_PY_TYPE_BAD;
    struct gs_py_type_info info = {.addr = type_addr};
    if (gs_py_is_type(c, type_addr) && gs_py_type_flags(c, type_addr, &info.flags) &&
        gs_py_field_ssize(c, type_addr, L->type_basicsize, &info.basicsize) &&
        gs_py_field_ssize(c, type_addr, L->type_itemsize, &info.itemsize) &&
        gs_py_field_ssize(c, type_addr, L->type_dictoffset, &info.dictoffset) && info.basicsize > 0 &&
        info.basicsize < (1 << 24) && info.itemsize >= 0 && info.itemsize < (1 << 16)) {
        info.heaptype = (info.flags & (uint64_t)L->flag_heaptype) != 0;
        info.is_gc = (info.flags & (uint64_t)L->flag_have_gc) != 0;
        info.kind = find_kind(c, type_addr);
        read_names(c, type_addr, info.heaptype, &info.name, &info.module);
        if (t->n == t->cap) {
            t->cap *= 2;
            t->v = gs_xreallocarray(t->v, t->cap, sizeof *t->v);
        }
        id = (uint32_t)t->n;
        t->v[t->n++] = info;
    }
    gs_addrmap_put(&t->index, type_addr, id);
    return remember(t, type_addr, id);
}
