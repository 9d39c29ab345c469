/* decode_pool.c: the threads that decode jobs of nodes into records (see
 * decode_pool.h), and the hand-over of jobs and type entries between them
 * and the builder. */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/decode_pool.h"
#include "graph/preview.h"
#include "graph/snapshot.h"
#include "py/emulated.h"
#include "py/referents.h"
#include "util/alloc.h"
#include "util/cpus.h"
#include "util/strpool.h"

#define MAX_THREADS 16
#define JOBS_PER_THREAD 2
/* Bounds on a job's records (40 bytes each). A node with more than
 * MAX_NODE_REFS references (a dict or list of 64K items) is left to the
 * builder: its records would be fresh memory (a dict of 1M items: 80 MiB
 * of pages to fault in, at the build's peak) that the builder's own
 * decoding does not need, and the reading it would save is small beside
 * replaying them. A job that grew past what 4096 ordinary nodes need gives
 * the memory back when returned. */
#define MAX_NODE_REFS ((size_t)1 << 16)
#define MAX_JOB_REFS ((size_t)1 << 22)
#define MAX_JOB_TEXT ((size_t)1 << 26)
#define KEEP_JOB_REFS ((size_t)1 << 16)
#define KEEP_JOB_TEXT ((size_t)1 << 20)
/* Published type entries live in fixed blocks, so that a thread reading
 * one never races with the builder growing the table. */
#define TYPE_BLOCK 1024
#define TYPE_BLOCKS 4096

enum job_state { JOB_FREE, JOB_ISSUED, JOB_WORKING, JOB_DONE };

struct published_type {
    struct gs_py_type_info info;
    bool alone; /* a thread may decode its objects (no emulator runs for them) */
};

struct decoder {
    struct gs_py_refs_sink sink; /* first: the sink callbacks get the decoder */
    struct gs_decode_pool *pool;
    struct gs_py_ctx c;
    struct gs_py_types types; /* a read-only copy of the builder's */
    size_t cursor;            /* the node index's region of the last peek */
    struct gs_decode_job *job;
    bool full;                /* the node being decoded outgrew the job's bounds */
    size_t node_first;        /* its first record */
    pthread_t thread;
    bool started;
};

struct gs_decode_pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was issued, or the pool stops */
    pthread_cond_t done; /* a job was decoded */
    struct gs_decode_job **jobs;
    size_t njobs, head, count; /* ring: the `count` jobs from `head` are out */
    uint64_t issued_end;
    bool stopping;
    const struct gs_nodeindex *index;
    struct published_type *blocks[TYPE_BLOCKS];
    size_t npublished; /* atomic: entries [0, npublished) are final */
    struct decoder *decoders; /* nthreads: the builder's is the last */
    int nthreads;
};

int gs_decode_threads(void)
{
    return gs_thread_count("GCSCOPE_BUILD_THREADS", MAX_THREADS);
}

/* --- the recording sink ------------------------------------------------------ */

/* n bytes of s into the job's text, after `before` bytes of head (NULL:
 * none); *off: where s starts. */
static bool add_text_after(struct decoder *d, const void *head, size_t before, const char *s, size_t n, uint32_t *off)
{
    struct gs_decode_job *j = d->job;
    n += before;
    if (j->ntext + n + 1 > MAX_JOB_TEXT) {
        d->full = true;
        return false;
    }
    if (j->ntext + n + 1 > j->cap_text) {
        size_t cap = j->cap_text ? j->cap_text : 65536;
        while (cap < j->ntext + n + 1)
            cap *= 2;
        char *t = gs_try_reallocarray(j->text, cap, 1);
        if (!t) {
            d->full = true;
            return false;
        }
        j->text = t;
        j->cap_text = cap;
    }
    if (before)
        memcpy(j->text + j->ntext, head, before);
    *off = (uint32_t)(j->ntext + before);
    memcpy(j->text + *off, s, n - before);
    j->text[j->ntext + n] = '\0';
    j->ntext += n + 1;
    return true;
}

static bool add_text(struct decoder *d, const char *s, size_t n, uint32_t *off)
{
    return add_text_after(d, NULL, 0, s, n, off);
}

/* A reference's name, with its length and hash before it (gs_decoded_name). */
static bool add_name(struct decoder *d, const char *name, uint32_t *off)
{
    size_t n = strlen(name);
    struct gs_decoded_name h = {(uint32_t)n, gs_strpool_hash(name, n)};
    return add_text_after(d, &h, sizeof h, name, n, off); /* a name past the job's bound sets d->full */
}

static struct gs_decoded_ref *add_ref(struct decoder *d)
{
    struct gs_decode_job *j = d->job;
    if (d->full || j->nrefs >= MAX_JOB_REFS || j->nrefs - d->node_first >= MAX_NODE_REFS) {
        d->full = true;
        return NULL;
    }
    if (j->nrefs == j->cap_refs) {
        size_t cap = j->cap_refs ? j->cap_refs * 2 : 16384;
        struct gs_decoded_ref *r = gs_try_reallocarray(j->refs, cap, sizeof *r);
        if (!r) {
            d->full = true;
            return NULL;
        }
        j->refs = r;
        j->cap_refs = cap;
    }
    return &j->refs[j->nrefs++];
}

static uint32_t peek(struct decoder *d, uint64_t addr)
{
    return gs_nodeindex_peek(d->pool->index, &d->cursor, addr);
}

static void record_strong(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num,
                          const char *name)
{
    struct decoder *d = (struct decoder *)s;
    uint32_t off = 0;
    if (name && !add_name(d, name, &off))
        return;
    struct gs_decoded_ref *r = add_ref(d);
    if (!r)
        return;
    *r = (struct gs_decoded_ref){
        .dst = dst,
        .num = num,
        .kind = (uint32_t)kind,
        .name = name ? off + 1 : 0,
        .dst_node = peek(d, dst),
        .num_node = kind == GS_LABEL_VALUE ? peek(d, num) : GS_NO_NODE,
    };
}

static void record_weak(struct gs_py_refs_sink *s, uint64_t dst)
{
    struct decoder *d = (struct decoder *)s;
    struct gs_decoded_ref *r = add_ref(d);
    if (r)
        *r = (struct gs_decoded_ref){.dst = dst, .kind = GS_DECODED_WEAK, .dst_node = peek(d, dst),
                                     .num_node = GS_NO_NODE};
}

/* --- decoding a job ------------------------------------------------------------ */

/* Take the type entries the builder published since the last job. */
static void sync_types(struct decoder *d)
{
    struct gs_decode_pool *p = d->pool;
    size_t n = __atomic_load_n(&p->npublished, __ATOMIC_ACQUIRE);
    while (d->types.n < n) {
        size_t id = d->types.n;
        if (!gs_py_types_copy_add(&d->types, &p->blocks[id / TYPE_BLOCK][id % TYPE_BLOCK].info))
            break; /* no memory: its objects go to the builder */
    }
}

static bool may_decode(const struct decoder *d, uint32_t type)
{
    return type < d->types.n && d->pool->blocks[type / TYPE_BLOCK][type % TYPE_BLOCK].alone;
}

static void decode_job(struct decoder *d, struct gs_decode_job *j)
{
    sync_types(d);
    d->job = j;
    j->nrefs = 0;
    j->ntext = 0;
    for (uint32_t k = 0; k < j->count; k++) {
        struct gs_decoded_node *n = &j->nodes[k];
        size_t refs_mark = j->nrefs, text_mark = j->ntext;
        *n = (struct gs_decoded_node){.first_ref = refs_mark};
        if (j->type[k] == GS_PY_TYPE_BAD) {
            n->done = true; /* nothing to decode: the builder skips it */
            continue;
        }
        if (!may_decode(d, j->type[k]))
            continue;
        struct gs_py_type_info t = d->types.v[j->type[k]];
        d->types.missed = false;
        d->full = false;
        d->node_first = refs_mark;
        enum gs_py_decode r = gs_py_referents(&d->c, &d->types, j->addr[k], &t, &d->sink);
        if (d->types.missed || d->full) {
            j->nrefs = refs_mark; /* the builder decodes it again, alone */
            j->ntext = text_mark;
            continue;
        }
        char out[GS_PREVIEW_MAX + 16];
        size_t len = gs_preview_text(&d->c, j->addr[k], &t, out);
        if (len && !add_text(d, out, len, &n->preview)) {
            j->nrefs = refs_mark;
            j->ntext = text_mark;
            continue;
        }
        n->preview_len = (uint32_t)len;
        n->preview_hash = len ? gs_strpool_hash(out, len) : 0;
        n->result = (uint8_t)r;
        n->done = true;
    }
    j->nodes[j->count].first_ref = j->nrefs;
    d->job = NULL;
}

/* The oldest issued job no thread has taken, marked as taken; NULL if none.
 * Called with the lock held. */
static struct gs_decode_job *claim(struct gs_decode_pool *p)
{
    for (size_t k = 0; k < p->count; k++) {
        struct gs_decode_job *j = p->jobs[(p->head + k) % p->njobs];
        if (j->state == JOB_ISSUED) {
            j->state = JOB_WORKING;
            return j;
        }
    }
    return NULL;
}

/* Decode one claimed job outside the lock, then say so. */
static void run_claimed(struct decoder *d, struct gs_decode_job *j)
{
    struct gs_decode_pool *p = d->pool;
    pthread_mutex_unlock(&p->lock);
    decode_job(d, j);
    pthread_mutex_lock(&p->lock);
    j->state = JOB_DONE;
    pthread_cond_broadcast(&p->done);
}

static void *decoder_main(void *arg)
{
    struct decoder *d = arg;
    struct gs_decode_pool *p = d->pool;
    pthread_mutex_lock(&p->lock);
    while (!p->stopping) {
        struct gs_decode_job *j = claim(p);
        if (j)
            run_claimed(d, j);
        else
            pthread_cond_wait(&p->work, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* --- the builder's side ---------------------------------------------------------- */

static bool decoder_init(struct decoder *d, struct gs_decode_pool *p, gs_image *img, const struct gs_py_layout *L)
{
    d->sink.strong = record_strong;
    d->sink.weak = record_weak;
    d->pool = p;
    d->c.r = gs_image_thread_reader(img);
    d->c.L = L;
    d->c.emu = NULL; /* the builder's alone: types that need it are not decoded here */
    gs_py_types_init_copy(&d->types);
    return d->c.r != NULL;
}

struct gs_decode_pool *gs_decode_pool_new(int threads, gs_image *img, const struct gs_py_layout *L,
                                          const struct gs_nodeindex *index)
{
    if (threads <= 1)
        return NULL;
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    struct gs_decode_pool *p = gs_try_malloc(sizeof *p);
    if (!p)
        return NULL;
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->index = index;
    p->njobs = (size_t)threads * JOBS_PER_THREAD;
    p->jobs = calloc(p->njobs, sizeof *p->jobs);
    p->decoders = calloc((size_t)threads, sizeof *p->decoders);
    p->nthreads = threads;
    bool ok = p->jobs && p->decoders;
    for (size_t k = 0; ok && k < p->njobs; k++)
        ok = (p->jobs[k] = calloc(1, sizeof *p->jobs[k])) != NULL;
    for (int k = 0; ok && k < threads; k++)
        ok = decoder_init(&p->decoders[k], p, img, L);
    /* The builder's own decoder is the last; the others get threads. */
    int started = 0;
    for (int k = 0; ok && k < threads - 1; k++) {
        p->decoders[k].started = pthread_create(&p->decoders[k].thread, NULL, decoder_main, &p->decoders[k]) == 0;
        started += p->decoders[k].started;
    }
    if (!ok || started == 0) {
        gs_decode_pool_free(p);
        return NULL;
    }
    return p;
}

void gs_decode_pool_publish_types(struct gs_decode_pool *p, const struct gs_py_ctx *c, const struct gs_py_types *types)
{
    size_t n = p->npublished;
    for (; n < types->n && n < (size_t)TYPE_BLOCK * TYPE_BLOCKS; n++) {
        struct published_type **b = &p->blocks[n / TYPE_BLOCK];
        if (!*b && !(*b = calloc(TYPE_BLOCK, sizeof **b)))
            break;
        (*b)[n % TYPE_BLOCK] = (struct published_type){types->v[n], gs_py_emu_type_inert(c, &types->v[n])};
    }
    __atomic_store_n(&p->npublished, n, __ATOMIC_RELEASE);
}

uint64_t gs_decode_pool_issued_end(const struct gs_decode_pool *p) { return p->issued_end; }

bool gs_decode_pool_issue(struct gs_decode_pool *p, uint64_t first, uint32_t count, const uint64_t *addr,
                          const uint32_t *type)
{
    if (count == 0 || count > GS_DECODE_JOB_NODES || first < p->issued_end)
        return false;
    pthread_mutex_lock(&p->lock);
    bool ok = p->count < p->njobs;
    if (ok) {
        struct gs_decode_job *j = p->jobs[(p->head + p->count) % p->njobs];
        j->first = first;
        j->count = count;
        memcpy(j->addr, addr, count * sizeof *addr);
        memcpy(j->type, type, count * sizeof *type);
        j->state = JOB_ISSUED;
        p->count++;
        p->issued_end = first + count;
        pthread_cond_signal(&p->work);
    }
    pthread_mutex_unlock(&p->lock);
    return ok;
}

struct gs_decode_job *gs_decode_pool_next(struct gs_decode_pool *p, uint64_t first)
{
    struct decoder *mine = &p->decoders[p->nthreads - 1];
    pthread_mutex_lock(&p->lock);
    struct gs_decode_job *want = p->count ? p->jobs[p->head] : NULL;
    if (want && want->first != first)
        want = NULL;
    /* Decode what no thread has taken, this job first, until it is done. */
    while (want && want->state != JOB_DONE) {
        struct gs_decode_job *j = claim(p);
        if (j)
            run_claimed(mine, j);
        else
            pthread_cond_wait(&p->done, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return want;
}

void gs_decode_pool_release(struct gs_decode_pool *p, struct gs_decode_job *j, bool give_back)
{
    /* A job that held a huge node gives its memory back, and so does every
     * job the builder says so of (the referents' end, the build's peak,
     * where their records and text would stay resident until the pool is
     * freed). A job handed out again later grows its buffers anew. */
    bool tail = give_back;
    bool freed = tail && (j->refs || j->text);
    if (tail || j->cap_refs > KEEP_JOB_REFS) {
        free(j->refs);
        j->refs = NULL;
        j->cap_refs = 0;
    }
    if (tail || j->cap_text > KEEP_JOB_TEXT) {
        free(j->text);
        j->text = NULL;
        j->cap_text = 0;
    }
    pthread_mutex_lock(&p->lock);
    if (p->count && p->jobs[p->head] == j) {
        j->state = JOB_FREE;
        p->head = (p->head + 1) % p->njobs;
        p->count--;
    }
    bool last = p->count == 0;
    pthread_mutex_unlock(&p->lock);
    /* Blocks under the mmap threshold (util/alloc.c: 1 MiB) went back to
     * the decoding threads' malloc arenas, not to the system: once the last
     * job is in, have their free pages given back. */
    if (freed && last)
        (void)malloc_trim(0);
}

void gs_decode_pool_free(struct gs_decode_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int k = 0; p->decoders && k < p->nthreads; k++) {
        struct decoder *d = &p->decoders[k];
        if (d->started)
            pthread_join(d->thread, NULL);
        gs_reader_free(d->c.r);
        gs_py_types_free(&d->types);
    }
    for (size_t k = 0; p->jobs && k < p->njobs; k++) {
        if (p->jobs[k]) {
            free(p->jobs[k]->refs);
            free(p->jobs[k]->text);
            free(p->jobs[k]);
        }
    }
    for (size_t b = 0; b < TYPE_BLOCKS; b++)
        free(p->blocks[b]);
    free(p->jobs);
    free(p->decoders);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    free(p);
}
