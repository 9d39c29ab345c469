/* sort.h: sorting large index arrays by a 64-bit key. */
#ifndef GCSCOPE_UTIL_SORT_H
#define GCSCOPE_UTIL_SORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fill idx[0..n) with 0..n-1 ordered by keys[i] (stable). A radix sort on
 * the key's bits 3-50 (object addresses: 8-byte aligned, below 2^51), in
 * three passes; keys outside that range fall back to a comparison sort.
 * False when the temporary arrays (16 bytes a key) cannot be allocated. */
bool gs_sort_by_address(uint32_t *idx, const uint64_t *keys, size_t n);

#endif
