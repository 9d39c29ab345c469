/* retained.c: --dump-retained, the objects and the types that keep the
 * most memory alive, from the dominator tree (Eclipse MAT's dominator
 * view, flattened).
 *
 * An object's retained size is what freeing it would free: itself and
 * everything only it keeps alive (analysis.h). The report ranks:
 *
 *   objects  the reachable objects by retained size, at most OBJECTS_MAX,
 *            each with its path from a root and its largest children in
 *            the dominator tree (what it keeps alive, one level). Left out,
 *            so that the list shows data rather than the program's
 *            structure: trivial objects (retaining < TRIVIAL_BYTES);
 *            namespaces (modules, classes, the __dict__ they alone hold,
 *            and the interpreter's sys.modules, sys and builtins dicts),
 *            which retain whatever is defined in them; and wrappers, whose
 *            one child in the dominator tree holds >= WRAPPER_PERCENT of
 *            what they retain (a module around its dict, a function around
 *            its defaults): that child, or its own largest part, is listed
 *            instead and the path shows the wrapper.
 *   types    per type: reachable instances, their own bytes, and MAT's
 *            retained size of the type: the sum of the retained sizes of
 *            its instances that no other instance of the type dominates
 *            (so a linked list of a million Nodes counts once, not a
 *            million times over).
 *
 * Percentages are of the reachable heap (the sys.getsizeof bytes of every
 * object a root reaches). Text shows --top rows of each table and the
 * details of the first DETAILS_MAX objects; JSON holds every ranked row.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "py/kinds.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

#define OBJECTS_MAX 200         /* objects ranked */
#define CHILDREN_MAX 10         /* dominator-tree children kept per ranked object */
#define CHILDREN_TEXT 5         /* ... and shown in text */
#define DETAILS_MAX 10          /* text: objects shown with path and children */
#define TRIVIAL_BYTES 1024      /* retaining less than this: not listed */
#define WRAPPER_PERCENT 90      /* one child holding this much of it: a wrapper */
#define PATH_CAP 256            /* path steps kept (gs_path_write_* cut there too) */
#define NONE UINT32_MAX

struct ret_object {
    uint32_t node;
    int64_t items;              /* a container's items, -1 for other objects */
    uint64_t nchildren;         /* its children in the dominator tree */
    uint32_t nshown;            /* children[] kept: the largest first */
    uint32_t children[CHILDREN_MAX];
};

struct ret_type {
    uint32_t type;
    uint64_t count, shallow, retained;
};

struct ret_report {
    const struct gs_dominators *d; /* the analyses: graph/analyses.h's */
    const struct gs_paths *p;
    uint64_t reachable_objects, reachable_bytes;
    uint64_t unreachable_objects, unreachable_bytes;
    uint64_t ranked_from;       /* objects that were neither trivial, namespaces nor wrappers */
    struct ret_object *objects;
    size_t nobjects;
    struct ret_type *types;     /* by retained, largest first */
    size_t ntypes;
};

/* --- what an object is --------------------------------------------------- */

static bool is_interp_root(const struct gs_snapshot *s, uint32_t node)
{
    if (!(s->flags[node] & GS_NODE_ROOT))
        return false;
    for (uint64_t r = 0; r < s->nroots; r++)
        if (s->roots[r].node == node &&
            (s->roots[r].kind == GS_ROOT_MODULES || s->roots[r].kind == GS_ROOT_SYSDICT ||
             s->roots[r].kind == GS_ROOT_BUILTINS))
            return true;
    return false;
}

/* Is the edge src -> dst labelled `.name` (a named field or attribute)? */
static bool edge_named(const struct gs_snapshot *s, uint32_t src, uint32_t dst, const char *name)
{
    for (uint64_t e = s->out_off[src]; e < s->out_off[src + 1]; e++) {
        uint32_t l = s->out_label[e];
        enum gs_label_kind k = gs_label_kind_of(l);
        if (s->out_dst[e] == dst && (k == GS_LABEL_FIELD || k == GS_LABEL_ATTR) &&
            strcmp(gs_snapshot_string(s, gs_label_payload(l)), name) == 0)
            return true;
    }
    return false;
}

/* Modules, classes, their __dict__s and the interpreter's own dicts. A
 * module's dict is held by C code and running frames as well, so it is
 * recognised by its owner's reference, not by its dominator. */
static bool is_namespace(const struct gs_snapshot *s, uint32_t node)
{
    uint32_t k = gs_snapshot_kind(s, node);
    if (k == GS_PYK_MODULE || k == GS_PYK_TYPE)
        return true;
    if (k != GS_PYK_DICT)
        return false;
    for (uint64_t e = s->in_off[node]; e < s->in_off[node + 1]; e++) {
        uint32_t src = s->in_src[e], sk = gs_snapshot_kind(s, src);
        if ((sk == GS_PYK_MODULE || sk == GS_PYK_TYPE) && edge_named(s, src, node, "__dict__"))
            return true;
    }
    return is_interp_root(s, node);
}

/* --- the dominator tree --------------------------------------------------- */

/* The retained size of the largest child, and how many children. */
static uint64_t largest_child(struct gs_analyses *an, const struct gs_dominators *d, uint32_t node,
                              uint64_t *count)
{
    gs_error ignored;
    uint32_t c = gs_analyses_largest_child(an, node, count, &ignored);
    return c != GS_NO_NODE ? d->retained[c] : 0;
}

/* --- ranking ----------------------------------------------------------------- */

/* a before b: more retained, then the lower address (a stable order) */
static bool ranks_before(const struct gs_snapshot *s, const struct gs_dominators *d, uint32_t a, uint32_t b)
{
    if (d->retained[a] != d->retained[b])
        return d->retained[a] > d->retained[b];
    return s->addr[a] < s->addr[b];
}

/* A bounded min-heap of the best nodes seen: heap[0] is the worst kept. */
struct topk {
    uint32_t *heap;
    size_t n, cap;
};

static void topk_sift_down(const struct gs_snapshot *s, const struct gs_dominators *d, struct topk *k, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, w = i;
        if (l < k->n && ranks_before(s, d, k->heap[w], k->heap[l]))
            w = l;
        if (r < k->n && ranks_before(s, d, k->heap[w], k->heap[r]))
            w = r;
        if (w == i)
            return;
        uint32_t tmp = k->heap[i];
        k->heap[i] = k->heap[w];
        k->heap[w] = tmp;
        i = w;
    }
}

static void topk_offer(const struct gs_snapshot *s, const struct gs_dominators *d, struct topk *k, uint32_t node)
{
    if (k->n < k->cap) {
        size_t i = k->n++;
        k->heap[i] = node;
        while (i > 0 && ranks_before(s, d, k->heap[(i - 1) / 2], k->heap[i])) {
            uint32_t tmp = k->heap[i];
            k->heap[i] = k->heap[(i - 1) / 2];
            k->heap[(i - 1) / 2] = tmp;
            i = (i - 1) / 2;
        }
    } else if (k->cap && ranks_before(s, d, node, k->heap[0])) {
        k->heap[0] = node;
        topk_sift_down(s, d, k, 0);
    }
}

/* Empty the heap into out[], best first. */
static size_t topk_drain(const struct gs_snapshot *s, const struct gs_dominators *d, struct topk *k, uint32_t *out)
{
    size_t n = k->n;
    while (k->n) {
        out[k->n - 1] = k->heap[0];
        k->heap[0] = k->heap[--k->n];
        topk_sift_down(s, d, k, 0);
    }
    return n;
}

/* p percent of v, rounded down, without overflow */
static uint64_t percent_of(uint64_t v, unsigned p) { return v / 100 * p + v % 100 * p / 100; }

static void rank_objects(const struct gs_snapshot *s, struct ret_report *r, struct gs_analyses *an)
{
    const struct gs_dominators *d = r->d;
    uint32_t heap[OBJECTS_MAX], best[OBJECTS_MAX];
    struct topk k = {heap, 0, OBJECTS_MAX};
    for (uint32_t i = 0; i < s->nobjects; i++) {
        if (!d->reachable[i] || d->retained[i] < TRIVIAL_BYTES || is_namespace(s, i))
            continue;
        uint64_t nchildren;
        uint64_t big = largest_child(an, d, i, &nchildren);
        if (big && big >= percent_of(d->retained[i], WRAPPER_PERCENT))
            continue;
        r->ranked_from++;
        topk_offer(s, d, &k, i);
    }
    size_t n = topk_drain(s, d, &k, best);
    r->objects = gs_xcalloc(n + 1, sizeof *r->objects);
    r->nobjects = n;
    for (size_t i = 0; i < n; i++) {
        struct ret_object *o = &r->objects[i];
        o->node = best[i];
        o->items = gs_snapshot_items(s, best[i]);
        /* the largest children, by insertion into a short sorted array
         * (ranks_before's order, so the tree's own order does not matter) */
        uint64_t nc;
        gs_error ignored;
        const uint32_t *child = gs_analyses_children_unsorted(an, best[i], &nc, &ignored);
        for (uint64_t j = 0; j < nc; j++) {
            uint32_t c = child[j];
            o->nchildren++;
            uint32_t at = o->nshown;
            while (at > 0 && ranks_before(s, d, c, o->children[at - 1]))
                at--;
            if (at >= CHILDREN_MAX)
                continue;
            uint32_t keep = o->nshown < CHILDREN_MAX ? o->nshown : CHILDREN_MAX - 1;
            memmove(&o->children[at + 1], &o->children[at], (keep - at) * sizeof o->children[0]);
            o->children[at] = c;
            if (o->nshown < CHILDREN_MAX)
                o->nshown++;
        }
    }
}

/* --- types (MAT's retained size of a type) ----------------------------------- */

static int types_by_retained(const void *a, const void *b)
{
    const struct ret_type *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    if (x->shallow != y->shallow)
        return x->shallow > y->shallow ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* MAT's retained size of a type, from graph/analyses.h (the browser's
 * Types view and retained(TYPE) read the same), over the instances some
 * root reaches. */
static gs_status rank_types(const struct gs_snapshot *s, struct ret_report *r, struct gs_analyses *an, gs_error *err)
{
    const struct gs_type_total *tt = gs_analyses_types(an, err);
    if (!tt)
        return err->code;
    size_t nt = (size_t)s->ntypes, n = 0;
    struct ret_type *rows = gs_xcalloc(nt + 1, sizeof *rows);
    for (size_t i = 0; i < nt; i++)
        if (tt[i].reachable_count)
            rows[n++] = (struct ret_type){(uint32_t)i, tt[i].reachable_count, tt[i].reachable_shallow, tt[i].retained};
    gs_qsort(rows, n, sizeof *rows, types_by_retained);
    r->types = rows;
    r->ntypes = n;
    return GS_OK;
}

/* --- building ------------------------------------------------------------------ */

static void report_free(struct ret_report *r)
{
    free(r->objects);
    free(r->types);
}

static gs_status report_build(const struct gs_snapshot *s, struct gs_analyses *an, struct ret_report *r,
                              gs_error *err)
{
    memset(r, 0, sizeof *r);
    const struct gs_totals *reach = gs_analyses_reachable_totals(an, err);
    if (!reach || !(r->d = gs_analyses_dominators(an, err)))
        return err->code;
    r->reachable_objects = reach->objects;
    r->reachable_bytes = reach->bytes;
    for (uint64_t i = 0; i < s->nobjects; i++)
        if (!r->d->reachable[i]) {
            r->unreachable_objects++;
            r->unreachable_bytes += s->size[i];
        }
    gs_status st = rank_types(s, r, an, err);
    if (st != GS_OK)
        return st;
    rank_objects(s, r, an);
    if (!(r->p = gs_analyses_paths(an, err)))
        return err->code;
    return GS_OK;
}

/* --- text ------------------------------------------------------------------------ */

static double share(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

/* "list@0x7f.. (3,000 items)" or the snapshot's description, cut to width. */
static void object_label(const struct gs_snapshot *s, uint32_t node, int64_t items, char *buf, size_t cap,
                         size_t width)
{
    char desc[300], c[32];
    gs_snapshot_describe(s, node, desc, sizeof desc);
    if (items >= 0)
        snprintf(buf, cap, "%s (%s item%s)", desc, gs_fmt_count((uint64_t)items, c, sizeof c), items == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%s", desc);
    if (width >= 4 && strlen(buf) > width)
        memcpy(buf + width - 3, "...", 4);
}

static void objects_text(FILE *out, const struct gs_snapshot *s, const struct ret_report *r, size_t top)
{
    char c1[32], c2[32], label[400];
    size_t shown = top && top < r->nobjects ? top : r->nobjects;
    fprintf(out, "\nObjects that retain the most: top %zu of %s\n", shown, gs_fmt_count(r->ranked_from, c1, sizeof c1));
    fprintf(out, "(modules, classes, their __dict__ and wrappers of one larger object left out)\n\n");
    fprintf(out, "%4s %14s %6s %12s  %s\n", "#", "retained", "%heap", "shallow", "object");
    for (size_t i = 0; i < shown; i++) {
        const struct ret_object *o = &r->objects[i];
        object_label(s, o->node, o->items, label, sizeof label, 38);
        fprintf(out, "%4zu %14s %5.1f%% %12s  %s\n", i + 1, gs_fmt_count(r->d->retained[o->node], c1, sizeof c1),
                share(r->d->retained[o->node], r->reachable_bytes), gs_fmt_count(s->size[o->node], c2, sizeof c2),
                label);
    }
    if (shown < r->nobjects)
        fprintf(out, "%4s ... %zu more ranked (--top 0 shows all %zu)\n", "", r->nobjects - shown, r->nobjects);
}

static void types_text(FILE *out, const struct gs_snapshot *s, const struct ret_report *r, size_t top)
{
    char c1[32], c2[32], c3[32], name[300];
    size_t shown = top && top < r->ntypes ? top : r->ntypes;
    fprintf(out, "\nTypes by retained size (instances not kept alive by another of their type)\n\n");
    fprintf(out, "%11s %13s %14s %6s  %s\n", "count", "shallow", "retained", "%heap", "type");
    for (size_t i = 0; i < shown; i++) {
        const struct ret_type *row = &r->types[i];
        gs_type_qualname_text(s, row->type, name, sizeof name);
        if (strlen(name) > 28)
            memcpy(name + 25, "...", 4);
        fprintf(out, "%11s %13s %14s %5.1f%%  %s\n", gs_fmt_count(row->count, c1, sizeof c1),
                gs_fmt_count(row->shallow, c2, sizeof c2), gs_fmt_count(row->retained, c3, sizeof c3),
                share(row->retained, r->reachable_bytes), name);
    }
    if (shown < r->ntypes)
        fprintf(out, "%11s ... %zu more (--top 0 shows all)\n", "", r->ntypes - shown);
}

static void path_text(FILE *out, const struct gs_snapshot *s, const struct gs_paths *p, uint32_t node)
{
    uint32_t buf[PATH_CAP];
    size_t n = gs_path_to(p, node, buf, PATH_CAP);
    if (n)
        gs_path_write_text(out, s, buf, n, p->root[node]);
    else
        fprintf(out, "    (no path: not reached by breadth-first search)\n");
}

static void details_text(FILE *out, const struct gs_snapshot *s, const struct ret_report *r, size_t top)
{
    char c1[32], c2[32], b[32], label[400];
    size_t shown = top && top < r->nobjects ? top : r->nobjects;
    if (shown > DETAILS_MAX)
        shown = DETAILS_MAX;
    if (!shown)
        return;
    fprintf(out, "\nThe %zu largest, with their path from a root and what they keep alive\n", shown);
    for (size_t i = 0; i < shown; i++) {
        const struct ret_object *o = &r->objects[i];
        object_label(s, o->node, o->items, label, sizeof label, 70);
        fprintf(out, "\n%zu. %s\n", i + 1, label);
        uint64_t ret = r->d->retained[o->node];
        fprintf(out, "    retains %s bytes (%s), %.1f%% of the heap\n", gs_fmt_count(ret, c1, sizeof c1),
                gs_fmt_bytes(ret, b, sizeof b), share(ret, r->reachable_bytes));
        fprintf(out, "    its own size %s bytes\n", gs_fmt_count(s->size[o->node], c2, sizeof c2));
        path_text(out, s, r->p, o->node);
        if (!o->nchildren)
            continue;
        fprintf(out, "    keeps alive %s object%s directly%s\n", gs_fmt_count(o->nchildren, c1, sizeof c1),
                o->nchildren == 1 ? "" : "s", o->nchildren > 1 ? ", the largest:" : ":");
        for (uint32_t j = 0; j < o->nshown && j < CHILDREN_TEXT; j++) {
            uint32_t c = o->children[j];
            object_label(s, c, gs_snapshot_items(s, c), label, sizeof label, 52);
            fprintf(out, "      %14s  %s\n", gs_fmt_count(r->d->retained[c], c1, sizeof c1), label);
        }
    }
}

static void report_text(FILE *out, const struct gs_snapshot *s, const struct ret_report *r, size_t top)
{
    char c1[32], c2[32], b1[32], b2[32];
    gs_report_header_text(out, s);
    fprintf(out, "\nreachable from the roots: %s objects, %s bytes (%s)\n",
            gs_fmt_count(r->reachable_objects, c1, sizeof c1), gs_fmt_count(r->reachable_bytes, c2, sizeof c2),
            gs_fmt_bytes(r->reachable_bytes, b1, sizeof b1));
    if (r->unreachable_objects)
        fprintf(out, "unreachable (garbage, see --dump-cycles): %s object%s, %s\n",
                gs_fmt_count(r->unreachable_objects, c1, sizeof c1), r->unreachable_objects == 1 ? "" : "s",
                gs_fmt_bytes(r->unreachable_bytes, b2, sizeof b2));
    objects_text(out, s, r, top);
    types_text(out, s, r, top);
    details_text(out, s, r, top);
}

/* --- JSON ------------------------------------------------------------------------- */

static void node_fields_json(gs_json *w, const struct gs_snapshot *s, const struct ret_report *r, uint32_t node,
                             int64_t items)
{
    gs_json_key(w, "addr");
    gs_json_addr(w, s->addr[node]);
    gs_report_type_json(w, s, "type", s->type[node]);
    gs_report_preview_json(w, s, node);
    if (items >= 0) {
        gs_json_key(w, "items");
        gs_json_int(w, items);
    }
    gs_json_key(w, "shallow");
    gs_json_uint(w, s->size[node]);
    gs_json_key(w, "retained");
    gs_json_uint(w, r->d->retained[node]);
    gs_json_key(w, "share");
    gs_json_double(w, share(r->d->retained[node], r->reachable_bytes) / 100.0, 6);
}

static void object_json(gs_json *w, const struct gs_snapshot *s, const struct ret_report *r,
                        const struct ret_object *o, size_t rank)
{
    gs_json_begin_object(w);
    gs_json_key(w, "rank");
    gs_json_uint(w, rank);
    node_fields_json(w, s, r, o->node, o->items);
    gs_json_key(w, "idom");
    if (r->d->idom[o->node] == GS_VIRTUAL_ROOT)
        gs_json_null(w); /* only the virtual root: held by a root, or by several */
    else
        gs_json_addr(w, s->addr[r->d->idom[o->node]]);
    uint32_t buf[PATH_CAP];
    size_t n = gs_path_to(r->p, o->node, buf, PATH_CAP);
    gs_json_key(w, "path");
    if (n)
        gs_path_write_json(w, s, buf, n, r->p->root[o->node]);
    else
        gs_json_null(w);
    gs_json_key(w, "children_count");
    gs_json_uint(w, o->nchildren);
    gs_json_key(w, "children");
    gs_json_begin_array(w);
    for (uint32_t j = 0; j < o->nshown; j++) {
        gs_json_begin_object(w);
        node_fields_json(w, s, r, o->children[j], gs_snapshot_items(s, o->children[j]));
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void report_json(FILE *out, const struct gs_snapshot *s, const struct ret_report *r)
{
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_report_totals_json(&w, "reachable", r->reachable_objects, r->reachable_bytes);
    gs_report_totals_json(&w, "unreachable", r->unreachable_objects, r->unreachable_bytes);
    gs_json_key(&w, "limits");
    gs_json_begin_object(&w);
    gs_json_key(&w, "objects_max");
    gs_json_uint(&w, OBJECTS_MAX);
    gs_json_key(&w, "children_max");
    gs_json_uint(&w, CHILDREN_MAX);
    gs_json_key(&w, "trivial_bytes");
    gs_json_uint(&w, TRIVIAL_BYTES);
    gs_json_key(&w, "wrapper_percent");
    gs_json_uint(&w, WRAPPER_PERCENT);
    gs_json_end_object(&w);
    gs_json_key(&w, "ranked_from");
    gs_json_uint(&w, r->ranked_from);
    gs_json_key(&w, "objects");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < r->nobjects; i++)
        object_json(&w, s, r, &r->objects[i], i + 1);
    gs_json_end_array(&w);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < r->ntypes; i++) {
        const struct ret_type *row = &r->types[i];
        gs_json_begin_object(&w);
        gs_report_type_json(&w, s, "name", row->type);
        gs_json_key(&w, "count");
        gs_json_uint(&w, row->count);
        gs_json_key(&w, "shallow");
        gs_json_uint(&w, row->shallow);
        gs_json_key(&w, "retained");
        gs_json_uint(&w, row->retained);
        gs_json_key(&w, "share");
        gs_json_double(&w, share(row->retained, r->reachable_bytes) / 100.0, 6);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* The manual's entry for --dump-retained, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_retained_man[] =
    "The objects and the types that keep the most memory alive: retained sizes from the dominator\n"
    "tree (what freeing an object would free), each object with its path from a root and what it\n"
    "keeps alive.\n";

gs_status gs_report_retained_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    struct ret_report r;
    gs_status st = report_build(s, o->an, &r, err);
    if (st == GS_OK)
        report_text(out, s, &r, o->top);
    report_free(&r);
    return st;
}

gs_status gs_report_retained_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                  gs_error *err)
{
    (void)o;
    struct ret_report r;
    gs_status st = report_build(s, o->an, &r, err);
    if (st == GS_OK)
        report_json(out, s, &r);
    report_free(&r);
    return st;
}
