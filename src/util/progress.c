/* progress.c: see progress.h. */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/progress.h"

#define QUIET_SECONDS 1.0   /* nothing is shown for a run shorter than this */
#define REDRAW_NS 200000000 /* then the line is redrawn every 0.2 s */

static pthread_t thread;
static bool running;
static atomic_bool stopping;
static _Atomic(const char *) stage;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;

static void *draw(void *arg)
{
    (void)arg;
    double start = gs_now();
    bool drawn = false;
    pthread_mutex_lock(&lock);
    while (!atomic_load(&stopping)) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += REDRAW_NS;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&wake, &lock, &until);
        if (atomic_load(&stopping))
            break;
        double t = gs_now() - start;
        const char *what = atomic_load(&stage);
        if (t < QUIET_SECONDS || !what)
            continue;
        /* \r and erase-to-end: the line is rewritten in place. */
        fprintf(stderr, "\r\033[Kgcscope: %s... %.1f s", what, t);
        fflush(stderr);
        drawn = true;
    }
    if (drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

void gs_progress_start(void)
{
    if (running)
        return;
    atomic_store(&stopping, false);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits the full mask */
    running = pthread_create(&thread, NULL, draw, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void gs_progress_stage(const char *what)
{
    atomic_store(&stage, what);
}

void gs_progress_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&lock);
    atomic_store(&stopping, true);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    pthread_join(thread, NULL);
    running = false;
}
