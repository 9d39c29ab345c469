#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "report/table.h"

/* The reports' options are made from report/table.h: getopt returns
 * OPT_REPORT + the row's index for them. */
#define OPT_REPORT 1024

enum {
    OPT_LOCALS = 256,
    OPT_CHECK,
    OPT_FORMAT,
    OPT_COLOR,
    OPT_JSON,
    OPT_TOP,
    OPT_TIMEOUT,
    OPT_AFTER,
    OPT_KEEP,
    OPT_MAX_CAPTURE,
    OPT_BENCH_FLOOR,
    OPT_DEBUG_HOLD,
    OPT_SAVE,
    OPT_CORE,
    OPT_EXE,
    OPT_SYSROOT,
    OPT_VERIFY_REFERENTS,
};

static const struct option fixed_options[] = {
    {"pid", required_argument, NULL, 'p'},
    {"locals", no_argument, NULL, OPT_LOCALS},
    {"check", required_argument, NULL, OPT_CHECK},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"color", required_argument, NULL, OPT_COLOR},
    {"colour", required_argument, NULL, OPT_COLOR},
    {"json", no_argument, NULL, OPT_JSON},
    {"top", required_argument, NULL, OPT_TOP},
    {"output", required_argument, NULL, 'o'},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"after", required_argument, NULL, OPT_AFTER},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"max-capture", required_argument, NULL, OPT_MAX_CAPTURE},
    {"bench-floor", no_argument, NULL, OPT_BENCH_FLOOR},
    {"debug-hold", required_argument, NULL, OPT_DEBUG_HOLD},
    {"save", required_argument, NULL, OPT_SAVE},
    {"core", required_argument, NULL, OPT_CORE},
    {"exe", required_argument, NULL, OPT_EXE},
    {"sysroot", required_argument, NULL, OPT_SYSROOT},
    {"verify-referents", no_argument, NULL, OPT_VERIFY_REFERENTS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* --help: sections of {option, what it does}, each printed by
 * gs_help_item (report/table.c) wrapped to fit 80 columns; the reports'
 * rows come from the report table. */
struct help_item {
    const char *tag, *text; /* text NULL: --format's, made by format_help() */
};

static const struct help_item source_help[] = {
    {"-p, --pid PID", "inspect the running process PID"},
    {"-- PROGRAM [ARGS...]", "start PROGRAM, let it run --after seconds, inspect it, then end it (unless --keep); "
                             "with the browser, its output goes to /dev/null so that it does not garble the screen"},
    {"    --after SECONDS", "how long a spawned program runs before the capture (2)"},
    {"    --keep", "leave the spawned program running afterwards"},
    {"FILE", "read a snapshot saved with --save, or a core file (told apart by its ELF header), instead of a "
             "process"},
    {"    --core CORE", "read the core dump CORE (the kernel's, gcore's, or coredumpctl dump's); compressed cores "
                        "must be unpacked"},
    {"    --exe PATH", "with a core: the program it is of, when the file the core names has moved or been "
                       "replaced"},
    {"    --sysroot DIR", "with a core: the root its files are under (a core from a container or another "
                          "machine)"},
    {NULL, NULL}};

static const struct help_item check_help[] = {
    {"    --check EXPR", "assert EXPR over the snapshot (repeatable): exit 0 when all hold, 1 when one fails, "
                         "e.g. --check 'garbage_bytes < 50MB' (docs/checks.md lists the names and functions)"},
    {"    --verify-referents", "run each object's own tp_traverse in the emulator beside gcscope's decoders and "
                             "report, per type, the referents one found and the other did not: exit 0 when they "
                             "agree, 16 when they do not (a process or a core, not a snapshot file)"},
    {NULL, NULL}};

/* --format's entry: the reports with a picture come from the report table. */
static const char *format_help(void)
{
    static char text[512];
    char with[256];
    gs_reports_with_pictures(with, sizeof with);
    snprintf(text, sizeof text,
             "text, json, prometheus (the numbers --check knows, for node_exporter's textfile collector), or a "
             "picture of %s: svg (a zoomable icicle chart) or folded (for flamegraph.pl, speedscope)",
             with);
    return text;
}

static const struct help_item output_help[] = {
    {"    --json", "JSON instead of text"},
    {"    --format FORMAT", NULL}, /* format_help(): names the reports with pictures */
    {"    --top N", "text: show at most N rows (types, cycle shapes, objects) (40; 0 shows all)"},
    {"    --color WHEN", "text: mark garbage and failures in red: auto (at a terminal, unless NO_COLOR is set), "
                         "always or never"},
    {"-o, --output FILE", "write the report to FILE instead of standard output (- is standard output)"},
    {"    --save FILE", "also save the snapshot to FILE (browse or report on it later)"},
    {NULL, NULL}};

static const struct help_item capture_help[] = {
    {"    --timeout SECONDS", "give up (and leave the target running) after this long (10)"},
    {"    --max-capture SIZE", "refuse to copy more than SIZE of the target's memory (e.g. 8GB; default: 3/4 of "
                               "the memory available)"},
    {"    --bench-floor", "also time a bare bulk copy of the target's memory"},
    {"    --debug-hold SECONDS", "keep the target stopped this long (for tests)"},
    {NULL, NULL}};

static const struct help_item misc_help[] = {
    {"-h, --help", "show this help"}, {"-V, --version", "show the version"}, {NULL, NULL}};

static void help_section(FILE *out, const char *title, const struct help_item *items)
{
    if (title)
        fprintf(out, "\n%s:\n", title);
    else
        fputc('\n', out);
    for (const struct help_item *i = items; i->tag; i++)
        gs_help_item(out, i->tag, i->text ? i->text : format_help());
}

void gs_cli_usage(FILE *out)
{
    fputs("usage: gcscope [OPTIONS] -p PID\n"
          "       gcscope [OPTIONS] -- PROGRAM [ARGS...]\n"
          "       gcscope [OPTIONS] FILE\n"
          "       gcscope [OPTIONS] --core CORE [--exe PATH] [--sysroot DIR]\n",
          out);
    fputc('\n', out);
    gs_help_paragraph(out, "Look inside a running CPython (3.8 to 3.15) from outside: pause it briefly with ptrace, copy its memory, resume it, then report on its garbage-collected heap. Nothing runs inside the target. Read: the GIL builds of 3.8 to 3.15, the free-threaded 3.14t, the debug builds of 3.11, 3.14 and 3.15; a container's or chroot's Python too.");
    help_section(out, "Source", source_help);
    fputs("\nReports:\n", out);
    gs_reports_usage(out);
    gs_help_item(out, "    --locals", "with --dump-stacks: each frame's locals and what they retain");
    help_section(out, "Checks (for runbooks and cron)", check_help);
    help_section(out, "Output", output_help);
    help_section(out, "Capture", capture_help);
    help_section(out, NULL, misc_help);
    fputc('\n', out);
    gs_help_paragraph(out, "Exit codes: 0 ok, 2 bad arguments, 3 no such process, 4 permission denied, 5 not a "
                           "Python process, 6 unsupported Python version, 7 target exited, 8 deadline passed, "
                           "9 interrupted, 10 inconsistent interpreter memory, 11 garbage collection kept running, "
                           "12 I/O error, 13 out of memory, 15 could not start the program, 16 --verify-referents found "
                           "a disagreement, 70 internal error.");
}

static bool parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

bool gs_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v) || v < 0)
        return false;
    while (*end == ' ')
        end++;
    static const struct {
        const char *suffix;
        double mult;
    } units[] = {
        {"", 1},          {"B", 1},
        {"K", 1e3},       {"KB", 1e3},       {"KiB", 1024.0},
        {"M", 1e6},       {"MB", 1e6},       {"MiB", 1048576.0},
        {"G", 1e9},       {"GB", 1e9},       {"GiB", 1073741824.0},
        {"T", 1e12},      {"TB", 1e12},      {"TiB", 1099511627776.0},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcasecmp(end, units[i].suffix) == 0) {
            double bytes = v * units[i].mult;
            if (bytes > 1.8e19)
                return false;
            *out = (uint64_t)(bytes + 0.5); /* 0.29KB is 290, not 289.99... */
            return true;
        }
    }
    return false;
}

/* The report options after the fixed ones, then the terminating zeros. */
static void make_options(struct option *opts)
{
    size_t n = 0;
    for (; fixed_options[n].name; n++)
        opts[n] = fixed_options[n];
    for (size_t i = 0; i < gs_nreports && i < GS_MAX_REPORTS - 1; i++, n++)
        opts[n] = (struct option){gs_reports[i].option, gs_reports[i].arg ? required_argument : no_argument, NULL,
                                  OPT_REPORT + (int)i};
    opts[n] = (struct option){NULL, 0, NULL, 0};
}

/* A report's option and its value (an address, an older snapshot). */
static gs_status take_report(struct gs_cli *cli, const struct gs_report *r, const char *given, const char *arg,
                             gs_error *err)
{
    if (cli->report)
        return gs_fail(err, GS_ERR_USAGE, "one report at a time (got %s after another report option)", given);
    cli->report = r;
    if (r->needs & GS_REPORT_NEEDS_ADDR) {
        char *end;
        errno = 0;
        unsigned long long a = strtoull(arg, &end, 0);
        if (errno || end == arg || *end || a == 0)
            return gs_fail(err, GS_ERR_USAGE, "--%s needs an object address such as 0x7f3a5c2b1e40, not '%s'",
                           r->option, arg);
        cli->addr = a;
    }
    if (r->needs & GS_REPORT_NEEDS_OLD)
        cli->diff_old = arg;
    return GS_OK;
}

gs_status gs_cli_parse(int argc, char **argv, struct gs_cli *cli, gs_error *err)
{
    memset(cli, 0, sizeof *cli);
    cli->timeout = 10.0;
    cli->after = 2.0;
    cli->top = 40;
    opterr = 0;
    optind = 1;
    int c;
    /* Options may follow a snapshot FILE; everything after -- belongs to the
     * program to start (getopt stops at --). */
    struct option long_options[sizeof fixed_options / sizeof fixed_options[0] + GS_MAX_REPORTS];
    make_options(long_options);
    while ((c = getopt_long(argc, argv, ":p:o:hV", long_options, NULL)) != -1) {
        double d;
        switch (c) {
        case 'p': {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || v <= 0 || v > INT_MAX)
                return gs_fail(err, GS_ERR_USAGE, "-p needs a process id (a positive number), not '%s'", optarg);
            if (cli->pid)
                return gs_fail(err, GS_ERR_USAGE, "-p given twice: inspect one process at a time");
            cli->pid = (pid_t)v;
            break;
        }
        case OPT_JSON:
            cli->json = true;
            cli->format = GS_FORMAT_JSON;
            break;
        case OPT_TOP:
            if (!parse_double(optarg, 0, 1e9, &d) || d != floor(d))
                return gs_fail(err, GS_ERR_USAGE, "--top needs a whole number, not '%s'", optarg);
            cli->top = (size_t)d;
            break;
        case 'o':
            /* "-o -" is standard output, as for most Unix tools. */
            cli->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
            break;
        case OPT_TIMEOUT:
            if (!parse_double(optarg, 0.001, 86400, &cli->timeout))
                return gs_fail(err, GS_ERR_USAGE, "--timeout needs seconds between 0.001 and 86400, not '%s'",
                               optarg);
            break;
        case OPT_AFTER:
            if (!parse_double(optarg, 0, 86400, &cli->after))
                return gs_fail(err, GS_ERR_USAGE, "--after needs seconds between 0 and 86400, not '%s'", optarg);
            break;
        case OPT_LOCALS:
            cli->locals = true;
            break;
        case OPT_CHECK:
            if (cli->nchecks == GS_MAX_CHECKS)
                return gs_fail(err, GS_ERR_USAGE, "at most %d --check options", GS_MAX_CHECKS);
            cli->checks[cli->nchecks++] = optarg;
            break;
        case OPT_COLOR:
            if (!gs_colour_parse(optarg, &cli->colour))
                return gs_fail(err, GS_ERR_USAGE, "--color takes auto, always or never, not '%s'", optarg);
            break;
        case OPT_FORMAT:
            if (strcmp(optarg, "prometheus") == 0) {
                cli->prometheus = true;
            } else {
                enum gs_format f = gs_format_by_name(optarg);
                if (f == GS_FORMAT_COUNT)
                    return gs_fail(err, GS_ERR_USAGE,
                                   "--format takes text, json, svg, folded or prometheus, not '%s'", optarg);
                cli->format = f;
                cli->json = f == GS_FORMAT_JSON;
            }
            break;
        case OPT_KEEP:
            cli->keep = true;
            break;
        case OPT_MAX_CAPTURE:
            if (!gs_parse_size(optarg, &cli->max_capture))
                return gs_fail(err, GS_ERR_USAGE, "--max-capture needs a size such as 8GB or 512MiB, not '%s'",
                               optarg);
            break;
        case OPT_SAVE:
            cli->save = optarg;
            break;
        case OPT_CORE:
            cli->core = optarg;
            break;
        case OPT_EXE:
            cli->exe = optarg;
            break;
        case OPT_SYSROOT:
            cli->sysroot = optarg;
            break;
        case OPT_VERIFY_REFERENTS:
            cli->verify_referents = true;
            break;
        case OPT_BENCH_FLOOR:
            cli->bench_floor = true;
            break;
        case OPT_DEBUG_HOLD:
            if (!parse_double(optarg, 0, 3600, &cli->debug_hold))
                return gs_fail(err, GS_ERR_USAGE, "--debug-hold needs seconds between 0 and 3600, not '%s'", optarg);
            break;
        case 'h':
            cli->help = true;
            return GS_OK;
        case 'V':
            cli->version = true;
            return GS_OK;
        case ':':
            return gs_fail(err, GS_ERR_USAGE, "option %s needs a value (see gcscope --help)", argv[optind - 1]);
        default:
            if (c >= OPT_REPORT && (size_t)(c - OPT_REPORT) < gs_nreports) {
                gs_status st = take_report(cli, &gs_reports[c - OPT_REPORT], argv[optind - 1], optarg, err);
                if (st != GS_OK)
                    return st;
                break;
            }
            if (optopt)
                return gs_fail(err, GS_ERR_USAGE, "unknown option -%c (see gcscope --help)", optopt);
            return gs_fail(err, GS_ERR_USAGE, "unknown option %s (see gcscope --help)", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        if (strcmp(argv[optind - 1], "--") == 0) {
            cli->spawn_argv = &argv[optind];
        } else if (optind + 1 == argc) {
            cli->snapshot = argv[optind];
        } else {
            return gs_fail(err, GS_ERR_USAGE,
                           "unexpected argument '%s': give one snapshot FILE, or put a program after -- "
                           "(gcscope -- python3 app.py)",
                           argv[optind + 1]);
        }
    }
    int sources = (cli->pid != 0) + (cli->spawn_argv != NULL) + (cli->snapshot != NULL) + (cli->core != NULL);
    if (sources > 1)
        return gs_fail(err, GS_ERR_USAGE, "give one of -p PID, -- PROGRAM, --core CORE or a FILE, not several");
    if (sources == 0)
        return gs_fail(err, GS_ERR_USAGE,
                       "nothing to inspect: give -p PID, -- PROGRAM ARGS, --core CORE or a snapshot FILE (see gcscope "
                       "--help)");
    /* A positional FILE may still turn out to be a core (main.c looks). */
    if ((cli->exe || cli->sysroot) && !cli->core && !cli->snapshot)
        return gs_fail(err, GS_ERR_USAGE, "%s goes with a core file", cli->exe ? "--exe" : "--sysroot");
    if (cli->locals && cli->report != gs_report_by_name("stacks"))
        return gs_fail(err, GS_ERR_USAGE, "--locals goes with --dump-stacks");
    if (cli->prometheus && cli->report)
        return gs_fail(err, GS_ERR_USAGE, "--format prometheus writes the metrics alone: drop the report option");
    if (cli->format == GS_FORMAT_SVG || cli->format == GS_FORMAT_FOLDED) {
        char with[256];
        gs_reports_with_format(cli->format, with, sizeof with);
        if (!cli->report)
            return gs_fail(err, GS_ERR_USAGE, "--format %s draws %s: give one of them",
                           gs_format_name(cli->format), with);
        if (!gs_report_writer_for(cli->report, cli->format))
            return gs_fail(err, GS_ERR_USAGE, "--format %s draws %s, not --%s", gs_format_name(cli->format), with,
                           cli->report->option);
        if (cli->nchecks)
            return gs_fail(err, GS_ERR_USAGE, "--format %s writes a picture: run --check separately",
                           gs_format_name(cli->format));
    }
    /* It runs traverses over the capture a snapshot is built from: a
     * snapshot file keeps no memory to run them over. */
    if (cli->verify_referents) {
        if (cli->report || cli->nchecks || cli->prometheus || cli->save)
            return gs_fail(err, GS_ERR_USAGE, "--verify-referents writes its own report: drop %s",
                           cli->report ? "the report option" : cli->nchecks ? "--check" : cli->prometheus ? "--format prometheus" : "--save");
        if (cli->format != GS_FORMAT_TEXT && cli->format != GS_FORMAT_JSON)
            return gs_fail(err, GS_ERR_USAGE, "--verify-referents writes text or JSON");
    }
    if (cli->keep && !cli->spawn_argv)
        return gs_fail(err, GS_ERR_USAGE, "--keep only applies to a program started with --");
    return GS_OK;
}
