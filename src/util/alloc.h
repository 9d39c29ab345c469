/* alloc.h: allocation. gs_x* abort with a message on failure (for small,
 * bounded allocations); gs_try_* return NULL so that large arrays sized by
 * the target's heap can fail with a clear GS_ERR_NOMEM instead. */
#ifndef GCSCOPE_UTIL_ALLOC_H
#define GCSCOPE_UTIL_ALLOC_H

#include <stddef.h>

void *gs_xmalloc(size_t n);
void *gs_xcalloc(size_t count, size_t size);
void *gs_xrealloc(void *p, size_t n);
char *gs_xstrdup(const char *s);
void *gs_xreallocarray(void *p, size_t count, size_t size);

void *gs_try_malloc(size_t n);
void *gs_try_reallocarray(void *p, size_t count, size_t size);

/* Allocator settings, once at startup (see alloc.c). */
void gs_alloc_init(void);

/* Ask for transparent huge pages on a large block (>= 4 MiB; advice only),
 * where they pay (util/thp.h).
 * gs_try_malloc and gs_try_reallocarray do it for every block they return. */
void gs_advise_huge(void *p, size_t n);

/* Called before gs_x* aborts (the browser sets it to restore the terminal). */
void gs_set_abort_hook(void (*hook)(void));

#endif
