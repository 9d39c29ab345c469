/* obmalloc.c: see obmalloc.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/obmalloc.h"
#include "util/alloc.h"

struct where {
    uint64_t arenas, maxarenas, narenas_current, ntimes, highwater; /* addresses of the fields */
};

static bool find_state(const struct gs_py_ctx *c, uint64_t main_interp, const struct gs_py_statics *st,
                       const struct gs_py_location *loc, struct where *w, char *why, size_t cap)
{
    const struct gs_py_layout *L = c->L;
    if (gs_py_layout_has(L->interp_obmalloc)) {
        uint64_t base = main_interp + (uint64_t)L->interp_obmalloc;
        if (L->interp_obmalloc_indirect == 1 && !gs_py_read_ptr(c, base, &base)) {
            snprintf(why, cap, "the interpreter's pymalloc state pointer is not in the copy");
            return false;
        }
        w->arenas = base + (uint64_t)L->obmalloc_arenas;
        w->maxarenas = base + (uint64_t)L->obmalloc_maxarenas;
        w->narenas_current = base + (uint64_t)L->obmalloc_narenas_current;
        w->ntimes = base + (uint64_t)L->obmalloc_ntimes_arena_allocated;
        w->highwater = base + (uint64_t)L->obmalloc_narenas_highwater;
        return true;
    }
    if (gs_py_statics_find(st, "arenas", 8, &w->arenas) && gs_py_statics_find(st, "maxarenas", 4, &w->maxarenas) &&
        gs_py_statics_find(st, "narenas_currently_allocated", 8, &w->narenas_current) &&
        gs_py_statics_find(st, "ntimes_arena_allocated", 8, &w->ntimes) &&
        gs_py_statics_find(st, "narenas_highwater", 8, &w->highwater))
        return true;
    char reason[300];
    gs_py_statics_why(st, loc, reason, sizeof reason);
    snprintf(why, cap, "pymalloc's arenas are statics of obmalloc.c in Python %d.%d: %.300s", L->major, L->minor,
             reason);
    return false;
}

/* Walk one arena's carved pools as pymalloc_print_stats() does. */
static void walk_arena(const struct gs_py_ctx *c, uint64_t address, uint64_t pool_address, struct gs_py_pymalloc_stats *o,
                       struct gs_py_pymalloc_arena *a)
{
    const struct gs_py_layout *L = c->L;
    uint64_t base = address, mask = o->pool_size - 1;
    if (base & mask) {
        o->arena_alignment += o->pool_size;
        base = (base & ~mask) + o->pool_size;
    }
    if (pool_address < base || pool_address - address > o->arena_size) {
        o->bad_pools++;
        return;
    }
    for (; base < pool_address; base += o->pool_size) {
        uint32_t count, szidx;
        if (!gs_read_u32(c->r, base + (uint64_t)L->pool_ref_count, &count) ||
            !gs_read_u32(c->r, base + (uint64_t)L->pool_szidx, &szidx) || szidx >= o->nclasses) {
            o->bad_pools++;
            continue;
        }
        if (count == 0)
            continue; /* a free pool (counted through nfreepools) */
        uint64_t size = ((uint64_t)szidx + 1) << (L->pymalloc_alignment_shift);
        uint64_t nblocks = (o->pool_size - o->pool_overhead) / size;
        if (count > nblocks) {
            o->bad_pools++;
            continue;
        }
        struct gs_py_pymalloc_class *k = &o->classes[szidx];
        k->pools++;
        k->blocks += count;
        k->free_blocks += nblocks - count;
        a->used_pools++;
        a->used_bytes += count * size;
    }
}

void gs_py_pymalloc_read(const struct gs_py_ctx *c, uint64_t main_interp, const struct gs_py_statics *statics,
                      const struct gs_py_location *loc, struct gs_py_pymalloc_stats *o,
                      struct gs_py_pymalloc_arena **arenas_out, size_t *narenas_out)
{
    const struct gs_py_layout *L = c->L;
    memset(o, 0, sizeof *o);
    *arenas_out = NULL;
    *narenas_out = 0;
    o->arena_size = (uint64_t)L->pymalloc_arena_size;
    o->pool_size = (uint64_t)L->pymalloc_pool_size;
    o->pool_overhead = (uint64_t)L->pymalloc_pool_overhead;
    o->small_threshold = (uint64_t)L->pymalloc_small_threshold;
    o->alignment = 1ull << L->pymalloc_alignment_shift;
    o->nclasses = (uint32_t)(o->small_threshold >> L->pymalloc_alignment_shift);
    if (o->nclasses > GS_PY_PYMALLOC_MAX_CLASSES)
        o->nclasses = GS_PY_PYMALLOC_MAX_CLASSES;

    struct where w;
    if (!find_state(c, main_interp, statics, loc, &w, o->why, sizeof o->why)) {
        o->status = GS_PY_PYMALLOC_NO_SYMBOLS;
        return;
    }
    uint64_t table;
    uint32_t maxarenas;
    if (!gs_py_read_ptr(c, w.arenas, &table) || !gs_read_u32(c->r, w.maxarenas, &maxarenas) ||
        !gs_read_u64(c->r, w.narenas_current, &o->narenas_current) ||
        !gs_read_u64(c->r, w.ntimes, &o->ntimes_arena_allocated) ||
        !gs_read_u64(c->r, w.highwater, &o->narenas_highwater)) {
        o->status = GS_PY_PYMALLOC_UNREADABLE;
        snprintf(o->why, sizeof o->why, "pymalloc's state is not in the copy");
        return;
    }
    if (table == 0 || maxarenas == 0) {
        /* PYTHONMALLOC=malloc (or debug hooks over malloc): pymalloc never ran. */
        o->status = GS_PY_PYMALLOC_DISABLED;
        snprintf(o->why, sizeof o->why, "pymalloc has no arena: the target allocates with another allocator "
                                          "(PYTHONMALLOC=malloc, or mimalloc in a free-threaded build)");
        return;
    }
    if (maxarenas > GS_PY_PYMALLOC_MAX_ARENAS) {
        o->status = GS_PY_PYMALLOC_UNREADABLE;
        snprintf(o->why, sizeof o->why, "pymalloc's arena table claims %u slots: corrupt", maxarenas);
        return;
    }
    uint64_t esz = (uint64_t)L->arena_object_size;
    const uint8_t *v = gs_view(c->r, table, maxarenas * esz);
    uint8_t *copy = NULL;
    if (!v) {
        copy = gs_try_reallocarray(NULL, maxarenas, esz);
        if (!copy || !gs_read_exact(c->r, table, copy, maxarenas * esz)) {
            free(copy);
            o->status = GS_PY_PYMALLOC_UNREADABLE;
            snprintf(o->why, sizeof o->why, "pymalloc's arena table (%u slots) is not in the copy", maxarenas);
            return;
        }
        v = copy;
    }
    struct gs_py_pymalloc_arena *arenas = gs_try_reallocarray(NULL, maxarenas, sizeof *arenas);
    size_t n = 0;
    for (uint32_t i = 0; i < maxarenas && arenas; i++) {
        const uint8_t *e = v + i * esz;
        uint64_t address, pool_address;
        uint32_t nfree, ntotal;
        memcpy(&address, e + L->arena_address, 8);
        if (address == 0)
            continue; /* an unused slot */
        memcpy(&pool_address, e + L->arena_pool_address, 8);
        memcpy(&nfree, e + L->arena_nfreepools, 4);
        memcpy(&ntotal, e + L->arena_ntotalpools, 4);
        struct gs_py_pymalloc_arena *a = &arenas[n++];
        memset(a, 0, sizeof *a);
        a->address = address;
        a->total_pools = ntotal;
        a->free_pools = nfree;
        a->carved_bytes = pool_address >= address && pool_address - address <= o->arena_size
                              ? pool_address - address : 0;
        o->narenas++;
        o->free_pools += nfree;
        walk_arena(c, address, pool_address, o, a);
    }
    free(copy);
    for (uint32_t k = 0; k < o->nclasses; k++) {
        const struct gs_py_pymalloc_class *cl = &o->classes[k];
        uint64_t size = ((uint64_t)k + 1) * o->alignment;
        o->allocated_bytes += cl->blocks * size;
        o->available_bytes += cl->free_blocks * size;
        o->pool_header_bytes += cl->pools * o->pool_overhead;
        o->quantization += cl->pools * ((o->pool_size - o->pool_overhead) % size);
    }
    o->total = o->allocated_bytes + o->available_bytes + o->free_pools * o->pool_size + o->pool_header_bytes +
               o->quantization + o->arena_alignment;
    o->status = GS_PY_PYMALLOC_OK;
    *arenas_out = arenas;
    *narenas_out = arenas ? n : 0;
}
