/* table.h: every report gcscope offers, as one table.
 *
 * Part of src/report/, the presenters: they read a snapshot (and the
 * analyses over it) and write text or JSON; they never touch a process.
 *
 * The table (report/table.c, GS_REPORTS) is the only list of reports. The
 * option parser (cli.c) makes one long option per row, main.c dispatches
 * through it, --help prints its rows, the bash completion reads the options
 * from --help, make writes the manual's report entries from it
 * (tools/man-reports.c), and the snapshot tier (tests/snapshots/run.py)
 * makes a text and a JSON case of every report --help lists.
 *
 * Adding a report is one file and one row. The file (src/report/NAME.c,
 * named on libgcscope_a_SOURCES in Makefile.am like every source: automake
 * has no wildcards) defines the writers gs_report_NAME_text and _json and
 * the manual's entry gs_report_NAME_man; the row names them. Then
 * `tests/snapshots/run.py --regen` writes the new cases' expected output,
 * to be read and committed. docs/json.md describes the fields of each
 * report's JSON for readers; no build or test requires an entry there.
 *
 * A writer writes one report in one format. Both writers of a report read
 * the same analyses, so the text and the JSON always say the same thing.
 */
#ifndef GCSCOPE_REPORT_TABLE_H
#define GCSCOPE_REPORT_TABLE_H

#include <stdio.h>

#include "report/report.h"
#include "util/status.h"

typedef gs_status gs_report_writer(FILE *out, const struct gs_snapshot *s, const struct gs_report_opts *o,
                                   gs_error *err);

/* What a report needs beyond the snapshot. */
enum gs_report_needs {
    GS_REPORT_NEEDS_ADDR = 1u << 0,          /* its option takes an object address: o->addr */
    GS_REPORT_NEEDS_OLD = 1u << 1,           /* its option takes an older snapshot file: o->old */
    GS_REPORT_NEEDS_NATIVE_STACKS = 1u << 2, /* the capture walks every thread's native stack */
};

struct gs_report {
    const char *name;   /* "cycles": the writers are gs_report_cycles_text and _json */
    const char *option; /* "dump-cycles": the long option, without its dashes */
    const char *arg;    /* the option's value as --help names it ("ADDR"), NULL for none */
    unsigned needs;     /* enum gs_report_needs */
    gs_report_writer *write[GS_FORMAT_COUNT];
    const char *help;   /* for --help; lines after the first are indented under it */
    const char *man;    /* the manual's entry after its tag line: roff, each line ending in \n */
};

/* The table. Each row: the report's name (its writers are
 * gs_report_NAME_text and gs_report_NAME_json, declared here, defined in
 * the report's file, with its manual entry gs_report_NAME_man), its
 * option, the option's value, what it needs, and its --help text ("\n"
 * starts a continuation line). The rows' order is --help's order and the
 * manual's. */
#define GS_REPORTS(R)                                                                                            \
    R(types, "dump-types", NULL, 0,                                                                              \
      "objects the collector tracks, per type: count and bytes\n"                                                \
      "(sys.getsizeof), largest first; the collector's state")                                                   \
    R(modules, "dump-modules", NULL, 0, "the same objects summed per module of their type")                      \
    R(generations, "dump-generations", NULL, 0,                                                                  \
      "the same objects per generation of the collector, and the\n"                                             \
      "cyclic garbage waiting in each")                                                                          \
    R(graph, "dump-graph", NULL, 0, "every object, reference (with its label) and root")                         \
    R(cycles, "dump-cycles", NULL, 0, "reference cycles, cyclic garbage first, each with one loop")              \
    R(retained, "dump-retained", NULL, 0, "the objects and types that keep the most memory alive")               \
    R(suspects, "dump-suspects", NULL, 0, "likely leaks, ranked and explained")                                  \
    R(external, "dump-external", NULL, 0, "references held from outside the graph (C code, leaks)")              \
    R(referrers, "referrers", "ADDR", GS_REPORT_NEEDS_ADDR, "the objects that reference the object at ADDR")     \
    R(path, "path", "ADDR", GS_REPORT_NEEDS_ADDR, "the shortest path from a root to the object at ADDR")         \
    R(diff, "diff", "OLD", GS_REPORT_NEEDS_OLD, "what grew since the snapshot file OLD")                         \
    R(resources, "dump-resources", NULL, 0,                                                                      \
      "open files, sockets, mmaps, child processes, and every file\n"                                            \
      "descriptor with the object that owns it")                                                                 \
    R(stacks, "dump-stacks", NULL, GS_REPORT_NEEDS_NATIVE_STACKS,                                                \
      "every thread: name, GIL, Python and native frames merged")                                                \
    R(allocations, "dump-allocations", NULL, 0,                                                                  \
      "with tracemalloc on in the target: the top allocation\n"                                                  \
      "lines as its statistics('lineno'), and per type")                                                         \
    R(allocation_tracebacks, "dump-allocation-tracebacks", NULL, 0,                                              \
      "the same, by whole traceback:\nstatistics('traceback')")                                               \
    R(pymalloc, "dump-pymalloc", NULL, 0,                                                                        \
      "pymalloc's arenas and size classes as\n"                                                                  \
      "sys._debugmallocstats() prints them; fragmented arenas")                                                  \
    R(memory, "dump-memory", NULL, 0,                                                                            \
      "the resident memory split: objects, their buffers,\n"                                                     \
      "pymalloc free space, stacks, libraries, unexplained")                                                     \
    R(waste, "dump-waste", NULL, 0,                                                                              \
      "duplicate str and bytes, unused container capacity,\n"                                                    \
      "weakrefs and finalizers, what each module retains")

#define GS_REPORT_DECLARE_WRITERS(name, option, arg, needs, help) \
    gs_report_writer gs_report_##name##_text, gs_report_##name##_json;  \
    extern const char gs_report_##name##_man[];
GS_REPORTS(GS_REPORT_DECLARE_WRITERS)

/* The formats beyond text and JSON: one row per report and format, its
 * writer gs_report_NAME_FORMAT (report/pictures.c draws them all). */
#define GS_REPORT_FORMATS(F)                                                \
    F(retained, SVG, svg) F(retained, FOLDED, folded)                       \
    F(types, SVG, svg) F(types, FOLDED, folded)                             \
    F(modules, SVG, svg) F(modules, FOLDED, folded)

#define GS_REPORT_DECLARE_FORMAT(name, FORMAT, format) gs_report_writer gs_report_##name##_##format;
GS_REPORT_FORMATS(GS_REPORT_DECLARE_FORMAT)

/* The format's name ("svg") and back (GS_FORMAT_COUNT if unknown). */
const char *gs_format_name(enum gs_format f);
enum gs_format gs_format_by_name(const char *name);

/* r's writer for format f, NULL when r has none in that format. */
gs_report_writer *gs_report_writer_for(const struct gs_report *r, enum gs_format f);

/* ", " separated options of the reports that have format f
 * ("--dump-retained, --dump-types"), for messages. */
void gs_reports_with_format(enum gs_format f, char *buf, size_t cap);

/* "--dump-retained, --dump-types or --dump-modules": the reports with a
 * picture (an svg writer), in GS_REPORT_FORMATS' order, for --help. */
void gs_reports_with_pictures(char *buf, size_t cap);

/* The reports in --help's order; gs_nreports rows, fewer than GS_MAX_REPORTS
 * (the option parser's array is sized by it). */
#define GS_MAX_REPORTS 64
extern const struct gs_report gs_reports[];
extern const size_t gs_nreports;

/* The row whose name is name, NULL if none. */
const struct gs_report *gs_report_by_name(const char *name);

/* Writes r in o->format: the one dispatch, for main.c and tests. */
gs_status gs_report_write(const struct gs_report *r, FILE *out, const struct gs_snapshot *s,
                          const struct gs_report_opts *o, gs_error *err);

/* --help's "Reports:" lines, one entry per row. */
void gs_reports_usage(FILE *out);

/* The manual's report entries, one per row in --help's order: ".TP", the
 * option as roff (".BI \-\-path " ADDR""), then the row's man text. */
void gs_reports_man(FILE *out);

/* One --help entry: "  TAG" then TEXT from column 25, wrapped so that no
 * line passes column 79 ("\n" in TEXT is a space). And a paragraph
 * wrapped the same way from column 0. */
void gs_help_item(FILE *out, const char *tag, const char *text);
void gs_help_paragraph(FILE *out, const char *text);

#endif
