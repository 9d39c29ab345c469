/* test_layout.c: the generated per-version tables and the _Py_DebugOffsets
 * check.
 *
 * The tables are generated from CPython's headers (tools/gen-offsets), so this
 * test does not repeat their numbers; it checks that each table is complete
 * and coherent, that fields appear and vanish in the versions where CPython
 * added or removed them, and that gs_py_debug_offsets_check() accepts a correct
 * _Py_DebugOffsets and refuses each kind of damage with the right status.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "proc/memreader.h"
#include "py/debug_offsets.h"
#include "py/layout.h"
#include "util/status.h"
#include "fakedebug.h"
#include "unit.h"

#define HAS(L, f) gs_py_layout_has((L)->f)

/* Present exactly when lo <= minor <= hi. */
#define CHECK_RANGE(L, f, lo, hi)                                                  \
    do {                                                                           \
        bool want_ = (L)->minor >= (lo) && (L)->minor <= (hi);                     \
        if (HAS(L, f) != want_)                                                    \
            fprintf(stderr, "  3.%d: %s should be %s\n", (L)->minor, #f,           \
                    want_ ? "present" : "absent");                                 \
        UNIT_CHECK(HAS(L, f) == want_);                                            \
    } while (0)

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Every field is GS_PY_ABSENT or non-negative; every present *_size positive. */
static void check_all_fields(const struct gs_py_layout *L)
{
    int bad = 0;
#define CHECK_FIELD(name)                                                          \
    if (L->name != GS_PY_ABSENT && (L->name < 0 || (ends_with(#name, "_size") && L->name == 0))) { \
        fprintf(stderr, "  3.%d: %s = %lld\n", L->minor, #name, (long long)L->name); \
        bad++;                                                                     \
    }
    GS_PY_LAYOUT_FIELDS(CHECK_FIELD)
#undef CHECK_FIELD
    UNIT_CHECK(bad == 0);
}

static void check_table(const struct gs_py_layout *L)
{
    int m = L->minor;
    UNIT_CHECK(L->major == 3);
    UNIT_CHECK(m >= 8 && m <= 15);
    UNIT_CHECK(L->generated_from && strstr(L->generated_from, "headers"));
    UNIT_CHECK_EQ_U64((L->py_version_hex >> 24) & 0xff, 3);
    UNIT_CHECK_EQ_U64((L->py_version_hex >> 16) & 0xff, (uint64_t)m);
    check_all_fields(L);

    /* Object header and GC head: the same on every x86_64 release build. */
    UNIT_CHECK_EQ_U64(L->object_refcnt, 0);
    UNIT_CHECK_EQ_U64(L->object_type, 8);
    UNIT_CHECK_EQ_U64(L->object_size, 16);
    UNIT_CHECK_EQ_U64(L->varobject_ob_size, 16);
    UNIT_CHECK_EQ_U64(L->varobject_size, 24);
    UNIT_CHECK_EQ_U64(L->gc_head_size, 16);
    UNIT_CHECK_EQ_U64(L->gc_head_next, 0);
    UNIT_CHECK_EQ_U64(L->gc_head_prev, 8);
    UNIT_CHECK(L->gc_num_generations == 3);
    UNIT_CHECK(L->gc_generation_size == L->gc_head_size + 8);
    UNIT_CHECK(L->gc_generation0 > L->gc_generations);
    if (m <= 13) /* right after the generation0 pointer; 3.14 moved it to the end */
        UNIT_CHECK(L->gc_permanent_generation == L->gc_generation0 + 8);
    else
        UNIT_CHECK(L->gc_generation0 + 8 == L->gc_size);
    UNIT_CHECK(L->gc_generations + L->gc_num_generations * L->gc_generation_size <=
               L->gc_generation0);
    UNIT_CHECK(L->gc_collecting < L->gc_size && L->gc_enabled < L->gc_size);

    /* Where the runtime keeps things. */
    CHECK_RANGE(L, runtime_gc, 8, 8);
    CHECK_RANGE(L, interp_gc, 9, 15);
    CHECK_RANGE(L, interp_runtime, 9, 15);
    CHECK_RANGE(L, runtime_main_interpreter, 11, 15);
    UNIT_CHECK(L->runtime_interpreters_head < L->runtime_size);
    UNIT_CHECK(L->interp_threads_head < L->interp_size);
    if (HAS(L, interp_gc))
        UNIT_CHECK(L->interp_gc + L->gc_size <= L->interp_size);
    if (HAS(L, runtime_main_interpreter))
        UNIT_CHECK(L->runtime_main_interpreter + L->interp_size <= L->runtime_size);

    /* Thread states and frames. */
    CHECK_RANGE(L, tstate_frame, 8, 10);
    CHECK_RANGE(L, tstate_cframe, 11, 12);
    CHECK_RANGE(L, cframe_current_frame, 11, 12);
    CHECK_RANGE(L, tstate_current_frame, 13, 15);
    CHECK_RANGE(L, tstate_native_thread_id, 11, 15);
    CHECK_RANGE(L, tstate_datastack_chunk, 11, 15);
    CHECK_RANGE(L, frame_back, 8, 10);
    CHECK_RANGE(L, frame_localsplus, 8, 10);
    CHECK_RANGE(L, frame_stacktop, 8, 9);
    CHECK_RANGE(L, frame_stackdepth, 10, 10);
    CHECK_RANGE(L, frame_frame, 11, 15);
    CHECK_RANGE(L, iframe_size, 11, 15);
    CHECK_RANGE(L, iframe_localsplus, 11, 15);
    CHECK_RANGE(L, iframe_owner_cstack, 12, 15);
    CHECK_RANGE(L, datastack_data, 11, 15);
    CHECK_RANGE(L, iframe_stacktop, 11, 13);
    CHECK_RANGE(L, iframe_stackpointer, 14, 15);
    CHECK_RANGE(L, stackref_tag_mask, 14, 15);
    CHECK_RANGE(L, object_flags, 14, 15);
    CHECK_RANGE(L, gc_incremental_size, 14, 14);
    CHECK_RANGE(L, gc_incremental_visited_space, 14, 14);
    CHECK_RANGE(L, module_def, 8, 14);
    CHECK_RANGE(L, dbg_gen_size, 14, 15);
    CHECK_RANGE(L, dbg_llist_node_start, 14, 15);
    CHECK_RANGE(L, dbg_err_stackitem_start, 15, 15);
    CHECK_RANGE(L, dbg_gc_stats_size, 15, 15);
    UNIT_CHECK(L->object_refcnt_bits == (L->minor >= 14 ? 32 : 64));
    CHECK_RANGE(L, gen_frame, 8, 10);
    CHECK_RANGE(L, gen_code, 8, 11);
    CHECK_RANGE(L, gen_iframe, 11, 15);
    if (HAS(L, iframe_size)) {
        UNIT_CHECK(L->iframe_localsplus + 8 == L->iframe_size);
        UNIT_CHECK(L->iframe_owner_thread == 0);
        /* 3.15 inserted SUSPENDED_YIELD_FROM_LOCKED before EXECUTING. */
        UNIT_CHECK(L->gen_frame_state_cleared == (L->minor >= 15 ? 5 : 4));
        /* The embedded frame is the last member of a generator. */
        UNIT_CHECK(L->gen_iframe + L->iframe_size >= L->gen_size);
    }

    /* Code objects. */
    CHECK_RANGE(L, code_code, 8, 10);
    CHECK_RANGE(L, code_varnames, 8, 10);
    CHECK_RANGE(L, code_localsplusnames, 11, 15);
    CHECK_RANGE(L, code_code_adaptive, 11, 15);
    CHECK_RANGE(L, code_framesize, 12, 15);
    CHECK_RANGE(L, func_builtins, 10, 15);
    CHECK_RANGE(L, func_typeparams, 12, 15);
    CHECK_RANGE(L, heaptype_module, 9, 15);

    /* Flags. */
    CHECK_RANGE(L, flag_managed_dict, 11, 15);
    CHECK_RANGE(L, flag_managed_weakref, 12, 15);
    CHECK_RANGE(L, flag_inline_values, 13, 15);
    UNIT_CHECK_EQ_U64(L->flag_heaptype, 1u << 9);
    UNIT_CHECK_EQ_U64(L->flag_have_gc, 1u << 14);

    /* Containers. */
    UNIT_CHECK(L->list_ob_item == 24);
    UNIT_CHECK(L->tuple_ob_item == (L->minor >= 14 ? 32 : 24)); /* 3.14: ob_hash first */
    UNIT_CHECK(L->tuple_size == L->tuple_ob_item + 8); /* one item included */
    UNIT_CHECK(L->setentry_size == 16);

    /* Dict keys: header fields, then the indices, then the entries. */
    CHECK_RANGE(L, dictkeys_size_field, 8, 10);
    CHECK_RANGE(L, dictkeys_log2_size, 11, 15);
    CHECK_RANGE(L, dictkeys_log2_index_bytes, 11, 15);
    CHECK_RANGE(L, dictkeys_kind, 11, 15);
    CHECK_RANGE(L, dictunicodeentry_size, 11, 15);
    CHECK_RANGE(L, dictvalues_capacity, 13, 15);
    UNIT_CHECK(L->dictkeys_refcnt == 0);
    UNIT_CHECK(L->dictkeys_usable < L->dictkeys_nentries);
    UNIT_CHECK(L->dictkeys_nentries + 8 == L->dictkeys_indices);
    UNIT_CHECK(L->dictkeyentry_size == 24);
    UNIT_CHECK(L->dictkeyentry_hash == 0 && L->dictkeyentry_key == 8 &&
               L->dictkeyentry_value == 16);
    UNIT_CHECK(L->dict_minsize >= 8 && (L->dict_minsize & (L->dict_minsize - 1)) == 0);
    if (HAS(L, dictkeys_log2_size)) {
        UNIT_CHECK(L->dictkeys_log2_size < L->dictkeys_usable);
        UNIT_CHECK(L->dictunicodeentry_size == 16);
    } else {
        UNIT_CHECK(L->dictkeys_size_field < L->dictkeys_usable);
    }
    if (HAS(L, dictvalues_capacity))
        UNIT_CHECK(L->dictvalues_values == 8);
    else
        UNIT_CHECK(L->dictvalues_values == 0);

    /* Strings and ints. */
    CHECK_RANGE(L, unicode_state_ready_shift, 8, 11);
    CHECK_RANGE(L, unicode_wstr, 8, 11);
    CHECK_RANGE(L, long_lv_tag, 12, 15);
    UNIT_CHECK(L->unicode_state_kind_mask == 7);
    UNIT_CHECK(L->unicode_ascii_size < L->unicode_compact_size);
    UNIT_CHECK(L->long_digit_size == 4 && L->long_shift == 30);

    /* Debug offsets. */
    CHECK_RANGE(L, debug_offsets_present, 13, 15);
    CHECK_RANGE(L, dbg_interp_threads_head, 13, 15);
    CHECK_RANGE(L, dbg_gc_collecting, 13, 15);
}

/* A free-threaded table: the split object header, no GC head or lists,
 * the mimalloc structures the heap walk reads. */
static void check_ft_table(const struct gs_py_layout *L)
{
    UNIT_CHECK(L->major == 3 && L->minor >= 14);
    UNIT_CHECK(L->generated_from && strstr(L->generated_from, "t headers"));
    check_all_fields(L);
    UNIT_CHECK(gs_py_layout_is_free_threaded(L));
    UNIT_CHECK(!HAS(L, object_refcnt) && !HAS(L, gc_head_size) && !HAS(L, gc_head_next));
    UNIT_CHECK_EQ_U64(L->object_size, 32);
    UNIT_CHECK_EQ_U64(L->object_type, 24);
    UNIT_CHECK_EQ_U64(L->ft_object_tid, 0);
    UNIT_CHECK(L->ft_object_gc_bits < L->ft_object_ref_local && L->ft_object_ref_local + 4 <= L->ft_object_ref_shared);
    UNIT_CHECK(L->ft_object_ref_shared + 8 <= L->object_type);
    UNIT_CHECK_EQ_U64(L->ft_immortal_local, UINT32_MAX);
    UNIT_CHECK(L->ft_gc_bit_tracked == 1 && L->ft_ref_shared_shift == 2);
    UNIT_CHECK_EQ_U64(L->managed_dict_before, 8); /* MANAGED_DICT_OFFSET: one word before */
    UNIT_CHECK(L->ft_mimalloc_heap_gc == 2 && L->ft_mimalloc_heap_gc_pre == 3);
    UNIT_CHECK(L->mi_page_size > L->mi_page_next && L->mi_segment_size % L->mi_segment_slice_size == 0);
    UNIT_CHECK(L->mi_heap_pages + (L->mi_bin_full + 1) * L->mi_page_queue_size <= L->mi_heap_size);
    UNIT_CHECK(L->mi_page_tag_mask == 15);
    UNIT_CHECK(gs_py_layout_for_build(3, L->minor, true) == L);
}

static void test_tables(void)
{
    int n = 0, prev = 0, nft = 0, ndebug = 0, prev_debug = 0;
    for (const struct gs_py_layout *const *p = gs_py_layouts; *p; p++) {
        if (gs_py_layout_is_free_threaded(*p)) {
            check_ft_table(*p);
            nft++;
            continue;
        }
        check_table(*p);
        UNIT_CHECK(!HAS(*p, ft_build) && !HAS(*p, mi_heap_pages));
        /* GIL builds oldest first, then debug builds oldest first; no
         * duplicates. */
        if ((*p)->debug) {
            ndebug++;
            UNIT_CHECK((*p)->minor > prev_debug);
            prev_debug = (*p)->minor;
            UNIT_CHECK(gs_py_layout_find(3, (*p)->minor, false, true) == *p);
            UNIT_CHECK(strstr((*p)->generated_from, "d headers") != NULL);
            continue;
        }
        n++;
        UNIT_CHECK(ndebug == 0 && (*p)->minor > prev);
        prev = (*p)->minor;
        UNIT_CHECK(gs_py_layout_for(3, (*p)->minor) == *p);
        UNIT_CHECK(gs_py_layout_find(3, (*p)->minor, false, false) == *p);
    }
    UNIT_CHECK(n == 8);
    UNIT_CHECK(nft == 1);
    UNIT_CHECK(ndebug == 3);
    UNIT_CHECK(gs_py_layout_for_build(3, 13, true) == NULL);
    UNIT_CHECK(gs_py_layout_for(3, 7) == NULL);
    UNIT_CHECK(gs_py_layout_for(3, 16) == NULL);
    UNIT_CHECK(gs_py_layout_for(2, 7) == NULL);
    UNIT_CHECK(gs_py_layout_find(3, 12, false, true) == NULL);
    UNIT_CHECK_STR(gs_py_layout_supported(), "3.8, 3.9, 3.10, 3.11, 3.12, 3.13, 3.14, 3.15, 3.14t (free-threaded)");
    UNIT_CHECK_STR(gs_py_layout_supported_debug(), "3.11, 3.14, 3.15");
    /* A debug build's objects are laid out as the release build's: only the
     * runtime and interpreter states differ (3.14, 3.15), or nothing (3.11). */
    for (int m = 11; m <= 15; m++) {
        const struct gs_py_layout *R = gs_py_layout_for(3, m), *D = gs_py_layout_find(3, m, false, true);
        if (!R || !D)
            continue;
        UNIT_CHECK(R->tuple_ob_item == D->tuple_ob_item && R->iframe_localsplus == D->iframe_localsplus &&
                   R->gc_size == D->gc_size && R->code_size == D->code_size);
        UNIT_CHECK(m < 14 || D->runtime_size > R->runtime_size);
    }
}

/* --- _Py_DebugOffsets ------------------------------------------------------ */

#define RUNTIME_ADDR 0x7f1200000000ull

static void put(unsigned char *buf, int64_t off, uint64_t v)
{
    memcpy(buf + off, &v, sizeof v);
}

/* Run the check on buf placed at RUNTIME_ADDR. */
static gs_status run_check(const struct gs_py_layout *L, const unsigned char *buf, size_t len,
                           uint64_t *version, gs_error *err)
{
    gs_reader *r = gs_reader_buffer_new();
    gs_reader_buffer_add(r, RUNTIME_ADDR, buf, len, false);
    memset(err, 0, sizeof *err);
    gs_status st = gs_py_debug_offsets_check(r, RUNTIME_ADDR, L, version, err);
    gs_reader_free(r);
    return st;
}

static void test_debug_offsets(int minor)
{
    const struct gs_py_layout *L = gs_py_layout_for(3, minor);
    UNIT_CHECK(L != NULL);
    if (!L)
        return;
    size_t len = (size_t)L->debug_offsets_size;
    UNIT_CHECK(len > 24 && len <= 4096);
    unsigned char good[4096], bad[4096];
    uint64_t version = 1;
    gs_error err;
    fake_debug_offsets(L, good);

    /* A correct one. */
    UNIT_CHECK(run_check(L, good, len, &version, &err) == GS_OK);
    UNIT_CHECK_EQ_U64(version, L->py_version_hex);
    {
        gs_reader *r = gs_reader_buffer_new();
        gs_reader_buffer_add(r, RUNTIME_ADDR, good, len, false);
        UNIT_CHECK(gs_py_debug_offsets_present(r, RUNTIME_ADDR));
        UNIT_CHECK(!gs_py_debug_offsets_present(r, RUNTIME_ADDR + 8));
        UNIT_CHECK(!gs_py_debug_offsets_present(r, 0x1000)); /* unmapped */
        gs_reader_free(r);
    }

    /* Wrong cookie. */
    memcpy(bad, good, len);
    memcpy(bad, "xdebugpz", 8);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(strstr(err.msg, "cookie") != NULL);
    UNIT_CHECK(strstr(err.msg, "xdebugpz") != NULL);

    /* Wrong version: the next minor's runtime read with this table. */
    memcpy(bad, good, len);
    uint64_t next = 0x030000F0u | ((uint64_t)(minor + 1) << 16);
    put(bad, L->debug_offsets_version, next);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK_EQ_U64(version, next);
    {
        char want[16];
        snprintf(want, sizeof want, "3.%d", minor + 1);
        UNIT_CHECK(strstr(err.msg, want) != NULL);
    }

    /* Free-threaded build. */
    memcpy(bad, good, len);
    put(bad, L->dbg_free_threaded, 1);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_UNSUPPORTED);
    UNIT_CHECK(strstr(err.msg, "free-threaded") != NULL);

    /* An offset outside its group's struct. */
    memcpy(bad, good, len);
    put(bad, L->dbg_interp_threads_head, (uint64_t)L->interp_size + 8);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(strstr(err.msg, "interpreter_state.threads_head") != NULL);
    UNIT_CHECK(strstr(err.msg, "outside") != NULL);

    /* A member our table does not know (runtime_state.finalizing sits right
     * after the group's size) out of bounds: still caught. */
    memcpy(bad, good, len);
    put(bad, L->dbg_runtime_size + 8, (uint64_t)L->runtime_size);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(strstr(err.msg, "runtime_state member at +8") != NULL);

    /* An implausible group size. */
    memcpy(bad, good, len);
    put(bad, L->dbg_gc_size, 0);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(strstr(err.msg, "gc.size") != NULL);

    /* One field that disagrees, inside bounds: named, with both values. */
    memcpy(bad, good, len);
    put(bad, L->dbg_interp_threads_head, (uint64_t)L->interp_threads_head + 8);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    {
        char want[256];
        snprintf(want, sizeof want,
                 "debug offsets disagree with gcscope's 3.%d table: "
                 "interpreter_state.threads_head is %lld, table says %lld",
                 minor, (long long)L->interp_threads_head + 8, (long long)L->interp_threads_head);
        UNIT_CHECK_STR(err.msg, want);
    }
    memcpy(bad, good, len);
    put(bad, L->dbg_long_digit, (uint64_t)L->long_digit - 4);
    UNIT_CHECK(run_check(L, bad, len, &version, &err) == GS_ERR_CORRUPT);
    UNIT_CHECK(strstr(err.msg, "long_object.ob_digit is") != NULL);

    /* Truncated: the struct runs past the mapped memory. */
    UNIT_CHECK(run_check(L, good, len - 8, &version, &err) == GS_ERR_CORRUPT);

    /* Older tables have no debug offsets: nothing to check. */
    const struct gs_py_layout *L12 = gs_py_layout_for(3, 12);
    UNIT_CHECK(L12 != NULL);
    if (L12) {
        version = 1;
        UNIT_CHECK(run_check(L12, good, len, &version, &err) == GS_OK);
        UNIT_CHECK_EQ_U64(version, 0);
    }
}

int main(void)
{
    test_tables();
    for (int minor = 13; minor <= 15; minor++)
        test_debug_offsets(minor);
    return unit_finish("test_layout");
}
