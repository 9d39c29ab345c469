/* prefault.c: the helper thread that faults memory in ahead of its writer
 * (see prefault.h). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/prefault.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

#define QUEUE 64                    /* requests waiting; more are dropped */
/* How far past the writer to fault, and how close it may come before the
 * next request. What lies ahead is resident at the build's peak, in each
 * of the seven arrays the referents append to: 2-4 MiB each (plus the last
 * huge page) was 30 MiB at 3M objects. 1-2 MiB is still 130k nodes or more
 * of the builder's time ahead of it (about 50 ms). */
#define AHEAD ((size_t)2 << 20)
#define STEP ((size_t)1 << 20)
#define PIECE ((size_t)2 << 20)     /* one madvise at a time, so that quiet() waits little */

struct range {
    uintptr_t start, end;
};

struct gs_prefault {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* a request came, or stop */
    pthread_cond_t idle; /* the queue emptied and nothing runs */
    struct range q[QUEUE];
    size_t head, count;
    bool busy, stop;
    pthread_t thread;
};

static void *helper(void *arg)
{
    struct gs_prefault *pf = arg;
    pthread_mutex_lock(&pf->lock);
    for (;;) {
        while (!pf->count && !pf->stop)
            pthread_cond_wait(&pf->wake, &pf->lock);
        if (pf->stop)
            break;
        struct range *r = &pf->q[pf->head];
        uintptr_t start = r->start, end = r->end - r->start > PIECE ? r->start + PIECE : r->end;
        r->start = end;
        if (r->start >= r->end) {
            pf->head = (pf->head + 1) % QUEUE;
            pf->count--;
        }
        pf->busy = true;
        pthread_mutex_unlock(&pf->lock);
        (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE); /* advice: the writer faults otherwise */
        pthread_mutex_lock(&pf->lock);
        pf->busy = false;
        if (!pf->count)
            pthread_cond_broadcast(&pf->idle);
    }
    pthread_mutex_unlock(&pf->lock);
    return NULL;
}

struct gs_prefault *gs_prefault_new(void)
{
    /* Does the kernel know MADV_POPULATE_WRITE? */
    void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (probe == MAP_FAILED)
        return NULL;
    bool known = madvise(probe, 4096, MADV_POPULATE_WRITE) == 0;
    munmap(probe, 4096);
    if (!known)
        return NULL;
    struct gs_prefault *pf = calloc(1, sizeof *pf);
    if (!pf)
        return NULL;
    pthread_mutex_init(&pf->lock, NULL);
    pthread_cond_init(&pf->wake, NULL);
    pthread_cond_init(&pf->idle, NULL);
    if (pthread_create(&pf->thread, NULL, helper, pf) != 0) {
        pthread_mutex_destroy(&pf->lock);
        pthread_cond_destroy(&pf->wake);
        pthread_cond_destroy(&pf->idle);
        free(pf);
        return NULL;
    }
    return pf;
}

void gs_prefault_range(struct gs_prefault *pf, void *base, size_t len)
{
    if (!pf || !len)
        return;
    /* Whole pages inside the range only: the bytes around it belong to
     * whatever shares those pages. */
    uintptr_t start = ((uintptr_t)base + 4095) & ~(uintptr_t)4095, end = ((uintptr_t)base + len) & ~(uintptr_t)4095;
    if (start >= end)
        return;
    pthread_mutex_lock(&pf->lock);
    if (pf->count < QUEUE) {
        pf->q[(pf->head + pf->count) % QUEUE] = (struct range){start, end};
        pf->count++;
        pthread_cond_signal(&pf->wake);
    }
    pthread_mutex_unlock(&pf->lock);
}

void gs_prefault_ahead(struct gs_prefault *pf, void *base, size_t used, size_t cap, size_t *ahead)
{
    if (!pf || *ahead >= cap || used + STEP < *ahead)
        return;
    size_t from = *ahead > used ? *ahead : used;
    size_t to = used + AHEAD < cap ? used + AHEAD : cap;
    if (from < to)
        gs_prefault_range(pf, (char *)base + from, to - from);
    *ahead = to;
}

void gs_prefault_quiet(struct gs_prefault *pf)
{
    if (!pf)
        return;
    pthread_mutex_lock(&pf->lock);
    pf->count = 0; /* what is not started yet is dropped */
    while (pf->busy)
        pthread_cond_wait(&pf->idle, &pf->lock);
    pthread_mutex_unlock(&pf->lock);
}

void gs_prefault_free(struct gs_prefault *pf)
{
    if (!pf)
        return;
    pthread_mutex_lock(&pf->lock);
    pf->stop = true;
    pf->count = 0;
    pthread_cond_signal(&pf->wake);
    pthread_mutex_unlock(&pf->lock);
    pthread_join(pf->thread, NULL);
    pthread_mutex_destroy(&pf->lock);
    pthread_cond_destroy(&pf->wake);
    pthread_cond_destroy(&pf->idle);
    free(pf);
}
