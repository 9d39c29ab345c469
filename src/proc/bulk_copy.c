#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "proc/bulk_copy.h"
#include "util/alloc.h"
#include "util/cpus.h"
#include "util/cancel.h"
#include "util/clock.h"

#define PAGE 4096ull
#define MAX_IOV 1024 /* IOV_MAX */
#define MAX_THREADS 16
#define THREADED_MIN ((uint64_t)16 << 20) /* below this one thread is faster than starting others */

/* A piece: part of one job, at most one chunk long. A batch: consecutive
 * pieces worth about one chunk, copied by one worker. */
struct piece {
    uint64_t addr;
    unsigned char *dst;
    size_t len;
};

struct batch {
    size_t first, count;
};

struct shared {
    pid_t pid;
    const struct piece *pieces;
    const struct batch *batches;
    size_t nbatches;
    size_t next; /* the next batch to take (atomic) */
    double deadline;
    int stop;    /* set (atomic) when a worker saw the target go */
    long pace_ns; /* tests only: each batch lasts at least this long */
};

struct worker {
    struct shared *sh;
    uint64_t bytes_read, bytes_done;
    size_t bad_pages;
    bool gone;
    pthread_t thread;
};

int gs_copy_threads(void)
{
    return gs_thread_count("GCSCOPE_COPY_THREADS", MAX_THREADS);
}

/* Copy one batch: as few process_vm_readv calls as the faults allow. A
 * short read stops at the first unreadable byte: its page is zero-filled
 * and skipped. False when the target is gone. */
static bool copy_batch(struct worker *w, const struct piece *p, size_t count)
{
    size_t i = 0, off = 0; /* the cursor: piece i, offset off */
    struct iovec local[MAX_IOV], remote[MAX_IOV];
    while (i < count) {
        size_t k = 0, want = 0;
        for (size_t j = i; j < count && k < MAX_IOV; j++, k++) {
            size_t o = j == i ? off : 0;
            local[k] = (struct iovec){p[j].dst + o, p[j].len - o};
            remote[k] = (struct iovec){(void *)(uintptr_t)(p[j].addr + o), p[j].len - o};
            want += p[j].len - o;
        }
        ssize_t got = process_vm_readv(w->sh->pid, local, k, remote, k, 0);
        if (got < 0 && errno == ESRCH)
            return false;
        size_t adv = got > 0 ? (size_t)got : 0;
        w->bytes_read += adv;
        w->bytes_done += adv;
        while (adv) { /* move the cursor */
            size_t left = p[i].len - off;
            if (adv < left) {
                off += adv;
                adv = 0;
            } else {
                adv -= left;
                i++;
                off = 0;
            }
        }
        if ((size_t)(got > 0 ? got : 0) == want || i >= count)
            continue;
        /* The byte at the cursor is unreadable: zero its page. */
        uint64_t a = p[i].addr + off;
        size_t skip = (size_t)(((a / PAGE) + 1) * PAGE - a);
        if (skip > p[i].len - off)
            skip = p[i].len - off;
        memset(p[i].dst + off, 0, skip);
        w->bad_pages++;
        w->bytes_done += skip;
        off += skip;
        if (off == p[i].len) {
            i++;
            off = 0;
        }
    }
    return true;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct shared *sh = w->sh;
    for (;;) {
        if (__atomic_load_n(&sh->stop, __ATOMIC_RELAXED) || gs_signal_pending || gs_deadline_hit ||
            (sh->deadline > 0 && gs_now() >= sh->deadline))
            break;
        size_t b = __atomic_fetch_add(&sh->next, 1, __ATOMIC_RELAXED);
        if (b >= sh->nbatches)
            break;
        if (!copy_batch(w, sh->pieces + sh->batches[b].first, sh->batches[b].count)) {
            w->gone = true;
            __atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
            break;
        }
        if (sh->pace_ns > 0) {
            struct timespec ts = {sh->pace_ns / 1000000000L, sh->pace_ns % 1000000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

/* GCSCOPE_TEST_COPY_PACE_MS: the test suite's way to make the copy last,
 * so that a --timeout can be aimed inside it on any machine and load
 * (resident_copy.py's "a copy cut by the deadline" case: on a quiet
 * machine a 512 MiB copy takes a few tens of ms, and whether a fixed
 * deadline falls in it is luck). Each batch of at most GS_COPY_CHUNK
 * bytes lasts at least this many ms; bounded to a second. Never set
 * otherwise: it only lengthens the pause. */
static long copy_pace_ns(void)
{
    const char *env = getenv("GCSCOPE_TEST_COPY_PACE_MS");
    if (!env || !*env)
        return 0;
    long ms = atol(env);
    return ms <= 0 ? 0 : ms > 1000 ? 1000000000L : ms * 1000000L;
}

void gs_bulk_copy(pid_t pid, const struct gs_copy_job *jobs, size_t n, int threads, double deadline,
                  struct gs_copy_result *res)
{
    memset(res, 0, sizeof *res);
    /* Cut the jobs into pieces of at most a chunk, group them in batches. */
    size_t npieces = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += jobs[i].len;
    /* A piece ends a job or fills a batch: at most n + total/chunk of them. */
    size_t cap = n + (size_t)(total / GS_COPY_CHUNK) + 2;
    struct piece *pieces = gs_xcalloc(cap, sizeof *pieces);
    struct batch *batches = gs_xcalloc(cap, sizeof *batches);
    size_t nbatches = 0, batch_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t off = 0; off < jobs[i].len;) {
            if (nbatches == 0 || batch_bytes >= GS_COPY_CHUNK || batches[nbatches - 1].count == MAX_IOV) {
                batches[nbatches++] = (struct batch){npieces, 0};
                batch_bytes = 0;
            }
            size_t len = jobs[i].len - off;
            if (len > GS_COPY_CHUNK - batch_bytes)
                len = GS_COPY_CHUNK - batch_bytes;
            pieces[npieces++] = (struct piece){jobs[i].addr + off, jobs[i].dst + off, len};
            batches[nbatches - 1].count++;
            batch_bytes += len;
            off += len;
        }
    }
    struct shared sh = {pid, pieces, batches, nbatches, 0, deadline, 0, copy_pace_ns()};
    if (threads <= 0)
        threads = gs_copy_threads();
    if (total < THREADED_MIN || (size_t)threads > nbatches)
        threads = total < THREADED_MIN || nbatches == 0 ? 1 : (int)nbatches;
    struct worker w[MAX_THREADS];
    memset(w, 0, sizeof w);
    int started = 1;
    /* Workers take no signals: SIGINT and SIGALRM go to the main thread,
     * whose handlers set the flags every worker reads. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int t = 1; t < threads; t++) {
        w[t].sh = &sh;
        if (pthread_create(&w[t].thread, NULL, work, &w[t]) != 0)
            break;
        started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    w[0].sh = &sh;
    work(&w[0]);
    for (int t = 1; t < started; t++)
        pthread_join(w[t].thread, NULL);
    for (int t = 0; t < started; t++) {
        res->bytes_read += w[t].bytes_read;
        res->bytes_done += w[t].bytes_done;
        res->bad_pages += w[t].bad_pages;
        res->target_gone |= w[t].gone;
    }
    res->threads = started;
    res->complete = !res->target_gone && res->bytes_done == total;
    free(pieces);
    free(batches);
}
