/* addrmap.h: an open-addressing hash map from a 64-bit address (never 0)
 * to a 32-bit value. Grows by doubling; gs_addrmap_put returns false only
 * when memory runs out. */
#ifndef GCSCOPE_UTIL_ADDRMAP_H
#define GCSCOPE_UTIL_ADDRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_addrmap {
    uint64_t *keys; /* 0 = empty */
    uint32_t *vals;
    size_t cap, n;  /* cap is a power of two */
} gs_addrmap;

void gs_addrmap_init(gs_addrmap *m);
void gs_addrmap_free(gs_addrmap *m);
bool gs_addrmap_put(gs_addrmap *m, uint64_t key, uint32_t val);
/* Pointer to the value, or NULL. Valid until the next put. */
uint32_t *gs_addrmap_get(const gs_addrmap *m, uint64_t key);

#endif
