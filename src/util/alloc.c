#include "config.h"

#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/thp.h"

static void (*abort_hook)(void);

void gs_set_abort_hook(void (*hook)(void)) { abort_hook = hook; }

static void out_of_memory(size_t n)
{
    if (abort_hook)
        abort_hook();
    fprintf(stderr, "gcscope: out of memory allocating %zu bytes\n", n);
    abort();
}

void *gs_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *gs_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *gs_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *gs_xreallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    return gs_xrealloc(p, count * size);
}

char *gs_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gs_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/* Large arrays sized by the heap (node and edge arrays, the node index)
 * are written once in near-random order: with 4 KiB pages, each first touch
 * is a page fault and each later access a likely TLB miss. Asking for
 * transparent huge pages (where the system allows them on request, the
 * Debian default) makes it one fault per 2 MiB, except where they cost
 * more than they save (util/thp.h). The advice covers every
 * page the block touches: such a block is a mapping of its own
 * (gs_alloc_init), and advising only its interior would split it in two
 * areas that mremap cannot grow (EFAULT), turning every realloc into a
 * copy. */
#define HUGE_ADVICE_MIN ((size_t)4 << 20)

void gs_alloc_init(void)
{
#ifdef M_MMAP_THRESHOLD
    /* A fixed threshold: every block of 1 MiB or more is its own mapping,
     * so growing one (realloc) moves page tables (mremap) instead of
     * copying (with glibc's adaptive threshold, arrays of a few MiB to 32
     * MiB come from the heap and every doubling copies them), and freeing
     * one gives its memory back to the system at once. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
}

void gs_advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (!p || n < HUGE_ADVICE_MIN || !gs_huge_pages_pay())
        return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)p & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)p + n + page - 1) & ~(uintptr_t)(page - 1);
    if (end > start)
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
    (void)p;
    (void)n;
#endif
}

void *gs_try_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    gs_advise_huge(p, n);
    return p;
}

void *gs_try_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    void *q = realloc(p, n ? n : 1);
    gs_advise_huge(q, n);
    return q;
}
