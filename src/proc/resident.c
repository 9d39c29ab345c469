#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "proc/resident.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/clock.h"

/* The PAGEMAP_SCAN interface (include/uapi/linux/fs.h, Linux 6.7), spelled
 * out here because Debian 12's kernel headers (6.1) predate it. The ABI is
 * stable: the size field versions the struct. */
#ifndef PAGEMAP_SCAN
struct page_region {
    uint64_t start, end, categories;
};
struct pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_PRESENT (1ull << 3)
#define PAGE_IS_SWAPPED (1ull << 4)
#define PAGE_IS_PFNZERO (1ull << 5)
#endif

#define PAGE 4096ull
#define SCAN_VEC 4096        /* regions returned per ioctl */
#define PAGEMAP_ENTRIES 65536 /* 512 KiB of pagemap entries per read (256 MiB of address space) */
#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)

enum method { M_SCAN, M_PAGEMAP, M_NONE };

struct gs_resident {
    int fd;
    enum method method;
    struct page_region *vec;
    uint64_t *entries;
};

gs_resident *gs_resident_open(pid_t pid)
{
    gs_resident *r = gs_xcalloc(1, sizeof *r);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/pagemap", (int)pid);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    r->method = r->fd >= 0 ? M_SCAN : M_NONE;
    return r;
}

void gs_resident_close(gs_resident *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->vec);
    free(r->entries);
    free(r);
}

bool gs_resident_exact(const gs_resident *r) { return r && r->method != M_NONE; }

/* Runs found by one gs_resident_scan() call start at index `first`: only
 * those are merged, so that a fallback can drop them cleanly. */
static void append(struct gs_run **runs, size_t *n, size_t *cap, size_t first, uint64_t start, uint64_t end)
{
    if (*n > first && (*runs)[*n - 1].end == start) {
        (*runs)[*n - 1].end = end;
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *runs = gs_xreallocarray(*runs, *cap, sizeof **runs);
    }
    (*runs)[(*n)++] = (struct gs_run){start, end};
}

static bool stop_now(double deadline)
{
    return gs_signal_pending || gs_deadline_hit || (deadline > 0 && gs_now() >= deadline);
}

/* PAGEMAP_SCAN: present or swapped pages, minus the shared zero page.
 * -1: the ioctl is not there (ENOTTY, EINVAL on an older ABI); 0: stopped
 * early; 1: done. */
static int scan_ioctl(gs_resident *r, uint64_t start, uint64_t end, double deadline, struct gs_run **runs,
                      size_t *n, size_t *cap)
{
    size_t first = *n;
    if (!r->vec)
        r->vec = gs_xcalloc(SCAN_VEC, sizeof *r->vec);
    uint64_t at = start;
    while (at < end) {
        struct pm_scan_arg arg;
        memset(&arg, 0, sizeof arg);
        arg.size = sizeof arg;
        arg.start = at;
        arg.end = end;
        arg.vec = (uint64_t)(uintptr_t)r->vec;
        arg.vec_len = SCAN_VEC;
        arg.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED;
        arg.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED | PAGE_IS_PFNZERO;
        long got = ioctl(r->fd, PAGEMAP_SCAN, &arg);
        if (got < 0) {
            if (errno == EINTR && !stop_now(deadline))
                continue;
            if (errno == EINTR)
                return 0;
            return -1;
        }
        if (arg.walk_end <= at || arg.walk_end > end)
            return -1; /* no progress, or past the range: do not trust this interface */
        /* Only what lies before walk_end: the next call starts there. A
         * walk over many mappings (6.18, from a heap to 500 thread stacks)
         * stopped at walk_end and still returned regions past it, which
         * the next call returned again. */
        for (long i = 0; i < got; i++) {
            uint64_t s0 = r->vec[i].start < at ? at : r->vec[i].start;
            uint64_t e0 = r->vec[i].end > arg.walk_end ? arg.walk_end : r->vec[i].end;
            if (s0 < e0 && !(r->vec[i].categories & PAGE_IS_PFNZERO))
                append(runs, n, cap, first, s0, e0);
        }
        at = arg.walk_end;
        if (at < end && stop_now(deadline))
            return 0;
    }
    return 1;
}

/* One pagemap entry a page: bounded reads, a deadline check between them. */
static int scan_pagemap(gs_resident *r, uint64_t start, uint64_t end, double deadline, struct gs_run **runs,
                        size_t *n, size_t *cap)
{
    size_t first = *n;
    if (!r->entries)
        r->entries = gs_xcalloc(PAGEMAP_ENTRIES, sizeof *r->entries);
    uint64_t page = start / PAGE, last = (end + PAGE - 1) / PAGE;
    while (page < last) {
        uint64_t want = last - page < PAGEMAP_ENTRIES ? last - page : PAGEMAP_ENTRIES;
        ssize_t got = pread(r->fd, r->entries, (size_t)(want * 8), (off_t)(page * 8));
        if (got < 0 && errno == EINTR && !stop_now(deadline))
            continue;
        if (got <= 0 || got % 8)
            return -1;
        size_t k = (size_t)got / 8;
        for (size_t i = 0; i < k; i++)
            if (r->entries[i] & (PM_PRESENT | PM_SWAPPED))
                append(runs, n, cap, first, (page + i) * PAGE, (page + i + 1) * PAGE);
        page += k;
        if (page < last && stop_now(deadline))
            return 0;
    }
    return 1;
}

bool gs_resident_scan(gs_resident *r, uint64_t start, uint64_t end, double deadline, struct gs_run **runs,
                      size_t *n, size_t *cap)
{
    start &= ~(PAGE - 1);
    size_t n0 = *n;
    for (;;) {
        int done;
        switch (r->method) {
        case M_SCAN:
            done = scan_ioctl(r, start, end, deadline, runs, n, cap);
            break;
        case M_PAGEMAP:
            done = scan_pagemap(r, start, end, deadline, runs, n, cap);
            break;
        default:
            append(runs, n, cap, *n, start, end);
            return true;
        }
        if (done >= 0)
            return done == 1;
        /* This method does not work here: drop what it found, use the next. */
        *n = n0;
        r->method = r->method == M_SCAN ? M_PAGEMAP : M_NONE;
    }
}
