/* refs_frames.c: frame objects, interpreter frames (3.11+), generators,
 * coroutines, async generators and tracebacks.
 *
 * A frame's locals are reported by name (GS_LABEL_LOCAL, the name from the
 * code object), its value stack as "[value stack]" items. Every count comes
 * from the code object and is checked against the object it describes and
 * against PY_FRAME_MAX_SLOTS before a loop uses it.
 *
 * Two layout families:
 *   <= 3.10  PyFrameObject is the frame: f_localsplus[] holds locals, cells
 *            and free variables (co_nlocals + len(co_cellvars) +
 *            len(co_freevars)), then the value stack at f_valuestack.
 *            Generators point at their frame object (gi_frame).
 *   3.11+    _PyInterpreterFrame (Include/internal/pycore_frame.h) lives in
 *            the thread's data stack, inside a generator (gi_iframe) or
 *            inside a frame object (_f_frame_data) that took it over; its
 *            localsplus[] has co_nlocalsplus named slots, then the stack up
 *            to `stacktop`.
 */
#include "config.h"

#include <stdio.h>

#include "py/refs_internal.h"

/* More locals + stack slots than any real function has: a larger count
 * read from memory is corruption. */
#define PY_FRAME_MAX_SLOTS (1 << 20)
#define SLOT_BATCH 64
#define STACK_LABEL "value stack"

/* --- small readers -------------------------------------------------------- */

/* gs_py_field_i32, widened: the counts below are compared as int64_t. */
static bool read_i32(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int64_t *out)
{
    int32_t v;
    if (!gs_py_field_i32(c, obj, offset, &v))
        return false;
    *out = v;
    return true;
}

static bool read_i8(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, int64_t *out)
{
    uint8_t v;
    if (offset < 0 || !gs_read_u8(c->r, obj + (uint64_t)offset, &v))
        return false;
    *out = (int8_t)v;
    return true;
}

/* Is obj a code object (by its type's kind)? */
static bool is_code(const struct gs_py_refs_ctx *rc, uint64_t obj)
{
    uint64_t type;
    if (!obj || !gs_py_type_of(rc->c, obj, &type))
        return false;
    uint32_t t = gs_py_types_get(rc->types, rc->c, type);
    return t != GS_PY_TYPE_BAD && rc->types->v[t].kind == GS_PYK_CODE;
}

/* A tuple's length and the address of its first item; false unless obj is
 * a readable tuple of at most PY_FRAME_MAX_SLOTS items. */
static bool tuple_items(const struct gs_py_ctx *c, uint64_t obj, int64_t *n, uint64_t *items)
{
    const struct gs_py_layout *L = c->L;
    if (!obj || !gs_py_has_type_flag(c, obj, L->flag_tuple_subclass) ||
        !gs_py_field_ssize(c, obj, L->varobject_ob_size, n) || *n < 0 || *n > PY_FRAME_MAX_SLOTS)
        return false;
    *items = obj + (uint64_t)L->tuple_ob_item;
    return true;
}

/* Where the names of a frame's slots come from: up to three runs of slots
 * laid end to end, each named by a tuple (co_varnames, co_cellvars,
 * co_freevars before 3.11; co_localsplusnames alone after). A run has
 * n[p] slots; its tuple names the first avail[p] of them. */
struct slot_names {
    uint64_t items[3];
    int64_t n[3], avail[3];
    int parts;
};

/* The name of slot i as a C string in buf ("#i" when it cannot be read). */
static const char *slot_name(const struct gs_py_ctx *c, const struct slot_names *nm, int64_t i, char *buf,
                             size_t cap)
{
    int64_t k = i;
    for (int p = 0; p < nm->parts; p++) {
        if (k < nm->n[p]) {
            uint64_t str;
            if (k < nm->avail[p] && gs_py_read_ptr(c, nm->items[p] + (uint64_t)k * 8, &str) &&
                gs_py_str_utf8(c, str, buf, cap, NULL))
                return buf;
            break;
        }
        k -= nm->n[p];
    }
    snprintf(buf, cap, "#%lld", (long long)i);
    return buf;
}

/* Report `count` slots from `base`: the first `nnamed` as locals named by
 * nm, the rest as value stack entries. NULL slots are empty. From 3.14 the
 * slots are _PyStackRef words: tagged ints are no object, and the tag bits
 * are cleared (gs_py_stackref_object). A borrowed stack reference is still a
 * referent, as gc.get_referents() reports it (gc.c _PyGC_VisitStackRef). */
static enum gs_py_decode report_slots(const struct gs_py_refs_ctx *rc, uint64_t base, int64_t count, int64_t nnamed,
                                   const struct slot_names *nm)
{
    uint64_t batch[SLOT_BATCH];
    char name[128];
    for (int64_t i = 0; i < count; i += SLOT_BATCH) {
        int64_t k = count - i < SLOT_BATCH ? count - i : SLOT_BATCH;
        if (!gs_read_exact(rc->c->r, base + (uint64_t)i * 8, batch, (size_t)k * 8))
            return GS_PY_DECODE_BAD;
        for (int64_t j = 0; j < k; j++) {
            uint64_t obj = gs_py_stackref_object(rc->c->L, batch[j], NULL);
            if (!obj)
                continue;
            if (i + j < nnamed)
                gs_py_refs_emit(rc, obj, GS_LABEL_LOCAL, 0, slot_name(rc->c, nm, i + j, name, sizeof name));
            else
                gs_py_refs_emit(rc, obj, GS_LABEL_ITEM_NAMED, 0, STACK_LABEL);
        }
    }
    return GS_PY_DECODE_OK;
}

/* Report a pointer field of any address (not only rc->obj). */
static bool field_at(const struct gs_py_refs_ctx *rc, uint64_t base, int64_t offset, const char *name)
{
    uint64_t v;
    if (!gs_py_layout_has(offset))
        return true;
    if (!gs_py_field_ptr(rc->c, base, offset, &v))
        return false;
    gs_py_refs_emit(rc, v, GS_LABEL_FIELD, 0, name);
    return true;
}

/* A _PyStackRef field of any address (3.14+; a plain pointer before). */
static bool stackref_at(const struct gs_py_refs_ctx *rc, uint64_t base, int64_t offset, const char *name)
{
    uint64_t v;
    if (!gs_py_layout_has(offset))
        return true;
    if (!gs_py_field_stackref(rc->c, base, offset, &v))
        return false;
    gs_py_refs_emit(rc, v, GS_LABEL_FIELD, 0, name);
    return true;
}

/* How many slots of localsplus[] are in use: stacktop (3.11-3.13), or
 * stackpointer - localsplus (3.14+). -1 when not recorded: 3.11-3.13 keep
 * -1 while the frame executes, 3.14 debug builds NULL (release builds keep
 * the pointer saved before the last call out of the eval loop, which is
 * where a stopped thread is). */
static bool frame_stack_top(const struct gs_py_refs_ctx *rc, uint64_t iframe, int64_t *top)
{
    const struct gs_py_layout *L = rc->c->L;
    if (gs_py_layout_has(L->iframe_stacktop))
        return read_i32(rc->c, iframe, L->iframe_stacktop, top);
    uint64_t sp;
    if (!gs_py_field_ptr(rc->c, iframe, L->iframe_stackpointer, &sp))
        return false;
    uint64_t base = iframe + (uint64_t)L->iframe_localsplus;
    if (!sp) {
        *top = -1;
        return true;
    }
    if (sp < base || (sp - base) % 8 != 0 || (sp - base) / 8 > PY_FRAME_MAX_SLOTS) {
        *top = -2; /* not a pointer into this frame: corrupt */
        return true;
    }
    *top = (int64_t)((sp - base) / 8);
    return true;
}

/* --- 3.11+: interpreter frames -------------------------------------------- */

/* The code object's slot count and names, checked against each other. */
static bool code_localsplus(const struct gs_py_refs_ctx *rc, uint64_t code, int64_t *nlocalsplus, int64_t *stacksize,
                            struct slot_names *nm)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t names;
    int64_t n;
    if (!read_i32(rc->c, code, L->code_nlocalsplus, nlocalsplus) ||
        !read_i32(rc->c, code, L->code_stacksize, stacksize) ||
        !gs_py_field_ptr(rc->c, code, L->code_localsplusnames, &names) || !tuple_items(rc->c, names, &n, &nm->items[0]))
        return false;
    if (*nlocalsplus < 0 || *stacksize < 0 || *nlocalsplus + *stacksize > PY_FRAME_MAX_SLOTS || n != *nlocalsplus)
        return false;
    nm->n[0] = nm->avail[0] = n;
    nm->parts = 1;
    return true;
}

/* _PyInterpreterFrame, 3.11-3.13 (Include/internal/pycore_frame.h):
 *   f_code / f_executable   strong (3.13: a code object or None)
 *   f_func / f_funcobj      strong ("Only valid if not on C stack")
 *   f_globals, f_builtins   BORROWED in 3.11, 3.12 and 3.13: not reported
 *   f_locals, frame_obj     strong, may be NULL
 *   localsplus[0, stacktop) locals then stack, as _PyFrame_Traverse visits.
 * stacktop is -1 while the frame executes (3.11-3.13 set it so on entry to
 * the eval loop and save it only around calls to Python functions); an
 * executing frame with no valid stacktop reports its co_nlocalsplus locals
 * only: its stack above them is not known. frame.clear() leaves stacktop 0. A C-stack shim frame
 * (3.12+, FRAME_OWNED_BY_CSTACK) holds nothing valid but its static code. */
enum gs_py_decode gs_py_refs_iframe(const struct gs_py_refs_ctx *rc, uint64_t iframe, bool executing)
{
    const struct gs_py_layout *L = rc->c->L;
    int64_t owner, stacktop, nlocalsplus, stacksize;
    uint64_t code;
    struct slot_names nm = {{0}, {0}, {0}, 0};
    if (!gs_py_layout_has(L->iframe_code))
        return GS_PY_DECODE_OPAQUE; /* <= 3.10 has no interpreter frames */
    if (!read_i8(rc->c, iframe, L->iframe_owner, &owner) || !gs_py_field_stackref(rc->c, iframe, L->iframe_code, &code))
        return GS_PY_DECODE_BAD;
    if (gs_py_layout_has(L->iframe_owner_cstack) && owner >= L->iframe_owner_cstack)
        return GS_PY_DECODE_OK;
    gs_py_refs_emit(rc, code, GS_LABEL_FIELD, 0, "f_code");
    if (!stackref_at(rc, iframe, L->iframe_func, "f_func") || !field_at(rc, iframe, L->iframe_locals, "f_locals") ||
        !field_at(rc, iframe, L->iframe_frame_obj, "frame_obj"))
        return GS_PY_DECODE_BAD;
    if (!is_code(rc, code))
        return code ? GS_PY_DECODE_OK : GS_PY_DECODE_BAD; /* 3.13: None for frames without code */
    if (!code_localsplus(rc, code, &nlocalsplus, &stacksize, &nm) ||
        !frame_stack_top(rc, iframe, &stacktop))
        return GS_PY_DECODE_BAD;
    uint64_t slots = iframe + (uint64_t)L->iframe_localsplus;
    if (stacktop >= 0 && stacktop <= nlocalsplus + stacksize)
        return report_slots(rc, slots, stacktop, nlocalsplus, &nm);
    /* A thread's frame that called C code which called back into Python
     * also keeps stacktop -1, not only the innermost one. */
    if (stacktop == -1 && (executing || owner == L->iframe_owner_thread))
        return report_slots(rc, slots, nlocalsplus, nlocalsplus, &nm);
    return GS_PY_DECODE_BAD;
}

/* 3.11+ PyFrameObject (internal/pycore_frame.h `struct _frame`): f_back
 * (only set once materialized; otherwise computed, not held), f_trace,
 * 3.13's f_extra_locals and f_locals_cache, all strong; f_frame points at
 * the interpreter frame, which this object owns only when its owner is
 * FRAME_OWNED_BY_FRAME_OBJECT (the function has returned and the frame was
 * copied into _f_frame_data). Otherwise the frame belongs to a thread or a
 * generator, which report it. */
static enum gs_py_decode frame_object_311(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t iframe;
    int64_t owner;
    if (!field_at(rc, rc->obj, L->frame_back_obj, "f_back") || !field_at(rc, rc->obj, L->frame_trace, "f_trace") ||
        !field_at(rc, rc->obj, L->frame_extra_locals, "f_extra_locals") ||
        !field_at(rc, rc->obj, L->frame_locals_cache, "f_locals_cache"))
        return GS_PY_DECODE_BAD;
    if (!gs_py_field_ptr(rc->c, rc->obj, L->frame_frame, &iframe) || !iframe ||
        !read_i8(rc->c, iframe, L->iframe_owner, &owner))
        return GS_PY_DECODE_BAD;
    if (owner != L->iframe_owner_frame_object)
        return GS_PY_DECODE_OK;
    if (iframe != rc->obj + (uint64_t)L->frame_data)
        return GS_PY_DECODE_BAD; /* an owned frame is always the embedded copy */
    return gs_py_refs_iframe(rc, iframe, false);
}

/* --- <= 3.10: frame objects --------------------------------------------- */

/* The slot names and counts of a 3.8-3.10 code object: co_nlocals locals,
 * then one slot per cell variable and per free variable. */
static bool code_slots_310(const struct gs_py_refs_ctx *rc, uint64_t code, int64_t *nslots, int64_t *stacksize,
                           struct slot_names *nm)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t varnames, cellvars, freevars;
    int64_t nlocals;
    if (!read_i32(rc->c, code, L->code_nlocals, &nlocals) || !read_i32(rc->c, code, L->code_stacksize, stacksize) ||
        !gs_py_field_ptr(rc->c, code, L->code_varnames, &varnames) ||
        !gs_py_field_ptr(rc->c, code, L->code_cellvars, &cellvars) ||
        !gs_py_field_ptr(rc->c, code, L->code_freevars, &freevars) ||
        !tuple_items(rc->c, varnames, &nm->avail[0], &nm->items[0]) ||
        !tuple_items(rc->c, cellvars, &nm->avail[1], &nm->items[1]) ||
        !tuple_items(rc->c, freevars, &nm->avail[2], &nm->items[2]))
        return false;
    /* The frame has co_nlocals local slots (len(co_varnames) for compiled
     * code; types.CodeType() does not enforce it), then one per cell and
     * free variable (frameobject.c's frame allocation). */
    if (nlocals < 0 || nlocals > PY_FRAME_MAX_SLOTS || *stacksize < 0)
        return false;
    nm->n[0] = nlocals;
    nm->n[1] = nm->avail[1];
    nm->n[2] = nm->avail[2];
    nm->parts = 3;
    *nslots = nlocals + nm->n[1] + nm->n[2];
    return *nslots + *stacksize <= PY_FRAME_MAX_SLOTS;
}

/* How many value stack entries a suspended 3.8-3.10 frame holds; 0 while
 * it executes (3.8/3.9: f_stacktop NULL; 3.10: f_stackdepth -1). */
static bool stack_depth_310(const struct gs_py_refs_ctx *rc, uint64_t valuestack, int64_t stacksize, int64_t *depth)
{
    const struct gs_py_layout *L = rc->c->L;
    *depth = 0;
    if (gs_py_layout_has(L->frame_stacktop)) {
        uint64_t top;
        if (!gs_py_field_ptr(rc->c, rc->obj, L->frame_stacktop, &top))
            return false;
        if (!top)
            return true;
        if (top < valuestack || (top - valuestack) % 8 || (top - valuestack) / 8 > (uint64_t)stacksize)
            return false;
        *depth = (int64_t)((top - valuestack) / 8);
        return true;
    }
    if (gs_py_layout_has(L->frame_stackdepth)) {
        if (!read_i32(rc->c, rc->obj, L->frame_stackdepth, depth) || *depth < -1 || *depth > stacksize)
            return false;
        if (*depth < 0)
            *depth = 0;
    }
    return true;
}

/* PyFrameObject, 3.8-3.10 (Include/frameobject.h, cpython/frameobject.h
 * in 3.9/3.10): f_back, f_code, f_builtins, f_globals, f_locals, f_trace
 * are strong; f_gen is borrowed ("borrowed reference to a generator"),
 * not reported. frame_traverse visits f_localsplus[0, nslots) and, when
 * the frame is suspended, the value stack below its top.
 * f_valuestack = f_localsplus + nslots (frame allocation), and ob_size
 * (the slots allocated) is at least nslots + co_stacksize. */
static enum gs_py_decode frame_object_310(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t code, valuestack;
    int64_t nslots, stacksize, allocated, depth;
    struct slot_names nm = {{0}, {0}, {0}, 0};
    if (!field_at(rc, rc->obj, L->frame_back, "f_back") || !field_at(rc, rc->obj, L->frame_code, "f_code") ||
        !field_at(rc, rc->obj, L->frame_builtins, "f_builtins") ||
        !field_at(rc, rc->obj, L->frame_globals, "f_globals") || !field_at(rc, rc->obj, L->frame_locals, "f_locals") ||
        !field_at(rc, rc->obj, L->frame_trace, "f_trace"))
        return GS_PY_DECODE_BAD;
    if (!gs_py_field_ptr(rc->c, rc->obj, L->frame_code, &code) || !is_code(rc, code) ||
        !code_slots_310(rc, code, &nslots, &stacksize, &nm) ||
        !gs_py_field_ptr(rc->c, rc->obj, L->frame_valuestack, &valuestack) ||
        !gs_py_field_ssize(rc->c, rc->obj, L->varobject_ob_size, &allocated))
        return GS_PY_DECODE_BAD;
    uint64_t slots = rc->obj + (uint64_t)L->frame_localsplus;
    if (valuestack != slots + (uint64_t)nslots * 8 || allocated < nslots + stacksize)
        return GS_PY_DECODE_BAD;
    enum gs_py_decode r = report_slots(rc, slots, nslots, nslots, &nm);
    if (r != GS_PY_DECODE_OK)
        return r;
    if (!stack_depth_310(rc, valuestack, stacksize, &depth))
        return GS_PY_DECODE_BAD;
    return report_slots(rc, valuestack, depth, 0, &nm);
}

enum gs_py_decode gs_py_refs_frame(const struct gs_py_refs_ctx *rc)
{
    if (gs_py_layout_has(rc->c->L->frame_frame))
        return frame_object_311(rc);
    return frame_object_310(rc);
}

/* --- generators, coroutines, async generators ----------------------------- */

/* Python's attribute prefix: gi_ (generator), cr_ (coroutine), ag_. */
static const char *gen_label(enum gs_py_kind k, const char *gi, const char *cr, const char *ag)
{
    return k == GS_PYK_COROUTINE ? cr : k == GS_PYK_ASYNC_GENERATOR ? ag : gi;
}

/* gi_exc_state, an embedded _PyErr_StackItem (Include/cpython/pystate.h):
 * <= 3.10 exc_type, exc_value, exc_traceback; 3.11+ exc_value alone; all
 * strong (exc_state_traverse / gen_traverse visit them). previous_item is
 * a C link to another stack item. */
static bool gen_exc_state(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    uint64_t st = rc->obj + (uint64_t)L->gen_exc_state;
    if (!gs_py_layout_has(L->gen_exc_state))
        return true;
    return field_at(rc, st, L->errstack_exc_type, "exc_type") && field_at(rc, st, L->errstack_exc_value, "exc_value") &&
           field_at(rc, st, L->errstack_exc_traceback, "exc_traceback");
}

/* The embedded frame of a 3.11+ generator: live while gi_frame_state <
 * FRAME_CLEARED (gen_traverse); owned by the generator. From
 * FRAME_EXECUTING on, the frame runs (or has just returned) on a thread
 * and its stacktop may be -1. */
static enum gs_py_decode gen_iframe(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    int64_t state, owner;
    if (!read_i8(rc->c, rc->obj, L->gen_frame_state, &state))
        return GS_PY_DECODE_BAD;
    if (state >= L->gen_frame_state_cleared)
        return GS_PY_DECODE_OK;
    uint64_t iframe = rc->obj + (uint64_t)L->gen_iframe;
    if (!read_i8(rc->c, iframe, L->iframe_owner, &owner) || owner != L->iframe_owner_generator)
        return GS_PY_DECODE_BAD;
    return gs_py_refs_iframe(rc, iframe, state >= L->gen_frame_state_executing);
}

/* PyGenObject, PyCoroObject, PyAsyncGenObject (Include/genobject.h,
 * cpython/genobject.h from 3.11):
 *   <= 3.10  gi_frame (a frame object, NULL once finished), gi_code,
 *            gi_name, gi_qualname, gi_exc_state; then PyCoroObject's
 *            cr_origin or PyAsyncGenObject's ag_finalizer;
 *   3.11     gi_code, gi_name, gi_qualname, gi_exc_state,
 *            gi_origin_or_finalizer (cr_origin / ag_finalizer), and the
 *            embedded frame gi_iframe;
 *   3.12+    the same without gi_code (the frame holds the code).
 * All strong (gen_dealloc / async_gen_traverse release or visit them;
 * gen_traverse skips cr_origin only because it "can't participate in a
 * reference cycle"). gi_weakreflist is weak. */
enum gs_py_decode gs_py_refs_generator(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    enum gs_py_kind k = rc->t->kind;
    /* cr_origin / ag_finalizer: <= 3.10 after the head, 3.11+ in it. A
     * plain generator never initializes the 3.11+ slot (_Py_MakeCoro sets
     * it for coroutines and async generators only): it may hold a stale
     * pointer, so it is read for those two kinds only. */
    int64_t extra = GS_PY_ABSENT;
    if (k == GS_PYK_COROUTINE)
        extra = gs_py_layout_has(L->coro_origin) ? L->coro_origin : L->gen_origin_or_finalizer;
    else if (k == GS_PYK_ASYNC_GENERATOR)
        extra = gs_py_layout_has(L->asyncgen_finalizer) ? L->asyncgen_finalizer : L->gen_origin_or_finalizer;
    if (!field_at(rc, rc->obj, L->gen_frame, gen_label(k, "gi_frame", "cr_frame", "ag_frame")) ||
        !field_at(rc, rc->obj, L->gen_code, gen_label(k, "gi_code", "cr_code", "ag_code")) ||
        !field_at(rc, rc->obj, L->gen_name, "__name__") || !field_at(rc, rc->obj, L->gen_qualname, "__qualname__") ||
        !gen_exc_state(rc) || !field_at(rc, rc->obj, extra, gen_label(k, "", "cr_origin", "ag_finalizer")))
        return GS_PY_DECODE_BAD;
    if (!gs_py_layout_has(L->gen_iframe))
        return GS_PY_DECODE_OK;
    return gen_iframe(rc);
}

/* --- tracebacks ----------------------------------------------------------- */

/* PyTracebackObject (Include/cpython/traceback.h): tb_next and tb_frame,
 * both strong. */
enum gs_py_decode gs_py_refs_traceback(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_layout *L = rc->c->L;
    if (!field_at(rc, rc->obj, L->traceback_next, "tb_next") || !field_at(rc, rc->obj, L->traceback_frame, "tb_frame"))
        return GS_PY_DECODE_BAD;
    return GS_PY_DECODE_OK;
}
