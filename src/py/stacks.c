/* stacks.c: Python frames, thread names and the GIL, from a captured image.
 *
 * Everything here reads the target's memory as hostile: chains are bounded
 * by GS_PY_STACK_MAX_FRAMES, line tables by MAX_LINETABLE, varints by their
 * table's end, and an unreadable field gives "?" or -1, never a crash.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/referents.h"
#include "py/stacks.h"
#include "py/typeinfo.h"
#include "util/addrmap.h"
#include "util/alloc.h"

#define MAX_LINETABLE (1u << 20) /* bytes; a real function's table is far smaller */
#define CODE_CACHE 16            /* code objects remembered during one walk */
#define MAX_THREAD_NAMES 100000

/* --- line tables --------------------------------------------------------- */

/* 3.8, 3.9: co_lnotab, (address increment, signed line increment) byte
 * pairs (Objects/codeobject.c PyCode_Addr2Line). */
static int32_t line_lnotab(const uint8_t *t, size_t len, int32_t line, int64_t offset)
{
    int64_t addr = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        addr += t[i];
        if (addr > offset)
            break;
        line += (int8_t)t[i + 1];
    }
    return line;
}

/* 3.10: co_linetable, (bytecode length, signed line delta) pairs; a delta
 * of -128 means "no line" for that range (Objects/lnotab_notes.txt). */
static int32_t line_310(const uint8_t *t, size_t len, int32_t firstlineno, int64_t offset)
{
    int64_t end = 0;
    int32_t computed = firstlineno;
    for (size_t i = 0; i + 1 < len; i += 2) {
        int64_t start = end;
        end += t[i];
        int8_t delta = (int8_t)t[i + 1];
        int32_t line = -1;
        if (delta != -128) {
            computed += delta;
            line = computed;
        }
        if (start <= offset && offset < end)
            return line;
    }
    return -1;
}

/* A 3.11+ varint: 6 bits per byte, low bits first, bit 6 = more. */
static uint32_t varint(const uint8_t *t, size_t len, size_t *i)
{
    uint32_t value = 0;
    for (unsigned shift = 0; *i < len && shift < 32; shift += 6) {
        uint8_t b = t[(*i)++];
        value |= (uint32_t)(b & 63) << shift;
        if (!(b & 64))
            break;
    }
    return value;
}

/* 3.11+: the location table (Objects/locations.md). Each entry starts with
 * a byte with bit 7 set: bits 3-6 a code, bits 0-2 the entry's length in
 * code units minus one. Codes 0-9 keep the line; 10-12 add 0-2; 13 (no
 * columns) and 14 (long form) add a signed varint; 15 has no line. */
static int32_t line_311(const uint8_t *t, size_t len, int32_t firstlineno, int64_t offset)
{
    int64_t end = 0;
    int32_t computed = firstlineno;
    size_t i = 0;
    while (i < len) {
        uint8_t b = t[i++];
        if (!(b & 0x80))
            continue; /* not an entry's first byte: find the next one */
        int code = (b >> 3) & 15;
        int64_t start = end;
        end += ((b & 7) + 1) * 2;
        if (code == 13 || code == 14) {
            uint32_t u = varint(t, len, &i);
            computed += (u & 1) ? -(int32_t)(u >> 1) : (int32_t)(u >> 1);
        } else if (code >= 10 && code <= 12) {
            computed += code - 10;
        }
        if (start <= offset && offset < end)
            return code == 15 ? -1 : computed;
        while (i < len && !(t[i] & 0x80))
            i++;
    }
    return -1;
}

int32_t gs_py_code_line(int minor, const uint8_t *table, size_t len, int32_t firstlineno, int64_t offset)
{
    if (offset < 0)
        return firstlineno; /* not started yet (PyCode_Addr2Line) */
    if (!table)
        return -1;
    if (minor <= 9)
        return line_lnotab(table, len, firstlineno, offset);
    if (minor == 10)
        return line_310(table, len, firstlineno, offset);
    return line_311(table, len, firstlineno, offset);
}

/* --- code objects ----------------------------------------------------------- */

struct code_entry {
    uint64_t code;
    char function[256];
    char file[512];
    int32_t firstlineno;
    uint8_t *table;
    size_t len;
};

struct walk {
    const struct gs_py_ctx *c;
    struct code_entry cache[CODE_CACHE];
    gs_addrmap seen; /* frames visited: a chain that comes back is a loop */
};

/* True when the chain reaches frame f a second time: corrupt memory (or a
 * frame being relinked) made a loop, and the walk ends there instead of
 * printing the same frames until GS_PY_STACK_MAX_FRAMES. */
static bool seen_before(struct walk *w, uint64_t f)
{
    if (gs_addrmap_get(&w->seen, f))
        return true;
    gs_addrmap_put(&w->seen, f, 1);
    return false;
}

/* A bytes object's contents, copied (at most MAX_LINETABLE bytes). */
static uint8_t *read_bytes(const struct gs_py_ctx *c, uint64_t obj, size_t *len)
{
    const struct gs_py_layout *L = c->L;
    int64_t n;
    if (!obj || !gs_py_has_type_flag(c, obj, L->flag_bytes_subclass) || !gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) ||
        n < 0 || n > MAX_LINETABLE)
        return NULL;
    uint8_t *buf = gs_xcalloc((size_t)n + 1, 1);
    if (!gs_read_exact(c->r, obj + (uint64_t)L->bytes_sval, buf, (size_t)n)) {
        free(buf);
        return NULL;
    }
    *len = (size_t)n;
    return buf;
}

static void read_str_field(const struct gs_py_ctx *c, uint64_t obj, int64_t offset, char *buf, size_t cap)
{
    uint64_t s;
    if (!gs_py_field_ptr(c, obj, offset, &s) || !gs_py_str_utf8(c, s, buf, cap, NULL))
        snprintf(buf, cap, "?");
}

/* The code object's names and line table, read once per walk. */
static const struct code_entry *code_info(struct walk *w, uint64_t code)
{
    const struct gs_py_layout *L = w->c->L;
    struct code_entry *e = &w->cache[(code >> 4) % CODE_CACHE];
    if (e->code == code && code)
        return e;
    free(e->table);
    memset(e, 0, sizeof *e);
    e->code = code;
    e->firstlineno = -1;
    read_str_field(w->c, code, gs_py_layout_has(L->code_qualname) ? L->code_qualname : L->code_name, e->function,
                   sizeof e->function);
    read_str_field(w->c, code, L->code_filename, e->file, sizeof e->file);
    uint64_t table;
    if (gs_py_field_i32(w->c, code, L->code_firstlineno, &e->firstlineno) && gs_py_field_ptr(w->c, code, L->code_linetable, &table))
        e->table = read_bytes(w->c, table, &e->len);
    return e;
}

static void walk_free(struct walk *w)
{
    for (size_t i = 0; i < CODE_CACHE; i++)
        free(w->cache[i].table);
}

static int32_t frame_line(struct walk *w, const struct code_entry *e, int64_t offset)
{
    if (e->firstlineno < 0)
        return -1;
    return gs_py_code_line(w->c->L->minor, e->table, e->len, e->firstlineno, offset);
}

/* A trace function keeps its own f_lineno, which then wins
 * (PyFrame_GetLineNumber): only with a debugger or coverage attached. */
static bool traced_line(const struct gs_py_ctx *c, uint64_t frame_obj, int32_t *line)
{
    const struct gs_py_layout *L = c->L;
    uint64_t trace;
    int32_t lineno;
    if (!frame_obj || !gs_py_field_ptr(c, frame_obj, L->frame_trace, &trace) || !trace ||
        !gs_py_field_i32(c, frame_obj, L->frame_lineno, &lineno) || lineno <= 0)
        return false;
    *line = lineno;
    return true;
}

static bool report(struct walk *w, struct gs_py_frame_info *f, int64_t offset, gs_py_frame_visit_fn fn, void *arg)
{
    const struct code_entry *e = code_info(w, f->code);
    f->function = e->function;
    f->file = e->file;
    if (!traced_line(w->c, f->frame_obj, &f->line))
        f->line = frame_line(w, e, offset);
    return fn(arg, f);
}

/* --- <= 3.10: frame objects ----------------------------------------------------- */

static size_t walk_frame_objects(struct walk *w, uint64_t tstate, size_t max, gs_py_frame_visit_fn fn, void *arg)
{
    const struct gs_py_ctx *c = w->c;
    const struct gs_py_layout *L = c->L;
    uint64_t f = gs_py_stack_top(c, tstate);
    size_t n = 0;
    while (f && n < max && !seen_before(w, f)) {
        struct gs_py_frame_info info = {.addr = f, .frame_obj = f, .holder = f, .flags = GS_PY_FRAME_ENTRY};
        int32_t lasti;
        uint64_t gen = 0, back = 0;
        if (!gs_py_field_ptr(c, f, L->frame_code, &info.code) || !gs_py_field_i32(c, f, L->frame_lasti, &lasti))
            break;
        gs_py_field_ptr(c, f, L->frame_gen, &gen);
        if (gen)
            info.flags |= GS_PY_FRAME_GENERATOR;
        /* f_lasti: a byte offset up to 3.9, a code-unit index in 3.10. */
        int64_t offset = lasti < 0 ? -1 : L->minor >= 10 ? (int64_t)lasti * 2 : lasti;
        bool more = gs_py_field_ptr(c, f, L->frame_back, &back);
        n++;
        if (!report(w, &info, offset, fn, arg) || !more)
            break;
        f = back;
    }
    return n;
}

/* --- 3.11+: interpreter frames ------------------------------------------------------ */

static bool is_shim(const struct gs_py_ctx *c, uint64_t iframe)
{
    const struct gs_py_layout *L = c->L;
    uint8_t owner;
    return iframe && gs_py_layout_has(L->iframe_owner_cstack) &&
           gs_read_u8(c->r, iframe + (uint64_t)L->iframe_owner, &owner) && owner >= L->iframe_owner_cstack;
}

uint64_t gs_py_stack_top(const struct gs_py_ctx *c, uint64_t tstate)
{
    const struct gs_py_layout *L = c->L;
    uint64_t f = 0, cframe;
    if (gs_py_layout_has(L->tstate_frame))
        gs_py_field_ptr(c, tstate, L->tstate_frame, &f);
    else if (gs_py_layout_has(L->tstate_current_frame))
        gs_py_field_ptr(c, tstate, L->tstate_current_frame, &f);
    else if (gs_py_field_ptr(c, tstate, L->tstate_cframe, &cframe) && cframe)
        gs_py_field_ptr(c, cframe, L->cframe_current_frame, &f);
    return f;
}

/* A free-threaded frame runs its thread's copy of the bytecode,
 * co_tlbc->entries[tlbc_index] (_PyFrame_GetBytecode; entries[0] is
 * co_code_adaptive itself). 0 when the frame has none or it is unreadable. */
static uint64_t thread_local_bytecode(const struct gs_py_ctx *c, uint64_t f, uint64_t code)
{
    const struct gs_py_layout *L = c->L;
    int32_t index;
    int64_t size;
    uint64_t tlbc, entry;
    if (!gs_py_layout_has(L->ft_iframe_tlbc_index) || !gs_py_field_i32(c, f, L->ft_iframe_tlbc_index, &index) ||
        !gs_py_field_ptr(c, code, L->ft_code_tlbc, &tlbc) || !tlbc ||
        !gs_py_field_ssize(c, tlbc, L->ft_codearray_count, &size) || index < 0 || index >= size ||
        !gs_py_read_ptr(c, tlbc + (uint64_t)L->ft_codearray_entries + (uint64_t)index * 8, &entry))
        return 0;
    return entry;
}

/* The byte offset of the frame's instruction in its bytecode, which lies
 * inline in the code object at co_code_adaptive: prev_instr (3.11, 3.12)
 * or instr_ptr (3.13) minus its start, as _PyInterpreterFrame_LASTI. */
static int64_t iframe_offset(const struct gs_py_ctx *c, uint64_t f, uint64_t code)
{
    const struct gs_py_layout *L = c->L;
    uint64_t instr;
    if (!gs_py_field_ptr(c, f, L->iframe_instr, &instr) || !gs_py_layout_has(L->code_code_adaptive))
        return INT64_MAX; /* unknown: no line */
    uint64_t start = thread_local_bytecode(c, f, code);
    if (!start)
        start = code + (uint64_t)L->code_code_adaptive;
    int64_t off = (int64_t)(instr - start);
    return off < -2 ? INT64_MAX : off;
}

static size_t walk_iframes(struct walk *w, uint64_t tstate, size_t max, gs_py_frame_visit_fn fn, void *arg)
{
    const struct gs_py_ctx *c = w->c;
    const struct gs_py_layout *L = c->L;
    uint64_t f = gs_py_stack_top(c, tstate);
    size_t n = 0, steps = 0;
    while (f && n < max && steps++ < GS_PY_STACK_MAX_FRAMES && !seen_before(w, f)) {
        uint8_t owner;
        uint64_t prev = 0;
        if (!gs_read_u8(c->r, f + (uint64_t)L->iframe_owner, &owner) ||
            !gs_py_field_ptr(c, f, L->iframe_previous, &prev))
            break;
        if (is_shim(c, f)) {
            f = prev;
            continue;
        }
        struct gs_py_frame_info info = {.addr = f};
        if (!gs_py_field_stackref(c, f, L->iframe_code, &info.code))
            break;
        gs_py_field_ptr(c, f, L->iframe_frame_obj, &info.frame_obj);
        if (owner == L->iframe_owner_generator) {
            info.flags |= GS_PY_FRAME_GENERATOR;
            info.holder = f - (uint64_t)L->gen_iframe;
        }
        uint8_t entry = 0;
        if (gs_py_layout_has(L->iframe_is_entry))
            gs_read_u8(c->r, f + (uint64_t)L->iframe_is_entry, &entry);
        if (entry || !prev || is_shim(c, prev))
            info.flags |= GS_PY_FRAME_ENTRY;
        n++;
        if (!report(w, &info, iframe_offset(c, f, info.code), fn, arg))
            break;
        f = prev;
    }
    return n;
}

size_t gs_py_stack_walk(const struct gs_py_ctx *c, uint64_t tstate, size_t max_frames, gs_py_frame_visit_fn fn, void *arg)
{
    struct walk *w = gs_xcalloc(1, sizeof *w);
    w->c = c;
    gs_addrmap_init(&w->seen);
    if (max_frames > GS_PY_STACK_MAX_FRAMES)
        max_frames = GS_PY_STACK_MAX_FRAMES;
    size_t n = gs_py_layout_has(c->L->tstate_frame) ? walk_frame_objects(w, tstate, max_frames, fn, arg)
                                                  : walk_iframes(w, tstate, max_frames, fn, arg);
    walk_free(w);
    gs_addrmap_free(&w->seen);
    free(w);
    return n;
}

/* --- thread names ------------------------------------------------------------ */

/* A non-negative int that fits 64 bits (a thread ident). */
static bool read_uint(const struct gs_py_ctx *c, uint64_t obj, uint64_t *out)
{
    bool negative;
    return gs_py_int_value(c, obj, out, &negative) && !negative;
}

/* The references of one object as a sink collects them: looking for the
 * attribute `_name`, either among the instance's attributes (3.11+ inline
 * values) or in its __dict__. */
struct attr_sink {
    struct gs_py_refs_sink sink; /* first */
    const struct gs_py_ctx *c;
    const char *want;
    uint64_t found, dict;
};

static void attr_strong(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    struct attr_sink *a = (struct attr_sink *)s;
    if (a->found)
        return;
    if (kind == GS_LABEL_ATTR && name && strcmp(name, a->want) == 0)
        a->found = dst;
    else if (kind == GS_LABEL_ATTR_OBJ && num && gs_py_str_equals(a->c, num, a->want))
        a->found = dst;
    else if (kind == GS_LABEL_FIELD && name && strcmp(name, "__dict__") == 0 && dst)
        a->dict = dst;
}

static void attr_weak(struct gs_py_refs_sink *s, uint64_t dst)
{
    (void)s;
    (void)dst;
}

/* obj.<want> for an instance of a Python class, through the same decoders
 * that build the graph (so every version's instance layout is covered). */
static bool instance_attr(const struct gs_py_ctx *c, struct gs_py_types *types, uint64_t obj, const char *want,
                          uint64_t *out)
{
    uint64_t type;
    if (!gs_py_type_of(c, obj, &type))
        return false;
    uint32_t t = gs_py_types_get(types, c, type);
    if (t == GS_PY_TYPE_BAD)
        return false;
    struct gs_py_type_info info = types->v[t]; /* decoders may grow the table */
    struct attr_sink a = {{attr_strong, attr_weak}, c, want, 0, 0};
    gs_py_referents(c, types, obj, &info, &a.sink);
    if (!a.found && a.dict)
        gs_py_dict_get_str(c, a.dict, want, &a.found);
    *out = a.found;
    return a.found != 0;
}

struct names {
    const struct gs_py_ctx *c;
    struct gs_py_types types;
    struct gs_py_thread_name *v;
    size_t n, cap;
    uint64_t main_thread;
    bool main_seen;
};

static void add_name(struct names *nm, uint64_t ident, uint64_t thread)
{
    uint64_t name;
    if (nm->n >= MAX_THREAD_NAMES)
        return;
    if (nm->n == nm->cap) {
        nm->cap = nm->cap ? nm->cap * 2 : 16;
        nm->v = gs_xreallocarray(nm->v, nm->cap, sizeof *nm->v);
    }
    struct gs_py_thread_name *t = &nm->v[nm->n];
    t->ident = ident;
    if (instance_attr(nm->c, &nm->types, thread, "_name", &name) &&
        gs_py_str_utf8(nm->c, name, t->name, sizeof t->name, NULL))
        nm->n++;
}

static bool visit_active(void *arg, uint64_t key, uint64_t value)
{
    struct names *nm = arg;
    uint64_t ident;
    if (read_uint(nm->c, key, &ident)) {
        nm->main_seen |= value == nm->main_thread;
        add_name(nm, ident, value);
    }
    return nm->n < MAX_THREAD_NAMES;
}

struct gs_py_thread_name *gs_py_thread_names(const struct gs_py_ctx *c, const struct gs_py_interp *in, size_t *n)
{
    const struct gs_py_layout *L = c->L;
    uint64_t module, dict, active = 0, ident_obj, ident;
    *n = 0;
    if (!in->modules || !gs_py_dict_get_str(c, in->modules, "threading", &module) ||
        !gs_py_field_ptr(c, module, L->module_dict, &dict) || !dict)
        return NULL;
    struct names nm = {.c = c};
    gs_py_types_init(&nm.types);
    gs_py_dict_get_str(c, dict, "_main_thread", &nm.main_thread);
    if (gs_py_dict_get_str(c, dict, "_active", &active) && active)
        gs_py_dict_foreach(c, active, visit_active, &nm);
    /* The main thread leaves _active only on its way out; name it anyway. */
    if (nm.main_thread && !nm.main_seen && instance_attr(c, &nm.types, nm.main_thread, "_ident", &ident_obj) &&
        read_uint(c, ident_obj, &ident))
        add_name(&nm, ident, nm.main_thread);
    gs_py_types_free(&nm.types);
    *n = nm.n;
    return nm.v;
}

/* --- the GIL -------------------------------------------------------------------- */

uint64_t gs_py_gil_holder(const struct gs_py_ctx *c, uint64_t runtime_addr, const struct gs_py_interp *in)
{
    const struct gs_py_layout *L = c->L;
    uint64_t gil = 0, holder = 0;
    int32_t locked;
    if (gs_py_layout_has(L->runtime_ceval_gil))
        gil = runtime_addr + (uint64_t)L->runtime_ceval_gil;
    else if (!gs_py_field_ptr(c, in->addr, L->interp_ceval_gil, &gil))
        return 0;
    /* `locked` is 1 while held, 0 when free, -1 before the GIL exists. */
    if (!gil || !gs_py_field_i32(c, gil, L->gil_locked, &locked) || locked != 1 ||
        !gs_py_field_ptr(c, gil, L->gil_last_holder, &holder))
        return 0;
    return holder;
}
