#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

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

void *gs_try_malloc(size_t n) { return malloc(n ? n : 1); }

void *gs_try_reallocarray(void *p, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    size_t n = count * size;
    return realloc(p, n ? n : 1);
}
