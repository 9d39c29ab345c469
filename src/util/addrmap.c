#include "config.h"

#include <stdlib.h>

#include "util/addrmap.h"
#include "util/alloc.h"

static inline size_t hash(uint64_t k)
{
    /* Addresses are 16-byte aligned and clustered: mix all bits. */
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return (size_t)k;
}

void gs_addrmap_init(gs_addrmap *m) { *m = (gs_addrmap){0}; }

void gs_addrmap_free(gs_addrmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (gs_addrmap){0};
}

static bool grow(gs_addrmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    uint32_t *nv = malloc(ncap * sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash(m->keys[i]) & (ncap - 1);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return true;
}

bool gs_addrmap_put(gs_addrmap *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 4 > m->cap * 3 && !grow(m))
        return false;
    size_t j = hash(key) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = key;
        m->n++;
    }
    m->vals[j] = val;
    return true;
}

uint32_t *gs_addrmap_get(const gs_addrmap *m, uint64_t key)
{
    if (!m->cap || !key)
        return NULL;
    size_t j = hash(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == key)
            return &m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}
