/* suspects.c: --dump-suspects, likely leaks, ranked by the bytes they keep
 * alive and each explained in one sentence (in the spirit of Eclipse MAT's
 * leak-suspects report, with the patterns Python programs leak with).
 *
 * The heap below is the reachable heap (sys.getsizeof bytes of everything
 * a root reaches); "retains" is the object's retained size (analysis.h).
 * The patterns, and when an object is a suspect:
 *
 *   large_global      an object bound to a module global, a class attribute
 *                     or an attribute of an object in a global, whose own
 *                     size is >= LARGE_BYTES, or >= SHARE_PERCENT of the
 *                     heap and >= FLOOR_BYTES; a container only when its
 *                     items keep <= LEAF_ITEM_BYTES each alive on average
 *                     (a table of numbers), else it is a container suspect.
 *   global_container  a list, dict, set or deque bound the same way (not in
 *   class_attribute   a class: global_container; in a class's __dict__:
 *                     class_attribute) that retains >= FLOOR_BYTES and
 *                     either >= SHARE_PERCENT of the heap, or >= 1% with
 *                     >= CONTAINER_ITEMS items: the cache or registry that
 *                     only grows (a static table of 500 strs is not).
 *   mutable_default   a list, dict, set or deque in a function's
 *                     __defaults__ or __kwdefaults__ with >= DEFAULT_ITEMS
 *                     items, or retaining >= 1% of the heap and
 *                     >= FLOOR_BYTES.
 *   callbacks         any list, dict, set or deque of which >= half the
 *                     items and >= CALLBACK_METHODS are bound methods, whose
 *                     objects (__self__) it alone keeps alive for at least
 *                     CALLBACK_KEPT of them.
 *   cyclic_garbage    objects the collector would free (gs_garbage_compute),
 *                     when the collector is disabled (any amount), or when
 *                     they are >= SHARE_PERCENT of the heap.
 *
 * An object that fits several patterns is reported once, under the most
 * specific (callbacks, mutable_default, large_global, then the containers).
 * Names come from the bindings that hold the object ("__main__.CACHE",
 * "__main__.Registry.items"), preferring the one on its shortest path from
 * a root, which is printed too. Ranking: retained bytes, then the pattern,
 * then the address, so that it is stable; at most SUSPECTS_MAX.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "py/kinds.h"
#include "report/allocations.h"
#include "report/report.h"
#include "report/table.h"
#include "util/text.h"
#include "report/suspects.h"
#include "util/alloc.h"
#include "util/strbuf.h"
#include "util/sort.h"

#define SHARE_PERCENT 5             /* of the reachable heap */
#define FLOOR_BYTES (64u << 10)     /* nothing smaller is a suspect (bar garbage and defaults' items) */
#define LARGE_BYTES (1u << 20)      /* an object this large by itself */
#define CONTAINER_ITEMS 500
#define LEAF_ITEM_BYTES 64          /* retained per item up to which a large container is a large object */
#define DEFAULT_ITEMS 50
#define CALLBACK_METHODS 20
#define CALLBACK_KEPT 10
#define CALLBACK_SELF_DEPTH 3       /* __self__ is kept alive by the container within this many idom steps */
#define SUSPECTS_MAX 50
#define GARBAGE_TYPES 8             /* the garbage's largest types listed */
#define GARBAGE_MEMBERS 1000        /* garbage addresses listed in JSON */
#define PATH_CAP 256
#define NAME_CAP 512
#define NONE UINT32_MAX

#define SUSPECT_KINDS(X)                                 \
    X(SUS_CALLBACKS, "callbacks")                        \
    X(SUS_MUTABLE_DEFAULT, "mutable_default")            \
    X(SUS_LARGE_GLOBAL, "large_global")                  \
    X(SUS_CLASS_ATTRIBUTE, "class_attribute")            \
    X(SUS_GLOBAL_CONTAINER, "global_container")          \
    X(SUS_CYCLIC_GARBAGE, "cyclic_garbage")

/* In order of precedence: an object fitting two patterns gets the first. */
enum sus_kind {
#define SUS_ENUM(k, name) k,
    SUSPECT_KINDS(SUS_ENUM)
#undef SUS_ENUM
};

static const char *const kind_names[] = {
#define SUS_NAME(k, name) [k] = name,
    SUSPECT_KINDS(SUS_NAME)
#undef SUS_NAME
};

struct suspect {
    enum sus_kind kind;
    uint32_t node;          /* NONE for cyclic garbage */
    uint64_t addr;          /* its address (0 for garbage), the last key of the ranking */
    uint64_t retained;
    int64_t items;          /* a container's items, -1 otherwise */
    uint64_t methods, kept; /* callbacks: bound methods, objects they alone keep alive */
    uint32_t function;      /* mutable_default: the function */
    char name[NAME_CAP];
};

/* How an object is bound: the edge `edge` from `src` (a module's or a
 * class's __dict__, or an object in a global) to `node`. */
enum scope { SCOPE_GLOBAL, SCOPE_CLASS };

struct binding {
    uint32_t node, src;
    uint64_t edge;
    uint32_t order;         /* in enumeration order, for a stable choice */
    enum scope scope;
    uint32_t prefix;        /* in the report's prefixes: "__main__", "__main__.Registry", "__main__.app" */
};

struct garbage_type {
    uint32_t type;
    uint64_t count, bytes;
};

struct sus_report {
    const struct gs_dominators *d; /* the analyses: graph/analyses.h's */
    const struct gs_paths *p;
    const uint8_t *garbage;
    uint64_t reachable_bytes, reachable_objects;
    uint64_t garbage_objects, garbage_bytes;
    uint64_t unreachable_bytes; /* what collecting the garbage frees: no root reaches it */
    bool gc_disabled;
    struct garbage_type garbage_types[GARBAGE_TYPES];
    size_t ngarbage_types;
    struct binding *bind;   /* sorted by node */
    size_t nbind, bind_cap;
    gs_strbuf prefixes;     /* NUL-separated, one per module, class or object in a global */
    struct suspect *sus;
    size_t nsus, sus_cap;
};

/* --- what an object is ---------------------------------------------------- */

static bool is_mutable_container(uint32_t k)
{
    return k == GS_PYK_LIST || k == GS_PYK_DICT || k == GS_PYK_ODICT || k == GS_PYK_SET || k == GS_PYK_DEQUE;
}

/* The label kind of a container's items: [i] for sequences, ['key'] for
 * dicts, <member> for sets; NONE when it is no container. */
static int item_label(uint32_t k)
{
    switch (k) {
    case GS_PYK_LIST:
    case GS_PYK_TUPLE:
    case GS_PYK_DEQUE:
        return GS_LABEL_INDEX;
    case GS_PYK_DICT:
    case GS_PYK_ODICT:
        return GS_LABEL_VALUE;
    case GS_PYK_SET:
    case GS_PYK_FROZENSET:
        return GS_LABEL_MEMBER;
    default:
        return -1;
    }
}

static bool is_item(const struct gs_snapshot *s, uint64_t e, int want)
{
    return want >= 0 && (int)gs_label_kind_of(s->out_label[e]) == want;
}

/* The first reference of node named `.name` (a field or an attribute). */
static uint32_t field(const struct gs_snapshot *s, uint32_t node, const char *name)
{
    for (uint64_t e = s->out_off[node]; e < s->out_off[node + 1]; e++) {
        uint32_t l = s->out_label[e];
        enum gs_label_kind k = gs_label_kind_of(l);
        if ((k == GS_LABEL_FIELD || k == GS_LABEL_ATTR) &&
            strcmp(gs_snapshot_string(s, gs_label_payload(l)), name) == 0)
            return s->out_dst[e] < s->nobjects ? s->out_dst[e] : NONE;
    }
    return NONE;
}

/* A str object's text without its quotes, or its preview, or "<type>". */
static void text_of(const struct gs_snapshot *s, uint32_t node, char *buf, size_t cap)
{
    const char *p = node < s->nobjects ? gs_snapshot_string(s, s->preview[node]) : "";
    size_t n = strlen(p);
    if (node < s->nobjects && gs_snapshot_kind(s, node) == GS_PYK_STR && n >= 2 && p[0] == '\'' && p[n - 1] == '\'')
        snprintf(buf, cap, "%.*s", (int)(n - 2), p + 1);
    else if (n)
        snprintf(buf, cap, "%s", p);
    else if (node < s->nobjects)
        snprintf(buf, cap, "<%s>", gs_snapshot_string(s, s->types[s->type[node]].name));
    else
        snprintf(buf, cap, "?");
}

/* How edge e names its target after its source: "CACHE" for a dict's
 * str key, "[3]" for others, "items" for an attribute. */
static void edge_name(const struct gs_snapshot *s, uint64_t e, char *buf, size_t cap)
{
    uint32_t l = s->out_label[e];
    switch (gs_label_kind_of(l)) {
    case GS_LABEL_VALUE: {
        uint32_t key = gs_label_payload(l);
        if (key < s->nobjects && gs_snapshot_kind(s, key) == GS_PYK_STR) {
            text_of(s, key, buf, cap);
            return;
        }
        break;
    }
    case GS_LABEL_ATTR:
    case GS_LABEL_FIELD:
        snprintf(buf, cap, "%s", gs_snapshot_string(s, gs_label_payload(l)));
        return;
    default:
        break;
    }
    gs_snapshot_label(s, l, buf, cap);
}

/* Does `holder` keep `node` alive by itself (within a few idom steps)? */
static bool kept_by(const struct gs_dominators *d, uint32_t node, uint32_t holder)
{
    for (int i = 0; i < CALLBACK_SELF_DEPTH && node != GS_VIRTUAL_ROOT; i++) {
        node = d->idom[node];
        if (node == holder)
            return true;
    }
    return false;
}

static const char *plural(uint64_t n) { return n == 1 ? "" : "s"; }

static double share(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* part >= p percent of whole, without overflow */
static bool at_least_percent(uint64_t part, uint64_t whole, unsigned p)
{
    return part >= whole / 100 * p + whole % 100 * p / 100;
}

/* --- bindings: module globals, class attributes, attributes of globals ---- */

static uint32_t prefix_add(struct sus_report *r, const char *prefix)
{
    uint32_t at = (uint32_t)r->prefixes.len;
    gs_strbuf_add(&r->prefixes, prefix, strlen(prefix) + 1);
    return at;
}

static const char *prefix_of(const struct sus_report *r, const struct binding *b)
{
    return r->prefixes.buf + b->prefix;
}

static void bind_add(struct sus_report *r, uint32_t node, uint32_t src, uint64_t edge, enum scope scope,
                     uint32_t prefix)
{
    if (r->nbind == r->bind_cap) {
        r->bind_cap = r->bind_cap ? 2 * r->bind_cap : 256;
        r->bind = gs_xreallocarray(r->bind, r->bind_cap, sizeof *r->bind);
    }
    struct binding *b = &r->bind[r->nbind];
    b->node = node;
    b->src = src;
    b->edge = edge;
    b->order = (uint32_t)r->nbind++;
    b->scope = scope;
    b->prefix = prefix;
}

/* Every item of a namespace dict, or attribute of an object: its inline
 * attributes (3.11+) and the items of its __dict__. */
static void bind_dict(const struct gs_snapshot *s, struct sus_report *r, uint32_t dict, enum scope scope,
                      uint32_t prefix)
{
    for (uint64_t e = s->out_off[dict]; e < s->out_off[dict + 1]; e++)
        if (gs_label_kind_of(s->out_label[e]) == GS_LABEL_VALUE && s->out_dst[e] < s->nobjects)
            bind_add(r, s->out_dst[e], dict, e, scope, prefix);
}

static void bind_attributes(const struct gs_snapshot *s, struct sus_report *r, uint32_t obj, uint32_t prefix)
{
    for (uint64_t e = s->out_off[obj]; e < s->out_off[obj + 1]; e++)
        if (gs_label_kind_of(s->out_label[e]) == GS_LABEL_ATTR && s->out_dst[e] < s->nobjects)
            bind_add(r, s->out_dst[e], obj, e, SCOPE_GLOBAL, prefix);
    uint32_t dict = field(s, obj, "__dict__");
    if (dict != NONE && gs_snapshot_kind(s, dict) == GS_PYK_DICT)
        bind_dict(s, r, dict, SCOPE_GLOBAL, prefix);
}

/* The module a class says it belongs to (its __dict__['__module__']). */
static bool class_module(const struct gs_snapshot *s, uint32_t dict, char *buf, size_t cap)
{
    char key[64];
    for (uint64_t e = s->out_off[dict]; e < s->out_off[dict + 1]; e++) {
        if (gs_label_kind_of(s->out_label[e]) != GS_LABEL_VALUE)
            continue;
        edge_name(s, e, key, sizeof key);
        if (strcmp(key, "__module__") == 0 && s->out_dst[e] < s->nobjects && gs_snapshot_kind(s, s->out_dst[e]) == GS_PYK_STR) {
            text_of(s, s->out_dst[e], buf, cap);
            return true;
        }
    }
    return false;
}

/* Classes bound to globals: their attributes, once per class, named after
 * the module that defines them (first pass) or else the first that binds
 * them (second pass). */
static void bind_classes(const struct gs_snapshot *s, struct sus_report *r, size_t nglobals, uint8_t *seen)
{
    char prefix[NAME_CAP / 2], mod[128], cls[128];
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < nglobals; i++) {
            const struct binding b = r->bind[i];
            if (gs_snapshot_kind(s, b.node) != GS_PYK_TYPE || (seen[b.node / 8] & (1u << (b.node % 8))))
                continue;
            uint32_t dict = field(s, b.node, "__dict__");
            if (dict == NONE || gs_snapshot_kind(s, dict) != GS_PYK_DICT)
                continue;
            if (!class_module(s, dict, mod, sizeof mod))
                snprintf(mod, sizeof mod, "%.120s", prefix_of(r, &b));
            if (pass == 0 && strcmp(mod, prefix_of(r, &b)) != 0)
                continue;
            seen[b.node / 8] |= (uint8_t)(1u << (b.node % 8));
            text_of(s, b.node, cls, sizeof cls);
            snprintf(prefix, sizeof prefix, "%s.%s", mod, cls);
            bind_dict(s, r, dict, SCOPE_CLASS, prefix_add(r, prefix));
        }
}

static int bindings_by_node(const void *a, const void *b)
{
    const struct binding *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void collect_bindings(const struct gs_snapshot *s, struct sus_report *r)
{
    char prefix[NAME_CAP / 2], key[128];
    /* module globals, from the modules in sys.modules */
    for (uint64_t i = 0; i < s->nroots; i++) {
        const struct gs_root *root = &s->roots[i];
        if (root->kind != GS_ROOT_MODULE || root->node >= s->nobjects || gs_snapshot_kind(s, root->node) != GS_PYK_MODULE)
            continue;
        uint32_t dict = field(s, root->node, "__dict__");
        if (dict != NONE && gs_snapshot_kind(s, dict) == GS_PYK_DICT)
            bind_dict(s, r, dict, SCOPE_GLOBAL, prefix_add(r, gs_snapshot_string(s, root->name)));
    }
    size_t nglobals = r->nbind;
    uint8_t *seen = gs_xcalloc((size_t)s->nobjects / 8 + 1, 1);
    bind_classes(s, r, nglobals, seen);
    /* attributes of plain objects in globals: app.cache */
    for (size_t i = 0; i < nglobals; i++) {
        const struct binding b = r->bind[i];
        if (gs_snapshot_kind(s, b.node) != GS_PYK_OBJECT || (seen[b.node / 8] & (1u << (b.node % 8))))
            continue;
        seen[b.node / 8] |= (uint8_t)(1u << (b.node % 8));
        edge_name(s, b.edge, key, sizeof key);
        snprintf(prefix, sizeof prefix, "%.160s.%.80s", prefix_of(r, &b), key);
        bind_attributes(s, r, b.node, prefix_add(r, prefix));
    }
    free(seen);
    if (r->nbind)
        gs_qsort(r->bind, r->nbind, sizeof *r->bind, bindings_by_node);
}

/* The binding of node to name it by: the one whose edge is the last step of
 * its shortest path, else the first found. NULL when it has none. */
static const struct binding *binding_of(const struct sus_report *r, uint32_t node)
{
    size_t lo = 0, hi = r->nbind;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->bind[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == r->nbind || r->bind[lo].node != node)
        return NULL;
    uint32_t parent = r->p->parent[node];
    for (size_t i = lo; i < r->nbind && r->bind[i].node == node; i++)
        if (r->bind[i].src == parent)
            return &r->bind[i];
    return &r->bind[lo];
}

static void binding_name(const struct gs_snapshot *s, const struct sus_report *r, const struct binding *b, char *buf,
                         size_t cap)
{
    char key[256];
    edge_name(s, b->edge, key, sizeof key);
    snprintf(buf, cap, "%s%s%s", prefix_of(r, b), key[0] == '[' ? "" : ".", key);
}

/* --- the suspects ------------------------------------------------------------- */

static struct suspect *suspect_add(const struct gs_snapshot *s, struct sus_report *r, enum sus_kind kind,
                                   uint32_t node, uint64_t retained)
{
    if (r->nsus == r->sus_cap) {
        r->sus_cap = r->sus_cap ? 2 * r->sus_cap : 64;
        r->sus = gs_xreallocarray(r->sus, r->sus_cap, sizeof *r->sus);
    }
    struct suspect *x = &r->sus[r->nsus++];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->node = node;
    x->addr = node == NONE ? 0 : s->addr[node];
    x->retained = retained;
    x->items = -1;
    x->function = NONE;
    return x;
}

/* Large by itself: a big str or bytes, or a container whose items hold
 * little of their own (a table of numbers); a container whose items are
 * objects worth more than LEAF_ITEM_BYTES each is a container suspect. */
static bool is_large(const struct gs_snapshot *s, const struct sus_report *r, uint32_t x)
{
    uint64_t own = s->size[x], ret = r->d->retained[x];
    if (own < LARGE_BYTES && !(own >= FLOOR_BYTES && at_least_percent(own, r->reachable_bytes, SHARE_PERCENT)))
        return false;
    int64_t items = gs_snapshot_items(s, x);
    return items <= 0 || (ret - own) / (uint64_t)items <= LEAF_ITEM_BYTES;
}

static void find_bound(const struct gs_snapshot *s, struct sus_report *r)
{
    for (size_t i = 0; i < r->nbind; i++) {
        uint32_t x = r->bind[i].node;
        if (i > 0 && r->bind[i - 1].node == x)
            continue; /* one object, several names: judged once */
        uint32_t k = gs_snapshot_kind(s, x);
        if (!r->d->reachable[x] || (s->flags[x] & GS_NODE_ROOT) || k == GS_PYK_MODULE || k == GS_PYK_TYPE)
            continue;
        const struct binding *b = binding_of(r, x);
        uint64_t ret = r->d->retained[x];
        struct suspect *sus = NULL;
        if (is_large(s, r, x)) {
            sus = suspect_add(s, r, SUS_LARGE_GLOBAL, x, ret);
        } else if (is_mutable_container(k) && ret >= FLOOR_BYTES) {
            int64_t items = gs_snapshot_items(s, x);
            if (at_least_percent(ret, r->reachable_bytes, SHARE_PERCENT) ||
                (items >= CONTAINER_ITEMS && at_least_percent(ret, r->reachable_bytes, 1)))
                sus = suspect_add(s, r, b->scope == SCOPE_CLASS ? SUS_CLASS_ATTRIBUTE : SUS_GLOBAL_CONTAINER, x, ret);
        }
        if (sus) {
            sus->items = gs_snapshot_items(s, x);
            binding_name(s, r, b, sus->name, sizeof sus->name);
        }
    }
}

static void check_default(const struct gs_snapshot *s, struct sus_report *r, uint32_t fn, uint64_t e,
                          const char *what)
{
    uint32_t x = s->out_dst[e];
    if (x >= s->nobjects || !r->d->reachable[x] || !is_mutable_container(gs_snapshot_kind(s, x)))
        return;
    int64_t items = gs_snapshot_items(s, x);
    uint64_t ret = r->d->retained[x];
    if (items < DEFAULT_ITEMS && !(ret >= FLOOR_BYTES && at_least_percent(ret, r->reachable_bytes, 1)))
        return;
    struct suspect *sus = suspect_add(s, r, SUS_MUTABLE_DEFAULT, x, ret);
    sus->items = items;
    sus->function = fn;
    char mod[128], qual[128], key[128];
    uint32_t m = field(s, fn, "__module__");
    text_of(s, m, mod, sizeof mod);
    text_of(s, fn, qual, sizeof qual);
    /* [0] for __defaults__, ['name'] for __kwdefaults__ */
    gs_snapshot_label(s, s->out_label[e], key, sizeof key);
    if (m == NONE || gs_snapshot_kind(s, m) != GS_PYK_STR)
        snprintf(sus->name, sizeof sus->name, "%s.%s%s%s", qual, what, key[0] == '[' ? "" : ".", key);
    else
        snprintf(sus->name, sizeof sus->name, "%s.%s.%s%s%s", mod, qual, what, key[0] == '[' ? "" : ".", key);
}

static void find_defaults(const struct gs_snapshot *s, struct sus_report *r)
{
    for (uint32_t fn = 0; fn < s->nobjects; fn++) {
        if (gs_snapshot_kind(s, fn) != GS_PYK_FUNCTION || !r->d->reachable[fn])
            continue;
        uint32_t t = field(s, fn, "__defaults__");
        if (t != NONE && gs_snapshot_kind(s, t) == GS_PYK_TUPLE)
            for (uint64_t e = s->out_off[t]; e < s->out_off[t + 1]; e++)
                if (gs_label_kind_of(s->out_label[e]) == GS_LABEL_INDEX)
                    check_default(s, r, fn, e, "__defaults__");
        uint32_t kw = field(s, fn, "__kwdefaults__");
        if (kw != NONE && gs_snapshot_kind(s, kw) == GS_PYK_DICT)
            for (uint64_t e = s->out_off[kw]; e < s->out_off[kw + 1]; e++)
                if (gs_label_kind_of(s->out_label[e]) == GS_LABEL_VALUE)
                    check_default(s, r, fn, e, "__kwdefaults__");
    }
}

static void find_callbacks(const struct gs_snapshot *s, struct sus_report *r)
{
    /* Which nodes are bound methods, a bit each: every item of every
     * container is tested, and a bitmap of a few MB answers from the cache
     * where the type array (4 bytes a node, read at random) misses each
     * time: a tenth of the report on a 10M-object heap. */
    uint64_t *method = gs_xcalloc((size_t)(s->nobjects / 64 + 1), sizeof *method);
    for (uint32_t x = 0; x < s->nobjects; x++)
        if (gs_snapshot_kind(s, x) == GS_PYK_METHOD)
            method[x / 64] |= UINT64_C(1) << (x % 64);
    for (uint32_t x = 0; x < s->nobjects; x++) {
        uint32_t k = gs_snapshot_kind(s, x);
        if (!is_mutable_container(k) || !r->d->reachable[x])
            continue;
        int want = item_label(k);
        uint64_t items = 0, methods = 0, kept = 0;
        for (uint64_t e = s->out_off[x]; e < s->out_off[x + 1]; e++) {
            if (!is_item(s, e, want))
                continue;
            items++;
            uint32_t m = s->out_dst[e]; /* < nobjects: the loader checked */
            if (!(method[m / 64] & (UINT64_C(1) << (m % 64))))
                continue;
            methods++;
            uint32_t self = field(s, m, "__self__");
            kept += self != NONE && kept_by(r->d, self, x);
        }
        if (methods < CALLBACK_METHODS || methods * 2 < items || kept < CALLBACK_KEPT)
            continue;
        struct suspect *sus = suspect_add(s, r, SUS_CALLBACKS, x, r->d->retained[x]);
        sus->items = (int64_t)items;
        sus->methods = methods;
        sus->kept = kept;
        const struct binding *b = binding_of(r, x);
        if (b)
            binding_name(s, r, b, sus->name, sizeof sus->name);
    }
    free(method);
}

static int garbage_types_by_bytes(const void *a, const void *b)
{
    const struct garbage_type *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

static void find_garbage(const struct gs_snapshot *s, struct sus_report *r)
{
    struct garbage_type *per = gs_xcalloc((size_t)s->ntypes + 1, sizeof *per);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        if (!r->d->reachable[i] && !(s->flags[i] & GS_NODE_IMMORTAL))
            r->unreachable_bytes += s->size[i];
        if (!r->garbage[i])
            continue;
        uint32_t t = s->type[i] < s->ntypes ? s->type[i] : 0;
        per[t].type = t;
        per[t].count++;
        per[t].bytes += s->size[i];
        r->garbage_objects++;
        r->garbage_bytes += s->size[i];
    }
    gs_qsort(per, (size_t)s->ntypes, sizeof *per, garbage_types_by_bytes);
    for (size_t i = 0; i < s->ntypes && i < GARBAGE_TYPES && per[i].count; i++)
        r->garbage_types[r->ngarbage_types++] = per[i];
    free(per);
    if (!r->garbage_objects)
        return;
    if (r->gc_disabled || at_least_percent(r->garbage_bytes, r->reachable_bytes, SHARE_PERCENT)) {
        /* what a collection frees: the cycles and what only they hold */
        uint64_t freed = r->unreachable_bytes > r->garbage_bytes ? r->unreachable_bytes : r->garbage_bytes;
        struct suspect *sus = suspect_add(s, r, SUS_CYCLIC_GARBAGE, NONE, freed);
        char c[32];
        snprintf(sus->name, sizeof sus->name, "%s object%s in reference cycles",
                 gs_fmt_count(r->garbage_objects, c, sizeof c), plural(r->garbage_objects));
    }
}

/* --- ranking -------------------------------------------------------------------- */

static int by_node_then_kind(const void *a, const void *b)
{
    const struct suspect *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static int by_rank(const void *a, const void *b)
{
    const struct suspect *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void rank(struct sus_report *r)
{
    if (!r->nsus)
        return;
    /* one entry per object, of its most specific pattern */
    gs_qsort(r->sus, r->nsus, sizeof *r->sus, by_node_then_kind);
    size_t n = 0;
    for (size_t i = 0; i < r->nsus; i++)
        if (n == 0 || r->sus[i].node == NONE || r->sus[i].node != r->sus[n - 1].node)
            r->sus[n++] = r->sus[i];
    gs_qsort(r->sus, n, sizeof *r->sus, by_rank);
    r->nsus = n < SUSPECTS_MAX ? n : SUSPECTS_MAX;
}

/* --- building ---------------------------------------------------------------------- */

static void report_free(struct sus_report *r)
{
    free(r->bind);
    gs_strbuf_free(&r->prefixes);
    free(r->sus);
}

/* The analyses are the snapshot's (graph/analyses.h), shared with every
 * other presenter. */
static gs_status report_build(const struct gs_snapshot *s, struct gs_analyses *an, struct sus_report *r,
                              gs_error *err)
{
    memset(r, 0, sizeof *r);
    const struct gs_totals *reach = gs_analyses_reachable_totals(an, err);
    if (!reach || !(r->d = gs_analyses_dominators(an, err)) || !(r->p = gs_analyses_paths(an, err)) ||
        !(r->garbage = gs_analyses_garbage(an, err)))
        return err->code;
    r->reachable_objects = reach->objects;
    r->reachable_bytes = reach->bytes;
    for (int32_t i = 0; i < s->meta.ninterps && i < GS_MAX_INTERPRETERS; i++)
        r->gc_disabled |= !s->meta.interps[i].gc_enabled;
    collect_bindings(s, r);
    find_callbacks(s, r);
    find_defaults(s, r);
    find_bound(s, r);
    find_garbage(s, r);
    rank(r);
    return GS_OK;
}

/* --- the sentence ------------------------------------------------------------------- */

static const char *container_word(const struct gs_snapshot *s, uint32_t node)
{
    switch (gs_snapshot_kind(s, node)) {
    case GS_PYK_LIST:
        return "list";
    case GS_PYK_DICT:
    case GS_PYK_ODICT:
        return "dict";
    case GS_PYK_SET:
        return "set";
    case GS_PYK_DEQUE:
        return "deque";
    default:
        return "container";
    }
}

static void why(const struct gs_snapshot *s, const struct sus_report *r, const struct suspect *x, gs_strbuf *sb)
{
    char c1[32], c2[32], c3[32], b1[32];
    double pct = share(x->retained, r->reachable_bytes);
    uint64_t items = x->items > 0 ? (uint64_t)x->items : 0;
    const char *word = x->node != NONE ? container_word(s, x->node) : "";
    gs_fmt_count(items, c1, sizeof c1);
    switch (x->kind) {
    case SUS_GLOBAL_CONTAINER:
        gs_strbuf_addf(sb,
                       "A %s of %s item%s held by a module global keeps %.1f%% of the heap alive for the life of "
                       "the process: caches and registries in globals only grow unless something evicts or "
                       "clears them.",
                       word, c1, plural(items), pct);
        break;
    case SUS_CLASS_ATTRIBUTE:
        gs_strbuf_addf(sb,
                       "A %s of %s item%s in a class attribute is shared by every instance and lives as long as "
                       "the class, so whatever instances or decorators add to it stays (%.1f%% of the heap).",
                       word, c1, plural(items), pct);
        break;
    case SUS_MUTABLE_DEFAULT:
        gs_strbuf_addf(sb,
                       "A mutable default argument is made once, when the def runs, and shared by every call: this "
                       "%s has collected %s item%s; default to None and make a new %s inside the function.",
                       word, c1, plural(items), word);
        break;
    case SUS_CALLBACKS:
        gs_strbuf_addf(sb,
                       "%s of its %s items are bound methods, each holding its object (__self__) strongly, so "
                       "these callbacks alone keep %s object%s alive: unregister them, or store "
                       "weakref.WeakMethod instead.",
                       gs_fmt_count(x->methods, c2, sizeof c2), c1, gs_fmt_count(x->kept, c3, sizeof c3),
                       plural(x->kept));
        break;
    case SUS_LARGE_GLOBAL:
        gs_strbuf_addf(sb,
                       "A single object of %s by itself, bound where nothing ever releases it, lives for the whole "
                       "process: drop the reference (del, or assign None) once it is no longer needed.",
                       gs_fmt_bytes(s->size[x->node], b1, sizeof b1));
        break;
    case SUS_CYCLIC_GARBAGE:
        gs_fmt_count(r->garbage_objects, c2, sizeof c2);
        if (r->gc_disabled)
            gs_strbuf_addf(sb,
                           "The collector is disabled (gc.disable()), so reference cycles are never freed: %s "
                           "object%s in cycles wait for a collection that never comes; call gc.collect() "
                           "periodically or re-enable the collector.",
                           c2, plural(r->garbage_objects));
        else
            gs_strbuf_addf(sb,
                           "%s object%s in reference cycles (%.1f%% of the heap) wait for the collector's next full "
                           "collection: code that makes many cycles should break them (weakref, or clearing "
                           "references) instead.",
                           c2, plural(r->garbage_objects), pct);
        break;
    }
}

/* --- text ---------------------------------------------------------------------------- */

/* Words wrapped to `width` columns, each line after `indent` spaces. */
static void wrap(FILE *out, const char *text, int indent, size_t width)
{
    const char *p = text;
    while (*p) {
        size_t len = strlen(p);
        size_t take = len;
        if (len > width) {
            take = width;
            while (take > 0 && p[take] != ' ')
                take--;
            if (take == 0)
                take = width;
        }
        fprintf(out, "%*s%.*s\n", indent, "", (int)take, p);
        p += take;
        while (*p == ' ')
            p++;
    }
}

/* A suspect's name: where it is bound, else the path that reaches it. */
static const char *display_name(const struct gs_snapshot *s, const struct sus_report *r, const struct suspect *x,
                                char *buf, size_t cap)
{
    if (x->name[0])
        return x->name;
    uint32_t path[PATH_CAP];
    size_t n = x->node != NONE ? gs_path_to(r->p, x->node, path, PATH_CAP) : 0;
    if (!n)
        return "(unnamed)";
    gs_report_path_expression(s, path, n < PATH_CAP ? n : PATH_CAP, r->p->root[x->node], buf, cap);
    return buf;
}

/* With tracemalloc on in the target: the line that allocated the suspect's
 * object, and the line that allocated most of what it references (a
 * growing container's items: the leak's own line). false when untraced. */
struct alloc_sites {
    uint32_t file, line, items_file, items_line;
    uint64_t items, items_at_line;
};

static bool suspect_sites(const struct gs_snapshot *s, uint32_t node, struct alloc_sites *a)
{
    uint32_t tb;
    memset(a, 0, sizeof *a);
    if (node == NONE || !gs_alloc_node_frame(s, node, &a->file, &a->line, &tb))
        return false;
    struct { uint32_t file, line; uint64_t n; } seen[8];
    size_t nseen = 0;
    for (uint64_t e = s->out_off[node]; e < s->out_off[node + 1] && e - s->out_off[node] < 100000; e++) {
        uint32_t f, l, t;
        if (!gs_alloc_node_frame(s, s->out_dst[e], &f, &l, &t))
            continue;
        a->items++;
        size_t k = 0;
        while (k < nseen && (seen[k].file != f || seen[k].line != l))
            k++;
        if (k == nseen && nseen < 8)
            seen[nseen++] = (typeof(seen[0])){f, l, 0};
        if (k < nseen)
            seen[k].n++;
    }
    for (size_t k = 0; k < nseen; k++)
        if (seen[k].n > a->items_at_line) {
            a->items_at_line = seen[k].n;
            a->items_file = seen[k].file;
            a->items_line = seen[k].line;
        }
    return true;
}

static const char *site_file(const struct gs_snapshot *s, uint32_t id) { return id ? gs_snapshot_string(s, id) : "<unknown>"; }

static void suspect_text(FILE *out, const struct gs_snapshot *s, const struct sus_report *r,
                         const struct suspect *x, size_t rank_no)
{
    char c1[32], b1[32], desc[300], name[300], shown[600];
    gs_strbuf sb = {0};
    fprintf(out, "\n%zu. %s: %s\n", rank_no, kind_names[x->kind],
            gs_text(shown, sizeof shown, display_name(s, r, x, name, sizeof name)));
    if (x->node != NONE) {
        gs_snapshot_describe(s, x->node, desc, sizeof desc);
        if (x->items >= 0)
            fprintf(out, "   %s, %s item%s\n", desc, gs_fmt_count((uint64_t)x->items, c1, sizeof c1),
                    plural((uint64_t)x->items));
        else
            fprintf(out, "   %s\n", desc);
    }
    fprintf(out, "   retains %s bytes (%s, %.1f%% of the heap)\n", gs_fmt_count(x->retained, c1, sizeof c1),
            gs_fmt_bytes(x->retained, b1, sizeof b1), share(x->retained, r->reachable_bytes));
    struct alloc_sites as;
    if (suspect_sites(s, x->node, &as)) {
        fprintf(out, "   allocated at %s:%u", site_file(s, as.file), as.line);
        if (as.items_at_line)
            fprintf(out, "; %s of its %s traced referents at %s:%u", gs_fmt_count(as.items_at_line, c1, sizeof c1),
                    gs_fmt_count(as.items, b1, sizeof b1), site_file(s, as.items_file), as.items_line);
        fputc('\n', out);
    }
    why(s, r, x, &sb);
    wrap(out, gs_strbuf_str(&sb), 3, 76);
    gs_strbuf_free(&sb);
    if (x->kind == SUS_CYCLIC_GARBAGE) {
        for (size_t i = 0; i < r->ngarbage_types; i++) {
            const struct garbage_type *g = &r->garbage_types[i];
            gs_type_qualname_text(s, g->type, name, sizeof name);
            fprintf(out, "   %12s object%s %14s bytes  %s\n", gs_fmt_count(g->count, c1, sizeof c1),
                    g->count == 1 ? " " : "s", gs_fmt_count(g->bytes, b1, sizeof b1), name);
        }
        fprintf(out, "   (no path: no root reaches garbage; --dump-cycles shows the cycles)\n");
        return;
    }
    uint32_t buf[PATH_CAP];
    size_t n = gs_path_to(r->p, x->node, buf, PATH_CAP);
    if (n)
        gs_path_write_text(out, s, buf, n, r->p->root[x->node]);
}

static void report_text(FILE *out, const struct gs_snapshot *s, const struct sus_report *r, size_t top)
{
    char b1[32], c1[32];
    gs_report_header_text(out, s);
    size_t shown = top && top < r->nsus ? top : r->nsus;
    fprintf(out, "\nheap reachable from the roots: %s objects, %s\n", gs_fmt_count(r->reachable_objects, c1, sizeof c1),
            gs_fmt_bytes(r->reachable_bytes, b1, sizeof b1));
    if (!r->nsus) {
        fprintf(out, "\nNo leak suspects: no container or object in a global, class attribute, default argument "
                     "or callback list is large, and no garbage piles up.\n");
        return;
    }
    fprintf(out, "\n%zu leak suspect%s, by the bytes they keep alive:\n", r->nsus, r->nsus == 1 ? "" : "s");
    for (size_t i = 0; i < shown; i++)
        suspect_text(out, s, r, &r->sus[i], i + 1);
    if (shown < r->nsus)
        fprintf(out, "\n... %zu more (--top 0 shows all)\n", r->nsus - shown);
}

/* --- JSON ----------------------------------------------------------------------------- */

static void garbage_json(gs_json *w, const struct gs_snapshot *s, const struct sus_report *r)
{
    gs_json_key(w, "garbage");
    gs_json_begin_object(w);
    gs_json_key(w, "objects");
    gs_json_uint(w, r->garbage_objects);
    gs_json_key(w, "bytes");
    gs_json_uint(w, r->garbage_bytes);
    gs_json_key(w, "freed_bytes");
    gs_json_uint(w, r->unreachable_bytes > r->garbage_bytes ? r->unreachable_bytes : r->garbage_bytes);
    gs_json_key(w, "collector_enabled");
    gs_json_bool(w, !r->gc_disabled);
    gs_json_key(w, "types");
    gs_json_begin_array(w);
    for (size_t i = 0; i < r->ngarbage_types; i++) {
        const struct garbage_type *g = &r->garbage_types[i];
        gs_json_begin_object(w);
        gs_report_type_json(w, s, "name", g->type);
        gs_json_key(w, "count");
        gs_json_uint(w, g->count);
        gs_json_key(w, "bytes");
        gs_json_uint(w, g->bytes);
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    /* the members, in node order, bounded */
    gs_json_key(w, "members");
    gs_json_begin_array(w);
    uint64_t listed = 0;
    for (uint64_t i = 0; i < s->nobjects && listed < GARBAGE_MEMBERS; i++)
        if (r->garbage[i]) {
            gs_json_addr(w, s->addr[i]);
            listed++;
        }
    gs_json_end_array(w);
    gs_json_key(w, "members_truncated");
    gs_json_bool(w, listed < r->garbage_objects);
    gs_json_end_object(w);
}

static void suspect_json(gs_json *w, const struct gs_snapshot *s, const struct sus_report *r,
                         const struct suspect *x, size_t rank_no)
{
    char name[300];
    gs_strbuf sb = {0};
    gs_json_begin_object(w);
    gs_json_key(w, "rank");
    gs_json_uint(w, rank_no);
    gs_json_key(w, "kind");
    gs_json_string(w, kind_names[x->kind]);
    gs_json_key(w, "name");
    const char *shown = display_name(s, r, x, name, sizeof name);
    gs_json_string(w, strcmp(shown, "(unnamed)") == 0 ? "" : shown);
    gs_json_key(w, "retained");
    gs_json_uint(w, x->retained);
    gs_json_key(w, "share");
    gs_json_double(w, share(x->retained, r->reachable_bytes) / 100.0, 6);
    if (x->node != NONE) {
        gs_json_key(w, "addr");
        gs_json_addr(w, s->addr[x->node]);
        struct alloc_sites as;
        if (suspect_sites(s, x->node, &as)) {
            gs_json_key(w, "allocated_at");
            gs_json_begin_array(w);
            gs_json_string(w, site_file(s, as.file));
            gs_json_uint(w, as.line);
            gs_json_end_array(w);
            if (as.items_at_line) {
                gs_json_key(w, "referents_allocated_at");
                gs_json_begin_object(w);
                gs_json_key(w, "filename");
                gs_json_string(w, site_file(s, as.items_file));
                gs_json_key(w, "lineno");
                gs_json_uint(w, as.items_line);
                gs_json_key(w, "referents");
                gs_json_uint(w, as.items_at_line);
                gs_json_key(w, "traced_referents");
                gs_json_uint(w, as.items);
                gs_json_end_object(w);
            }
        }
        gs_report_type_json(w, s, "type", s->type[x->node]);
        gs_report_preview_json(w, s, x->node);
        gs_json_key(w, "shallow");
        gs_json_uint(w, s->size[x->node]);
    } else {
        gs_json_key(w, "addr");
        gs_json_null(w);
    }
    if (x->items >= 0) {
        gs_json_key(w, "items");
        gs_json_int(w, x->items);
    }
    if (x->kind == SUS_CALLBACKS) {
        gs_json_key(w, "bound_methods");
        gs_json_uint(w, x->methods);
        gs_json_key(w, "kept_alive");
        gs_json_uint(w, x->kept);
    }
    if (x->function != NONE) {
        gs_json_key(w, "function");
        gs_json_addr(w, s->addr[x->function]);
    }
    why(s, r, x, &sb);
    gs_json_key(w, "why");
    gs_json_string(w, gs_strbuf_str(&sb));
    gs_strbuf_free(&sb);
    if (x->kind == SUS_CYCLIC_GARBAGE)
        garbage_json(w, s, r);
    gs_json_key(w, "path");
    uint32_t buf[PATH_CAP];
    size_t n = x->node != NONE ? gs_path_to(r->p, x->node, buf, PATH_CAP) : 0;
    if (n)
        gs_path_write_json(w, s, buf, n, r->p->root[x->node]);
    else
        gs_json_null(w);
    gs_json_end_object(w);
}

static void report_json(FILE *out, const struct gs_snapshot *s, const struct sus_report *r)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_report_totals_json(&w, "reachable", r->reachable_objects, r->reachable_bytes);
    gs_report_totals_json(&w, "garbage", r->garbage_objects, r->garbage_bytes);
    gs_json_key(&w, "thresholds");
    gs_json_begin_object(&w);
    gs_json_key(&w, "share_percent");
    gs_json_uint(&w, SHARE_PERCENT);
    gs_json_key(&w, "floor_bytes");
    gs_json_uint(&w, FLOOR_BYTES);
    gs_json_key(&w, "large_bytes");
    gs_json_uint(&w, LARGE_BYTES);
    gs_json_key(&w, "container_items");
    gs_json_uint(&w, CONTAINER_ITEMS);
    gs_json_key(&w, "default_items");
    gs_json_uint(&w, DEFAULT_ITEMS);
    gs_json_key(&w, "callback_methods");
    gs_json_uint(&w, CALLBACK_METHODS);
    gs_json_key(&w, "callback_kept");
    gs_json_uint(&w, CALLBACK_KEPT);
    gs_json_key(&w, "suspects_max");
    gs_json_uint(&w, SUSPECTS_MAX);
    gs_json_end_object(&w);
    gs_json_key(&w, "suspects");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < r->nsus; i++)
        suspect_json(&w, s, r, &r->sus[i], i + 1);
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* The manual's entry for --dump-suspects, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_suspects_man[] =
    "Likely leaks, ranked and explained: growing caches and registries, mutable default arguments,\n"
    "callbacks never unregistered, cyclic garbage with the collector off, large globals.\n";

gs_status gs_report_suspects_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    struct sus_report r;
    gs_status st = report_build(s, o->an, &r, err);
    if (st == GS_OK)
        report_text(out, s, &r, o->top);
    report_free(&r);
    return st;
}

gs_status gs_report_suspects_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    (void)o;
    struct sus_report r;
    gs_status st = report_build(s, o->an, &r, err);
    if (st == GS_OK)
        report_json(out, s, &r);
    report_free(&r);
    return st;
}

/* --- the list as data (the browser) ------------------------------------------------ */

gs_status gs_suspects_find(struct gs_analyses *an, struct gs_suspect_list *out, gs_error *err)
{
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    struct sus_report r;
    memset(out, 0, sizeof *out);
    gs_status st = report_build(s, an, &r, err);
    if (st != GS_OK) {
        report_free(&r);
        return st;
    }
    out->v = gs_xcalloc(r.nsus ? r.nsus : 1, sizeof *out->v);
    out->n = r.nsus;
    out->reachable_bytes = r.reachable_bytes;
    for (size_t i = 0; i < r.nsus; i++) {
        const struct suspect *x = &r.sus[i];
        struct gs_suspect *y = &out->v[i];
        gs_strbuf sb = {0};
        snprintf(y->kind, sizeof y->kind, "%s", kind_names[x->kind]);
        y->node = x->node == NONE ? GS_NO_NODE : x->node;
        y->retained = x->retained;
        y->items = x->items;
        char name[300];
        snprintf(y->name, sizeof y->name, "%.255s", display_name(s, &r, x, name, sizeof name));
        why(s, &r, x, &sb);
        snprintf(y->why, sizeof y->why, "%s", gs_strbuf_str(&sb));
        gs_strbuf_free(&sb);
    }
    report_free(&r);
    return GS_OK;
}

void gs_suspects_free(struct gs_suspect_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}
