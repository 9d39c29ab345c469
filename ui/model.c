/* model.c: what the browser shows, over the snapshot's analyses (model.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "ui/list.h"
#include "ui/model.h"
#include "util/alloc.h"
#include "util/sort.h"

#define PATH_STEPS 256            /* the reports cut paths there too */

void gs_model_init(struct gs_model *m, const struct gs_snapshot *s, void (*progress)(void *, const char *), void *arg)
{
    memset(m, 0, sizeof *m);
    m->s = s;
    m->an = gs_analyses_new(s, progress, arg);
}

void gs_model_free(struct gs_model *m)
{
    gs_analyses_free(m->an);
    free(m->cycles);
    gs_suspects_free(&m->suspects);
    free(m->by_type_off);
    free(m->by_type);
    free(m->by_type_addr);
    memset(m, 0, sizeof *m);
}

static bool nomem(struct gs_model *m, const char *what)
{
    gs_fail(&m->err, GS_ERR_NOMEM, "out of memory %s", what);
    return false;
}

/* --- per type ------------------------------------------------------------------ */

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
                         m->dom->retained, true))
            return true; /* in address order: still right, only not by size */
    m->by_type_retained = true;
    return true;
}

/* --- the dominator tree ---------------------------------------------------------- */

const uint32_t *gs_model_children(struct gs_model *m, uint32_t p, uint64_t *n)
{
    *n = 0;
    if (!(m->have & GS_NEED_DOMTREE))
        return NULL;
    return gs_analyses_children(m->an, p, n, &m->err);
}

uint64_t gs_model_nchildren(const struct gs_model *m, uint32_t p) { return gs_analyses_nchildren(m->an, p); }

/* --- cycles ------------------------------------------------------------------------ */

const uint32_t *gs_model_cycle_members(const struct gs_model *m, uint32_t id, uint64_t *n)
{
    return gs_cycle_members(m->scc, id, n);
}

/* One row per shape, in the shapes' rank: the rows --dump-cycles shows. */
static bool build_cycles(struct gs_model *m)
{
    const struct gs_cycles *c = gs_analyses_cycles(m->an, &m->err);
    if (!c)
        return false;
    m->cycles = gs_try_reallocarray(NULL, c->nshapes ? c->nshapes : 1, sizeof *m->cycles);
    if (!m->cycles)
        return nomem(m, "ranking the cycles");
    for (size_t i = 0; i < c->nshapes; i++) {
        const struct gs_cycle_shape *sh = &c->shapes[i];
        const struct gs_cycle *first = &c->cycles[sh->first];
        m->cycles[i] = (struct gs_model_cycle){.cycle = first,
                                               .id = first->id,
                                               .cls = first->cls,
                                               .internal = first->internal,
                                               .uncollectable = first->uncollectable,
                                               .count = first->count,
                                               .bytes = first->bytes,
                                               .alike = sh->ncycles - 1,
                                               .alike_bytes = sh->bytes - first->bytes};
    }
    m->ncycles = c->nshapes;
    memcpy(m->cycle_class_count, c->class_count, sizeof m->cycle_class_count);
    return true;
}

size_t gs_model_cycle_loop(const struct gs_model *m, size_t rank, uint32_t **nodes, uint64_t **edges)
{
    const struct gs_cycle *c = m->cycles[rank].cycle;
    *nodes = gs_try_reallocarray(NULL, c->count, sizeof **nodes);
    *edges = gs_try_reallocarray(NULL, c->count, sizeof **edges);
    size_t len = *nodes && *edges ? gs_cycle_loop(m->s, m->scc, c, *nodes, *edges) : 0;
    if (!len) {
        free(*nodes);
        free(*edges);
        *nodes = NULL;
        *edges = NULL;
    }
    return len;
}

/* --- paths ----------------------------------------------------------------------- */

bool gs_model_path_expr(const struct gs_model *m, uint32_t node, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!(m->have & GS_NEED_PATHS) || node >= m->s->nobjects || m->paths->depth[node] == UINT32_MAX)
        return false;
    uint32_t path[PATH_STEPS];
    size_t n = gs_path_to(m->paths, node, path, PATH_STEPS);
    gs_report_path_expression(m->s, path, n < PATH_STEPS ? n : PATH_STEPS, m->paths->root[node], buf, cap);
    return true;
}

/* --- computing on demand ------------------------------------------------------------ */

static unsigned with_dependencies(unsigned what)
{
    if (what & GS_NEED_SUSPECTS)
        what |= GS_NEED_DOM | GS_NEED_PATHS | GS_NEED_GARBAGE; /* handed to gs_suspects_find */
    if (what & GS_NEED_TYPE_RETAINED)
        what |= GS_NEED_TYPES;
    if (what & GS_NEED_TYPES)
        what |= GS_NEED_DOMTREE;
    if (what & GS_NEED_DOMTREE)
        what |= GS_NEED_DOM;
    if (what & GS_NEED_CYCLES)
        what |= GS_NEED_SCC | GS_NEED_GARBAGE;
    return what;
}

static bool compute(struct gs_model *m, unsigned bit)
{
    const struct gs_totals *t;
    uint64_t n;
    switch (bit) {
    case GS_NEED_SCC:
        return (m->scc = gs_analyses_scc(m->an, &m->err)) != NULL;
    case GS_NEED_GARBAGE:
        if (!(m->garbage = gs_analyses_garbage(m->an, &m->err)) || !(t = gs_analyses_garbage_totals(m->an, &m->err)))
            return false;
        m->garbage_objects = t->objects;
        m->garbage_bytes = t->bytes;
        return true;
    case GS_NEED_PATHS:
        return (m->paths = gs_analyses_paths(m->an, &m->err)) != NULL;
    case GS_NEED_DOM:
        if (!(m->dom = gs_analyses_dominators(m->an, &m->err)) ||
            !(t = gs_analyses_reachable_totals(m->an, &m->err)))
            return false;
        m->reachable_objects = t->objects;
        m->reachable_bytes = t->bytes;
        return true;
    case GS_NEED_DOMTREE:
        return gs_analyses_children(m->an, (uint32_t)m->s->nobjects, &n, &m->err) != NULL || !m->err.code;
    case GS_NEED_TYPES:
    case GS_NEED_TYPE_RETAINED:
        return (m->types = gs_analyses_types(m->an, &m->err)) != NULL;
    case GS_NEED_CYCLES:
        return build_cycles(m);
    case GS_NEED_SUSPECTS: {
        /* --dump-suspects' own list, over the same analyses. */
        return gs_suspects_find(m->an, &m->suspects, &m->err) == GS_OK;
    }
    case GS_NEED_BY_TYPE:
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
