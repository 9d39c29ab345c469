/* tracemalloc.h: the allocation tracebacks tracemalloc keeps inside the
 * target, read from a captured image.
 *
 * A target run with -X tracemalloc[=N] or PYTHONTRACEMALLOC keeps, for
 * every live memory block it traced, a trace {size, traceback}; tracebacks
 * are interned (one copy per distinct stack), each a list of frames
 * {filename str, lineno}, the most recent first. gcscope reads them from
 * the copy, as tracemalloc's _get_traces() would inside:
 *   - 3.12+: _PyRuntime.tracemalloc {config, traces, domains, ...};
 *   - 3.9-3.11: _Py_tracemalloc_config (exported) and the statics
 *     tracemalloc_traces / tracemalloc_domains of Modules/_tracemalloc.c,
 *     through .symtab or a debug file (statics.h);
 *   - 3.8: the same config and tracemalloc_traces, an older hashtable
 *     (Modules/hashtable.h) whose entries hold key and trace inline, the
 *     key carrying the domain once one other than 0 was traced (there is
 *     no domains table); traceback_t has an int nframe and no
 *     total_nframe.
 * traces (domain 0, the interpreter's own allocations) map a block address
 * to its trace; domains map other domains (numpy's, for example) to tables
 * of the same shape. Every table walk is bounded by the table's own entry
 * count and a global cap; chains that loop are cut.
 */
#ifndef GCSCOPE_PY_TRACEMALLOC_H
#define GCSCOPE_PY_TRACEMALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "py/object.h"
#include "py/statics.h"
#include "util/strpool.h"

#define GS_PY_TM_MAX_TRACES (64u << 20)
#define GS_PY_TM_MAX_FRAMES_PER_TRACEBACK 1024

enum gs_py_tm_status {
    GS_PY_TM_TRACING = 0,      /* traces read */
    GS_PY_TM_NOT_READ,         /* no snapshot data (an older file) */
    GS_PY_TM_NOT_TRACING,      /* tracemalloc is not tracing in the target */
    GS_PY_TM_NO_SYMBOLS,       /* tracing, but its tables are statics gcscope cannot find */
    GS_PY_TM_UNSUPPORTED,      /* tracing, in a version whose tables are not read (none now) */
    GS_PY_TM_UNREADABLE,       /* tracing, but the tables are not in the copy or corrupt */
};

/* One live traced block (snapshot section tm_traces, sorted by address). */
struct gs_tm_trace {
    uint64_t addr;
    uint64_t size;
    uint32_t traceback;     /* index into tracebacks */
    uint32_t domain;
};

struct gs_tm_traceback {
    uint32_t first_frame;   /* frames[first_frame .. first_frame + nframe), most recent first */
    uint16_t nframe;
    uint16_t total_nframe;  /* frames the stack had (nframe is cut at max_nframe) */
};

struct gs_tm_frame {
    uint32_t filename;      /* string id */
    uint32_t lineno;
};

struct gs_py_tracemalloc {
    uint32_t status;        /* enum gs_py_tm_status */
    int32_t max_nframe;     /* tracemalloc.get_traceback_limit() */
    uint64_t traced_memory; /* tracemalloc.get_traced_memory()[0] (3.12+; else the traces' sum) */
    char why[512];
    struct gs_tm_trace *traces;
    struct gs_tm_traceback *tracebacks;
    struct gs_tm_frame *frames;
    size_t ntraces, ntracebacks, nframes;
    uint64_t bad_entries;   /* entries skipped as unreadable */
    bool tables_missing;    /* tracing, but no address for the tables */
};

/* Read tracemalloc's tables; filenames are interned into strings. Never
 * fails hard: out->status says what happened. Free with
 * gs_py_tracemalloc_free(). */
void gs_py_tracemalloc_read(const struct gs_py_ctx *c, uint64_t runtime_addr, const struct gs_py_statics *statics,
                         const struct gs_py_location *loc, gs_strpool *strings, struct gs_py_tracemalloc *out);
void gs_py_tracemalloc_free(struct gs_py_tracemalloc *t);

/* The same once the addresses are known: the config (struct
 * _PyTraceMalloc_Config, or 3.12+'s state that starts with it), the
 * pointers to the traces table and to the domains table (0: none, as on
 * 3.8). gs_py_tracemalloc_read() finds them; tests call this directly. */
void gs_py_tracemalloc_read_at(const struct gs_py_ctx *c, uint64_t config, uint64_t traces_at, uint64_t domains_at,
                               gs_strpool *strings, struct gs_py_tracemalloc *out);

#endif
