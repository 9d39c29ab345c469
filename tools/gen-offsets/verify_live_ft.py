"""verify_live_ft.py: the free-threaded checks of verify_live.py.

Run by verify_live.py when the table is a free-threaded one (ft_build) and
the interpreter is a free-threaded build (sys.abiflags has "t"). It checks
the split object header against sys.getrefcount() and gc.is_tracked(), and
walks this process's own mimalloc GC heaps the way src/py/heap_ft.c does
(each thread state's heaps[GC] and heaps[GC_PRE], then the abandoned pool,
skipping the blocks on the free, local_free, thread_free and delayed-free
lists), comparing the tracked objects found with gc.get_objects(): the
objects of a thread that has exited (the abandoned pool) included.
"""

import gc
import sys
import threading


def walk_heaps(C, R):
    """Addresses of every tracked, non-frozen object: R has mem/u64/u32/u8."""
    u64, u32, u8, mem = R['u64'], R['u32'], R['u8'], R['mem']
    seg_size, slice_size, psz = C['mi_segment_size'], C['mi_segment_slice_size'], C['mi_page_size']
    found = []

    def page_blocks(page, off):
        b = mem(page, psz)
        cap = int.from_bytes(b[C['mi_page_capacity']:C['mi_page_capacity'] + 2], 'little')
        used = int.from_bytes(b[C['mi_page_used']:C['mi_page_used'] + 4], 'little')
        xblock = int.from_bytes(b[C['mi_page_xblock']:C['mi_page_xblock'] + 4], 'little')
        slices = int.from_bytes(b[C['mi_page_slice_count']:C['mi_page_slice_count'] + 4], 'little')
        lists = [int.from_bytes(b[C[f]:C[f] + 8], 'little') & ~3
                 for f in ('mi_page_free', 'mi_page_local_free', 'mi_page_xthread_free')]
        if used == 0 or cap == 0:
            return
        segment = (page - 1) & ~(seg_size - 1)
        idx = (page - segment - C['mi_segment_slices']) // psz
        start_off = 0
        if xblock >= 8:
            start_off = 3 * xblock if xblock <= 64 else (xblock if xblock <= 512 else 0)
        bsize = xblock if xblock < C['mi_huge_block_size'] else slices * slice_size - start_off
        start = segment + idx * slice_size + start_off
        free = set()
        for blk in lists:
            n = 0
            while blk and n <= cap:
                free.add(blk)
                blk, n = u64(blk), n + 1
        for i in range(cap):
            blk = start + i * bsize
            if blk in free:
                continue
            obj = blk + off
            bits = u8(obj + C['ft_object_gc_bits'])
            if bits & C['ft_gc_bit_tracked'] and not bits & (C['ft_gc_bit_frozen'] | C['ft_gc_bit_unreachable']):
                found.append(obj)

    def heap(h, off):
        if u64(h + C['mi_heap_page_count']) == 0:
            return
        for b in range(C['mi_bin_full'] + 1):
            page = u64(h + C['mi_heap_pages'] + b * C['mi_page_queue_size'] + C['mi_page_queue_first'])
            while page:
                page_blocks(page, off)
                page = u64(page + C['mi_page_next'])

    interp = R['interp']
    ts = u64(interp + C['interp_threads_head'])
    nthreads = 0
    while ts:
        m = ts + C['ft_tstate_mimalloc']
        if u32(m + C['ft_mimalloc_initialized']):
            for hid, off in ((C['ft_mimalloc_heap_gc'], 0), (C['ft_mimalloc_heap_gc_pre'], 16)):
                heap(m + C['ft_mimalloc_heaps'] + hid * C['mi_heap_size'], off)
        nthreads += 1
        ts = u64(ts + C['tstate_next'])
    pool = interp + C['ft_interp_abandoned_pool']
    nsegments = 0
    for head in (u64(pool + C['mi_pool_abandoned']) & ~(seg_size - 1),
                 u64(pool + C['mi_pool_abandoned_visited'])):
        seg = head
        while seg:
            nsegments += 1
            slices = seg + C['mi_segment_slices']
            entries = u64(seg + C['mi_segment_slice_entries'])
            i = u32(slices + C['mi_page_slice_count'])
            while i < entries:
                sl = slices + i * psz
                count = u32(sl + C['mi_page_slice_count'])
                if count == 0:
                    break
                if u32(sl + C['mi_page_xblock']):
                    tag = (u8(sl + C['mi_page_tag_byte']) >> C['mi_page_tag_shift']) & C['mi_page_tag_mask']
                    if tag == C['ft_mimalloc_heap_gc']:
                        page_blocks(sl, 0)
                    elif tag == C['ft_mimalloc_heap_gc_pre']:
                        page_blocks(sl, 16)
                i += count
            seg = u64(seg + C['mi_segment_abandoned_next'])
    return found, nthreads, nsegments


def check_ft(C, R):
    u64, u32, u8, i64 = R['u64'], R['u32'], R['u8'], R['i64']
    C.check('sys.abiflags has "t"', 't' in sys.abiflags)

    def refcnt(o):
        a = id(o)
        local = u32(a + C['ft_object_ref_local'])
        if local == C['ft_immortal_local']:
            return None
        return local + (i64(a + C['ft_object_ref_shared']) >> C['ft_ref_shared_shift'])

    probe = [1, 2, 3]
    C.eq('ob_type', u64(id(probe) + C['object_type']), id(list))
    # 3.14's sys.getrefcount() borrows its argument (a stack reference), so
    # compare the differences: local + shared must follow every reference.
    base = refcnt(probe) - sys.getrefcount(probe)
    C.check('ob_ref_local + ob_ref_shared >> 2 ~ sys.getrefcount()', base in (0, -1), '(%d)' % base)
    keep = [probe, probe]
    C.eq('... follows two more references', refcnt(probe) - sys.getrefcount(probe), base)
    del keep
    C.check('None is immortal (ob_ref_local == UINT32_MAX)', refcnt(None) is None)
    C.check('tracked bit set on a new list', u8(id(probe) + C['ft_object_gc_bits']) & C['ft_gc_bit_tracked'])
    C.check('tracked bit clear on an int', not (u8(id(10 ** 30) + C['ft_object_gc_bits']) & C['ft_gc_bit_tracked']))
    other = []
    C.eq('ob_tid is this thread for two new objects', u64(id(probe) + C['ft_object_tid']),
         u64(id(other) + C['ft_object_tid']))

    # Module-level functions get deferred reference counting (funcobject.c).
    bits = u8(id(walk_heaps) + C['ft_object_gc_bits'])
    C.check('a module-level function has deferred reference counting', bits & C['ft_gc_bit_deferred'])
    shared = i64(id(walk_heaps) + C['ft_object_ref_shared'])
    C.check('deferred bias in ob_ref_shared', (shared >> C['ft_ref_shared_shift']) >= C['ft_ref_deferred'])

    # An object made by a thread that exits lives on in the abandoned pool.
    made = []

    def worker():
        made.append([{'from': 'worker', 'n': i} for i in range(2000)])
    t = threading.Thread(target=worker)
    t.start()
    t.join()

    gc.disable()
    try:
        want = {id(o) for o in gc.get_objects()}
        found, nthreads, nsegments = walk_heaps(C, R)
    finally:
        gc.enable()
    got = set(found)
    print('  (%d tracked objects in %d thread heaps and %d abandoned segments; gc.get_objects() has %d)'
          % (len(got), nthreads, nsegments, len(want)))
    C.eq('no object found twice', len(found), len(got))
    C.eq('every gc.get_objects() object found in the heaps', len(want - got), 0)
    # The walk itself makes a few temporaries (tuples) that the list did not see.
    C.check('few objects beyond gc.get_objects()', len(got - want) < 64, '(%d extra)' % len(got - want))
    C.check("the exited thread's objects found", id(made[0][0]) in got and id(made[0]) in got)
    C.check('a managed-dict instance found at block + 2 words (GC_PRE)', id(threading.current_thread()) in got)
