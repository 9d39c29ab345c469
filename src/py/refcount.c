#include "config.h"

#include <string.h>

#include "py/refcount.h"
#include "py/runtime.h"

/* Bounds for the per-thread arrays: ids are handed out densely from 0
 * (Python/uniqueid.c doubles the table as needed), so millions would be
 * a heap of millions of heap types and code objects. */
#define MAX_UNIQUE_IDS ((int64_t)1 << 24)

static bool ft_refcount(const struct gs_py_ctx *c, const struct gs_py_thread_refcounts *thread_refs, uint64_t addr,
                        int64_t *refcnt, uint64_t *type)
{
    const struct gs_py_layout *L = c->L;
    /* ob_tid .. ob_type in one read: 32 bytes on x86_64. */
    uint8_t h[32];
    if ((uint64_t)L->object_type + 8 > sizeof h || !gs_read_exact(c->r, addr, h, sizeof h))
        return false;
    uint32_t local;
    int64_t shared;
    uint8_t bits = h[L->ft_object_gc_bits];
    memcpy(&local, h + L->ft_object_ref_local, sizeof local);
    memcpy(&shared, h + L->ft_object_ref_shared, sizeof shared);
    memcpy(type, h + L->object_type, sizeof *type);
    if ((int64_t)local == L->ft_immortal_local) {
        *refcnt = GS_PY_FT_IMMORTAL_REFCNT;
        return true;
    }
    /* Py_ARITHMETIC_RIGHT_SHIFT: the shared part is negative while other
     * threads' decrements wait to be merged into the owner's count. */
    int64_t n = (int64_t)local + (shared >> L->ft_ref_shared_shift);
    if (bits & L->ft_gc_bit_deferred)
        n -= L->ft_ref_deferred;
    if (thread_refs && thread_refs->by_object.n) {
        const uint32_t *extra = gs_addrmap_get(&thread_refs->by_object, addr);
        if (extra)
            n += (int32_t)*extra;
    }
    /* A deferred object held only by interpreter stacks counts 0 here and
     * is alive; any other object at 0 is no live object. Below 0 is a count
     * caught between a thread's decrement and its merge: read it as 0. */
    if (n < 0)
        n = 0;
    if (n == 0 && !(bits & L->ft_gc_bit_deferred))
        return false;
    *refcnt = n;
    return true;
}

bool gs_py_object_refcount(const struct gs_py_ctx *c, const struct gs_py_thread_refcounts *thread_refs, uint64_t addr,
                        int64_t *refcnt, uint64_t *type)
{
    const struct gs_py_layout *L = c->L;
    if (gs_py_layout_is_free_threaded(L))
        return ft_refcount(c, thread_refs, addr, refcnt, type);
    /* 3.14+: the first word also holds ob_overflow and ob_flags
     * (gs_py_refcnt_of_word keeps the 32-bit count). */
    uint64_t word;
    if (!gs_py_read_ptr(c, addr + (uint64_t)L->object_refcnt, &word) ||
        !gs_py_read_ptr(c, addr + (uint64_t)L->object_type, type))
        return false;
    int64_t n = gs_py_refcnt_of_word(L, word);
    if (n == 0)
        return false;
    *refcnt = n;
    return true;
}

/* interp->unique_ids.table[id] holds the object for an id in use, or a
 * pointer to the next free entry (inside the table) for a free id. */
static void read_interp(const struct gs_py_ctx *c, const struct gs_py_interp *in, struct gs_py_thread_refcounts *out)
{
    const struct gs_py_layout *L = c->L;
    uint64_t table;
    int64_t size;
    if (!gs_py_field_ptr(c, in->addr, L->ft_interp_unique_ids_table, &table) ||
        !gs_py_field_ssize(c, in->addr, L->ft_interp_unique_ids_count, &size) || size < 0 || size > MAX_UNIQUE_IDS) {
        out->problems++;
        return;
    }
    if (!table || size == 0)
        return;
    uint64_t table_end = table + (uint64_t)size * 8;
    for (size_t t = 0; t < in->nthreads; t++) {
        uint64_t tstate = in->threads[t].addr, values;
        int64_t n;
        if (!gs_py_field_ptr(c, tstate, L->ft_tstate_refcounts_values, &values) ||
            !gs_py_field_ssize(c, tstate, L->ft_tstate_refcounts_count, &n) || n < 0 || n > size) {
            out->problems++;
            continue;
        }
        for (int64_t id = 0; values && id < n; id++) {
            int64_t count;
            uint64_t obj;
            if (!gs_py_read_ssize(c, values + (uint64_t)id * 8, &count)) {
                out->problems++;
                break;
            }
            if (count == 0)
                continue;
            if (!gs_py_read_ptr(c, table + (uint64_t)id * 8, &obj) || !obj || (obj >= table && obj < table_end))
                continue; /* a free id: its count is stale */
            uint32_t *slot = gs_addrmap_get(&out->by_object, obj);
            int64_t sum = (slot ? (int32_t)*slot : 0) + count;
            if (sum > INT32_MAX || sum < INT32_MIN) {
                out->problems++;
                continue;
            }
            if (!slot)
                out->ids++;
            if (!gs_addrmap_put(&out->by_object, obj, (uint32_t)(int32_t)sum))
                return;
        }
    }
}

void gs_py_thread_refcounts_read(const struct gs_py_ctx *c, const struct gs_py_interp *interps, size_t ninterps,
                              struct gs_py_thread_refcounts *out)
{
    memset(out, 0, sizeof *out);
    gs_addrmap_init(&out->by_object);
    if (!gs_py_layout_is_free_threaded(c->L))
        return;
    for (size_t i = 0; i < ninterps; i++)
        read_interp(c, &interps[i], out);
}

void gs_py_thread_refcounts_free(struct gs_py_thread_refcounts *t)
{
    gs_addrmap_free(&t->by_object);
}
