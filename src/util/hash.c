#include "config.h"

#include <string.h>

#include "util/hash.h"

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t mix(uint64_t h, uint64_t w)
{
    h ^= w * 0x9e3779b97f4a7c15ULL;
    return rotl(h, 29) * 0xbf58476d1ce4e5b9ULL;
}

uint64_t gs_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t a = seed ^ 0x94d049bb133111ebULL, b = seed + len, c = ~seed, d = seed * 31;
    size_t i = 0;
    /* Four independent lanes: the multiplies overlap in the pipeline. */
    for (; i + 32 <= len; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        a = mix(a, w[0]);
        b = mix(b, w[1]);
        c = mix(c, w[2]);
        d = mix(d, w[3]);
    }
    uint64_t h = rotl(a, 1) ^ rotl(b, 7) ^ rotl(c, 12) ^ rotl(d, 18);
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = mix(h, w);
    }
    uint64_t tail = 0;
    if (len > i)
        memcpy(&tail, p + i, len - i);
    h = mix(h, tail ^ ((uint64_t)(len - i) << 56));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}
