#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/sort.h"

#define DIGIT_BITS 16
#define DIGITS 3
#define LOW_BITS 3 /* alignment: these bits carry no order among objects */

struct pair {
    uint64_t key;
    uint32_t idx;
};

static int cmp_pair(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

bool gs_sort_by_address(uint32_t *idx, const uint64_t *keys, size_t n)
{
    struct pair *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    size_t *count = calloc((size_t)1 << DIGIT_BITS, sizeof *count);
    if (!a || !b || !count) {
        free(a);
        free(b);
        free(count);
        return false;
    }
    bool radix = true;
    for (size_t i = 0; i < n; i++) {
        a[i] = (struct pair){keys[i], (uint32_t)i};
        if ((keys[i] & 7) || keys[i] >> (LOW_BITS + DIGITS * DIGIT_BITS))
            radix = false;
    }
    if (!radix) {
        qsort(a, n, sizeof *a, cmp_pair);
    } else {
        for (int d = 0; d < DIGITS; d++) {
            int shift = LOW_BITS + d * DIGIT_BITS;
            memset(count, 0, ((size_t)1 << DIGIT_BITS) * sizeof *count);
            for (size_t i = 0; i < n; i++)
                count[(a[i].key >> shift) & 0xffff]++;
            size_t sum = 0;
            for (size_t k = 0; k < ((size_t)1 << DIGIT_BITS); k++) {
                size_t c = count[k];
                count[k] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++)
                b[count[(a[i].key >> shift) & 0xffff]++] = a[i];
            struct pair *t = a;
            a = b;
            b = t;
        }
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = a[i].idx;
    free(a);
    free(b);
    free(count);
    return true;
}
