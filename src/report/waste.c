/* waste.c: --dump-waste, bytes that could be saved, in the spirit of
 * Eclipse MAT's component report.
 *
 *   - duplicate values: str and bytes objects with the same value (same
 *     type, size and hash of the value, graph/memory.c), each copy past
 *     the first wasted (sys.intern or a cache saves them);
 *   - capacity: lists, dicts, sets and bytearrays whose capacity their
 *     items do not use (the snapshot's slack: list slots, dict entries of
 *     a table the dict owns, set slots, bytearray bytes), and empty ones
 *     (no items: the whole object could be None or created lazily);
 *   - weak references and finalizers: how many objects are weakly
 *     referenced and how many have a finalizer (__del__, tp_finalize),
 *     per type: finalizers delay freeing and weakrefs cost callbacks;
 *   - constant values: large objects whose items all hold one value (MAT's
 *     constant-value arrays, graph/memory.c): their data could be a count
 *     and the value;
 *   - modules: what the instances of each module's classes retain (their
 *     retained sizes, counting an instance only when no other instance of
 *     the same module dominates it, so nothing is counted twice).
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "graph/analysis.h"
#include "graph/memory.h"
#include "py/kinds.h"
#include "report/report.h"
#include "report/table.h"
#include "util/alloc.h"
#include "util/sort.h"

/* Per container kind: count, empty ones and their bytes, slack. */
enum { K_LIST, K_DICT, K_SET, K_BYTEARRAY, K_COUNT };
static const char *const kind_label[K_COUNT] = {"list", "dict", "set", "bytearray"};

struct container_stats {
    uint64_t objects, empty, empty_bytes, slack;
    uint32_t worst[5];        /* the nodes with the most slack */
    size_t nworst;
};

static int kind_of(const struct gs_snapshot *s, uint32_t node)
{
    switch (gs_snapshot_kind(s, node)) {
    case GS_PYK_LIST: return K_LIST;
    case GS_PYK_DICT:
    case GS_PYK_ODICT: return K_DICT;
    case GS_PYK_SET:
    case GS_PYK_FROZENSET: return K_SET;
    case GS_PYK_BYTEARRAY: return K_BYTEARRAY;
    default: return -1;
    }
}

static void containers(const struct gs_snapshot *s, struct container_stats *cs)
{
    memset(cs, 0, K_COUNT * sizeof *cs);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        int k = kind_of(s, (uint32_t)i);
        if (k < 0)
            continue;
        struct container_stats *c = &cs[k];
        c->objects++;
        int64_t items = gs_snapshot_items(s, (uint32_t)i);
        if (k != K_BYTEARRAY && items == 0) {
            c->empty++;
            c->empty_bytes += s->size[i];
        }
        uint32_t slack = s->slack ? s->slack[i] : 0;
        c->slack += slack;
        if (!slack)
            continue;
        /* Keep the five with the most slack, largest first. */
        size_t pos = c->nworst < 5 ? c->nworst++ : 5;
        while (pos > 0 && s->slack[c->worst[pos - 1]] < slack) {
            if (pos < 5)
                c->worst[pos] = c->worst[pos - 1];
            pos--;
        }
        if (pos < 5)
            c->worst[pos] = (uint32_t)i;
    }
}

struct type_count {
    uint32_t type;
    uint64_t weak_targets, finalizers;
};

static int tc_by_total(const void *a, const void *b)
{
    const struct type_count *x = a, *y = b;
    uint64_t tx = x->weak_targets + x->finalizers, ty = y->weak_targets + y->finalizers;
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

struct module_row {
    uint32_t module;          /* string id */
    uint64_t instances, retained;
};

static int mod_by_retained(const void *a, const void *b)
{
    const struct module_row *x = a, *y = b;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    return x->module < y->module ? -1 : x->module > y->module;
}

/* Instances of classes defined by Python code (heap types), grouped by
 * their class's module; an instance counts its retained size unless an
 * instance of the same module dominates it. */
static struct module_row *modules(const struct gs_snapshot *s, const struct gs_dominators *d, size_t *nout)
{
    struct module_row *v = gs_xcalloc(s->ntypes + 1, sizeof *v);
    size_t n = 0;
    uint32_t *row_of_type = gs_xcalloc(s->ntypes + 1, sizeof *row_of_type);
    for (uint64_t t = 0; t < s->ntypes; t++) {
        if (!(s->types[t].facts & GS_TYPE_HEAPTYPE))
            continue;
        uint32_t mod = s->types[t].module;
        size_t r = 0;
        while (r < n && v[r].module != mod)
            r++;
        if (r == n)
            v[n++].module = mod;
        row_of_type[t] = (uint32_t)r + 1;
    }
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t row = row_of_type[s->type[i]];
        if (!row || s->types[s->type[i]].kind == GS_PYK_TYPE)
            continue;
        v[row - 1].instances++;
        /* Counted unless an ancestor in the dominator tree is an instance
         * of the same module's classes. */
        bool covered = false;
        if (d->reachable[i]) {
            uint32_t up = d->idom[i];
            for (int steps = 0; up != GS_VIRTUAL_ROOT && steps < 100000; steps++) {
                if (row_of_type[s->type[up]] == row && s->types[s->type[up]].kind != GS_PYK_TYPE) {
                    covered = true;
                    break;
                }
                up = d->idom[up];
            }
        }
        if (!covered)
            v[row - 1].retained += d->retained[i];
    }
    free(row_of_type);
    gs_qsort(v, n, sizeof *v, mod_by_retained);
    *nout = n;
    return v;
}

static int constant_cmp(const void *a, const void *b, void *ctx)
{
    const struct gs_snapshot *s = ctx;
    const struct gs_snap_constant *x = &s->constants[*(const uint32_t *)a], *y = &s->constants[*(const uint32_t *)b];
    uint64_t bx = x->items * x->item_size, by = y->items * y->item_size;
    if (bx != by)
        return bx > by ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* The constant-value objects' indexes, most data first. */
static uint32_t *constants_by_bytes(const struct gs_snapshot *s)
{
    uint32_t *v = gs_xcalloc(s->nconstants + 1, sizeof *v);
    for (uint64_t i = 0; i < s->nconstants; i++)
        v[i] = (uint32_t)i;
    gs_qsort_r(v, (size_t)s->nconstants, sizeof *v, constant_cmp, (void *)s);
    return v;
}

/* The repeated value: a byte as 0x00, a character as U+0041 'A', a slot's
 * object described ("None", "int@0x... 0"). */
static void constant_text(const struct gs_snapshot *s, const struct gs_snap_constant *k, char *buf, size_t cap)
{
    if (k->item_size == 8) {
        uint32_t n = gs_snapshot_find(s, k->value);
        char desc[260];
        if (n != GS_NO_NODE)
            gs_snapshot_describe(s, n, desc, sizeof desc);
        else
            snprintf(desc, sizeof desc, "0x%" PRIx64, k->value);
        snprintf(buf, cap, "the same object %s", desc);
    } else if (gs_snapshot_kind(s, k->node) == GS_PYK_STR) {
        if (k->value >= 0x20 && k->value < 0x7f)
            snprintf(buf, cap, "U+%04" PRIX64 " '%c'", k->value, (char)k->value);
        else
            snprintf(buf, cap, "U+%04" PRIX64, k->value);
    } else {
        snprintf(buf, cap, "the byte 0x%02" PRIx64, k->value);
    }
}

static gs_status report_waste(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    /* the snapshot's dominators (graph/analyses.h): computed once, or read
     * from the file, never again here */
    const struct gs_dominators *d = gs_analyses_dominators(o->an, err);
    if (!d)
        return err->code;
    size_t ndup = 0, nmod = 0;
    uint64_t dup_wasted = 0;
    struct gs_dup_group *dups = gs_memory_duplicates(s, &ndup, &dup_wasted);
    struct container_stats cs[K_COUNT];
    containers(s, cs);
    struct module_row *mods = modules(s, d, &nmod);
    struct type_count *tc = gs_xcalloc(s->ntypes + 1, sizeof *tc);
    uint8_t *weak_target = gs_xcalloc(s->nobjects + 1, 1);
    uint64_t nweak_targets = 0, nfinal = 0;
    for (uint64_t e = 0; e < s->nweak; e++)
        weak_target[s->weak_dst[e]] = 1;
    /* whether a node has a finalizer is its type's fact: asked once per
     * type, not of each of millions of nodes */
    uint8_t *finalizes = gs_xcalloc(s->ntypes + 1, 1);
    for (uint64_t t = 0; t < s->ntypes; t++) {
        tc[t].type = (uint32_t)t;
        finalizes[t] = s->types[t].kind != GS_PYK_TYPE;
    }
    for (uint64_t i = 0; i < s->nobjects; i++) {
        if (weak_target[i]) {
            tc[s->type[i]].weak_targets++;
            nweak_targets++;
        }
        if (finalizes[s->type[i]] == 1) /* first of its type: 2 has one, 3 has none */
            finalizes[s->type[i]] = gs_node_has_del(s, (uint32_t)i) ? 2 : 3;
        if (finalizes[s->type[i]] == 2) {
            tc[s->type[i]].finalizers++;
            nfinal++;
        }
    }
    gs_qsort(tc, s->ntypes, sizeof *tc, tc_by_total);
    uint64_t slack_total = 0, empty_total = 0;
    for (int k = 0; k < K_COUNT; k++) {
        slack_total += cs[k].slack;
        empty_total += cs[k].empty_bytes;
    }
    size_t limit = o->top ? o->top : 10;
    uint64_t constant_total = gs_memory_constant_bytes(s);
    uint32_t *corder = constants_by_bytes(s);
    char desc[300], name[300], b1[32], b2[32], b3[32];
    if ((o->format == GS_FORMAT_JSON)) {
        gs_json w;
        gs_json_init(&w, out);
        gs_json_begin_object(&w);
        gs_report_header_json(&w, s);
        gs_json_key(&w, "duplicates");
        gs_json_begin_object(&w);
        gs_json_key(&w, "wasted_bytes");
        gs_json_uint(&w, dup_wasted);
        gs_json_key(&w, "groups");
        gs_json_begin_array(&w);
        for (size_t i = 0; i < ndup && i < 1000; i++) {
            gs_json_begin_object(&w);
            gs_json_key(&w, "type");
            gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[dups[i].first]].name));
            gs_json_key(&w, "addr");
            gs_json_addr(&w, s->addr[dups[i].first]);
            gs_json_key(&w, "preview");
            gs_json_string(&w, gs_snapshot_string(s, s->preview[dups[i].first]));
            gs_json_key(&w, "copies");
            gs_json_uint(&w, dups[i].copies);
            gs_json_key(&w, "size");
            gs_json_uint(&w, dups[i].size);
            gs_json_key(&w, "wasted_bytes");
            gs_json_uint(&w, (dups[i].copies - 1) * dups[i].size);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_end_object(&w);
        gs_json_key(&w, "constant_values");
        gs_json_begin_object(&w);
        gs_json_key(&w, "saveable_bytes");
        gs_json_uint(&w, constant_total);
        gs_json_key(&w, "objects");
        gs_json_begin_array(&w);
        for (size_t i = 0; i < s->nconstants && i < 1000; i++) {
            const struct gs_snap_constant *k = &s->constants[corder[i]];
            gs_json_begin_object(&w);
            gs_json_key(&w, "type");
            gs_json_string(&w, gs_snapshot_string(s, s->types[s->type[k->node]].name));
            gs_json_key(&w, "addr");
            gs_json_addr(&w, s->addr[k->node]);
            gs_json_key(&w, "size");
            gs_json_uint(&w, s->size[k->node]);
            gs_json_key(&w, "items");
            gs_json_uint(&w, k->items);
            gs_json_key(&w, "item_size");
            gs_json_uint(&w, k->item_size);
            gs_json_key(&w, "value");
            if (k->item_size == 8)
                gs_json_addr(&w, k->value);
            else
                gs_json_uint(&w, k->value);
            gs_json_key(&w, "saveable_bytes");
            gs_json_uint(&w, k->items * k->item_size);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_end_object(&w);
        gs_json_key(&w, "containers");
        gs_json_begin_array(&w);
        for (int k = 0; k < K_COUNT; k++) {
            gs_json_begin_object(&w);
            gs_json_key(&w, "kind");
            gs_json_string(&w, kind_label[k]);
            gs_json_key(&w, "objects");
            gs_json_uint(&w, cs[k].objects);
            gs_json_key(&w, "empty");
            gs_json_uint(&w, cs[k].empty);
            gs_json_key(&w, "empty_bytes");
            gs_json_uint(&w, cs[k].empty_bytes);
            gs_json_key(&w, "unused_capacity_bytes");
            gs_json_uint(&w, cs[k].slack);
            gs_json_key(&w, "largest");
            gs_json_begin_array(&w);
            for (size_t i = 0; i < cs[k].nworst; i++) {
                gs_json_begin_object(&w);
                gs_json_key(&w, "addr");
                gs_json_addr(&w, s->addr[cs[k].worst[i]]);
                gs_json_key(&w, "unused_capacity_bytes");
                gs_json_uint(&w, s->slack[cs[k].worst[i]]);
                gs_json_key(&w, "size");
                gs_json_uint(&w, s->size[cs[k].worst[i]]);
                gs_json_end_object(&w);
            }
            gs_json_end_array(&w);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_key(&w, "weakly_referenced");
        gs_json_uint(&w, nweak_targets);
        gs_json_key(&w, "weak_references");
        gs_json_uint(&w, s->nweak);
        gs_json_key(&w, "with_finalizer");
        gs_json_uint(&w, nfinal);
        gs_json_key(&w, "types");
        gs_json_begin_array(&w);
        for (size_t t = 0; t < s->ntypes && (tc[t].weak_targets || tc[t].finalizers) && t < 1000; t++) {
            gs_json_begin_object(&w);
            gs_report_type_json(&w, s, "type", tc[t].type);
            gs_json_key(&w, "weakly_referenced");
            gs_json_uint(&w, tc[t].weak_targets);
            gs_json_key(&w, "with_finalizer");
            gs_json_uint(&w, tc[t].finalizers);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_key(&w, "modules");
        gs_json_begin_array(&w);
        for (size_t i = 0; i < nmod; i++) {
            gs_json_begin_object(&w);
            gs_json_key(&w, "module");
            gs_json_string(&w, gs_snapshot_string(s, mods[i].module));
            gs_json_key(&w, "instances");
            gs_json_uint(&w, mods[i].instances);
            gs_json_key(&w, "retained");
            gs_json_uint(&w, mods[i].retained);
            gs_json_end_object(&w);
        }
        gs_json_end_array(&w);
        gs_json_end_object(&w);
        gs_json_finish(&w);
    } else {
        gs_report_header_text(out, s);
        fprintf(out, "\nDuplicate values: %s could be saved (%s groups of equal str or bytes)\n",
                gs_fmt_bytes(dup_wasted, b1, sizeof b1), gs_fmt_count(ndup, b2, sizeof b2));
        for (size_t i = 0; i < ndup && i < limit; i++) {
            gs_snapshot_describe(s, dups[i].first, desc, sizeof desc);
            fprintf(out, "  %12s wasted: %s copies of %s\n",
                    gs_fmt_bytes((dups[i].copies - 1) * dups[i].size, b1, sizeof b1),
                    gs_fmt_count(dups[i].copies, b2, sizeof b2), desc);
        }
        fprintf(out, "\nLarge objects of a constant value: %s could be saved (%s objects of %d bytes of data or more whose "
                     "items all hold one value)\n",
                gs_fmt_bytes(constant_total, b1, sizeof b1), gs_fmt_count(s->nconstants, b2, sizeof b2),
                GS_CONSTANT_MIN_BYTES);
        for (size_t i = 0; i < s->nconstants && i < limit; i++) {
            const struct gs_snap_constant *k = &s->constants[corder[i]];
            char value[300];
            constant_text(s, k, value, sizeof value);
            gs_snapshot_describe(s, k->node, desc, sizeof desc);
            fprintf(out, "  %12s in %s: %s items, each %s\n", gs_fmt_bytes(k->items * k->item_size, b1, sizeof b1),
                    desc, gs_fmt_count(k->items, b2, sizeof b2), value);
        }
        fprintf(out, "\nContainers: %s of capacity unused, %s in empty containers\n",
                gs_fmt_bytes(slack_total, b1, sizeof b1), gs_fmt_bytes(empty_total, b2, sizeof b2));
        fprintf(out, "  %-10s %12s %12s %12s %14s\n", "kind", "objects", "empty", "empty bytes", "unused bytes");
        for (int k = 0; k < K_COUNT; k++)
            fprintf(out, "  %-10s %12" PRIu64 " %12" PRIu64 " %12s %14s\n", kind_label[k], cs[k].objects, cs[k].empty,
                    gs_fmt_bytes(cs[k].empty_bytes, b1, sizeof b1), gs_fmt_bytes(cs[k].slack, b2, sizeof b2));
        for (int k = 0; k < K_COUNT; k++)
            for (size_t i = 0; i < cs[k].nworst && i < 3; i++) {
                gs_snapshot_describe(s, cs[k].worst[i], desc, sizeof desc);
                fprintf(out, "  %12s unused in %s (%s)\n", gs_fmt_bytes(s->slack[cs[k].worst[i]], b1, sizeof b1), desc,
                        gs_fmt_bytes(s->size[cs[k].worst[i]], b2, sizeof b2));
            }
        fprintf(out, "\nWeak references: %s objects weakly referenced by %s references; %s objects with a finalizer\n",
                gs_fmt_count(nweak_targets, b1, sizeof b1), gs_fmt_count(s->nweak, b2, sizeof b2),
                gs_fmt_count(nfinal, b3, sizeof b3));
        for (size_t t = 0; t < s->ntypes && (tc[t].weak_targets || tc[t].finalizers) && t < limit; t++) {
            gs_type_qualname(s, tc[t].type, name, sizeof name);
            fprintf(out, "  %-40s %10" PRIu64 " weakly referenced %10" PRIu64 " with finalizer\n", name,
                    tc[t].weak_targets, tc[t].finalizers);
        }
        fprintf(out, "\nWhat each module's classes retain:\n");
        for (size_t i = 0; i < nmod && i < limit; i++)
            fprintf(out, "  %12s  %s instances of %s\n", gs_fmt_bytes(mods[i].retained, b1, sizeof b1),
                    gs_fmt_count(mods[i].instances, b2, sizeof b2), gs_snapshot_string(s, mods[i].module));
    }
    free(dups);
    free(corder);
    free(mods);
    free(tc);
    free(weak_target);
    free(finalizes);
    return GS_OK;
}

/* The manual's entry for --dump-waste, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_waste_man[] =
    "Bytes that could be saved: duplicate str and bytes values (copies past the first), unused capacity\n"
    "of lists, dicts, sets and bytearrays and empty containers, large objects of one repeated value\n"
    "(str, bytes, bytearray, list, tuple), weakly referenced objects and objects\n"
    "with finalizers per type, and what the instances of each module's classes retain.\n";

gs_status gs_report_waste_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_TEXT;
    return report_waste(out, s, &t, err);
}

gs_status gs_report_waste_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct gs_report_opts t = *o;
    t.format = GS_FORMAT_JSON;
    return report_waste(out, s, &t, err);
}
