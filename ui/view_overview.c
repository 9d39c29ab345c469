/* view_overview.c: the capture at a glance, the first screen.
 *
 * One line per fact; a line about cycles, suspects, resources or threads
 * opens that view on Enter. The counts need the garbage, the cycles and
 * the dominators: computed here, once, with "computing..." on the status
 * line (the other views then open at once). Until they are there, the
 * first draw shows what the snapshot says by itself (the process, the
 * heap's size, the collector's state, the warnings: a pass over the
 * sizes at most) and the next one, right after, computes and adds the
 * rest: on a big snapshot whose file does not carry its analyses, the
 * screen is up in the time of the load instead of several seconds. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/explained.h"
#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

#define LINE_MAX_BYTES 1024

struct line {
    char text[LINE_MAX_BYTES];
    enum gs_role role;
    int target; /* enum gs_top_view to open on Enter, -1 for none */
};

struct overview {
    struct gs_view base;
    struct line *lines;
    size_t n, cap;
    bool built;
    bool cheap; /* the lines of what needs no analysis are shown; the rest comes at the next draw */
};

/* What the complete overview needs computed. */
#define OVERVIEW_NEEDS (GS_NEED_GARBAGE | GS_NEED_CYCLES | GS_NEED_SUSPECTS)

static struct line *add(struct overview *o, enum gs_role role, int target)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 32;
        o->lines = gs_xreallocarray(o->lines, o->cap, sizeof *o->lines);
    }
    struct line *l = &o->lines[o->n++];
    l->text[0] = '\0';
    l->role = role;
    l->target = target;
    return l;
}

#define ADDF(o, role, target, ...) snprintf(add(o, role, target)->text, LINE_MAX_BYTES, __VA_ARGS__)

static void process_lines(struct overview *o, const struct gs_snapshot *s)
{
    const struct gs_snap_meta *m = &s->meta;
    char b1[32], b2[32], when[64] = "?";
    time_t t = (time_t)m->captured_at;
    struct tm tm;
    if (m->captured_at > 0 && localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
    ADDF(o, GS_ROLE_HEADER, -1, "Process");
    ADDF(o, GS_ROLE_NORMAL, -1, "  process %lld%s%s, %s", (long long)m->pid, m->hostname[0] ? " on " : "",
         m->hostname, m->binary);
    ADDF(o, GS_ROLE_NORMAL, -1, "  Python %s%s%s, build %s", m->python, m->build[0] ? " " : "", m->build,
         m->python_build);
    ADDF(o, GS_ROLE_NORMAL, -1, "  captured %s: paused %.1f ms for %d thread%s, copied %s in %.1f ms%s", when,
         m->pause_ms, m->threads_stopped, m->threads_stopped == 1 ? "" : "s",
         gs_fmt_bytes(m->copied_bytes, b1, sizeof b1), m->copy_ms,
         m->target_was_stopped ? " (it was stopped already, and stays so)" : "");
    ADDF(o, GS_ROLE_NORMAL, -1, "  graph built in %.1f ms; the process has run on since: browsing never touches it",
         m->capture_ms + m->build_ms);
    (void)b2;
}

static void heap_lines(struct overview *o, struct gs_ui *ui)
{
    const struct gs_snapshot *s = ui->snap;
    const struct gs_model *m = &ui->model;
    char c1[32], c2[32], c3[32], b1[32];
    uint64_t bytes = 0;
    for (uint64_t i = 0; i < s->nobjects; i++)
        bytes += s->size[i];
    ADDF(o, GS_ROLE_HEADER, -1, "Heap");
    ADDF(o, GS_ROLE_NORMAL, GS_TOP_TYPES, "  %s objects, %s (sys.getsizeof), %s references, %s types",
         gs_fmt_count(s->nobjects, c1, sizeof c1), gs_fmt_bytes(bytes, b1, sizeof b1),
         gs_fmt_count(s->nedges, c2, sizeof c2), gs_fmt_count(s->ntypes, c3, sizeof c3));
    if (m->have & GS_NEED_DOM)
        ADDF(o, GS_ROLE_NORMAL, GS_TOP_DOMTREE, "  reachable from the %s roots: %s objects, %s",
             gs_fmt_count(s->nroots, c1, sizeof c1), gs_fmt_count(m->reachable_objects, c2, sizeof c2),
             gs_fmt_bytes(m->reachable_bytes, b1, sizeof b1));
}

static void collector_lines(struct overview *o, struct gs_ui *ui)
{
    const struct gs_snapshot *s = ui->snap;
    const struct gs_model *m = &ui->model;
    char c1[32], b1[32];
    ADDF(o, GS_ROLE_HEADER, -1, "Collector");
    for (int32_t i = 0; i < s->meta.ninterps; i++) {
        const struct gs_snap_interp *in = &s->meta.interps[i];
        ADDF(o, in->gc_enabled ? GS_ROLE_NORMAL : GS_ROLE_ALERT, -1,
             "  %s%s, thresholds %d/%d/%d, counts %d/%d/%d, %d thread%s%s", s->meta.ninterps > 1 ? "interpreter: " : "",
             in->gc_enabled ? "enabled" : "DISABLED (gc.disable())", in->thresholds[0], in->thresholds[1],
             in->thresholds[2], in->counts[0], in->counts[1], in->counts[2], in->nthreads,
             in->nthreads == 1 ? "" : "s", in->gc_collecting ? ", collecting" : "");
        if (i == 0 && in->garbage_node < s->nobjects) {
            uint32_t g = in->garbage_node;
            uint64_t n = s->out_off[g + 1] - s->out_off[g];
            ADDF(o, n ? GS_ROLE_ALERT : GS_ROLE_NORMAL, -1, "  gc.garbage: %s object%s",
                 gs_fmt_count(n, c1, sizeof c1), n == 1 ? "" : "s");
        }
    }
    if (m->have & GS_NEED_GARBAGE)
        ADDF(o, m->garbage_objects ? GS_ROLE_ALERT : GS_ROLE_NORMAL, GS_TOP_CYCLES,
             "  cyclic garbage: %s objects, %s: what gc.collect() would free now",
             gs_fmt_count(m->garbage_objects, c1, sizeof c1), gs_fmt_bytes(m->garbage_bytes, b1, sizeof b1));
}

static void findings_lines(struct overview *o, struct gs_ui *ui)
{
    const struct gs_snapshot *s = ui->snap;
    const struct gs_model *m = &ui->model;
    char c1[32], c2[32], c3[32], c4[32], b1[32];
    ADDF(o, GS_ROLE_HEADER, -1, "Findings (Enter opens)");
    if (m->have & GS_NEED_CYCLES) {
        uint64_t g = m->cycle_class_count[GS_CYCLE_GARBAGE] + m->cycle_class_count[GS_CYCLE_FINALIZERS];
        ADDF(o, g ? GS_ROLE_ALERT : GS_ROLE_NORMAL, GS_TOP_CYCLES,
             "  reference cycles: %s (%s garbage, %s of them with finalizers; %s reachable)",
             gs_fmt_count(m->ncycles, c1, sizeof c1), gs_fmt_count(g, c2, sizeof c2),
             gs_fmt_count(m->cycle_class_count[GS_CYCLE_FINALIZERS], c3, sizeof c3),
             gs_fmt_count(m->cycle_class_count[GS_CYCLE_REACHABLE], c4, sizeof c4));
    }
    if (m->have & GS_NEED_SUSPECTS) {
        const struct gs_suspect *top = m->suspects.n ? &m->suspects.v[0] : NULL;
        if (top)
            ADDF(o, GS_ROLE_ALERT, GS_TOP_SUSPECTS, "  suspects: %zu; the largest, %s, retains %s", m->suspects.n,
                 top->name, gs_fmt_bytes(top->retained, b1, sizeof b1));
        else
            ADDF(o, GS_ROLE_NORMAL, GS_TOP_SUSPECTS, "  suspects: none");
    }
    uint64_t open_res = 0;
    for (uint64_t i = 0; i < s->nresources; i++)
        open_res += !s->resources[i].closed;
    ADDF(o, GS_ROLE_NORMAL, GS_TOP_RESOURCES, "  open resources: %s file descriptor%s, %s Python object%s holding one",
         gs_fmt_count(s->nfds, c1, sizeof c1), s->nfds == 1 ? "" : "s", gs_fmt_count(open_res, c2, sizeof c2),
         open_res == 1 ? "" : "s");
    uint64_t py = 0;
    for (uint64_t i = 0; i < s->nthreads; i++)
        py += (s->threads[i].flags & GS_THREAD_PYTHON) != 0;
    if (s->nthreads)
        ADDF(o, GS_ROLE_NORMAL, GS_TOP_THREADS, "  threads: %s (%s running Python), %s frames",
             gs_fmt_count(s->nthreads, c1, sizeof c1), gs_fmt_count(py, c2, sizeof c2),
             gs_fmt_count(s->nframes, c3, sizeof c3));
    else
        ADDF(o, GS_ROLE_NORMAL, GS_TOP_THREADS, "  threads: not recorded in this snapshot");
    const struct gs_snap_memory *mem = &s->memory;
    if (mem->present && mem->smaps_read)
        ADDF(o, GS_ROLE_NORMAL, GS_TOP_MEMORY, "  memory: %s resident, %s anonymous, %.1f%% of it unexplained",
             gs_fmt_bytes(mem->rss, c1, sizeof c1), gs_fmt_bytes(mem->anonymous, c2, sizeof c2),
             mem->anonymous ? 100.0 * (double)mem->unexplained / (double)mem->anonymous : 0.0);
    else
        ADDF(o, GS_ROLE_NORMAL, GS_TOP_MEMORY, "  memory: resident memory not recorded in this snapshot");
}

static void warning_lines(struct overview *o, const struct gs_snapshot *s)
{
    const struct gs_snap_meta *m = &s->meta;
    char c1[32];
    if (!m->bad_edges && !m->broken_lists && !m->unreadable_pages)
        return;
    ADDF(o, GS_ROLE_HEADER, -1, "Warnings");
    if (m->bad_edges)
        ADDF(o, GS_ROLE_ALERT, -1, "  %s references pointed at no valid object",
             gs_fmt_count(m->bad_edges, c1, sizeof c1));
    if (m->broken_lists)
        ADDF(o, GS_ROLE_ALERT, -1, "  %s collector lists could not be walked to the end",
             gs_fmt_count(m->broken_lists, c1, sizeof c1));
    if (m->unreadable_pages)
        ADDF(o, GS_ROLE_ALERT, -1, "  %s pages could not be read", gs_fmt_count(m->unreadable_pages, c1, sizeof c1));
}

/* Without any analysis: the lines below read only the snapshot, and say
 * nothing of what is not known yet. */
static void build_cheap(struct overview *o, struct gs_ui *ui)
{
    o->n = 0;
    process_lines(o, ui->snap);
    heap_lines(o, ui);
    collector_lines(o, ui);
    warning_lines(o, ui->snap);
    gs_list_init(&o->base.list, o->base.list.src, o, NULL, o->n, false);
    o->cheap = true;
}

static void build(struct overview *o, struct gs_ui *ui)
{
    /* One at a time: what cannot be computed is left out (the status
     * line says why), and the rest is still shown. */
    gs_ui_need(ui, GS_NEED_GARBAGE);
    gs_ui_need(ui, GS_NEED_CYCLES);
    gs_ui_need(ui, GS_NEED_SUSPECTS);
    o->n = 0;
    process_lines(o, ui->snap);
    heap_lines(o, ui);
    collector_lines(o, ui);
    findings_lines(o, ui);
    warning_lines(o, ui->snap);
    gs_list_init(&o->base.list, o->base.list.src, o, NULL, o->n, false);
    o->built = true;
}

static bool line_match(const void *ctx, uint32_t id, const char *pat)
{
    const struct overview *o = ctx;
    return gs_contains(o->lines[id].text, pat);
}

static const struct gs_list_src lines_src = {.match = line_match};

static void draw_row(struct gs_view *v, struct gs_ui *ui, uint32_t id, int y, bool selected)
{
    struct overview *o = (struct overview *)v;
    const struct line *l = &o->lines[id];
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(selected, l->role), l->text, true);
}

/* The rest of the overview, computed under the cheap screen. */
static void prepare(struct gs_view *v, struct gs_ui *ui)
{
    struct overview *o = (struct overview *)v;
    if (o->cheap && !o->built)
        build(o, ui);
}

static void draw(struct gs_view *v, struct gs_ui *ui, int y, int h)
{
    struct overview *o = (struct overview *)v;
    if (!o->built && !o->cheap && (ui->model.have & OVERVIEW_NEEDS) != OVERVIEW_NEEDS) {
        build_cheap(o, ui);
        ui->draw_again = true;
    } else if (!o->built) {
        build(o, ui);
    }
    gs_ui_draw_list(v, ui, y, h, draw_row);
}

static bool request(struct gs_view *v, struct gs_ui *ui, enum gs_request req)
{
    struct overview *o = (struct overview *)v;
    uint32_t id;
    if (req != GS_REQ_OPEN || !gs_list_current(&v->list, &id))
        return false;
    if (o->lines[id].target >= 0)
        gs_ui_open_top(ui, (enum gs_top_view)o->lines[id].target);
    return true;
}

/* The overview has no names to find: a search looks for a type. */
static bool search(struct gs_view *v, struct gs_ui *ui, const char *pat, int dir, bool include_current)
{
    (void)v;
    gs_ui_open_top(ui, GS_TOP_TYPES);
    struct gs_view *t = gs_ui_current(ui);
    if (!t || t == v || !t->ops->search)
        return false;
    return t->ops->search(t, ui, pat, dir, include_current);
}

static void done(struct gs_view *v)
{
    struct overview *o = (struct overview *)v;
    gs_list_free(&v->list);
    free(o->lines);
    free(o);
}

static const struct gs_view_ops ops = {
    .name = "overview", .prepare = prepare, .draw = draw, .request = request, .search = search, .done = done};

struct gs_view *gs_view_overview_new(struct gs_ui *ui)
{
    (void)ui;
    struct overview *o = gs_xcalloc(1, sizeof *o);
    gs_view_init(&o->base, &ops, "Overview");
    o->base.has_list = true;
    gs_list_init(&o->base.list, &lines_src, o, NULL, 0, false);
    return &o->base;
}
