#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/scratch.h"

#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_PLAIN 1
#endif
#endif

#ifdef SCRATCH_PLAIN

void *gs_scratch_alloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return malloc(count * size ? count * size : 1);
}

void *gs_scratch_calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }

void gs_scratch_free(void *p) { free(p); }

#else

#define HEADER 64                      /* keeps the caller's array 64-byte aligned */
#define MAGIC 0x73637261746368ULL      /* "scratch" */
#define MAPPED_MIN ((size_t)4 << 20)   /* smaller blocks: malloc */
#define SLOTS 6                        /* blocks kept for reuse */

struct header {
    uint64_t magic;
    uint64_t mapped; /* the mapping's length, or 0 for a malloc'd block */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct header *kept[SLOTS];

static size_t usable(const struct header *h) { return (size_t)h->mapped - HEADER; }

/* The smallest kept block that holds n bytes and that n fills at least
 * half of (a byte-a-node array must not take an 8-byte-a-node block that
 * the next analysis would want), taken out of the cache. */
static struct header *take_kept(size_t n)
{
    pthread_mutex_lock(&lock);
    int best = -1;
    for (int i = 0; i < SLOTS; i++)
        if (kept[i] && usable(kept[i]) >= n && n >= usable(kept[i]) / 2 &&
            (best < 0 || kept[i]->mapped < kept[best]->mapped))
            best = i;
    struct header *h = NULL;
    if (best >= 0) {
        h = kept[best];
        kept[best] = NULL;
    }
    pthread_mutex_unlock(&lock);
    return h;
}

static void *alloc(size_t count, size_t size, int zero)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    if (n > SIZE_MAX - (MAPPED_MIN + HEADER))
        return NULL;
    if (n < MAPPED_MIN) {
        struct header *h = zero ? calloc(1, HEADER + n) : malloc(HEADER + n);
        if (!h)
            return NULL;
        h->magic = MAGIC;
        h->mapped = 0;
        return (char *)h + HEADER;
    }
    struct header *h = take_kept(n);
    if (h) {
        if (zero)
            memset((char *)h + HEADER, 0, n);
        return (char *)h + HEADER;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t len = (HEADER + n + page - 1) / page * page;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    gs_advise_huge(m, len);
    h = m;
    h->magic = MAGIC;
    h->mapped = len; /* fresh pages are zero: nothing to clear */
    return (char *)h + HEADER;
}

void *gs_scratch_alloc(size_t count, size_t size) { return alloc(count, size, 0); }

void *gs_scratch_calloc(size_t count, size_t size) { return alloc(count, size, 1); }

void gs_scratch_free(void *p)
{
    if (!p)
        return;
    struct header *h = (struct header *)((char *)p - HEADER);
    if (h->magic != MAGIC)
        abort(); /* not ours: a caller's bug, never the target's data */
    if (!h->mapped) {
        h->magic = 0;
        free(h);
        return;
    }
    /* Keep it in a free slot; when all are taken, the smallest block goes. */
    pthread_mutex_lock(&lock);
    int slot = 0;
    for (int i = 0; i < SLOTS; i++) {
        if (!kept[i]) {
            slot = i;
            break;
        }
        if (kept[i]->mapped < kept[slot]->mapped)
            slot = i;
    }
    struct header *out = h;
    if (!kept[slot] || kept[slot]->mapped < h->mapped) {
        out = kept[slot];
        kept[slot] = h;
    }
    pthread_mutex_unlock(&lock);
    if (out)
        munmap(out, (size_t)out->mapped);
}

#endif
