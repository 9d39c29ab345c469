#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc/bulk_copy.h"
#include "proc/mem_image.h"
#include "proc/mem_live.h"
#include "proc/page_table.h"
#include "proc/resident.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/cpus.h"
#include "util/phases.h"
#include "util/sort.h"

/* A mapping in the image: reads inside it but outside every run are zeros. */
struct region {
    uint64_t start, end;
};

/* Stored bytes: [start, end) of the target at data (inside a block). */
struct run {
    uint64_t start, end;
    unsigned char *data;
    bool anonymous; /* from an anonymous mapping (the floor copies those) */
};

/* A block of anonymous memory from mmap, carved into runs. */
struct block {
    unsigned char *base;
    size_t size, used;
};

/* A file-backed writable mapping read from its file before the stop: the
 * pages the target has not written are the file's, so only its resident
 * pages need the stop (and reading the others from the target would give
 * it page-cache pages it never asked for). */
struct prefill {
    uint64_t start, end, offset, inode;
    unsigned char *data;
};

struct gs_image {
    gs_reader reader; /* first: the image is its own reader */
    gs_page_table run_pages; /* page -> 1 + the first run that ends past its start */
    struct region *regions;
    size_t nregions, capregions;
    struct run *runs;
    size_t nruns, capruns;
    struct region *spans; /* runs merged where they touch: what gs_image_region() reports */
    size_t nspans;
    struct block *blocks;
    size_t nblocks;
    struct gs_image_stats stats;
    uint64_t max_bytes;
    gs_resident *resident; /* kept open from the plan to the copy */
    pid_t pid;
    struct prefill *prefills;
    size_t nprefills;
};

static bool is_special(const gs_map *m)
{
    return strcmp(m->path, "[vvar]") == 0 || strcmp(m->path, "[vsyscall]") == 0 ||
           strcmp(m->path, "[vdso]") == 0 || strncmp(m->path, "/dev/", 5) == 0;
}

bool gs_image_wants_writable(const gs_map *m)
{
    unsigned need = GS_MAP_READ | GS_MAP_WRITE | GS_MAP_PRIVATE;
    return (m->perms & need) == need && !is_special(m);
}

static bool wants_readonly(const gs_map *m)
{
    return (m->perms & (GS_MAP_READ | GS_MAP_WRITE | GS_MAP_EXEC | GS_MAP_PRIVATE)) ==
               (GS_MAP_READ | GS_MAP_PRIVATE) &&
           m->path[0] == '/' && !is_special(m) && m->end - m->start <= GS_IMAGE_RO_MAX;
}

/* Memory for `size` bytes, from the last block or a new one. Blocks come
 * from mmap so that they are page-aligned, zeroed, and returned to the
 * system whole. `populate` pre-faults them (done before the target stops). */
static unsigned char *carve(gs_image *img, size_t size, bool populate)
{
    if (img->nblocks) {
        struct block *b = &img->blocks[img->nblocks - 1];
        if (b->size - b->used >= size) {
            unsigned char *p = b->base + b->used;
            b->used += size;
            return p;
        }
    }
    size_t bsize = size < (1u << 20) ? (1u << 20) : size;
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (populate ? MAP_POPULATE : 0);
    void *base = mmap(NULL, bsize, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    img->blocks = gs_xreallocarray(img->blocks, img->nblocks + 1, sizeof *img->blocks);
    img->blocks[img->nblocks++] = (struct block){base, bsize, size};
    return base;
}

/* First run whose end > addr. */
static size_t run_index(const gs_image *img, uint64_t addr)
{
    size_t lo = 0, hi = img->nruns;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->runs[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct region *find_region(const gs_image *img, uint64_t addr)
{
    size_t lo = 0, hi = img->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < img->nregions && img->regions[lo].start <= addr ? &img->regions[lo] : NULL;
}

static bool overlaps_region(const gs_image *img, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < img->nregions; i++)
        if (img->regions[i].start < end && start < img->regions[i].end)
            return true;
    return false;
}

static void add_region(gs_image *img, uint64_t start, uint64_t end)
{
    if (img->nregions == img->capregions) {
        img->capregions = img->capregions ? img->capregions * 2 : 256;
        img->regions = gs_xreallocarray(img->regions, img->capregions, sizeof *img->regions);
    }
    img->regions[img->nregions++] = (struct region){start, end};
    img->stats.regions = img->nregions;
    img->stats.mapped_bytes += end - start;
}

/* Storage for [start, end): appended unsorted (sort_image() orders). */
static struct run *add_run_at(gs_image *img, uint64_t start, uint64_t end, bool anonymous, unsigned char *data)
{
    if (img->nruns == img->capruns) {
        img->capruns = img->capruns ? img->capruns * 2 : 256;
        img->runs = gs_xreallocarray(img->runs, img->capruns, sizeof *img->runs);
    }
    img->runs[img->nruns] = (struct run){start, end, data, anonymous};
    img->stats.runs = ++img->nruns;
    img->stats.bytes += end - start;
    return &img->runs[img->nruns - 1];
}

static struct run *add_run(gs_image *img, uint64_t start, uint64_t end, bool anonymous)
{
    unsigned char *data = carve(img, (size_t)(end - start), false);
    return data ? add_run_at(img, start, end, anonymous, data) : NULL;
}

/* Read a file mapping's bytes from its file, as the target sees it: through
 * /proc/PID/map_files (the very file, even deleted), else through the
 * target's root; the inode must match. Bytes past the end of the file are
 * zeros. False when the file cannot be opened or read. */
static bool fill_from_file(pid_t pid, const gs_map *m, unsigned char *data)
{
    char path[4200];
    int fd = -1;
    for (int route = 0; route < 2 && fd < 0; route++) {
        if (route == 0)
            snprintf(path, sizeof path, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, (int)pid, m->start, m->end);
        else if (!m->deleted && m->path[0] == '/')
            snprintf(path, sizeof path, "/proc/%d/root%s", (int)pid, m->path);
        else
            break;
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        struct stat st;
        if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != m->inode)) {
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0)
        return false;
    size_t len = (size_t)(m->end - m->start), done = 0;
    while (done < len) {
        ssize_t n = pread(fd, data + done, len - done, (off_t)(m->offset + done));
        if (n < 0) {
            close(fd);
            return false;
        }
        if (n == 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    memset(data + done, 0, len - done);
    return true;
}

static const struct prefill *find_prefill(const gs_image *img, const gs_map *m)
{
    for (size_t i = 0; i < img->nprefills; i++) {
        const struct prefill *p = &img->prefills[i];
        if (p->start == m->start && p->end == m->end && p->offset == m->offset && p->inode == m->inode)
            return p;
    }
    return NULL;
}

static int cmp_region(const void *a, const void *b)
{
    uint64_t x = ((const struct region *)a)->start, y = ((const struct region *)b)->start;
    return (x > y) - (x < y);
}

static int cmp_run(const void *a, const void *b)
{
    uint64_t x = ((const struct run *)a)->start, y = ((const struct run *)b)->start;
    return (x > y) - (x < y);
}

static void sort_image(gs_image *img)
{
    gs_qsort(img->regions, img->nregions, sizeof *img->regions, cmp_region);
    gs_qsort(img->runs, img->nruns, sizeof *img->runs, cmp_run);
    /* The spans where bytes are stored: an object can only lie there (the
     * rest of a region reads as zeros), so the node index covers these, not
     * the mappings (500 thread stacks of 8 MiB hold a few KiB each). */
    img->spans = gs_xreallocarray(img->spans, img->nruns ? img->nruns : 1, sizeof *img->spans);
    img->nspans = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        if (img->nspans && img->runs[i].start <= img->spans[img->nspans - 1].end) {
            if (img->runs[i].end > img->spans[img->nspans - 1].end)
                img->spans[img->nspans - 1].end = img->runs[i].end;
            continue;
        }
        img->spans[img->nspans++] = (struct region){img->runs[i].start, img->runs[i].end};
    }
    /* Each stored page to its run. Runs are sorted and disjoint, so the
     * first one set for a page is the first that ends past the page's
     * start: find_run() needs nothing else. */
    gs_page_table_free(&img->run_pages);
    if (img->nruns >= UINT32_MAX)
        return; /* find_run() searches */
    for (size_t i = 0; i < img->nruns; i++) {
        const struct run *r = &img->runs[i];
        if (r->end <= r->start)
            continue;
        for (uint64_t pg = r->start >> 12, last = (r->end - 1) >> 12;; pg++) {
            if (!gs_page_table_get(&img->run_pages, pg))
                gs_page_table_set(&img->run_pages, pg, (uint32_t)(i + 1));
            if (pg == last)
                break;
        }
    }
}

static const struct run *find_run(const gs_image *img, uint64_t addr)
{
    size_t i;
    uint32_t hit = gs_page_table_get(&img->run_pages, addr >> 12);
    if (hit) {
        i = hit - 1;
        /* A run that ends inside this page: the next may hold addr. */
        if (addr >= img->runs[i].end)
            i = run_index(img, addr);
    } else if (img->run_pages.nareas) {
        return NULL; /* no run touches the page */
    } else {
        i = run_index(img, addr);
    }
    if (i < img->nruns && img->runs[i].start <= addr)
        return &img->runs[i];
    return NULL;
}

static size_t image_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    gs_image *img = (gs_image *)r;
    size_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        if (a < addr)
            break; /* wrapped around */
        const struct run *run = find_run(img, a);
        if (run) {
            size_t off = (size_t)(a - run->start);
            size_t n = (size_t)(run->end - run->start) - off;
            if (n > len - done)
                n = len - done;
            memcpy((char *)buf + done, run->data + off, n);
            done += n;
            continue;
        }
        /* Not stored: zeros up to the next run, if the address is in a
         * captured mapping at all (a page the target never touched). */
        const struct region *reg = find_region(img, a);
        if (!reg)
            break;
        size_t next = run_index(img, a);
        uint64_t stop = reg->end;
        if (next < img->nruns && img->runs[next].start < stop)
            stop = img->runs[next].start;
        size_t n = (size_t)(stop - a);
        if (n > len - done)
            n = len - done;
        memset((char *)buf + done, 0, n);
        done += n;
    }
    return done;
}

/* A view of len bytes at addr in img, for reader r (the image's own or a
 * thread's), which remembers the run found. */
static const void *view_in(const gs_image *img, gs_reader *r, uint64_t addr, size_t len)
{
    const struct run *run = find_run(img, addr);
    if (!run)
        return NULL;
    gs_reader_remember(r, run->start, run->end, run->data);
    if (len > run->end - addr)
        return NULL;
    return run->data + (addr - run->start);
}

static const void *image_view(gs_reader *r, uint64_t addr, size_t len)
{
    return view_in((gs_image *)r, r, addr, len);
}

static void image_reader_free(gs_reader *r)
{
    (void)r; /* owned by the image: gs_image_free() releases it */
}

static const struct gs_reader_ops image_ops = {image_read, image_view, image_reader_free};

/* The runs to copy of one writable mapping: the resident pages of an
 * anonymous one, all of a file-backed one. False on deadline or signal. */
static bool mapping_runs(gs_image *img, const gs_map *m, bool whole, double deadline, struct gs_run **runs,
                         size_t *n, size_t *cap)
{
    if (whole || !gs_resident_exact(img->resident)) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *runs = gs_xreallocarray(*runs, *cap, sizeof **runs);
        }
        (*runs)[(*n)++] = (struct gs_run){m->start, m->end};
        return true;
    }
    return gs_resident_scan(img->resident, m->start, m->end, deadline, runs, n, cap);
}

/* Fault the buffer in before the stop, so that the stopped copy writes into
 * ready pages: in 16 MiB steps (MADV_POPULATE_WRITE, else a write a page),
 * with the deadline and the stop signals checked between them (one
 * MAP_POPULATE of a gigabyte cannot be interrupted). The buffer is advised
 * onto transparent huge pages first (gs_image_plan): one fault per 2 MiB.
 *
 * Then each step is filled with zeros by the kernel (a read of /dev/zero),
 * which leaves the pages as the kernel's own copy will find them. On this
 * project's benchmark VM (a PVM guest: the hypervisor shadows the page
 * tables) the first access to a page through a given kind of mapping traps
 * to the hypervisor, and neither MADV_POPULATE_WRITE nor a write from user
 * space spares process_vm_readv that trap on our buffer: 155 MiB took
 * 260-560 ms in the stop, and 30-120 ms once the kernel had written every
 * page before it. Elsewhere it is one more pass over memory, outside the
 * pause. */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static bool may_go_on(double deadline)
{
    return !gs_signal_pending && !gs_deadline_hit && !(deadline > 0 && gs_now() >= deadline);
}

/* One pass over the buffer in 16 MiB steps, shared by the copy's threads
 * (GCSCOPE_COPY_THREADS): first faults of distinct pages run in parallel
 * (1 GiB of fresh pages: 300 ms on one core of the test VM, 160 on two). */
#define PREFAULT_STEP ((size_t)16 << 20)
#define PREFAULT_THREADS 8
enum pass { PASS_POPULATE, PASS_ZERO };
struct prefault_pass {
    unsigned char *base;
    size_t size;
    double deadline, aid_until;
    enum pass kind;
    _Atomic size_t next;  /* offset of the next step to take */
    _Atomic bool stopped; /* a signal or the deadline: every worker stops */
};

static void *prefault_worker(void *arg)
{
    struct prefault_pass *pp = arg;
    int zero = pp->kind == PASS_ZERO ? open("/dev/zero", O_RDONLY | O_CLOEXEC) : -1;
    bool madvise_works = true;
    for (;;) {
        size_t off = atomic_fetch_add(&pp->next, PREFAULT_STEP);
        if (off >= pp->size || pp->stopped)
            break;
        if (!may_go_on(pp->deadline)) {
            pp->stopped = true;
            break;
        }
        size_t len = pp->size - off < PREFAULT_STEP ? pp->size - off : PREFAULT_STEP;
        if (pp->kind == PASS_ZERO) {
            /* The zeros are only an aid: they get half the time left, so
             * that a short --timeout still leaves the copy its share. */
            if (zero < 0 || (pp->aid_until > 0 && gs_now() >= pp->aid_until))
                break;
            gs_kernel_zero(zero, pp->base + off, len);
            continue;
        }
        if (madvise_works && madvise(pp->base + off, len, MADV_POPULATE_WRITE) != 0)
            madvise_works = false; /* before Linux 5.14 */
        if (!madvise_works)
            for (size_t p = 0; p < len; p += 4096)
                ((volatile unsigned char *)pp->base)[off + p] = 0;
    }
    if (zero >= 0)
        close(zero);
    return NULL;
}

/* False when a signal or the deadline stopped the pass. */
static bool prefault_pass(unsigned char *base, size_t size, double deadline, double aid_until, enum pass kind)
{
    struct prefault_pass pp = {.base = base, .size = size, .deadline = deadline, .aid_until = aid_until,
                               .kind = kind};
    atomic_init(&pp.next, 0);
    atomic_init(&pp.stopped, false);
    int threads = gs_thread_count("GCSCOPE_COPY_THREADS", PREFAULT_THREADS);
    size_t steps = (size + PREFAULT_STEP - 1) / PREFAULT_STEP;
    if ((size_t)threads > steps)
        threads = steps ? (int)steps : 1;
    pthread_t t[PREFAULT_THREADS];
    int started = 0;
    /* Helpers take no signals: the main thread's handlers set the flags. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    while (started < threads - 1 && pthread_create(&t[started], NULL, prefault_worker, &pp) == 0)
        started++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    prefault_worker(&pp);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return !pp.stopped;
}

static bool prefault(unsigned char *base, size_t size, double deadline, struct gs_phases *ph)
{
    if (!prefault_pass(base, size, deadline, 0, PASS_POPULATE))
        return false;
    gs_phase_mark(ph, "prefault");
    double now = gs_now();
    bool ok = prefault_pass(base, size, deadline, deadline > 0 ? now + (deadline - now) / 2 : 0, PASS_ZERO);
    gs_phase_mark(ph, "zero pass");
    return ok;
}

void gs_kernel_zero(int zero_fd, unsigned char *base, size_t len)
{
    for (size_t done = 0; zero_fd >= 0 && done < len;) {
        ssize_t n = read(zero_fd, base + done, len - done);
        if (n <= 0)
            break; /* only an aid: the pages are zero and faulted in already */
        done += (size_t)n;
    }
}

static gs_status stopped_early(gs_error *err, const char *what, uint64_t done, uint64_t total)
{
    char copied[96] = "";
    if (total)
        snprintf(copied, sizeof copied, " (%.1f of %.1f MiB copied)", (double)done / 1048576.0,
                 (double)total / 1048576.0);
    if (gs_signal_pending)
        return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d %s%s: the target was left running",
                       (int)gs_signal_pending, what, copied);
    return gs_fail(err, GS_ERR_DEADLINE, "the capture took longer than --timeout %s%s: the target was left "
                   "running; raise --timeout", what, copied);
}

gs_status gs_image_plan(pid_t pid, const gs_maps *maps, uint64_t max_bytes, double deadline, gs_image **out,
                        struct gs_phases *ph, gs_error *err)
{
    gs_image *img = gs_xcalloc(1, sizeof *img);
    img->reader.ops = &image_ops;
    img->max_bytes = max_bytes;
    img->resident = gs_resident_open(pid);
    img->pid = pid;
    uint64_t total = 0;
    struct gs_run *runs = NULL;
    size_t nruns = 0, cap = 0;
    for (size_t i = 0; i < maps->n; i++) {
        if (!gs_image_wants_writable(&maps->v[i]))
            continue;
        nruns = 0;
        if (!mapping_runs(img, &maps->v[i], !gs_map_is_anonymous(&maps->v[i]), deadline, &runs, &nruns, &cap)) {
            free(runs);
            gs_image_free(img);
            return stopped_early(err, "while finding the resident pages", 0, 0);
        }
        for (size_t k = 0; k < nruns; k++)
            total += runs[k].end - runs[k].start;
    }
    free(runs);
    gs_phase_mark(ph, "resident scan");
    if (max_bytes && total > max_bytes) {
        gs_image_free(img);
        return gs_fail(err, GS_ERR_NOMEM,
                       "the target has %.1f MiB of resident writable memory, more than --max-capture %.1f MiB: "
                       "raise --max-capture",
                       (double)total / 1048576.0, (double)max_bytes / 1048576.0);
    }
    /* One pre-faulted block for what is resident now, plus slack for what
     * the target touches before it stops: carve() hands it out. */
    uint64_t planned = total + total / 16 + (4u << 20);
    if (!carve(img, (size_t)planned, false)) {
        gs_image_free(img);
        return gs_fail(err, GS_ERR_NOMEM, "cannot allocate %.1f MiB to copy the target's memory",
                       (double)planned / 1048576.0);
    }
    gs_advise_huge(img->blocks[0].base, img->blocks[0].size); /* one fault per 2 MiB, where that pays */
    if (!prefault(img->blocks[0].base, img->blocks[0].size, deadline, ph)) {
        gs_image_free(img);
        return stopped_early(err, "while preparing the copy", 0, 0);
    }
    img->blocks[0].used = 0; /* carved as a whole; handed out run by run */
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (!gs_image_wants_writable(m) || gs_map_is_anonymous(m))
            continue;
        unsigned char *data = carve(img, (size_t)(m->end - m->start), false);
        if (!data || !fill_from_file(pid, m, data))
            continue; /* copied whole from the target during the stop */
        img->prefills = gs_xreallocarray(img->prefills, img->nprefills + 1, sizeof *img->prefills);
        img->prefills[img->nprefills++] = (struct prefill){m->start, m->end, m->offset, m->inode, data};
    }
    gs_phase_mark(ph, "file mappings");
    *out = img;
    return GS_OK;
}

/* Copy jobs for the resident parts of `runs` that fall in run `r`. */
static void add_jobs(struct gs_copy_job **jobs, size_t *n, size_t *cap, const struct run *r,
                     const struct gs_run *runs, size_t nruns, uint64_t *total)
{
    for (size_t k = 0; k < nruns; k++) {
        uint64_t a = runs[k].start > r->start ? runs[k].start : r->start;
        uint64_t b = runs[k].end < r->end ? runs[k].end : r->end;
        if (a >= b)
            continue;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *jobs = gs_xreallocarray(*jobs, *cap, sizeof **jobs);
        }
        (*jobs)[(*n)++] = (struct gs_copy_job){a, r->data + (a - r->start), (size_t)(b - a)};
        *total += b - a;
    }
}

/* Does [start, end) overlap one of the first n regions, which are sorted
 * (sort_image) and disjoint? */
static bool overlaps_sorted(const gs_image *img, size_t n, uint64_t start, uint64_t end)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first region ending past start */
        size_t mid = lo + (hi - lo) / 2;
        if (img->regions[mid].end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && img->regions[lo].start < end;
}

enum how { H_SKIP, H_WHOLE, H_SCAN };

/* The resident pages of every mapping marked H_SCAN, into *runs (sorted):
 * one PAGEMAP_SCAN walk per stretch of them that only gaps and
 * inaccessible mappings separate, not one per mapping: 500 thread stacks
 * (an 8 MiB mapping and its guard page each) are one or a few walks, where
 * 1000 system calls cost 1.5 ms of the pause. What a walk finds outside
 * the scanned mappings (a guard page that once held data) is cut away when
 * the runs are dealt out (mapping_share). False on deadline or signal. */
static bool scan_resident(gs_image *img, const gs_maps *maps, const unsigned char *how, double deadline,
                          struct gs_run **runs, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < maps->n;) {
        if (how[i] != H_SCAN) {
            i++;
            continue;
        }
        size_t last = i;
        for (size_t j = i + 1; j < maps->n; j++) {
            if (how[j] == H_SCAN)
                last = j;
            else if (maps->v[j].perms & GS_MAP_READ)
                break; /* readable memory we do not want: do not walk it */
        }
        if (!gs_resident_scan(img->resident, maps->v[i].start, maps->v[last].end, deadline, runs, n, cap))
            return false;
        i = last + 1;
    }
    return true;
}

/* The runs of the sorted `all` that fall in m, clipped to it, into *out;
 * *cursor moves on (mappings come in address order). */
static void mapping_share(const gs_map *m, const struct gs_run *all, size_t nall, size_t *cursor, struct gs_run **out,
                          size_t *n, size_t *cap)
{
    while (*cursor < nall && all[*cursor].end <= m->start)
        (*cursor)++;
    for (size_t k = *cursor; k < nall && all[k].start < m->end; k++) {
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *out = gs_xreallocarray(*out, *cap, sizeof **out);
        }
        (*out)[(*n)++] = (struct gs_run){all[k].start > m->start ? all[k].start : m->start,
                                        all[k].end < m->end ? all[k].end : m->end};
    }
}

gs_status gs_image_copy_writable(gs_image *img, pid_t pid, const gs_maps *maps, double deadline, gs_error *err)
{
    double t0 = gs_now();
    struct gs_run *runs = NULL, *all = NULL;
    size_t nruns = 0, cap = 0, nall = 0, capall = 0, cursor = 0;
    struct gs_copy_job *jobs = NULL;
    size_t njobs = 0, capjobs = 0;
    uint64_t total = 0;
    gs_status st = GS_OK;
    /* Regions so far come from the read-only copy, sorted; the writable
     * mappings cannot overlap each other. */
    size_t sorted = img->nregions;
    unsigned char *how = gs_xcalloc(maps->n ? maps->n : 1, 1);
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (!gs_image_wants_writable(m) || overlaps_sorted(img, sorted, m->start, m->end))
            continue;
        bool whole = (!gs_map_is_anonymous(m) && !find_prefill(img, m)) || !gs_resident_exact(img->resident);
        how[i] = whole ? H_WHOLE : H_SCAN;
    }
    if (!scan_resident(img, maps, how, deadline, &all, &nall, &capall))
        st = stopped_early(err, "while finding the resident pages", 0, 0);
    for (size_t i = 0; i < maps->n && st == GS_OK; i++) {
        const gs_map *m = &maps->v[i];
        if (how[i] == H_SKIP)
            continue;
        add_region(img, m->start, m->end);
        const struct prefill *pre = gs_map_is_anonymous(m) ? NULL : find_prefill(img, m);
        nruns = 0;
        if (how[i] == H_WHOLE)
            mapping_runs(img, m, true, deadline, &runs, &nruns, &cap);
        else
            mapping_share(m, all, nall, &cursor, &runs, &nruns, &cap);
        if (pre) {
            /* The file's bytes are in place: the resident pages on top. */
            struct run *r = add_run_at(img, m->start, m->end, false, pre->data);
            add_jobs(&jobs, &njobs, &capjobs, r, runs, nruns, &total);
            continue;
        }
        for (size_t k = 0; k < nruns; k++) {
            if (img->max_bytes && img->stats.bytes + (runs[k].end - runs[k].start) > img->max_bytes) {
                st = gs_fail(err, GS_ERR_NOMEM, "the target's resident writable memory grew past --max-capture "
                             "%.1f MiB", (double)img->max_bytes / 1048576.0);
                break;
            }
            struct run *r = add_run(img, runs[k].start, runs[k].end, gs_map_is_anonymous(m));
            if (!r) {
                st = gs_fail(err, GS_ERR_NOMEM, "cannot allocate memory to copy the target's memory");
                break;
            }
            add_jobs(&jobs, &njobs, &capjobs, r, &runs[k], 1, &total);
        }
    }
    free(how);
    free(all);
    free(runs);
    struct gs_copy_result res;
    memset(&res, 0, sizeof res);
    if (st == GS_OK)
        gs_bulk_copy(pid, jobs, njobs, 0, deadline, &res);
    free(jobs);
    /* Sorting and indexing the runs waits for gs_image_after_stop(). */
    img->stats.bytes_read += res.bytes_read;
    img->stats.bad_pages += res.bad_pages;
    img->stats.copy_threads = res.threads;
    img->stats.copy_seconds += gs_now() - t0;
    if (st != GS_OK)
        return st;
    if (res.target_gone)
        return gs_fail(err, GS_ERR_EXITED, "process %d exited during the capture", (int)pid);
    if (!res.complete)
        return stopped_early(err, "while copying", res.bytes_done, total);
    return GS_OK;
}

void gs_image_after_stop(gs_image *img)
{
    sort_image(img);
    long page = sysconf(_SC_PAGESIZE);
    size_t ps = page > 0 ? (size_t)page : 4096;
    for (size_t i = 0; i < img->nblocks; i++) {
        struct block *b = &img->blocks[i];
        size_t keep = (b->used + ps - 1) / ps * ps;
        if (keep < b->size)
            (void)madvise(b->base + keep, b->size - keep, MADV_DONTNEED); /* advice: failure only costs memory */
    }
}

void gs_image_copy_readonly(gs_image *img, pid_t pid, const gs_maps *maps)
{
    struct gs_run *runs = NULL;
    size_t nruns = 0, cap = 0;
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (!wants_readonly(m) || overlaps_region(img, m->start, m->end))
            continue; /* copied already (before the stop), or the maps changed shape */
        struct run *run = add_run(img, m->start, m->end, false);
        if (!run)
            continue;
        add_region(img, m->start, m->end);
        /* From the file, then the target's resident pages on top (relocated
         * .data.rel.ro pages are the target's own): the target gains no page. */
        nruns = 0;
        bool from_file = fill_from_file(pid, m, run->data) && gs_resident_exact(img->resident);
        if (!mapping_runs(img, m, !from_file, 0, &runs, &nruns, &cap)) {
            nruns = 0;
            if (!from_file)
                continue;
        }
        for (size_t k = 0; k < nruns; k++) {
            size_t bad = 0;
            uint64_t off = runs[k].start - m->start;
            img->stats.bytes_read += gs_live_copy(pid, runs[k].start, run->data + off,
                                                  (size_t)(runs[k].end - runs[k].start), &bad);
            img->stats.bad_pages += bad;
        }
    }
    free(runs);
    sort_image(img);
}

/* Copy a run from a reader page by page: a page it cannot supply stays
 * zero and is counted, as an unreadable page of a live process is. */
static void copy_from_reader(gs_image *img, struct run *run, gs_reader *from)
{
    for (uint64_t a = run->start; a < run->end;) {
        /* The page's end, or the run's: a run in the last page of the
         * address space must not wrap (found by fuzz_core: a hang). */
        uint64_t last = a | 4095;
        size_t len = (size_t)((last >= run->end - 1 ? run->end : last + 1) - a);
        size_t got = gs_read(from, a, run->data + (a - run->start), len);
        img->stats.bytes_read += got;
        if (got < len)
            img->stats.bad_pages++;
        a += len;
    }
}

gs_status gs_image_from_reader(const gs_maps *maps, gs_reader *from, uint64_t max_bytes, gs_image **out,
                               gs_error *err)
{
    gs_image *img = gs_xcalloc(1, sizeof *img);
    img->reader.ops = &image_ops;
    img->max_bytes = max_bytes;
    double t0 = gs_now();
    uint64_t copied = 0;
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        /* maps are sorted and disjoint (a core's are made so): no overlap test */
        if (!gs_image_wants_writable(m) && !wants_readonly(m))
            continue;
        size_t len = (size_t)(m->end - m->start);
        add_region(img, m->start, m->end);
        const void *whole = gs_view(from, m->start, len);
        if (whole) { /* borrowed: the reader outlives the image */
            add_run_at(img, m->start, m->end, gs_map_is_anonymous(m), (unsigned char *)(uintptr_t)whole);
            img->stats.bytes_read += len;
            continue;
        }
        if (max_bytes && (len > max_bytes || copied > max_bytes - len)) {
            gs_image_free(img);
            return gs_fail(err, GS_ERR_NOMEM,
                           "the core's memory needs more than --max-capture %.1f MiB to assemble: raise --max-capture",
                           (double)max_bytes / 1048576.0);
        }
        struct run *run = add_run(img, m->start, m->end, gs_map_is_anonymous(m));
        if (!run) {
            gs_image_free(img);
            return gs_fail(err, GS_ERR_NOMEM, "cannot allocate %.1f MiB to assemble the core's memory",
                           (double)len / 1048576.0);
        }
        copied += len;
        copy_from_reader(img, run, from);
    }
    sort_image(img);
    img->stats.copy_seconds = gs_now() - t0;
    *out = img;
    return GS_OK;
}

gs_reader *gs_image_reader(gs_image *img) { return &img->reader; }

/* A reader of the same image for another thread: the image's own reader
 * remembers the last stretch it viewed (and counts its reads), so threads
 * cannot share it; the image's lookups themselves only read. */
struct image_thread_reader {
    gs_reader reader; /* first */
    gs_image *img;
};

static size_t thread_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    return image_read(&((struct image_thread_reader *)r)->img->reader, addr, buf, len);
}

static const void *thread_view(gs_reader *r, uint64_t addr, size_t len)
{
    return view_in(((struct image_thread_reader *)r)->img, r, addr, len);
}

static void thread_reader_free(gs_reader *r) { free(r); }

static const struct gs_reader_ops thread_ops = {thread_read, thread_view, thread_reader_free};

gs_reader *gs_image_thread_reader(gs_image *img)
{
    struct image_thread_reader *t = gs_try_malloc(sizeof *t);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->reader.ops = &thread_ops;
    t->img = img;
    return &t->reader;
}

const struct gs_image_stats *gs_image_stats(const gs_image *img) { return &img->stats; }

size_t gs_image_region_count(const gs_image *img) { return img->nspans; }

void gs_image_region(const gs_image *img, size_t i, uint64_t *start, uint64_t *end)
{
    *start = img->spans[i].start;
    *end = img->spans[i].end;
}

void gs_image_free(gs_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->nblocks; i++)
        munmap(img->blocks[i].base, img->blocks[i].size);
    free(img->blocks);
    free(img->regions);
    free(img->runs);
    free(img->spans);
    gs_page_table_free(&img->run_pages);
    free(img->prefills);
    gs_resident_close(img->resident);
    free(img);
}

struct gs_floor {
    void *scratch;
    size_t size;
    struct gs_copy_job *jobs;
    size_t njobs;
};

/* The floor's destination is as warm as the capture's (pre-faulted the same
 * way, on huge pages where the system gives them) and as cold in the cache:
 * FLOOR_SCRATCH is far larger than a last-level cache, and the runs are
 * laid end to end over it, wrapping around. Copying every run onto the
 * same first bytes instead (as this did before) kept the destination in
 * the cache and made the floor 3-5x faster than any real copy can be. It
 * is bounded so that --bench-floor does not double gcscope's peak memory. */
#define FLOOR_SCRATCH ((size_t)64 << 20)

gs_floor *gs_floor_prepare(const gs_image *img)
{
    gs_floor *f = gs_xcalloc(1, sizeof *f);
    uint64_t total = 0;
    size_t njobs = 0;
    for (size_t i = 0; i < img->nruns; i++)
        if (img->runs[i].anonymous) {
            total += img->runs[i].end - img->runs[i].start;
            /* a run split where it wraps: at most one more job per pass over the scratch */
            njobs += 2 + (size_t)((img->runs[i].end - img->runs[i].start) / FLOOR_SCRATCH);
        }
    if (!total) {
        f->jobs = gs_xcalloc(1, sizeof *f->jobs);
        return f;
    }
    f->size = total < FLOOR_SCRATCH ? (size_t)total : FLOOR_SCRATCH;
    f->scratch = mmap(NULL, f->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (f->scratch == MAP_FAILED) {
        f->scratch = NULL;
        f->jobs = gs_xcalloc(1, sizeof *f->jobs);
        return f;
    }
    gs_advise_huge(f->scratch, f->size); /* the same kind of pages as the capture's buffer */
    (void)prefault(f->scratch, f->size, 0, NULL);
    f->jobs = gs_xcalloc(njobs, sizeof *f->jobs);
    size_t at = 0; /* where the next byte goes in the scratch */
    for (size_t i = 0; i < img->nruns; i++) {
        const struct run *r = &img->runs[i];
        if (!r->anonymous)
            continue;
        for (uint64_t a = r->start; a < r->end;) {
            size_t len = (size_t)(r->end - a) < f->size - at ? (size_t)(r->end - a) : f->size - at;
            f->jobs[f->njobs++] = (struct gs_copy_job){a, (unsigned char *)f->scratch + at, len};
            a += len;
            at = (at + len) % f->size;
        }
    }
    return f;
}

double gs_floor_measure(gs_floor *f, pid_t pid, uint64_t *bytes)
{
    *bytes = 0;
    if (!f || !f->scratch)
        return -1;
    double t0 = gs_now();
    struct gs_copy_result res;
    gs_bulk_copy(pid, f->jobs, f->njobs, 1, 0, &res);
    *bytes = res.bytes_read;
    return gs_now() - t0;
}

void gs_floor_free(gs_floor *f)
{
    if (!f)
        return;
    if (f->scratch)
        munmap(f->scratch, f->size);
    free(f->jobs);
    free(f);
}
