/* debug_offsets.c: validate the target's _Py_DebugOffsets (3.13+) and
 * cross-check it with gcscope's generated table.
 *
 * Where each member of _Py_DebugOffsets sits is itself in the table (the
 * dbg_* fields, generated with offsetof(_Py_DebugOffsets, ...) from the same
 * headers), so this file holds no version-specific number. Layout facts it
 * relies on, pinned by _Static_assert in tools/gen-offsets/gen_offsets.c:
 *   - the struct opens with char cookie[8] and holds only 8-byte members;
 *   - after the header, each group is an array of uint64 whose first element
 *     is the group's struct size (dbg_<group>_size), and a group runs until
 *     the next group (or the end of the struct);
 *   - every other element of a group is an offset (or, for
 *     unicode_object.asciiobject_size, a smaller size) inside that struct;
 *   - except in the groups without a size (3.14's llist_node and
 *     debugger_support, 3.15's err_stackitem), which only delimit the others.
 * Groups are found by name through the table of the target's own minor
 * version, never by position: 3.14 and 3.15 insert groups in the middle.
 */
#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "py/debug_offsets.h"

#define DEBUG_COOKIE "xdebugpy"
#define DEBUG_COOKIE_LEN 8

/* Upper bound on sizeof(_Py_DebugOffsets) we are willing to read (584 bytes
 * in 3.13); larger means the table is broken. */
#define DEBUG_OFFSETS_MAX 4096

/* No CPython struct described here comes near this (the biggest,
 * _PyRuntimeState, is ~280 KiB in 3.13); a larger "size" is garbage. */
#define GROUP_SIZE_MAX ((uint64_t)16 << 20)

#define LF(field) offsetof(struct gs_py_layout, field)

/* The groups, by the table field that holds the offset of their `size`. */
struct dbg_group {
    const char *name;
    size_t start_field;
    bool sized;     /* starts with the size of the struct it describes */
};

/* Every group some supported version has; one the table marks GS_PY_ABSENT is
 * not in that version. */
static const struct dbg_group groups[] = {
    {"runtime_state", LF(dbg_runtime_size), true},
    {"interpreter_state", LF(dbg_interp_size), true},
    {"thread_state", LF(dbg_tstate_size), true},
    {"err_stackitem", LF(dbg_err_stackitem_start), false},
    {"interpreter_frame", LF(dbg_iframe_size), true},
    {"code_object", LF(dbg_code_size), true},
    {"pyobject", LF(dbg_object_size), true},
    {"type_object", LF(dbg_type_size), true},
    {"heap_type_object", LF(dbg_heaptype_size), true},
    {"tuple_object", LF(dbg_tuple_size), true},
    {"list_object", LF(dbg_list_size), true},
    {"set_object", LF(dbg_set_size), true},
    {"dict_object", LF(dbg_dict_size), true},
    {"float_object", LF(dbg_float_size), true},
    {"long_object", LF(dbg_long_size), true},
    {"bytes_object", LF(dbg_bytes_size), true},
    {"unicode_object", LF(dbg_unicode_size), true},
    {"gc", LF(dbg_gc_size), true},
    {"gen_object", LF(dbg_gen_size), true},
    {"llist_node", LF(dbg_llist_node_start), false},
    {"debugger_support", LF(dbg_debugger_support_start), false},
};
#define NGROUPS (sizeof groups / sizeof groups[0])

/* Each member of _Py_DebugOffsets that our table also has: its CPython name,
 * where it is inside _Py_DebugOffsets, and our field. */
struct dbg_check {
    const char *name;
    size_t dbg_field;
    size_t our_field;
};

#define CHECK(name, dbg, ours) {name, LF(dbg), LF(ours)}
static const struct dbg_check checks[] = {
    CHECK("runtime_state.size", dbg_runtime_size, runtime_size),
    CHECK("runtime_state.interpreters_head", dbg_runtime_interpreters_head,
          runtime_interpreters_head),
    CHECK("interpreter_state.size", dbg_interp_size, interp_size),
    CHECK("interpreter_state.id", dbg_interp_id, interp_id),
    CHECK("interpreter_state.next", dbg_interp_next, interp_next),
    CHECK("interpreter_state.threads_head", dbg_interp_threads_head, interp_threads_head),
    CHECK("interpreter_state.gc", dbg_interp_gc, interp_gc),
    CHECK("interpreter_state.imports_modules", dbg_interp_modules, interp_modules),
    CHECK("interpreter_state.sysdict", dbg_interp_sysdict, interp_sysdict),
    CHECK("interpreter_state.builtins", dbg_interp_builtins, interp_builtins),
    CHECK("thread_state.size", dbg_tstate_size, tstate_size),
    CHECK("thread_state.prev", dbg_tstate_prev, tstate_prev),
    CHECK("thread_state.next", dbg_tstate_next, tstate_next),
    CHECK("thread_state.interp", dbg_tstate_interp, tstate_interp),
    CHECK("thread_state.current_frame", dbg_tstate_current_frame, tstate_current_frame),
    CHECK("thread_state.thread_id", dbg_tstate_thread_id, tstate_thread_id),
    CHECK("thread_state.native_thread_id", dbg_tstate_native_thread_id,
          tstate_native_thread_id),
    CHECK("thread_state.datastack_chunk", dbg_tstate_datastack_chunk, tstate_datastack_chunk),
    CHECK("interpreter_frame.size", dbg_iframe_size, iframe_size),
    CHECK("interpreter_frame.previous", dbg_iframe_previous, iframe_previous),
    CHECK("interpreter_frame.executable", dbg_iframe_code, iframe_code),
    CHECK("interpreter_frame.instr_ptr", dbg_iframe_instr, iframe_instr),
    CHECK("interpreter_frame.localsplus", dbg_iframe_localsplus, iframe_localsplus),
    CHECK("interpreter_frame.owner", dbg_iframe_owner, iframe_owner),
    CHECK("interpreter_frame.stackpointer", dbg_iframe_stackpointer, iframe_stackpointer),
    CHECK("code_object.size", dbg_code_size, code_size),
    CHECK("code_object.filename", dbg_code_filename, code_filename),
    CHECK("code_object.name", dbg_code_name, code_name),
    CHECK("code_object.qualname", dbg_code_qualname, code_qualname),
    CHECK("code_object.linetable", dbg_code_linetable, code_linetable),
    CHECK("code_object.firstlineno", dbg_code_firstlineno, code_firstlineno),
    CHECK("code_object.argcount", dbg_code_argcount, code_argcount),
    CHECK("code_object.localsplusnames", dbg_code_localsplusnames, code_localsplusnames),
    CHECK("code_object.localspluskinds", dbg_code_localspluskinds, code_localspluskinds),
    CHECK("code_object.co_code_adaptive", dbg_code_code_adaptive, code_code_adaptive),
    CHECK("pyobject.size", dbg_object_size, object_size),
    CHECK("pyobject.ob_type", dbg_object_type, object_type),
    CHECK("type_object.size", dbg_type_size, type_size),
    CHECK("type_object.tp_name", dbg_type_name, type_name),
    CHECK("type_object.tp_flags", dbg_type_flags, type_flags),
    CHECK("type_object.tp_basicsize", dbg_type_basicsize, type_basicsize),
    CHECK("type_object.tp_dictoffset", dbg_type_dictoffset, type_dictoffset),
    CHECK("heap_type_object.size", dbg_heaptype_size, heaptype_size),
    CHECK("heap_type_object.ht_cached_keys", dbg_heaptype_cached_keys, heaptype_cached_keys),
    CHECK("tuple_object.size", dbg_tuple_size, tuple_size),
    CHECK("tuple_object.ob_item", dbg_tuple_ob_item, tuple_ob_item),
    CHECK("tuple_object.ob_size", dbg_tuple_ob_size, varobject_ob_size),
    CHECK("list_object.size", dbg_list_size, list_size),
    CHECK("list_object.ob_item", dbg_list_ob_item, list_ob_item),
    CHECK("list_object.ob_size", dbg_list_ob_size, varobject_ob_size),
    CHECK("set_object.size", dbg_set_size, set_size),
    CHECK("set_object.used", dbg_set_used, set_used),
    CHECK("set_object.table", dbg_set_table, set_table),
    CHECK("set_object.mask", dbg_set_mask, set_mask),
    CHECK("dict_object.size", dbg_dict_size, dict_size),
    CHECK("dict_object.ma_keys", dbg_dict_ma_keys, dict_ma_keys),
    CHECK("dict_object.ma_values", dbg_dict_ma_values, dict_ma_values),
    CHECK("float_object.size", dbg_float_size, float_size),
    CHECK("float_object.ob_fval", dbg_float_fval, float_fval),
    CHECK("long_object.size", dbg_long_size, long_size),
    CHECK("long_object.lv_tag", dbg_long_lv_tag, long_lv_tag),
    CHECK("long_object.ob_digit", dbg_long_digit, long_digit),
    CHECK("bytes_object.size", dbg_bytes_size, bytes_size),
    CHECK("bytes_object.ob_size", dbg_bytes_ob_size, varobject_ob_size),
    CHECK("bytes_object.ob_sval", dbg_bytes_sval, bytes_sval),
    CHECK("unicode_object.size", dbg_unicode_size, unicode_size),
    CHECK("unicode_object.state", dbg_unicode_state, unicode_state),
    CHECK("unicode_object.length", dbg_unicode_length, unicode_length),
    CHECK("unicode_object.asciiobject_size", dbg_unicode_ascii_size, unicode_ascii_size),
    CHECK("gc.size", dbg_gc_size, gc_size),
    CHECK("gc.collecting", dbg_gc_collecting, gc_collecting),
    CHECK("gen_object.size", dbg_gen_size, gen_size),
    CHECK("gen_object.gi_name", dbg_gen_name, gen_name),
    CHECK("gen_object.gi_iframe", dbg_gen_iframe, gen_iframe),
    CHECK("gen_object.gi_frame_state", dbg_gen_frame_state, gen_frame_state),
};
#undef CHECK
#define NCHECKS (sizeof checks / sizeof checks[0])

static int64_t field(const struct gs_py_layout *L, size_t off)
{
    int64_t v;
    memcpy(&v, (const char *)L + off, sizeof v);
    return v;
}

/* The uint64 at byte offset off of the copied struct (off is 8-aligned and
 * inside the copy: checked by the caller). */
static uint64_t member(const unsigned char *buf, int64_t off)
{
    uint64_t v;
    memcpy(&v, buf + off, sizeof v);
    return v;
}

/* A name for the member at dbg offset off, for messages. */
static const char *member_name(const struct gs_py_layout *L, int64_t off)
{
    for (size_t i = 0; i < NCHECKS; i++)
        if (field(L, checks[i].dbg_field) == off)
            return checks[i].name;
    return NULL;
}

bool gs_py_debug_offsets_present(gs_reader *r, uint64_t runtime_addr)
{
    char cookie[DEBUG_COOKIE_LEN];
    return gs_read_exact(r, runtime_addr, cookie, sizeof cookie) &&
           memcmp(cookie, DEBUG_COOKIE, DEBUG_COOKIE_LEN) == 0;
}

int gs_py_debug_offsets_free_threaded(gs_reader *r, uint64_t runtime_addr)
{
    /* cookie[8], version, free_threaded: the same 24-byte header in 3.13,
     * 3.14 and 3.15 (Include/internal/pycore_debug_offsets.h). */
    uint64_t flag;
    if (!gs_py_debug_offsets_present(r, runtime_addr) || !gs_read_u64(r, runtime_addr + 16, &flag) || flag > 1)
        return -1;
    return (int)flag;
}

/* Print up to 8 bytes of a cookie with anything unprintable escaped. */
static void quote_cookie(const unsigned char *c, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < DEBUG_COOKIE_LEN && n + 5 < cap; i++) {
        if (c[i] >= 0x20 && c[i] < 0x7f && c[i] != '"' && c[i] != '\\')
            out[n++] = (char)c[i];
        else
            n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c[i]);
    }
    out[n] = '\0';
}

/* The table's own description of _Py_DebugOffsets must be coherent before it
 * is used to index a buffer: every dbg_* offset 8-aligned and inside it. */
static gs_status check_table(const struct gs_py_layout *L, gs_error *err)
{
    int64_t size = L->debug_offsets_size;
    if (size <= DEBUG_COOKIE_LEN || size > DEBUG_OFFSETS_MAX || size % 8 != 0 ||
        !gs_py_layout_has(L->runtime_debug_offsets) || L->runtime_debug_offsets < 0)
        return gs_fail(err, GS_ERR_INTERNAL,
                       "gcscope's %d.%d table has an impossible _Py_DebugOffsets size %" PRId64
                       ": regenerate it with tools/gen-offsets",
                       L->major, L->minor, size);
    int64_t extra[] = {L->debug_offsets_version, L->dbg_free_threaded};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        if (extra[i] < DEBUG_COOKIE_LEN || extra[i] % 8 != 0 || extra[i] + 8 > size)
            goto bad;
    for (size_t i = 0; i < NGROUPS; i++) {
        int64_t off = field(L, groups[i].start_field);
        if (!gs_py_layout_has(off))
            continue;   /* a group this version does not have */
        if (off < DEBUG_COOKIE_LEN || off % 8 != 0 || off + 8 > size)
            goto bad;
    }
    for (size_t i = 0; i < NCHECKS; i++) {
        int64_t off = field(L, checks[i].dbg_field);
        if (!gs_py_layout_has(off))
            continue;
        if (off < DEBUG_COOKIE_LEN || off % 8 != 0 || off + 8 > size)
            goto bad;
    }
    return GS_OK;
bad:
    return gs_fail(err, GS_ERR_INTERNAL,
                   "gcscope's %d.%d table places a _Py_DebugOffsets member outside it: "
                   "regenerate it with tools/gen-offsets",
                   L->major, L->minor);
}

/* Members of a sized group that are the size of something else, not an
 * offset inside the group's struct: 3.15's gc.generation_stats_size (the
 * stats live in a buffer of their own). */
static bool is_size_member(const struct gs_py_layout *L, int64_t off)
{
    return gs_py_layout_has(L->dbg_gc_stats_size) && off == L->dbg_gc_stats_size;
}

/* Each group: a sane size, and every member inside the struct it describes. */
static gs_status check_groups(const unsigned char *buf, const struct gs_py_layout *L,
                              gs_error *err)
{
    int64_t size = L->debug_offsets_size;
    for (size_t i = 0; i < NGROUPS; i++) {
        int64_t start = field(L, groups[i].start_field);
        if (!gs_py_layout_has(start) || !groups[i].sized)
            continue;
        /* The group runs to the next group start above it, or to the end. */
        int64_t end = size;
        for (size_t j = 0; j < NGROUPS; j++) {
            int64_t s = field(L, groups[j].start_field);
            if (gs_py_layout_has(s) && s > start && s < end)
                end = s;
        }
        uint64_t gsize = member(buf, start);
        if (gsize < 8 || gsize > GROUP_SIZE_MAX)
            return gs_fail(err, GS_ERR_CORRUPT,
                           "debug offsets: %s.size is %" PRIu64
                           ", not a plausible struct size: the target's _PyRuntime is damaged "
                           "or not where gcscope looked",
                           groups[i].name, gsize);
        for (int64_t off = start + 8; off < end; off += 8) {
            uint64_t v = member(buf, off);
            if (v >= gsize && !is_size_member(L, off)) {
                const char *name = member_name(L, off);
                char anon[64];
                if (!name) {
                    snprintf(anon, sizeof anon, "%s member at +%" PRId64, groups[i].name,
                             off - start);
                    name = anon;
                }
                return gs_fail(err, GS_ERR_CORRUPT,
                               "debug offsets: %s is %" PRIu64 ", outside its struct of %" PRIu64
                               " bytes: the target's _PyRuntime is damaged or not where "
                               "gcscope looked",
                               name, v, gsize);
            }
        }
    }
    /* _Py_DebugOffsets lives inside _PyRuntime, so that struct is bigger. */
    uint64_t rsize = member(buf, L->dbg_runtime_size);
    if (rsize < (uint64_t)L->runtime_debug_offsets + (uint64_t)size)
        return gs_fail(err, GS_ERR_CORRUPT,
                       "debug offsets: runtime_state.size is %" PRIu64
                       ", too small to hold the debug offsets themselves",
                       rsize);
    return GS_OK;
}

gs_status gs_py_debug_offsets_check(gs_reader *r, uint64_t runtime_addr,
                                 const struct gs_py_layout *L, uint64_t *version_hex,
                                 gs_error *err)
{
    *version_hex = 0;
    if (!gs_py_layout_has(L->debug_offsets_present))
        return GS_OK;

    gs_status st = check_table(L, err);
    if (st != GS_OK)
        return st;

    uint64_t words[DEBUG_OFFSETS_MAX / 8];
    unsigned char *buf = (unsigned char *)words;
    size_t size = (size_t)L->debug_offsets_size;
    uint64_t addr = runtime_addr + (uint64_t)L->runtime_debug_offsets;
    if (!gs_read_exact(r, addr, buf, size))
        return gs_fail(err, GS_ERR_CORRUPT,
                       "cannot read the %zu bytes of _Py_DebugOffsets at 0x%" PRIx64
                       ": _PyRuntime is not mapped there",
                       size, addr);

    if (memcmp(buf, DEBUG_COOKIE, DEBUG_COOKIE_LEN) != 0) {
        char q[8 * 4 + 1];
        quote_cookie(buf, q, sizeof q);
        return gs_fail(err, GS_ERR_CORRUPT,
                       "no _Py_DebugOffsets at 0x%" PRIx64 ": cookie is \"%s\", expected \"%s\" "
                       "(not the _PyRuntime of a Python %d.%d)",
                       addr, q, DEBUG_COOKIE, L->major, L->minor);
    }

    uint64_t version = member(buf, L->debug_offsets_version);
    *version_hex = version;
    int vmajor = (int)((version >> 24) & 0xff), vminor = (int)((version >> 16) & 0xff);
    if (vmajor != L->major || vminor != L->minor)
        return gs_fail(err, GS_ERR_UNSUPPORTED,
                       "the target's debug offsets say Python %d.%d (0x%08" PRIx64
                       "), not %d.%d as expected",
                       vmajor, vminor, version, L->major, L->minor);

    /* Free-threaded builds lay out objects and the GC differently: each has
     * its own table, and the build must be the one the table describes. */
    bool target_ft = member(buf, L->dbg_free_threaded) != 0;
    if (target_ft != gs_py_layout_is_free_threaded(L))
        return gs_fail(err, GS_ERR_UNSUPPORTED,
                       "the target is a %s build of Python %d.%d: gcscope's table for it describes a %s build",
                       target_ft ? "free-threaded" : "default (GIL)", vmajor, vminor,
                       target_ft ? "default (GIL)" : "free-threaded");

    st = check_groups(buf, L, err);
    if (st != GS_OK)
        return st;

    for (size_t i = 0; i < NCHECKS; i++) {
        int64_t ours = field(L, checks[i].our_field);
        if (!gs_py_layout_has(ours) || !gs_py_layout_has(field(L, checks[i].dbg_field)))
            continue;   /* the table or this version lacks it: nothing to compare */
        uint64_t theirs = member(buf, field(L, checks[i].dbg_field));
        if (theirs != (uint64_t)ours)
            return gs_fail(err, GS_ERR_CORRUPT,
                           "debug offsets disagree with gcscope's %d.%d%s table: %s is %" PRIu64
                           ", table says %" PRId64,
                           L->major, L->minor, L->debug ? " debug-build" : "", checks[i].name, theirs, ours);
    }
    return GS_OK;
}
