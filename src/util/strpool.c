#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"
#include "util/strpool.h"

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

void gs_strpool_init(gs_strpool *p)
{
    memset(p, 0, sizeof *p);
}

static bool reserve_buf(gs_strpool *p, size_t extra)
{
    if (p->len + extra <= p->cap)
        return true;
    size_t cap = p->cap ? p->cap : 4096;
    while (cap < p->len + extra)
        cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b)
        return false;
    p->buf = b;
    p->cap = cap;
    return true;
}

/* An empty table of n slots, cleared by writing it: calloc's fresh pages
 * would be read first by the probes, mapping the shared zero page, and
 * each first store would then copy it and flush the TLB of every core the
 * process runs on (an interrupt per page, costly in a virtual machine). */
static struct gs_strpool_slot *new_slots(size_t n)
{
    struct gs_strpool_slot *slots = gs_try_reallocarray(NULL, n, sizeof *slots);
    if (slots)
        memset(slots, 0, n * sizeof *slots);
    return slots;
}

static bool grow_slots(gs_strpool *p)
{
    size_t n = p->nslots ? p->nslots * 2 : 1024;
    struct gs_strpool_slot *slots = new_slots(n);
    if (!slots)
        return false;
    for (size_t i = 0; i < p->nslots; i++) {
        if (!p->slots[i].id)
            continue;
        size_t j = p->slots[i].tag & (n - 1);
        while (slots[j].id)
            j = (j + 1) & (n - 1);
        slots[j] = p->slots[i];
    }
    free(p->slots);
    p->slots = slots;
    p->nslots = n;
    return true;
}

/* The table again from the strings in the buffer (after
 * gs_strpool_drop_table): each one, NUL-terminated, from offset 1. */
static bool rebuild_slots(gs_strpool *p)
{
    size_t n = 1024;
    while (n < (p->count + 1) * 2)
        n *= 2;
    struct gs_strpool_slot *slots = new_slots(n);
    if (!slots)
        return false;
    for (size_t off = 1; off < p->len;) {
        size_t len = strlen(p->buf + off);
        uint32_t tag = gs_strpool_hash(p->buf + off, len);
        size_t j = tag & (n - 1);
        while (slots[j].id)
            j = (j + 1) & (n - 1);
        slots[j] = (struct gs_strpool_slot){(uint32_t)off, tag};
        off += len + 1;
    }
    p->slots = slots;
    p->nslots = n;
    return true;
}

void gs_strpool_drop_table(gs_strpool *p)
{
    free(p->slots);
    p->slots = NULL;
    p->nslots = 0;
}

uint32_t gs_strpool_hash(const char *s, size_t n)
{
    /* The high half: FNV-1a mixes upwards, so it spreads better than the
     * low one; the slot comes from it too, so growing needs no rehash. */
    return (uint32_t)(hash_bytes(s, n) >> 32);
}

uint32_t gs_strpool_add(gs_strpool *p, const char *s, size_t n)
{
    return gs_strpool_add_hashed(p, s, n, gs_strpool_hash(s, n));
}

uint32_t gs_strpool_add_hashed(gs_strpool *p, const char *s, size_t n, uint32_t tag)
{
    if (n == 0)
        return 0;
    if (!p->buf) {
        if (!reserve_buf(p, 1))
            return 0;
        p->buf[0] = '\0';
        p->len = 1;
    }
    if (!p->slots && p->count && !rebuild_slots(p))
        return 0;
    if ((p->count + 1) * 2 > p->nslots && !grow_slots(p))
        return 0;
    size_t j = tag & (p->nslots - 1);
    while (p->slots[j].id) {
        if (p->slots[j].tag == tag) {
            const char *t = p->buf + p->slots[j].id;
            if (strncmp(t, s, n) == 0 && t[n] == '\0')
                return p->slots[j].id;
        }
        j = (j + 1) & (p->nslots - 1);
    }
    if (p->len + n + 1 > UINT32_MAX || !reserve_buf(p, n + 1))
        return 0;
    uint32_t id = (uint32_t)p->len;
    memcpy(p->buf + p->len, s, n);
    p->buf[p->len + n] = '\0';
    p->len += n + 1;
    p->slots[j] = (struct gs_strpool_slot){id, tag};
    p->count++;
    return id;
}

uint32_t gs_strpool_add_cstr(gs_strpool *p, const char *s) { return gs_strpool_add(p, s, strlen(s)); }

const char *gs_strpool_str(const gs_strpool *p, uint32_t id)
{
    return p->buf && id < p->len ? p->buf + id : "";
}

char *gs_strpool_take(gs_strpool *p, size_t *len)
{
    if (!p->buf) {
        p->buf = calloc(1, 1);
        p->len = 1;
    }
    char *b = p->buf;
    *len = p->len;
    free(p->slots);
    memset(p, 0, sizeof *p);
    return b;
}

void gs_strpool_free(gs_strpool *p)
{
    free(p->buf);
    free(p->slots);
    memset(p, 0, sizeof *p);
}
