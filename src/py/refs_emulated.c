/* refs_emulated.c: the dispatcher's side of the emulated traverse (see
 * emulated.h): which function to run for a type, batches, labels, and the
 * conservative scan of non-GC compiled objects.
 *
 * Labels. Each visited pointer is matched against the object's own words
 * (its fixed part, tp_basicsize): the first unused word holding it names
 * the edge. A word's name comes, per type and once, from
 *   - tp_members of the type and its bases (T_OBJECT, T_OBJECT_EX): ".name";
 *   - tp_getset of the type and its bases: each getter is run once in the
 *     emulator on the first object of the type, and the word of the object
 *     it loaded its return value from is the attribute's (asyncio's Task
 *     "._coro", a Future's "._result", a mypyc or Cython class's
 *     attributes). A getter that returns None or a new object (a Future's
 *     "._callbacks" builds a list) names nothing;
 *   - else the offset, "+0x18".
 * A variable-size object's items are its words too ("[3]"). A word holding
 * the pointer with its low bit set holds it too, when no word holds it as
 * is: mypyc keeps int attributes tagged (CPyTagged), and its traverse
 * visits the boxed int's address. A pointer found in no word of the
 * object was read from a block the object points to
 * (multidict's array of pairs, a C++ object behind a pointer): labelled by
 * the word that points to the block and its place there, "+0x20[3]" (or
 * ".name[3]"); "(separate block)" only when no block the object's words
 * point to holds it in its first 4 KiB.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/emulated.h"
#include "py/refcount.h"
#include "py/refs_internal.h"
#include "util/addrmap.h"
#include "util/alloc.h"

#define MAX_BASE_DEPTH 64
#define MAX_MEMBERS 1024
#define MAX_GETSETS 256
#define MAX_WORDS 512      /* words of an object matched for labels (4 KiB) */
#define T_OBJECT_TYPE 6
#define T_OBJECT_EX_TYPE 16
#define GETSETDEF_SIZE 40 /* PyGetSetDef: name, get, set, doc, closure (3.8-3.15) */
#define MAX_GETTER_RETRIES 8
#define MAX_PLAUSIBLE_REFCNT ((int64_t)1 << 40) /* the conservative scan's bound on a candidate's count */ /* objects per type a getter that named nothing is tried on again */

enum mode { MODE_NONE, MODE_TRAVERSE, MODE_SCAN };

struct word_name {
    int64_t offset;
    char *name;
};

struct emu_type {
    uint64_t fn; /* the traverse to run (MODE_TRAVERSE) */
    enum mode mode;
    bool named; /* names below were looked up */
    /* getters that named no word on the objects tried so far (their field
     * was NULL there): tried again on later objects, a few times */
    struct getter {
        uint64_t get, closure;
        char *name;
    } *pending;
    size_t npending;
    int retries;
    struct word_name *names;
    size_t nnames;
};

struct blocks;

struct gs_py_emu {
    gs_emu *emu;
    struct blocks *blocks; /* read_blocks' buffer, kept from object to object (64 KiB) */
    gs_addrmap index; /* type address -> entry + 1 */
    struct emu_type *v;
    size_t n, cap;
    struct gs_py_emu_last last;
};

struct gs_py_emu *gs_py_emu_new(gs_reader *image, const gs_maps *maps, const struct gs_emu_files *files, const char **why)
{
    /* The operator's way to keep the emulator out (docs/security.md). */
    const char *off = getenv("GCSCOPE_NO_EMULATION");
    if (off && strcmp(off, "1") == 0) {
        *why = "GCSCOPE_NO_EMULATION=1";
        return NULL;
    }
    gs_emu *e = gs_emu_new(image, maps, files, NULL, why);
    if (!e)
        return NULL;
    struct gs_py_emu *pe = gs_xcalloc(1, sizeof *pe);
    pe->emu = e;
    gs_addrmap_init(&pe->index);
    return pe;
}

void gs_py_emu_free(struct gs_py_emu *pe)
{
    if (!pe)
        return;
    gs_emu_free(pe->emu);
    free(pe->blocks);
    for (size_t i = 0; i < pe->n; i++) {
        for (size_t k = 0; k < pe->v[i].nnames; k++)
            free(pe->v[i].names[k].name);
        free(pe->v[i].names);
        for (size_t k = 0; k < pe->v[i].npending; k++)
            free(pe->v[i].pending[k].name);
        free(pe->v[i].pending);
    }
    free(pe->v);
    gs_addrmap_free(&pe->index);
    free(pe);
}

const struct gs_emu_stats *gs_py_emu_stats(const struct gs_py_emu *pe) { return pe ? gs_emu_stats(pe->emu) : NULL; }

void gs_py_emu_report_stats(const struct gs_py_emu *pe, const char *why)
{
    const char *env = getenv("GCSCOPE_EMU_STATS");
    if (!env || (strcmp(env, "1") != 0 && strcmp(env, "2") != 0))
        return;
    if (!pe) {
        fprintf(stderr, "gcscope: emulation: off (%s)\n", why ? why : "?");
        return;
    }
    const struct gs_emu_stats *st = gs_emu_stats(pe->emu);
    fprintf(stderr,
            "gcscope: emulation: %llu objects, %.3f ms (%.3f us an object), %llu starts, %llu mappings, %.1f MiB mapped;",
            (unsigned long long)st->objects, st->seconds * 1e3, st->objects ? st->seconds * 1e6 / (double)st->objects : 0.0,
            (unsigned long long)st->starts, (unsigned long long)st->mappings, (double)st->mapped_bytes / (1 << 20));
    for (unsigned o = 0; o < GS_EMU_OUTCOME_COUNT; o++)
        if (st->by_outcome[o])
            fprintf(stderr, " %s=%llu", gs_emu_outcome_key(o), (unsigned long long)st->by_outcome[o]);
    fprintf(stderr, "; mapping %.3f ms (%llu image pieces, %.1f MiB read from files, %.1f MiB copied); %llu getter probes %.3f ms",
            st->map_seconds * 1e3, (unsigned long long)st->pieces, (double)st->file_bytes / (1 << 20), (double)st->copied_bytes / (1 << 20),
            (unsigned long long)st->probes, st->probe_seconds * 1e3);
    if (st->steady_objects)
        fprintf(stderr, "; steady state %llu objects %.3f ms (%.3f us an object)",
                (unsigned long long)st->steady_objects, st->steady_seconds * 1e3,
                st->steady_seconds * 1e6 / (double)st->steady_objects);
    fputc('\n', stderr);
}

struct gs_py_emu_last gs_py_emu_last(const struct gs_py_ctx *c)
{
    struct gs_py_emu_last none = {0};
    return c->emu ? c->emu->last : none;
}

/* --- which function, per type ---------------------------------------------- */

static bool type_name_is(const struct gs_py_ctx *c, uint64_t type, const char *want)
{
    uint64_t p;
    char name[64];
    return gs_py_field_ptr(c, type, c->L->type_name, &p) && gs_read_cstring(c->r, p, name, sizeof name) &&
           strcmp(name, want) == 0;
}

/* The first type from `type` up its tp_base chain that is not a Python
 * class (whose subtype_traverse the hand decoder replaces) and has a
 * tp_traverse; its traverse visits what its own C struct and its C bases
 * hold. Or a scan of the words of a static non-GC type. */
static void resolve(const struct gs_py_ctx *c, const struct gs_py_type_info *t, struct emu_type *et)
{
    const struct gs_py_layout *L = c->L;
    uint64_t type = t->addr;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        uint64_t flags, fn;
        if (!gs_py_type_flags(c, type, &flags) || !gs_py_field_ptr(c, type, L->type_traverse, &fn))
            return;
        if (type_name_is(c, type, "object"))
            break;
        if (!gs_py_is_python_class(c, type, flags) && fn) {
            et->fn = fn;
            et->mode = MODE_TRAVERSE;
            return;
        }
        if (!gs_py_field_ptr(c, type, L->type_base, &type))
            return;
    }
    /* No traverse: a static type that holds no reference the collector must
     * see, but may still hold strong ones (range's start and stop). Not a
     * capsule: its words are C pointers (an extension's C API table, whose
     * first words can look like an object header: _socket's and greenlet's
     * did, and gave false edges to "objects" inside them). */
    if (!t->heaptype && !t->is_gc && t->basicsize > L->object_size && !type_name_is(c, t->addr, "PyCapsule"))
        et->mode = MODE_SCAN;
}

static struct emu_type *type_entry(struct gs_py_emu *pe, const struct gs_py_ctx *c, const struct gs_py_type_info *t)
{
    uint32_t *hit = gs_addrmap_get(&pe->index, t->addr);
    if (hit)
        return &pe->v[*hit - 1];
    if (pe->n == pe->cap) {
        pe->cap = pe->cap ? pe->cap * 2 : 64;
        pe->v = gs_xreallocarray(pe->v, pe->cap, sizeof *pe->v);
    }
    struct emu_type *et = &pe->v[pe->n];
    memset(et, 0, sizeof *et);
    resolve(c, t, et);
    gs_addrmap_put(&pe->index, t->addr, (uint32_t)++pe->n);
    return et;
}

bool gs_py_emu_type_inert(const struct gs_py_ctx *c, const struct gs_py_type_info *t)
{
    if (!c->emu)
        return true;
    if (t->kind == GS_PYK_MODULE)
        return false; /* an extension's module state: m_traverse, emulated */
    return t->kind != GS_PYK_OBJECT || !t->addr || type_entry(c->emu, c, t)->mode == MODE_NONE;
}

void gs_py_emu_prepare(const struct gs_py_ctx *c, struct gs_py_types *types, const uint64_t *addrs, const uint32_t *type_idx,
                    size_t n)
{
    struct gs_py_emu *pe = c->emu;
    if (!pe)
        return;
    /* Whether a type's objects run their traverse, and which, is asked once
     * per type (runs: 0 not yet, 1 yes, 2 no); the lists are as long as the
     * objects that run one (none on a heap of plain Python objects), where
     * two arrays as long as the nodes were fresh pages to fault in. */
    uint8_t *runs = gs_xcalloc(types->n ? types->n : 1, sizeof *runs);
    uint64_t *fn_of = gs_xcalloc(types->n ? types->n : 1, sizeof *fn_of);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t ti = type_idx[i];
        if (ti == GS_PY_TYPE_BAD || ti >= types->n)
            continue;
        if (!runs[ti]) {
            const struct gs_py_type_info *t = &types->v[ti];
            const struct emu_type *et = t->kind == GS_PYK_OBJECT ? type_entry(pe, c, t) : NULL;
            runs[ti] = et && et->mode == MODE_TRAVERSE ? 1 : 2;
            fn_of[ti] = et ? et->fn : 0;
        }
        k += runs[ti] == 1;
    }
    uint64_t *objs = gs_xreallocarray(NULL, k ? k : 1, sizeof *objs);
    uint64_t *fns = gs_xreallocarray(NULL, k ? k : 1, sizeof *fns);
    size_t listed = k;
    k = 0;
    for (size_t i = 0; k < listed && i < n; i++) {
        uint32_t ti = type_idx[i];
        if (ti != GS_PY_TYPE_BAD && ti < types->n && runs[ti] == 1) {
            objs[k] = addrs[i];
            fns[k] = fn_of[ti];
            k++;
        }
    }
    free(runs);
    free(fn_of);
    gs_emu_run(pe->emu, objs, fns, k);
    const char *env = getenv("GCSCOPE_EMU_STATS");
    if (env && strcmp(env, "2") == 0)
        gs_emu_time_again(pe->emu, objs, fns, k); /* the benchmark's steady state */
    free(objs);
    free(fns);
}

/* --- names of words ----------------------------------------------------------- */

static void add_name(struct emu_type *et, int64_t offset, const char *name)
{
    for (size_t i = 0; i < et->nnames; i++)
        if (et->names[i].offset == offset)
            return; /* the first name found for a word wins: the type's own before its bases' */
    et->names = gs_xreallocarray(et->names, et->nnames + 1, sizeof *et->names);
    et->names[et->nnames++] = (struct word_name){offset, gs_xstrdup(name)};
}

static void member_names(const struct gs_py_ctx *c, uint64_t type, int64_t basicsize, struct emu_type *et)
{
    const struct gs_py_layout *L = c->L;
    uint64_t members;
    if (!gs_py_field_ptr(c, type, L->type_members, &members) || !members)
        return;
    for (int i = 0; i < MAX_MEMBERS; i++) {
        uint64_t m = members + (uint64_t)(i * L->memberdef_size), name_ptr;
        int32_t mtype;
        int64_t offset;
        char name[128];
        if (!gs_py_field_ptr(c, m, L->memberdef_name, &name_ptr) || !name_ptr ||
            !gs_read_i32(c->r, m + (uint64_t)L->memberdef_type, &mtype) ||
            !gs_py_field_ssize(c, m, L->memberdef_offset, &offset))
            return;
        if ((mtype == T_OBJECT_TYPE || mtype == T_OBJECT_EX_TYPE) && offset >= 16 && offset + 8 <= basicsize &&
            gs_read_cstring(c->r, name_ptr, name, sizeof name))
            add_name(et, offset, name);
    }
}

/* Each getter of tp_getset, run once on `obj`: the word it returns. */
static void getset_names(const struct gs_py_ctx *c, struct gs_py_emu *pe, uint64_t type, uint64_t obj, int64_t basicsize,
                         struct emu_type *et)
{
    uint64_t getset;
    if (!gs_py_field_ptr(c, type, c->L->type_getset, &getset) || !getset)
        return;
    for (int i = 0; i < MAX_GETSETS; i++) {
        uint64_t g = getset + (uint64_t)i * GETSETDEF_SIZE, name_ptr, get, closure;
        char name[128];
        if (!gs_py_read_ptr(c, g, &name_ptr) || !name_ptr || !gs_py_read_ptr(c, g + 8, &get) ||
            !gs_py_read_ptr(c, g + 32, &closure))
            return;
        if (!get || !gs_read_cstring(c->r, name_ptr, name, sizeof name) || strcmp(name, "__dict__") == 0 ||
            strcmp(name, "__weakref__") == 0)
            continue;
        int64_t off = gs_emu_getter_word(pe->emu, get, obj, closure, 16, (uint64_t)basicsize);
        if (off >= 16) {
            add_name(et, off, name);
        } else {
            et->pending = gs_xreallocarray(et->pending, et->npending + 1, sizeof *et->pending);
            et->pending[et->npending++] = (struct getter){get, closure, gs_xstrdup(name)};
        }
    }
}

static void learn_names(const struct gs_py_ctx *c, struct gs_py_emu *pe, const struct gs_py_type_info *t, uint64_t obj,
                        struct emu_type *et)
{
    et->named = true;
    uint64_t type = t->addr;
    for (int depth = 0; type && depth < MAX_BASE_DEPTH; depth++) {
        if (type_name_is(c, type, "object"))
            break;
        member_names(c, type, t->basicsize, et);
        if (et->mode == MODE_TRAVERSE)
            getset_names(c, pe, type, obj, t->basicsize, et);
        if (!gs_py_field_ptr(c, type, c->L->type_base, &type))
            break;
    }
}

/* The getters that named nothing yet, tried on another object. */
static void retry_getters(struct gs_py_emu *pe, const struct gs_py_type_info *t, uint64_t obj, struct emu_type *et)
{
    et->retries++;
    size_t keep = 0;
    for (size_t i = 0; i < et->npending; i++) {
        struct getter *g = &et->pending[i];
        int64_t off = gs_emu_getter_word(pe->emu, g->get, obj, g->closure, 16, (uint64_t)t->basicsize);
        if (off >= 16) {
            add_name(et, off, g->name);
            free(g->name);
        } else {
            et->pending[keep++] = *g;
        }
    }
    et->npending = keep;
}

static const char *word_name(const struct emu_type *et, int64_t offset)
{
    for (size_t i = 0; i < et->nnames; i++)
        if (et->names[i].offset == offset)
            return et->names[i].name;
    return NULL;
}

/* --- reporting ---------------------------------------------------------------- */

/* The object's words, for labels: which one held each referent. A
 * variable-size object's items (itemsize > 0: a hamt node's array) count
 * as its words too. */
struct words {
    uint64_t w[MAX_WORDS];
    bool used[MAX_WORDS];
    size_t n;
    int64_t basicsize, itemsize; /* words from basicsize on are items */
    struct blocks *blocks;       /* read on the first referent found in no word (NULL before) */
};

/* The blocks the object's words point to (multidict's array of pairs, a
 * C++ object behind a pointer): a referent found in none of the object's
 * words is looked for there, and labelled by the word that points to the
 * block and its place in it, "+0x20[3]". */
#define MAX_BLOCKS 16
#define BLOCK_WORDS 512 /* 4 KiB of each */
struct blocks {
    uint64_t w[MAX_BLOCKS][BLOCK_WORDS];
    size_t n[MAX_BLOCKS];
    size_t from[MAX_BLOCKS]; /* the object's word that points to it */
    size_t count;
};

static void read_words(const struct gs_py_refs_ctx *rc, struct words *ws)
{
    int64_t size = rc->t->basicsize, items;
    if (size < 0)
        size = 0;
    ws->basicsize = size;
    ws->itemsize = rc->t->itemsize;
    ws->blocks = NULL;
    if (ws->itemsize > 0 && gs_py_field_ssize(rc->c, rc->obj, rc->c->L->varobject_ob_size, &items) && items > 0 &&
        items < MAX_WORDS)
        size += items * ws->itemsize;
    ws->n = (size_t)size / 8 < MAX_WORDS ? (size_t)size / 8 : MAX_WORDS;
    while (ws->n && !gs_read_exact(rc->c->r, rc->obj, ws->w, ws->n * 8))
        ws->n /= 2; /* an unreadable tail: keep what can be read */
    memset(ws->used, 0, sizeof ws->used);
}

/* Into the emulator's buffer, allocated once and not cleared: only the
 * words each block was read into are looked at. Clearing 64 KiB for each
 * object that had one referent outside its words was a third of the
 * labels' time on mypy's heap. */
static void read_blocks(const struct gs_py_refs_ctx *rc, struct words *ws)
{
    struct gs_py_emu *pe = rc->c->emu;
    if (!pe->blocks)
        pe->blocks = gs_xmalloc(sizeof *pe->blocks);
    struct blocks *b = ws->blocks = pe->blocks;
    b->count = 0;
    for (size_t i = 2; i < ws->n && b->count < MAX_BLOCKS; i++) {
        uint64_t p = ws->w[i];
        if (p < 4096 || (p & 7) || p == rc->obj)
            continue;
        size_t n = BLOCK_WORDS;
        while (n >= 8 && !gs_read_exact(rc->c->r, p, b->w[b->count], n * 8))
            n /= 2; /* the block may end before a page does */
        if (n < 8)
            continue;
        b->n[b->count] = n;
        b->from[b->count++] = i;
    }
}

/* The name of the object's word i: its attribute, its item, or "+0x18". */
/* Digits of v in base 16 or 10 at p, most significant first; returns the
 * end. */
static char *put_digits(char *p, uint64_t v, unsigned base)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* What snprintf made of the three forms, without its cost (it was a
 * quarter of the labels' time: one call per edge). cap >= 32. */
static void word_label(const struct emu_type *et, const struct words *ws, size_t i, char *text, size_t cap,
                       bool *attr)
{
    int64_t off = (int64_t)i * 8;
    const char *name = word_name(et, off);
    char *p = text;
    *attr = name != NULL;
    if (name) {
        size_t n = strlen(name);
        if (n >= cap)
            n = cap - 1;
        memcpy(text, name, n);
        p = text + n;
    } else if (off >= ws->basicsize && ws->itemsize == 8) {
        *p++ = '[';
        p = put_digits(p, (uint64_t)((off - ws->basicsize) / 8), 10); /* off >= basicsize >= 0 */
        *p++ = ']';
    } else {
        *p++ = '+';
        *p++ = '0';
        *p++ = 'x';
        p = put_digits(p, (uint64_t)i * 8, 16);
    }
    *p = '\0';
}

static void emit_labelled(const struct gs_py_refs_ctx *rc, const struct emu_type *et, struct words *ws, uint64_t v)
{
    char text[160], word[128];
    bool attr;
    for (size_t i = 2; i < ws->n; i++) {
        if (ws->w[i] != v || ws->used[i])
            continue;
        ws->used[i] = true;
        word_label(et, ws, i, text, sizeof text, &attr);
        gs_py_refs_emit(rc, v, attr ? GS_LABEL_ATTR : GS_LABEL_WORD, 0, text);
        return;
    }
    /* A tagged word: mypyc keeps an int attribute as a CPyTagged, a boxed
     * int's address with its low bit set, and its traverse visits the
     * address without the bit. */
    if (!(v & 1))
        for (size_t i = 2; i < ws->n; i++) {
            if (ws->w[i] != (v | 1) || ws->used[i])
                continue;
            ws->used[i] = true;
            word_label(et, ws, i, text, sizeof text, &attr);
            gs_py_refs_emit(rc, v, attr ? GS_LABEL_ATTR : GS_LABEL_WORD, 0, text);
            return;
        }
    /* In no word of the object: read from a block one of its words points
     * to (each place used once, as the object's own words are). */
    if (!ws->blocks)
        read_blocks(rc, ws);
    struct blocks *b = ws->blocks;
    for (size_t k = 0; k < b->count; k++)
        for (size_t j = 0; j < b->n[k]; j++) {
            if (b->w[k][j] != v)
                continue;
            b->w[k][j] = 0;
            word_label(et, ws, b->from[k], word, sizeof word, &attr);
            snprintf(text, sizeof text, "%s%s[%zu]", attr ? "." : "", word, j);
            gs_py_refs_emit(rc, v, GS_LABEL_WORD, 0, text);
            return;
        }
    snprintf(text, sizeof text, "(separate block)");
    gs_py_refs_emit(rc, v, GS_LABEL_WORD, 0, text);
}

/* Does one of the referents lie in a word of the object with no name? */
static bool unnamed_word(const struct emu_type *et, const struct words *ws, const uint64_t *refs, size_t nrefs)
{
    for (size_t i = 2; i < ws->n; i++)
        if (ws->w[i] && !word_name(et, (int64_t)i * 8))
            for (size_t k = 0; k < nrefs; k++)
                if (refs[k] == ws->w[i] || (!(refs[k] & 1) && (refs[k] | 1) == ws->w[i]))
                    return true;
    return false;
}

/* --- the sink that remembers what the hand decoders reported ------------------ */

static void seen_strong(struct gs_py_refs_sink *sk, uint64_t dst, enum gs_label_kind kind, uint64_t num, const char *name)
{
    struct gs_py_emu_seen *s = (struct gs_py_emu_seen *)sk;
    if (s->n < GS_PY_EMU_SEEN_MAX)
        s->dst[s->n++] = dst;
    s->inner->strong(s->inner, dst, kind, num, name);
}

static void seen_weak(struct gs_py_refs_sink *sk, uint64_t dst)
{
    struct gs_py_emu_seen *s = (struct gs_py_emu_seen *)sk;
    s->inner->weak(s->inner, dst);
}

void gs_py_emu_seen_begin(struct gs_py_emu_seen *s, struct gs_py_refs_ctx *rc)
{
    rc->c->emu->last = (struct gs_py_emu_last){0};
    s->base.strong = seen_strong;
    s->base.weak = seen_weak;
    s->inner = rc->sink;
    s->n = 0;
    rc->sink = &s->base;
}

enum gs_py_decode gs_py_refs_emulated(const struct gs_py_refs_ctx *rc, const struct gs_py_emu_seen *seen, bool *decoded)
{
    struct gs_py_emu *pe = rc->c->emu;
    if (rc->t->kind != GS_PYK_OBJECT || !rc->t->addr)
        return GS_PY_DECODE_OK;
    /* Report past the recording sink: only the hand decoders' edges count as seen. */
    struct gs_py_refs_ctx out = *rc;
    out.sink = seen->inner;
    size_t nseen = seen->n;
    struct emu_type *et = type_entry(pe, rc->c, rc->t);
    if (et->mode == MODE_NONE)
        return GS_PY_DECODE_OK;
    struct words ws;
    read_words(rc, &ws);
    bool skip[GS_PY_EMU_SEEN_MAX] = {0}; /* hand-reported referents, each matched once */
    if (et->mode == MODE_SCAN) {
        if (*decoded)
            return GS_PY_DECODE_OK; /* members or a decoder said it all */
        for (size_t i = 2; i < ws.n; i++) {
            uint64_t v = ws.w[i];
            if (v < 4096 || (v & 7) || v == rc->obj)
                continue;
            /* An object header: a plausible reference count (a pointer's
             * bits are not one) and a type. */
            uint64_t type;
            int64_t refcnt;
            if (!gs_py_object_refcount(rc->c, NULL, v, &refcnt, &type) ||
                (!gs_py_refcnt_is_immortal(refcnt) && (refcnt < 1 || refcnt > MAX_PLAUSIBLE_REFCNT)) ||
                !gs_py_is_type(rc->c, type))
                continue;
            char text[32];
            snprintf(text, sizeof text, "+0x%zx", i * 8);
            gs_py_refs_emit(&out, v, GS_LABEL_INFERRED, 0, text);
        }
        pe->last.inferred = true;
        *decoded = true;
        return GS_PY_DECODE_OK;
    }
    const uint64_t *refs;
    size_t nrefs;
    int outcome = gs_emu_result(pe->emu, rc->obj, &refs, &nrefs);
    if (outcome < 0) { /* not prepared (found after the collector's lists): run it alone */
        gs_emu_run(pe->emu, &rc->obj, &et->fn, 1);
        outcome = gs_emu_result(pe->emu, rc->obj, &refs, &nrefs);
    }
    if (outcome != GS_EMU_OK) {
        pe->last.unknown = outcome < 0 ? GS_EMU_ENGINE : outcome;
        return GS_PY_DECODE_OPAQUE; /* what the traverse would visit stays unknown */
    }
    if (!et->named)
        learn_names(rc->c, pe, rc->t, rc->obj, et);
    else if (et->npending && et->retries < MAX_GETTER_RETRIES && unnamed_word(et, &ws, refs, nrefs))
        retry_getters(pe, rc->t, rc->obj, et);
    for (size_t i = 0; i < nrefs; i++) {
        uint64_t v = refs[i];
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            if (!skip[k] && seen->dst[k] == v) {
                skip[k] = dup = true;
                break;
            }
        if (!dup)
            emit_labelled(&out, et, &ws, v);
    }
    pe->last.emulated = true;
    *decoded = true;
    return GS_PY_DECODE_OK;
}

/* --- a module's state: its PyModuleDef's m_traverse ------------------------ */

/* PyModuleDef: m_size, then m_methods, m_slots, m_traverse (unchanged since
 * 3.5, Include/moduleobject.h). */
#define MODULEDEF_TRAVERSE_AFTER_SIZE 24
#define MAX_STATE_WORDS 512 /* words of a module state matched for labels */

/* module_traverse runs md_def->m_traverse (3.15: md_state_traverse, with
 * md_state_size) before it visits md_dict (when
 * m_size <= 0 or the state exists, bpo-39824): the references a C
 * extension keeps in its module state (its types, exceptions, caches).
 * Labelled by the word of the state they were read from. */
enum gs_py_decode gs_py_refs_module_state(const struct gs_py_refs_ctx *rc)
{
    const struct gs_py_ctx *c = rc->c;
    const struct gs_py_layout *L = c->L;
    struct gs_py_emu *pe = c->emu;
    uint64_t def = 0, state, fn;
    int64_t size;
    if (!pe || !gs_py_field_ptr(c, rc->obj, L->module_state, &state))
        return GS_PY_DECODE_OK;
    if (gs_py_layout_has(L->module_state_traverse)) { /* 3.15+: in the module */
        if (!gs_py_field_ptr(c, rc->obj, L->module_state_traverse, &fn) || !fn ||
            !gs_py_field_ssize(c, rc->obj, L->module_state_size, &size))
            return GS_PY_DECODE_OK;
    } else if (!gs_py_field_ptr(c, rc->obj, L->module_def, &def) || !def ||
               !gs_py_field_ssize(c, def, L->moduledef_size_field, &size) ||
               !gs_py_field_ptr(c, def, L->moduledef_size_field + MODULEDEF_TRAVERSE_AFTER_SIZE, &fn) || !fn) {
        return GS_PY_DECODE_OK;
    }
    if (size > 0 && !state)
        return GS_PY_DECODE_OK;
    const uint64_t *refs;
    size_t nrefs;
    int outcome = gs_emu_result(pe->emu, rc->obj, &refs, &nrefs);
    if (outcome < 0) {
        gs_emu_run(pe->emu, &rc->obj, &fn, 1);
        outcome = gs_emu_result(pe->emu, rc->obj, &refs, &nrefs);
    }
    if (outcome != GS_EMU_OK) {
        pe->last.unknown = outcome < 0 ? GS_EMU_ENGINE : outcome;
        return GS_PY_DECODE_OPAQUE;
    }
    uint64_t words[MAX_STATE_WORDS];
    bool used[MAX_STATE_WORDS] = {0};
    size_t nwords = size > 0 && state ? (size_t)size / 8 : 0;
    if (nwords > MAX_STATE_WORDS)
        nwords = MAX_STATE_WORDS;
    while (nwords && !gs_read_exact(c->r, state, words, nwords * 8))
        nwords /= 2;
    for (size_t i = 0; i < nrefs; i++) {
        char text[64];
        snprintf(text, sizeof text, "(module state)");
        for (size_t w = 0; w < nwords; w++)
            if (!used[w] && words[w] == refs[i]) {
                used[w] = true;
                snprintf(text, sizeof text, "(module state)+0x%zx", w * 8);
                break;
            }
        gs_py_refs_emit(rc, refs[i], GS_LABEL_WORD, 0, text);
    }
    pe->last.emulated = true;
    return GS_PY_DECODE_OK;
}
