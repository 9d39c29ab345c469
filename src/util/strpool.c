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

/* Put slot v where a lookup from its hash finds it: the first empty slot
 * from its home on. Returns where. */
static size_t place(struct gs_strpool_slot *slots, size_t n, struct gs_strpool_slot v)
{
    size_t j = v.tag & (n - 1);
    while (slots[j].id)
        j = (j + 1) & (n - 1);
    slots[j] = v;
    return j;
}

/* Twice the slots, in the table's own block: the old table beside the new
 * one was 1.5 times the table at once (12 MiB for a table of 8 MiB at 1M
 * objects), in the referents' pass, the build's peak. A big block is a
 * mapping of its own (util/alloc.h): it grows by mremap, without a copy.
 *
 * Then every entry of the old half is taken out and placed again, in the
 * order of the slots from one after an empty one: whole runs of the old
 * table, each from its start, so that an entry's path from its home is
 * made of slots already done (nothing empties them later) or of the new
 * half (only filled). The one exception is a path that runs past the
 * table's end onto its start, over slots not done yet: these may be
 * emptied after it. So the slots from the start up to the first empty one
 * past the last such entry are placed again, in order: every path that
 * crosses them lies inside them (it is one run of full slots), and each
 * entry placed again lands at or before its own slot, emptied just then. */
static bool grow_slots(gs_strpool *p)
{
    size_t old = p->nslots, n = old ? old * 2 : 1024;
    struct gs_strpool_slot *slots = gs_try_reallocarray(p->slots, n, sizeof *slots);
    if (!slots)
        return false;
    /* Cleared by writing it (see new_slots); the old half as it was. */
    memset(slots + old, 0, (n - old) * sizeof *slots);
    size_t empty = 0;
    while (empty < old && slots[empty].id) /* at most half full: there is one */
        empty++;
    bool wrapped = false;
    size_t wrap_end = 0;
    for (size_t k = 1; k <= old; k++) {
        size_t i = (empty + k) & (old - 1); /* old: a power of two */
        if (!slots[i].id)
            continue;
        struct gs_strpool_slot v = slots[i];
        slots[i].id = 0;
        size_t j = place(slots, n, v);
        if (j < (v.tag & (n - 1))) {
            wrapped = true;
            if (j > wrap_end)
                wrap_end = j;
        }
    }
    if (wrapped) {
        size_t end = wrap_end + 1;
        while (end < n && slots[end].id) /* a quarter full now: there is an empty one */
            end++;
        for (size_t i = 0; i < end; i++) {
            if (!slots[i].id)
                continue;
            struct gs_strpool_slot v = slots[i];
            slots[i].id = 0;
            place(slots, n, v);
        }
    }
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
