/* mimalloc_page.c: see mimalloc_page.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "py/mimalloc_page.h"

/* One mi_page_t read at a time. */
#define MAX_PAGE_STRUCT 256

void gs_py_mi_problem(const struct gs_py_mi_diag *d, const char *fmt, ...)
{
    (*d->count)++;
    if (!d->first || !d->first_cap || d->first[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->first, d->first_cap, fmt, ap);
    va_end(ap);
}

static uint64_t rotr(uint64_t x, uint64_t shift)
{
    shift %= 64;
    return shift ? (x >> shift) | (x << (64 - shift)) : x;
}

/* mi_block_nextx: the free-list link, decoded with the owner's keys when
 * the build encodes free lists (MI_ENCODE_FREELIST: debug builds). */
static bool block_next(const struct gs_py_ctx *c, uint64_t block, const uint64_t *keys, uint64_t null_value,
                       uint64_t *next)
{
    uint64_t x;
    if (!gs_read_u64(c->r, block, &x))
        return false;
    if (keys) {
        x = rotr(x - keys[0], keys[0]) ^ keys[1];
        if (x == null_value)
            x = 0;
    }
    *next = x;
    return true;
}

static uint64_t rd(const uint8_t *buf, int64_t off, size_t width)
{
    uint64_t v = 0;
    memcpy(&v, buf + off, width);
    return v;
}

/* REPLICA of _mi_segment_page_start_from_slice's start offset rule
 * (Objects/mimalloc/segment.c). */
bool gs_py_mi_read_page(const struct gs_py_ctx *c, uint64_t addr, struct gs_py_mi_page *p,
                        const struct gs_py_mi_diag *d)
{
    const struct gs_py_layout *L = c->L;
    uint8_t buf[MAX_PAGE_STRUCT];
    if (L->mi_page_size > MAX_PAGE_STRUCT || !gs_read_exact(c->r, addr, buf, (size_t)L->mi_page_size)) {
        gs_py_mi_problem(d, "unreadable mimalloc page at 0x%llx", (unsigned long long)addr);
        return false;
    }
    memset(p, 0, sizeof *p);
    p->addr = addr;
    p->capacity = (uint32_t)rd(buf, L->mi_page_capacity, 2);
    p->reserved = (uint32_t)rd(buf, L->mi_page_reserved, 2);
    p->used = (uint32_t)rd(buf, L->mi_page_used, 4);
    uint64_t xblock = rd(buf, L->mi_page_xblock, 4);
    uint64_t slice_count = rd(buf, L->mi_page_slice_count, 4);
    p->slice_count = (uint32_t)slice_count;
    p->free = rd(buf, L->mi_page_free, 8);
    p->local_free = rd(buf, L->mi_page_local_free, 8);
    p->thread_free = rd(buf, L->mi_page_xthread_free, 8) & ~(uint64_t)3; /* low bits: delayed flags */
    p->tag = (int)((buf[L->mi_page_tag_byte] >> L->mi_page_tag_shift) & L->mi_page_tag_mask);
    if (gs_py_layout_has(L->mi_page_keys)) {
        p->encoded = true;
        p->keys[0] = rd(buf, L->mi_page_keys, 8);
        p->keys[1] = rd(buf, L->mi_page_keys + 8, 8);
    }
    uint64_t segsize = (uint64_t)L->mi_segment_size, slice = (uint64_t)L->mi_segment_slice_size;
    p->segment = (addr - 1) & ~(segsize - 1); /* _mi_ptr_segment */
    uint64_t first = p->segment + (uint64_t)L->mi_segment_slices;
    uint64_t entries;
    if (!gs_read_u64(c->r, p->segment + (uint64_t)L->mi_segment_slice_entries, &entries) ||
        entries > GS_PY_MI_MAX_SLICES || addr < first || (addr - first) % (uint64_t)L->mi_page_size != 0 ||
        (addr - first) / (uint64_t)L->mi_page_size >= entries) {
        gs_py_mi_problem(d, "mimalloc page 0x%llx is not a slice of its segment 0x%llx", (unsigned long long)addr,
                         (unsigned long long)p->segment);
        return false;
    }
    uint64_t idx = (addr - first) / (uint64_t)L->mi_page_size;
    uint64_t psize = slice_count * slice;
    if (slice_count == 0 || idx * slice + psize > segsize * 64) {
        gs_py_mi_problem(d, "mimalloc page 0x%llx claims %llu slices", (unsigned long long)addr,
                         (unsigned long long)slice_count);
        return false;
    }
    uint64_t start_offset = 0;
    if (xblock >= 8) {
        if (xblock <= 64)
            start_offset = 3 * xblock;
        else if (xblock <= 512)
            start_offset = xblock;
    }
    /* mi_page_block_size: a huge page's block is the whole page. */
    p->area = psize - start_offset;
    p->bsize = xblock < (uint64_t)L->mi_huge_block_size ? xblock : p->area;
    p->start = p->segment + idx * slice + start_offset;
    if (p->bsize == 0 || p->capacity > p->reserved || p->capacity > GS_PY_MI_MAX_PAGE_BLOCKS ||
        (uint64_t)p->capacity * p->bsize > p->area) {
        gs_py_mi_problem(d, "mimalloc page 0x%llx: %u blocks of %llu bytes do not fit its %llu bytes",
                         (unsigned long long)addr, p->capacity, (unsigned long long)p->bsize,
                         (unsigned long long)p->area);
        return false;
    }
    return true;
}

/* Mark the blocks of one free list; false if the list is broken (a block
 * outside the page, off a boundary, twice, or unreadable). */
static bool mark_list(const struct gs_py_ctx *c, const struct gs_py_mi_page *p, uint64_t block, const char *which,
                      uint64_t *free_map, uint32_t *nfree, const struct gs_py_mi_diag *d)
{
    uint64_t end = p->start + (uint64_t)p->capacity * p->bsize;
    for (uint32_t steps = 0; block; steps++) {
        if (steps > p->capacity || block < p->start || block >= end || (block - p->start) % p->bsize) {
            gs_py_mi_problem(d, "the %s list of mimalloc page 0x%llx leaves the page at 0x%llx", which,
                             (unsigned long long)p->addr, (unsigned long long)block);
            return false;
        }
        uint64_t i = (block - p->start) / p->bsize;
        if (free_map[i / 64] & ((uint64_t)1 << (i % 64))) {
            gs_py_mi_problem(d, "the %s list of mimalloc page 0x%llx loops", which, (unsigned long long)p->addr);
            return false;
        }
        free_map[i / 64] |= (uint64_t)1 << (i % 64);
        (*nfree)++;
        if (!block_next(c, block, p->encoded ? p->keys : NULL, p->addr, &block)) {
            gs_py_mi_problem(d, "unreadable block 0x%llx on the %s list of mimalloc page 0x%llx",
                             (unsigned long long)block, which, (unsigned long long)p->addr);
            return false;
        }
    }
    return true;
}

bool gs_py_mi_mark_free(const struct gs_py_ctx *c, const struct gs_py_mi_page *p, uint64_t *free_map,
                        const gs_addrmap *delayed, uint32_t *nfree, const struct gs_py_mi_diag *d)
{
    size_t words = ((size_t)p->capacity + 63) / 64;
    memset(free_map, 0, words * sizeof *free_map);
    *nfree = 0;
    /* used counts the thread_free blocks (mimalloc's types.h: used -
     * |thread_free| are alive); the free and local_free lists are the rest
     * of capacity. A thread stopped inside malloc or free may be one step
     * out: the bitmap is what counts. */
    if (!mark_list(c, p, p->free, "free", free_map, nfree, d) ||
        !mark_list(c, p, p->local_free, "local_free", free_map, nfree, d) ||
        !mark_list(c, p, p->thread_free, "thread_free", free_map, nfree, d))
        return false;
    if (delayed && delayed->n)
        for (uint32_t i = 0; i < p->capacity; i++)
            if (!gs_py_mi_is_free(free_map, i) && gs_addrmap_get(delayed, p->start + (uint64_t)i * p->bsize)) {
                free_map[i / 64] |= (uint64_t)1 << (i % 64);
                (*nfree)++;
            }
    return true;
}

bool gs_py_mi_collect_delayed(const struct gs_py_ctx *c, uint64_t heap, uint64_t page_count, gs_addrmap *delayed,
                              const struct gs_py_mi_diag *d)
{
    const struct gs_py_layout *L = c->L;
    uint64_t keys[2], *kp = NULL, block;
    if (gs_py_layout_has(L->mi_heap_keys)) {
        if (!gs_read_u64(c->r, heap + (uint64_t)L->mi_heap_keys, &keys[0]) ||
            !gs_read_u64(c->r, heap + (uint64_t)L->mi_heap_keys + 8, &keys[1]))
            return true;
        kp = keys;
    }
    if (!gs_py_read_ptr(c, heap + (uint64_t)L->mi_heap_thread_delayed_free, &block))
        return true;
    uint64_t bound = (page_count + 1) * GS_PY_MI_MAX_PAGE_BLOCKS;
    for (uint64_t n = 0; block; n++) {
        if (n > bound || gs_addrmap_get(delayed, block)) {
            gs_py_mi_problem(d, "the delayed-free list of mimalloc heap 0x%llx loops", (unsigned long long)heap);
            return true;
        }
        if (!gs_addrmap_put(delayed, block, 1))
            return false;
        if (!block_next(c, block, kp, heap, &block)) {
            gs_py_mi_problem(d, "unreadable block on the delayed-free list of mimalloc heap 0x%llx",
                             (unsigned long long)heap);
            return true;
        }
    }
    return true;
}
