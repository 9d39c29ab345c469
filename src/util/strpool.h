/* strpool.h: interned strings in one growable buffer. A string's id is its
 * offset; id 0 is the empty string. Equal strings get the same id. */
#ifndef GCSCOPE_UTIL_STRPOOL_H
#define GCSCOPE_UTIL_STRPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gs_strpool {
    char *buf;
    size_t len, cap;
    uint32_t *slots; /* hash table of ids, 0 = empty */
    uint32_t *tags;  /* each slot's string's hash (its high half): probes
                        compare these, not the strings (a cache miss each) */
    size_t nslots, count;
} gs_strpool;

void gs_strpool_init(gs_strpool *p);
/* Intern n bytes (may contain no NUL). Returns the id, or 0 when the pool
 * would pass 4 GiB or memory ran out. */
uint32_t gs_strpool_add(gs_strpool *p, const char *s, size_t n);
uint32_t gs_strpool_add_cstr(gs_strpool *p, const char *s);
/* The string with this id ("" for 0 or an unknown id). */
const char *gs_strpool_str(const gs_strpool *p, uint32_t id);
/* Hand the buffer over (the pool is left empty); *len gets its length. */
char *gs_strpool_take(gs_strpool *p, size_t *len);
void gs_strpool_free(gs_strpool *p);

#endif
