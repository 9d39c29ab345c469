/* addrmap.h: an open-addressing hash map from a 64-bit address (never 0)
 * to a 32-bit value. Keys and values sit side by side, so a lookup that
 * hits costs one cache line; the table is kept at most half full, so that
 * misses end quickly. Grows by doubling; gs_addrmap_put returns false only
 * when memory runs out. */
#ifndef GCSCOPE_UTIL_ADDRMAP_H
#define GCSCOPE_UTIL_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gs_addrmap_slot {
    uint64_t key; /* 0 = empty */
    uint32_t val;
    uint32_t unused;
};

typedef struct gs_addrmap {
    struct gs_addrmap_slot *slots;
    size_t cap, n; /* cap is a power of two */
} gs_addrmap;

void gs_addrmap_init(gs_addrmap *m);
void gs_addrmap_free(gs_addrmap *m);
bool gs_addrmap_put(gs_addrmap *m, uint64_t key, uint32_t val);
/* Pointer to the value, or NULL. Valid until the next put. */
uint32_t *gs_addrmap_get(const gs_addrmap *m, uint64_t key);

static inline size_t gs_addrmap_hash(uint64_t k)
{
    /* Addresses are 8- or 16-byte aligned and clustered: mix all bits. */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

/* Start loading the slot a later lookup of key will read: lookups are bound
 * by memory latency, and several in flight overlap. */
static inline void gs_addrmap_prefetch(const gs_addrmap *m, uint64_t key)
{
    if (m->cap)
        __builtin_prefetch(&m->slots[gs_addrmap_hash(key) & (m->cap - 1)]);
}

#endif
