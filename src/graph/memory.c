/* memory.c: see memory.h.
 *
 * How the anonymous resident memory (the sum of smaps' Anonymous: the
 * pages the process wrote, not backed by a file) is split:
 *   - every node's bytes (sys.getsizeof) are cut into its own block and the
 *     buffers it points to (list items, a dict's keys table when it owns it,
 *     a set's table when not inline, bytearray data). Each piece is placed
 *     by its address: inside a pymalloc arena it counts in
 *     objects_pymalloc, rounded up to the 16-byte size class as pymalloc
 *     rounds it; inside a file mapping (static types in libpython's data)
 *     it is already in that mapping's figure; anywhere else it counts in
 *     objects_malloc (external_buffers for the buffers);
 *   - pymalloc: arenas_carved is each arena up to its pool_address (pools
 *     past it were never touched); allocated blocks no node accounts for
 *     are pymalloc_other (objects outside the graph: untracked objects not
 *     referenced from a tracked one, the interpreter's own blocks), the rest
 *     of the carved bytes pymalloc_free;
 *   - stacks: the main thread's [stack], every anonymous mapping holding
 *     another thread's TCB (glibc puts it at the top of the thread's stack;
 *     its address is the thread's fs_base), and the stacks of exited
 *     threads glibc keeps for reuse (by their shape: build_mappings);
 *   - libraries: the written (anonymous) pages of file mappings, their data;
 *   - mimalloc (free-threaded builds, py/mimalloc.h): every piece whose
 *     address is in a block in use of a mimalloc page counts that block's
 *     resident bytes, once, in objects_mimalloc; the other resident bytes
 *     of blocks in use are mimalloc_other, and every other resident byte
 *     of mimalloc's arenas and segments (free blocks, pages past their
 *     carved blocks, free spans, segment headers, freed segments not yet
 *     purged) is mimalloc_free. Resident bytes come from the image, which
 *     holds exactly the pages the target had resident;
 *   - tracemalloc_tables: when tracing, tracemalloc's own entries (an
 *     estimate from glibc's chunk sizes: entry and trace per block, each
 *     traceback and its frames);
 *   - unexplained: what remains.
 */
#include "config.h"

#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/memory.h"
#include "graph/decode_pool.h"
#include "py/mimalloc.h"
#include "py/ndarray.h"
#include "py/refcount.h"
#include "py/sizeof.h"
#include "py/statics.h"
#include "util/alloc.h"
#include "util/hash.h"
#include "util/sort.h"

#define MAX_HASHED_BYTES (64u << 20) /* longer values are not compared */

struct ranges {
    uint64_t *start, *end;  /* sorted, disjoint */
    size_t n;
    size_t last; /* the range the previous hit found: a node's neighbours in
                    the decode order were mostly allocated together */
};

static bool in_ranges(struct ranges *r, uint64_t addr)
{
    if (r->last < r->n && r->start[r->last] <= addr && addr < r->end[r->last])
        return true;
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->end[mid] <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->n && r->start[lo] <= addr && addr < r->end[lo]) {
        r->last = lo;
        return true;
    }
    return false;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Arenas as sorted ranges (one arena is [address, address + arena_size)). */
static void arena_ranges(const struct gs_snapshot *s, struct ranges *r)
{
    r->n = r->last = 0;
    r->start = gs_xcalloc(s->narenas + 1, sizeof *r->start);
    r->end = gs_xcalloc(s->narenas + 1, sizeof *r->end);
    for (uint64_t i = 0; i < s->narenas; i++)
        r->start[r->n++] = s->arenas[i].address;
    gs_qsort(r->start, r->n, sizeof *r->start, cmp_u64);
    for (size_t i = 0; i < r->n; i++)
        r->end[i] = r->start[i] + s->memory.pymalloc.arena_size;
}

static void file_ranges(const struct gs_snapshot *s, struct ranges *r)
{
    r->n = r->last = 0;
    r->start = gs_xcalloc(s->nmappings + 1, sizeof *r->start);
    r->end = gs_xcalloc(s->nmappings + 1, sizeof *r->end);
    for (uint64_t i = 0; i < s->nmappings; i++)
        if (s->mappings[i].kind == GS_MAPPING_FILE) {
            r->start[r->n] = s->mappings[i].start;
            r->end[r->n++] = s->mappings[i].end;
        }
}

static void ranges_free(struct ranges *r)
{
    free(r->start);
    free(r->end);
}

/* The resident pages, as the image holds them: its stored spans. */
struct resident {
    uint64_t *start, *end;
    size_t n;
};

static void resident_spans(const struct gs_capture *cap, struct resident *r)
{
    r->n = cap->image ? gs_image_region_count(cap->image) : 0;
    r->start = gs_xcalloc(r->n + 1, sizeof *r->start);
    r->end = gs_xcalloc(r->n + 1, sizeof *r->end);
    for (size_t i = 0; i < r->n; i++)
        gs_image_region(cap->image, i, &r->start[i], &r->end[i]);
}

/* Resident bytes of [lo, hi). */
static uint64_t resident_bytes(const struct resident *r, uint64_t lo, uint64_t hi)
{
    size_t a = 0, b = r->n;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (r->end[mid] <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    uint64_t bytes = 0;
    for (size_t i = a; i < r->n && r->start[i] < hi; i++) {
        uint64_t x = r->start[i] > lo ? r->start[i] : lo, y = r->end[i] < hi ? r->end[i] : hi;
        if (y > x)
            bytes += y - x;
    }
    return bytes;
}

static void resident_free(struct resident *r)
{
    free(r->start);
    free(r->end);
}

/* mimalloc's blocks and their resident bytes (graph objects are placed in
 * account_nodes, which fills resident_objects). */
struct mi_place {
    struct gs_py_mimalloc_map map;
    struct ranges segments, arenas;
    uint64_t *counted;   /* per block bit: its bytes are in resident_objects */
    bool on;
};

static void mi_ranges(const struct gs_py_mimalloc_range *v, size_t n, struct ranges *r)
{
    r->n = r->last = 0;
    r->start = gs_xcalloc(n + 1, sizeof *r->start);
    r->end = gs_xcalloc(n + 1, sizeof *r->end);
    for (size_t i = 0; i < n; i++) {
        r->start[r->n] = v[i].start;
        r->end[r->n++] = v[i].end;
    }
}

/* Every page as the snapshot keeps it: its blocks in use and the resident
 * bytes of its slices. */
static void mimalloc_pages(struct gs_snapshot *s, const struct mi_place *mp, const struct resident *res)
{
    const struct gs_py_mimalloc_map *m = &mp->map;
    s->mi_pages = gs_xcalloc(m->npages + 1, sizeof *s->mi_pages);
    s->nmi_pages = m->npages;
    for (size_t i = 0; i < m->npages; i++) {
        const struct gs_py_mimalloc_page *p = &m->pages[i];
        uint32_t used = 0;
        for (uint32_t b = 0; b < p->capacity; b++) {
            uint64_t bit = p->first_bit + b;
            used += (uint32_t)((m->live[bit / 64] >> (bit % 64)) & 1);
        }
        s->mi_pages[i] = (struct gs_py_mimalloc_page_rec){
            .start = p->start, .bytes = p->end - p->slices, .block_size = p->bsize,
            .resident = resident_bytes(res, p->slices, p->end), .capacity = p->capacity, .used = used,
            .tag = p->tag,
        };
    }
}

static void mimalloc_resident(struct gs_py_mimalloc_stats *o, const struct mi_place *mp, const struct resident *res)
{
    const struct gs_py_mimalloc_map *m = &mp->map;
    struct ranges arenas = mp->arenas; /* a copy: in_ranges moves its cursor */
    uint64_t in_arenas = 0, segs_in_arenas = 0, segs_outside = 0;
    for (size_t i = 0; i < m->narenas; i++)
        in_arenas += resident_bytes(res, m->arenas[i].start, m->arenas[i].end);
    for (size_t i = 0; i < m->nsegments; i++) {
        const struct gs_py_mimalloc_range *g = &m->segments[i];
        uint64_t r = resident_bytes(res, g->start, g->end);
        if (in_ranges(&arenas, g->start))
            segs_in_arenas += r;
        else
            segs_outside += r;
        o->resident_headers += resident_bytes(res, g->start, g->info_end);
    }
    for (size_t i = 0; i < m->npages; i++) {
        const struct gs_py_mimalloc_page *p = &m->pages[i];
        for (uint32_t b = 0; b < p->capacity; b++) {
            uint64_t bit = p->first_bit + b;
            if ((m->live[bit / 64] >> (bit % 64)) & 1) {
                uint64_t at = p->start + (uint64_t)b * p->bsize;
                o->resident_used += resident_bytes(res, at, at + p->bsize);
            }
        }
    }
    o->resident_unowned = in_arenas > segs_in_arenas ? in_arenas - segs_in_arenas : 0;
    o->resident = (in_arenas > segs_in_arenas ? in_arenas : segs_in_arenas) + segs_outside;
    o->resident_free = o->resident > o->resident_used ? o->resident - o->resident_used : 0;
}

/* A piece at addr: true when it lies in mimalloc's memory (then its
 * block, if in use and not counted yet, goes to resident_objects). */
static bool mi_place_piece(struct mi_place *mp, struct gs_py_mimalloc_stats *o, const struct resident *res,
                           uint64_t addr)
{
    if (!mp->on)
        return false;
    const struct gs_py_mimalloc_page *p = gs_py_mimalloc_page_of(&mp->map, addr);
    if (p) {
        if (addr >= p->start && (addr - p->start) / p->bsize < p->capacity) {
            uint64_t b = (addr - p->start) / p->bsize, bit = p->first_bit + b;
            bool live = (mp->map.live[bit / 64] >> (bit % 64)) & 1;
            if (live && !((mp->counted[bit / 64] >> (bit % 64)) & 1)) {
                mp->counted[bit / 64] |= (uint64_t)1 << (bit % 64);
                uint64_t at = p->start + b * p->bsize;
                o->resident_objects += resident_bytes(res, at, at + p->bsize);
            }
        }
        return true;
    }
    return in_ranges(&mp->segments, addr) || in_ranges(&mp->arenas, addr);
}

static enum gs_mapping_kind mapping_kind(const char *path)
{
    if (!path[0] || strncmp(path, "[anon", 5) == 0)
        return GS_MAPPING_ANON;
    if (strcmp(path, "[heap]") == 0)
        return GS_MAPPING_HEAP;
    if (strcmp(path, "[stack]") == 0)
        return GS_MAPPING_STACK;
    if (path[0] == '/')
        return GS_MAPPING_FILE;
    return GS_MAPPING_OTHER;
}

static void build_mappings(const struct gs_capture *cap, struct gs_snapshot *s, gs_strpool *strings)
{
    struct gs_snap_memory *m = &s->memory;
    if (!cap->smaps || !cap->nsmaps)
        return;
    m->smaps_read = 1;
    s->mappings = gs_xcalloc(cap->nsmaps, sizeof *s->mappings);
    s->nmappings = cap->nsmaps;
    for (size_t i = 0; i < cap->nsmaps; i++) {
        const struct gs_smap *e = &cap->smaps[i];
        s->mappings[i] = (struct gs_snap_mapping){
            .start = e->start, .end = e->end, .rss = e->rss, .anonymous = e->anonymous, .swap = e->swap,
            .path = e->path[0] ? gs_strpool_add_cstr(strings, e->path) : 0,
            .kind = (uint32_t)mapping_kind(e->path),
        };
    }
    /* Other threads' stacks: the anonymous mapping holding their TCB. */
    for (size_t t = 0; t < cap->nnative; t++) {
        uint64_t tcb = cap->native[t].fs_base;
        if (!tcb || cap->native[t].tid == cap->pid)
            continue;
        for (uint64_t i = 0; i < s->nmappings; i++)
            if (s->mappings[i].start < tcb && tcb <= s->mappings[i].end &&
                s->mappings[i].kind == GS_MAPPING_ANON)
                s->mappings[i].kind = GS_MAPPING_THREAD_STACK;
    }
    /* Stacks of threads that have exited, which glibc keeps for the next
     * thread (its stack cache, up to 40 MiB): no TCB of a live thread, but
     * glibc's shape, a read-write anonymous mapping right above a one-page
     * PROT_NONE guard, the two a whole number of MiB (8 MiB by default).
     * pymalloc's and mimalloc's arenas have no guard page below them, and a
     * malloc arena's reserve lies above its used part. */
    for (uint64_t i = 1; i < s->nmappings; i++) {
        struct gs_snap_mapping *e = &s->mappings[i];
        const struct gs_smap *g = &cap->smaps[i - 1], *cur = &cap->smaps[i];
        if (e->kind == GS_MAPPING_ANON && g->end == cur->start && g->end - g->start == 4096 && !g->path[0] &&
            (g->perms & (GS_MAP_READ | GS_MAP_WRITE | GS_MAP_EXEC)) == 0 &&
            (cur->perms & (GS_MAP_READ | GS_MAP_WRITE)) == (GS_MAP_READ | GS_MAP_WRITE) &&
            (cur->end - g->start) % (1u << 20) == 0)
            e->kind = GS_MAPPING_THREAD_STACK;
    }
    for (uint64_t i = 0; i < s->nmappings; i++) {
        const struct gs_snap_mapping *e = &s->mappings[i];
        m->rss += e->rss;
        m->anonymous += e->anonymous;
        m->swap += e->swap;
        if (e->kind == GS_MAPPING_STACK || e->kind == GS_MAPPING_THREAD_STACK)
            m->stacks += e->anonymous;
        else if (e->kind == GS_MAPPING_FILE)
            m->libraries += e->anonymous;
    }
    m->file_rss = m->rss - m->anonymous;
}

/* --- per node: buffers, slack, value hash --------------------------------- */

struct piece {
    uint64_t addr, size;
};

/* The buffers a node points to (at most 2) and its unused capacity. */
static size_t node_buffers(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t, struct piece *buf,
                           uint64_t *slack)
{
    const struct gs_py_layout *L = c->L;
    size_t n = 0;
    *slack = 0;
    switch (t->kind) {
    case GS_PYK_LIST: {
        uint64_t items;
        int64_t allocated, len;
        if (gs_py_field_ptr(c, obj, L->list_ob_item, &items) && gs_py_field_ssize(c, obj, L->list_allocated, &allocated) &&
            gs_py_field_ssize(c, obj, L->varobject_ob_size, &len) && allocated >= len && len >= 0) {
            if (items && allocated > 0)
                buf[n++] = (struct piece){items, (uint64_t)allocated * 8};
            *slack = (uint64_t)(allocated - len) * 8;
        }
        break;
    }
    case GS_PYK_DICT:
    case GS_PYK_ODICT: {
        uint64_t keys, ksize, entries, esize;
        int64_t refcnt, used;
        if (gs_py_field_ptr(c, obj, L->dict_ma_keys, &keys) && keys && gs_py_dictkeys_size(c, keys, &ksize, &refcnt) &&
            refcnt == 1 && gs_py_field_ssize(c, obj, L->dict_ma_used, &used) && used >= 0) {
            buf[n++] = (struct piece){keys, ksize};
            if (gs_py_dictkeys_capacity(c, keys, &entries, &esize) && entries >= (uint64_t)used)
                *slack = (entries - (uint64_t)used) * esize;
        }
        break;
    }
    case GS_PYK_SET:
    case GS_PYK_FROZENSET: {
        uint64_t table;
        int64_t mask, used;
        if (gs_py_field_ptr(c, obj, L->set_table, &table) && gs_py_field_ssize(c, obj, L->set_mask, &mask) &&
            gs_py_field_ssize(c, obj, L->set_used, &used) && mask >= 0 && used >= 0 && used <= mask + 1 &&
            table != obj + (uint64_t)L->set_smalltable) {
            buf[n++] = (struct piece){table, (uint64_t)(mask + 1) * (uint64_t)L->setentry_size};
            *slack = (uint64_t)(mask + 1 - used) * (uint64_t)L->setentry_size;
        }
        break;
    }
    case GS_PYK_BYTEARRAY: {
        uint64_t bytes;
        int64_t alloc, len;
        if (gs_py_field_ptr(c, obj, L->bytearray_bytes, &bytes) && gs_py_field_ssize(c, obj, L->bytearray_alloc, &alloc) &&
            gs_py_field_ssize(c, obj, L->varobject_ob_size, &len) && bytes && alloc > len && len >= 0) {
            buf[n++] = (struct piece){bytes, (uint64_t)alloc};
            *slack = (uint64_t)(alloc - len - 1);
        }
        break;
    }
    default:
        if (gs_py_is_ndarray(t)) {
            /* numpy's data buffer, when the array owns it (a view's is
             * counted by the array it views) */
            struct gs_py_ndarray a;
            if (gs_py_ndarray_read(c, obj, &a) && a.owned && a.nbytes)
                buf[n++] = (struct piece){a.data, a.nbytes};
        }
        break;
    }
    return n;
}

/* The bytes of [addr, addr + len): a view of the copy where it holds them
 * in one piece, else a copy in *tmp (freed by the caller). The copy keeps
 * only the pages the target had touched, and reads the others as zeros,
 * which is what they hold there: a large bytes(n) from calloc spans such
 * pages, so a view alone would miss it. len is at most MAX_HASHED_BYTES. */
static const void *value_bytes(const struct gs_py_ctx *c, uint64_t addr, size_t len, void **tmp)
{
    *tmp = NULL;
    const void *p = gs_view(c->r, addr, len);
    if (p)
        return p;
    void *buf = malloc(len);
    if (!buf)
        return NULL;
    if (!gs_read_exact(c->r, addr, buf, len)) {
        free(buf);
        return NULL;
    }
    *tmp = buf;
    return buf;
}

/* A hash of a str's or bytes' value (0: not one, or unreadable). Compact
 * str only (every str made since 3.3 except legacy C-API ones). */
static uint64_t value_hash(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t)
{
    const struct gs_py_layout *L = c->L;
    uint64_t data, len;
    uint64_t seed;
    if (t->kind == GS_PYK_STR) {
        int64_t length;
        uint32_t state;
        if (!gs_py_field_ssize(c, obj, L->unicode_length, &length) || length < 0 ||
            !gs_read_u32(c->r, obj + (uint64_t)L->unicode_state, &state))
            return 0;
        unsigned kind = (state >> L->unicode_state_kind_shift) & (unsigned)L->unicode_state_kind_mask;
        if (!((state >> L->unicode_state_compact_shift) & 1) || kind == 0)
            return 0;
        bool ascii = (state >> L->unicode_state_ascii_shift) & 1;
        data = obj + (uint64_t)(ascii ? L->unicode_ascii_size : L->unicode_compact_size);
        len = (uint64_t)length * kind;
        seed = 0x5354520000000000ull | kind;
    } else if (t->kind == GS_PYK_BYTES) {
        int64_t n;
        if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || n < 0)
            return 0;
        data = obj + (uint64_t)L->bytes_sval;
        len = (uint64_t)n;
        seed = 0x4259540000000000ull;
    } else {
        return 0;
    }
    if (len > MAX_HASHED_BYTES)
        return 0;
    void *tmp;
    const void *p = value_bytes(c, data, len ? len : 1, &tmp);
    if (!p)
        return 0;
    uint64_t h = gs_hash64(p, len, seed ^ len);
    free(tmp);
    return h ? h : 1;
}

/* Is every item of the object the same value? Items of item_size bytes
 * from data: they are all equal when the data equals itself shifted by
 * one item. */
static bool all_same(const void *p, uint64_t len, uint32_t item_size)
{
    const unsigned char *b = p;
    return len >= 2 * (uint64_t)item_size && memcmp(b, b + item_size, (size_t)(len - item_size)) == 0;
}

static uint64_t first_item(const void *p, uint32_t item_size)
{
    uint64_t v = 0;
    if (item_size == 1)
        v = *(const uint8_t *)p;
    else if (item_size == 2)
        v = *(const uint16_t *)p;
    else if (item_size == 4)
        v = *(const uint32_t *)p;
    else
        memcpy(&v, p, 8);
    return v;
}

/* A large object whose items all hold one value (MAT's "constant value"
 * arrays): its data, when it has GS_CONSTANT_MIN_BYTES or more, compared
 * with itself. A bytearray's content starts at ob_start, which the layout
 * tables do not have: its whole allocation but a final NUL (which holds
 * the content wherever it starts) must be constant, so none is reported
 * that is not, and one with stale bytes past its end is missed. */
static bool constant_value(const struct gs_py_ctx *c, uint64_t obj, const struct gs_py_type_info *t,
                           struct gs_snap_constant *out)
{
    const struct gs_py_layout *L = c->L;
    uint64_t data = 0, len = 0;
    uint32_t item = 1;
    int64_t n;
    switch (t->kind) {
    case GS_PYK_BYTES:
        if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || n < 0)
            return false;
        data = obj + (uint64_t)L->bytes_sval;
        len = (uint64_t)n;
        break;
    case GS_PYK_BYTEARRAY: {
        int64_t alloc;
        if (!gs_py_field_ptr(c, obj, L->bytearray_bytes, &data) || !gs_py_field_ssize(c, obj, L->bytearray_alloc, &alloc) ||
            !gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || !data || n < 0 || alloc < n)
            return false;
        /* Up to 3.14 ob_alloc counts the NUL after the content; 3.15's
         * buffer is a bytes object's, ob_alloc its size, the NUL past it. */
        len = (uint64_t)(alloc > n ? alloc - 1 : alloc);
        break;
    }
    case GS_PYK_STR: {
        uint32_t state;
        if (!gs_py_field_ssize(c, obj, L->unicode_length, &n) || n < 0 ||
            !gs_read_u32(c->r, obj + (uint64_t)L->unicode_state, &state))
            return false;
        unsigned kind = (state >> L->unicode_state_kind_shift) & (unsigned)L->unicode_state_kind_mask;
        if (!((state >> L->unicode_state_compact_shift) & 1) || (kind != 1 && kind != 2 && kind != 4))
            return false;
        bool ascii = (state >> L->unicode_state_ascii_shift) & 1;
        data = obj + (uint64_t)(ascii ? L->unicode_ascii_size : L->unicode_compact_size);
        item = kind;
        len = (uint64_t)n * kind;
        break;
    }
    case GS_PYK_LIST:
        if (!gs_py_field_ptr(c, obj, L->list_ob_item, &data) || !gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) ||
            !data || n < 0)
            return false;
        item = 8;
        len = (uint64_t)n * 8;
        break;
    case GS_PYK_TUPLE:
        if (!gs_py_field_ssize(c, obj, L->varobject_ob_size, &n) || n < 0)
            return false;
        data = obj + (uint64_t)L->tuple_ob_item;
        item = 8;
        len = (uint64_t)n * 8;
        break;
    default:
        return false;
    }
    if (len < GS_CONSTANT_MIN_BYTES || len > MAX_HASHED_BYTES)
        return false;
    void *tmp;
    const void *p = value_bytes(c, data, len, &tmp);
    bool same = p && all_same(p, len, item);
    if (same)
        *out = (struct gs_snap_constant){0, item, len / item, first_item(p, item)};
    free(tmp);
    return same;
}

static uint64_t round_class(uint64_t n, uint64_t alignment)
{
    return (n + alignment - 1) / alignment * alignment;
}

/* One thread's share of account_nodes: nodes [lo, hi), read through its
 * own reader, with its own range cursors, sums and constants, merged in
 * node order afterwards (so that the result is the same on any number of
 * threads). */
struct account_share {
    struct gs_snapshot *s;
    const struct gs_py_types *types;
    struct mi_place *mp;
    const struct resident *res;
    const struct gs_py_thread_refcounts *thread_refs;
    struct gs_memory_node_facts *facts; /* lo[]: this share's range written here */
    struct gs_wide64 *refcnt_wide, *size_wide, *content; /* this share's, in node order */
    size_t nrefcnt_wide, cap_refcnt_wide, nsize_wide, cap_size_wide, ncontent, cap_content;
    struct gs_py_ctx c;
    struct ranges arenas, files; /* the shared arrays, this share's cursors */
    uint64_t lo, hi;
    uint64_t objects_pymalloc, objects_in_files, objects_malloc, external_buffers;
    struct gs_snap_constant *constants;
    size_t nconstants, cap_constants;
    pthread_t thread;
    bool started;
};

/* Append (node, v) to a share's list of wide values. */
static void keep_wide(struct gs_wide64 **v, size_t *n, size_t *cap, uint64_t node, uint64_t value)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = gs_xreallocarray(*v, *cap, sizeof **v);
    }
    (*v)[(*n)++] = (struct gs_wide64){(uint32_t)node, value};
}

/* A node's reference count as the build found it when it made the node
 * (the collector's lists, or py/refcount.h for the others): read again
 * here, from the same copy, so that the referents' pass need not hold it. */
static int64_t node_refcount(const struct gs_py_ctx *c, const struct gs_py_thread_refcounts *thread_refs,
                             uint64_t addr)
{
    int64_t n = 0;
    uint64_t word, type;
    if (gs_py_layout_is_free_threaded(c->L))
        return gs_py_object_refcount(c, thread_refs, addr, &n, &type) ? n : 0;
    return gs_py_read_ptr(c, addr + (uint64_t)c->L->object_refcnt, &word) ? gs_py_refcnt_of_word(c->L, word) : 0;
}

static void *account_range(void *arg)
{
    struct account_share *sh = arg;
    struct gs_snapshot *s = sh->s;
    const struct gs_py_ctx *c = &sh->c;
    const struct gs_snap_memory *m = &s->memory;
    struct gs_memory_node_facts *f = sh->facts;
    uint64_t small = m->pymalloc.status == GS_PY_PYMALLOC_OK ? m->pymalloc.small_threshold : 0;
    uint64_t align = m->pymalloc.alignment ? m->pymalloc.alignment : 16;
    bool immortals = c->L->minor >= 12;
    for (uint64_t i = sh->lo; i < sh->hi; i++) {
        int64_t refcnt = node_refcount(c, sh->thread_refs, s->addr[i]);
        f->refcnt_lo[i] = (uint16_t)refcnt;
        if (!gs_narrow16_fits((uint64_t)refcnt, true))
            keep_wide(&sh->refcnt_wide, &sh->nrefcnt_wide, &sh->cap_refcnt_wide, i, (uint64_t)refcnt);
        if (immortals && (int32_t)(uint32_t)refcnt < 0)
            s->flags[i] |= GS_NODE_IMMORTAL;
        f->size_lo[i] = 0;
        if (s->type[i] == GS_PY_TYPE_BAD || s->type[i] >= sh->types->n)
            continue;
        const struct gs_py_type_info *t = &sh->types->v[s->type[i]];
        uint64_t size = 0;
        gs_py_getsizeof(c, s->addr[i], t, &size);
        f->size_lo[i] = (uint16_t)size;
        if (!gs_narrow16_fits(size, false))
            keep_wide(&sh->size_wide, &sh->nsize_wide, &sh->cap_size_wide, i, size);
        uint64_t addr = s->addr[i], slack = 0;
        struct piece pieces[3];
        size_t nb = node_buffers(c, addr, t, pieces + 1, &slack);
        s->slack[i] = slack > UINT32_MAX ? UINT32_MAX : (uint32_t)slack;
        uint64_t content = value_hash(c, addr, t);
        if (content)
            keep_wide(&sh->content, &sh->ncontent, &sh->cap_content, i, content);
        struct gs_snap_constant cv;
        if (size >= GS_CONSTANT_MIN_BYTES && constant_value(c, addr, t, &cv)) {
            if (sh->nconstants == sh->cap_constants) {
                sh->cap_constants = sh->cap_constants ? sh->cap_constants * 2 : 16;
                sh->constants = gs_xreallocarray(sh->constants, sh->cap_constants, sizeof *sh->constants);
            }
            cv.node = (uint32_t)i;
            sh->constants[sh->nconstants++] = cv;
        }
        uint64_t bufs = 0;
        for (size_t k = 1; k <= nb; k++)
            bufs += pieces[k].size;
        uint64_t pre = gs_py_preheader_size(c->L, t);
        pieces[0] = (struct piece){addr >= pre ? addr - pre : addr, size > bufs ? size - bufs : 0};
        for (size_t k = 0; k <= nb; k++) {
            const struct piece *p = &pieces[k];
            if (!p->size)
                continue;
            if (small && p->size <= small && in_ranges(&sh->arenas, p->addr))
                sh->objects_pymalloc += round_class(p->size, align);
            else if (mi_place_piece(sh->mp, &s->mimalloc, sh->res, p->addr))
                continue; /* counted by its block, in the mimalloc parts */
            else if (in_ranges(&sh->files, p->addr))
                sh->objects_in_files += p->size;
            else {
                sh->objects_malloc += p->size;
                if (k > 0)
                    sh->external_buffers += p->size;
            }
        }
    }
    return NULL;
}

#define ACCOUNT_MAX_THREADS GS_MEMORY_PARTS

/* One list of the k lists (freed), in their order: the first grown in
 * place (a big block is a mapping of its own: mremap, no copy), the others
 * appended, so that the memory figures' peak holds no second copy of it. */
static struct gs_wide64 *join_lists(struct gs_wide64 **lists, const size_t *counts, uint64_t k, uint64_t *total)
{
    size_t n = 0;
    for (uint64_t i = 0; i < k; i++)
        n += counts[i];
    struct gs_wide64 *out = k ? lists[0] : NULL;
    if (n > (k ? counts[0] : 0))
        out = gs_xreallocarray(out, n, sizeof *out);
    size_t at = k ? counts[0] : 0;
    for (uint64_t i = 1; i < k; i++) {
        if (counts[i])
            memcpy(out + at, lists[i], counts[i] * sizeof *out);
        at += counts[i];
        free(lists[i]);
    }
    if (!n) {
        free(out);
        out = NULL;
    }
    *total = n;
    return out;
}
#define ACCOUNT_MIN_SHARE 65536 /* nodes: below this a thread costs more than it saves */

/* Every node's buffers, slack, value hash and constant, and the object
 * bytes per place. A second random visit of every object: on several
 * threads (GCSCOPE_BUILD_THREADS, graph/decode_pool.h), each a range of
 * nodes with its own reader of the image, except on a free-threaded build,
 * whose mimalloc blocks are counted once each in one shared bitmap. */
static void account_nodes(const struct gs_capture *cap, struct gs_snapshot *s, const struct gs_py_types *types,
                          struct gs_memory_node_facts *facts, struct mi_place *mp, const struct resident *res)
{
    struct gs_snap_memory *m = &s->memory;
    struct ranges arenas, files;
    arena_ranges(s, &arenas);
    file_ranges(s, &files);
    s->slack = gs_xcalloc(s->nobjects ? s->nobjects : 1, sizeof *s->slack);
    bool image = cap->image && cap->rt.ctx.r == gs_image_reader(cap->image);
    uint64_t threads = mp->on || !image ? 1 : (uint64_t)gs_decode_threads();
    if (threads > ACCOUNT_MAX_THREADS)
        threads = ACCOUNT_MAX_THREADS;
    if (threads > s->nobjects / ACCOUNT_MIN_SHARE)
        threads = s->nobjects / ACCOUNT_MIN_SHARE ? s->nobjects / ACCOUNT_MIN_SHARE : 1;
    struct account_share sh[ACCOUNT_MAX_THREADS];
    for (uint64_t k = 0; k < threads; k++) {
        sh[k] = (struct account_share){
            .s = s, .types = types, .mp = mp, .res = res, .thread_refs = &cap->rt.thread_refs, .facts = facts,
            .c = cap->rt.ctx, .arenas = arenas, .files = files,
            .lo = s->nobjects * k / threads, .hi = s->nobjects * (k + 1) / threads,
        };
        /* This thread reads through the capture's reader; the others
         * through their own (a reader remembers where it read last). */
        if (k > 0 && (sh[k].c.r = gs_image_thread_reader(cap->image)) != NULL)
            sh[k].started = pthread_create(&sh[k].thread, NULL, account_range, &sh[k]) == 0;
    }
    account_range(&sh[0]);
    size_t nconstants = 0;
    for (uint64_t k = 0; k < threads; k++) {
        if (k > 0) {
            if (sh[k].started)
                pthread_join(sh[k].thread, NULL);
            else {
                if (!sh[k].c.r)
                    sh[k].c = cap->rt.ctx;
                account_range(&sh[k]); /* no thread: done here */
            }
            if (sh[k].c.r != cap->rt.ctx.r)
                gs_reader_free(sh[k].c.r);
        }
        m->objects_pymalloc += sh[k].objects_pymalloc;
        m->objects_in_files += sh[k].objects_in_files;
        m->objects_malloc += sh[k].objects_malloc;
        m->external_buffers += sh[k].external_buffers;
        nconstants += sh[k].nconstants;
    }
    /* The shares' lists, in share order: node order. */
    struct gs_wide64 *lists[ACCOUNT_MAX_THREADS];
    size_t counts[ACCOUNT_MAX_THREADS];
    for (uint64_t k = 0; k < threads; k++) {
        lists[k] = sh[k].refcnt_wide;
        counts[k] = sh[k].nrefcnt_wide;
    }
    facts->refcnt_wide = join_lists(lists, counts, threads, &facts->nrefcnt_wide);
    for (uint64_t k = 0; k < threads; k++) {
        lists[k] = sh[k].size_wide;
        counts[k] = sh[k].nsize_wide;
    }
    facts->size_wide = join_lists(lists, counts, threads, &facts->nsize_wide);
    /* The value hashes stay in their shares' lists (joined, a copy of the
     * later ones would be resident beside them at the peak). */
    for (uint64_t k = 0; k < GS_MEMORY_PARTS; k++) {
        facts->content[k] = k < threads ? sh[k].content : NULL;
        facts->ncontent[k] = k < threads ? sh[k].ncontent : 0;
    }
    if (nconstants)
        s->constants = gs_xreallocarray(s->constants, s->nconstants + nconstants, sizeof *s->constants);
    for (uint64_t k = 0; k < threads; k++) {
        for (size_t i = 0; i < sh[k].nconstants; i++)
            s->constants[s->nconstants++] = sh[k].constants[i];
        free(sh[k].constants);
    }
    ranges_free(&arenas);
    ranges_free(&files);
}

/* tracemalloc's own memory, estimated from glibc chunk sizes: per trace a
 * hashtable entry (32 bytes: a 48-byte chunk) and a trace_t (16: 32), and
 * a bucket pointer; per traceback its entry and the traceback itself. */
static uint64_t tracemalloc_tables(const struct gs_snapshot *s)
{
    uint64_t bytes = s->ntm_traces * (48 + 32 + 8);
    for (uint64_t i = 0; i < s->ntm_tracebacks; i++)
        bytes += 48 + round_class(16 + 12 * (uint64_t)s->tm_tracebacks[i].nframe + 8, 16) + 8;
    return bytes;
}

gs_status gs_memory_build(const struct gs_capture *cap, struct gs_snapshot *s, const struct gs_py_types *types,
                          struct gs_memory_node_facts *facts, gs_strpool *strings, gs_error *err)
{
    (void)err;
    const struct gs_py_ctx *c = &cap->rt.ctx;
    struct gs_snap_memory *m = &s->memory;
    memset(m, 0, sizeof *m);
    m->present = 1;

    /* The main interpreter is the first one created: the last in the list. */
    uint64_t main_interp = cap->rt.ninterps ? cap->rt.interps[cap->rt.ninterps - 1].addr : 0;
    for (size_t i = 0; i < cap->rt.ninterps; i++)
        if (cap->rt.interps[i].id == 0)
            main_interp = cap->rt.interps[i].addr;

    struct gs_py_statics statics;
    gs_py_statics_open(&cap->loc, &statics);
    size_t narenas = 0;
    gs_py_pymalloc_read(c, main_interp, &statics, &cap->loc, &m->pymalloc, &s->arenas, &narenas);
    s->narenas = narenas;
    struct gs_py_tracemalloc tm;
    gs_py_tracemalloc_read(c, cap->loc.runtime_addr, &statics, &cap->loc, strings, &tm);
    struct mi_place mp = {0};
    gs_py_mimalloc_read(&cap->rt, &statics, &s->mimalloc, &mp.map);
    gs_py_statics_close(&statics);
    /* A live capture's image holds exactly the resident pages; a core's
     * holds every page the core wrote, resident or not (gcore writes whole
     * mappings): there the resident split stays 0 and says why. */
    struct resident res;
    resident_spans(cap, &res);
    mp.on = s->mimalloc.status == GS_PY_MIMALLOC_OK;
    bool residency = !cap->core;
    if (mp.on && !residency && !s->mimalloc.why[0])
        snprintf(s->mimalloc.why, sizeof s->mimalloc.why,
                 "resident bytes unknown: a core file does not say which pages were resident");
    mi_ranges(mp.map.segments, mp.map.nsegments, &mp.segments);
    mi_ranges(mp.map.arenas, mp.map.narenas, &mp.arenas);
    mp.counted = gs_xcalloc(mp.map.nbits / 64 + 1, sizeof *mp.counted);
    if (mp.on) {
        if (!residency)
            res.n = 0; /* every resident figure 0 */
        else
            mimalloc_resident(&s->mimalloc, &mp, &res);
        mimalloc_pages(s, &mp, &res);
    }
    m->tm_status = tm.status;
    m->tm_max_nframe = tm.max_nframe;
    m->tm_traced_memory = tm.traced_memory;
    m->tm_bad_entries = tm.bad_entries;
    memcpy(m->tm_why, tm.why, sizeof m->tm_why);
    s->tm_traces = tm.traces;
    s->ntm_traces = tm.ntraces;
    s->tm_tracebacks = tm.tracebacks;
    s->ntm_tracebacks = tm.ntracebacks;
    s->tm_frames = tm.frames;
    s->ntm_frames = tm.nframes;

    build_mappings(cap, s, strings);
    /* The last string of the build is in (memory.h): the pool's lookup
     * table goes before the visit of every node, the memory figures' peak
     * (8 MiB a million strings). */
    gs_strpool_drop_table(strings);
    account_nodes(cap, s, types, facts, &mp, &res);
    gs_py_mimalloc_map_free(&mp.map);
    ranges_free(&mp.segments);
    ranges_free(&mp.arenas);
    free(mp.counted);
    resident_free(&res);
    if (m->pymalloc.status == GS_PY_PYMALLOC_OK) {
        for (uint64_t i = 0; i < s->narenas; i++)
            m->arenas_carved += s->arenas[i].carved_bytes;
        uint64_t allocated = m->pymalloc.allocated_bytes;
        m->pymalloc_other = allocated > m->objects_pymalloc ? allocated - m->objects_pymalloc : 0;
        m->pymalloc_free = m->arenas_carved > allocated ? m->arenas_carved - allocated : 0;
    }
    m->tracemalloc_tables = tracemalloc_tables(s);
    if (m->smaps_read) {
        const struct gs_py_mimalloc_stats *mi = &s->mimalloc;
        uint64_t explained = m->objects_pymalloc + m->pymalloc_other + m->pymalloc_free + m->objects_malloc +
                             m->tracemalloc_tables + m->stacks + m->libraries;
        if (mi->status == GS_PY_MIMALLOC_OK)
            explained += mi->resident; /* objects, other blocks in use, free space */
        m->unexplained = m->anonymous > explained ? m->anonymous - explained : 0;
    }
    return GS_OK;
}

bool gs_memory_spread_content(struct gs_snapshot *s, struct gs_memory_node_facts *facts)
{
    /* Fresh zeroed pages: only those holding a hash are written. */
    s->content = calloc(s->nobjects ? s->nobjects : 1, sizeof *s->content);
    if (!s->content)
        return false;
    for (size_t k = 0; k < GS_MEMORY_PARTS; k++) {
        for (uint64_t i = 0; i < facts->ncontent[k]; i++)
            if (facts->content[k][i].node < s->nobjects)
                s->content[facts->content[k][i].node] = facts->content[k][i].value;
        free(facts->content[k]);
        facts->content[k] = NULL;
        facts->ncontent[k] = 0;
    }
    return true;
}

/* --- duplicate values ------------------------------------------------------ */

static int by_content(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (s->content[x] != s->content[y])
        return s->content[x] < s->content[y] ? -1 : 1;
    if (s->type[x] != s->type[y])
        return s->type[x] < s->type[y] ? -1 : 1;
    if (s->size[x] != s->size[y])
        return s->size[x] < s->size[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static int dup_by_waste(const void *a, const void *b)
{
    const struct gs_dup_group *x = a, *y = b;
    uint64_t wx = (x->copies - 1) * x->size, wy = (y->copies - 1) * y->size;
    if (wx != wy)
        return wx > wy ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

struct gs_dup_group *gs_memory_duplicates(const struct gs_snapshot *s, size_t *nout, uint64_t *wasted)
{
    *nout = 0;
    *wasted = 0;
    if (!s->content)
        return NULL;
    uint32_t *v = gs_xcalloc(s->nobjects + 1, sizeof *v);
    size_t n = 0;
    for (uint64_t i = 0; i < s->nobjects; i++)
        if (s->content[i])
            v[n++] = (uint32_t)i;
    gs_qsort_r(v, n, sizeof *v, by_content, (void *)s);
    struct gs_dup_group *g = gs_xcalloc(n / 2 + 1, sizeof *g);
    size_t ng = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s->content[v[j]] == s->content[v[i]] && s->type[v[j]] == s->type[v[i]] &&
               s->size[v[j]] == s->size[v[i]])
            j++;
        if (j - i > 1) {
            g[ng++] = (struct gs_dup_group){v[i], j - i, s->size[v[i]]};
            *wasted += (j - i - 1) * s->size[v[i]];
        }
        i = j;
    }
    free(v);
    gs_qsort(g, ng, sizeof *g, dup_by_waste);
    *nout = ng;
    return g;
}

bool gs_memory_arena_fragmented(const struct gs_snapshot *s, const struct gs_py_pymalloc_arena *a)
{
    return a->used_pools && a->used_bytes * 100 < s->memory.pymalloc.arena_size * GS_FRAGMENTED_PERCENT;
}

bool gs_memory_mi_page_fragmented(const struct gs_py_mimalloc_page_rec *p)
{
    return p->used && (uint64_t)p->used * p->block_size * 100 < p->bytes * GS_FRAGMENTED_PERCENT;
}

uint64_t gs_memory_fragmented_bytes(const struct gs_snapshot *s)
{
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < s->narenas; i++)
        if (gs_memory_arena_fragmented(s, &s->arenas[i]))
            bytes += s->memory.pymalloc.arena_size;
    for (uint64_t i = 0; i < s->nmi_pages; i++)
        if (gs_memory_mi_page_fragmented(&s->mi_pages[i]))
            bytes += s->mi_pages[i].resident;
    return bytes;
}

uint64_t gs_memory_unused_capacity(const struct gs_snapshot *s)
{
    uint64_t bytes = 0;
    for (uint64_t i = 0; s->slack && i < s->nobjects; i++)
        bytes += s->slack[i];
    return bytes;
}

const struct gs_tm_trace *gs_memory_trace_of(const struct gs_snapshot *s, uint32_t node)
{
    uint64_t addr = s->addr[node];
    /* Domain 0 traces come first, by address: the last one starting at or
     * before addr. */
    size_t lo = 0, hi = s->ntm_traces;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct gs_tm_trace *t = &s->tm_traces[mid];
        if (t->domain == 0 && t->addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const struct gs_tm_trace *t = &s->tm_traces[lo - 1];
    return t->domain == 0 && addr < t->addr + t->size ? t : NULL;
}

uint64_t gs_memory_constant_bytes(const struct gs_snapshot *s)
{
    uint64_t total = 0;
    for (uint64_t i = 0; i < s->nconstants; i++)
        total += s->constants[i].items * s->constants[i].item_size;
    return total;
}
