#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/phases.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void gs_phases_start(struct gs_phases *p)
{
    const char *v = getenv("GCSCOPE_TRACE_PHASES");
    p->on = v && strcmp(v, "1") == 0;
    if (!p->on)
        return;
    p->wall = clock_s(CLOCK_MONOTONIC);
    p->cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    p->own = clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* This process's resident and peak resident KiB (0 when unknown). */
static void rss_kib(long *rss, long *peak)
{
    *rss = *peak = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0)
            *rss = strtol(line + 6, NULL, 10);
        else if (strncmp(line, "VmHWM:", 6) == 0)
            *peak = strtol(line + 6, NULL, 10);
    }
    fclose(f);
}

void gs_phase_mark(struct gs_phases *p, const char *name)
{
    if (!p || !p->on)
        return;
    double wall = clock_s(CLOCK_MONOTONIC), cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    double own = clock_s(CLOCK_THREAD_CPUTIME_ID);
    long rss, peak;
    rss_kib(&rss, &peak);
    fprintf(stderr, "gcscope: phase %-14s %9.1f ms wall %9.1f ms cpu %9.1f ms this thread %8ld KiB rss %8ld KiB peak\n",
            name, (wall - p->wall) * 1e3, (cpu - p->cpu) * 1e3, (own - p->own) * 1e3, rss, peak);
    p->wall = wall;
    p->cpu = cpu;
    p->own = own;
}
