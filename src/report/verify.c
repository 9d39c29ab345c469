/* verify.c: the writers of --verify-referents (graph/verify.h).
 *
 * Not a row of report/table.h: the reports read a snapshot alone (saved or
 * fresh), and this one needs the capture the snapshot was built from (the
 * image and the target's code, to run each traverse), so it runs on a live
 * process or a core only. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "emu/emu.h"
#include "report/verify.h"

/* Never rounded up to 100 when something is missing. */
static double percent(uint64_t part, uint64_t whole)
{
    if (!whole || part >= whole)
        return 100.0;
    double p = 100.0 * (double)part / (double)whole;
    return p > 99.99 ? 99.99 : p;
}

gs_status gs_verify_write_text(FILE *out, const struct gs_snapshot *s, const struct gs_verify *v, size_t top,
                               gs_error *err)
{
    (void)err;
    char name[300], desc[300], b1[32], b2[32], b3[32], b4[32], b5[32];
    gs_report_header_text(out, s);
    fprintf(out, "\nReferents checked against each object's own tp_traverse, emulated (what gc.get_referents lists)\n");
    fprintf(out, "%s objects checked, %s of them unknown to the emulator; %s referents, %s found by gcscope (%.2f%%)\n",
            gs_fmt_count(v->objects - v->unknown, b1, sizeof b1), gs_fmt_count(v->unknown, b2, sizeof b2),
            gs_fmt_count(v->traverse_edges, b3, sizeof b3), gs_fmt_count(v->matched, b4, sizeof b4),
            percent(v->matched, v->traverse_edges));
    fprintf(out, "%s more edges lead to objects that cannot be in a cycle (str, int, static types): traverse "
                 "functions leave those out on purpose\n",
            gs_fmt_count(v->untraversed, b1, sizeof b1));
    if (v->undecided)
        fprintf(out, "%s objects not checked (their type's tp_is_gc is not type's)\n",
                gs_fmt_count(v->undecided, b1, sizeof b1));
    if (!v->types_differing) {
        fprintf(out, "\nagree: every checked object's referents are the ones its traverse visits\n");
    } else {
        fprintf(out, "\ndisagree: %zu types, %s objects\n\n", v->types_differing,
                gs_fmt_count(v->differing, b1, sizeof b1));
        fprintf(out, "%10s %10s %10s %10s %10s  %s\n", "objects", "differ", "traverse", "missing", "extra", "type");
        size_t shown = 0;
        for (size_t i = 0; i < v->ntypes && (!top || shown < top); i++) {
            const struct gs_verify_type *t = &v->types[i];
            if (!t->differing)
                continue;
            shown++;
            gs_type_qualname_text(s, t->type, name, sizeof name);
            fprintf(out, "%10s %10s %10s %10s %10s  %s\n", gs_fmt_count(t->objects, b1, sizeof b1),
                    gs_fmt_count(t->differing, b2, sizeof b2), gs_fmt_count(t->traverse_edges, b3, sizeof b3),
                    gs_fmt_count(gs_verify_missing(t), b4, sizeof b4), gs_fmt_count(gs_verify_extra(t), b5, sizeof b5),
                    name);
            gs_snapshot_describe(s, t->example, desc, sizeof desc);
            fprintf(out, "%55s  e.g. %s\n", "", desc);
            if (t->example_missing)
                fprintf(out, "%55s  its traverse visits 0x%" PRIx64 ", gcscope does not\n", "", t->example_missing);
            if (t->example_extra != GS_NO_NODE) {
                char label[200];
                gs_snapshot_edge_label(s, t->example, t->example_extra, label, sizeof label);
                fprintf(out, "%55s  gcscope has %s -> 0x%" PRIx64 ", its traverse does not\n", "", label,
                        s->addr[t->example_extra]);
            }
        }
    }
    size_t unknown_types = 0;
    for (size_t i = 0; i < v->ntypes; i++)
        unknown_types += v->types[i].unknown != 0;
    if (unknown_types) {
        fprintf(out, "\nnot checked (the emulator could not run the traverse to its end):\n");
        fprintf(out, "%10s  %-40s  %s\n", "objects", "why (first object)", "type");
        for (size_t i = 0; i < v->ntypes; i++) {
            const struct gs_verify_type *t = &v->types[i];
            if (!t->unknown)
                continue;
            gs_type_qualname_text(s, t->type, name, sizeof name);
            fprintf(out, "%10s  %-40s  %s\n", gs_fmt_count(t->unknown, b1, sizeof b1),
                    gs_emu_outcome_text(t->unknown_reason), name);
        }
    }
    return GS_OK;
}

gs_status gs_verify_write_json(FILE *out, const struct gs_snapshot *s, const struct gs_verify *v, gs_error *err)
{
    (void)err;
    gs_json w;
    gs_json_init(&w, out);
    gs_json_begin_object(&w);
    gs_report_header_json(&w, s);
    gs_json_key(&w, "agree");
    gs_json_bool(&w, v->types_differing == 0);
    gs_json_key(&w, "objects");
    gs_json_uint(&w, v->objects);
    gs_json_key(&w, "unknown");
    gs_json_uint(&w, v->unknown);
    gs_json_key(&w, "not_checked");
    gs_json_uint(&w, v->undecided);
    gs_json_key(&w, "differing_objects");
    gs_json_uint(&w, v->differing);
    gs_json_key(&w, "traverse_referents");
    gs_json_uint(&w, v->traverse_edges);
    gs_json_key(&w, "gcscope_referents");
    gs_json_uint(&w, v->decoder_edges);
    gs_json_key(&w, "matched");
    gs_json_uint(&w, v->matched);
    gs_json_key(&w, "untraversed");
    gs_json_uint(&w, v->untraversed);
    gs_json_key(&w, "types");
    gs_json_begin_array(&w);
    for (size_t i = 0; i < v->ntypes; i++) {
        const struct gs_verify_type *t = &v->types[i];
        gs_json_begin_object(&w);
        gs_json_key(&w, "name");
        gs_json_string(&w, gs_snapshot_string(s, s->types[t->type].name));
        gs_json_key(&w, "module");
        gs_json_string(&w, gs_snapshot_string(s, s->types[t->type].module));
        gs_json_key(&w, "objects");
        gs_json_uint(&w, t->objects);
        gs_json_key(&w, "unknown");
        gs_json_uint(&w, t->unknown);
        gs_json_key(&w, "unknown_because");
        if (t->unknown)
            gs_json_string(&w, gs_emu_outcome_key(t->unknown_reason));
        else
            gs_json_null(&w);
        gs_json_key(&w, "differing_objects");
        gs_json_uint(&w, t->differing);
        gs_json_key(&w, "traverse_referents");
        gs_json_uint(&w, t->traverse_edges);
        gs_json_key(&w, "gcscope_referents");
        gs_json_uint(&w, t->decoder_edges);
        gs_json_key(&w, "missing");
        gs_json_uint(&w, gs_verify_missing(t));
        gs_json_key(&w, "extra");
        gs_json_uint(&w, gs_verify_extra(t));
        gs_json_key(&w, "untraversed");
        gs_json_uint(&w, t->untraversed);
        gs_json_key(&w, "example");
        if (t->example == GS_NO_NODE) {
            gs_json_null(&w);
        } else {
            gs_json_begin_object(&w);
            gs_json_key(&w, "addr");
            gs_json_addr(&w, s->addr[t->example]);
            gs_json_key(&w, "missing");
            if (t->example_missing)
                gs_json_addr(&w, t->example_missing);
            else
                gs_json_null(&w);
            gs_json_key(&w, "extra");
            if (t->example_extra != GS_NO_NODE) {
                char label[200];
                gs_snapshot_edge_label(s, t->example, t->example_extra, label, sizeof label);
                gs_json_begin_object(&w);
                gs_json_key(&w, "addr");
                gs_json_addr(&w, s->addr[t->example_extra]);
                gs_json_key(&w, "label");
                gs_json_string(&w, label);
                gs_json_end_object(&w);
            } else {
                gs_json_null(&w);
            }
            gs_json_end_object(&w);
        }
        gs_json_end_object(&w);
    }
    gs_json_end_array(&w);
    gs_json_end_object(&w);
    gs_json_finish(&w);
    return GS_OK;
}
