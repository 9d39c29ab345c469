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

/* qsort and qsort_r that accept an empty array given as NULL (the C
 * library's may not: its arguments are declared non-null). */
#include <stdlib.h>

static inline void gs_qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

static inline void gs_qsort_r(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
                              void *ctx)
{
    if (n > 1)
        qsort_r(base, n, size, cmp, ctx);
}

#endif
