/* threads.c: every thread of the capture with its merged stack.
 *
 * Which kernel thread runs which Python thread state:
 *   3.11+    the thread state records the kernel tid (native_thread_id).
 *   <= 3.10  it records only pthread_self() (thread_id). On x86_64 glibc
 *            pthread_self() is the thread's TCB, which is also its fs base
 *            register: gs_unwind_regs reads fs_base while the thread is
 *            stopped, and the two are compared. Without registers (native
 *            stacks off) the TCB itself is read from the image: glibc's
 *            struct pthread starts with tcbhead_t, whose `self` (offset 16)
 *            points at the struct, and keeps the kernel tid at offset 0x2d0
 *            (glibc 2.26 to 2.39 on x86_64, the value libthread_db's
 *            descriptors use); the match counts only when `self` agrees and
 *            the tid is one of the process's threads.
 *
 * Merging: the native frames are walked innermost first; each native frame
 * of the eval loop (_PyEval_EvalFrameDefault, its .cold part included) is
 * replaced by the Python frames that call runs: one frame up to 3.10, the
 * frames up to and including the next GS_PY_FRAME_ENTRY frame from 3.11 (see
 * py/stacks.h). Python frames left over (the native walk stopped early, or
 * no symbols named the eval loop) follow the last native frame, where they
 * belong: outside everything the walk saw. Every other native frame is
 * kept; the text report folds the interpreter's call machinery between two
 * Python frames, JSON keeps all.
 *
 * A Python frame's node is the object that holds its locals (the frame
 * object up to 3.10, the generator for a 3.11+ generator frame), else its
 * frame object, else none; a 3.11+ thread frame's locals are the roots
 * build.c noted for its address.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/threads.h"
#include "py/stacks.h"
#include "util/alloc.h"
#include "util/sort.h"

#define GLIBC_TCB_SELF 16      /* tcbhead_t.self */
#define GLIBC_PTHREAD_TID 0x2d0 /* struct pthread.tid, x86_64 glibc >= 2.26 */
#define EVAL_LOOP "_PyEval_EvalFrameDefault"

/* A Python frame as the walk reported it, its strings interned. */
struct pyframe {
    uint64_t addr, frame_obj, holder;
    int32_t line;
    uint32_t flags, function, file;
};

/* A thread state and where it belongs. */
struct tstate_ref {
    const struct gs_py_thread *th;
    uint32_t interp; /* index in meta.interps */
    int64_t tid;     /* the kernel thread it runs on, -1 when none was found */
    bool used;
};

/* A kernel thread by a key (its tid, or its fs base). */
struct kthread {
    uint64_t key;
    int64_t tid;
};

struct interp_info {
    struct gs_py_thread_name *names;
    size_t nnames;
    uint64_t gil_holder;
};

struct tbuilder {
    const struct gs_capture *cap;
    struct gs_snapshot *s;
    gs_strpool *strings;
    gs_symbolizer *sym;
    struct gs_frame_roots *roots; /* sorted by frame */
    size_t nroots;
    struct tstate_ref *ts;
    size_t nts;
    struct tstate_ref **by_tid; /* ts sorted by tid */
    struct kthread *ktids, *kfs; /* the kernel threads sorted by tid, by fs base */
    size_t nk;
    struct interp_info interps[GS_MAX_INTERPRETERS];
    /* the output */
    struct gs_thread *threads;
    size_t nthreads, cap_threads;
    struct gs_frame *frames;
    size_t nframes, cap_frames;
    /* one thread's Python frames, reused */
    struct pyframe *py;
    size_t npy, cap_py;
    bool oom;
};

static int by_frame(const void *a, const void *b)
{
    uint64_t x = ((const struct gs_frame_roots *)a)->frame, y = ((const struct gs_frame_roots *)b)->frame;
    return x < y ? -1 : x > y;
}

static const struct gs_frame_roots *roots_of(const struct tbuilder *tb, uint64_t frame)
{
    struct gs_frame_roots key = {frame, 0, 0};
    return tb->nroots ? bsearch(&key, tb->roots, tb->nroots, sizeof key, by_frame) : NULL;
}

static uint32_t intern(struct tbuilder *tb, const char *str)
{
    return gs_strpool_add_cstr(tb->strings, str);
}

/* --- output arrays ----------------------------------------------------------- */

static struct gs_frame *new_frame(struct tbuilder *tb)
{
    if (tb->nframes >= UINT32_MAX - 1) {
        tb->oom = true;
        return NULL;
    }
    if (tb->nframes == tb->cap_frames) {
        size_t cap = tb->cap_frames ? tb->cap_frames * 2 : 256;
        struct gs_frame *p = gs_try_reallocarray(tb->frames, cap, sizeof *p);
        if (!p) {
            tb->oom = true;
            return NULL;
        }
        tb->frames = p;
        tb->cap_frames = cap;
    }
    struct gs_frame *f = &tb->frames[tb->nframes++];
    memset(f, 0, sizeof *f);
    f->node = GS_NO_NODE;
    return f;
}

static struct gs_thread *new_thread(struct tbuilder *tb)
{
    if (tb->nthreads == tb->cap_threads) {
        size_t cap = tb->cap_threads ? tb->cap_threads * 2 : 16;
        struct gs_thread *p = gs_try_reallocarray(tb->threads, cap, sizeof *p);
        if (!p) {
            tb->oom = true;
            return NULL;
        }
        tb->threads = p;
        tb->cap_threads = cap;
    }
    struct gs_thread *t = &tb->threads[tb->nthreads++];
    memset(t, 0, sizeof *t);
    return t;
}

/* --- Python frames ------------------------------------------------------------- */

static bool collect_pyframe(void *arg, const struct gs_py_frame_info *f)
{
    struct tbuilder *tb = arg;
    if (tb->npy == tb->cap_py) {
        size_t cap = tb->cap_py ? tb->cap_py * 2 : 64;
        struct pyframe *p = gs_try_reallocarray(tb->py, cap, sizeof *p);
        if (!p) {
            tb->oom = true;
            return false;
        }
        tb->py = p;
        tb->cap_py = cap;
    }
    tb->py[tb->npy++] = (struct pyframe){
        .addr = f->addr,
        .frame_obj = f->frame_obj,
        .holder = f->holder,
        .line = f->line,
        .flags = f->flags,
        .function = intern(tb, f->function),
        .file = intern(tb, f->file),
    };
    return true;
}

static void emit_pyframe(struct tbuilder *tb, const struct pyframe *p)
{
    struct gs_frame *f = new_frame(tb);
    if (!f)
        return;
    f->kind = GS_FRAME_PYTHON;
    f->function = p->function;
    f->file = p->file;
    f->line = p->line;
    f->addr = p->addr;
    uint64_t obj = p->holder ? p->holder : p->frame_obj;
    if (obj)
        f->node = gs_snapshot_find(tb->s, obj);
    const struct gs_frame_roots *r = roots_of(tb, p->addr);
    if (r) {
        f->first_root = r->first;
        f->nroots = r->n;
    }
}

/* The Python frames one eval-loop call runs, from *next: up to and
 * including the next ENTRY frame. */
static void emit_eval_call(struct tbuilder *tb, size_t *next)
{
    while (*next < tb->npy) {
        const struct pyframe *p = &tb->py[(*next)++];
        emit_pyframe(tb, p);
        if (p->flags & GS_PY_FRAME_ENTRY)
            break;
    }
}

/* --- native frames ----------------------------------------------------------------- */

static bool is_eval_loop(const char *func)
{
    size_t n = strlen(EVAL_LOOP);
    return strncmp(func, EVAL_LOOP, n) == 0 && (func[n] == '+' || func[n] == '.' || func[n] == '\0');
}

static void merge(struct tbuilder *tb, const struct gs_native_stack *nat)
{
    size_t next = 0;
    for (size_t i = 0; nat && i < nat->n && !tb->oom; i++) {
        char func[256], module[256];
        /* A caller's ip is a return address: the call is just before it. */
        uint64_t ip = nat->ips[i], at = i == 0 ? ip : ip - 1;
        gs_symbolize(tb->sym, at, func, sizeof func, module, sizeof module);
        if (is_eval_loop(func) && next < tb->npy) {
            emit_eval_call(tb, &next);
            continue;
        }
        struct gs_frame *f = new_frame(tb);
        if (!f)
            return;
        f->kind = GS_FRAME_NATIVE;
        f->function = intern(tb, func);
        f->file = intern(tb, module);
        f->line = -1;
        f->addr = ip;
    }
    while (next < tb->npy && !tb->oom)
        emit_pyframe(tb, &tb->py[next++]);
}

/* --- which thread state runs on which kernel thread ----------------------------------- */

static int by_key(const void *a, const void *b)
{
    uint64_t x = ((const struct kthread *)a)->key, y = ((const struct kthread *)b)->key;
    return x < y ? -1 : x > y;
}

static int64_t kthread_find(const struct kthread *v, size_t n, uint64_t key)
{
    struct kthread k = {key, 0};
    const struct kthread *hit = n ? bsearch(&k, v, n, sizeof k, by_key) : NULL;
    return hit ? hit->tid : -1;
}

static void index_kernel_threads(struct tbuilder *tb)
{
    const struct gs_capture *cap = tb->cap;
    tb->nk = cap->nnative;
    tb->ktids = gs_xcalloc(tb->nk ? tb->nk : 1, sizeof *tb->ktids);
    tb->kfs = gs_xcalloc(tb->nk ? tb->nk : 1, sizeof *tb->kfs);
    for (size_t i = 0; i < tb->nk; i++) {
        tb->ktids[i] = (struct kthread){(uint64_t)cap->native[i].tid, cap->native[i].tid};
        tb->kfs[i] = (struct kthread){cap->native[i].fs_base, cap->native[i].tid};
    }
    gs_qsort(tb->ktids, tb->nk, sizeof *tb->ktids, by_key);
    gs_qsort(tb->kfs, tb->nk, sizeof *tb->kfs, by_key);
}

/* <= 3.10 without registers: the kernel tid glibc keeps in the TCB that
 * thread_id (pthread_self()) points at; see the top of the file. */
static int64_t tcb_tid(const struct tbuilder *tb, uint64_t ident)
{
    gs_reader *r = tb->cap->rt.ctx.r;
    uint64_t self;
    int32_t tid;
    if (!ident || !gs_read_u64(r, ident + GLIBC_TCB_SELF, &self) || self != ident ||
        !gs_read_i32(r, ident + GLIBC_PTHREAD_TID, &tid) || tid <= 0)
        return -1;
    return kthread_find(tb->ktids, tb->nk, (uint64_t)tid);
}

static int64_t kernel_tid(const struct tbuilder *tb, const struct gs_py_thread *th)
{
    if (th->native_thread_id > 0)
        return th->native_thread_id;
    int64_t tid = th->thread_id ? kthread_find(tb->kfs, tb->nk, th->thread_id) : -1;
    return tid >= 0 ? tid : tcb_tid(tb, th->thread_id);
}

static int by_ref_tid(const void *a, const void *b)
{
    int64_t x = (*(struct tstate_ref *const *)a)->tid, y = (*(struct tstate_ref *const *)b)->tid;
    return x < y ? -1 : x > y;
}

/* The thread state of a kernel thread: one that runs on it, preferring one
 * with frames (a thread has a state per interpreter it entered). */
static struct tstate_ref *tstate_for(struct tbuilder *tb, const struct gs_native_stack *nat)
{
    size_t lo = 0, hi = tb->nts;
    while (lo < hi) { /* the first with tid >= nat->tid */
        size_t mid = lo + (hi - lo) / 2;
        if (tb->by_tid[mid]->tid < nat->tid)
            lo = mid + 1;
        else
            hi = mid;
    }
    struct tstate_ref *first = NULL;
    for (size_t i = lo; i < tb->nts && tb->by_tid[i]->tid == nat->tid; i++) {
        struct tstate_ref *r = tb->by_tid[i];
        if (r->used)
            continue;
        if (gs_py_stack_top(&tb->cap->rt.ctx, r->th->addr))
            return r;
        if (!first)
            first = r;
    }
    return first;
}

/* --- one thread ---------------------------------------------------------------------- */

static int by_ident(const void *a, const void *b)
{
    uint64_t x = ((const struct gs_py_thread_name *)a)->ident, y = ((const struct gs_py_thread_name *)b)->ident;
    return x < y ? -1 : x > y;
}

static const char *thread_name(const struct tbuilder *tb, const struct tstate_ref *ref)
{
    if (!ref)
        return NULL;
    const struct interp_info *ii = &tb->interps[ref->interp];
    struct gs_py_thread_name key = {.ident = ref->th->thread_id};
    const struct gs_py_thread_name *hit =
        ii->nnames ? bsearch(&key, ii->names, ii->nnames, sizeof key, by_ident) : NULL;
    return hit ? hit->name : NULL;
}

static void add_thread(struct tbuilder *tb, const struct gs_native_stack *nat, struct tstate_ref *ref)
{
    const struct gs_capture *cap = tb->cap;
    int64_t tid = nat ? nat->tid : ref->tid > 0 ? ref->tid : 0;
    struct gs_thread *t = new_thread(tb);
    if (!t)
        return;
    t->tid = tid;
    t->state = cap->was_stopped ? 'T' : nat && nat->state ? (uint32_t)(unsigned char)nat->state : '?';
    if (tid == cap->pid)
        t->flags |= GS_THREAD_MAIN;
    const char *name = thread_name(tb, ref);
    char fallback[64];
    if (!name && nat && nat->comm[0])
        name = nat->comm;
    if (!name) {
        snprintf(fallback, sizeof fallback, "thread %lld", (long long)tid);
        name = fallback;
    }
    t->name = intern(tb, name);
    tb->npy = 0;
    if (ref) {
        ref->used = true;
        t->flags |= GS_THREAD_PYTHON;
        t->ident = ref->th->thread_id;
        t->interp = ref->interp;
        if (tb->interps[ref->interp].gil_holder == ref->th->addr)
            t->flags |= GS_THREAD_GIL;
        gs_py_stack_walk(&cap->rt.ctx, ref->th->addr, GS_PY_STACK_MAX_FRAMES, collect_pyframe, tb);
    }
    /* t may move as frames grow the arrays: remember its index. */
    size_t index = (size_t)(t - tb->threads);
    size_t first = tb->nframes;
    merge(tb, nat);
    tb->threads[index].first_frame = (uint32_t)first;
    tb->threads[index].nframes = (uint32_t)(tb->nframes - first);
}

/* --- the whole capture ------------------------------------------------------------------ */

static void collect_tstates(struct tbuilder *tb)
{
    const struct gs_py_runtime *rt = &tb->cap->rt;
    size_t total = 0;
    for (size_t i = 0; i < rt->ninterps; i++)
        total += rt->interps[i].nthreads;
    tb->ts = gs_xcalloc(total ? total : 1, sizeof *tb->ts);
    /* meta.interps[k] is rt->interps[ninterps - 1 - k] (the main one is last). */
    for (size_t k = 0; k < rt->ninterps && k < GS_MAX_INTERPRETERS; k++) {
        const struct gs_py_interp *in = &rt->interps[rt->ninterps - 1 - k];
        struct interp_info *ii = &tb->interps[k];
        ii->names = gs_py_thread_names(&rt->ctx, in, &ii->nnames);
        if (ii->names)
            gs_qsort(ii->names, ii->nnames, sizeof *ii->names, by_ident);
        ii->gil_holder = gs_py_gil_holder(&rt->ctx, rt->runtime_addr, in);
        for (size_t t = 0; t < in->nthreads; t++)
            tb->ts[tb->nts++] = (struct tstate_ref){&in->threads[t], (uint32_t)k, -1, false};
    }
    tb->by_tid = gs_xcalloc(tb->nts ? tb->nts : 1, sizeof *tb->by_tid);
    for (size_t i = 0; i < tb->nts; i++) {
        tb->ts[i].tid = kernel_tid(tb, tb->ts[i].th);
        tb->by_tid[i] = &tb->ts[i];
    }
    gs_qsort(tb->by_tid, tb->nts, sizeof *tb->by_tid, by_ref_tid);
}

static void tbuilder_free(struct tbuilder *tb)
{
    for (size_t k = 0; k < GS_MAX_INTERPRETERS; k++)
        free(tb->interps[k].names);
    gs_symbolizer_free(tb->sym);
    free(tb->roots);
    free(tb->ts);
    free(tb->by_tid);
    free(tb->ktids);
    free(tb->kfs);
    free(tb->py);
    free(tb->threads);
    free(tb->frames);
}

gs_status gs_threads_build(const struct gs_capture *cap, struct gs_snapshot *s, gs_strpool *strings,
                           const struct gs_frame_roots *roots, size_t nroots, gs_error *err)
{
    struct tbuilder tb = {.cap = cap, .s = s, .strings = strings, .nroots = nroots};
    tb.roots = gs_xcalloc(nroots ? nroots : 1, sizeof *tb.roots);
    if (nroots)
        memcpy(tb.roots, roots, nroots * sizeof *roots);
    gs_qsort(tb.roots, nroots, sizeof *tb.roots, by_frame);
    tb.sym = cap->core ? gs_symbolizer_new_root(cap->files_root, &cap->maps) : gs_symbolizer_new(cap->pid, &cap->maps);
    index_kernel_threads(&tb);
    collect_tstates(&tb);
    for (size_t i = 0; i < cap->nnative && !tb.oom; i++)
        add_thread(&tb, &cap->native[i], tstate_for(&tb, &cap->native[i]));
    /* Thread states no kernel thread claimed (one that is exiting, a second
     * interpreter's state of a thread, or no native data): still shown. */
    for (size_t i = 0; i < tb.nts && !tb.oom; i++)
        if (!tb.ts[i].used)
            add_thread(&tb, NULL, &tb.ts[i]);
    if (tb.oom) {
        tbuilder_free(&tb);
        return gs_fail(err, GS_ERR_NOMEM, "out of memory collecting the threads' stacks");
    }
    s->threads = tb.threads;
    s->nthreads = tb.nthreads;
    s->frames = tb.frames;
    s->nframes = tb.nframes;
    tb.threads = NULL;
    tb.frames = NULL;
    tbuilder_free(&tb);
    return GS_OK;
}
