#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
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

/* --- several at once ------------------------------------------------------------- */

#define SHARE_MIN_BYTES (32u << 20) /* below this a second thread is not worth starting */

struct share {
    struct gs_hash_job *jobs;
    size_t n;
    const unsigned char *mine; /* per job: 1 for the jobs of this share */
    unsigned char which;
};

static void *hash_share(void *arg)
{
    struct share *sh = arg;
    for (size_t i = 0; i < sh->n; i++)
        if (sh->mine[i] == sh->which)
            sh->jobs[i].out = gs_hash64(sh->jobs[i].data, sh->jobs[i].len, sh->jobs[i].seed);
    return NULL;
}

void gs_hash64_jobs(struct gs_hash_job *jobs, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += jobs[i].len;
    unsigned char side[64];
    if (n < 2 || n > sizeof side || total < SHARE_MIN_BYTES) {
        for (size_t i = 0; i < n; i++)
            jobs[i].out = gs_hash64(jobs[i].data, jobs[i].len, jobs[i].seed);
        return;
    }
    /* Largest first, each to the lighter side: two shares within one
     * job's size of each other. */
    size_t load[2] = {0, 0};
    unsigned char done[64] = {0};
    for (size_t k = 0; k < n; k++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!done[i] && (best == n || jobs[i].len > jobs[best].len))
                best = i;
        done[best] = 1;
        side[best] = load[1] < load[0];
        load[side[best]] += jobs[best].len;
    }
    struct share other = {jobs, n, side, 1}, own = {jobs, n, side, 0};
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* signals stay this thread's */
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, hash_share, &other) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    hash_share(&own);
    if (threaded)
        pthread_join(t, NULL);
    else
        hash_share(&other);
}
