/* stacks.c: --dump-stacks, the threads and their stacks as the snapshot
 * keeps them (graph/threads.h), innermost frame first.
 *
 * Text, like py-spy dump:
 *
 *   Thread 4242 (worker-1), state S
 *     [native] __futex_abstimed_wait_common+0x7f (libc.so.6)
 *     ...
 *     wait_for_job (server.py:88)
 *     run (threading.py:975)
 *
 * Native frames of the interpreter's own binary that sit between two
 * Python frames are the call machinery from one Python call to the next:
 * text folds each such run into one line. JSON keeps every frame.
 *
 * Locals (--locals): a 3.8-3.10 frame's are its frame object's references
 * labelled as locals; a 3.11+ generator frame's are its generator's; a
 * 3.11+ thread frame is no object, and build.c made what it holds roots
 * named "thread TID FUNC() NAME" (frame->first_root, nroots): the name is
 * what follows "() ". Among those roots, the frame's own fields (f_code,
 * f_func, f_locals, frame_obj, pointing at an object of that kind) and its
 * value stack entries (no name) are not locals and are left out.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analyses.h"
#include "py/kinds.h"
#include "report/stacks.h"
#include "report/table.h"
#include "util/text.h"
#include "util/alloc.h"

#define MAX_LOCALS 100000 /* per frame; more is not a real frame */

struct stacks {
    const struct gs_snapshot *s;
    const struct gs_dominators *d; /* NULL without --locals */
    const char *interp_module;     /* base name of the interpreter's binary */
    struct gs_frame_local *locals;
    size_t nlocals, cap_locals;
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* --- locals -------------------------------------------------------------------- */

/* A root's field name that is the frame's own reference, not a local. */
static bool is_frame_field(const struct gs_snapshot *s, const char *name, uint32_t node)
{
    uint32_t k = gs_snapshot_kind(s, node);
    return (strcmp(name, "f_code") == 0 && k == GS_PYK_CODE) || (strcmp(name, "f_func") == 0 && k == GS_PYK_FUNCTION) ||
           (strcmp(name, "f_locals") == 0 && k == GS_PYK_DICT) || (strcmp(name, "frame_obj") == 0 && k == GS_PYK_FRAME);
}

/* The local's name in a root named "thread TID FUNC() NAME", NULL for a
 * value stack entry (no name) or one of the frame's own fields. */
static const char *root_local(const struct gs_snapshot *s, const struct gs_root *root)
{
    const char *p = gs_snapshot_string(s, root->name), *hit = NULL;
    while ((p = strstr(p, "() ")) != NULL)
        hit = p++;
    if (!hit || !hit[3] || is_frame_field(s, hit + 3, root->node))
        return NULL;
    return hit + 3;
}

size_t gs_frame_locals(const struct gs_snapshot *s, const struct gs_frame *f, struct gs_frame_local *out,
                       size_t cap)
{
    size_t n = 0;
    if (f->kind != GS_FRAME_PYTHON)
        return 0;
    if (f->nroots) {
        for (uint64_t r = f->first_root; r < (uint64_t)f->first_root + f->nroots && r < s->nroots; r++) {
            const char *name = root_local(s, &s->roots[r]);
            if (name && n++ < cap)
                out[n - 1] = (struct gs_frame_local){name, s->roots[r].node};
        }
        return n;
    }
    if (f->node >= s->nobjects)
        return 0;
    for (uint64_t e = s->out_off[f->node]; e < s->out_off[f->node + 1]; e++)
        if (gs_label_kind_of(s->out_label[e]) == GS_LABEL_LOCAL && n++ < cap)
            out[n - 1] = (struct gs_frame_local){gs_snapshot_string(s, gs_label_payload(s->out_label[e])),
                                                 s->out_dst[e]};
    return n;
}

static void collect_locals(struct stacks *st, const struct gs_frame *f)
{
    size_t n = gs_frame_locals(st->s, f, st->locals, st->cap_locals);
    if (n > st->cap_locals) {
        st->cap_locals = n < MAX_LOCALS ? n : MAX_LOCALS;
        st->locals = gs_xreallocarray(st->locals, st->cap_locals, sizeof *st->locals);
        n = gs_frame_locals(st->s, f, st->locals, st->cap_locals);
    }
    st->nlocals = n < st->cap_locals ? n : st->cap_locals;
}

static uint64_t retained_of(const struct stacks *st, uint32_t node)
{
    return st->d ? st->d->retained[node] : st->s->size[node];
}

/* --- text ------------------------------------------------------------------------ */

static bool is_python(const struct gs_frame *f) { return f->kind == GS_FRAME_PYTHON; }

static void text_locals(FILE *out, struct stacks *st, const struct gs_frame *f)
{
    char desc[300], b[32];
    collect_locals(st, f);
    for (size_t i = 0; i < st->nlocals; i++) {
        gs_snapshot_describe(st->s, st->locals[i].node, desc, sizeof desc);
        char name[300];
        fprintf(out, "        %s = %s  (retains %s)\n", gs_text(name, sizeof name, st->locals[i].name), desc,
                gs_fmt_bytes(retained_of(st, st->locals[i].node), b, sizeof b));
    }
}

static void text_header(FILE *out, const struct gs_snapshot *s, const struct gs_thread *t)
{
    char name[300];
    gs_text(name, sizeof name, gs_snapshot_string(s, t->name));
    fprintf(out, "\nThread %lld (%s%s)", (long long)t->tid, name, (t->flags & GS_THREAD_MAIN) ? ", main thread" : "");
    if (t->flags & GS_THREAD_GIL)
        fprintf(out, " holds the GIL");
    else if (!(t->flags & GS_THREAD_PYTHON))
        fprintf(out, " runs no Python");
    fprintf(out, ", state %c\n", t->state ? (char)t->state : '?');
}

static void text_thread(FILE *out, struct stacks *st, const struct gs_thread *t, bool locals)
{
    const struct gs_snapshot *s = st->s;
    /* No frames at all (a core or capture without native stacks and no
     * Python thread): frames may be NULL, and NULL + 0 is undefined
     * (UBSan, found by fuzz_core_graph). */
    const struct gs_frame *fr = t->nframes ? &s->frames[t->first_frame] : NULL;
    size_t n = t->nframes, first_py = n, last_py = 0;
    for (size_t i = 0; i < n; i++)
        if (is_python(&fr[i])) {
            if (first_py == n)
                first_py = i;
            last_py = i;
        }
    text_header(out, s, t);
    for (size_t i = 0; i < n; i++) {
        const struct gs_frame *f = &fr[i];
        char func[300], file[600];
        gs_text(func, sizeof func, gs_snapshot_string(s, f->function));
        gs_text(file, sizeof file, gs_snapshot_string(s, f->file));
        if (is_python(f)) {
            if (f->line >= 0)
                fprintf(out, "    %s (%s:%d)\n", func, file, f->line);
            else
                fprintf(out, "    %s (%s)\n", func, file);
            if (locals)
                text_locals(out, st, f);
            continue;
        }
        /* The interpreter's own frames between two Python frames: folded. */
        size_t run = 0;
        while (first_py < i + run && i + run < last_py && !is_python(&fr[i + run]) &&
               strcmp(gs_snapshot_string(s, fr[i + run].file), st->interp_module) == 0)
            run++;
        if (run > 1) {
            fprintf(out, "    [native] ... %zu frames in %s\n", run, st->interp_module);
            i += run - 1;
            continue;
        }
        fprintf(out, "    [native] %s (%s)\n", func, file[0] ? file : "?");
    }
    if (n == 0)
        fprintf(out, "    (no frames)\n");
}

static void report_text(FILE *out, struct stacks *st, bool locals)
{
    const struct gs_snapshot *s = st->s;
    gs_report_header_text(out, s);
    size_t python = 0, gil = 0;
    for (uint64_t t = 0; t < s->nthreads; t++) {
        python += (s->threads[t].flags & GS_THREAD_PYTHON) != 0;
        gil += (s->threads[t].flags & GS_THREAD_GIL) != 0;
    }
    fprintf(out, "%" PRIu64 " thread%s, %zu with a Python thread state; ", s->nthreads, s->nthreads == 1 ? "" : "s",
            python);
    if (gil == 0 && strstr(s->meta.build, "free-threaded"))
        fprintf(out, "no GIL (a free-threaded build: every thread runs Python at once)\n");
    else if (gil <= 1)
        fprintf(out, "%s\n", gil ? "one holds the GIL" : "none holds the GIL");
    else
        fprintf(out, "%zu hold a GIL (interpreters with GILs of their own)\n", gil);
    if (s->nthreads == 0)
        fprintf(out, "(this snapshot holds no threads)\n");
    for (uint64_t t = 0; t < s->nthreads; t++)
        text_thread(out, st, &s->threads[t], locals);
}

/* --- JSON -------------------------------------------------------------------------- */

static void json_locals(gs_json *w, struct stacks *st, const struct gs_frame *f)
{
    const struct gs_snapshot *s = st->s;
    char type[300];
    collect_locals(st, f);
    gs_json_key(w, "locals");
    gs_json_begin_array(w);
    for (size_t i = 0; i < st->nlocals; i++) {
        uint32_t node = st->locals[i].node;
        gs_json_begin_object(w);
        gs_json_key(w, "name");
        gs_json_string(w, st->locals[i].name);
        gs_json_key(w, "addr");
        gs_json_addr(w, s->addr[node]);
        gs_json_key(w, "type");
        gs_type_qualname(s, s->type[node], type, sizeof type);
        gs_json_string(w, type);
        gs_json_key(w, "preview");
        gs_json_string(w, gs_snapshot_string(s, s->preview[node]));
        gs_json_key(w, "size");
        gs_json_uint(w, s->size[node]);
        gs_json_key(w, "retained");
        gs_json_uint(w, retained_of(st, node));
        gs_json_end_object(w);
    }
    gs_json_end_array(w);
}

static void json_frame(gs_json *w, struct stacks *st, const struct gs_frame *f, bool locals)
{
    const struct gs_snapshot *s = st->s;
    gs_json_begin_object(w);
    gs_json_key(w, "kind");
    gs_json_string(w, is_python(f) ? "python" : "native");
    gs_json_key(w, "function");
    gs_json_string(w, gs_snapshot_string(s, f->function));
    if (is_python(f)) {
        gs_json_key(w, "file");
        gs_json_string(w, gs_snapshot_string(s, f->file));
        gs_json_key(w, "line");
        gs_json_int(w, f->line);
        gs_json_key(w, "frame");
        gs_json_addr(w, f->addr);
        gs_json_key(w, "object");
        if (f->node != GS_NO_NODE)
            gs_json_addr(w, s->addr[f->node]);
        else
            gs_json_null(w);
        if (locals)
            json_locals(w, st, f);
    } else {
        gs_json_key(w, "module");
        gs_json_string(w, gs_snapshot_string(s, f->file));
        gs_json_key(w, "ip");
        gs_json_addr(w, f->addr);
    }
    gs_json_end_object(w);
}

static void json_thread(gs_json *w, struct stacks *st, const struct gs_thread *t, bool locals)
{
    const struct gs_snapshot *s = st->s;
    char state[2] = {t->state ? (char)t->state : '?', '\0'};
    gs_json_begin_object(w);
    gs_json_key(w, "tid");
    gs_json_int(w, t->tid);
    gs_json_key(w, "name");
    gs_json_string(w, gs_snapshot_string(s, t->name));
    gs_json_key(w, "python");
    gs_json_bool(w, (t->flags & GS_THREAD_PYTHON) != 0);
    gs_json_key(w, "ident");
    gs_json_uint(w, t->ident);
    gs_json_key(w, "interpreter");
    if ((t->flags & GS_THREAD_PYTHON) && t->interp < (uint32_t)s->meta.ninterps &&
        t->interp < GS_MAX_INTERPRETERS)
        gs_json_int(w, s->meta.interps[t->interp].id);
    else
        gs_json_null(w);
    gs_json_key(w, "main");
    gs_json_bool(w, (t->flags & GS_THREAD_MAIN) != 0);
    gs_json_key(w, "gil");
    gs_json_bool(w, (t->flags & GS_THREAD_GIL) != 0);
    gs_json_key(w, "state");
    gs_json_string(w, state);
    gs_json_key(w, "frames");
    gs_json_begin_array(w);
    for (uint32_t i = 0; i < t->nframes; i++)
        json_frame(w, st, &s->frames[t->first_frame + i], locals);
    gs_json_end_array(w);
    gs_json_end_object(w);
}

static void report_json(FILE *out, struct stacks *st, bool locals)
{
    const struct gs_snapshot *s = st->s;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "threads");
    gs_json_begin_array(&w);
    for (uint64_t t = 0; t < s->nthreads; t++)
        json_thread(&w, st, &s->threads[t], locals);
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

/* With --locals, what each local retains: the dominators. */
static gs_status stacks_build(struct stacks *st, const struct gs_snapshot *s, const struct gs_report_opts *o,
                              gs_error *err)
{
    *st = (struct stacks){.s = s, .interp_module = base_name(s->meta.binary)};
    if (o->locals && !(st->d = gs_analyses_dominators(o->an, err)))
        return err->code;
    return GS_OK;
}

/* The manual's entry for --dump-stacks, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_stacks_man[] =
    "Every thread: its name, whether it holds the GIL, its kernel state, and its Python and native\n"
    "frames merged into one stack.\n";

gs_status gs_report_stacks_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct stacks st;
    gs_status status = stacks_build(&st, s, o, err);
    if (status == GS_OK)
        report_text(out, &st, o->locals);
    free(st.locals);
    return status;
}

gs_status gs_report_stacks_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    struct stacks st;
    gs_status status = stacks_build(&st, s, o, err);
    if (status == GS_OK)
        report_json(out, &st, o->locals);
    free(st.locals);
    return status;
}
