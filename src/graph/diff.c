#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/diff.h"
#include "util/alloc.h"
#include "util/sort.h"

static void type_name(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap)
{
    const struct gs_snap_type *t = &s->types[s->type[node]];
    const char *module = gs_snapshot_string(s, t->module);
    if (!module[0] || strcmp(module, "builtins") == 0)
        snprintf(buf, cap, "%s", gs_snapshot_string(s, t->name));
    else
        snprintf(buf, cap, "%s.%s", module, gs_snapshot_string(s, t->name));
}

/* The node in `s` matching node `n` of `other`: same address, same type name. */
static uint32_t match(const struct gs_snapshot *s, const struct gs_snapshot *other, uint32_t n)
{
    uint32_t m = gs_snapshot_find(s, other->addr[n]);
    if (m == GS_NO_NODE)
        return GS_NO_NODE;
    const char *a = gs_snapshot_string(s, s->types[s->type[m]].name);
    const char *b = gs_snapshot_string(other, other->types[other->type[n]].name);
    return strcmp(a, b) == 0 ? m : GS_NO_NODE;
}

/* Per-type totals, keyed by the type's printed name in a small open table. */
struct type_table {
    struct gs_diff_type *v;
    size_t n, cap;
    uint32_t *slots; /* index + 1, 0 = empty */
    size_t nslots;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static struct gs_diff_type *type_entry(struct type_table *t, const char *name)
{
    if ((t->n + 1) * 2 > t->nslots) {
        size_t ns = t->nslots ? t->nslots * 2 : 1024;
        uint32_t *slots = gs_xcalloc(ns, sizeof *slots);
        for (size_t i = 0; i < t->n; i++) {
            size_t j = hash_name(t->v[i].name) & (ns - 1);
            while (slots[j])
                j = (j + 1) & (ns - 1);
            slots[j] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = slots;
        t->nslots = ns;
    }
    size_t j = hash_name(name) & (t->nslots - 1);
    while (t->slots[j]) {
        struct gs_diff_type *e = &t->v[t->slots[j] - 1];
        if (strcmp(e->name, name) == 0)
            return e;
        j = (j + 1) & (t->nslots - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->v = gs_xreallocarray(t->v, t->cap, sizeof *t->v);
    }
    struct gs_diff_type *e = &t->v[t->n];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    t->slots[j] = (uint32_t)++t->n;
    return e;
}

/* Byte totals saturate instead of overflowing: a live capture's sizes come
 * from untrusted memory (a file's are bounded when it is loaded). */
#define BYTES_MAX (INT64_C(1) << 62)
static int64_t clamp_size(uint64_t v) { return v > (uint64_t)BYTES_MAX ? BYTES_MAX : (int64_t)v; }
static void add_bytes(int64_t *acc, uint64_t v)
{
    int64_t c = clamp_size(v);
    *acc = *acc > BYTES_MAX - c ? BYTES_MAX : *acc + c;
}

static int by_growth(const void *a, const void *b)
{
    const struct gs_diff_type *x = a, *y = b;
    int64_t gx = x->new_bytes - x->old_bytes, gy = y->new_bytes - y->old_bytes;
    if (gx != gy)
        return gx > gy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_new_referents(const void *a, const void *b)
{
    const struct gs_diff_grown *x = a, *y = b;
    if (x->new_referents != y->new_referents)
        return x->new_referents > y->new_referents ? -1 : 1;
    int64_t gx = x->items_after - x->items_before, gy = y->items_after - y->items_before;
    if (gx != gy)
        return gx > gy ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int by_size_desc(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (s->size[x] != s->size[y])
        return s->size[x] > s->size[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

gs_status gs_diff_compute(const struct gs_snapshot *old, const struct gs_snapshot *cur, struct gs_diff *d,
                          gs_error *err)
{
    memset(d, 0, sizeof *d);
    struct type_table tt = {0};
    char name[128];
    for (uint64_t i = 0; i < old->nobjects; i++) {
        if (!(old->flags[i] & GS_NODE_TRACKED))
            continue;
        type_name(old, (uint32_t)i, name, sizeof name);
        struct gs_diff_type *e = type_entry(&tt, name);
        e->old_count++;
        add_bytes(&e->old_bytes, old->size[i]);
    }
    uint8_t *is_new = gs_try_malloc((size_t)cur->nobjects + 1);
    d->new_objects = gs_try_reallocarray(NULL, (size_t)cur->nobjects + 1, sizeof *d->new_objects);
    if (!is_new || !d->new_objects) {
        free(is_new);
        gs_diff_free(d);
        free(tt.v);
        free(tt.slots);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory comparing snapshots");
    }
    for (uint64_t i = 0; i < cur->nobjects; i++) {
        is_new[i] = match(old, cur, (uint32_t)i) == GS_NO_NODE;
        if (is_new[i]) {
            d->new_objects[d->nnew++] = (uint32_t)i;
            d->new_bytes = d->new_bytes + cur->size[i] < d->new_bytes ? UINT64_MAX : d->new_bytes + cur->size[i];
        }
        if (!(cur->flags[i] & GS_NODE_TRACKED))
            continue;
        type_name(cur, (uint32_t)i, name, sizeof name);
        struct gs_diff_type *e = type_entry(&tt, name);
        e->new_count++;
        add_bytes(&e->new_bytes, cur->size[i]);
    }
    /* Containers in both snapshots that hold more than they did. */
    size_t cap = 0;
    for (uint64_t i = 0; i < cur->nobjects; i++) {
        if (is_new[i])
            continue;
        uint32_t o = match(old, cur, (uint32_t)i);
        int64_t before = (int64_t)(old->out_off[o + 1] - old->out_off[o]);
        int64_t after = (int64_t)(cur->out_off[i + 1] - cur->out_off[i]);
        uint64_t fresh = 0;
        for (uint64_t e = cur->out_off[i]; e < cur->out_off[i + 1]; e++)
            fresh += is_new[cur->out_dst[e]];
        if (after <= before && fresh == 0 && cur->size[i] <= old->size[o])
            continue;
        if (d->ngrown == cap) {
            cap = cap ? cap * 2 : 256;
            d->grown = gs_xreallocarray(d->grown, cap, sizeof *d->grown);
        }
        d->grown[d->ngrown++] = (struct gs_diff_grown){(uint32_t)i, o, before, after, clamp_size(old->size[o]),
                                                       clamp_size(cur->size[i]), fresh};
    }
    free(is_new);
    gs_qsort(tt.v, tt.n, sizeof *tt.v, by_growth);
    gs_qsort(d->grown, d->ngrown, sizeof *d->grown, by_new_referents);
    gs_qsort_r(d->new_objects, d->nnew, sizeof *d->new_objects, by_size_desc, (void *)cur);
    d->types = tt.v;
    d->ntypes = tt.n;
    free(tt.slots);
    return GS_OK;
}

void gs_diff_free(struct gs_diff *d)
{
    free(d->types);
    free(d->grown);
    free(d->new_objects);
    memset(d, 0, sizeof *d);
}
