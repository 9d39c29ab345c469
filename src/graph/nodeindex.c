#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "graph/nodeindex.h"
#include "util/alloc.h"
#include "util/sort.h"

/* Objects are 16-byte aligned; a slot covers 32 bytes, two such addresses,
 * and says which one holds its node: two objects in 32 bytes (an object of
 * 16 bytes and its neighbour, rare: a GC object's 16-byte header keeps GC
 * objects 32 bytes apart) put the second in the hash map. Half the slots of
 * one per 16 bytes: the index costs a sixteenth of the span holding nodes. */
#define ALIGN_SHIFT 4
#define GRANULE_SHIFT 5
/* A chunk covers 128 granules, 4 KiB of the target: a pymalloc pool
 * (3.8-3.12) or a quarter of one. It has two bases: the first node
 * recorded in it, and the first one too far from that. Nodes come in two
 * waves, the collector's lists (numbered in allocation order) and then the
 * untracked objects they point to (numbered as the walk meets them), so a
 * chunk holding both needs both: with one base, 4-5% of heap_target's
 * nodes were too far from it. */
#define CHUNK_SHIFT 7
/* A slot: which 16 bytes of its 32 (HALF), which base (SECOND_BASE), and
 * 1 + the node's distance from that base in the low 14 bits (0: no node;
 * all ones: GS_NODEINDEX_FAR, the hash map holds the granule's nodes). */
#define HALF 0x8000u
#define SECOND_BASE 0x4000u
#define DIST_MASK 0x3FFFu
#define MAX_DISTANCE ((uint32_t)DIST_MASK - 2) /* FAR excluded */

/* Captured regions closer than this share one slot array: the slots of the
 * gap are never touched (reserved, not committed), and fewer, larger spans
 * make the previous lookup's span the right one far more often. The image
 * holds one region per resident run: pymalloc's 1 MiB arenas, each its own
 * mapping, made hundreds, and finding the span by binary search was 9% of
 * the build's instructions. */
#define MERGE_GAP ((uint64_t)64 << 20)

/* Memory that costs only where it is written. */
static void *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void gs_nodeindex_init(struct gs_nodeindex *x, const gs_image *img)
{
    memset(x, 0, sizeof *x);
    gs_addrmap_init(&x->other);
    size_t n = gs_image_region_count(img);
    x->regions = gs_xcalloc(n ? n : 1, sizeof *x->regions);
    for (size_t i = 0; i < n;) {
        struct gs_nodeindex_region *r = &x->regions[x->n];
        uint64_t s, e;
        gs_image_region(img, i++, &r->start, &r->end);
        while (i < n) {
            gs_image_region(img, i, &s, &e);
            /* A gap much larger than the span itself is not worth its slots:
             * 500 thread stacks, a few KiB resident each 8 MiB apart, would
             * make one slot array of a gigabyte that a scan then reads. */
            if (s < r->end || s - r->end > MERGE_GAP || s - r->end > 4 * (r->end - r->start) + ((uint64_t)1 << 20))
                break;
            r->end = e;
            i++;
        }
        size_t granules = (size_t)((r->end - r->start) >> GRANULE_SHIFT);
        r->bytes = granules * sizeof *r->slots;
        r->base_bytes = ((granules >> CHUNK_SHIFT) + 1) * 2 * sizeof *r->base;
        /* No huge pages: a free-threaded interpreter's objects are strewn
         * over mimalloc segments of 32 MiB, one set per thread, and a 2 MiB
         * page per touched spot cost 2.5 GiB and 30 s with 200 threads
         * (0.5 GiB and 3.6 s even when only spans mostly captured got them);
         * small pages: 66 MiB and 1.1 s. */
        r->slots = reserve(r->bytes);
        r->base = r->slots ? reserve(r->base_bytes) : NULL;
        if (!r->base) { /* this span's objects go to the hash map */
            if (r->slots)
                munmap(r->slots, r->bytes ? r->bytes : 1);
            r->slots = NULL;
            continue;
        }
        x->n++;
    }
}

void gs_nodeindex_free(struct gs_nodeindex *x)
{
    for (size_t i = 0; i < x->n; i++) {
        munmap(x->regions[i].slots, x->regions[i].bytes ? x->regions[i].bytes : 1);
        munmap(x->regions[i].base, x->regions[i].base_bytes);
    }
    free(x->regions);
    gs_addrmap_free(&x->other);
    memset(x, 0, sizeof *x);
}

/* The region holding addr, by binary search (x->n when none); *last gets
 * it. */
static __attribute__((noinline)) size_t find_region(const struct gs_nodeindex *x, size_t *last, uint64_t addr)
{
    size_t lo = 0, hi = x->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == x->n || x->regions[lo].start > addr)
        return x->n;
    return *last = lo;
}

/* The region holding addr: the previous lookup's (*last) almost always,
 * else found and remembered in *last; x->n when addr is in none. One
 * function for the builder's lookups and the decoding threads' peeks
 * (each with its own *last). */
static inline size_t region_containing(const struct gs_nodeindex *x, size_t *last, uint64_t addr)
{
    size_t k = *last;
    if (__builtin_expect(k < x->n && addr >= x->regions[k].start && addr < x->regions[k].end, 1))
        return k;
    return find_region(x, last, addr);
}

/* The granule of addr, with its region in *r and which half of the
 * granule addr is (HALF or 0) in *half; false when the hash map holds addr
 * (not 16-byte aligned, or in no region). */
static inline bool granule(const struct gs_nodeindex *x, size_t *last, uint64_t addr,
                           const struct gs_nodeindex_region **r, size_t *g, uint16_t *half)
{
    if (addr & ((1u << ALIGN_SHIFT) - 1))
        return false;
    size_t k = region_containing(x, last, addr);
    if (k == x->n)
        return false;
    *r = &x->regions[k];
    *g = (size_t)((addr - (*r)->start) >> GRANULE_SHIFT);
    *half = (uint16_t)((addr - (*r)->start) >> ALIGN_SHIFT & 1 ? HALF : 0);
    return true;
}

/* Does slot value v hold the node of the granule's half `half`? */
static inline bool holds(uint16_t v, uint16_t half)
{
    return v && v != GS_NODEINDEX_FAR && (v & HALF) == half;
}

/* The node of a dense slot's value v (neither 0 nor FAR), in chunk g's. */
static inline uint32_t slot_node(const struct gs_nodeindex_region *r, size_t g, uint16_t v)
{
    const uint32_t *base = &r->base[(g >> CHUNK_SHIFT) * 2 + (v & SECOND_BASE ? 1 : 0)];
    return __atomic_load_n(base, __ATOMIC_RELAXED) + (v & DIST_MASK) - 2;
}

uint32_t gs_nodeindex_get(struct gs_nodeindex *x, uint64_t addr)
{
    const struct gs_nodeindex_region *r;
    size_t g;
    uint16_t half;
    if (granule(x, &x->last, addr, &r, &g, &half)) {
        uint16_t v = r->slots[g];
        if (!v)
            return UINT32_MAX;
        if (holds(v, half))
            return slot_node(r, g, v);
    }
    uint32_t *m = gs_addrmap_get(&x->other, addr);
    return m ? *m : UINT32_MAX;
}

bool gs_nodeindex_put(struct gs_nodeindex *x, uint64_t addr, uint32_t node)
{
    const struct gs_nodeindex_region *r;
    size_t g;
    uint16_t half;
    if (!granule(x, &x->last, addr, &r, &g, &half) || r->slots[g]) /* the other half is taken */
        return gs_addrmap_put(&x->other, addr, node);
    uint32_t *base = &r->base[(g >> CHUNK_SHIFT) * 2];
    /* Atomic: decoding threads peek at the slots meanwhile. A base is
     * stored before the slot that needs it (release), and never changes. */
    uint16_t v = GS_NODEINDEX_FAR;
    for (unsigned k = 0; k < 2 && node < UINT32_MAX; k++) {
        if (!base[k])
            __atomic_store_n(&base[k], node + 1, __ATOMIC_RELAXED);
        if (node + 1 >= base[k] && node + 1 - base[k] <= MAX_DISTANCE) {
            v = (uint16_t)(half | (k ? SECOND_BASE : 0) | (node + 1 - base[k] + 1));
            break;
        }
    }
    if (v == GS_NODEINDEX_FAR && !gs_addrmap_put(&x->other, addr, node))
        return false;
    __atomic_store_n(&r->slots[g], v, __ATOMIC_RELEASE);
    return true;
}

uint32_t gs_nodeindex_peek(const struct gs_nodeindex *x, size_t *cursor, uint64_t addr)
{
    const struct gs_nodeindex_region *r;
    size_t g;
    uint16_t half;
    if (!granule(x, cursor, addr, &r, &g, &half))
        return UINT32_MAX;
    uint16_t v = __atomic_load_n(&r->slots[g], __ATOMIC_ACQUIRE);
    return holds(v, half) ? slot_node(r, g, v) : UINT32_MAX;
}

void gs_nodeindex_prefetch(struct gs_nodeindex *x, uint64_t addr)
{
    const struct gs_nodeindex_region *r;
    size_t g;
    uint16_t half;
    if (granule(x, &x->last, addr, &r, &g, &half)) {
        __builtin_prefetch(&r->slots[g]);
        __builtin_prefetch(&r->base[(g >> CHUNK_SHIFT) * 2]);
    } else {
        gs_addrmap_prefetch(&x->other, addr);
    }
}

/* The dense slots are in address order already: one sequential scan lists
 * their nodes sorted, where sorting the address array (a radix sort of
 * 16-byte pairs) cost two passes of random writes and two temporary copies
 * of it. The few nodes in the hash map are sorted apart and merged in. */
/* Slots given back at a time by gs_nodeindex_take_order (512 KiB). */
#define RELEASE_SLOTS ((size_t)1 << 18)

/* in_order's and take_order's scan; release: give back the slots' pages
 * behind it. */
static bool scan_in_order(const struct gs_nodeindex *x, const uint64_t *addr, uint32_t *out, size_t n, bool release)
{
    const gs_addrmap *m = &x->other;
    size_t k = 0, done = 0, e = 0;
    uint32_t *extra = gs_try_malloc((m->n ? m->n : 1) * sizeof *extra);
    uint32_t *order = gs_try_malloc((m->n ? m->n : 1) * sizeof *order);
    uint64_t *keys = gs_try_malloc((m->n ? m->n : 1) * sizeof *keys);
    bool ok = extra && order && keys;
    for (size_t i = 0; ok && i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        if (k == m->n || m->slots[i].val >= n) {
            ok = false;
            break;
        }
        extra[k] = m->slots[i].val;
        keys[k++] = m->slots[i].key;
    }
    ok = ok && gs_sort_by_address(order, keys, k);
    size_t page = (size_t)sysconf(_SC_PAGESIZE), per_page = page / sizeof(uint16_t);
    unsigned char *resident = NULL;
    size_t resident_cap = 0;
    for (size_t r = 0; ok && r < x->n; r++) {
        const struct gs_nodeindex_region *reg = &x->regions[r];
        size_t nslots = (size_t)((reg->end - reg->start) >> GRANULE_SHIFT);
        /* Pages of slots never written are not resident (MAP_NORESERVE):
         * mincore says which, so the scan costs what holds objects, not
         * the span of the region (a 1 GiB mimalloc arena: 64 MiB of
         * slots). Unknown residency: scan it all. */
        size_t npages = (reg->bytes + page - 1) / page;
        bool known = false;
        if (npages > 1) {
            if (npages > resident_cap) {
                unsigned char *nr = realloc(resident, npages);
                if (nr) {
                    resident = nr;
                    resident_cap = npages;
                }
            }
            known = npages <= resident_cap && mincore(reg->slots, reg->bytes, resident) == 0;
        }
        size_t released = 0;
        for (size_t j = 0; j < nslots; j++) {
            if (j % per_page == 0) { /* a page of slots starts */
                if (release && j >= released + RELEASE_SLOTS) {
                    size_t upto = j / RELEASE_SLOTS * RELEASE_SLOTS; /* page-aligned */
                    madvise(reg->slots + released, (upto - released) * sizeof *reg->slots, MADV_DONTNEED);
                    released = upto;
                }
                if (known && !(resident[j / per_page] & 1)) {
                    j += per_page - 1; /* all zero: no node in this page */
                    continue;
                }
            }
            if (j % 8 == 0 && j + 8 <= nslots) { /* eight empty slots at once */
                uint64_t eight[2];
                memcpy(eight, &reg->slots[j], sizeof eight);
                if (!(eight[0] | eight[1])) {
                    j += 7;
                    continue;
                }
            }
            uint16_t v = reg->slots[j];
            if (!v || v == GS_NODEINDEX_FAR) /* a far node is the hash map's */
                continue;
            uint64_t a = reg->start + ((uint64_t)j << GRANULE_SHIFT) + (v & HALF ? 1u << ALIGN_SHIFT : 0);
            uint32_t node = slot_node(reg, j, v);
            while (e < k && keys[order[e]] < a && done < n)
                out[done++] = extra[order[e++]];
            if (done == n || node >= n || addr[node] != a) {
                ok = false;
                break;
            }
            out[done++] = node;
        }
        if (release) { /* the rest of this region's slots, and its bases */
            madvise(reg->slots + released, reg->bytes - released * sizeof *reg->slots, MADV_DONTNEED);
            madvise(reg->base, reg->base_bytes, MADV_DONTNEED);
        }
    }
    while (ok && e < k && done < n)
        out[done++] = extra[order[e++]];
    free(resident);
    free(extra);
    free(order);
    free(keys);
    return ok && done == n && e == k;
}

bool gs_nodeindex_in_order(const struct gs_nodeindex *x, const uint64_t *addr, uint32_t *out, size_t n)
{
    return scan_in_order(x, addr, out, n, false);
}

bool gs_nodeindex_take_order(struct gs_nodeindex *x, const uint64_t *addr, uint32_t *out, size_t n)
{
    return scan_in_order(x, addr, out, n, true);
}
