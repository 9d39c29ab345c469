#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/choose.h"
#include "py/runtime.h"
#include "util/alloc.h"

static gs_status read_gcstate(const struct gs_py_ctx *c, uint64_t addr, struct gs_py_gcstate *gc, gs_error *err)
{
    const struct gs_py_layout *L = c->L;
    int32_t enabled = 0, collecting = 0;
    memset(gc, 0, sizeof *gc);
    gc->addr = addr;
    if (!gs_read_i32(c->r, addr + (uint64_t)L->gc_enabled, &enabled) ||
        !gs_read_i32(c->r, addr + (uint64_t)L->gc_collecting, &collecting))
        return gs_fail(err, GS_ERR_CORRUPT, "cannot read the garbage collector state at 0x%llx",
                       (unsigned long long)addr);
    gc->enabled = enabled != 0;
    gc->collecting = collecting != 0;
    if (gs_py_layout_has(L->gc_debug)) {
        int32_t debug = 0;
        gs_read_i32(c->r, addr + (uint64_t)L->gc_debug, &debug);
        gc->debug = debug;
    }
    for (int g = 0; g < GS_PY_NUM_GENERATIONS; g++) {
        uint64_t gen = addr + (uint64_t)L->gc_generations + (uint64_t)(g * L->gc_generation_size);
        int32_t threshold, count;
        if (!gs_read_i32(c->r, gen + (uint64_t)L->gc_generation_threshold, &threshold) ||
            !gs_read_i32(c->r, gen + (uint64_t)L->gc_generation_count, &count))
            return gs_fail(err, GS_ERR_CORRUPT, "cannot read GC generation %d", g);
        gc->thresholds[g] = threshold;
        gc->counts[g] = count;
        gc->generation_heads[g] = gen; /* the PyGC_Head is the generation's first member */
    }
    gc->permanent_head = addr + (uint64_t)L->gc_permanent_generation;
    if (gs_py_layout_has(L->gc_garbage))
        gs_py_read_ptr(c, addr + (uint64_t)L->gc_garbage, &gc->garbage);
    /* Free-threaded: the generations carry thresholds and counts only; no
     * object is linked into them (src/py/heap_ft.c). */
    if (gs_py_layout_is_free_threaded(L))
        return GS_OK;
    /* A list head's next pointer is never NULL: an empty list points at
     * itself. NULL means we are not looking at a GC state. */
    for (int g = 0; g < GS_PY_NUM_GENERATIONS; g++) {
        uint64_t next;
        if (!gs_py_read_ptr(c, gc->generation_heads[g] + (uint64_t)L->gc_head_next, &next) || next == 0)
            return gs_fail(err, GS_ERR_CORRUPT,
                           "GC generation %d's list head is not initialised: not a live interpreter, or "
                           "gcscope's layout for this version is wrong",
                           g);
    }
    /* The reading itself (generation0 where the state has one; 3.14's
     * incremental members), as gs_py_layout_choose() checked it live. */
    char why[256];
    if (!gs_py_gc_reading_check(c->r, L, addr, why, sizeof why))
        return gs_fail(err, GS_ERR_CORRUPT, "the garbage collector state at 0x%llx is inconsistent: %s",
                       (unsigned long long)addr, why);
    return GS_OK;
}

static gs_status read_threads(const struct gs_py_ctx *c, struct gs_py_interp *in, gs_error *err)
{
    const struct gs_py_layout *L = c->L;
    uint64_t t;
    if (!gs_py_field_ptr(c, in->addr, L->interp_threads_head, &t))
        return gs_fail(err, GS_ERR_CORRUPT, "cannot read the thread list of interpreter %lld",
                       (long long)in->id);
    size_t cap = 0;
    uint64_t prev = 0;
    while (t) {
        if (in->nthreads >= GS_PY_MAX_THREADS)
            return gs_fail(err, GS_ERR_CORRUPT, "more than %d threads in interpreter %lld: the list loops",
                           GS_PY_MAX_THREADS, (long long)in->id);
        uint64_t interp = 0, next = 0, back = 0;
        if (!gs_py_field_ptr(c, t, L->tstate_interp, &interp) || !gs_py_field_ptr(c, t, L->tstate_next, &next) ||
            !gs_py_field_ptr(c, t, L->tstate_prev, &back))
            return gs_fail(err, GS_ERR_CORRUPT, "cannot read thread state 0x%llx", (unsigned long long)t);
        if (interp != in->addr || back != prev)
            return gs_fail(err, GS_ERR_CORRUPT,
                           "thread state 0x%llx does not point back at its interpreter or predecessor: "
                           "the layout is wrong or memory is corrupt",
                           (unsigned long long)t);
        if (in->nthreads == cap) {
            cap = cap ? cap * 2 : 8;
            in->threads = gs_xreallocarray(in->threads, cap, sizeof *in->threads);
        }
        struct gs_py_thread *th = &in->threads[in->nthreads++];
        th->addr = t;
        th->thread_id = 0;
        th->native_thread_id = -1;
        gs_py_field_ptr(c, t, L->tstate_thread_id, &th->thread_id);
        if (gs_py_layout_has(L->tstate_native_thread_id)) {
            uint64_t tid;
            if (gs_py_field_ptr(c, t, L->tstate_native_thread_id, &tid))
                th->native_thread_id = (int64_t)tid;
        }
        prev = t;
        t = next;
    }
    return GS_OK;
}

static void read_version(struct gs_py_runtime *rt)
{
    const struct gs_py_ctx *c = &rt->ctx;
    if (rt->ninterps == 0)
        return;
    uint64_t v;
    if (!gs_py_dict_get_str(c, rt->interps[0].sysdict, "version", &v))
        return;
    if (!gs_py_str_utf8(c, v, rt->version_full, sizeof rt->version_full, NULL))
        return;
    size_t n = strcspn(rt->version_full, " ");
    if (n >= sizeof rt->version)
        n = sizeof rt->version - 1;
    memcpy(rt->version, rt->version_full, n);
    rt->version[n] = '\0';
    /* "t" free-threaded, "d" debug (3.8+); checked against the layout. */
    if (gs_py_dict_get_str(c, rt->interps[0].sysdict, "abiflags", &v))
        gs_py_str_utf8(c, v, rt->abiflags, sizeof rt->abiflags, NULL);
}

gs_status gs_py_runtime_read(gs_reader *r, const struct gs_py_layout *L, uint64_t runtime_addr,
                          struct gs_py_runtime *rt, gs_error *err)
{
    memset(rt, 0, sizeof *rt);
    rt->ctx.r = r;
    rt->ctx.L = L;
    rt->runtime_addr = runtime_addr;
    const struct gs_py_ctx *c = &rt->ctx;

    uint64_t interp;
    if (!gs_py_field_ptr(c, runtime_addr, L->runtime_interpreters_head, &interp) || !interp)
        return gs_fail(err, GS_ERR_CORRUPT,
                       "_PyRuntime at 0x%llx has no interpreter: the process is starting or exiting",
                       (unsigned long long)runtime_addr);
    /* 3.11+ embeds the main interpreter: the head must be it (or a newer
     * subinterpreter whose list reaches it). Checked below via the list. */
    size_t cap = 0;
    while (interp) {
        if (rt->ninterps >= GS_PY_MAX_INTERPRETERS) {
            gs_py_runtime_free(rt);
            return gs_fail(err, GS_ERR_CORRUPT, "more than %d interpreters: the list loops",
                           GS_PY_MAX_INTERPRETERS);
        }
        if (rt->ninterps == cap) {
            cap = cap ? cap * 2 : 4;
            rt->interps = gs_xreallocarray(rt->interps, cap, sizeof *rt->interps);
        }
        struct gs_py_interp *in = &rt->interps[rt->ninterps++];
        memset(in, 0, sizeof *in);
        in->addr = interp;
        gs_status st;
        if (!gs_py_field_ssize(c, interp, L->interp_id, &in->id) ||
            !gs_py_field_ptr(c, interp, L->interp_modules, &in->modules) ||
            !gs_py_field_ptr(c, interp, L->interp_sysdict, &in->sysdict) ||
            !gs_py_field_ptr(c, interp, L->interp_builtins, &in->builtins)) {
            gs_py_runtime_free(rt);
            return gs_fail(err, GS_ERR_CORRUPT, "cannot read interpreter state 0x%llx",
                           (unsigned long long)interp);
        }
        /* 3.8 keeps one collector in _PyRuntime; 3.9+ one per interpreter. */
        uint64_t gc_addr = gs_py_layout_has(L->interp_gc) ? interp + (uint64_t)L->interp_gc
                                                        : runtime_addr + (uint64_t)L->runtime_gc;
        if ((st = read_gcstate(c, gc_addr, &in->gc, err)) != GS_OK ||
            (st = read_threads(c, in, err)) != GS_OK) {
            gs_py_runtime_free(rt);
            return st;
        }
        if (!gs_py_field_ptr(c, interp, L->interp_next, &interp)) {
            gs_py_runtime_free(rt);
            return gs_fail(err, GS_ERR_CORRUPT, "cannot read the interpreter list");
        }
    }
    if (gs_py_layout_has(L->runtime_main_interpreter)) {
        uint64_t main_addr = runtime_addr + (uint64_t)L->runtime_main_interpreter;
        if (rt->interps[rt->ninterps - 1].addr != main_addr) {
            gs_py_runtime_free(rt);
            return gs_fail(err, GS_ERR_CORRUPT,
                           "the interpreter list does not end at _PyRuntime's main interpreter: "
                           "wrong layout or not a CPython runtime");
        }
    }
    if (rt->interps[0].sysdict == 0 || rt->interps[0].modules == 0) {
        gs_py_runtime_free(rt);
        return gs_fail(err, GS_ERR_CORRUPT,
                       "the interpreter has no sys module yet: it is starting up or shutting down, try again");
    }
    read_version(rt);
    rt->free_threaded = gs_py_layout_is_free_threaded(L);
    /* The build the table describes must be the build sys says it is: a
     * GIL table on a free-threaded process (or the reverse) reads nonsense. */
    if (rt->abiflags[0] && (strchr(rt->abiflags, 't') != NULL) != rt->free_threaded) {
        bool ft = strchr(rt->abiflags, 't') != NULL;
        gs_py_runtime_free(rt);
        return gs_fail(err, GS_ERR_UNSUPPORTED,
                       "sys.abiflags says this is a %s build, but the binary looked like a %s one",
                       ft ? "free-threaded" : "default (GIL)", ft ? "default (GIL)" : "free-threaded");
    }
    gs_py_thread_refcounts_read(c, rt->interps, rt->ninterps, &rt->thread_refs);
    return GS_OK;
}

void gs_py_runtime_free(struct gs_py_runtime *rt)
{
    gs_py_thread_refcounts_free(&rt->thread_refs);
    for (size_t i = 0; i < rt->ninterps; i++)
        free(rt->interps[i].threads);
    free(rt->interps);
    rt->interps = NULL;
    rt->ninterps = 0;
}

bool gs_py_runtime_collecting(const struct gs_py_runtime *rt)
{
    for (size_t i = 0; i < rt->ninterps; i++)
        if (rt->interps[i].gc.collecting)
            return true;
    return false;
}
