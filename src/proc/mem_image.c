#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "proc/mem_image.h"
#include "proc/mem_live.h"
#include "util/alloc.h"

struct region {
    uint64_t start, end;
    unsigned char *data; /* inside one of the image's blocks */
};

/* A block of anonymous memory from mmap, carved into regions. */
struct block {
    unsigned char *base;
    size_t size, used;
};

struct gs_image {
    gs_reader reader; /* first: the image is its own reader */
    size_t last;      /* the region the previous lookup found: reads cluster */
    struct region *regions;
    size_t n, cap;
    struct block *blocks;
    size_t nblocks;
    struct gs_image_stats stats;
    uint64_t max_bytes;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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

static size_t find_index(const gs_image *img, uint64_t addr)
{
    /* First region whose end > addr. */
    size_t lo = 0, hi = img->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (img->regions[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct region *find_region(gs_image *img, uint64_t addr)
{
    if (img->last < img->n && img->regions[img->last].start <= addr && addr < img->regions[img->last].end)
        return &img->regions[img->last];
    size_t i = find_index(img, addr);
    img->last = i;
    if (i < img->n && img->regions[i].start <= addr)
        return &img->regions[i];
    return NULL;
}

/* Reserve a region for [start, end), keeping the array sorted. Returns NULL
 * when it overlaps an existing region (maps changed) or memory ran out. */
static struct region *add_region(gs_image *img, uint64_t start, uint64_t end, bool populate)
{
    size_t i = find_index(img, start);
    if (i < img->n && img->regions[i].start < end)
        return NULL;
    unsigned char *data = carve(img, (size_t)(end - start), populate);
    if (!data)
        return NULL;
    if (img->n == img->cap) {
        img->cap = img->cap ? img->cap * 2 : 256;
        img->regions = gs_xreallocarray(img->regions, img->cap, sizeof *img->regions);
    }
    memmove(&img->regions[i + 1], &img->regions[i], (img->n - i) * sizeof *img->regions);
    img->regions[i] = (struct region){start, end, data};
    img->n++;
    img->stats.regions = img->n;
    img->stats.bytes += end - start;
    return &img->regions[i];
}

static size_t image_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    gs_image *img = (gs_image *)r;
    size_t done = 0;
    while (done < len) {
        struct region *reg = find_region(img, addr + done);
        if (!reg)
            break;
        size_t off = (size_t)(addr + done - reg->start);
        size_t n = (size_t)(reg->end - reg->start) - off;
        if (n > len - done)
            n = len - done;
        memcpy((char *)buf + done, reg->data + off, n);
        done += n;
    }
    return done;
}

static const void *image_view(gs_reader *r, uint64_t addr, size_t len)
{
    gs_image *img = (gs_image *)r;
    struct region *reg = find_region(img, addr);
    if (!reg || len > reg->end - addr)
        return NULL;
    return reg->data + (addr - reg->start);
}

static void image_reader_free(gs_reader *r)
{
    (void)r; /* owned by the image: gs_image_free() releases it */
}

static const struct gs_reader_ops image_ops = {image_read, image_view, image_reader_free};

gs_status gs_image_plan(const gs_maps *maps, uint64_t max_bytes, gs_image **out, gs_error *err)
{
    gs_image *img = gs_xcalloc(1, sizeof *img);
    img->reader.ops = &image_ops;
    img->max_bytes = max_bytes;
    uint64_t total = 0;
    for (size_t i = 0; i < maps->n; i++)
        if (gs_image_wants_writable(&maps->v[i]))
            total += maps->v[i].end - maps->v[i].start;
    if (max_bytes && total > max_bytes) {
        free(img);
        return gs_fail(err, GS_ERR_NOMEM,
                       "the target has %.1f MiB of writable memory, more than --max-capture %.1f MiB: "
                       "raise --max-capture",
                       (double)total / 1048576.0, (double)max_bytes / 1048576.0);
    }
    /* One pre-faulted block for everything planned: carve() fills it. */
    if (total) {
        if (!carve(img, (size_t)total, true)) {
            free(img);
            return gs_fail(err, GS_ERR_NOMEM, "cannot allocate %.1f MiB to copy the target's memory",
                           (double)total / 1048576.0);
        }
        img->blocks[0].used = 0; /* carved as a whole; handed out region by region below */
    }
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (gs_image_wants_writable(m) && !add_region(img, m->start, m->end, false)) {
            gs_image_free(img);
            return gs_fail(err, GS_ERR_NOMEM,
                           "cannot allocate %.1f MiB to copy the target's memory: free memory or use a "
                           "smaller --max-capture",
                           (double)total / 1048576.0);
        }
    }
    *out = img;
    return GS_OK;
}

gs_status gs_image_copy_writable(gs_image *img, pid_t pid, const gs_maps *maps, gs_error *err)
{
    double t0 = now();
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (!gs_image_wants_writable(m))
            continue;
        struct region *reg = find_region(img, m->start);
        if (!reg || reg->start != m->start || reg->end != m->end) {
            /* The mapping appeared or changed between planning and the stop:
             * copy what is planned of it, and add what is not. */
            if (!reg && !(reg = add_region(img, m->start, m->end, false))) {
                if (img->max_bytes && img->stats.bytes + (m->end - m->start) > img->max_bytes)
                    return gs_fail(err, GS_ERR_NOMEM, "the target's writable memory grew past --max-capture");
                continue; /* overlaps a planned region that changed shape: its planned part is copied */
            }
        }
        uint64_t start = m->start > reg->start ? m->start : reg->start;
        uint64_t end = m->end < reg->end ? m->end : reg->end;
        size_t bad = 0;
        img->stats.bytes_read += gs_live_copy(pid, start, reg->data + (start - reg->start),
                                              (size_t)(end - start), &bad);
        img->stats.bad_pages += bad;
    }
    img->stats.copy_seconds += now() - t0;
    return GS_OK;
}

void gs_image_copy_readonly(gs_image *img, pid_t pid, const gs_maps *maps)
{
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (!wants_readonly(m))
            continue;
        if (find_region(img, m->start))
            continue; /* copied already (before the stop) */
        struct region *reg = add_region(img, m->start, m->end, false);
        if (!reg)
            continue;
        size_t bad = 0;
        img->stats.bytes_read += gs_live_copy(pid, m->start, reg->data, (size_t)(m->end - m->start), &bad);
        img->stats.bad_pages += bad;
    }
}

gs_reader *gs_image_reader(gs_image *img) { return &img->reader; }

const struct gs_image_stats *gs_image_stats(const gs_image *img) { return &img->stats; }

size_t gs_image_region_count(const gs_image *img) { return img->n; }

void gs_image_region(const gs_image *img, size_t i, uint64_t *start, uint64_t *end)
{
    *start = img->regions[i].start;
    *end = img->regions[i].end;
}

void gs_image_free(gs_image *img)
{
    if (!img)
        return;
    for (size_t i = 0; i < img->nblocks; i++)
        munmap(img->blocks[i].base, img->blocks[i].size);
    free(img->blocks);
    free(img->regions);
    free(img);
}

struct gs_floor {
    void *scratch;
    size_t size;
};

gs_floor *gs_floor_prepare(const gs_maps *maps)
{
    size_t largest = 0;
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        if (gs_image_wants_writable(m) && gs_map_is_anonymous(m) && m->end - m->start > largest)
            largest = (size_t)(m->end - m->start);
    }
    gs_floor *f = gs_xcalloc(1, sizeof *f);
    /* Room for the largest mapping plus slack for one that grows meanwhile. */
    f->size = largest + (64u << 20);
    f->scratch = mmap(NULL, f->size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE, -1, 0);
    if (f->scratch == MAP_FAILED)
        f->scratch = NULL;
    return f;
}

double gs_floor_measure(gs_floor *f, pid_t pid, const gs_maps *maps, uint64_t *bytes)
{
    uint64_t total = 0;
    *bytes = 0;
    if (!f || !f->scratch)
        return -1;
    double t0 = now();
    for (size_t i = 0; i < maps->n; i++) {
        const gs_map *m = &maps->v[i];
        size_t len = (size_t)(m->end - m->start);
        if (gs_image_wants_writable(m) && gs_map_is_anonymous(m))
            total += gs_live_copy(pid, m->start, f->scratch, len < f->size ? len : f->size, NULL);
    }
    *bytes = total;
    return now() - t0;
}

void gs_floor_free(gs_floor *f)
{
    if (!f)
        return;
    if (f->scratch)
        munmap(f->scratch, f->size);
    free(f);
}
