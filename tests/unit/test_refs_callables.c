/* test_refs_callables: the decoders of refs_callables.c, refs_frames.c and
 * refs_misc.c over a fake heap laid out by every table: functions, cells,
 * bound methods, code objects, frames and generators of each layout family
 * (<= 3.10 frame objects, 3.11+ interpreter frames in generators and frame
 * objects), tracebacks, weakrefs, exceptions, _io objects; and lying
 * counts (a code object claiming 10^9 locals, a stack top past the stack),
 * which must give GS_PY_DECODE_BAD. */
#include "config.h"

#include <stdio.h>

#include "fakeheap.h"
#include "py/referents.h"
#include "py/typeinfo.h"
#include "unit.h"

#define MAX_REFS 256

struct ref {
    uint64_t dst;
    enum gs_label_kind kind;
    char name[48];
};

struct recorder {
    struct gs_py_refs_sink sink;
    struct ref refs[MAX_REFS];
    size_t n;
    uint64_t weak[8];
    size_t nweak;
};

static void rec_strong(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    struct recorder *r = (struct recorder *)s;
    (void)num;
    if (r->n < MAX_REFS) {
        struct ref *f = &r->refs[r->n];
        f->dst = dst;
        f->kind = kind;
        snprintf(f->name, sizeof f->name, "%s", name ? name : "");
    }
    r->n++;
}

static void rec_weak(struct gs_py_refs_sink *s, uint64_t dst)
{
    struct recorder *r = (struct recorder *)s;
    if (r->nweak < 8)
        r->weak[r->nweak] = dst;
    r->nweak++;
}

static void rec_init(struct recorder *r)
{
    memset(r, 0, sizeof *r);
    r->sink.strong = rec_strong;
    r->sink.weak = rec_weak;
}

/* Was dst reported with this label kind and name? */
static bool has(const struct recorder *r, uint64_t dst, enum gs_label_kind kind, const char *name)
{
    for (size_t i = 0; i < r->n && i < MAX_REFS; i++)
        if (r->refs[i].dst == dst && r->refs[i].kind == kind && strcmp(r->refs[i].name, name) == 0)
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

/* Decode obj through the dispatcher into r. */
static enum gs_py_decode decode(struct env *e, uint64_t obj, struct recorder *r)
{
    uint64_t type = fh_r64(&e->h, obj + (uint64_t)e->L->object_type);
    uint32_t t = gs_py_types_get(&e->types, &e->c, type);
    rec_init(r);
    if (t == GS_PY_TYPE_BAD)
        return GS_PY_DECODE_BAD;
    struct gs_py_type_info info = e->types.v[t];
    return gs_py_referents(&e->c, &e->types, obj, &info, &r->sink);
}

static void w32(struct env *e, uint64_t obj, int64_t offset, uint32_t v) { fh_w32(&e->h, obj + (uint64_t)offset, v); }
static void w64(struct env *e, uint64_t obj, int64_t offset, uint64_t v) { fh_w64(&e->h, obj + (uint64_t)offset, v); }

/* An object of a static type `tp_name` with `size` bytes (basicsize). */
static uint64_t object_of(struct env *e, const char *tp_name, int64_t size, bool gc)
{
    uint64_t flags = gc ? (uint64_t)e->L->flag_have_gc : 0;
    uint64_t type = fh_type(&e->h, tp_name, flags, size, 0);
    return gc ? fh_gc_object(&e->h, 0, type, (size_t)size + 64) : fh_object(&e->h, type, (size_t)size + 64);
}

static uint64_t str_tuple(struct env *e, const char *const *names, size_t n)
{
    uint64_t items[8];
    for (size_t i = 0; i < n && i < 8; i++)
        items[i] = fh_str(&e->h, names[i]);
    return fh_tuple(&e->h, items, n);
}

/* --- functions, cells, methods, descriptors, partial, builtins ------------ */

static void test_function(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t f = object_of(e, "function", L->func_size, true);
    uint64_t code = fh_str(&e->h, "code"), globals = fh_str(&e->h, "g"), name = fh_str(&e->h, "f");
    uint64_t closure = fh_str(&e->h, "closure"), builtins = fh_str(&e->h, "b");
    w64(e, f, L->func_code, code);
    w64(e, f, L->func_globals, globals);
    w64(e, f, L->func_name, name);
    w64(e, f, L->func_closure, closure);
    if (gs_py_layout_has(L->func_builtins))
        w64(e, f, L->func_builtins, builtins);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, code, GS_LABEL_FIELD, "__code__"));
    UNIT_CHECK(has(&r, globals, GS_LABEL_FIELD, "__globals__"));
    UNIT_CHECK(has(&r, name, GS_LABEL_FIELD, "__name__"));
    UNIT_CHECK(has(&r, closure, GS_LABEL_FIELD, "__closure__"));
    UNIT_CHECK(has(&r, builtins, GS_LABEL_FIELD, "__builtins__") == gs_py_layout_has(L->func_builtins));
    UNIT_CHECK_EQ_U64(r.n, gs_py_layout_has(L->func_builtins) ? 5 : 4); /* NULL fields are skipped */
}

static void test_cell_method(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t v = fh_str(&e->h, "v"), fn = fh_str(&e->h, "fn"), self = fh_str(&e->h, "self");
    uint64_t cell = object_of(e, "cell", L->cell_size, true);
    w64(e, cell, L->cell_ref, v);
    UNIT_CHECK(decode(e, cell, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, v, GS_LABEL_FIELD, "cell_contents"));
    UNIT_CHECK_EQ_U64(r.n, 1);

    uint64_t m = object_of(e, "method", L->method_size, true);
    w64(e, m, L->method_func, fn);
    w64(e, m, L->method_self, self);
    UNIT_CHECK(decode(e, m, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, fn, GS_LABEL_FIELD, "__func__"));
    UNIT_CHECK(has(&r, self, GS_LABEL_FIELD, "__self__"));

    uint64_t cm = object_of(e, "staticmethod", L->classmethod_dict + 8, true);
    w64(e, cm, L->classmethod_callable, fn);
    UNIT_CHECK(decode(e, cm, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, fn, GS_LABEL_FIELD, "__func__"));
}

static void test_property_partial(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t get = fh_str(&e->h, "get"), doc = fh_str(&e->h, "doc");
    uint64_t p = object_of(e, "property", L->property_size, true);
    w64(e, p, L->property_get, get);
    w64(e, p, L->property_doc, doc);
    UNIT_CHECK(decode(e, p, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, get, GS_LABEL_FIELD, "fget"));
    UNIT_CHECK(has(&r, doc, GS_LABEL_FIELD, "__doc__"));
    /* A property type smaller than the replicated struct: not this build. */
    uint64_t small = object_of(e, "property", 24, true);
    UNIT_CHECK(decode(e, small, &r) == GS_PY_DECODE_BAD);
    UNIT_CHECK_EQ_U64(r.n, 0);

    uint64_t fn = fh_str(&e->h, "fn"), args = fh_str(&e->h, "args"), kw = fh_str(&e->h, "kw");
    uint64_t pa = object_of(e, "functools.partial", L->partial_size, true);
    w64(e, pa, L->partial_fn, fn);
    w64(e, pa, L->partial_args, args);
    w64(e, pa, L->partial_kw, kw);
    UNIT_CHECK(decode(e, pa, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, fn, GS_LABEL_FIELD, "func"));
    UNIT_CHECK(has(&r, args, GS_LABEL_FIELD, "args"));
    UNIT_CHECK(has(&r, kw, GS_LABEL_FIELD, "keywords"));
}

static void test_builtin(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t self = fh_str(&e->h, "mod"), module = fh_str(&e->h, "builtins"), cls = fh_str(&e->h, "cls");
    uint64_t b = object_of(e, "builtin_function_or_method", L->cfunc_size, true);
    w64(e, b, L->cfunc_self, self);
    w64(e, b, L->cfunc_module, module);
    w64(e, b, L->cfunc_size, cls); /* past the struct: must not be read */
    UNIT_CHECK(decode(e, b, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, self, GS_LABEL_FIELD, "__self__"));
    UNIT_CHECK(has(&r, module, GS_LABEL_FIELD, "__module__"));
    UNIT_CHECK_EQ_U64(r.n, 2);
    if (!gs_py_layout_has(L->cmethod_class))
        return;
    /* 3.9+: a METH_METHOD function is the larger PyCMethodObject. */
    uint64_t type = fh_type(&e->h, "builtin_method", (uint64_t)L->flag_have_gc, L->cmethod_class + 8, 0);
    fh_w64(&e->h, type + (uint64_t)L->type_base, fh_type(&e->h, "builtin_function_or_method", 0, L->cfunc_size, 0));
    uint64_t cm = fh_gc_object(&e->h, 0, type, (size_t)L->cmethod_class + 8);
    w64(e, cm, L->cfunc_self, self);
    w64(e, cm, L->cmethod_class, cls);
    UNIT_CHECK(decode(e, cm, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, cls, GS_LABEL_FIELD, "__defining_class__"));
}

/* method-wrapper and functools.lru_cache: the wrapper holds its function
 * and cache dict; each link of a bounded cache holds its key and result. */
static void test_wrappers(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t a = fh_str(&e->h, "a"), b = fh_str(&e->h, "b");
    uint64_t mw = object_of(e, "method-wrapper", L->wrapper_size, true);
    w64(e, mw, L->wrapper_descr, a);
    w64(e, mw, L->wrapper_self, b);
    UNIT_CHECK(decode(e, mw, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "_descr"));
    UNIT_CHECK(has(&r, b, GS_LABEL_FIELD, "__self__"));

    /* A link reports nothing: its key and result are its wrapper's, as
     * lru_cache_tp_traverse visits them. */
    uint64_t link = object_of(e, "functools._lru_list_elem", L->lruelem_size, false);
    w64(e, link, L->lruelem_key, a);
    w64(e, link, L->lruelem_result, b);
    UNIT_CHECK(decode(e, link, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 0);

    uint64_t w = object_of(e, "functools._lru_cache_wrapper", L->lrucache_size, true);
    uint64_t keys[] = {a}, links[] = {link};
    uint64_t cache = fh_dict(&e->h, keys, links, 1, 0);
    w64(e, w, L->lrucache_func, a);
    w64(e, w, L->lrucache_cache, cache);
    UNIT_CHECK(decode(e, w, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "__wrapped__"));
    UNIT_CHECK(has(&r, cache, GS_LABEL_FIELD, "_cache"));
    UNIT_CHECK(has(&r, a, GS_LABEL_KEY, ""));
    UNIT_CHECK(has(&r, b, GS_LABEL_VALUE, ""));
    UNIT_CHECK_EQ_U64(r.n, 4);
}

/* --- code objects ---------------------------------------------------------- */

/* A code object with these local names (and, <= 3.10, one free variable
 * "fv" after them) and stack size. Its locals count is `claimed` when
 * non-negative, else the true one. */
static uint64_t make_code(struct env *e, const char *const *names, size_t n, int stacksize, int64_t claimed)
{
    const struct gs_py_layout *L = e->L;
    uint64_t code = object_of(e, "code", L->code_size, false);
    static const char *const fv[] = {"fv"};
    w64(e, code, L->code_name, fh_str(&e->h, "fn"));
    w64(e, code, L->code_filename, fh_str(&e->h, "file.py"));
    w32(e, code, L->code_stacksize, (uint32_t)stacksize);
    if (gs_py_layout_has(L->code_nlocalsplus)) {
        w32(e, code, L->code_nlocalsplus, (uint32_t)(claimed >= 0 ? claimed : (int64_t)n));
        w64(e, code, L->code_localsplusnames, str_tuple(e, names, n));
    } else {
        w32(e, code, L->code_nlocals, (uint32_t)(claimed >= 0 ? claimed : (int64_t)n));
        w64(e, code, L->code_varnames, str_tuple(e, names, n));
        w64(e, code, L->code_cellvars, fh_tuple(&e->h, NULL, 0));
        w64(e, code, L->code_freevars, str_tuple(e, fv, 1));
    }
    return code;
}

static void test_code(struct env *e)
{
    struct recorder r;
    static const char *const names[] = {"a"};
    uint64_t code = make_code(e, names, 1, 4, -1);
    UNIT_CHECK(decode(e, code, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, fh_r64(&e->h, code + (uint64_t)e->L->code_filename), GS_LABEL_FIELD, "co_filename"));
    UNIT_CHECK(has(&r, fh_r64(&e->h, code + (uint64_t)e->L->code_name), GS_LABEL_FIELD, "co_name"));
}

/* --- <= 3.10: frame objects ------------------------------------------------ */

/* A 3.8-3.10 frame: locals a, b, free variable fv, and `depth` stack
 * entries of a 3-slot stack. */
static uint64_t frame_310(struct env *e, uint64_t code, const uint64_t *slots, int nslots, int depth)
{
    const struct gs_py_layout *L = e->L;
    int stacksize = 3;
    uint64_t type = fh_type(&e->h, "frame", (uint64_t)L->flag_have_gc, L->frame_size - 8, 8);
    uint64_t f = fh_gc_object(&e->h, 0, type, (size_t)L->frame_localsplus + (size_t)(nslots + stacksize) * 8);
    w64(e, f, L->varobject_ob_size, (uint64_t)(nslots + stacksize));
    w64(e, f, L->frame_code, code);
    uint64_t ls = f + (uint64_t)L->frame_localsplus, vs = ls + (uint64_t)nslots * 8;
    for (int i = 0; i < nslots + (depth > 0 ? depth : 0); i++)
        fh_w64(&e->h, ls + (uint64_t)i * 8, slots[i]);
    w64(e, f, L->frame_valuestack, vs);
    if (gs_py_layout_has(L->frame_stacktop))
        w64(e, f, L->frame_stacktop, depth >= 0 ? vs + (uint64_t)depth * 8 : 0);
    else
        w32(e, f, L->frame_stackdepth, (uint32_t)depth);
    return f;
}

static void test_frames_310(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    static const char *const names[] = {"a", "b"};
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        v[i] = fh_str(&e->h, "value");
    uint64_t code = make_code(e, names, 2, 3, -1);

    /* Suspended: locals by name, the free variable, two stack entries. */
    uint64_t f = frame_310(e, code, v, 3, 2);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, code, GS_LABEL_FIELD, "f_code"));
    UNIT_CHECK(has(&r, v[0], GS_LABEL_LOCAL, "a"));
    UNIT_CHECK(has(&r, v[1], GS_LABEL_LOCAL, "b"));
    UNIT_CHECK(has(&r, v[2], GS_LABEL_LOCAL, "fv"));
    UNIT_CHECK(has(&r, v[3], GS_LABEL_ITEM_NAMED, "value stack"));
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_ITEM_NAMED), 2);

    /* Executing (f_stacktop NULL / f_stackdepth -1): locals only. */
    f = frame_310(e, code, v, 3, -1);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 3);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_ITEM_NAMED), 0);

    /* A stack top past the stack. */
    f = frame_310(e, code, v, 3, 0);
    if (gs_py_layout_has(L->frame_stacktop))
        w64(e, f, L->frame_stacktop, fh_r64(&e->h, f + (uint64_t)L->frame_valuestack) + 4 * 8);
    else
        w32(e, f, L->frame_stackdepth, 4);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_BAD);

    /* A code object claiming 10^9 locals: refused before any slot is read. */
    uint64_t liar = make_code(e, names, 2, 3, 1000000000);
    f = frame_310(e, liar, v, 3, 0);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_BAD);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 0);

    /* A generator holding the frame. */
    uint64_t g = object_of(e, "generator", L->gen_size, true);
    w64(e, g, L->gen_frame, f);
    w64(e, g, L->gen_code, code);
    uint64_t exc = fh_str(&e->h, "exc");
    w64(e, g, L->gen_exc_state + L->errstack_exc_value, exc);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, f, GS_LABEL_FIELD, "gi_frame"));
    UNIT_CHECK(has(&r, code, GS_LABEL_FIELD, "gi_code"));
    UNIT_CHECK(has(&r, exc, GS_LABEL_FIELD, "exc_value"));

    /* A coroutine's cr_origin follows the common head. */
    uint64_t origin = fh_str(&e->h, "origin");
    uint64_t c = object_of(e, "coroutine", L->coro_origin + 8, true);
    w64(e, c, L->coro_origin, origin);
    UNIT_CHECK(decode(e, c, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, origin, GS_LABEL_FIELD, "cr_origin"));
}

/* --- 3.11+: interpreter frames ---------------------------------------------- */

/* Fill an interpreter frame at `f`: owner, code, locals x, y, then
 * `stacktop` - 2 stack entries. */
static void iframe_fill(struct env *e, uint64_t f, int64_t owner, uint64_t code, const uint64_t *slots,
                        int stacktop)
{
    const struct gs_py_layout *L = e->L;
    fh_w8(&e->h, f + (uint64_t)L->iframe_owner, (uint8_t)owner);
    w64(e, f, L->iframe_code, code);
    if (gs_py_layout_has(L->iframe_stackpointer)) /* 3.14+: a pointer, NULL when unknown */
        w64(e, f, L->iframe_stackpointer,
            stacktop < 0 ? 0 : f + (uint64_t)L->iframe_localsplus + (uint64_t)stacktop * 8);
    else
        w32(e, f, L->iframe_stacktop, (uint32_t)stacktop);
    for (int i = 0; i < 5; i++)
        fh_w64(&e->h, f + (uint64_t)L->iframe_localsplus + (uint64_t)i * 8, slots[i]);
}

/* 3.14+: _PyStackRef words. Locals and stack entries may be tagged: a
 * borrowed reference (Py_TAG_REFCNT) is still a referent, a tagged int and
 * the NULL ref are no object; the code object may be tagged too. */
static void test_stackrefs_314(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    if (!gs_py_layout_has(L->stackref_tag_mask))
        return;
    struct recorder r;
    static const char *const names[] = {"x", "y"};
    uint64_t code = make_code(e, names, 2, 3, -1);
    uint64_t a = fh_str(&e->h, "a"), b = fh_str(&e->h, "b");
    uint64_t slots[5] = {
        a | (uint64_t)L->stackref_refcnt_tag,            /* x: borrowed */
        (uint64_t)L->stackref_null_bits,                 /* y: unbound (NULL) */
        (42u << 2) | (uint64_t)L->stackref_int_tag,       /* stack: a tagged int */
        b,                                               /* stack: owned */
        0,
    };
    uint64_t tf = fh_alloc(&e->h, (size_t)L->iframe_size + 8 * 8);
    iframe_fill(e, tf, L->iframe_owner_thread, code | (uint64_t)L->stackref_refcnt_tag, slots, 4);
    rec_init(&r);
    UNIT_CHECK(gs_py_iframe_roots(&e->c, &e->types, tf, false, &r.sink) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, code, GS_LABEL_FIELD, "f_code"));
    UNIT_CHECK(has(&r, a, GS_LABEL_LOCAL, "x"));
    UNIT_CHECK(has(&r, b, GS_LABEL_ITEM_NAMED, "value stack"));
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 1);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_ITEM_NAMED), 1);
    /* A stack pointer below the frame's slots or misaligned: corrupt. */
    w64(e, tf, L->iframe_stackpointer, tf + (uint64_t)L->iframe_localsplus - 8);
    rec_init(&r);
    UNIT_CHECK(gs_py_iframe_roots(&e->c, &e->types, tf, false, &r.sink) == GS_PY_DECODE_BAD);
    w64(e, tf, L->iframe_stackpointer, tf + (uint64_t)L->iframe_localsplus + 12);
    rec_init(&r);
    UNIT_CHECK(gs_py_iframe_roots(&e->c, &e->types, tf, false, &r.sink) == GS_PY_DECODE_BAD);
}

static uint64_t generator_311(struct env *e, uint64_t code, const uint64_t *slots, int stacktop, int state)
{
    const struct gs_py_layout *L = e->L;
    uint64_t type = fh_type(&e->h, "generator", (uint64_t)L->flag_have_gc, L->gen_size - 8, 8);
    uint64_t g = fh_gc_object(&e->h, 0, type, (size_t)L->gen_iframe + (size_t)L->iframe_size + 8 * 8);
    fh_w8(&e->h, g + (uint64_t)L->gen_frame_state, (uint8_t)(int8_t)state);
    /* A generator never initializes gi_origin_or_finalizer: leave junk. */
    w64(e, g, L->gen_origin_or_finalizer, 0xdeadbeef0);
    iframe_fill(e, g + (uint64_t)L->gen_iframe, L->iframe_owner_generator, code, slots, stacktop);
    return g;
}

static void test_frames_311(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    static const char *const names[] = {"x", "y"};
    uint64_t v[5];
    for (int i = 0; i < 5; i++)
        v[i] = fh_str(&e->h, "value");
    uint64_t code = make_code(e, names, 2, 3, -1);
    uint64_t func = fh_str(&e->h, "func");

    /* Suspended generator: code, locals by name, one stack entry. */
    uint64_t g = generator_311(e, code, v, 3, -1);
    w64(e, g + (uint64_t)L->gen_iframe, L->iframe_func, func);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, code, GS_LABEL_FIELD, "f_code"));
    UNIT_CHECK(has(&r, func, GS_LABEL_FIELD, "f_func"));
    UNIT_CHECK(has(&r, v[0], GS_LABEL_LOCAL, "x"));
    UNIT_CHECK(has(&r, v[1], GS_LABEL_LOCAL, "y"));
    UNIT_CHECK(has(&r, v[2], GS_LABEL_ITEM_NAMED, "value stack"));
    UNIT_CHECK(!has(&r, v[3], GS_LABEL_ITEM_NAMED, "value stack"));
    for (size_t i = 0; i < r.n && i < MAX_REFS; i++)
        UNIT_CHECK(r.refs[i].dst != 0xdeadbeef0);
    /* f_globals and f_builtins are borrowed: never reported. */
    uint64_t globals = fh_str(&e->h, "globals");
    w64(e, g + (uint64_t)L->gen_iframe, L->iframe_globals, globals);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(!has(&r, globals, GS_LABEL_FIELD, "f_globals"));

    /* Cleared: the frame is dead. */
    g = generator_311(e, code, v, 3, (int)L->gen_frame_state_cleared);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 0);

    /* Executing with stacktop -1: the locals only. */
    g = generator_311(e, code, v, -1, (int)L->gen_frame_state_executing);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 2);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_ITEM_NAMED), 0);

    /* Suspended with stacktop -1, or past the stack: corrupt. */
    g = generator_311(e, code, v, -1, -1);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_BAD);
    g = generator_311(e, code, v, 2 + 3 + 1, -1);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_BAD);

    /* 10^9 locals claimed (names and count disagree, and past the limit). */
    uint64_t liar = make_code(e, names, 2, 3, 1000000000);
    g = generator_311(e, liar, v, 3, -1);
    UNIT_CHECK(decode(e, g, &r) == GS_PY_DECODE_BAD);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 0);

    /* A frame object that owns its frame (the function returned). */
    uint64_t ftype = fh_type(&e->h, "frame", (uint64_t)L->flag_have_gc, L->frame_size - 8, 8);
    uint64_t f = fh_gc_object(&e->h, 0, ftype, (size_t)L->frame_data + (size_t)L->iframe_size + 8 * 8);
    uint64_t back = fh_str(&e->h, "back");
    w64(e, f, L->frame_back_obj, back);
    w64(e, f, L->frame_frame, f + (uint64_t)L->frame_data);
    iframe_fill(e, f + (uint64_t)L->frame_data, L->iframe_owner_frame_object, code, v, 2);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, back, GS_LABEL_FIELD, "f_back"));
    UNIT_CHECK(has(&r, v[1], GS_LABEL_LOCAL, "y"));
    /* ... and one whose frame a generator owns: f_back alone. */
    g = generator_311(e, code, v, 3, -1);
    w64(e, f, L->frame_frame, g + (uint64_t)L->gen_iframe);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.n, 1);
    /* An owned frame that is not the embedded copy: corrupt. */
    iframe_fill(e, g + (uint64_t)L->gen_iframe, L->iframe_owner_frame_object, code, v, 3);
    UNIT_CHECK(decode(e, f, &r) == GS_PY_DECODE_BAD);

    /* A thread's innermost frame through the roots entry point. */
    uint64_t tf = fh_alloc(&e->h, (size_t)L->iframe_size + 8 * 8);
    iframe_fill(e, tf, L->iframe_owner_thread, code, v, -1);
    rec_init(&r);
    UNIT_CHECK(gs_py_iframe_roots(&e->c, &e->types, tf, true, &r.sink) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 2);
    /* ... and one further out that called C code calling back into Python:
     * stacktop -1 too, locals only. */
    rec_init(&r);
    UNIT_CHECK(gs_py_iframe_roots(&e->c, &e->types, tf, false, &r.sink) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_LOCAL), 2);
    UNIT_CHECK_EQ_U64(count_kind(&r, GS_LABEL_ITEM_NAMED), 0);
}

/* --- tracebacks, weakrefs, exceptions, io --------------------------------- */

static void test_misc(struct env *e)
{
    const struct gs_py_layout *L = e->L;
    struct recorder r;
    uint64_t a = fh_str(&e->h, "a"), b = fh_str(&e->h, "b");

    uint64_t tb = object_of(e, "traceback", L->traceback_size, true);
    w64(e, tb, L->traceback_next, a);
    w64(e, tb, L->traceback_frame, b);
    UNIT_CHECK(decode(e, tb, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "tb_next"));
    UNIT_CHECK(has(&r, b, GS_LABEL_FIELD, "tb_frame"));

    /* weakref: the referent is weak, the callback strong. */
    const char *wname = L->minor < 10 ? "weakref" : "weakref.ReferenceType";
    uint64_t wr = object_of(e, wname, L->weakref_size, true);
    w64(e, wr, L->weakref_object, a);
    w64(e, wr, L->weakref_callback, b);
    UNIT_CHECK(decode(e, wr, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK_EQ_U64(r.nweak, 1);
    UNIT_CHECK_EQ_U64(r.weak[0], a);
    UNIT_CHECK(has(&r, b, GS_LABEL_FIELD, "__callback__"));
    UNIT_CHECK(!has(&r, a, GS_LABEL_FIELD, "__callback__"));

    uint64_t ex = object_of(e, "BaseException", L->exc_size, true);
    w64(e, ex, L->exc_args, a);
    w64(e, ex, L->exc_cause, b);
    UNIT_CHECK(decode(e, ex, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "args"));
    UNIT_CHECK(has(&r, b, GS_LABEL_FIELD, "__cause__"));

    uint64_t t = object_of(e, "_io.TextIOWrapper", L->textio_size, true);
    w64(e, t, L->textio_buffer, a);
    w64(e, t, L->textio_decoder, b);
    UNIT_CHECK(decode(e, t, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "buffer"));
    UNIT_CHECK(has(&r, b, GS_LABEL_FIELD, "_decoder"));
    uint64_t br = object_of(e, "_io.BufferedReader", L->buffered_size, true);
    w64(e, br, L->buffered_raw, a);
    UNIT_CHECK(decode(e, br, &r) == GS_PY_DECODE_OK);
    UNIT_CHECK(has(&r, a, GS_LABEL_FIELD, "raw"));
    uint64_t small = object_of(e, "_io.StringIO", 32, true);
    UNIT_CHECK(decode(e, small, &r) == GS_PY_DECODE_BAD);
}

int main(void)
{
    for (const struct gs_py_layout *const *Lp = gs_py_layouts; *Lp; Lp++) {
        /* The fake heap lays objects out with the GIL build's header (a
         * free-threaded one is 32 bytes, its counts split): skip those. */
        if (gs_py_layout_is_free_threaded(*Lp))
            continue;
        struct env e;
        env_init(&e, *Lp);
        test_function(&e);
        test_cell_method(&e);
        test_property_partial(&e);
        test_builtin(&e);
        test_wrappers(&e);
        test_code(&e);
        if (gs_py_layout_has((*Lp)->iframe_code))
            test_frames_311(&e);
        else
            test_frames_310(&e);
        test_stackrefs_314(&e);
        test_misc(&e);
        env_free(&e);
    }
    return unit_finish("test_refs_callables");
}
