/* refs_callables.c: modules, functions, code objects, cells, bound methods,
 * classmethod/staticmethod, property, functools.partial and builtin
 * functions.
 *
 * Each of these is a fixed C struct whose object fields are all strong
 * references (the comments say where each struct comes from); the offsets
 * are the layout table's, so a field a version lacks is GS_PY_ABSENT and is
 * skipped. Labels are the attribute names Python gives those fields.
 */
#include "config.h"

#include <stddef.h>

#include "py/refs_internal.h"

/* A struct replicated from a CPython .c file (tools/gen-offsets) must fit
 * in the object: its type's tp_basicsize is at least the replica's size.
 * A smaller type means the replica does not describe this build. */
static bool replica_fits(const struct gs_py_refs_ctx *rc, int64_t replica_size)
{
    return gs_py_layout_has(replica_size) && rc->t->basicsize >= replica_size;
}

/* PyModuleObject (Objects/moduleobject.c in 3.8/3.9, then
 * Include/internal/pycore_moduleobject.h): md_dict and md_name are strong
 * (module_dealloc releases both). md_def and md_state are C memory; an
 * extension module's m_traverse may visit objects kept in its state, which
 * cannot be decoded without knowing that module's C struct. md_weaklist
 * holds weak references only. */
enum gs_py_decode gs_py_refs_module(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->module_dict, "__dict__"},
        {L->module_name, "__name__"},
    };
    enum gs_py_decode res = GS_PY_REFS_FIELDS(rc, f);
    /* What a C extension keeps in its module state: its m_traverse, emulated. */
    if (res == GS_PY_DECODE_OK && rc->c->emu)
        res = gs_py_refs_module_state(rc);
    return res;
}

/* PyFunctionObject (Include/funcobject.h, cpython/funcobject.h from 3.9):
 * every PyObject* member is strong (func_dealloc/func_clear release them
 * all); func_builtins is 3.10+, func_typeparams 3.12+, func_annotate 3.14+. func_weakreflist is
 * weak, vectorcall and func_version are C. */
enum gs_py_decode gs_py_refs_function(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->func_code, "__code__"},
        {L->func_globals, "__globals__"},
        {L->func_builtins, "__builtins__"},
        {L->func_name, "__name__"},
        {L->func_qualname, "__qualname__"},
        {L->func_defaults, "__defaults__"},
        {L->func_kwdefaults, "__kwdefaults__"},
        {L->func_closure, "__closure__"},
        {L->func_doc, "__doc__"},
        {L->func_dict, "__dict__"},
        {L->func_module, "__module__"},
        {L->func_annotations, "__annotations__"},
        {L->func_typeparams, "__type_params__"},
        {L->func_annotate, "__annotate__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* 3.12+ code objects compute co_code, co_varnames, co_cellvars and
 * co_freevars on demand and keep them in a separately allocated
 * _PyCoCached (Include/cpython/code.h), freed with the code object, whose
 * four members are strong references. */
static enum gs_py_decode code_cached(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t cached;
    if (!gs_py_layout_has(L->code_cached))
        return GS_PY_DECODE_OK;
    if (!gs_py_field_ptr(rc->c, rc->obj, L->code_cached, &cached))
        return GS_PY_DECODE_BAD;
    if (!cached)
        return GS_PY_DECODE_OK;
    const struct named_field f[] = {
        {L->cocached_code, "co_code"},
        {L->cocached_varnames, "co_varnames"},
        {L->cocached_cellvars, "co_cellvars"},
        {L->cocached_freevars, "co_freevars"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        uint64_t v;
        if (!gs_py_field_ptr(rc->c, cached, f[i].offset, &v))
            return GS_PY_DECODE_BAD;
        gs_py_refs_emit(rc, v, GS_LABEL_FIELD, 0, f[i].name);
    }
    return GS_PY_DECODE_OK;
}

/* PyCodeObject (Include/code.h, cpython/code.h from 3.9). Code objects are
 * not tracked by the collector, but they are nodes of the graph, and their
 * names and file names are what a reader looks for.
 *   3.8-3.10: co_code, co_consts, co_names, co_varnames, co_freevars,
 *     co_cellvars, co_filename, co_name, and co_lnotab (3.8/3.9) or
 *     co_linetable (3.10) at the same table field. co_zombieframe is a
 *     cached frame, not a counted reference: not reported.
 *   3.11+: co_consts, co_names, co_exceptiontable, co_localsplusnames,
 *     co_localspluskinds (bytes), co_filename, co_name, co_qualname,
 *     co_linetable; 3.11 caches co_code in _co_code, 3.12+ in _co_cached.
 * co_weakreflist is weak; co_extra, co_opcache, _co_monitoring are C. */
enum gs_py_decode gs_py_refs_code(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    /* The member is co_lnotab up to 3.9 and co_linetable from 3.10: only
     * the label depends on the version, the offset is the table's. */
    const char *linetable = (L->major == 3 && L->minor < 10) ? "co_lnotab" : "co_linetable";
    const struct named_field f[] = {
        {L->code_code, "co_code"},
        {L->code_co_code_cache, "co_code"},
        {L->code_consts, "co_consts"},
        {L->code_names, "co_names"},
        {L->code_varnames, "co_varnames"},
        {L->code_freevars, "co_freevars"},
        {L->code_cellvars, "co_cellvars"},
        {L->code_localsplusnames, "co_localsplusnames"},
        {L->code_localspluskinds, "co_localspluskinds"},
        {L->code_filename, "co_filename"},
        {L->code_name, "co_name"},
        {L->code_qualname, "co_qualname"},
        {L->code_linetable, linetable},
        {L->code_exceptiontable, "co_exceptiontable"},
    };
    enum gs_py_decode r = GS_PY_REFS_FIELDS(rc, f);
    if (r != GS_PY_DECODE_OK)
        return r;
    return code_cached(rc);
}

/* PyCellObject (Include/cellobject.h): ob_ref, strong or NULL (empty). */
enum gs_py_decode gs_py_refs_cell(const struct gs_py_refs_ctx *rc)
{
    const struct named_field f[] = {{rc->c->L->cell_ref, "cell_contents"}};
    return GS_PY_REFS_FIELDS(rc, f);
}

/* PyMethodObject (Include/classobject.h, cpython/classobject.h from
 * 3.11): im_func and im_self, both strong; im_weakreflist is weak. */
enum gs_py_decode gs_py_refs_method(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->method_func, "__func__"},
        {L->method_self, "__self__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* classmethod and staticmethod (Objects/funcobject.c, replicated in
 * tools/gen-offsets): cm_callable and cm_dict, both strong. */
enum gs_py_decode gs_py_refs_classmethod(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->classmethod_callable, "__func__"},
        {L->classmethod_dict, "__dict__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* propertyobject (Objects/descrobject.c, replicated in tools/gen-offsets):
 * prop_get, prop_set, prop_del, prop_doc, and from 3.10 prop_name; all
 * strong (property_dealloc releases them). */
enum gs_py_decode gs_py_refs_property(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (!replica_fits(rc, L->property_size))
        return GS_PY_DECODE_BAD;
    const struct named_field f[] = {
        {L->property_get, "fget"},
        {L->property_set, "fset"},
        {L->property_del, "fdel"},
        {L->property_doc, "__doc__"},
        {L->property_name, "__name__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* partialobject (Modules/_functoolsmodule.c, replicated in
 * tools/gen-offsets): fn, args, kw and dict, all strong; weakreflist is
 * weak. functools.partial is a heap type from 3.10 (its instances' type
 * reference is the dispatcher's). */
enum gs_py_decode gs_py_refs_partial(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (!replica_fits(rc, L->partial_size))
        return GS_PY_DECODE_BAD;
    const struct named_field f[] = {
        {L->partial_fn, "func"},
        {L->partial_args, "args"},
        {L->partial_kw, "keywords"},
        {L->partial_dict, "__dict__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* PyCFunctionObject (Include/methodobject.h; cpython/methodobject.h from
 * 3.9): m_self and m_module are strong; m_ml points at the C PyMethodDef
 * and is never an object. From 3.9 a METH_METHOD function is a
 * PyCMethodObject (type "builtin_method", tp_basicsize one word larger)
 * whose mm_class, the defining class, is strong too. Only that type is big
 * enough to hold mm_class: builtin_function_or_method cannot be
 * subclassed, so tp_basicsize tells the two apart without reading m_ml. */
enum gs_py_decode gs_py_refs_builtin_function(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    const struct named_field f[] = {
        {L->cfunc_self, "__self__"},
        {L->cfunc_module, "__module__"},
    };
    enum gs_py_decode r = GS_PY_REFS_FIELDS(rc, f);
    if (r != GS_PY_DECODE_OK)
        return r;
    if (gs_py_layout_has(L->cmethod_class) && rc->t->basicsize >= L->cmethod_class + 8 &&
        !gs_py_refs_field(rc, L->cmethod_class, "__defining_class__"))
        return GS_PY_DECODE_BAD;
    return GS_PY_DECODE_OK;
}

/* wrapperobject (method-wrapper, Objects/descrobject.c, replicated in
 * tools/gen-offsets): the slot wrapper descriptor it binds and the object
 * it is bound to (__self__), both strong. */
enum gs_py_decode gs_py_refs_method_wrapper(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (!replica_fits(rc, L->wrapper_size))
        return GS_PY_DECODE_BAD;
    const struct named_field f[] = {
        {L->wrapper_descr, "_descr"},
        {L->wrapper_self, "__self__"},
    };
    return GS_PY_REFS_FIELDS(rc, f);
}

/* functools._lru_cache_wrapper and its links (Modules/_functoolsmodule.c,
 * replicated in tools/gen-offsets). The wrapper holds cache (the dict),
 * func, cache_info_type, dict, and from 3.10 kwd_mark and
 * lru_list_elem_type, all strong. With a bounded maxsize the cache dict's
 * values are _lru_list_elem links, each holding its key and result; the
 * links are not GC objects (gc.get_referents of one is empty) and
 * lru_cache_tp_traverse visits every link's key and result from the
 * wrapper, and from 3.10 each link's type (a heap type). gcscope does the
 * same: the wrapper's edges <key>, [key] and [link type] lead to each
 * cached key, result and link type (one edge per reference a link holds,
 * so the reference counts still balance); the link itself reports none,
 * not even its class (referents.c). */
struct lru_links {
    const struct gs_py_refs_ctx *rc;
    bool bad;
};

static bool lru_link(void *arg, uint64_t key, uint64_t value)
{
    (void)key;
    struct lru_links *ll = arg;
    const struct gs_py_refs_ctx *rc = ll->rc;
    const struct gs_py_layout *L = rc->c->L;
    uint64_t type, link_key, result;
    if (!gs_py_type_of(rc->c, value, &type))
        return true;
    uint32_t id = gs_py_types_get(rc->types, rc->c, type);
    if (id == GS_PY_TYPE_BAD || rc->types->v[id].kind != GS_PYK_LRU_ELEM)
        return true; /* an unbounded cache: the dict holds the results itself */
    if (!gs_py_field_ptr(rc->c, value, L->lruelem_key, &link_key) || !gs_py_field_ptr(rc->c, value, L->lruelem_result, &result)) {
        ll->bad = true;
        return false;
    }
    gs_py_refs_emit(rc, link_key, GS_LABEL_KEY, 0, NULL);
    gs_py_refs_emit(rc, result, GS_LABEL_VALUE, link_key, NULL);
    /* 3.10+: the links are instances of a heap type, which each holds */
    if (rc->types->v[id].heaptype)
        gs_py_refs_emit(rc, type, GS_LABEL_ITEM_NAMED, 0, "link type");
    return true;
}

enum gs_py_decode gs_py_refs_lru_cache(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (rc->t->kind == GS_PYK_LRU_ELEM)
        return replica_fits(rc, L->lruelem_size) ? GS_PY_DECODE_OK : GS_PY_DECODE_BAD;
    const struct named_field f[] = {
        {L->lrucache_func, "__wrapped__"},
        {L->lrucache_cache, "_cache"},
        {L->lrucache_kwd_mark, "_kwd_mark"},
        {L->lrucache_elem_type, "_lru_list_elem_type"},
        {L->lrucache_cache_info_type, "_cache_info_type"},
        {L->lrucache_dict, "__dict__"},
    };
    if (!replica_fits(rc, L->lrucache_size))
        return GS_PY_DECODE_BAD;
    enum gs_py_decode res = GS_PY_REFS_FIELDS(rc, f);
    uint64_t cache;
    struct lru_links ll = {rc, false};
    if (res == GS_PY_DECODE_OK && gs_py_field_ptr(rc->c, rc->obj, L->lrucache_cache, &cache) && cache &&
        (!gs_py_dict_foreach(rc->c, cache, lru_link, &ll) || ll.bad))
        res = GS_PY_DECODE_BAD;
    return res;
}
