/* build.c: from a captured image to a snapshot.
 *
 * Nodes are numbered as they are found: first every object in the
 * collector's lists, then the roots' targets, then whatever those reference
 * (breadth first). Node i's referents are decoded when the loop reaches i,
 * so its edges are appended in order and the forward rows need no sorting.
 * A referent becomes a node only if its address holds something with a
 * plausible type; otherwise the reference is counted in meta.bad_edges and
 * dropped, never invented.
 */
#include "config.h"

#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/build.h"
#include "graph/decode_pool.h"
#include "graph/nodeindex.h"
#include "graph/memory.h"
#include "graph/narrow.h"
#include "graph/threads.h"
#include "py/resources.h"
#include "graph/preview.h"
#include "py/heap.h"
#include "py/emulated.h"
#include "py/referents.h"
#include "py/typeinfo.h"
#include "util/addrmap.h"
#include "util/alloc.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/phases.h"
#include "util/prefault.h"
#include "util/sort.h"
#include "util/strpool.h"

#define MAX_FRAMES_PER_THREAD 100000 /* deeper than any real stack: a loop */
#define PREVIEW_AHEAD 8 /* nodes between a preview's prefetch and its use */
#define PENDING_KEEP 65536 /* references of one object kept for the next (1.5 MiB) */

struct builder {
    struct gs_py_refs_sink sink; /* first: the sink callbacks get the builder */
    struct gs_capture *cap;
    const struct gs_py_ctx *c;
    struct gs_py_types types;
    struct gs_nodeindex index; /* address -> node */
    gs_addrmap attr_names; /* str address -> string id (attribute names) */
    gs_strpool strings;
    /* nodes */
    uint64_t *addr;
    uint32_t *type;
    uint16_t *flags;
    /* Reference counts and sizes are read by the memory figures' visit of
     * every node (memory.h), after the referents' pass, which is the
     * build's peak; 32 bits wide until the image is freed, with the rare
     * wider values beside them in node order (graph/narrow.h), then
     * widened to the snapshot's 64 bits (see widen). */
    struct gs_memory_node_facts facts;
    uint32_t *preview; /* string id, filled as each node is decoded */
    uint64_t n, cap_nodes;
    /* edges */
    uint32_t *out_off32; /* like the counts and sizes: 32 bits while the copy is held */
    struct gs_wide64 *out_off_wide;
    uint64_t nout_off_wide, cap_out_off_wide;
    uint32_t *out_dst, *out_label;
    uint64_t nedges, cap_edges;
    uint32_t *weak_src, *weak_dst;
    uint64_t nweak, cap_weak;
    struct gs_root *roots;
    uint64_t nroots, cap_roots;
    /* the references of the node being decoded, resolved together so that
     * their hash lookups overlap in memory (see flush_pending) */
    struct pending_ref {
        uint64_t dst, num;
        uint32_t kind, name;
        uint32_t dst_node, num_node; /* known already (a decoding thread's peek), or GS_NO_NODE */
    } *pending;
    size_t npending, cap_pending;
    /* where each thread-owned interpreter frame's roots are (3.11+) */
    struct gs_frame_roots *frame_roots;
    size_t nframe_roots, cap_frame_roots;
    /* the node being decoded, or GS_NO_NODE while collecting roots */
    uint32_t current;
    /* The collector's lists run in allocation order, so neighbours are
     * mostly of a few types (an instance, its dict, the list it holds, in
     * turn): the last few types' ids save most of the per-object type
     * lookups. */
    uint64_t last_type_addr[4];
    uint32_t last_type[4];
    unsigned last_next; /* the entry replaced next */
    uint32_t root_kind, root_name; /* while collecting roots */
    uint64_t bad_edges;
    bool oom;
    struct gs_decode_pool *pool; /* decoding threads, or NULL (decode_pool.h) */
    /* Faults the arrays above in ahead of the writes (util/prefault.h), or
     * NULL; ahead[]: how far each was asked for, in bytes. */
    struct gs_prefault *prefault;
    size_t ahead[7];
    /* The referents' pass: the node it is at (0 outside it), and the node
     * and edge counts when it began (see prefault_end). */
    uint64_t pass_at, pass_n0, pass_m0;
    struct gs_phases phases; /* GCSCOPE_TRACE_PHASES=1 */
    bool keep_image;         /* gs_build_opts */
};

/* Grow an array to hold at least `need` elements (doubling). */
static bool grow(void **arr, uint64_t *cap, uint64_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint64_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    void *p = gs_try_reallocarray(*arr, (size_t)ncap, elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* How many elements an array the referents' pass appends to (`count` of
 * them now, `count0` when the pass began, room for `cap`) is worth having
 * faulted in up to: near the pass's end, not the prefault helper's full
 * distance (util/prefault.c: 1-2 MiB in each of seven arrays, resident at
 * the referents' end, the build's peak: 10-14 MiB), but what the
 * collector's objects still to visit are likely to add at the pass's rate
 * so far, with a quarter and 16K elements to spare. The nodes the pass
 * added itself (past pass_n0: objects the collector does not track,
 * mostly strings and numbers) add little: only the spare is kept for
 * them. A guess too short only leaves a few faults to the writer; outside
 * the pass, the whole distance. */
static size_t prefault_end(const struct builder *b, uint64_t count, uint64_t count0, uint64_t cap)
{
    uint64_t at = b->pass_at, n0 = b->pass_n0;
    if (at < 65536 || count < count0)
        return (size_t)cap;
    double left = at < n0 ? (double)(n0 - at) / (double)at : 0.0; /* to visit, per node visited */
    double end = (double)count + (double)(count - count0) * left * 1.25 + 16384.0;
    return end < (double)cap ? (size_t)end : (size_t)cap;
}

/* Ask for the pages past the last node of every per-node array, and past
 * the last edge of the edge arrays, before the builder writes there. */
static void prefault_nodes(struct builder *b)
{
    size_t n = (size_t)b->n, cap = prefault_end(b, b->n, b->pass_n0, b->cap_nodes);
    gs_prefault_ahead(b->prefault, b->addr, n * sizeof *b->addr, cap * sizeof *b->addr, &b->ahead[0]);
    gs_prefault_ahead(b->prefault, b->type, n * sizeof *b->type, cap * sizeof *b->type, &b->ahead[1]);
    gs_prefault_ahead(b->prefault, b->flags, n * sizeof *b->flags, cap * sizeof *b->flags, &b->ahead[2]);
    gs_prefault_ahead(b->prefault, b->preview, n * sizeof *b->preview, cap * sizeof *b->preview, &b->ahead[3]);
    gs_prefault_ahead(b->prefault, b->out_off32, n * sizeof *b->out_off32, cap * sizeof *b->out_off32, &b->ahead[4]);
}

static void prefault_edges(struct builder *b)
{
    size_t m = (size_t)b->nedges, cap = prefault_end(b, b->nedges, b->pass_m0, b->cap_edges);
    gs_prefault_ahead(b->prefault, b->out_dst, m * sizeof *b->out_dst, cap * sizeof *b->out_dst, &b->ahead[5]);
    gs_prefault_ahead(b->prefault, b->out_label, m * sizeof *b->out_label, cap * sizeof *b->out_label, &b->ahead[6]);
}

static bool reserve_node(struct builder *b)
{
    if (b->n + 1 <= b->cap_nodes)
        return true;
    gs_prefault_quiet(b->prefault); /* the arrays may move */
    uint64_t ncap = b->cap_nodes ? b->cap_nodes * 2 : 4096;
    void *p;
    if (!(p = gs_try_reallocarray(b->addr, (size_t)ncap, sizeof *b->addr)))
        return false;
    b->addr = p;
    if (!(p = gs_try_reallocarray(b->type, (size_t)ncap, sizeof *b->type)))
        return false;
    b->type = p;
    if (!(p = gs_try_reallocarray(b->flags, (size_t)ncap, sizeof *b->flags)))
        return false;
    b->flags = p;
    if (!(p = gs_try_reallocarray(b->preview, (size_t)ncap, sizeof *b->preview)))
        return false;
    b->preview = p;
    if (!(p = gs_try_reallocarray(b->out_off32, (size_t)ncap + 1, sizeof *b->out_off32)))
        return false;
    b->out_off32 = p;
    b->cap_nodes = ncap;
    return true;
}

/* Record node's 64-bit value v in lo (its low half) and, when the low half
 * does not give it back (sign-extended for counts, zero-extended for
 * sizes), in wide[], appended in node order. */
static bool store32(uint32_t *lo, struct gs_wide64 **wide, uint64_t *n, uint64_t *cap, uint32_t node, uint64_t v,
                    bool is_signed)
{
    lo[node] = (uint32_t)v;
    if (gs_narrow_fits(v, is_signed))
        return true;
    if (!grow((void **)wide, cap, *n + 1, sizeof **wide))
        return false;
    (*wide)[(*n)++] = (struct gs_wide64){node, v};
    return true;
}

/* The 64-bit array of n values from lo (lo_bytes each: 2 or 4) and wide[]
 * (sorted by node), made in lo's own block: grown to 8 bytes a value (a
 * big block is a mapping of its own: mremap, no copy) and filled from the
 * last value down, so that each 8-byte write lands on narrow values
 * already read. Beside a new array, lo would be resident with it as the
 * copy is being unmapped (the reverse edges' start, lo_bytes a node for
 * each array widened). Consumes lo and frees wide; NULL when out of memory
 * (lo and wide are kept then). */
static uint64_t *widen(void **lo, size_t lo_bytes, struct gs_wide64 **wide, uint64_t nwide, uint64_t n,
                       bool is_signed)
{
    char *p = gs_try_reallocarray(*lo, (size_t)(n ? n : 1), sizeof(uint64_t));
    if (!p)
        return NULL;
    uint64_t w = nwide;
    for (uint64_t i = n; i-- > 0;) {
        uint64_t v;
        if (w > 0 && (*wide)[w - 1].node == i) {
            v = (*wide)[--w].value;
        } else if (lo_bytes == sizeof(uint16_t)) {
            uint16_t v16;
            memcpy(&v16, p + i * sizeof v16, sizeof v16); /* memcpy: the block is read as two types */
            v = is_signed ? (uint64_t)(int64_t)(int16_t)v16 : (uint64_t)v16;
        } else {
            uint32_t v32;
            memcpy(&v32, p + i * sizeof v32, sizeof v32);
            v = is_signed ? (uint64_t)(int64_t)(int32_t)v32 : (uint64_t)v32;
        }
        memcpy(p + i * sizeof v, &v, sizeof v);
    }
    free(*wide);
    *lo = NULL;
    *wide = NULL;
    return (uint64_t *)p;
}

static uint32_t add_node(struct builder *b, uint64_t addr, uint32_t type, uint16_t flags)
{
    if (b->n >= GS_NO_NODE - 1 || !reserve_node(b)) {
        b->oom = true;
        return GS_NO_NODE;
    }
    uint32_t id = (uint32_t)b->n++;
    if ((b->n & 4095) == 0)
        prefault_nodes(b);
    b->addr[id] = addr;
    b->type[id] = type;
    b->flags[id] = flags;
    if (!gs_nodeindex_put(&b->index, addr, id))
        b->oom = true;
    return id;
}

static bool reserve_edge(struct builder *b)
{
    if (b->nedges + 1 <= b->cap_edges)
        return true;
    gs_prefault_quiet(b->prefault); /* the arrays may move */
    uint64_t ncap = b->cap_edges ? b->cap_edges * 2 : 16384;
    void *p;
    if (!(p = gs_try_reallocarray(b->out_dst, (size_t)ncap, sizeof *b->out_dst)))
        return false;
    b->out_dst = p;
    if (!(p = gs_try_reallocarray(b->out_label, (size_t)ncap, sizeof *b->out_label)))
        return false;
    b->out_label = p;
    b->cap_edges = ncap;
    return true;
}

/* The node for an object address, adding it when it holds a plausible
 * object: aligned, readable, with a readable type. GS_NO_NODE otherwise. */
static uint32_t node_for(struct builder *b, uint64_t addr)
{
    uint32_t hit = gs_nodeindex_get(&b->index, addr);
    if (hit != GS_NO_NODE)
        return hit;
    if (addr < 4096 || (addr & 7))
        return GS_NO_NODE;
    int64_t refcnt;
    uint64_t type;
    if (!gs_py_object_refcount(b->c, &b->cap->rt.thread_refs, addr, &refcnt, &type))
        return GS_NO_NODE;
    uint32_t t = gs_py_types_get(&b->types, b->c, type);
    if (t == GS_PY_TYPE_BAD)
        return GS_NO_NODE;
    return add_node(b, addr, t, 0);
}

static uint32_t intern(struct builder *b, const char *s)
{
    return s ? gs_strpool_add_cstr(&b->strings, s) : 0;
}

/* The string id of an attribute name held in a str object, cached by the
 * str's address (instances of one class share their key objects). */
static uint32_t attr_name_id(struct builder *b, uint64_t str)
{
    uint32_t *hit = gs_addrmap_get(&b->attr_names, str);
    if (hit)
        return *hit;
    char buf[256];
    uint32_t id = 0;
    if (gs_py_str_utf8(b->c, str, buf, sizeof buf, NULL))
        id = intern(b, buf);
    gs_addrmap_put(&b->attr_names, str, id);
    return id;
}

/* num_node: num's node when known already (GS_NO_NODE: look it up). */
static uint32_t make_label(struct builder *b, enum gs_label_kind kind, uint64_t num, uint32_t num_node, const char *name)
{
    if (gs_label_names_string(kind))
        return gs_label_make(kind, intern(b, name));
    switch (kind) {
    case GS_LABEL_INDEX:
        return gs_label_index(num);
    case GS_LABEL_KEY:
    case GS_LABEL_MEMBER:
        return gs_label_make(kind, 0);
    case GS_LABEL_VALUE: {
        uint32_t key = num_node != GS_NO_NODE ? num_node : node_for(b, num);
        return key == GS_NO_NODE ? 0 : gs_label_make(kind, key);
    }
    case GS_LABEL_ATTR_OBJ:
        return gs_label_make(GS_LABEL_ATTR, attr_name_id(b, num));
    default:
        return 0;
    }
}

static void add_root(struct builder *b, uint32_t node, uint32_t kind, uint32_t name, uint32_t count)
{
    if (node == GS_NO_NODE)
        return;
    if (!grow((void **)&b->roots, &b->cap_roots, b->nroots + 1, sizeof *b->roots)) {
        b->oom = true;
        return;
    }
    b->roots[b->nroots++] = (struct gs_root){node, kind, name, count};
}

static void add_edge(struct builder *b, uint32_t to, uint32_t label)
{
    if (!reserve_edge(b)) {
        b->oom = true;
        return;
    }
    b->out_dst[b->nedges] = to;
    b->out_label[b->nedges] = label;
    b->nedges++;
    if ((b->nedges & 16383) == 0)
        prefault_edges(b);
}

/* Roots: a frame's references become roots named after what holds them. */
static void root_ref(struct builder *b, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    uint32_t to = node_for(b, dst);
    if (to == GS_NO_NODE) {
        b->bad_edges++;
        return;
    }
    uint32_t label = make_label(b, kind, num, GS_NO_NODE, name);
    char text[256];
    const char *base = gs_strpool_str(&b->strings, b->root_name);
    const char *lname = gs_strpool_str(&b->strings, gs_label_payload(label));
    if (kind == GS_LABEL_LOCAL || kind == GS_LABEL_FIELD)
        snprintf(text, sizeof text, "%s %s", base, lname);
    else
        snprintf(text, sizeof text, "%s", base);
    add_root(b, to, b->root_kind, intern(b, text), 0);
}

/* A strong reference of the node being decoded, as the sink gets it (from
 * the decoder, or replayed from a decoding thread's record with the nodes
 * that thread found already). */
static void take_strong(struct builder *b, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name,
                        uint32_t dst_node, uint32_t num_node)
{
    if (b->npending == b->cap_pending) {
        size_t cap = b->cap_pending ? b->cap_pending * 2 : 256;
        struct pending_ref *p = gs_try_reallocarray(b->pending, cap, sizeof *p);
        if (!p) {
            b->oom = true;
            return;
        }
        b->pending = p;
        b->cap_pending = cap;
    }
    /* A name may live in the decoder's stack: intern it now. */
    uint32_t name_id = name ? intern(b, name) : 0;
    b->pending[b->npending++] = (struct pending_ref){dst, num, (uint32_t)kind, name_id, dst_node, num_node};
}

static void sink_strong(struct gs_py_refs_sink *s, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    struct builder *b = (struct builder *)s;
    if (b->oom)
        return;
    if (b->current == GS_NO_NODE) {
        root_ref(b, dst, kind, num, name);
        return;
    }
    take_strong(b, dst, kind, num, name, GS_NO_NODE, GS_NO_NODE);
}

/* One strong reference of the node being decoded, resolved to its edge. */
static void resolve_ref(struct builder *b, uint64_t dst, uint32_t kind, uint64_t num, uint32_t name_id,
                        uint32_t dst_node, uint32_t num_node)
{
    uint32_t to = dst_node != GS_NO_NODE ? dst_node : node_for(b, dst);
    if (to == GS_NO_NODE) {
        b->bad_edges++;
        return;
    }
    /* The commonest kinds as make_label makes them, without the call; a
     * name arrives interned already (name_id). */
    enum gs_label_kind k = (enum gs_label_kind)kind;
    uint32_t label;
    if (gs_label_names_string(k))
        label = gs_label_make(k, name_id);
    else if (k == GS_LABEL_KEY || k == GS_LABEL_MEMBER)
        label = gs_label_make(k, 0);
    else if (k == GS_LABEL_INDEX)
        label = gs_label_index(num);
    else
        label = make_label(b, k, num, num_node, NULL);
    add_edge(b, to, label);
}

/* Start loading the node index's slots of a reference's unknown nodes. */
static inline void prefetch_ref(struct builder *b, uint64_t dst, uint32_t kind, uint64_t num, uint32_t dst_node,
                                uint32_t num_node)
{
    if (dst_node == GS_NO_NODE)
        gs_nodeindex_prefetch(&b->index, dst);
    if (kind == GS_LABEL_VALUE && num_node == GS_NO_NODE)
        gs_nodeindex_prefetch(&b->index, num);
}

/* Resolve the decoded node's references: prefetch every hash slot first,
 * then look them up in order, so that edges keep the decoder's order. */
static void flush_pending(struct builder *b)
{
    for (size_t i = 0; i < b->npending; i++) {
        const struct pending_ref *p = &b->pending[i];
        prefetch_ref(b, p->dst, p->kind, p->num, p->dst_node, p->num_node);
    }
    for (size_t i = 0; i < b->npending && !b->oom; i++) {
        const struct pending_ref *p = &b->pending[i];
        resolve_ref(b, p->dst, p->kind, p->num, p->name, p->dst_node, p->num_node);
    }
    b->npending = 0;
    /* One list of a million items leaves a buffer of 24 MiB behind: give
     * it back rather than hold it through the peak of the build. */
    if (b->cap_pending > PENDING_KEEP) {
        free(b->pending);
        b->pending = NULL;
        b->cap_pending = 0;
    }
}

/* A weak reference of the node being decoded (dst_node as for take_strong). */
static void take_weak(struct builder *b, uint64_t dst, uint32_t dst_node)
{
    uint32_t to = dst_node != GS_NO_NODE ? dst_node : node_for(b, dst);
    if (to == GS_NO_NODE)
        return;
    uint64_t cap = b->cap_weak;
    if (!grow((void **)&b->weak_src, &cap, b->nweak + 1, sizeof *b->weak_src) ||
        !grow((void **)&b->weak_dst, &b->cap_weak, b->nweak + 1, sizeof *b->weak_dst) || cap != b->cap_weak) {
        b->oom = true;
        return;
    }
    b->weak_src[b->nweak] = b->current;
    b->weak_dst[b->nweak] = to;
    b->nweak++;
}

static void sink_weak(struct gs_py_refs_sink *s, uint64_t dst)
{
    struct builder *b = (struct builder *)s;
    if (b->oom || b->current == GS_NO_NODE)
        return;
    take_weak(b, dst, GS_NO_NODE);
}

/* --- the collector's lists ---------------------------------------------- */

static bool visit_tracked(void *arg, const struct gs_py_heap_object *o)
{
    struct builder *b = arg;
    uint16_t flags = GS_NODE_TRACKED;
    if (o->generation == GS_PY_GEN_PERMANENT)
        flags |= GS_NODE_FROZEN;
    else
        flags |= (uint16_t)(o->generation << GS_NODE_GEN_SHIFT);
    unsigned k = 0;
    while (k < 4 && (b->last_type_addr[k] != o->type || !o->type))
        k++;
    if (k == 4) {
        k = b->last_next++ & 3;
        b->last_type[k] = gs_py_types_get(&b->types, b->c, o->type);
        b->last_type_addr[k] = o->type;
    }
    uint32_t t = b->last_type[k];
    if (t == GS_PY_TYPE_BAD)
        flags |= GS_NODE_BAD;
    uint32_t hit = gs_nodeindex_get(&b->index, o->addr);
    if (hit != GS_NO_NODE) {
        /* The same object twice in the lists: memory is inconsistent. */
        b->flags[hit] |= GS_NODE_BAD;
        return true;
    }
    add_node(b, o->addr, t, flags);
    return !b->oom;
}

/* --- roots -------------------------------------------------------------- */

static void root_object(struct builder *b, uint64_t addr, uint32_t kind, const char *name)
{
    add_root(b, node_for(b, addr), kind, intern(b, name), 0);
}

struct module_roots {
    struct builder *b;
};

static bool visit_module(void *arg, uint64_t key, uint64_t value)
{
    struct builder *b = ((struct module_roots *)arg)->b;
    char name[256];
    if (!gs_py_str_utf8(b->c, key, name, sizeof name, NULL))
        snprintf(name, sizeof name, "?");
    root_object(b, value, GS_ROOT_MODULE, name);
    return !b->oom;
}

/* "thread 1234" (the kernel tid when the version records it). */
static void thread_label(const struct gs_py_thread *th, size_t index, char *buf, size_t cap)
{
    if (th->native_thread_id > 0)
        snprintf(buf, cap, "thread %lld", (long long)th->native_thread_id);
    else
        snprintf(buf, cap, "thread #%zu", index);
}

/* The function name of a code object, for root names. */
static void code_name(struct builder *b, uint64_t code, char *buf, size_t cap)
{
    const struct gs_py_layout *L = b->c->L;
    uint64_t s;
    int64_t off = gs_py_layout_has(L->code_qualname) ? L->code_qualname : L->code_name;
    if (!code || !gs_py_field_ptr(b->c, code, off, &s) || !gs_py_str_utf8(b->c, s, buf, cap, NULL))
        snprintf(buf, cap, "?");
}

/* <= 3.10: frame objects chained by f_back. Each is a node and a root. */
static void root_frame_objects(struct builder *b, const struct gs_py_thread *th, const char *tname)
{
    const struct gs_py_layout *L = b->c->L;
    uint64_t f;
    if (!gs_py_field_ptr(b->c, th->addr, L->tstate_frame, &f))
        return;
    for (int depth = 0; f && depth < MAX_FRAMES_PER_THREAD && !b->oom; depth++) {
        uint64_t code = 0;
        char fn[128], name[256];
        gs_py_field_ptr(b->c, f, L->frame_code, &code);
        code_name(b, code, fn, sizeof fn);
        snprintf(name, sizeof name, "%s %s()", tname, fn);
        root_object(b, f, GS_ROOT_FRAME, name);
        if (!gs_py_field_ptr(b->c, f, L->frame_back, &f))
            return;
    }
}

/* Remember which roots a frame's locals became, for the thread report. */
static void note_frame_roots(struct builder *b, uint64_t frame, uint64_t first)
{
    if (b->nframe_roots == b->cap_frame_roots) {
        size_t cap = b->cap_frame_roots ? b->cap_frame_roots * 2 : 64;
        struct gs_frame_roots *p = gs_try_reallocarray(b->frame_roots, cap, sizeof *p);
        if (!p) {
            b->oom = true;
            return;
        }
        b->frame_roots = p;
        b->cap_frame_roots = cap;
    }
    b->frame_roots[b->nframe_roots++] = (struct gs_frame_roots){frame, (uint32_t)first, (uint32_t)(b->nroots - first)};
}

/* 3.11+: interpreter frames chained by `previous`. A frame owned by the
 * thread is no object: what it holds becomes roots of kind "local". A frame
 * owned by a generator or a frame object roots that object instead. */
static void root_interpreter_frames(struct builder *b, const struct gs_py_thread *th, const char *tname)
{
    const struct gs_py_layout *L = b->c->L;
    uint64_t f = 0;
    if (gs_py_layout_has(L->tstate_current_frame)) {
        gs_py_field_ptr(b->c, th->addr, L->tstate_current_frame, &f);
    } else {
        uint64_t cframe;
        if (gs_py_field_ptr(b->c, th->addr, L->tstate_cframe, &cframe) && cframe)
            gs_py_field_ptr(b->c, cframe, L->cframe_current_frame, &f);
    }
    for (int depth = 0; f && depth < MAX_FRAMES_PER_THREAD && !b->oom; depth++) {
        uint8_t owner = 0;
        uint64_t code = 0, frame_obj = 0;
        char fn[128], name[256];
        gs_read_u8(b->c->r, f + (uint64_t)L->iframe_owner, &owner);
        gs_py_field_stackref(b->c, f, L->iframe_code, &code);
        gs_py_field_ptr(b->c, f, L->iframe_frame_obj, &frame_obj);
        code_name(b, code, fn, sizeof fn);
        snprintf(name, sizeof name, "%s %s()", tname, fn);
        if (gs_py_layout_has(L->iframe_owner_cstack) && owner >= L->iframe_owner_cstack) {
            /* A shim frame of the C stack (3.12+): holds nothing. */
        } else if (owner == L->iframe_owner_generator) {
            root_object(b, f - (uint64_t)L->gen_iframe, GS_ROOT_FRAME, name);
        } else {
            if (frame_obj)
                root_object(b, frame_obj, GS_ROOT_FRAME, name);
            if (owner == L->iframe_owner_thread) {
                b->current = GS_NO_NODE;
                b->root_kind = GS_ROOT_LOCAL;
                b->root_name = intern(b, name);
                uint64_t first = b->nroots;
                gs_py_iframe_roots(b->c, &b->types, f, depth == 0, &b->sink);
                note_frame_roots(b, f, first);
            }
        }
        if (!gs_py_field_ptr(b->c, f, L->iframe_previous, &f))
            return;
    }
}

static void collect_roots(struct builder *b)
{
    const struct gs_py_runtime *rt = &b->cap->rt;
    const struct gs_py_layout *L = b->c->L;
    /* Main interpreter first: it is last in the runtime's list. */
    for (size_t k = rt->ninterps; k-- > 0 && !b->oom;) {
        const struct gs_py_interp *in = &rt->interps[k];
        struct module_roots mr = {b};
        root_object(b, in->modules, GS_ROOT_MODULES, "sys.modules");
        if (in->modules)
            gs_py_dict_foreach(b->c, in->modules, visit_module, &mr);
        root_object(b, in->sysdict, GS_ROOT_SYSDICT, "sys.__dict__");
        root_object(b, in->builtins, GS_ROOT_BUILTINS, "builtins.__dict__");
        for (size_t t = 0; t < in->nthreads && !b->oom; t++) {
            char tname[64];
            thread_label(&in->threads[t], t, tname, sizeof tname);
            if (gs_py_layout_has(L->tstate_frame))
                root_frame_objects(b, &in->threads[t], tname);
            else
                root_interpreter_frames(b, &in->threads[t], tname);
        }
    }
}

/* --- decoding every node -------------------------------------------------- */

/* Node i's referents and preview in one visit: the object's memory is in
 * cache once, where a separate pass for previews would read every object
 * of the image again in node order (random addresses). Its size and count
 * come in the memory figures' visit (memory.h), after this pass's peak. */
static void decode_node(struct builder *b, uint64_t i)
{
    /* Decoders may add types (and so move the table): pass a copy. */
    struct gs_py_type_info t = b->types.v[b->type[i]];
    b->current = (uint32_t)i;
    enum gs_py_decode r = gs_py_referents(b->c, &b->types, b->addr[i], &t, &b->sink);
    flush_pending(b);
    if (r == GS_PY_DECODE_OPAQUE)
        b->flags[i] |= GS_NODE_OPAQUE;
    else if (r == GS_PY_DECODE_BAD)
        b->flags[i] |= GS_NODE_BAD;
    struct gs_py_emu_last how = gs_py_emu_last(b->c);
    b->flags[i] |= (uint16_t)((how.emulated ? GS_NODE_EMULATED : 0) | (how.inferred ? GS_NODE_INFERRED : 0) |
                              (how.unknown & 15) << GS_NODE_UNKNOWN_SHIFT);
    b->preview[i] = gs_preview(b->c, b->addr[i], &t, &b->strings);
}

/* The same for a node a decoding thread decoded: its records go through
 * the sink's steps in the order the decoder made them, so that nodes,
 * edges and strings come out as decode_node's would: weak references and
 * names first, in record order (as the sink takes them), then the strong
 * references resolved in order (as flush_pending does). Straight from the
 * records, without their copy into the pending list, and with each name's
 * hash computed by the thread. (A thread decodes only types the emulator
 * leaves alone: no emulated flags.) */
static void replay_node(struct builder *b, uint64_t i, struct gs_decode_job *j, const struct gs_decoded_node *d)
{
    b->current = (uint32_t)i;
    size_t first = d->first_ref, end = d[1].first_ref;
    for (size_t k = first; k < end && !b->oom; k++) {
        struct gs_decoded_ref *r = &j->refs[k];
        if (r->kind == GS_DECODED_WEAK) {
            take_weak(b, r->dst, r->dst_node);
            continue;
        }
        /* The record's name becomes the name's string id. */
        if (r->name) {
            struct gs_decoded_name h;
            memcpy(&h, j->text + r->name - 1 - sizeof h, sizeof h);
            r->name = gs_strpool_add_hashed(&b->strings, j->text + r->name - 1, h.len, h.hash);
        }
        prefetch_ref(b, r->dst, r->kind, r->num, r->dst_node, r->num_node);
    }
    for (size_t k = first; k < end && !b->oom; k++) {
        const struct gs_decoded_ref *r = &j->refs[k];
        if (r->kind != GS_DECODED_WEAK)
            resolve_ref(b, r->dst, r->kind, r->num, r->name, r->dst_node, r->num_node);
    }
    if (d->result == GS_PY_DECODE_OPAQUE)
        b->flags[i] |= GS_NODE_OPAQUE;
    else if (d->result == GS_PY_DECODE_BAD)
        b->flags[i] |= GS_NODE_BAD;
    b->preview[i] = d->preview_len ? gs_strpool_add_hashed(&b->strings, j->text + d->preview, d->preview_len,
                                                          d->preview_hash)
                                   : 0;
}

/* Hand the decoding threads the next runs of nodes that exist (from node
 * `from` on, where the builder is), with the types they may meet. */
static void issue_jobs(struct builder *b, uint64_t from)
{
    gs_decode_pool_publish_types(b->pool, b->c, &b->types);
    uint64_t start = gs_decode_pool_issued_end(b->pool);
    if (start < from)
        start = from;
    while (b->n - start >= GS_DECODE_JOB_NODES &&
           gs_decode_pool_issue(b->pool, start, GS_DECODE_JOB_NODES, b->addr + start, b->type + start))
        start += GS_DECODE_JOB_NODES;
}

/* Should a decoded job's buffers be freed as it comes back? Near the
 * referents' end (the build's peak), yes: once the jobs reach the nodes the
 * pass added itself (past pass_n0: objects the collector does not track,
 * mostly strings and numbers, with few references: the records of the
 * jobs before them would stay resident, unused), and once no whole job is
 * left to hand out. */
static bool job_give_back(const struct builder *b, const struct gs_decode_job *job)
{
    return job->first + job->count > b->pass_n0 || b->n - gs_decode_pool_issued_end(b->pool) < GS_DECODE_JOB_NODES;
}

static void decode_all(struct builder *b)
{
    struct gs_decode_job *job = NULL;
    b->pass_n0 = b->n;
    b->pass_m0 = b->nedges;
    for (uint64_t i = 0; i < b->n && !b->oom; i++) {
        b->pass_at = i;
        if (b->pool && (!job || i >= job->first + job->count)) {
            if (job)
                gs_decode_pool_release(b->pool, job, job_give_back(b, job));
            issue_jobs(b, i);
            job = gs_decode_pool_next(b->pool, i);
        }
        if (!store32(b->out_off32, &b->out_off_wide, &b->nout_off_wide, &b->cap_out_off_wide, (uint32_t)i, b->nedges,
                     false))
            b->oom = true;
        b->preview[i] = 0;
        if (gs_signal_pending)
            break;
        if (b->type[i] == GS_PY_TYPE_BAD)
            continue;
        const struct gs_decoded_node *d = job ? &job->nodes[i - job->first] : NULL;
        /* The string pool's slots are random reads: start the one of a
         * preview a few nodes ahead. */
        if (d && i + PREVIEW_AHEAD < job->first + job->count && d[PREVIEW_AHEAD].preview_len)
            gs_strpool_prefetch(&b->strings, d[PREVIEW_AHEAD].preview_hash);
        if (d && d->done)
            replay_node(b, i, job, d);
        else
            decode_node(b, i);
    }
    b->pass_at = 0;
    if (job)
        gs_decode_pool_release(b->pool, job, job_give_back(b, job));
    if (!store32(b->out_off32, &b->out_off_wide, &b->nout_off_wide, &b->cap_out_off_wide, (uint32_t)b->n, b->nedges,
                 false))
        b->oom = true;
}

/* --- type facts ---------------------------------------------------------- */

/* Finalizers, as the cycle report needs them: __del__ in a class of the
 * type's MRO (Python sets tp_finalize to slot_tp_finalize for those), a C
 * tp_finalize, or a legacy tp_del. */
static uint32_t type_facts(const struct gs_py_ctx *c, const struct gs_py_type_info *t)
{
    const struct gs_py_layout *L = c->L;
    uint32_t facts = 0;
    uint64_t p;
    if (t->addr == 0)
        return 0;
    if (t->heaptype)
        facts |= GS_TYPE_HEAPTYPE;
    if (gs_py_field_ptr(c, t->addr, L->type_finalize, &p) && p)
        facts |= GS_TYPE_FINALIZE;
    if (gs_py_field_ptr(c, t->addr, L->type_del, &p) && p)
        facts |= GS_TYPE_LEGACY_DEL;
    uint64_t type = t->addr;
    for (int depth = 0; type && depth < 64; depth++) {
        uint64_t flags, dict, del;
        if (!gs_py_type_flags(c, type, &flags) || !(flags & (uint64_t)L->flag_heaptype))
            break; /* C types define no __del__ */
        if (gs_py_field_ptr(c, type, L->type_dict, &dict) && dict && gs_py_dict_get_str(c, dict, "__del__", &del)) {
            facts |= GS_TYPE_PY_DEL;
            break;
        }
        if (!gs_py_field_ptr(c, type, L->type_base, &type))
            break;
    }
    return facts;
}

/* --- finishing: reverse edges, counts, external roots, address index ----- */

/* --- resources and descriptors -------------------------------------------- */

static uint32_t intern_n(struct builder *b, const char *s) { return s && s[0] ? intern(b, s) : 0; }

/* Objects that own a descriptor, a mapping or a child process, and the
 * descriptors the process had, each joined to the object that owns it. */
static gs_status collect_resources(struct builder *b, struct gs_snapshot *s, gs_error *err)
{
    size_t cap = 0;
    /* Whether a type may be a resource is asked once per type, not per node. */
    size_t ntypes = b->types.n;
    bool *may = gs_try_reallocarray(NULL, ntypes ? ntypes : 1, sizeof *may);
    if (!may)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing resources");
    for (size_t t = 0; t < ntypes; t++)
        may[t] = t != GS_PY_TYPE_BAD && gs_py_resource_type(&b->types.v[t]);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        if (s->type[i] >= ntypes || !may[s->type[i]])
            continue;
        struct gs_py_resource_info info;
        if (!gs_py_resource_decode(b->c, s->addr[i], &b->types.v[s->type[i]], &info))
            continue;
        if (s->nresources == cap) {
            cap = cap ? cap * 2 : 64;
            struct gs_resource *p = gs_try_reallocarray(s->resources, cap, sizeof *p);
            if (!p) {
                free(may);
                return gs_fail(err, GS_ERR_NOMEM, "out of memory listing resources");
            }
            s->resources = p;
        }
        s->resources[s->nresources++] = (struct gs_resource){
            .node = (uint32_t)i,
            .kind = (uint32_t)info.kind,
            .fd = info.fd,
            .pid = info.pid,
            .size = info.size,
            .name = intern_n(b, info.name),
            .mode = intern_n(b, info.mode),
            .closed = info.closed,
            .detail = intern_n(b, info.detail),
        };
    }
    free(may);
    const struct gs_capture *cap_ = b->cap;
    s->fds = gs_try_reallocarray(NULL, cap_->nfds ? cap_->nfds : 1, sizeof *s->fds);
    if (!s->fds)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing file descriptors");
    s->nfds = cap_->nfds;
    for (size_t i = 0; i < cap_->nfds; i++) {
        const struct gs_fd_entry *e = &cap_->fds[i];
        uint32_t owner = GS_NO_NODE;
        /* The owner is an open resource object with that descriptor (the
         * first found: a descriptor shared by several shows in the report). */
        for (uint64_t r = 0; r < s->nresources && owner == GS_NO_NODE; r++)
            if (!s->resources[r].closed && s->resources[r].fd == e->fd)
                owner = s->resources[r].node;
        s->fds[i] = (struct gs_fd){
            .fd = e->fd,
            .kind = (uint32_t)e->kind,
            .target = intern_n(b, e->target),
            .detail = intern_n(b, e->detail),
            .pos = e->pos,
            .flags = e->flags,
            .owner = owner,
        };
    }
    return GS_OK;
}

static void *free_image(void *img)
{
    gs_image_free(img);
    return NULL;
}

/* Shrink an array of cap elements to the n it holds (at least one). The
 * prefault helper and huge pages leave up to a few MiB resident past the
 * last element of each array; big arrays are mappings of their own
 * (util/alloc.h), so shrinking one unmaps its tail. Kept as is when that
 * fails. */
static void trim(void **arr, uint64_t n, size_t elem)
{
    void *p = *arr ? gs_try_reallocarray(*arr, (size_t)(n ? n : 1), elem) : NULL;
    if (p)
        *arr = p;
}

/* No node or edge is added after the referents: give back what the
 * arrays hold past their ends before the address order, the memory
 * figures and the widening take new memory beside the copy. */
static void trim_arrays(struct builder *b, struct gs_snapshot *s)
{
    gs_prefault_quiet(b->prefault); /* the arrays may move */
    uint64_t n = b->n, m = b->nedges;
    trim((void **)&s->addr, n, sizeof *s->addr);
    trim((void **)&s->type, n, sizeof *s->type);
    trim((void **)&s->flags, n, sizeof *s->flags);
    trim((void **)&s->preview, n, sizeof *s->preview);
    trim((void **)&s->out_dst, m, sizeof *s->out_dst);
    trim((void **)&s->out_label, m, sizeof *s->out_label);
    trim((void **)&b->out_off32, n + 1, sizeof *b->out_off32);
    b->cap_nodes = n;
    b->cap_edges = m;
}

static gs_status finish(struct builder *b, struct gs_snapshot *s, gs_error *err)
{
    gs_status st;
    uint64_t n = b->n, m = b->nedges;
    s->nobjects = n;
    s->nedges = m;
    s->addr = b->addr;
    s->type = b->type;
    s->flags = b->flags;

    s->preview = b->preview;
    s->out_dst = b->out_dst;
    s->out_label = b->out_label;
    s->weak_src = b->weak_src;
    s->weak_dst = b->weak_dst;
    s->nweak = b->nweak;
    b->addr = NULL;
    b->type = NULL;
    b->flags = NULL;

    b->preview = NULL;
    b->out_dst = b->out_label = NULL;
    b->weak_src = b->weak_dst = NULL;
    if (!s->out_dst)
        s->out_dst = gs_xcalloc(1, sizeof *s->out_dst);
    if (!s->out_label)
        s->out_label = gs_xcalloc(1, sizeof *s->out_label);

    /* Address order first: it reads the node index, which goes next. */
    trim_arrays(b, s);
    s->by_addr = gs_try_reallocarray(NULL, (size_t)(n ? n : 1), sizeof *s->by_addr);
    if (!s->by_addr || !gs_nodeindex_take_order(&b->index, s->addr, s->by_addr, (size_t)n))
        return gs_fail(err, GS_ERR_NOMEM, "out of memory sorting %llu addresses", (unsigned long long)n);
    gs_nodeindex_free(&b->index);
    gs_addrmap_free(&b->attr_names);
    /* What the referents' pass freed in malloc's heap and arenas (the
     * index's far map, the pending references, the decoders' leftovers:
     * 3 MiB at 3M objects) goes back before the memory figures' peak. */
    (void)malloc_trim(0);
    gs_phase_mark(&b->phases, "address order");

    /* The last readers of the image. */
    if ((st = collect_resources(b, s, err)) != GS_OK ||
        (st = gs_threads_build(b->cap, s, &b->strings, b->frame_roots, b->nframe_roots, err)) != GS_OK)
        return st;
    gs_phase_mark(&b->phases, "resources");
    /* Types: names and modules into the string pool (before the memory
     * figures, which intern the last strings: memory.h). */
    s->ntypes = b->types.n;
    s->types = gs_xcalloc((size_t)s->ntypes, sizeof *s->types);
    for (size_t t = 0; t < b->types.n; t++) {
        const struct gs_py_type_info *ti = &b->types.v[t];
        s->types[t] = (struct gs_snap_type){
            .addr = ti->addr,
            .flags = ti->flags,
            .name = intern(b, ti->name),
            .module = intern(b, ti->module),
            .kind = (uint32_t)ti->kind,
            .facts = type_facts(b->c, ti),
        };
    }
    gs_phase_mark(&b->phases, "types");
    /* The memory figures' visit reads the counts and sizes too (memory.h). */
    b->facts.refcnt_lo = gs_try_reallocarray(NULL, (size_t)(n ? n : 1), sizeof *b->facts.refcnt_lo);
    b->facts.size_lo = gs_try_reallocarray(NULL, (size_t)(n ? n : 1), sizeof *b->facts.size_lo);
    if (!b->facts.refcnt_lo || !b->facts.size_lo)
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing the sizes of %llu objects", (unsigned long long)n);
    if ((st = gs_memory_build(b->cap, s, &b->types, &b->facts, &b->strings, err)) != GS_OK)
        return st;
    gs_phase_mark(&b->phases, "memory");
    /* Nothing reads the target's memory from here on (see build.h). Its
     * unmapping (a kernel walk over every page of the copy: 300 ms for 1.4
     * GB) runs on a thread of its own while this one goes on; it gives pages
     * back faster than the arrays below take new ones. */
    pthread_t unmapper;
    bool unmapping = false;
    if (!b->keep_image) {
        unmapping = gs_decode_threads() > 1 && pthread_create(&unmapper, NULL, free_image, b->cap->image) == 0;
        if (!unmapping)
            gs_image_free(b->cap->image);
        b->cap->image = NULL;
    }
    const char *failed = NULL;
    if (!(s->size = widen((void **)&b->facts.size_lo, sizeof *b->facts.size_lo, &b->facts.size_wide,
                          b->facts.nsize_wide, n, false)))
        failed = "listing the sizes";
    else if (!(s->refcnt = (int64_t *)widen((void **)&b->facts.refcnt_lo, sizeof *b->facts.refcnt_lo,
                                            &b->facts.refcnt_wide, b->facts.nrefcnt_wide, n, true)))
        failed = "listing the reference counts";
    else if (!(s->out_off = widen((void **)&b->out_off32, sizeof *b->out_off32, &b->out_off_wide, b->nout_off_wide,
                                  n + 1, false)))
        failed = "listing the edges";
    if (!failed) {
        s->in_off = gs_try_reallocarray(NULL, (size_t)n + 1, sizeof *s->in_off);
        s->in_src = gs_try_reallocarray(NULL, (size_t)(m ? m : 1), sizeof *s->in_src);
        /* Zero when allocated (fresh pages): the referrers are counted in it. */
        s->explained = calloc((size_t)(n ? n : 1), sizeof *s->explained);
        gs_advise_huge(s->explained, (size_t)n * sizeof *s->explained);
        if (!s->in_off || !s->in_src || !s->explained)
            failed = "building the reverse edges";
    }
    if (failed) {
        if (unmapping)
            pthread_join(unmapper, NULL);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory %s of %llu objects", failed, (unsigned long long)n);
    }
    /* Reverse rows by counting: each node's referrers are counted in
     * explained[] (4 bytes a node, already zero: where counting in in_off
     * took a pass clearing twice that, and random increments over twice the
     * bytes), then in_off[d] (the prefix sums) is the cursor where d's next
     * one goes; after the fill each cursor stands at its row's end, which
     * is the next row's start: one shift makes the offsets (no cursor
     * array: one 8-byte array per node fewer to fault in). With 2^32 edges
     * or more a count could pass 32 bits: counted in in_off then. */
    if (m <= UINT32_MAX)
        for (uint64_t e = 0; e < m; e++)
            s->explained[s->out_dst[e]]++;
    /* in_src and in_off (4 bytes an edge and 8 a node) are faulted in once
     * the copy is gone: faulted in while it was being unmapped, they were
     * resident beside most of it, the build's peak at 3M objects and more
     * (the counting above runs during the unmapping instead). */
    if (unmapping)
        pthread_join(unmapper, NULL);
    unmapping = false;
    /* The helper faults in what is written last while this thread sums. */
    gs_prefault_range(b->prefault, s->in_src, (size_t)m * sizeof *s->in_src);
    gs_prefault_range(b->prefault, s->in_off, ((size_t)n + 1) * sizeof *s->in_off);
    if (m <= UINT32_MAX) {
        uint64_t sum = 0;
        for (uint64_t i = 0; i < n; i++) {
            s->in_off[i] = sum;
            sum += s->explained[i];
        }
    } else {
        memset(s->in_off, 0, ((size_t)n + 1) * sizeof *s->in_off);
        for (uint64_t e = 0; e < m; e++)
            s->in_off[s->out_dst[e] + 1]++;
        for (uint64_t i = 0; i < n; i++) {
            s->explained[i] = s->in_off[i + 1] > UINT32_MAX ? UINT32_MAX : (uint32_t)s->in_off[i + 1];
            s->in_off[i + 1] += s->in_off[i];
        }
    }
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t e = s->out_off[i]; e < s->out_off[i + 1]; e++)
            s->in_src[s->in_off[s->out_dst[e]]++] = (uint32_t)i;
    memmove(s->in_off + 1, s->in_off, (size_t)n * sizeof *s->in_off);
    s->in_off[0] = 0;
    gs_prefault_quiet(b->prefault);
    /* The value hashes were listed by node while the copy was held. */
    if (!gs_memory_spread_content(s, &b->facts))
        return gs_fail(err, GS_ERR_NOMEM, "out of memory listing the values of %llu objects", (unsigned long long)n);
    gs_phase_mark(&b->phases, "reverse edges");

    /* Held-from-outside roots. */
    for (uint64_t i = 0; i < n; i++) {
        if (!(s->flags[i] & GS_NODE_IMMORTAL) && s->refcnt[i] > (int64_t)s->explained[i]) {
            int64_t extra = s->refcnt[i] - (int64_t)s->explained[i];
            add_root(b, (uint32_t)i, GS_ROOT_EXTERNAL, 0, extra > UINT32_MAX ? UINT32_MAX : (uint32_t)extra);
        }
    }
    for (uint64_t r = 0; r < b->nroots; r++)
        s->flags[b->roots[r].node] |= GS_NODE_ROOT;
    s->roots = b->roots;
    s->nroots = b->nroots;
    b->roots = NULL;
    gs_phase_mark(&b->phases, "outside roots");
    s->strings = gs_strpool_take(&b->strings, &s->strings_len);
    return GS_OK;
}

static void fill_meta(const struct gs_capture *cap, struct gs_snap_meta *m)
{
    const struct gs_image_stats *is = gs_image_stats(cap->image);
    snprintf(m->python, sizeof m->python, "%.31s", cap->version);
    snprintf(m->python_build, sizeof m->python_build, "%.159s", cap->rt.version_full);
    snprintf(m->binary, sizeof m->binary, "%.255s", cap->loc.binary);
    bool debug = strchr(cap->rt.abiflags, 'd') != NULL;
    snprintf(m->build, sizeof m->build, "%s%s%s", cap->rt.free_threaded ? "free-threaded" : "",
             cap->rt.free_threaded && debug ? " " : "", debug ? "debug" : "");
    if (cap->choice.incremental_gc) { /* 3.14.0-3.14.4 (py/choose.h) */
        size_t n = strlen(m->build);
        snprintf(m->build + n, sizeof m->build - n, "%sincremental-GC", n ? " " : "");
    }
    if (gethostname(m->hostname, sizeof m->hostname) != 0)
        m->hostname[0] = '\0';
    m->hostname[sizeof m->hostname - 1] = '\0';
    m->pid = cap->pid;
    m->captured_at = (double)time(NULL);
    m->pause_ms = cap->pause_seconds * 1e3;
    m->copy_ms = cap->copy_seconds * 1e3;
    m->capture_ms = (cap->ready - cap->started) * 1e3;
    m->floor_ms = cap->floor_seconds < 0 ? -1 : cap->floor_seconds * 1e3;
    m->floor_bytes = cap->floor_bytes;
    m->copied_bytes = is->bytes_read;
    m->unreadable_pages = is->bad_pages;
    m->attempts = cap->attempts;
    m->threads_stopped = (int32_t)cap->threads_stopped;
    m->target_was_stopped = cap->was_stopped;
    size_t k = 0;
    for (size_t i = cap->rt.ninterps; i-- > 0 && k < GS_MAX_INTERPRETERS; k++) {
        const struct gs_py_interp *in = &cap->rt.interps[i];
        struct gs_snap_interp *si = &m->interps[k];
        si->id = in->id;
        si->gc_enabled = in->gc.enabled;
        si->gc_collecting = in->gc.collecting;
        for (int g = 0; g < 3; g++) {
            si->thresholds[g] = in->gc.thresholds[g];
            si->counts[g] = in->gc.counts[g];
        }
        si->gc_debug = in->gc.debug;
        si->nthreads = (int32_t)in->nthreads;
        si->garbage_node = GS_NO_NODE;
    }
    m->ninterps = (int32_t)k;
}

/* Text from a core (its command line, file names) reaches terminals: bytes
 * that are not printable ASCII become '?'. */
static void printable_copy(char *dst, size_t cap, const char *src)
{
    size_t n = 0;
    for (; src[n] && n + 1 < cap; n++)
        dst[n] = src[n] >= 0x20 && src[n] < 0x7f ? src[n] : '?';
    dst[n] = '\0';
}

/* A snapshot of a core says so, with what the core told and lacked. */
static void fill_core(const struct gs_capture *cap, struct gs_snapshot *s)
{
    if (!cap->core)
        return;
    const struct gs_core_info *info = gs_core_info(cap->core);
    struct gs_snap_core *c = gs_xcalloc(1, sizeof *c);
    printable_copy(c->path, sizeof c->path, gs_core_path(cap->core));
    printable_copy(c->exe, sizeof c->exe, info->exe);
    printable_copy(c->cmdline, sizeof c->cmdline, info->psargs);
    printable_copy(c->comm, sizeof c->comm, info->fname);
    c->signo = info->signo;
    c->si_code = info->si_code;
    c->fault_addr = info->fault_addr;
    c->bytes_missing = info->bytes_missing;
    c->bytes_unavailable = info->bytes_unavailable;
    c->bytes_from_files = info->bytes_from_files;
    c->segments_truncated = (int32_t)info->segments_truncated;
    c->nthreads = (int32_t)cap->nnative;
    s->core = c;
}

static void builder_free(struct builder *b)
{
    gs_prefault_free(b->prefault); /* first: it may be faulting in the arrays */
    gs_py_types_free(&b->types);
    gs_nodeindex_free(&b->index);
    gs_addrmap_free(&b->attr_names);
    gs_strpool_free(&b->strings);
    free(b->addr);
    free(b->type);
    free(b->flags);
    free(b->facts.refcnt_lo);
    free(b->facts.refcnt_wide);
    free(b->facts.size_lo);
    free(b->facts.size_wide);
    for (size_t k = 0; k < GS_MEMORY_PARTS; k++)
        free(b->facts.content[k]);
    free(b->preview);
    free(b->out_off32);
    free(b->out_off_wide);
    free(b->out_dst);
    free(b->out_label);
    free(b->weak_src);
    free(b->weak_dst);
    free(b->roots);
    free(b->pending);
    free(b->frame_roots);
}

gs_status gs_graph_build(struct gs_capture *cap, struct gs_snapshot **out, gs_error *err)
{
    return gs_graph_build_opts(cap, NULL, out, err);
}

gs_status gs_graph_build_opts(struct gs_capture *cap, const struct gs_build_opts *opts, struct gs_snapshot **out,
                              gs_error *err)
{
    double t0 = gs_now();
    struct builder b = {0};
    b.keep_image = opts && opts->keep_image;
    b.sink.strong = sink_strong;
    b.sink.weak = sink_weak;
    b.cap = cap;
    /* The decoders' context, with the emulated traverse for compiled types. */
    struct gs_py_ctx ctx = cap->rt.ctx;
    const char *emu_why = NULL;
    bool emu_reported = false;
    ctx.emu = gs_py_emu_new(gs_image_reader(cap->image), &cap->maps, cap->emu_files, &emu_why);
    b.c = &ctx;
    b.current = GS_NO_NODE;
    gs_phases_start(&b.phases);
    /* Another thread takes the page faults of the arrays (one thread: none). */
    b.prefault = gs_decode_threads() > 1 ? gs_prefault_new() : NULL;
    gs_py_types_init(&b.types);
    gs_nodeindex_init(&b.index, cap->image);
    gs_addrmap_init(&b.attr_names);
    gs_strpool_init(&b.strings);
    struct gs_snapshot *s = gs_xcalloc(1, sizeof *s);
    fill_meta(cap, &s->meta);
    fill_core(cap, s);

    struct gs_py_heap_stats hs;
    uint64_t max_objects = gs_image_stats(cap->image)->bytes / 32 + 1;
    gs_status st = gs_py_heap_walk(&cap->rt, max_objects, visit_tracked, &b, &hs, err);
    s->meta.broken_lists = hs.broken_lists;
    if (st == GS_OK && b.n == 0)
        st = gs_fail(err, GS_ERR_CORRUPT,
                     "no object in the collector's lists%s: the interpreter is starting up or exiting",
                     hs.broken_lists ? " (they were being changed)" : "");
    gs_phase_mark(&b.phases, "collector lists");
    if (st == GS_OK) {
        collect_roots(&b);
        gs_phase_mark(&b.phases, "roots");
        /* gc.garbage, so that reports can show it. */
        for (int32_t k = 0; k < s->meta.ninterps; k++) {
            const struct gs_py_interp *in = &cap->rt.interps[cap->rt.ninterps - 1 - (size_t)k];
            if (in->gc.garbage)
                s->meta.interps[k].garbage_node = node_for(&b, in->gc.garbage);
        }
        gs_py_emu_prepare(b.c, &b.types, b.addr, b.type, (size_t)b.n);
        gs_phase_mark(&b.phases, "emulated traverse");
        b.pool = gs_decode_pool_new(gs_decode_threads(), cap->image, ctx.L, &b.index);
        decode_all(&b);
        gs_decode_pool_free(b.pool);
        b.pool = NULL;
        /* Nothing decodes referents after this pass: the emulator's engines
         * and the memory it mapped go before the address order and the
         * memory figures take theirs. */
        gs_py_emu_report_stats(ctx.emu, emu_why);
        gs_py_emu_free(ctx.emu);
        ctx.emu = NULL;
        emu_reported = true;
        gs_phase_mark(&b.phases, "referents");
        if (gs_signal_pending)
            st = gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d while building the graph",
                         (int)gs_signal_pending);
        else if (b.oom)
            st = gs_fail(err, GS_ERR_NOMEM, "out of memory building the graph after %llu objects",
                         (unsigned long long)b.n);
    }
    if (st == GS_OK) {
        s->meta.bad_edges = b.bad_edges;
        st = finish(&b, s, err);
    }
    if (!emu_reported) /* the build stopped before the referents' end */
        gs_py_emu_report_stats(ctx.emu, emu_why);
    gs_py_emu_free(ctx.emu);
    builder_free(&b);
    gs_phase_mark(&b.phases, "free");
    if (st != GS_OK) {
        gs_snapshot_free(s);
        return st;
    }
    s->meta.build_ms = (gs_now() - t0) * 1e3;
    *out = s;
    return GS_OK;
}
