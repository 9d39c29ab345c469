/* gen_offsets_ft.h: the free-threaded (Py_GIL_DISABLED) part of the layout
 * table, included by gen_offsets.c after the common mappings.
 *
 * A free-threaded build has no PyGC_Head and no collector lists: the
 * interpreter's own collector (Python/gc_free_threading.c,
 * gc_visit_heaps_lock_held) finds its objects by walking each thread's
 * mimalloc heaps and the interpreter's abandoned pool. These fields are what
 * src/py/heap_ft.c needs to do the same from outside, plus the split
 * reference count of the object header (Include/object.h, refcount.h).
 * In a GIL build every one of them is GS_PY_ABSENT.
 */
#ifndef GCSCOPE_GEN_OFFSETS_FT_H
#define GCSCOPE_GEN_OFFSETS_FT_H

#ifdef Py_GIL_DISABLED

#include "internal/pycore_mimalloc.h"
#include "internal/pycore_tstate.h"

#if defined(MI_ENCODE_FREELIST) || MI_SECURE > 0
/* Encoded free lists are decoded with mi_page_t.keys (mi_ptr_decode); a
 * secure build also adds guard pages, which move page starts: refuse. */
#if MI_SECURE > 0
#error "mimalloc built with MI_SECURE: page starts differ, gcscope does not read it"
#endif
#define V_mi_heap_keys OFF(mi_heap_t, keys)
#define V_mi_page_keys OFF(mi_page_t, keys)
#else
#define V_mi_heap_keys ABSENT
#define V_mi_page_keys ABSENT
#endif

/* The `tag` bitfield of mi_page_t (4 bits after is_committed, is_zero_init,
 * use_qsbr): found by setting it in a zeroed page, as for the unicode state. */
static int64_t page_tag_byte(void)
{
    mi_page_t p;
    memset(&p, 0, sizeof p);
    p.tag = 0xf;
    const unsigned char *b = (const unsigned char *)&p;
    for (size_t i = 0; i < sizeof p; i++)
        if (b[i])
            return (int64_t)i;
    return ABSENT;
}

static int64_t page_tag_shift(void)
{
    mi_page_t p;
    memset(&p, 0, sizeof p);
    p.tag = 1;
    unsigned v = ((const unsigned char *)&p)[page_tag_byte()];
    return (int64_t)__builtin_ctz(v);
}

static int64_t page_tag_mask(void)
{
    mi_page_t p;
    memset(&p, 0, sizeof p);
    p.tag = 0xf;
    return (int64_t)(((const unsigned char *)&p)[page_tag_byte()] >> page_tag_shift());
}

#define V_ft_build ((int64_t)1)
#define V_ft_object_tid OFF(PyObject, ob_tid)
#define V_ft_object_gc_bits OFF(PyObject, ob_gc_bits)
#define V_ft_object_ref_local OFF(PyObject, ob_ref_local)
#define V_ft_object_ref_shared OFF(PyObject, ob_ref_shared)
#define V_ft_ref_shared_shift ((int64_t)_Py_REF_SHARED_SHIFT)
#define V_ft_immortal_local ((int64_t)_Py_IMMORTAL_REFCNT_LOCAL)
#define V_ft_ref_deferred ((int64_t)_Py_REF_DEFERRED)
#define V_ft_gc_bit_tracked ((int64_t)_PyGC_BITS_TRACKED)
#define V_ft_gc_bit_unreachable ((int64_t)_PyGC_BITS_UNREACHABLE)
#define V_ft_gc_bit_frozen ((int64_t)_PyGC_BITS_FROZEN)
#define V_ft_gc_bit_deferred ((int64_t)_PyGC_BITS_DEFERRED)
#define V_ft_tstate_refcounts_values OFF(_PyThreadStateImpl, refcounts.values)
#define V_ft_tstate_refcounts_count OFF(_PyThreadStateImpl, refcounts.size)
#define V_ft_interp_unique_ids_table OFF(PyInterpreterState, unique_ids.table)
#define V_ft_interp_unique_ids_count OFF(PyInterpreterState, unique_ids.size)
#define V_ft_iframe_tlbc_index OFF(_PyInterpreterFrame, tlbc_index)
#define V_ft_code_tlbc OFF(PyCodeObject, co_tlbc)
#define V_ft_codearray_count OFF(_PyCodeArray, size)
#define V_ft_codearray_entries OFF(_PyCodeArray, entries)
#define V_ft_tstate_mimalloc OFF(_PyThreadStateImpl, mimalloc)
#define V_ft_mimalloc_heaps OFF(struct _mimalloc_thread_state, heaps)
#define V_ft_mimalloc_initialized OFF(struct _mimalloc_thread_state, initialized)
#define V_ft_mimalloc_heap_gc ((int64_t)_Py_MIMALLOC_HEAP_GC)
#define V_ft_mimalloc_heap_gc_pre ((int64_t)_Py_MIMALLOC_HEAP_GC_PRE)
#define V_ft_interp_abandoned_pool OFF(PyInterpreterState, mimalloc.abandoned_pool)
#define V_mi_pool_abandoned OFF(mi_abandoned_pool_t, abandoned)
#define V_mi_pool_abandoned_visited OFF(mi_abandoned_pool_t, abandoned_visited)
#define V_mi_heap_size SZ(mi_heap_t)
#define V_mi_heap_pages OFF(mi_heap_t, pages)
#define V_mi_heap_page_count OFF(mi_heap_t, page_count)
#define V_mi_heap_thread_delayed_free OFF(mi_heap_t, thread_delayed_free)
#define V_mi_bin_full ((int64_t)MI_BIN_FULL)
#define V_mi_page_queue_size SZ(mi_page_queue_t)
#define V_mi_page_queue_first OFF(mi_page_queue_t, first)
#define V_mi_page_size SZ(mi_page_t)
#define V_mi_page_slice_count OFF(mi_page_t, slice_count)
#define V_mi_page_slice_offset OFF(mi_page_t, slice_offset)
#define V_mi_page_tag_byte page_tag_byte()
#define V_mi_page_tag_shift page_tag_shift()
#define V_mi_page_tag_mask page_tag_mask()
#define V_mi_page_capacity OFF(mi_page_t, capacity)
#define V_mi_page_reserved OFF(mi_page_t, reserved)
#define V_mi_page_free OFF(mi_page_t, free)
#define V_mi_page_used OFF(mi_page_t, used)
#define V_mi_page_xblock OFF(mi_page_t, xblock_size)
#define V_mi_page_local_free OFF(mi_page_t, local_free)
#define V_mi_page_xthread_free OFF(mi_page_t, xthread_free)
#define V_mi_page_next OFF(mi_page_t, next)
#define V_mi_padding_bytes ((int64_t)MI_PADDING_SIZE)
#define V_mi_huge_block_size ((int64_t)MI_HUGE_BLOCK_SIZE)
#define V_mi_segment_size ((int64_t)MI_SEGMENT_SIZE)
#define V_mi_segment_slice_size ((int64_t)MI_SEGMENT_SLICE_SIZE)
#define V_mi_segment_slices OFF(mi_segment_t, slices)
#define V_mi_segment_slice_entries OFF(mi_segment_t, slice_entries)
#define V_mi_segment_abandoned_next OFF(mi_segment_t, abandoned_next)
#define V_ft_mimalloc_heap_count ((int64_t)_Py_MIMALLOC_HEAP_COUNT)
#define V_mi_segment_segment_size OFF(mi_segment_t, segment_size)
#define V_mi_segment_info_slices OFF(mi_segment_t, segment_info_slices)
/* REPLICA: Objects/mimalloc/segment-map.c, 3.13-3.14: one bit per segment
 * address below MI_MAX_ADDRESS (40 TiB on 64-bit). */
#define V_mi_segment_map_bits ((int64_t)((((size_t)40) << 40) / MI_SEGMENT_SIZE))
/* REPLICA: Objects/mimalloc/arena.c, 3.13-3.14: MI_MAX_ARENAS,
 * MI_ARENA_BLOCK_SIZE and the head of mi_arena_t up to block_count (the
 * bitmaps after it are not read). */
typedef struct {
    mi_arena_id_t id;
    mi_memid_t memid;
    _Atomic(uint8_t *) start;
    size_t block_count;
} gen_mi_arena;
#define V_mi_max_arenas ((int64_t)112)
#define V_mi_arena_start OFF(gen_mi_arena, start)
#define V_mi_arena_block_count OFF(gen_mi_arena, block_count)
#define V_mi_arena_block_size ((int64_t)MI_SEGMENT_SIZE)

#else /* a GIL build */

#define V_ft_build ABSENT
#define V_ft_object_tid ABSENT
#define V_ft_object_gc_bits ABSENT
#define V_ft_object_ref_local ABSENT
#define V_ft_object_ref_shared ABSENT
#define V_ft_ref_shared_shift ABSENT
#define V_ft_immortal_local ABSENT
#define V_ft_ref_deferred ABSENT
#define V_ft_gc_bit_tracked ABSENT
#define V_ft_gc_bit_unreachable ABSENT
#define V_ft_gc_bit_frozen ABSENT
#define V_ft_gc_bit_deferred ABSENT
#define V_ft_tstate_refcounts_values ABSENT
#define V_ft_tstate_refcounts_count ABSENT
#define V_ft_interp_unique_ids_table ABSENT
#define V_ft_interp_unique_ids_count ABSENT
#define V_ft_iframe_tlbc_index ABSENT
#define V_ft_code_tlbc ABSENT
#define V_ft_codearray_count ABSENT
#define V_ft_codearray_entries ABSENT
#define V_ft_tstate_mimalloc ABSENT
#define V_ft_mimalloc_heaps ABSENT
#define V_ft_mimalloc_initialized ABSENT
#define V_ft_mimalloc_heap_gc ABSENT
#define V_ft_mimalloc_heap_gc_pre ABSENT
#define V_ft_interp_abandoned_pool ABSENT
#define V_mi_pool_abandoned ABSENT
#define V_mi_pool_abandoned_visited ABSENT
#define V_mi_heap_size ABSENT
#define V_mi_heap_pages ABSENT
#define V_mi_heap_page_count ABSENT
#define V_mi_heap_thread_delayed_free ABSENT
#define V_mi_heap_keys ABSENT
#define V_mi_bin_full ABSENT
#define V_mi_page_queue_size ABSENT
#define V_mi_page_queue_first ABSENT
#define V_mi_page_size ABSENT
#define V_mi_page_slice_count ABSENT
#define V_mi_page_slice_offset ABSENT
#define V_mi_page_tag_byte ABSENT
#define V_mi_page_tag_shift ABSENT
#define V_mi_page_tag_mask ABSENT
#define V_mi_page_capacity ABSENT
#define V_mi_page_reserved ABSENT
#define V_mi_page_free ABSENT
#define V_mi_page_used ABSENT
#define V_mi_page_xblock ABSENT
#define V_mi_page_local_free ABSENT
#define V_mi_page_keys ABSENT
#define V_mi_page_xthread_free ABSENT
#define V_mi_page_next ABSENT
#define V_mi_padding_bytes ABSENT
#define V_mi_huge_block_size ABSENT
#define V_mi_segment_size ABSENT
#define V_mi_segment_slice_size ABSENT
#define V_mi_segment_slices ABSENT
#define V_mi_segment_slice_entries ABSENT
#define V_mi_segment_abandoned_next ABSENT
#define V_ft_mimalloc_heap_count ABSENT
#define V_mi_segment_segment_size ABSENT
#define V_mi_segment_info_slices ABSENT
#define V_mi_segment_map_bits ABSENT
#define V_mi_max_arenas ABSENT
#define V_mi_arena_start ABSENT
#define V_mi_arena_block_count ABSENT
#define V_mi_arena_block_size ABSENT

#endif
#endif
