/* cli.h: the command line, parsed into one struct. Parsing never touches a
 * process: a bad command line is refused before anything is attached. */
#ifndef GCSCOPE_CLI_H
#define GCSCOPE_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "report/report.h"
#include "util/colour.h"
#include "util/status.h"

struct gs_report;

#define GS_MAX_CHECKS 64

struct gs_cli {
    pid_t pid;              /* -p; 0 when spawning */
    char **spawn_argv;      /* after --; NULL when attaching */
    const char *snapshot;   /* FILE: read a saved snapshot instead of a process */
    const char *core;       /* --core FILE, or a FILE that is a core (main.c sniffs it) */
    const char *exe;        /* --exe PATH: the core's executable */
    const char *sysroot;    /* --sysroot DIR: the root the core's files are under */
    const char *save;       /* --save FILE */
    uint64_t addr;          /* --referrers / --path ADDR */
    const char *diff_old;   /* --diff OLD.snapshot */
    bool locals;            /* --locals: --dump-stacks shows each frame's locals */
    const char *checks[GS_MAX_CHECKS]; /* --check EXPR, in order */
    size_t nchecks;
    bool prometheus;        /* --format prometheus */
    const struct gs_report *report; /* a row of report/table.h; NULL: the browser or the type summary */
    bool json;              /* --json or --format json */
    enum gs_format format;  /* the report's format (--json, --format): text by default */
    enum gs_colour_when colour; /* --color */
    size_t top;
    const char *output;     /* -o FILE, NULL = stdout */
    double timeout;
    double after;
    bool keep;
    uint64_t max_capture;
    bool bench_floor;
    bool verify_referents;  /* --verify-referents (graph/verify.h) */
    double debug_hold;
    bool help, version;
};

/* Fills cli; on a bad command line returns GS_ERR_USAGE with a message. */
gs_status gs_cli_parse(int argc, char **argv, struct gs_cli *cli, gs_error *err);

void gs_cli_usage(FILE *out);

/* "200MB", "1.5GiB", "4096": bytes; false if malformed. */
bool gs_parse_size(const char *s, uint64_t *out);

#endif
