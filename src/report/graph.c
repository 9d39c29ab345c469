/* graph.c: --dump-graph, every node, edge and root of the snapshot, for
 * tests and other tools. Streams: the output is as large as the heap. */
#include "config.h"

#include <inttypes.h>

#include "emu/emu.h"
#include "report/allocations.h"
#include "report/report.h"
#include "report/table.h"
#include "util/text.h"

static const char *node_flag_names(uint16_t f, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s%s%s%s%s%s", f & GS_NODE_OPAQUE ? " opaque" : "", f & GS_NODE_BAD ? " bad" : "",
             f & GS_NODE_IMMORTAL ? " immortal" : "", f & GS_NODE_FROZEN ? " frozen" : "",
             f & GS_NODE_EMULATED ? " emulated" : "", f & GS_NODE_INFERRED ? " inferred" : "");
    return buf;
}

static void graph_json(FILE *out, const struct gs_snapshot *s)
{
    gs_json w;
    char label[300];
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "counts");
    gs_json_begin_object(&w);
    gs_json_key(&w, "objects");
    gs_json_uint(&w, s->nobjects);
    gs_json_key(&w, "edges");
    gs_json_uint(&w, s->nedges);
    gs_json_key(&w, "weak_edges");
    gs_json_uint(&w, s->nweak);
    gs_json_key(&w, "roots");
    gs_json_uint(&w, s->nroots);
    gs_json_end_object(&w);

    gs_json_key(&w, "objects");
    gs_json_begin_array(&w);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        uint16_t f = s->flags[i];
        gs_json_begin_object(&w);
        gs_json_key(&w, "addr");
        gs_json_addr(&w, s->addr[i]);
        gs_report_type_json(&w, s, "name", s->type[i]);
        gs_json_key(&w, "size");
        gs_json_uint(&w, s->size[i]);
        gs_json_key(&w, "tracked");
        gs_json_bool(&w, (f & GS_NODE_TRACKED) != 0);
        gs_json_key(&w, "refcnt");
        gs_json_int(&w, s->refcnt[i]);
        gs_json_key(&w, "explained");
        gs_json_uint(&w, s->explained[i]);
        if (f & GS_NODE_TRACKED) {
            gs_json_key(&w, "gen");
            gs_json_int(&w, (f & GS_NODE_FROZEN) ? 3 : gs_node_generation(f));
        }
        if (f & GS_NODE_OPAQUE) {
            gs_json_key(&w, "opaque");
            gs_json_bool(&w, true);
        }
        if (f & GS_NODE_BAD) {
            gs_json_key(&w, "bad");
            gs_json_bool(&w, true);
        }
        if (f & (GS_NODE_EMULATED | GS_NODE_INFERRED)) {
            gs_json_key(&w, "referents_from"); /* docs/json.md */
            gs_json_string(&w, f & GS_NODE_EMULATED ? "emulated" : "inferred");
        }
        if (gs_node_unknown_reason(f)) {
            gs_json_key(&w, "unknown_because");
            gs_json_string(&w, gs_emu_outcome_key(gs_node_unknown_reason(f)));
        }
        if (f & GS_NODE_IMMORTAL) {
            gs_json_key(&w, "immortal");
            gs_json_bool(&w, true);
        }
        if (s->preview[i]) {
            gs_json_key(&w, "preview");
            gs_json_string(&w, gs_snapshot_string(s, s->preview[i]));
        }
        if (s->slack && s->slack[i]) {
            gs_json_key(&w, "unused_capacity");
            gs_json_uint(&w, s->slack[i]);
        }
        uint32_t file, line, tb;
        if (gs_alloc_node_frame(s, (uint32_t)i, &file, &line, &tb)) {
            gs_json_key(&w, "allocated_at");
            gs_json_begin_array(&w);
            gs_json_string(&w, file ? gs_snapshot_string(s, file) : "<unknown>");
            gs_json_uint(&w, line);
            gs_json_end_array(&w);
        }
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);

    /* edges: [src, dst] pairs as the issue fixed them; labels in a parallel
     * array, so that a consumer that wants pairs only is not disturbed. */
    gs_json_key(&w, "edges");
    gs_json_begin_array(&w);
    for (uint64_t i = 0; i < s->nobjects; i++)
        for (uint64_t e = s->out_off[i]; e < s->out_off[i + 1]; e++) {
            gs_json_begin_array(&w);
            gs_json_addr(&w, s->addr[i]);
            gs_json_addr(&w, s->addr[s->out_dst[e]]);
            gs_json_end_array(&w);
        }
    gs_json_end_array(&w);
    gs_json_key(&w, "edge_labels");
    gs_json_begin_array(&w);
    for (uint64_t e = 0; e < s->nedges; e++) {
        gs_snapshot_label(s, s->out_label[e], label, sizeof label);
        gs_json_string(&w, label);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "weak_edges");
    gs_json_begin_array(&w);
    for (uint64_t e = 0; e < s->nweak; e++) {
        gs_json_begin_array(&w);
        gs_json_addr(&w, s->addr[s->weak_src[e]]);
        gs_json_addr(&w, s->addr[s->weak_dst[e]]);
        gs_json_end_array(&w);
    }
    gs_json_end_array(&w);
    gs_json_key(&w, "roots");
    gs_json_begin_array(&w);
    for (uint64_t r = 0; r < s->nroots; r++) {
        const struct gs_root *root = &s->roots[r];
        gs_json_begin_object(&w);
        gs_json_key(&w, "kind");
        gs_json_string(&w, gs_root_kind_name(root->kind));
        gs_json_key(&w, "addr");
        gs_json_addr(&w, s->addr[root->node]);
        if (root->name) {
            gs_json_key(&w, "name");
            gs_json_string(&w, gs_snapshot_string(s, root->name));
        }
        if (root->kind == GS_ROOT_EXTERNAL) {
            gs_json_key(&w, "count");
            gs_json_uint(&w, root->count);
        }
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
}

static void graph_text(FILE *out, const struct gs_snapshot *s)
{
    char desc[256], raw[300], label[300], flags[64];
    gs_report_header_text(out, s);
    fprintf(out, "%" PRIu64 " objects, %" PRIu64 " references, %" PRIu64 " weak references, %" PRIu64 " roots\n\n",
            s->nobjects, s->nedges, s->nweak, s->nroots);
    for (uint64_t i = 0; i < s->nobjects; i++) {
        gs_snapshot_describe(s, (uint32_t)i, desc, sizeof desc);
        fprintf(out, "%s  size %" PRIu64 " refcnt %" PRId64 "%s\n", desc, s->size[i], s->refcnt[i],
                node_flag_names(s->flags[i], flags, sizeof flags));
        for (uint64_t e = s->out_off[i]; e < s->out_off[i + 1]; e++) {
            gs_snapshot_label(s, s->out_label[e], raw, sizeof raw);
            gs_text(label, sizeof label, raw);
            gs_snapshot_describe(s, s->out_dst[e], desc, sizeof desc);
            fprintf(out, "    %-24s -> %s\n", label[0] ? label : "", desc);
        }
    }
    fprintf(out, "\nroots:\n");
    for (uint64_t r = 0; r < s->nroots; r++) {
        gs_snapshot_describe(s, s->roots[r].node, desc, sizeof desc);
        fprintf(out, "  %-10s %-40s %s\n", gs_root_kind_name(s->roots[r].kind),
                gs_text(label, sizeof label, gs_snapshot_string(s, s->roots[r].name)), desc);
    }
}

/* The manual's entry for --dump-graph, after its tag line (roff: docs/gcscope.1 is
 * made from it, see report/table.h). */
const char gs_report_graph_man[] =
    "Every object, reference (with its label, as Python would write the step:\n"
    ".BR .next ,\n"
    ".BR [\\(aqkey\\(aq] ,\n"
    ".BR [3] )\n"
    "and root. As large as the heap: meant for\n"
    ".BR \\-\\-json .\n";

gs_status gs_report_graph_text(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)o, (void)err;
    graph_text(out, s);
    return GS_OK;
}

gs_status gs_report_graph_json(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o, gs_error *err)
{
    (void)o, (void)err;
    graph_json(out, s);
    return GS_OK;
}
