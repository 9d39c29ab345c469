/* tracemalloc.c: see tracemalloc.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/tracemalloc.h"
#include "util/addrmap.h"
#include "util/alloc.h"
#include "util/sort.h"

#define MAX_BUCKETS (1ull << 31)
#define MAX_DOMAINS 4096

struct reader {
    const struct gs_py_ctx *c;
    gs_strpool *strings;
    struct gs_py_tracemalloc *t;
    gs_addrmap tracebacks;  /* traceback address -> index */
    gs_addrmap filenames;   /* str address -> string id */
    size_t cap_traces, cap_tracebacks, cap_frames;
    uint64_t budget;        /* entries left to visit in all tables */
    bool oom;
};

/* A NUL-terminated string at addr, at most cap - 1 bytes: read a byte at
 * a time near the end of what the copy holds. False when unreadable or
 * longer. */
static bool read_cstr(const struct gs_py_ctx *c, uint64_t addr, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        size_t chunk = cap - 1 - n < 64 ? cap - 1 - n : 64;
        if (!gs_read_exact(c->r, addr + n, buf + n, chunk)) {
            if (!gs_read_exact(c->r, addr + n, buf + n, 1))
                return false;
            chunk = 1;
        }
        void *nul = memchr(buf + n, 0, chunk);
        if (nul)
            return true;
        n += chunk;
    }
    return false;
}

/* 3.15's frame_t names its file with a C string (UTF-8, interned in
 * tracemalloc's filenames table: pycore_tracemalloc.h), up to 3.14 with a
 * str object. */
static bool filename_text(const struct gs_py_ctx *c, uint64_t ptr, char *buf, size_t cap)
{
    if (c->L->major == 3 && c->L->minor >= 15)
        return read_cstr(c, ptr, buf, cap);
    return gs_py_str_utf8(c, ptr, buf, cap, NULL);
}

static uint32_t filename_id(struct reader *R, uint64_t str)
{
    uint32_t *hit = gs_addrmap_get(&R->filenames, str);
    if (hit)
        return *hit;
    char buf[1024];
    uint32_t id;
    if (str && filename_text(R->c, str, buf, sizeof buf)) {
        /* A file name from the target reaches terminals: control
         * characters become \xNN here, once, for every presenter. */
        char safe[sizeof buf * 4];
        size_t o = 0;
        for (const unsigned char *p = (const unsigned char *)buf; *p && o + 5 < sizeof safe; p++)
            if (*p < 0x20 || *p == 0x7f)
                o += (size_t)snprintf(safe + o, sizeof safe - o, "\\x%02x", *p);
            else
                safe[o++] = (char)*p;
        safe[o] = '\0';
        id = gs_strpool_add_cstr(R->strings, safe);
    }
    else
        id = gs_strpool_add_cstr(R->strings, "<unreadable>");
    if (str && !gs_addrmap_put(&R->filenames, str, id))
        R->oom = true;
    return id;
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    void *p = gs_try_reallocarray(*arr, ncap, elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* The index of the traceback at addr, reading it the first time. */
static bool traceback_index(struct reader *R, uint64_t addr, uint32_t *out)
{
    uint32_t *hit = gs_addrmap_get(&R->tracebacks, addr);
    if (hit) {
        *out = *hit;
        return true;
    }
    const struct gs_py_layout *L = R->c->L;
    /* nframe: uint16_t, 3.8's an int (a negative one reads as too many);
     * total_nframe (the frames the stack had) is 3.9+: before, nframe. */
    uint32_t nframe = 0;
    uint16_t total = 0;
    size_t width = L->tmtraceback_nframe_bytes == 4 ? 4 : 2;
    if (!gs_read_exact(R->c->r, addr + (uint64_t)L->tmtraceback_nframe, &nframe, width))
        return false;
    if (nframe > GS_PY_TM_MAX_FRAMES_PER_TRACEBACK)
        return false;
    if (!gs_py_layout_has(L->tmtraceback_total_nframe))
        total = (uint16_t)nframe;
    else if (!gs_read_exact(R->c->r, addr + (uint64_t)L->tmtraceback_total_nframe, &total, 2))
        return false;
    struct gs_py_tracemalloc *t = R->t;
    if (!grow((void **)&t->tracebacks, &R->cap_tracebacks, t->ntracebacks + 1, sizeof *t->tracebacks) ||
        !grow((void **)&t->frames, &R->cap_frames, t->nframes + nframe, sizeof *t->frames)) {
        R->oom = true;
        return false;
    }
    uint64_t fsz = (uint64_t)L->tmframe_size;
    uint64_t first = addr + (uint64_t)L->tmtraceback_frames;
    size_t base = t->nframes;
    for (uint32_t i = 0; i < nframe; i++) {
        uint64_t fname;
        uint32_t lineno;
        if (!gs_read_u64(R->c->r, first + i * fsz + (uint64_t)L->tmframe_filename, &fname) ||
            !gs_read_u32(R->c->r, first + i * fsz + (uint64_t)L->tmframe_lineno, &lineno))
            return false; /* the frames added so far are dropped with nframes unchanged */
        t->frames[base + i] = (struct gs_tm_frame){filename_id(R, fname), lineno};
    }
    t->nframes = base + nframe;
    uint32_t idx = (uint32_t)t->ntracebacks++;
    t->tracebacks[idx] = (struct gs_tm_traceback){(uint32_t)base, (uint16_t)nframe, total};
    if (!gs_addrmap_put(&R->tracebacks, addr, idx))
        R->oom = true;
    *out = idx;
    return true;
}

/* Every entry of a _Py_hashtable_t: fn(key, value). Bounded by the table's
 * own count, the global budget, and the bucket count; a chain that loops
 * ends when the count is spent.
 *
 * 3.9+ entries hold a key and a value pointer. 3.8's (Modules/hashtable.h)
 * hold the key and the value inline after the entry header: the key is a
 * uintptr_t, or the packed {uintptr_t ptr; unsigned int domain} (12 bytes)
 * once a trace of another domain was added, which puts every domain in
 * the one table; the value passed on is the address of the inline trace_t. */
typedef void (*entry_fn)(struct reader *R, uint64_t key, uint64_t value, uint32_t domain);

static bool walk_table(struct reader *R, uint64_t table, entry_fn fn, uint32_t domain)
{
    const struct gs_py_layout *L = R->c->L;
    uint64_t nentries, nbuckets, buckets, key_size = 0;
    if (!gs_read_u64(R->c->r, table + (uint64_t)L->hashtable_nentries, &nentries) ||
        !gs_read_u64(R->c->r, table + (uint64_t)L->hashtable_nbuckets, &nbuckets) ||
        !gs_py_read_ptr(R->c, table + (uint64_t)L->hashtable_buckets, &buckets))
        return false;
    bool inline_entries = gs_py_layout_has(L->hashtable_key_size);
    if (inline_entries &&
        (!gs_read_u64(R->c->r, table + (uint64_t)L->hashtable_key_size, &key_size) || (key_size != 8 && key_size != 12)))
        return false;
    if (nbuckets > MAX_BUCKETS || nentries > R->budget)
        return false;
    uint64_t left = nentries;
    for (uint64_t b = 0; b < nbuckets && left > 0 && !R->oom; b++) {
        uint64_t e;
        if (!gs_py_read_ptr(R->c, buckets + b * 8, &e))
            return false;
        while (e && left > 0) {
            uint64_t key, value, next;
            uint32_t key_domain = domain;
            if (!gs_read_u64(R->c->r, e + (uint64_t)L->hashentry_key, &key) ||
                !gs_py_read_ptr(R->c, e + (uint64_t)L->hashentry_next, &next)) {
                R->t->bad_entries++;
                break;
            }
            if (inline_entries) {
                value = e + (uint64_t)L->hashentry_key + key_size;
                if (key_size == 12 && !gs_read_u32(R->c->r, e + (uint64_t)L->hashentry_key + 8, &key_domain)) {
                    R->t->bad_entries++;
                    break;
                }
            } else if (!gs_read_u64(R->c->r, e + (uint64_t)L->hashentry_value, &value)) {
                R->t->bad_entries++;
                break;
            }
            fn(R, key, value, key_domain);
            left--;
            R->budget--;
            e = next;
        }
    }
    return true;
}

static void add_trace(struct reader *R, uint64_t block, uint64_t trace, uint32_t domain)
{
    const struct gs_py_layout *L = R->c->L;
    uint64_t size, tb;
    uint32_t idx;
    if (!gs_read_u64(R->c->r, trace + (uint64_t)L->tmtrace_size_field, &size) ||
        !gs_py_read_ptr(R->c, trace + (uint64_t)L->tmtrace_traceback, &tb) || !traceback_index(R, tb, &idx)) {
        R->t->bad_entries++;
        return;
    }
    struct gs_py_tracemalloc *t = R->t;
    if (!grow((void **)&t->traces, &R->cap_traces, t->ntraces + 1, sizeof *t->traces)) {
        R->oom = true;
        return;
    }
    t->traces[t->ntraces++] = (struct gs_tm_trace){block, size, idx, domain};
}

static void add_domain(struct reader *R, uint64_t domain, uint64_t table, uint32_t unused)
{
    (void)unused;
    if (!walk_table(R, table, add_trace, (uint32_t)domain))
        R->t->bad_entries++;
}

static int by_addr(const void *a, const void *b)
{
    const struct gs_tm_trace *x = a, *y = b;
    if (x->domain != y->domain)
        return x->domain < y->domain ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

#define fail(t, st, ...) ((t)->status = (st), (void)snprintf((t)->why, sizeof (t)->why, __VA_ARGS__))

void gs_py_tracemalloc_read(const struct gs_py_ctx *c, uint64_t runtime_addr, const struct gs_py_statics *statics,
                         const struct gs_py_location *loc, gs_strpool *strings, struct gs_py_tracemalloc *t)
{
    const struct gs_py_layout *L = c->L;
    memset(t, 0, sizeof *t);
    uint64_t config, traces_at = 0, domains_at = 0;
    bool statics_ok = true;
    if (gs_py_layout_has(L->runtime_tracemalloc)) {
        /* The config is the state's first member (pycore_tracemalloc.h). */
        config = runtime_addr + (uint64_t)L->runtime_tracemalloc;
        traces_at = config + (uint64_t)L->tmstate_traces;
        domains_at = config + (uint64_t)L->tmstate_domains;
    } else if (!gs_py_statics_find(statics, "_Py_tracemalloc_config", 0, &config)) {
        char why[300];
        gs_py_statics_why(statics, loc, why, sizeof why);
        fail(t, GS_PY_TM_NO_SYMBOLS, "cannot tell whether tracemalloc is tracing: %.300s", why);
        return;
    } else {
        /* 3.8 has no domains table: its traces table keys hold the domain. */
        statics_ok = gs_py_statics_find(statics, "tracemalloc_traces", 8, &traces_at) &&
                     (gs_py_layout_has(L->hashtable_key_size) ||
                      gs_py_statics_find(statics, "tracemalloc_domains", 8, &domains_at));
    }
    if (!statics_ok) {
        /* Whether it traces is still worth saying (the config is found):
         * the reader below says so before it needs the tables. */
        traces_at = domains_at = 0;
    }
    gs_py_tracemalloc_read_at(c, config, traces_at, domains_at, strings, t);
    if (!statics_ok && t->status == GS_PY_TM_UNREADABLE && t->tables_missing) {
        char why[300];
        gs_py_statics_why(statics, loc, why, sizeof why);
        fail(t, GS_PY_TM_NO_SYMBOLS, "tracemalloc is tracing, but its tables cannot be found: %.300s", why);
    }
}

void gs_py_tracemalloc_read_at(const struct gs_py_ctx *c, uint64_t config, uint64_t traces_at, uint64_t domains_at,
                               gs_strpool *strings, struct gs_py_tracemalloc *t)
{
    const struct gs_py_layout *L = c->L;
    memset(t, 0, sizeof *t);
    int32_t tracing = 0;
    if (!gs_read_i32(c->r, config + (uint64_t)L->tm_config_tracing, &tracing) ||
        !gs_read_i32(c->r, config + (uint64_t)L->tm_config_max_nframe, &t->max_nframe)) {
        fail(t, GS_PY_TM_UNREADABLE, "tracemalloc's configuration is not in the copy");
        return;
    }
    if (!tracing) {
        fail(t, GS_PY_TM_NOT_TRACING,
             "not tracing: the target does not run tracemalloc (start it with -X tracemalloc=25 or "
             "PYTHONTRACEMALLOC=25)");
        return;
    }
    if (!gs_py_layout_has(L->hashtable_nentries)) {
        fail(t, GS_PY_TM_UNSUPPORTED, "tracemalloc is tracing, but gcscope does not read the tables of Python %d.%d",
             (int)L->major, (int)L->minor);
        return;
    }
    if (!traces_at) {
        t->tables_missing = true;
        fail(t, GS_PY_TM_UNREADABLE, "tracemalloc is tracing, but its tables were not found");
        return;
    }
    if (gs_py_layout_has(L->tmstate_traced_memory))
        gs_read_u64(c->r, config + (uint64_t)L->tmstate_traced_memory, &t->traced_memory);

    struct reader R = {.c = c, .strings = strings, .t = t, .budget = GS_PY_TM_MAX_TRACES};
    gs_addrmap_init(&R.tracebacks);
    gs_addrmap_init(&R.filenames);
    uint64_t traces = 0, domains = 0;
    bool ok = gs_py_read_ptr(c, traces_at, &traces) && (!domains_at || gs_py_read_ptr(c, domains_at, &domains)) &&
              traces && walk_table(&R, traces, add_trace, 0);
    if (ok && domains)
        ok = walk_table(&R, domains, add_domain, 0);
    gs_addrmap_free(&R.tracebacks);
    gs_addrmap_free(&R.filenames);
    if (!ok || R.oom) {
        gs_py_tracemalloc_free(t);
        fail(t, GS_PY_TM_UNREADABLE, "tracemalloc is tracing, but its tables %s",
             R.oom ? "are too large for the memory available" : "are not in the copy or are corrupt");
        return;
    }
    gs_qsort(t->traces, t->ntraces, sizeof *t->traces, by_addr);
    if (!gs_py_layout_has(L->tmstate_traced_memory))
        for (size_t i = 0; i < t->ntraces; i++)
            t->traced_memory += t->traces[i].size;
    t->status = GS_PY_TM_TRACING;
}

void gs_py_tracemalloc_free(struct gs_py_tracemalloc *t)
{
    free(t->traces);
    free(t->tracebacks);
    free(t->frames);
    t->traces = NULL;
    t->tracebacks = NULL;
    t->frames = NULL;
    t->ntraces = t->ntracebacks = t->nframes = 0;
}
