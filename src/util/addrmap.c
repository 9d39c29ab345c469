#include "config.h"

#include <stdlib.h>

#include "util/addrmap.h"

#define hash gs_addrmap_hash

void gs_addrmap_init(gs_addrmap *m) { *m = (gs_addrmap){0}; }

void gs_addrmap_free(gs_addrmap *m)
{
    free(m->slots);
    *m = (gs_addrmap){0};
}

static bool grow(gs_addrmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct gs_addrmap_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = hash(m->slots[i].key) & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    return true;
}

bool gs_addrmap_put(gs_addrmap *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && !grow(m))
        return false;
    size_t j = hash(key) & (m->cap - 1);
    while (m->slots[j].key && m->slots[j].key != key)
        j = (j + 1) & (m->cap - 1);
    if (!m->slots[j].key) {
        m->slots[j].key = key;
        m->n++;
    }
    m->slots[j].val = val;
    return true;
}

uint32_t *gs_addrmap_get(const gs_addrmap *m, uint64_t key)
{
    if (!m->cap || !key)
        return NULL;
    size_t j = hash(key) & (m->cap - 1);
    while (m->slots[j].key) {
        if (m->slots[j].key == key)
            return &m->slots[j].val;
        j = (j + 1) & (m->cap - 1);
    }
    return NULL;
}
