/* measures.c: the numbers --check and --format prometheus read, by name
 * (see measures.h). Each is read from the snapshot or from its analyses
 * (graph/analyses.h), computed once and shared with the reports. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "graph/memory.h"
#include "report/measures.h"
#include "util/alloc.h"

const struct gs_quantity gs_quantities[GS_Q_COUNT] = {
    [GS_Q_OBJECTS] = {"objects", GS_MEASURE_TYPES, false, "gcscope_objects",
                   "Objects the garbage collector tracks in generations 0-2 (gc.get_objects())."},
    [GS_Q_BYTES] = {"bytes", GS_MEASURE_TYPES, true, "gcscope_bytes",
                 "Sum of sys.getsizeof of the objects the garbage collector tracks in generations 0-2."},
    [GS_Q_GARBAGE_OBJECTS] = {"garbage_objects", GS_MEASURE_GARBAGE, false, "gcscope_garbage_objects",
                           "Objects the next full collection would free (cyclic garbage)."},
    [GS_Q_GARBAGE_BYTES] = {"garbage_bytes", GS_MEASURE_GARBAGE, true, "gcscope_garbage_bytes",
                         "Bytes (sys.getsizeof) the next full collection would free."},
    [GS_Q_CYCLES] = {"cycles", GS_MEASURE_SCC, false, "gcscope_cycles", "Reference cycles, alive or garbage."},
    [GS_Q_GARBAGE_CYCLES] = {"garbage_cycles", GS_MEASURE_SCC | GS_MEASURE_GARBAGE, false, "gcscope_garbage_cycles",
                          "Reference cycles the next full collection would free."},
    [GS_Q_OPEN_FILES] = {"open_files", 0, false, "gcscope_open_files", "Open Python file objects (_io.FileIO)."},
    [GS_Q_OPEN_SOCKETS] = {"open_sockets", 0, false, "gcscope_open_sockets", "Open Python socket objects."},
    [GS_Q_FDS] = {"fds", 0, false, "gcscope_open_fds", "Open file descriptors of the process."},
    [GS_Q_UNOWNED_FDS] = {"unowned_fds", 0, false, "gcscope_unowned_fds",
                       "Open file descriptors that no open Python object owns."},
    [GS_Q_THREADS] = {"threads", 0, false, "gcscope_threads", "Threads of the process."},
    [GS_Q_GC_ENABLED] = {"gc_enabled", 0, false, "gcscope_gc_enabled",
                      "1 when the main interpreter's garbage collector is enabled (gc.isenabled())."},
    [GS_Q_RSS_BYTES] = {"rss_bytes", 0, true, "gcscope_rss_bytes",
                     "Resident memory of the process (/proc/PID/smaps at capture time)."},
    [GS_Q_ANONYMOUS_BYTES] = {"anonymous_bytes", 0, true, "gcscope_anonymous_bytes",
                           "Anonymous resident memory: written pages not backed by a file."},
    [GS_Q_UNEXPLAINED_BYTES] = {"unexplained_bytes", 0, true, "gcscope_unexplained_bytes",
                             "Anonymous resident bytes neither objects, pymalloc, stacks nor libraries explain."},
    [GS_Q_PYMALLOC_FREE_BYTES] = {"pymalloc_free_bytes", 0, true, "gcscope_pymalloc_free_bytes",
                               "Bytes of pymalloc's arenas touched but not in use (free blocks and pools)."},
    [GS_Q_FRAGMENTED_BYTES] = {"fragmented_bytes", 0, true, "gcscope_pymalloc_fragmented_bytes",
                            "Bytes of pymalloc arenas (a free-threaded build: resident bytes of mimalloc pages) "
                            "less than a quarter used, kept from the system."},
    [GS_Q_TRACED_BYTES] = {"traced_bytes", 0, true, "gcscope_traced_bytes",
                        "tracemalloc's traced memory (0 when the target does not trace)."},
    [GS_Q_DUPLICATE_BYTES] = {"duplicate_bytes", 0, true, "gcscope_duplicate_bytes",
                           "Bytes of str and bytes objects that repeat another's value."},
    [GS_Q_UNUSED_CAPACITY_BYTES] = {"unused_capacity_bytes", 0, true, "gcscope_unused_capacity_bytes",
                                 "Capacity of lists, dicts, sets and bytearrays their items do not use."},
    [GS_Q_CONSTANT_BYTES] = {"constant_bytes", 0, true, "gcscope_constant_bytes",
                             "Data bytes of large str, bytes, bytearray, list and tuple objects of one repeated value."},
    [GS_F_COUNT] = {"count", GS_MEASURE_TYPES, false, NULL, NULL},
    [GS_F_BYTES] = {"bytes", GS_MEASURE_TYPES, true, NULL, NULL},
    [GS_F_RETAINED] = {"retained", GS_MEASURE_DOMINATORS, true, NULL, NULL},
};


gs_status gs_measure_prepare(struct gs_measure *m, struct gs_analyses *an, unsigned needs, gs_error *err)
{
    const struct gs_snapshot *s = gs_analyses_snapshot(an);
    memset(m, 0, sizeof *m);
    m->s = s;
    m->an = an;
    if (needs & GS_MEASURE_TYPES) {
        gs_type_summary_build(s, &m->sum);
        m->have |= GS_MEASURE_TYPES;
    }
    if (needs & GS_MEASURE_GARBAGE) {
        const struct gs_totals *g = gs_analyses_garbage_totals(an, err);
        if (!g)
            return err->code;
        m->have |= GS_MEASURE_GARBAGE;
        m->garbage_objects = g->objects;
        m->garbage_bytes = g->bytes;
    }
    if (needs & GS_MEASURE_SCC) {
        const struct gs_cycles *cy = gs_analyses_cycles(an, err);
        if (!cy || !(m->scc = gs_analyses_scc(an, err)))
            return err->code;
        m->have |= GS_MEASURE_SCC;
        m->garbage_cycles = cy->class_count[GS_CYCLE_GARBAGE] + cy->class_count[GS_CYCLE_FINALIZERS];
    }
    if (needs & GS_MEASURE_DOMINATORS) {
        if (!gs_analyses_dominators(an, err))
            return err->code;
        m->have |= GS_MEASURE_DOMINATORS;
    }
    return GS_OK;
}

void gs_measure_free(struct gs_measure *m)
{
    if (m->have & GS_MEASURE_TYPES)
        gs_type_summary_free(&m->sum);
    m->have = 0;
}

static bool type_matches(const struct gs_snapshot *s, uint32_t t, const char *module, const char *name)
{
    if (t >= s->ntypes || strcmp(gs_snapshot_string(s, s->types[t].name), name) != 0)
        return false;
    return !module || strcmp(gs_snapshot_string(s, s->types[t].module), module) == 0;
}

/* Per type of the snapshot, 1 when it is the TYPE; NULL if none is. */
static uint8_t *matching_types(const struct gs_snapshot *s, const char *module, const char *name)
{
    uint8_t *match = gs_xcalloc((size_t)s->ntypes + 1, 1);
    bool any = false;
    for (uint32_t t = 0; t < s->ntypes; t++) {
        match[t] = type_matches(s, t, module, name);
        any |= match[t];
    }
    if (!any) {
        free(match);
        return NULL;
    }
    return match;
}

gs_status gs_measure_function(const struct gs_measure *m, enum gs_qty q, const char *module, const char *name,
                              uint64_t *value, bool *no_such_type, gs_error *err)
{
    uint8_t *match = matching_types(m->s, module, name);
    *value = 0;
    *no_such_type = match == NULL;
    if (!match)
        return GS_OK;
    gs_status st = GS_OK;
    if (q == GS_F_RETAINED) {
        /* MAT's retained size of the types taken together, as
         * --dump-retained ranks types (graph/analyses.h). */
        st = gs_analyses_retained_of_types(m->an, match, value, err);
    } else {
        for (size_t i = 0; i < m->sum.nrows; i++)
            if (match[m->sum.rows[i].type])
                *value += q == GS_F_COUNT ? m->sum.rows[i].count : m->sum.rows[i].bytes;
    }
    free(match);
    return st;
}

/* Open resource objects of a kind (a closed file keeps its object). */
static uint64_t count_resources(const struct gs_snapshot *s, enum gs_resource_kind kind)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < s->nresources; i++)
        n += s->resources[i].kind == (uint32_t)kind && !s->resources[i].closed && s->resources[i].fd >= 0;
    return n;
}

static uint64_t unowned_fds(const struct gs_snapshot *s)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < s->nfds; i++)
        n += s->fds[i].owner == GS_NO_NODE;
    return n;
}

uint64_t gs_measure_name(const struct gs_measure *m, enum gs_qty q)
{
    const struct gs_snapshot *s = m->s;
    switch (q) {
    case GS_Q_OBJECTS:
        return m->sum.objects;
    case GS_Q_BYTES:
        return m->sum.bytes;
    case GS_Q_GARBAGE_OBJECTS:
        return m->garbage_objects;
    case GS_Q_GARBAGE_BYTES:
        return m->garbage_bytes;
    case GS_Q_CYCLES:
        return m->scc->ncycles;
    case GS_Q_GARBAGE_CYCLES:
        return m->garbage_cycles;
    case GS_Q_OPEN_FILES:
        return count_resources(s, GS_RES_FILE);
    case GS_Q_OPEN_SOCKETS:
        return count_resources(s, GS_RES_SOCKET);
    case GS_Q_FDS:
        return s->nfds;
    case GS_Q_UNOWNED_FDS:
        return unowned_fds(s);
    case GS_Q_THREADS:
        /* The thread list when the snapshot has one, else the threads the
         * capture stopped (every thread of the process). */
        if (s->nthreads)
            return s->nthreads;
        return s->meta.threads_stopped > 0 ? (uint64_t)s->meta.threads_stopped : 0;
    case GS_Q_GC_ENABLED:
        return s->meta.ninterps > 0 && s->meta.interps[0].gc_enabled;
    case GS_Q_RSS_BYTES:
        return s->memory.rss;
    case GS_Q_ANONYMOUS_BYTES:
        return s->memory.anonymous;
    case GS_Q_UNEXPLAINED_BYTES:
        return s->memory.unexplained;
    case GS_Q_PYMALLOC_FREE_BYTES:
        return s->memory.pymalloc_free;
    case GS_Q_FRAGMENTED_BYTES:
        return gs_memory_fragmented_bytes(s);
    case GS_Q_TRACED_BYTES:
        return s->memory.tm_status == GS_PY_TM_TRACING ? s->memory.tm_traced_memory : 0;
    case GS_Q_DUPLICATE_BYTES: {
        size_t n;
        uint64_t wasted;
        free(gs_memory_duplicates(s, &n, &wasted));
        return wasted;
    }
    case GS_Q_UNUSED_CAPACITY_BYTES:
        return gs_memory_unused_capacity(s);
    case GS_Q_CONSTANT_BYTES:
        return gs_memory_constant_bytes(s);
    default:
        return 0;
    }
}
