/* main.c: choose a source, capture, run one presenter, exit with a status. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "capture_core.h"
#include "cli.h"
#include "util/alloc.h"
#include "proc/spawn.h"
#include "graph/build.h"
#include "graph/snapfile.h"
#include "graph/verify.h"
#include "report/check.h"
#include "report/prometheus.h"
#include "report/report.h"
#include "report/table.h"
#include "report/verify.h"
#include "ui/browser.h"
#include "util/cancel.h"
#include "util/clock.h"
#include "util/safefile.h"
#include "util/colour.h"
#include "util/progress.h"
#include "util/text.h"

/* Error messages quote what the target gave (its binary's path, its
 * name): shown escaped, as every target string is. A message is one line
 * (scripts read it); at a terminal it is wrapped at word boundaries to fit
 * 80 columns, its continuation lines indented under the text. */
#define ERROR_WIDTH 79
#define ERROR_INDENT 9 /* strlen("gcscope: ") */

static void say_error(const char *msg)
{
    char safe[sizeof ((gs_error *)0)->msg * 4];
    gs_text_escape(safe, sizeof safe, msg, strlen(msg), 0);
    if (!isatty(STDERR_FILENO)) {
        fprintf(stderr, "gcscope: %s\n", safe);
        return;
    }
    fputs("gcscope:", stderr);
    int col = ERROR_INDENT - 1;
    for (const char *p = safe; *p;) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " ");
        if (!len)
            break;
        if (col > ERROR_INDENT && col + 1 + (int)len > ERROR_WIDTH) {
            fprintf(stderr, "\n%*s", ERROR_INDENT, "");
            col = ERROR_INDENT;
        } else {
            fputc(' ', stderr);
            col++;
        }
        fwrite(p, 1, len, stderr);
        col += (int)len;
        p += len;
    }
    fputc('\n', stderr);
}

static int fail(const gs_error *err)
{
    say_error(err->msg);
    return gs_status_exit_code(err->code);
}

/* Capture a live process and decode it into a snapshot. A thread stopped
 * in the middle of linking an object into a collector list leaves the list
 * broken in the copy: capture again, briefly later, a few times, and keep
 * the last snapshot (with its warning) if the lists stay broken. */
#define BROKEN_LIST_RETRIES 3

/* Native stacks cost about 0.15 ms of pause per thread: walk them only
 * when something will show them (the stacks report, the browser, a
 * snapshot file that may be browsed later). */
static bool wants_native_stacks(const struct gs_cli *cli)
{
    return !cli->report || (cli->report->needs & GS_REPORT_NEEDS_NATIVE_STACKS) || cli->save;
}

/* --verify-referents: the build keeps the image, and each object's own
 * traverse is run over it before the capture is let go (graph/verify.h). */
static gs_status build_and_verify(struct gs_capture *cap, struct gs_snapshot **snap, struct gs_verify **verify,
                                  gs_error *err)
{
    struct gs_build_opts bo = {.keep_image = verify != NULL};
    gs_status st = gs_graph_build_opts(cap, &bo, snap, err);
    if (st == GS_OK && verify) {
        gs_progress_stage("running every traverse in the emulator");
        gs_verify_free(*verify);
        *verify = NULL;
        st = gs_verify_referents(cap, *snap, verify, err);
    }
    return st;
}

/* verify: NULL, or where --verify-referents' result goes. */
static gs_status snapshot_process(const struct gs_cli *cli, pid_t pid, struct gs_snapshot **snap,
                                  struct gs_verify **verify, gs_error *err)
{
    struct gs_capture_opts opts;
    gs_capture_opts_default(&opts);
    opts.timeout = cli->timeout;
    if (cli->max_capture)
        opts.max_capture = cli->max_capture;
    opts.measure_floor = cli->bench_floor;
    opts.debug_hold = cli->debug_hold;
    opts.native_stacks = wants_native_stacks(cli);

    gs_status st = GS_OK;
    *snap = NULL;
    for (int attempt = 1; attempt <= BROKEN_LIST_RETRIES; attempt++) {
        struct gs_capture *cap = NULL;
        gs_progress_stage("capturing the process");
        st = gs_capture_process(pid, &opts, &cap, err);
        if (st != GS_OK)
            return st;
        gs_progress_stage("building the graph");
        /* The target runs again from here on: the graph is decoded from
         * the copy, and everything after reads only the snapshot. */
        gs_snapshot_free(*snap);
        *snap = NULL;
        st = build_and_verify(cap, snap, verify, err);
        gs_capture_free(cap);
        if (st != GS_OK || (*snap)->meta.broken_lists == 0 || gs_signal_pending)
            break;
        struct timespec pause_a_little = {0, 20 * 1000 * 1000};
        nanosleep(&pause_a_little, NULL);
    }
    return gs_capture_explain(pid, st, err);
}

/* A core file: decoded like a capture, with nothing to stop and nothing to
 * retry (a core does not change). */
static gs_status snapshot_core(const struct gs_cli *cli, struct gs_snapshot **snap, struct gs_verify **verify,
                               gs_error *err)
{
    struct gs_core_opts o = {
        .path = cli->core,
        .exe = cli->exe,
        .sysroot = cli->sysroot,
        .native_stacks = wants_native_stacks(cli),
        .max_capture = cli->max_capture ? cli->max_capture : gs_default_max_capture(),
    };
    struct gs_capture *cap = NULL;
    *snap = NULL;
    gs_status st = gs_capture_core(&o, &cap, err);
    gs_progress_stage("building the graph");
    if (st == GS_OK)
        st = build_and_verify(cap, snap, verify, err);
    gs_capture_free(cap);
    return st;
}

/* `gcscope FILE`: a core (an ELF header, or a compressed one, which
 * gs_core_open refuses with how to unpack it) or else a snapshot. */
static void tell_file_kind(struct gs_cli *cli)
{
    if (cli->snapshot && gs_core_sniff_file(cli->snapshot) != GS_SNIFF_OTHER) {
        cli->core = cli->snapshot;
        cli->snapshot = NULL;
    }
}

static double started; /* gs_now() at start, for total_ms */

/* A stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) ends gcscope between any
 * two stages with exit 9: the target was released long before, what was
 * printed is flushed, and a file being written is removed (safefile). */
static gs_status interrupted(gs_error *err)
{
    if (!gs_signal_pending)
        return GS_OK;
    return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d", (int)gs_signal_pending);
}

static gs_status present(const struct gs_cli *cli, const struct gs_snapshot *snap, const struct gs_snapshot *old,
                         struct gs_analyses *an, FILE *out, gs_error *err)
{
    gs_status st = GS_OK;
    if ((st = interrupted(err)) != GS_OK)
        return st;
    if (cli->save) {
        /* The analyses go into the file, so that reports and the browser
         * read them instead of computing them again; the report below
         * then reads these too. */
        struct gs_stored_section stored[GS_STORED_COUNT];
        if ((st = gs_analyses_export(an, stored, err)) != GS_OK ||
            (st = gs_snapfile_save(snap, stored, cli->save, err)) != GS_OK)
            return st;
    }
    if ((st = interrupted(err)) != GS_OK)
        return st;
    struct gs_report_opts ro = {.format = cli->format,
                                .top = cli->top,
                                .addr = cli->addr,
                                .old = old,
                                .started = started,
                                .locals = cli->locals,
                                .an = an};
    if (cli->report) {
        st = gs_report_write(cli->report, out, snap, &ro, err);
    } else if (cli->prometheus) {
        st = gs_report_prometheus(out, an, err);
    } else if (cli->nchecks) {
        /* Checks alone print only what failed (the exit code says the rest). */
    } else if (cli->save) {
        char n[32];
        fprintf(stderr, "gcscope: saved %s objects to %s\n", gs_fmt_count(snap->nobjects, n, sizeof n), cli->save);
    } else {
        /* No terminal to browse in (a pipe, cron, CI): the type summary. */
        st = gs_report_write(gs_report_by_name("types"), out, snap, &ro, err);
    }
    if (st == GS_OK && (fflush(out) != 0 || ferror(out)))
        return gs_fail(err, GS_ERR_IO, "cannot write the report: %s", strerror(errno));
    if (st == GS_OK)
        st = interrupted(err);
    return st;
}

/* Runs the checks after the report; *failed is set when one does not hold. */
static gs_status run_checks(struct gs_checks *checks, const struct gs_cli *cli, struct gs_analyses *an,
                            FILE *out, bool *failed, gs_error *err)
{
    bool all_hold = true;
    /* With a report on stdout, failed checks go to stderr so both stay readable. */
    FILE *to = cli->report || cli->prometheus ? stderr : out;
    gs_status st = gs_checks_run(checks, an, to, cli->json && !cli->report, &all_hold, err);
    *failed = !all_hold;
    return st;
}

/* The browser's `R`: capture the same process again. */
struct recapture_arg {
    const struct gs_cli *cli;
    pid_t pid;
};

static gs_status recapture(void *arg, struct gs_snapshot **out, gs_error *err)
{
    const struct recapture_arg *r = arg;
    return snapshot_process(r->cli, r->pid, out, NULL, err);
}

/* The browser opens when nothing else was asked for and a person is at a
 * terminal. */
static bool wants_browser(const struct gs_cli *cli, FILE *out)
{
    const char *term = getenv("TERM");
    return !cli->report && !cli->nchecks && !cli->prometheus && !cli->save && !cli->json &&
           out == stdout && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && term[0] &&
           strcmp(term, "dumb") != 0;
}

/* --verify-referents' report; *differ when a type's referents differ. */
static gs_status present_verify(const struct gs_cli *cli, const struct gs_snapshot *snap, const struct gs_verify *v,
                                FILE *out, bool *differ, gs_error *err)
{
    gs_status st = cli->format == GS_FORMAT_JSON ? gs_verify_write_json(out, snap, v, err)
                                                 : gs_verify_write_text(out, snap, v, cli->top, err);
    if (st == GS_OK && (fflush(out) != 0 || ferror(out)))
        return gs_fail(err, GS_ERR_IO, "cannot write the report: %s", strerror(errno));
    *differ = v->types_differing != 0;
    return st;
}

/* failed: a --check did not hold; differ: --verify-referents found a difference. */
static gs_status run(const struct gs_cli *cli, pid_t pid, FILE *out, bool *failed, bool *differ, gs_error *err)
{
    struct gs_snapshot *snap = NULL, *old = NULL;
    struct gs_verify *verify = NULL;
    struct gs_verify **want_verify = cli->verify_referents ? &verify : NULL;
    struct gs_checks *checks = NULL;
    /* A malformed check is refused before the target is touched. */
    gs_status st = gs_checks_parse(cli->checks, cli->nchecks, &checks, err);
    if (st != GS_OK)
        return st;
    /* The older snapshot first: a bad file is refused before the target is touched. */
    if (cli->diff_old)
        st = gs_snapfile_load(cli->diff_old, &old, err);
    /* A person at a terminal sees what takes long; JSON and pipes see nothing. */
    bool progress = isatty(STDERR_FILENO) && cli->format != GS_FORMAT_JSON;
    if (progress) {
        gs_progress_stage(cli->core ? "reading the core" : cli->snapshot ? "loading the snapshot" : NULL);
        gs_progress_start();
    }
    if (st == GS_OK)
        st = cli->core       ? snapshot_core(cli, &snap, want_verify, err)
             : cli->snapshot ? gs_snapfile_load(cli->snapshot, &snap, err)
                             : snapshot_process(cli, pid, &snap, want_verify, err);
    if (progress)
        gs_progress_stop(); /* the line is gone before anything else is written */
    if (st == GS_OK)
        st = interrupted(err);
    if (st == GS_OK && verify) {
        bool text = cli->format == GS_FORMAT_TEXT;
        FILE *shown = text ? gs_text_stream(out) : NULL;
        st = present_verify(cli, snap, verify, shown ? shown : out, differ, err);
        if (shown && fclose(shown) != 0 && st == GS_OK)
            st = gs_fail(err, GS_ERR_IO, "cannot write the report: %s", strerror(errno));
    } else if (st == GS_OK && wants_browser(cli, out)) {
        struct recapture_arg ra = {cli, pid};
        char label[64];
        snprintf(label, sizeof label, "process %d", (int)pid);
        const char *file = cli->core ? cli->core : cli->snapshot;
        struct gs_browse_source src = {file ? NULL : recapture, &ra, file ? file : label};
        st = gs_browse(snap, &src, err); /* the browser owns snap from here */
        snap = NULL;
        /* Ctrl-C is one of the browser's ways to quit (status 0, as q);
         * it has been handled, so it does not make the run "interrupted". */
        if (st == GS_OK && gs_signal_pending == SIGINT)
            gs_signal_pending = 0;
    } else if (st == GS_OK) {
        /* Text goes through gs_text_escape (util/text.h) as a whole: no
         * string of the target reaches the terminal raw, whichever
         * presenter printed it. JSON, Prometheus and the pictures escape by
         * their own rules and stay exact. Colour (util/colour.h) is added
         * after the escaping, so its sequences are the only ones. */
        bool text = cli->format == GS_FORMAT_TEXT && !cli->prometheus;
        FILE *coloured = text && gs_colour_wanted(cli->colour, out) ? gs_colour_stream(out) : NULL;
        FILE *shown = text ? gs_text_stream(coloured ? coloured : out) : NULL;
        /* One set of analyses for the report and the checks: computed
         * once, as they ask. */
        struct gs_analyses *an = gs_analyses_new(snap, NULL, NULL);
        st = present(cli, snap, old, an, shown ? shown : out, err);
        if (st == GS_OK && cli->nchecks)
            st = run_checks(checks, cli, an, shown ? shown : out, failed, err);
        gs_analyses_free(an);
        if (shown && fclose(shown) != 0 && st == GS_OK)
            st = gs_fail(err, GS_ERR_IO, "cannot write the report: %s", strerror(errno));
        if (coloured && fclose(coloured) != 0 && st == GS_OK)
            st = gs_fail(err, GS_ERR_IO, "cannot write the report: %s", strerror(errno));
    }
    if (st == GS_OK)
        st = interrupted(err);
    gs_checks_free(checks);
    gs_verify_free(verify);
    gs_snapshot_free(snap);
    gs_snapshot_free(old);
    return st;
}

int main(int argc, char **argv)
{
    started = gs_now();
    gs_alloc_init();
    struct gs_cli cli;
    gs_error err = {0};
    if (gs_cli_parse(argc, argv, &cli, &err) != GS_OK) {
        say_error(err.msg);
        return gs_status_exit_code(GS_ERR_USAGE);
    }
    if (cli.help) {
        gs_cli_usage(stdout);
        return 0;
    }
    if (cli.version) {
        printf("gcscope %s\n", PACKAGE_VERSION);
        return 0;
    }
    tell_file_kind(&cli);
    if (cli.verify_referents && cli.snapshot) {
        gs_fail(&err, GS_ERR_USAGE, "--verify-referents runs on a process or a core; %s is a snapshot file, which "
                                    "keeps no memory to run the traverses over", cli.snapshot);
        return fail(&err);
    }
    if ((cli.exe || cli.sysroot) && !cli.core) {
        gs_fail(&err, GS_ERR_USAGE, "%s goes with a core file, and %s is not one", cli.exe ? "--exe" : "--sysroot",
                cli.snapshot);
        return fail(&err);
    }
    gs_signals_install();

    /* -o: a temporary file renamed into place at the end, never a symbolic
     * link or a device (src/util/safefile.h); removed if anything fails. */
    FILE *out = stdout;
    struct gs_safefile out_file = {0};
    if (cli.output) {
        if (gs_safefile_open(&out_file, cli.output, &err) != GS_OK)
            return fail(&err);
        out = out_file.f;
    }

    gs_status st;
    bool failed = false, differ = false;
    gs_spawned child = {0};
    pid_t pid = cli.pid;
    /* A malformed check is refused before a program is started (run()
     * parses them again, before it attaches). */
    struct gs_checks *checks = NULL;
    if (gs_checks_parse(cli.checks, cli.nchecks, &checks, &err) != GS_OK)
        return fail(&err);
    gs_checks_free(checks);
    if (cli.spawn_argv) {
        if ((st = gs_spawn(cli.spawn_argv, wants_browser(&cli, out), &child, &err)) != GS_OK)
            return fail(&err);
        pid = child.pid;
        st = gs_spawn_let_run(&child, cli.after, &err);
        if (st == GS_OK)
            st = run(&cli, pid, out, &failed, &differ, &err);
        if (!cli.keep)
            gs_spawn_end(&child);
        else if (st == GS_OK)
            fprintf(stderr, "gcscope: left process %d running (--keep)\n", (int)pid);
    } else {
        st = run(&cli, pid, out, &failed, &differ, &err);
    }
    if (cli.output) {
        if (st == GS_OK)
            st = gs_safefile_commit(&out_file, &err);
        else
            gs_safefile_abort(&out_file);
    }
    if (st != GS_OK)
        return fail(&err);
    if (differ) {
        say_error("the referents gcscope found differ from the emulated traverse's (see the report)");
        return gs_status_exit_code(GS_ERR_DISAGREE);
    }
    return failed ? 1 : 0; /* 1: a --check did not hold */
}
