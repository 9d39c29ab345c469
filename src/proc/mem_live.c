#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "proc/mem_live.h"
#include "util/alloc.h"

#define CHUNK_SHIFT 16 /* 64 KiB: large enough to amortise a syscall over many fields */
#define CHUNK_SIZE ((size_t)1 << CHUNK_SHIFT)
#define CACHE_SLOTS 256 /* 16 MiB of cache at most */
#define PAGE 4096u

struct chunk {
    uint64_t base;     /* chunk-aligned address; UINT64_MAX = empty slot */
    size_t lo, hi;     /* readable bytes [base+lo, base+hi) */
    unsigned char *data;
};

struct live_reader {
    gs_reader base;
    pid_t pid;
    int mem_fd;          /* /proc/PID/mem, opened on first need; -1 otherwise */
    bool vm_readv_works; /* false once process_vm_readv said ENOSYS/EPERM */
    struct chunk cache[CACHE_SLOTS];
};

/* One attempt at a raw read: process_vm_readv, else /proc/PID/mem. */
static ssize_t raw_read(struct live_reader *lr, uint64_t addr, void *buf, size_t len)
{
    if (lr->vm_readv_works) {
        struct iovec local = {buf, len};
        struct iovec remote = {(void *)(uintptr_t)addr, len};
        ssize_t n = process_vm_readv(lr->pid, &local, 1, &remote, 1, 0);
        if (n >= 0 || errno == EFAULT || errno == ESRCH)
            return n;
        lr->vm_readv_works = false; /* ENOSYS, EPERM (seccomp, old kernels) */
    }
    if (lr->mem_fd < 0) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/mem", (int)lr->pid);
        lr->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (lr->mem_fd < 0)
            return -1;
    }
    return pread(lr->mem_fd, buf, len, (off_t)addr);
}

size_t gs_live_copy(pid_t pid, uint64_t addr, void *buf, size_t len, size_t *bad_pages)
{
    size_t done = 0, bad = 0, readable = 0;
    /* One syscall covers the whole range unless a page is unreadable; then
     * zero that page, skip it, and go on. At most len/PAGE iterations. */
    while (done < len) {
        struct iovec local = {(char *)buf + done, len - done};
        struct iovec remote = {(void *)(uintptr_t)(addr + done), len - done};
        ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
        if (n > 0) {
            done += (size_t)n;
            readable += (size_t)n;
            continue;
        }
        if (n < 0 && errno == ESRCH)
            break;
        /* Skip to the next page boundary. */
        uint64_t next = ((addr + done) / PAGE + 1) * PAGE;
        size_t skip = (size_t)(next - (addr + done));
        if (skip > len - done)
            skip = len - done;
        memset((char *)buf + done, 0, skip);
        done += skip;
        bad++;
    }
    if (bad_pages)
        *bad_pages = bad;
    return readable;
}

/* The cached chunk holding addr. A chunk is read whole when it can be; one
 * that straddles an unmapped area keeps the readable run from addr's page
 * on (process_vm_readv stops at the first fault). */
static struct chunk *load_chunk(struct live_reader *lr, uint64_t addr)
{
    uint64_t base = addr & ~(uint64_t)(CHUNK_SIZE - 1);
    struct chunk *c = &lr->cache[(base >> CHUNK_SHIFT) % CACHE_SLOTS];
    size_t off = (size_t)(addr - base);
    if (c->base == base && off >= c->lo && off < c->hi)
        return c;
    if (!c->data)
        c->data = gs_xmalloc(CHUNK_SIZE);
    c->base = base;
    c->lo = c->hi = 0;
    ssize_t n = raw_read(lr, base, c->data, CHUNK_SIZE);
    if (n > 0 && (size_t)n > off) {
        c->hi = (size_t)n;
        return c;
    }
    size_t page_off = off & ~(size_t)(PAGE - 1);
    n = raw_read(lr, base + page_off, c->data + page_off, CHUNK_SIZE - page_off);
    if (n > 0) {
        c->lo = page_off;
        c->hi = page_off + (size_t)n;
    }
    return c;
}

static size_t live_read(gs_reader *r, uint64_t addr, void *buf, size_t len)
{
    struct live_reader *lr = (struct live_reader *)r;
    size_t done = 0;
    while (done < len) {
        uint64_t a = addr + done;
        if (a < addr)
            break; /* wrapped around */
        struct chunk *c = load_chunk(lr, a);
        size_t off = (size_t)(a - c->base);
        if (off < c->lo || off >= c->hi)
            break;
        size_t n = c->hi - off;
        if (n > len - done)
            n = len - done;
        memcpy((char *)buf + done, c->data + off, n);
        done += n;
    }
    return done;
}

static void live_free(gs_reader *r)
{
    struct live_reader *lr = (struct live_reader *)r;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(lr->cache[i].data);
    if (lr->mem_fd >= 0)
        close(lr->mem_fd);
    free(lr);
}

void gs_reader_live_flush(gs_reader *r)
{
    struct live_reader *lr = (struct live_reader *)r;
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        lr->cache[i].base = UINT64_MAX;
}

static const struct gs_reader_ops live_ops = {live_read, NULL, live_free};

gs_reader *gs_reader_live_new(pid_t pid)
{
    struct live_reader *lr = gs_xcalloc(1, sizeof *lr);
    lr->base.ops = &live_ops;
    lr->pid = pid;
    lr->mem_fd = -1;
    lr->vm_readv_works = true;
    gs_reader_live_flush(&lr->base);
    return &lr->base;
}
