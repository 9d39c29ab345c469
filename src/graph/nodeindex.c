#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "graph/nodeindex.h"
#include "util/alloc.h"

#define GRANULE_SHIFT 4

void gs_nodeindex_init(struct gs_nodeindex *x, const gs_image *img)
{
    memset(x, 0, sizeof *x);
    gs_addrmap_init(&x->other);
    size_t n = gs_image_region_count(img);
    x->regions = gs_xcalloc(n ? n : 1, sizeof *x->regions);
    for (size_t i = 0; i < n; i++) {
        struct gs_nodeindex_region *r = &x->regions[x->n];
        gs_image_region(img, i, &r->start, &r->end);
        r->bytes = (size_t)((r->end - r->start) >> GRANULE_SHIFT) * sizeof *r->slots;
        void *p = mmap(NULL, r->bytes ? r->bytes : 1, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED)
            continue; /* this region's objects go to the hash map */
        r->slots = p;
        x->n++;
    }
}

void gs_nodeindex_free(struct gs_nodeindex *x)
{
    for (size_t i = 0; i < x->n; i++)
        munmap(x->regions[i].slots, x->regions[i].bytes ? x->regions[i].bytes : 1);
    free(x->regions);
    gs_addrmap_free(&x->other);
    memset(x, 0, sizeof *x);
}

/* The slot for addr, or NULL when the hash map holds it. */
static uint32_t *slot(struct gs_nodeindex *x, uint64_t addr)
{
    if (addr & ((1u << GRANULE_SHIFT) - 1))
        return NULL;
    struct gs_nodeindex_region *r = x->last < x->n ? &x->regions[x->last] : NULL;
    if (!r || addr < r->start || addr >= r->end) {
        size_t lo = 0, hi = x->n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (x->regions[mid].end <= addr)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == x->n || x->regions[lo].start > addr)
            return NULL;
        x->last = lo;
        r = &x->regions[lo];
    }
    return &r->slots[(addr - r->start) >> GRANULE_SHIFT];
}

uint32_t gs_nodeindex_get(struct gs_nodeindex *x, uint64_t addr)
{
    uint32_t *s = slot(x, addr);
    if (s)
        return *s ? *s - 1 : UINT32_MAX;
    uint32_t *v = gs_addrmap_get(&x->other, addr);
    return v ? *v : UINT32_MAX;
}

bool gs_nodeindex_put(struct gs_nodeindex *x, uint64_t addr, uint32_t node)
{
    uint32_t *s = slot(x, addr);
    if (s) {
        *s = node + 1;
        return true;
    }
    return gs_addrmap_put(&x->other, addr, node);
}

void gs_nodeindex_prefetch(struct gs_nodeindex *x, uint64_t addr)
{
    uint32_t *s = slot(x, addr);
    if (s)
        __builtin_prefetch(s);
    else
        gs_addrmap_prefetch(&x->other, addr);
}
