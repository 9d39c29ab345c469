/* strpool.h: interned strings in one growable buffer. A string's id is its
 * offset; id 0 is the empty string. Equal strings get the same id. */
#ifndef GCSCOPE_UTIL_STRPOOL_H
#define GCSCOPE_UTIL_STRPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot of the hash table: a string's id (0 = empty) beside its hash,
 * which probes compare instead of the string (a cache miss each); one
 * 8-byte slot is one miss where two arrays cost two. */
struct gs_strpool_slot {
    uint32_t id, tag;
};

typedef struct gs_strpool {
    char *buf;
    size_t len, cap;
    struct gs_strpool_slot *slots;
    size_t nslots, count;
} gs_strpool;

void gs_strpool_init(gs_strpool *p);
/* Intern n bytes (may contain no NUL). Returns the id, or 0 when the pool
 * would pass 4 GiB or memory ran out. */
uint32_t gs_strpool_add(gs_strpool *p, const char *s, size_t n);
uint32_t gs_strpool_add_cstr(gs_strpool *p, const char *s);
/* The hash gs_strpool_add computes, so that another thread can compute it
 * ahead; gs_strpool_add_hashed takes it (it must be this hash of s). */
uint32_t gs_strpool_hash(const char *s, size_t n);
uint32_t gs_strpool_add_hashed(gs_strpool *p, const char *s, size_t n, uint32_t hash);
/* Start loading the slot where a string of this hash is looked up first. */
static inline void gs_strpool_prefetch(const gs_strpool *p, uint32_t hash)
{
    if (p->nslots)
        __builtin_prefetch(&p->slots[hash & (p->nslots - 1)]);
}
/* The string with this id ("" for 0 or an unknown id). */
const char *gs_strpool_str(const gs_strpool *p, uint32_t id);
/* Free the lookup table (8 bytes a slot, two slots a string or more) while
 * no string is added: the strings keep their ids, and the next add builds
 * the table again from them (hashing every string: not for a hot path). */
void gs_strpool_drop_table(gs_strpool *p);
/* Hand the buffer over (the pool is left empty); *len gets its length. */
char *gs_strpool_take(gs_strpool *p, size_t *len);
void gs_strpool_free(gs_strpool *p);

#endif
