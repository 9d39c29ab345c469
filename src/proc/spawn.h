/* spawn.h: start the program to inspect (spawn mode: `gcscope -- PROG ...`),
 * let it run, and end it afterwards.
 *
 * The child runs in its own process group, so that Ctrl-C in the terminal
 * reaches gcscope only, which then ends the child itself.
 */
#ifndef GCSCOPE_PROC_SPAWN_H
#define GCSCOPE_PROC_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/status.h"

typedef struct gs_spawned {
    pid_t pid;
    bool reaped;
    bool status_lost; /* reaped by another thread's wait: wait_status unknown */
    int wait_status;
} gs_spawned;

/* fork + execvp. GS_ERR_SPAWN with the reason when the program cannot be
 * run (the child reports exec's errno through a close-on-exec pipe). With
 * quiet, the program's standard input, output and error are /dev/null (the
 * browser owns the terminal: the program's output would garble it). */
gs_status gs_spawn(char *const argv[], bool quiet, gs_spawned *child, gs_error *err);

/* Let the child run `seconds`, returning early with an error if it exits
 * (GS_ERR_SPAWN, with its exit status) or a signal arrives for gcscope. */
gs_status gs_spawn_let_run(gs_spawned *child, double seconds, gs_error *err);

/* End the child: SIGTERM, up to one second, then SIGKILL; reap it. */
void gs_spawn_end(gs_spawned *child);

#endif
