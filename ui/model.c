/* model.c: the browser's analyses, computed once and lazily (model.h).
 *
 * Two pieces here duplicate what a report computes in a static function,
 * because no public function offers it yet (the lead knows; each is to be
 * replaced by a call once analysis.h has one):
 *   - the retained size of a type (MAT's definition, as retained.c's
 *     rank_types): computed over this file's child lists of the dominator
 *     tree, which the tree view needs anyway;
 *   - a loop through a cycle (a breadth-first search inside the cycle, as
 *     cycles.c's find_loop).
 * The suspects are --dump-suspects' own list (report/suspects.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/kinds.h"
#include "report/report.h"
#include "ui/list.h"
#include "ui/model.h"
#include "util/alloc.h"
#include "util/sort.h"

#define PATH_STEPS 256            /* the reports cut paths there too */

static const char *const class_names[GS_CYCLE_CLASS_COUNT] = {"garbage-with-finalizers", "garbage", "reachable"};

const char *gs_cycle_class_name(int cls) { return cls >= 0 && cls < GS_CYCLE_CLASS_COUNT ? class_names[cls] : "?"; }

void gs_model_init(struct gs_model *m, const struct gs_snapshot *s, void (*progress)(void *, const char *), void *arg)
{
    memset(m, 0, sizeof *m);
    m->s = s;
    m->progress = progress;
    m->progress_arg = arg;
}

void gs_model_free(struct gs_model *m)
{
    if (m->have & GS_NEED_SCC)
        gs_scc_free(&m->scc);
    free(m->garbage);
    if (m->have & GS_NEED_PATHS)
        gs_paths_free(&m->paths);
    if (m->have & GS_NEED_DOM)
        gs_dominators_free(&m->dom);
    free(m->types);
    free(m->dt_off);
    free(m->dt_child);
    free(m->dt_sorted);
    free(m->cycles);
    gs_suspects_free(&m->suspects);
    free(m->by_type_off);
    free(m->by_type);
    free(m->by_type_addr);
    memset(m, 0, sizeof *m);
}

static void progress(struct gs_model *m, const char *what)
{
    char n[32], msg[160];
    if (!m->progress)
        return;
    snprintf(msg, sizeof msg, "computing %s over %s objects...", what, gs_fmt_count(m->s->nobjects, n, sizeof n));
    m->progress(m->progress_arg, msg);
}

static bool nomem(struct gs_model *m, const char *what)
{
    gs_fail(&m->err, GS_ERR_NOMEM, "out of memory %s", what);
    return false;
}

static bool is_heap_type(const struct gs_snapshot *s, uint32_t node)
{
    return s->type[node] < s->ntypes && (s->types[s->type[node]].facts & GS_TYPE_HEAPTYPE);
}

/* --- per type ------------------------------------------------------------------ */

static bool build_types(struct gs_model *m)
{
    const struct gs_snapshot *s = m->s;
    m->types = calloc(s->ntypes ? s->ntypes : 1, sizeof *m->types);
    if (!m->types)
        return nomem(m, "counting the types");
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t t = s->type[i] < s->ntypes ? s->type[i] : 0;
        m->types[t].count++;
        m->types[t].shallow += s->size[i];
    }
    return true;
}

/* Every node in its type's slice (a counting sort by type over the nodes
 * in address order), twice: in address order, and sorted by retained size
 * when the dominators are there (ties by address). Opening the instances
 * of a type, or sorting them by either, is then a slice. */
static bool build_by_type(struct gs_model *m)
{
    const struct gs_snapshot *s = m->s;
    size_t nt = s->ntypes ? (size_t)s->ntypes : 1, n = s->nobjects ? (size_t)s->nobjects : 1;
    m->by_type_off = calloc(nt + 1, sizeof *m->by_type_off);
    m->by_type_addr = gs_try_reallocarray(NULL, n, sizeof *m->by_type_addr);
    m->by_type = gs_try_reallocarray(NULL, n, sizeof *m->by_type);
    uint64_t *fill = gs_try_reallocarray(NULL, nt, sizeof *fill);
    if (!m->by_type_off || !m->by_type || !m->by_type_addr || !fill) {
        free(fill);
        return nomem(m, "grouping the objects by type");
    }
    for (uint64_t i = 0; i < s->nobjects; i++)
        m->by_type_off[(s->type[i] < nt ? s->type[i] : 0) + 1]++;
    for (size_t t = 0; t < nt; t++)
        m->by_type_off[t + 1] += m->by_type_off[t];
    memcpy(fill, m->by_type_off, nt * sizeof *fill);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint32_t node = s->by_addr[i];
        m->by_type_addr[fill[s->type[node] < nt ? s->type[node] : 0]++] = node;
    }
    free(fill);
    memcpy(m->by_type, m->by_type_addr, (size_t)s->nobjects * sizeof *m->by_type);
    if (!(m->have & GS_NEED_DOM))
        return true;
    for (size_t t = 0; t < nt; t++)
        if (!gs_sort_ids(m->by_type + m->by_type_off[t], (size_t)(m->by_type_off[t + 1] - m->by_type_off[t]),
                         m->dom.retained, true))
            return true; /* in address order: still right, only not by size */
    m->by_type_retained = true;
    return true;
}

/* --- the dominator tree ---------------------------------------------------------- */

static bool build_domtree(struct gs_model *m)
{
    const struct gs_snapshot *s = m->s;
    uint64_t n = s->nobjects;
    m->dt_off = calloc(n + 2, sizeof *m->dt_off);
    m->dt_sorted = calloc(n + 1, 1);
    uint64_t nchild = 0;
    for (uint64_t i = 0; i < n; i++)
        nchild += m->dom.reachable[i] != 0;
    m->dt_child = gs_try_reallocarray(NULL, nchild ? nchild : 1, sizeof *m->dt_child);
    if (!m->dt_off || !m->dt_sorted || !m->dt_child)
        return nomem(m, "building the dominator tree's child lists");
    /* Counting sort by parent: node order within each parent. */
    for (uint64_t i = 0; i < n; i++)
        if (m->dom.reachable[i])
            m->dt_off[(m->dom.idom[i] == GS_VIRTUAL_ROOT ? n : m->dom.idom[i]) + 1]++;
    for (uint64_t p = 0; p <= n; p++)
        m->dt_off[p + 1] += m->dt_off[p];
    uint64_t *fill = gs_try_reallocarray(NULL, n + 1, sizeof *fill);
    if (!fill)
        return nomem(m, "building the dominator tree's child lists");
    memcpy(fill, m->dt_off, (n + 1) * sizeof *fill);
    for (uint64_t i = 0; i < n; i++)
        if (m->dom.reachable[i])
            m->dt_child[fill[m->dom.idom[i] == GS_VIRTUAL_ROOT ? n : m->dom.idom[i]]++] = (uint32_t)i;
    free(fill);
    return true;
}

static int by_retained(const void *a, const void *b, void *arg)
{
    const uint64_t *r = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (r[x] != r[y])
        return r[x] > r[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

const uint32_t *gs_model_children(struct gs_model *m, uint32_t p, uint64_t *n)
{
    *n = 0;
    if (!(m->have & GS_NEED_DOMTREE) || p > m->s->nobjects)
        return NULL;
    uint32_t *c = m->dt_child + m->dt_off[p];
    *n = m->dt_off[p + 1] - m->dt_off[p];
    if (!m->dt_sorted[p]) {
        gs_qsort_r(c, (size_t)*n, sizeof *c, by_retained, m->dom.retained);
        m->dt_sorted[p] = 1;
    }
    return c;
}

/* MAT's retained size of a type: depth first over the tree, counting per
 * type the instances open on the current path; an instance entered while
 * none of its type is open counts (see the top of this file). */
static bool build_type_retained(struct gs_model *m)
{
    const struct gs_snapshot *s = m->s;
    uint32_t root = (uint32_t)s->nobjects;
    size_t nt = s->ntypes ? (size_t)s->ntypes : 1, depth = 0, cap = 1024;
    uint64_t *open = calloc(nt, sizeof *open);
    uint32_t *stack = gs_try_reallocarray(NULL, cap, sizeof *stack); /* nodes on the path */
    uint64_t *next = gs_try_reallocarray(NULL, cap, sizeof *next);   /* their next child */
    if (!open || !stack || !next) {
        free(open);
        free(stack);
        free(next);
        return nomem(m, "summing the retained size per type");
    }
    stack[0] = root;
    next[0] = m->dt_off[root];
    depth = 1;
    while (depth) {
        uint32_t v = stack[depth - 1];
        if (next[depth - 1] == m->dt_off[v + 1]) {
            depth--;
            if (v != root)
                open[s->type[v] < nt ? s->type[v] : 0]--;
            continue;
        }
        uint32_t c = m->dt_child[next[depth - 1]++];
        uint32_t t = s->type[c] < nt ? s->type[c] : 0;
        if (open[t]++ == 0)
            m->types[t].retained += m->dom.retained[c];
        if (depth == cap) {
            uint32_t *ns = gs_try_reallocarray(stack, cap * 2, sizeof *stack);
            if (ns)
                stack = ns;
            uint64_t *nn = ns ? gs_try_reallocarray(next, cap * 2, sizeof *next) : NULL;
            if (!nn) {
                free(open);
                free(stack);
                free(next);
                return nomem(m, "walking the dominator tree");
            }
            next = nn;
            cap *= 2;
        }
        stack[depth] = c;
        next[depth] = m->dt_off[c];
        depth++;
    }
    free(open);
    free(stack);
    free(next);
    return true;
}

/* --- cycles ------------------------------------------------------------------------ */

const uint32_t *gs_model_cycle_members(const struct gs_model *m, uint32_t id, uint64_t *n)
{
    *n = m->scc.off[id + 1] - m->scc.off[id];
    return m->scc.members + m->scc.off[id];
}

/* Garbage first; alive cycles holding instances of classes before the
 * interpreter's own; then bytes, members, number: the order of
 * --dump-cycles. */
static int cycle_rank(const void *a, const void *b)
{
    const struct gs_model_cycle *x = a, *y = b;
    bool gx = x->cls != GS_CYCLE_REACHABLE, gy = y->cls != GS_CYCLE_REACHABLE;
    if (gx != gy)
        return gx ? -1 : 1;
    if (!gx && x->internal != y->internal)
        return x->internal ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* A cycle's shape: its class and how many members of each type it has,
 * hashed independently of the members' order (a sum of mixed type ids). */
static uint64_t shape_hash(const struct gs_snapshot *s, const uint32_t *mem, uint64_t k, uint8_t cls)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL * (cls + 1) + k;
    for (uint64_t i = 0; i < k; i++) {
        uint64_t t = (uint64_t)s->type[mem[i]] + 1;
        t *= 0xff51afd7ed558ccdULL;
        t ^= t >> 33;
        t *= 0xc4ceb9fe1a85ec53ULL;
        h += t ^ (t >> 29);
    }
    return h;
}

/* Shapes together, the best ranked first within each. */
static int by_shape(const void *a, const void *b)
{
    const struct gs_model_cycle *x = a, *y = b;
    if (x->shape != y->shape)
        return x->shape < y->shape ? -1 : 1;
    return cycle_rank(a, b);
}

static bool build_cycles(struct gs_model *m)
{
    const struct gs_snapshot *s = m->s;
    size_t nc = (size_t)m->scc.ncycles;
    m->cycles = gs_try_reallocarray(NULL, nc ? nc : 1, sizeof *m->cycles);
    if (!m->cycles)
        return nomem(m, "ranking the cycles");
    for (size_t c = 0; c < nc; c++) {
        uint64_t k;
        const uint32_t *mem = gs_model_cycle_members(m, (uint32_t)c, &k);
        struct gs_model_cycle *cy = &m->cycles[c];
        bool finalizers = false;
        *cy = (struct gs_model_cycle){.id = (uint32_t)c, .internal = true, .count = k};
        for (uint64_t i = 0; i < k; i++) {
            cy->bytes += s->size[mem[i]];
            cy->internal &= !is_heap_type(s, mem[i]);
            finalizers |= gs_node_has_del(s, mem[i]);
        }
        /* All members share the class: garbage is closed under reference. */
        cy->cls = !m->garbage[mem[0]] ? GS_CYCLE_REACHABLE : finalizers ? GS_CYCLE_FINALIZERS : GS_CYCLE_GARBAGE;
        cy->shape = shape_hash(s, mem, k, cy->cls);
        m->cycle_class_count[cy->cls]++;
    }
    /* One row per shape: group by hash, keep the best ranked of each. */
    gs_qsort(m->cycles, nc, sizeof *m->cycles, by_shape);
    size_t kept = 0;
    for (size_t c = 0; c < nc; c++) {
        if (kept && m->cycles[kept - 1].shape == m->cycles[c].shape) {
            m->cycles[kept - 1].alike++;
            m->cycles[kept - 1].alike_bytes += m->cycles[c].bytes;
            continue;
        }
        m->cycles[kept++] = m->cycles[c];
    }
    gs_qsort(m->cycles, kept, sizeof *m->cycles, cycle_rank);
    m->ncycles = kept;
    return true;
}

static uint64_t member_pos(const uint32_t *mem, uint64_t k, uint32_t node)
{
    uint64_t lo = 0, hi = k;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (mem[mid] < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint32_t loop_head(const struct gs_model *m, const uint32_t *mem, uint64_t k)
{
    const struct gs_snapshot *s = m->s;
    if (!m->garbage[mem[0]] && (m->have & GS_NEED_PATHS)) {
        uint32_t best = mem[0];
        for (uint64_t i = 1; i < k; i++)
            if (m->paths.depth[mem[i]] < m->paths.depth[best])
                best = mem[i];
        return best;
    }
    for (uint64_t i = 0; i < k; i++)
        if (is_heap_type(s, mem[i]))
            return mem[i];
    for (uint64_t i = 0; i < k; i++)
        if (gs_snapshot_kind(s, mem[i]) == PYK_TYPE || gs_snapshot_kind(s, mem[i]) == PYK_FUNCTION)
            return mem[i];
    return mem[0];
}

size_t gs_model_cycle_loop(const struct gs_model *m, uint32_t id, uint32_t **nodes, uint64_t **edges)
{
    const struct gs_snapshot *s = m->s;
    uint64_t k;
    const uint32_t *mem = gs_model_cycle_members(m, id, &k);
    *nodes = NULL;
    *edges = NULL;
    uint32_t *from = gs_try_reallocarray(NULL, k, sizeof *from);
    uint64_t *via = gs_try_reallocarray(NULL, k, sizeof *via);
    uint32_t *queue = gs_try_reallocarray(NULL, k, sizeof *queue);
    if (!from || !via || !queue) {
        free(from);
        free(via);
        free(queue);
        return 0;
    }
    uint32_t head = loop_head(m, mem, k), hpos = (uint32_t)member_pos(mem, k, head), last = 0;
    uint64_t qh = 0, qt = 0, back = UINT64_MAX;
    for (uint64_t i = 0; i < k; i++)
        from[i] = GS_NO_NODE;
    from[hpos] = hpos;
    queue[qt++] = hpos;
    /* Breadth first inside the cycle until an edge leads back to the
     * head; a self-reference only when the cycle is that one object. */
    while (qh < qt && back == UINT64_MAX) {
        uint32_t p = queue[qh++], v = mem[p];
        for (uint64_t e = s->out_off[v]; e < s->out_off[v + 1]; e++) {
            uint32_t w = s->out_dst[e];
            if (m->scc.cycle_of[w] != id || (w == v && k > 1) || gs_edge_is_class(s, v, e))
                continue;
            if (w == head) {
                back = e;
                last = p;
                break;
            }
            uint32_t wp = (uint32_t)member_pos(mem, k, w);
            if (from[wp] != GS_NO_NODE)
                continue;
            from[wp] = p;
            via[wp] = e;
            queue[qt++] = wp;
        }
    }
    size_t len = 0;
    if (back != UINT64_MAX) {
        len = 1;
        for (uint32_t p = last; p != hpos; p = from[p])
            len++;
        *nodes = gs_try_reallocarray(NULL, len, sizeof **nodes);
        *edges = gs_try_reallocarray(NULL, len, sizeof **edges);
        if (!*nodes || !*edges) {
            free(*nodes);
            free(*edges);
            *nodes = NULL;
            *edges = NULL;
            len = 0;
        } else {
            size_t i = len - 1;
            (*edges)[i] = back;
            for (uint32_t p = last; p != hpos; p = from[p], i--) {
                (*nodes)[i] = mem[p];
                (*edges)[i - 1] = via[p];
            }
            (*nodes)[0] = head;
        }
    }
    free(from);
    free(via);
    free(queue);
    return len;
}

/* --- paths ----------------------------------------------------------------------- */

bool gs_model_path_expr(const struct gs_model *m, uint32_t node, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!(m->have & GS_NEED_PATHS) || node >= m->s->nobjects || m->paths.depth[node] == UINT32_MAX)
        return false;
    uint32_t path[PATH_STEPS];
    size_t n = gs_path_to(&m->paths, node, path, PATH_STEPS);
    if (n > PATH_STEPS)
        n = PATH_STEPS;
    /* The reports' path printer writes the expression on its first line:
     * the browser says it the same way. */
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return false;
    gs_path_write_text(mem, m->s, path, n, m->paths.root[node]);
    fclose(mem);
    const char *p = text ? text + strspn(text, " ") : "";
    snprintf(buf, cap, "%.*s", (int)strcspn(p, "\n"), p);
    free(text);
    return true;
}

/* --- suspects -------------------------------------------------------------------- */

/* The suspects are --dump-suspects' own list (report/suspects.h): the same
 * patterns, ranking, names and explanations, over the model's analyses. */
static bool build_suspects(struct gs_model *m)
{
    struct gs_suspects_given given = {&m->dom, &m->paths, m->garbage};
    return gs_suspects_find(m->s, &given, &m->suspects, &m->err) == GS_OK;
}

/* --- computing on demand ------------------------------------------------------------ */

static unsigned with_dependencies(unsigned what)
{
    if (what & GS_NEED_SUSPECTS)
        what |= GS_NEED_DOM | GS_NEED_PATHS | GS_NEED_GARBAGE; /* handed to gs_suspects_find */
    if (what & GS_NEED_TYPE_RETAINED)
        what |= GS_NEED_DOMTREE | GS_NEED_TYPES;
    if (what & GS_NEED_DOMTREE)
        what |= GS_NEED_DOM;
    if (what & GS_NEED_CYCLES)
        what |= GS_NEED_SCC | GS_NEED_GARBAGE;
    return what;
}

static bool compute(struct gs_model *m, unsigned bit)
{
    const struct gs_snapshot *s = m->s;
    switch (bit) {
    case GS_NEED_SCC:
        progress(m, "reference cycles");
        return gs_scc_compute(s, &m->scc, &m->err) == GS_OK;
    case GS_NEED_GARBAGE:
        progress(m, "cyclic garbage");
        if (gs_garbage_compute(s, &m->garbage, &m->err) != GS_OK)
            return false;
        for (uint64_t i = 0; i < s->nobjects; i++)
            if (m->garbage[i]) {
                m->garbage_objects++;
                m->garbage_bytes += s->size[i];
            }
        return true;
    case GS_NEED_PATHS:
        progress(m, "shortest paths from the roots");
        return gs_paths_compute(s, &m->paths, &m->err) == GS_OK;
    case GS_NEED_DOM:
        progress(m, "dominators and retained sizes");
        if (gs_dominators_compute(s, &m->dom, &m->err) != GS_OK)
            return false;
        for (uint64_t i = 0; i < s->nobjects; i++)
            if (m->dom.reachable[i]) {
                m->reachable_objects++;
                m->reachable_bytes += s->size[i];
            }
        return true;
    case GS_NEED_TYPES:
        return build_types(m);
    case GS_NEED_DOMTREE:
        progress(m, "the dominator tree");
        return build_domtree(m);
    case GS_NEED_TYPE_RETAINED:
        progress(m, "retained sizes per type");
        return build_type_retained(m);
    case GS_NEED_CYCLES:
        return build_cycles(m);
    case GS_NEED_SUSPECTS:
        progress(m, "suspects");
        return build_suspects(m);
    case GS_NEED_BY_TYPE:
        progress(m, "the instances of every type");
        return build_by_type(m);
    default:
        return false;
    }
}

bool gs_model_need(struct gs_model *m, unsigned what)
{
    what = with_dependencies(what);
    if (what & m->failed)
        return false;
    /* In dependency order: the bits are numbered so that each comes after
     * what it needs. */
    for (unsigned bit = 1; bit <= GS_NEED_BY_TYPE; bit <<= 1) {
        if (!(what & bit) || (m->have & bit))
            continue;
        if (!compute(m, bit)) {
            m->failed |= bit;
            if (!m->err.msg[0])
                gs_fail(&m->err, GS_ERR_INTERNAL, "cannot compute what this view shows");
            return false;
        }
        m->have |= bit;
    }
    return true;
}
