/* verify.c: see verify.h.
 *
 * The emulator used here is a fresh engine, not the one the build used:
 * the build ran compiled types' traverses only (for a class written in
 * Python it ran the first C base's), while gc.get_referents runs the
 * object's own type's tp_traverse (subtype_traverse for such a class), so
 * the instance readers are checked too. An object whose traverse could not
 * be run to its end (gs_emu_outcome) is counted as unknown, not compared.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "emu/emu.h"
#include "graph/verify.h"
#include "py/gc_traverse.h"
#include "py/kinds.h"
#include "py/layout.h"
#include "util/alloc.h"
#include "util/sort.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Most missing edges first, then most extra ones, then by type id. */
static int by_differences(const void *a, const void *b)
{
    const struct gs_verify_type *x = a, *y = b;
    uint64_t mx = gs_verify_missing(x), my = gs_verify_missing(y);
    if (mx != my)
        return mx > my ? -1 : 1;
    uint64_t ex = gs_verify_extra(x), ey = gs_verify_extra(y);
    if (ex != ey)
        return ex > ey ? -1 : 1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* Which objects to run, and with which function. */
static size_t choose(const struct gs_py_ctx *c, const struct gs_snapshot *s, uint64_t *objs, uint64_t *fns,
                     uint32_t *nodes, uint64_t *undecided)
{
    size_t k = 0;
    for (uint64_t i = 0; i < s->nobjects; i++) {
        const struct gs_snap_type *t = &s->types[s->type[i]];
        uint64_t fn;
        if (!t->addr)
            continue; /* <bad type> */
        switch (gs_py_gc_traverse_fn(c, s->addr[i], t->addr, t->flags, (enum gs_py_kind)t->kind, &fn)) {
        case GS_PY_GCT_RUN:
            objs[k] = s->addr[i];
            fns[k] = fn;
            nodes[k++] = (uint32_t)i;
            break;
        case GS_PY_GCT_UNDECIDED:
            (*undecided)++;
            break;
        case GS_PY_GCT_NONE:
            break;
        }
    }
    return k;
}

/* Strong references CPython's traverses leave out on purpose although the
 * object they lead to is a GC object, by the source's kind and the label
 * gcscope gives them:
 *   - a class's tp_subclasses (weak references only) and ht_slots (a tuple
 *     of str): type_traverse says so;
 *   - the materialized __dict__ of an object whose inline values are still
 *     valid (3.13+): PyObject_VisitManagedDict visits the values alone;
 *   - a code object's fields other than co_consts (free-threaded builds,
 *     where code is a GC object: code_traverse visits co_consts alone; the
 *     rest are str, bytes and tuples of str);
 *   - an instance's class: every instance of a heap type holds it, but
 *     traverses written before 3.9 (bpo-40217) and mypyc's do not visit it
 *     (every mypyc class on mypy's heap). */
static bool untraversed_by_design(const struct gs_snapshot *s, uint64_t inline_values, uint32_t src, uint32_t label)
{
    char text[64];
    uint32_t kind = gs_snapshot_kind(s, src);
    gs_snapshot_label(s, label, text, sizeof text);
    if (kind == GS_PYK_TYPE)
        return strcmp(text, ".__subclasses__") == 0 || strcmp(text, ".__slots__") == 0;
    if (kind == GS_PYK_CODE)
        return strcmp(text, ".co_consts") != 0;
    if (strcmp(text, ".__class__") == 0)
        return true;
    return (s->types[s->type[src]].flags & inline_values) && strcmp(text, ".__dict__") == 0;
}

struct scratch {
    uint32_t *trav; /* traverse's referents as nodes */
    uint64_t *dec;  /* snapshot's edges: node << 32 | edge number */
    size_t cap;
};

/* One object: its traverse's referents against its edges in the snapshot.
 * Edges to objects that are not GC objects (str, int, a static type) are
 * "untraversed", not a difference: traverse functions leave them out by
 * design, as they cannot be part of a cycle. */
static void compare(const struct gs_snapshot *s, const struct gs_py_layout *L, uint32_t node, const uint64_t *refs, size_t nrefs,
                    struct gs_verify_type *vt, struct scratch *sc)
{
    uint64_t first = s->out_off[node], ndec = s->out_off[node + 1] - first;
    size_t need = nrefs > ndec ? nrefs : (size_t)ndec;
    if (need > sc->cap) {
        sc->cap = need;
        sc->trav = gs_xreallocarray(sc->trav, sc->cap, sizeof *sc->trav);
        sc->dec = gs_xreallocarray(sc->dec, sc->cap, sizeof *sc->dec);
    }
    uint32_t *trav = sc->trav;
    uint64_t *dec = sc->dec;
    size_t nt = 0;
    uint64_t missing = 0, missing_addr = 0, extra = 0, untraversed = 0;
    for (size_t r = 0; r < nrefs; r++) {
        uint32_t d = gs_snapshot_find(s, refs[r]);
        if (d == GS_NO_NODE) {
            /* visited, but no node: the decoders never reported it */
            missing++;
            if (!missing_addr)
                missing_addr = refs[r];
            continue;
        }
        trav[nt++] = d;
    }
    for (uint64_t e = 0; e < ndec; e++)
        dec[e] = (uint64_t)s->out_dst[first + e] << 32 | e;
    gs_qsort(trav, nt, sizeof *trav, cmp_u32);
    gs_qsort(dec, (size_t)ndec, sizeof *dec, cmp_u64);
    size_t a = 0, b = 0;
    uint64_t matched = 0;
    uint32_t extra_node = GS_NO_NODE;
    while (a < nt || b < ndec) {
        uint32_t d = b < ndec ? (uint32_t)(dec[b] >> 32) : 0;
        if (a < nt && b < ndec && trav[a] == d) {
            matched++;
            a++;
            b++;
        } else if (b >= ndec || (a < nt && trav[a] < d)) {
            missing++;
            if (!missing_addr)
                missing_addr = s->addr[trav[a]];
            a++;
        } else {
            uint64_t edge = first + (dec[b] & 0xffffffffu);
            if (!(s->types[s->type[d]].flags & (uint64_t)L->flag_have_gc) ||
                untraversed_by_design(s, gs_py_layout_has(L->flag_inline_values) ? (uint64_t)L->flag_inline_values : 0,
                                      node, s->out_label[edge])) {
                untraversed++;
            } else {
                extra++;
                if (extra_node == GS_NO_NODE)
                    extra_node = d;
            }
            b++;
        }
    }
    vt->traverse_edges += nrefs;
    vt->decoder_edges += ndec;
    vt->matched += matched;
    vt->untraversed += untraversed;
    if (!missing && !extra)
        return;
    if (!vt->differing++) {
        vt->example = node;
        vt->example_missing = missing_addr;
        vt->example_extra = extra_node;
    }
}

gs_status gs_verify_referents(const struct gs_capture *cap, const struct gs_snapshot *s, struct gs_verify **out,
                              gs_error *err)
{
    *out = NULL;
    if (!cap->image)
        return gs_fail(err, GS_ERR_INTERNAL, "--verify-referents: the capture's image was released");
    const char *why = NULL;
    gs_emu *e = gs_emu_new(gs_image_reader(cap->image), &cap->maps, cap->emu_files, NULL, &why);
    if (!e)
        return gs_fail(err, GS_ERR_USAGE, "--verify-referents: the emulator cannot start (%s)", why ? why : "?");
    struct gs_py_ctx c = cap->rt.ctx;
    c.emu = NULL;
    size_t n = (size_t)s->nobjects;
    uint64_t *objs = gs_xreallocarray(NULL, n ? n : 1, sizeof *objs);
    uint64_t *fns = gs_xreallocarray(NULL, n ? n : 1, sizeof *fns);
    uint32_t *nodes = gs_xreallocarray(NULL, n ? n : 1, sizeof *nodes);
    struct gs_verify *v = gs_xcalloc(1, sizeof *v);
    size_t k = choose(&c, s, objs, fns, nodes, &v->undecided);
    gs_emu_run(e, objs, fns, k);

    struct gs_verify_type *per = gs_xcalloc((size_t)s->ntypes + 1, sizeof *per);
    for (size_t t = 0; t < s->ntypes; t++)
        per[t] = (struct gs_verify_type){.type = (uint32_t)t, .example = GS_NO_NODE, .example_extra = GS_NO_NODE};
    struct scratch sc = {0};
    for (size_t i = 0; i < k; i++) {
        struct gs_verify_type *vt = &per[s->type[nodes[i]]];
        const uint64_t *refs;
        size_t nrefs;
        int outcome = gs_emu_result(e, objs[i], &refs, &nrefs);
        vt->objects++;
        if (outcome != GS_EMU_OK) {
            if (!vt->unknown++)
                vt->unknown_reason = outcome < 0 ? GS_EMU_ENGINE : (uint32_t)outcome;
            continue;
        }
        compare(s, c.L, nodes[i], refs, nrefs, vt, &sc);
    }
    free(sc.trav);
    free(sc.dec);
    free(objs);
    free(fns);
    free(nodes);
    gs_emu_free(e);

    /* Keep the types that had objects to check. */
    size_t m = 0;
    for (size_t t = 0; t < s->ntypes; t++) {
        if (!per[t].objects)
            continue;
        per[m++] = per[t];
        const struct gs_verify_type *vt = &per[m - 1];
        v->objects += vt->objects;
        v->unknown += vt->unknown;
        v->differing += vt->differing;
        v->traverse_edges += vt->traverse_edges;
        v->decoder_edges += vt->decoder_edges;
        v->matched += vt->matched;
        v->untraversed += vt->untraversed;
        if (vt->differing)
            v->types_differing++;
    }
    gs_qsort(per, m, sizeof *per, by_differences);
    v->types = per;
    v->ntypes = m;
    *out = v;
    return GS_OK;
}

void gs_verify_free(struct gs_verify *v)
{
    if (!v)
        return;
    free(v->types);
    free(v);
}
