/* fakedebug.c: a target's _Py_DebugOffsets, made from a layout table (see
 * fakedebug.h). */
#include "config.h"

#include <string.h>

#include "fakedebug.h"

static void put(unsigned char *buf, int64_t off, uint64_t v)
{
    memcpy(buf + off, &v, sizeof v);
}

/* A _Py_DebugOffsets as a correct 3.13+ interpreter would hold it, built from
 * the table: every member our table knows carries our value. Members the
 * table does not describe (finalizing, ceval_gil, tp_repr, ...) stay 0,
 * which is inside every struct. */
void fake_debug_offsets(const struct gs_py_layout *L, unsigned char *buf)
{
    memset(buf, 0, (size_t)L->debug_offsets_size);
    memcpy(buf, "xdebugpy", 8);
    put(buf, L->debug_offsets_version, (uint64_t)L->py_version_hex);
    put(buf, L->dbg_free_threaded, 0);
#define PAIR(dbg, ours) put(buf, L->dbg, (uint64_t)L->ours);
    PAIR(dbg_runtime_size, runtime_size)
    PAIR(dbg_runtime_interpreters_head, runtime_interpreters_head)
    PAIR(dbg_interp_size, interp_size)
    PAIR(dbg_interp_id, interp_id)
    PAIR(dbg_interp_next, interp_next)
    PAIR(dbg_interp_threads_head, interp_threads_head)
    PAIR(dbg_interp_gc, interp_gc)
    PAIR(dbg_interp_modules, interp_modules)
    PAIR(dbg_interp_sysdict, interp_sysdict)
    PAIR(dbg_interp_builtins, interp_builtins)
    PAIR(dbg_tstate_size, tstate_size)
    PAIR(dbg_tstate_prev, tstate_prev)
    PAIR(dbg_tstate_next, tstate_next)
    PAIR(dbg_tstate_interp, tstate_interp)
    PAIR(dbg_tstate_current_frame, tstate_current_frame)
    PAIR(dbg_tstate_thread_id, tstate_thread_id)
    PAIR(dbg_tstate_native_thread_id, tstate_native_thread_id)
    PAIR(dbg_tstate_datastack_chunk, tstate_datastack_chunk)
    PAIR(dbg_iframe_size, iframe_size)
    PAIR(dbg_iframe_previous, iframe_previous)
    PAIR(dbg_iframe_code, iframe_code)
    PAIR(dbg_iframe_instr, iframe_instr)
    PAIR(dbg_iframe_localsplus, iframe_localsplus)
    PAIR(dbg_iframe_owner, iframe_owner)
    PAIR(dbg_code_size, code_size)
    PAIR(dbg_code_filename, code_filename)
    PAIR(dbg_code_name, code_name)
    PAIR(dbg_code_qualname, code_qualname)
    PAIR(dbg_code_linetable, code_linetable)
    PAIR(dbg_code_firstlineno, code_firstlineno)
    PAIR(dbg_code_argcount, code_argcount)
    PAIR(dbg_code_localsplusnames, code_localsplusnames)
    PAIR(dbg_code_localspluskinds, code_localspluskinds)
    PAIR(dbg_code_code_adaptive, code_code_adaptive)
    PAIR(dbg_object_size, object_size)
    PAIR(dbg_object_type, object_type)
    PAIR(dbg_type_size, type_size)
    PAIR(dbg_type_name, type_name)
    PAIR(dbg_type_flags, type_flags)
    PAIR(dbg_tuple_size, tuple_size)
    PAIR(dbg_tuple_ob_item, tuple_ob_item)
    PAIR(dbg_tuple_ob_size, varobject_ob_size)
    PAIR(dbg_list_size, list_size)
    PAIR(dbg_list_ob_item, list_ob_item)
    PAIR(dbg_list_ob_size, varobject_ob_size)
    PAIR(dbg_dict_size, dict_size)
    PAIR(dbg_dict_ma_keys, dict_ma_keys)
    PAIR(dbg_dict_ma_values, dict_ma_values)
    PAIR(dbg_float_size, float_size)
    PAIR(dbg_float_fval, float_fval)
    PAIR(dbg_long_size, long_size)
    PAIR(dbg_long_lv_tag, long_lv_tag)
    PAIR(dbg_long_digit, long_digit)
    PAIR(dbg_bytes_size, bytes_size)
    PAIR(dbg_bytes_ob_size, varobject_ob_size)
    PAIR(dbg_bytes_sval, bytes_sval)
    PAIR(dbg_unicode_size, unicode_size)
    PAIR(dbg_unicode_state, unicode_state)
    PAIR(dbg_unicode_length, unicode_length)
    PAIR(dbg_unicode_ascii_size, unicode_ascii_size)
    PAIR(dbg_gc_size, gc_size)
    PAIR(dbg_gc_collecting, gc_collecting)
#define PAIR_IF(dbg, ours) if (gs_py_layout_has(L->dbg)) put(buf, L->dbg, (uint64_t)L->ours);
    PAIR_IF(dbg_iframe_stackpointer, iframe_stackpointer)
    PAIR_IF(dbg_set_size, set_size)
    PAIR_IF(dbg_set_used, set_used)
    PAIR_IF(dbg_set_table, set_table)
    PAIR_IF(dbg_set_mask, set_mask)
    PAIR_IF(dbg_gen_size, gen_size)
    PAIR_IF(dbg_gen_name, gen_name)
    PAIR_IF(dbg_gen_iframe, gen_iframe)
    PAIR_IF(dbg_gen_frame_state, gen_frame_state)
    PAIR_IF(dbg_heaptype_size, heaptype_size)
    PAIR_IF(dbg_heaptype_cached_keys, heaptype_cached_keys)
    PAIR_IF(dbg_type_basicsize, type_basicsize)
    PAIR_IF(dbg_type_dictoffset, type_dictoffset)
    /* 3.15: the stats buffer's size, larger than the gc struct itself. */
    if (gs_py_layout_has(L->dbg_gc_stats_size))
        put(buf, L->dbg_gc_stats_size, 4096);
    /* Groups without a size: offsets inside other structs, garbage to the
     * group checks (they must be skipped). */
    if (gs_py_layout_has(L->dbg_llist_node_start))
        put(buf, L->dbg_llist_node_start + 8, (uint64_t)1 << 40);
    if (gs_py_layout_has(L->dbg_err_stackitem_start))
        put(buf, L->dbg_err_stackitem_start, (uint64_t)1 << 40);
#undef PAIR_IF
#undef PAIR
}

