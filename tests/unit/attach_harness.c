#include "config.h"

/* attach_harness: drive src/proc/attach.c alone, for the integration tests
 * in tests/integration/ (attach_safety, stopped_target, signals_during_attach,
 * thread_churn) while the rest of gcscope is being built.
 *
 *   attach_harness PID MODE [SECONDS]
 *     MODE hold:  attach, hold every thread stopped SECONDS (default 1),
 *                 detach
 *     MODE cycle: attach, gs_attach_cycle once (10 ms window), hold, detach
 *   attach_harness [--cycle] PID SECONDS
 *     the same, for a command prefix to which the tests append PID SECONDS
 *     (ATTACH_CMD=/path/attach_harness)
 *
 * Prints one JSON line on stdout:
 *   {"status":"GS_OK","pid":N,"mode":"hold","threads":N,"was_stopped":false,
 *    "cycle":null,"stop_s":X,"pause_s":X,"undetached":0,"error":""}
 * threads: threads held after the attach; stop_s: first interrupt to all
 * stopped; pause_s: first interrupt to last detach (includes the hold and a
 * cycle's window). Exit code: gs_status_exit_code of the first error.
 * A cycle refused because the target is job-control stopped is the
 * documented behaviour, not an error: "cycle" says GS_ERR_BUSY and the exit
 * code stays 0.
 *
 * SIGINT/SIGTERM/SIGHUP/SIGQUIT during any stage: detach, print, exit 9.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proc/attach.h"

#define ATTACH_SECONDS 5.0

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* Sleep `seconds` in slices, returning early with the reason when a signal
 * flag is set. */
static gs_status hold(double seconds, gs_error *err)
{
    double until = gs_now() + seconds;

    for (;;) {
        double left = until - gs_now();
        struct timespec ts;

        if (gs_signal_pending)
            return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d while holding the target",
                           (int)gs_signal_pending);
        if (left <= 0)
            return GS_OK;
        if (left > 0.05)
            left = 0.05;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(left * 1e9);
        nanosleep(&ts, NULL); /* EINTR: the flag check comes next */
    }
}

int main(int argc, char **argv)
{
    gs_error err = {GS_OK, ""};
    gs_error cycle_err = {GS_OK, ""};
    gs_status s, cycle_status = GS_OK;
    gs_attach *a = NULL;
    bool cycle, did_cycle = false, was_stopped = false;
    double seconds = 1.0, first = 0, stopped_at = 0, last = 0;
    size_t nthreads = 0;
    int undetached;
    const char *mode_arg = NULL, *seconds_arg = NULL;
    char *end;
    long pid;

    gs_signals_install();
    cycle = argc > 1 && strcmp(argv[1], "--cycle") == 0;
    if (cycle) {
        argv++;
        argc--;
    }
    if (argc >= 3 && (strcmp(argv[2], "hold") == 0 || strcmp(argv[2], "cycle") == 0)) {
        mode_arg = argv[2];
        seconds_arg = argc == 4 ? argv[3] : NULL;
        cycle = cycle || strcmp(argv[2], "cycle") == 0;
        if (argc > 4)
            mode_arg = NULL;
    } else if (argc == 3) {
        mode_arg = cycle ? "cycle" : "hold";
        seconds_arg = argv[2];
    }
    if (!mode_arg) {
        fprintf(stderr, "usage: attach_harness PID hold|cycle [SECONDS]\n"
                        "       attach_harness [--cycle] PID SECONDS\n");
        return gs_status_exit_code(GS_ERR_USAGE);
    }
    pid = strtol(argv[1], &end, 10);
    if (*end || pid <= 0) {
        fprintf(stderr, "attach_harness: bad pid '%s': give a positive number\n", argv[1]);
        return gs_status_exit_code(GS_ERR_USAGE);
    }
    if (seconds_arg) {
        seconds = strtod(seconds_arg, &end);
        if (*end || !*seconds_arg || !(seconds >= 0)) {
            fprintf(stderr, "attach_harness: bad seconds '%s': give a number >= 0\n", seconds_arg);
            return gs_status_exit_code(GS_ERR_USAGE);
        }
    }

    /* The watchdog and the loop's own deadline both bound the attach. */
    gs_watchdog_arm(ATTACH_SECONDS + 1);
    s = gs_attach_process((pid_t)pid, gs_now() + ATTACH_SECONDS, &a, &err);
    if (s == GS_OK) {
        stopped_at = gs_now();
        if (cycle) {
            did_cycle = true;
            cycle_status = gs_attach_cycle(a, 0.01, gs_now() + ATTACH_SECONDS, &cycle_err);
            if (cycle_status == GS_ERR_BUSY && gs_attach_was_stopped(a))
                ; /* refused on purpose: the target is job-control stopped */
            else if (cycle_status != GS_OK) {
                s = cycle_status;
                err = cycle_err;
            }
        }
    }
    gs_watchdog_disarm();
    if (s == GS_OK)
        s = hold(seconds, &err);
    if (a) {
        first = gs_attach_first_stop(a);
        gs_attach_threads(a, &nthreads);
        was_stopped = gs_attach_was_stopped(a);
    }
    undetached = gs_detach_at(a, &last);

    printf("{\"status\":\"%s\",\"pid\":%ld,\"mode\":\"%s\",\"threads\":%zu,\"was_stopped\":%s,\"cycle\":",
           gs_status_name(s), pid, cycle ? "cycle" : "hold", nthreads, was_stopped ? "true" : "false");
    if (did_cycle)
        printf("\"%s\"", gs_status_name(cycle_status));
    else
        printf("null");
    printf(",\"stop_s\":%.6f,\"pause_s\":%.6f,\"undetached\":%d,\"error\":", first > 0 && stopped_at > 0 ? stopped_at - first : 0.0,
           first > 0 && last > 0 ? last - first : 0.0, undetached);
    json_string(s == GS_OK ? (cycle_status != GS_OK ? cycle_err.msg : "") : err.msg);
    printf("}\n");
    fflush(stdout);
    if (s != GS_OK)
        fprintf(stderr, "attach_harness: %s\n", err.msg);
    if (s == GS_OK && undetached)
        return gs_status_exit_code(GS_ERR_INTERNAL);
    return gs_status_exit_code(s);
}
