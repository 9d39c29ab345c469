/* generations.c: --dump-generations, the tracked objects per generation of
 * the collector: how many objects and bytes each holds, and how much of
 * the cyclic garbage waits in each. Garbage that reached the oldest
 * generation waits for a full collection, which the thresholds (in the
 * header) make rare; a large oldest generation makes each full collection
 * long; the permanent generation is what gc.freeze() moved out of reach.
 *
 * The rows are the collector's lists as the capture walked them, summed
 * over interpreters: gc.get_objects(generation=N) of each. A free-threaded
 * build keeps no generations (every tracked object is in one set), so its
 * report has two rows, tracked and permanent. */
#include "config.h"

#include <string.h>

#include "graph/analyses.h"
#include "report/report.h"
#include "report/table.h"

enum { GEN_PERMANENT = 3, GEN_ROWS = 4 };

struct generation_row {
    uint64_t objects, bytes, garbage_objects, garbage_bytes;
};

struct generations {
    bool free_threaded;
    struct generation_row rows[GEN_ROWS]; /* 0-2 and the permanent one; free-threaded: 0 and permanent */
};

static gs_status generations_build(const struct gs_snapshot *s, struct gs_analyses *an, struct generations *g,
                                   gs_error *err)
{
    memset(g, 0, sizeof *g);
    g->free_threaded = strstr(s->meta.build, "free-threaded") != NULL;
    const uint8_t *garbage = gs_analyses_garbage(an, err);
    if (!garbage)
        return err->code;
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint16_t f = s->flags[i];
        if (!(f & GS_NODE_TRACKED))
            continue;
        struct generation_row *r = &g->rows[(f & GS_NODE_FROZEN) ? GEN_PERMANENT : gs_node_generation(f)];
        r->objects++;
        r->bytes += s->size[i];
        if (garbage[i]) {
            r->garbage_objects++;
            r->garbage_bytes += s->size[i];
        }
    }
    return GS_OK;
}

/* The row's name, NULL for a row the build does not have. */
static const char *row_name(const struct generations *g, int gen)
{
    static const char *const names[GEN_ROWS] = {"0", "1", "2", "permanent"};
    if (g->free_threaded)
        return gen == 0 ? "tracked" : gen == GEN_PERMANENT ? "permanent" : NULL;
    return names[gen];
}

const char gs_report_generations_man[] =
    "The objects the collector tracks per generation (0 to 2, as\n"
    ".B gc.get_objects(generation=N)\n"
    "lists them, and the permanent one of\n"
    ".BR gc.freeze() ):\n"
    "objects and bytes, and the cyclic garbage in each. A collection of generation N examines\n"
    "generations 0 to N, so garbage in generation 2 waits for a full collection. On 3.14.0 to\n"
    "3.14.4, whose collector is incremental, generation 0 is the young one and 1 and 2 the two old\n"
    "spaces; a free-threaded build has no generations and shows its tracked objects in one row.\n";

gs_status gs_report_generations_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                     gs_error *err)
{
    struct generations g;
    if (generations_build(s, o->an, &g, err) != GS_OK)
        return err->code;
    struct generation_row total = {0};
    char c[4][32];
    gs_report_header_text(out, s);
    fprintf(out, "\n%-12s %12s %14s %12s %14s\n", "generation", "objects", "bytes", "garbage", "garbage bytes");
    for (int gen = 0; gen < GEN_ROWS; gen++) {
        const struct generation_row *r = &g.rows[gen];
        if (!row_name(&g, gen))
            continue;
        fprintf(out, "%-12s %12s %14s %12s %14s\n", row_name(&g, gen), gs_fmt_count(r->objects, c[0], sizeof c[0]),
                gs_fmt_count(r->bytes, c[1], sizeof c[1]), gs_fmt_count(r->garbage_objects, c[2], sizeof c[2]),
                gs_fmt_count(r->garbage_bytes, c[3], sizeof c[3]));
        total.objects += r->objects;
        total.bytes += r->bytes;
        total.garbage_objects += r->garbage_objects;
        total.garbage_bytes += r->garbage_bytes;
    }
    fprintf(out, "%-12s %12s %14s %12s %14s\n", "total", gs_fmt_count(total.objects, c[0], sizeof c[0]),
            gs_fmt_count(total.bytes, c[1], sizeof c[1]), gs_fmt_count(total.garbage_objects, c[2], sizeof c[2]),
            gs_fmt_count(total.garbage_bytes, c[3], sizeof c[3]));
    return GS_OK;
}

gs_status gs_report_generations_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                     gs_error *err)
{
    struct generations g;
    if (generations_build(s, o->an, &g, err) != GS_OK)
        return err->code;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "generations");
    gs_json_begin_array(&w);
    for (int gen = 0; gen < GEN_ROWS; gen++) {
        const struct generation_row *r = &g.rows[gen];
        if (!row_name(&g, gen))
            continue;
        gs_json_begin_object(&w);
        gs_json_key(&w, "generation");
        gs_json_string(&w, row_name(&g, gen));
        gs_json_key(&w, "objects");
        gs_json_uint(&w, r->objects);
        gs_json_key(&w, "bytes");
        gs_json_uint(&w, r->bytes);
        gs_json_key(&w, "garbage_objects");
        gs_json_uint(&w, r->garbage_objects);
        gs_json_key(&w, "garbage_bytes");
        gs_json_uint(&w, r->garbage_bytes);
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    return GS_OK;
}
