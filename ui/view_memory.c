/* view_memory.c: where the process's memory goes, the browser's side of
 * --dump-memory, --dump-pymalloc and --dump-allocations.
 *
 * Three sections, one line per fact: the resident memory split into its
 * parts (bytes and share of the anonymous memory, the same figures as
 * --dump-memory, from report/memory.h); pymalloc's arenas and the ones
 * fragmentation keeps from the system, each with the objects that pin it
 * (Enter opens one); and, when the target ran with tracemalloc, its top
 * allocation lines (statistics('lineno')). A part the snapshot lacks says
 * why in one line, as the reports do. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "graph/memory.h"
#include "report/allocations.h"
#include "report/memory.h"
#include "report/report.h"
#include "ui/ui.h"
#include "util/alloc.h"

#define LINE_BYTES 768
#define ARENAS_SHOWN 20   /* fragmented arenas listed, least used first */
#define PINS_SHOWN 3      /* objects listed under each */
#define ALLOC_LINES_SHOWN 30

struct line {
    char text[LINE_BYTES];
    enum gs_role role;
    uint32_t node; /* the object Enter opens, GS_NO_NODE for none */
};

struct memview {
    struct gs_view base;
    struct line *lines;
    size_t n, cap;
};

static struct line *add(struct memview *v, enum gs_role role, uint32_t node)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->lines = gs_xreallocarray(v->lines, v->cap, sizeof *v->lines);
    }
    struct line *l = &v->lines[v->n++];
    l->text[0] = '\0';
    l->role = role;
    l->node = node;
    return l;
}

#define ADDF(v, role, node, ...) snprintf(add(v, role, node)->text, LINE_BYTES, __VA_ARGS__)

/* Under a fragmented arena or page: the first objects that pin it. */
static void pin_lines(struct memview *v, const struct gs_snapshot *s, const uint32_t *shown, uint32_t nshown)
{
    char desc[300];
    for (uint32_t k = 0; k < nshown && k < PINS_SHOWN; k++) {
        gs_snapshot_describe(s, shown[k], desc, sizeof desc);
        ADDF(v, GS_ROLE_NORMAL, shown[k], "      pinned by %s", desc);
    }
}

/* After the ARENAS_SHOWN first fragmented arenas or pages: how many more. */
static void more_line(struct memview *v, size_t n)
{
    if (n > ARENAS_SHOWN)
        ADDF(v, GS_ROLE_DIM, GS_NO_NODE, "    ... %zu more (gcscope --dump-pymalloc --top 0 lists them all)",
             n - ARENAS_SHOWN);
}

static void rss_lines(struct memview *v, const struct gs_snapshot *s)
{
    const struct gs_snap_memory *m = &s->memory;
    char b1[32], b2[32], b3[32], b4[32];
    ADDF(v, GS_ROLE_HEADER, GS_NO_NODE, "Resident memory");
    if (!m->present || !m->smaps_read) {
        ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s",
             !m->present ? "not recorded: this snapshot was saved by a gcscope that did not read it"
                         : "/proc/PID/smaps could not be read at capture time");
        return;
    }
    ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s resident: anonymous %s, file-backed %s, swapped %s",
         gs_fmt_bytes(m->rss, b1, sizeof b1), gs_fmt_bytes(m->anonymous, b2, sizeof b2),
         gs_fmt_bytes(m->file_rss, b3, sizeof b3), gs_fmt_bytes(m->swap, b4, sizeof b4));
    struct gs_memory_part parts[GS_MEMORY_PARTS_MAX];
    size_t np = gs_memory_parts(s, parts);
    for (size_t i = 0; i < np; i++) {
        double share = gs_memory_share(parts[i].bytes, m->anonymous);
        bool alert = strcmp(parts[i].key, "unexplained") == 0 && share >= 10.0;
        ADDF(v, alert ? GS_ROLE_ALERT : GS_ROLE_NORMAL, GS_NO_NODE, "  %-54s %12s %6.1f%%", parts[i].text,
             gs_fmt_bytes(parts[i].bytes, b1, sizeof b1), share);
        if (strcmp(parts[i].key, "objects_malloc") == 0 && m->external_buffers)
            ADDF(v, GS_ROLE_DIM, GS_NO_NODE, "    %-52s %12s", "of which container tables and bytearray/numpy data",
                 gs_fmt_bytes(m->external_buffers, b1, sizeof b1));
    }
}

/* A free-threaded build: mimalloc in pymalloc's place, the same shape. */
static void mimalloc_lines(struct memview *v, const struct gs_snapshot *s)
{
    const struct gs_py_mimalloc_stats *m = &s->mimalloc;
    char b1[32], b2[32], b3[32], c1[32], c2[32];
    ADDF(v, GS_ROLE_HEADER, GS_NO_NODE, "mimalloc (free-threaded build)");
    if (m->status != GS_PY_MIMALLOC_OK) {
        ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s", m->why);
        return;
    }
    ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s segments, %s pages: %s in %s blocks in use, %s in free blocks",
         gs_fmt_count(m->segments, c1, sizeof c1), gs_fmt_count(m->pages, c2, sizeof c2),
         gs_fmt_bytes(m->used_bytes, b1, sizeof b1), gs_fmt_count(m->used_blocks, b3, sizeof b3),
         gs_fmt_bytes(m->free_bytes, b2, sizeof b2));
    size_t n = 0;
    uint64_t held = 0;
    struct gs_frag_page *fp = gs_mimalloc_fragmented(s, &n, &held);
    ADDF(v, n ? GS_ROLE_ALERT : GS_ROLE_NORMAL, GS_NO_NODE,
         "  fragmented pages: %s (%s resident) kept by blocks in use on less than %d%% of them",
         gs_fmt_count(n, c1, sizeof c1), gs_fmt_bytes(held, b1, sizeof b1), GS_FRAGMENTED_PERCENT);
    for (size_t i = 0; i < n && i < ARENAS_SHOWN; i++) {
        ADDF(v, GS_ROLE_NORMAL, fp[i].nshown ? fp[i].shown[0] : GS_NO_NODE,
             "    page 0x%" PRIx64 ": %u of %u blocks of %" PRIu64 " bytes in use, %s resident, %s graph object%s",
             fp[i].address, fp[i].used_blocks, fp[i].capacity, fp[i].block_size,
             gs_fmt_bytes(fp[i].resident, b1, sizeof b1), gs_fmt_count(fp[i].objects, c1, sizeof c1),
             fp[i].objects == 1 ? "" : "s");
        pin_lines(v, s, fp[i].shown, fp[i].nshown);
    }
    more_line(v, n);
    free(fp);
}

static void pymalloc_lines(struct memview *v, const struct gs_snapshot *s)
{
    const struct gs_py_pymalloc_stats *p = &s->memory.pymalloc;
    char b1[32], b2[32], b3[32], b4[32], c1[32];
    if (s->mimalloc.status == GS_PY_MIMALLOC_OK || s->mimalloc.status == GS_PY_MIMALLOC_UNREADABLE) {
        mimalloc_lines(v, s);
        return;
    }
    ADDF(v, GS_ROLE_HEADER, GS_NO_NODE, "pymalloc");
    if (!s->memory.present || p->status != GS_PY_PYMALLOC_OK) {
        ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s", !s->memory.present ? "not recorded in this snapshot" : p->why);
        return;
    }
    ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s arenas of %s: %s in allocated blocks, %s in free blocks, %s in unused pools",
         gs_fmt_count(p->narenas, c1, sizeof c1), gs_fmt_bytes(p->arena_size, b1, sizeof b1),
         gs_fmt_bytes(p->allocated_bytes, b2, sizeof b2), gs_fmt_bytes(p->available_bytes, b3, sizeof b3),
         gs_fmt_bytes(p->free_pools * p->pool_size, b4, sizeof b4));
    size_t n = 0;
    uint64_t held = 0;
    struct gs_frag_arena *fa = gs_pymalloc_fragmented(s, &n, &held);
    ADDF(v, n ? GS_ROLE_ALERT : GS_ROLE_NORMAL, GS_NO_NODE,
         "  fragmented arenas: %s (%s) kept from the system by blocks in use on less than %d%% of them",
         gs_fmt_count(n, c1, sizeof c1), gs_fmt_bytes(held, b1, sizeof b1), GS_FRAGMENTED_PERCENT);
    for (size_t i = 0; i < n && i < ARENAS_SHOWN; i++) {
        ADDF(v, GS_ROLE_NORMAL, fa[i].nshown ? fa[i].shown[0] : GS_NO_NODE,
             "    arena 0x%" PRIx64 ": %u of %u pools in use, %s in blocks, %s graph object%s", fa[i].address,
             fa[i].used_pools, fa[i].total_pools, gs_fmt_bytes(fa[i].used_bytes, b1, sizeof b1),
             gs_fmt_count(fa[i].objects, c1, sizeof c1), fa[i].objects == 1 ? "" : "s");
        pin_lines(v, s, fa[i].shown, fa[i].nshown);
    }
    more_line(v, n);
    free(fa);
}

static void allocation_lines(struct memview *v, const struct gs_snapshot *s)
{
    char b1[32], c1[32];
    ADDF(v, GS_ROLE_HEADER, GS_NO_NODE, "Allocation lines (tracemalloc)");
    const char *why = gs_alloc_status_line(s);
    if (why) {
        ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %s", why);
        return;
    }
    struct gs_alloc_stat *st;
    size_t n;
    gs_alloc_stats(s, GS_ALLOC_LINENO, &st, &n);
    ADDF(v, GS_ROLE_DIM, GS_NO_NODE, "  %12s %10s  %s", "size", "blocks", "most recent frame");
    for (size_t i = 0; i < n && i < ALLOC_LINES_SHOWN; i++)
        ADDF(v, GS_ROLE_NORMAL, GS_NO_NODE, "  %12s %10s  %s:%" PRIu32, gs_fmt_bytes(st[i].size, b1, sizeof b1),
             gs_fmt_count(st[i].count, c1, sizeof c1),
             st[i].filename ? gs_snapshot_string(s, st[i].filename) : "<unknown>", st[i].lineno);
    if (n > ALLOC_LINES_SHOWN)
        ADDF(v, GS_ROLE_DIM, GS_NO_NODE, "  ... %zu more lines (gcscope --dump-allocations --top 0)",
             n - ALLOC_LINES_SHOWN);
    free(st);
}

static bool line_match(const void *ctx, uint32_t id, const char *pat)
{
    const struct memview *v = ctx;
    return gs_contains(v->lines[id].text, pat);
}

static const struct gs_list_src lines_src = {.match = line_match};

static void draw_row(struct gs_view *base, struct gs_ui *ui, uint32_t id, int y, bool selected)
{
    const struct line *l = &((struct memview *)base)->lines[id];
    gs_draw_text(&ui->draw, y, 0, COLS, gs_row_role(selected, l->role), l->text, true);
}

static void draw(struct gs_view *base, struct gs_ui *ui, int y, int h)
{
    gs_ui_draw_list(base, ui, y, h, draw_row);
}

static bool request(struct gs_view *base, struct gs_ui *ui, enum gs_request req)
{
    const struct memview *v = (const struct memview *)base;
    uint32_t id;
    if (req != GS_REQ_OPEN)
        return false;
    if (!gs_list_current(&base->list, &id))
        return true;
    if (v->lines[id].node < ui->snap->nobjects)
        gs_ui_open_object(ui, v->lines[id].node);
    return true;
}

static void done(struct gs_view *base)
{
    struct memview *v = (struct memview *)base;
    gs_list_free(&base->list);
    free(v->lines);
    free(v);
}

static const struct gs_view_ops ops = {.name = "memory", .draw = draw, .request = request, .done = done};

struct gs_view *gs_view_memory_new(struct gs_ui *ui)
{
    struct memview *v = gs_xcalloc(1, sizeof *v);
    gs_view_init(&v->base, &ops, "Memory: resident memory, pymalloc, allocation lines");
    v->base.has_list = true;
    rss_lines(v, ui->snap);
    pymalloc_lines(v, ui->snap);
    allocation_lines(v, ui->snap);
    gs_list_init(&v->base.list, &lines_src, v, NULL, v->n, false);
    return &v->base;
}
