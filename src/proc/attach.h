/* attach.h: stop every thread of a process with PTRACE_SEIZE +
 * PTRACE_INTERRUPT, and always let them go again.
 *
 * Order of calls:
 *   gs_signals_install()          once, at start-up (handlers only set a flag)
 *   gs_attach(pid, deadline, &a)  seize + interrupt all threads, wait for stops
 *   ... read memory while stopped ...
 *   gs_detach(a)                  detach every thread; idempotent; also frees
 * Every error path inside gs_attach detaches what it had seized before it
 * returns. Never PTRACE_ATTACH, never PTRACE_O_EXITKILL: if gcscope dies, even
 * by SIGKILL, the kernel resumes the seized threads.
 *
 * A thread that was in a group-stop (SIGSTOP, Ctrl-Z) before stays stopped
 * after the detach. Signals that arrive during the stop are re-injected on
 * detach, never swallowed.
 */
#ifndef GCSCOPE_PROC_ATTACH_H
#define GCSCOPE_PROC_ATTACH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/status.h"

typedef struct gs_attach gs_attach;

/* Install SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE(ignored)/SIGALRM handlers
 * that only set gs_signal_pending (no SA_RESTART, so blocking calls return
 * EINTR). */
void gs_signals_install(void);
extern volatile sig_atomic_t gs_signal_pending; /* the signal number, or 0 */
extern volatile sig_atomic_t gs_deadline_hit;

/* Seconds since an arbitrary epoch (CLOCK_MONOTONIC). */
double gs_now(void);

/* deadline: absolute gs_now() time after which gs_attach gives up
 * (GS_ERR_DEADLINE). Errors: GS_ERR_NO_PROCESS, GS_ERR_PERMISSION (message
 * names the cause: ptrace_scope, CAP_SYS_PTRACE, other user, traced by N),
 * GS_ERR_EXITED, GS_ERR_INTERRUPTED, GS_ERR_DEADLINE. */
gs_status gs_attach_process(pid_t pid, double deadline, gs_attach **out, gs_error *err);

/* Detach all threads and free a. Safe with NULL. Returns the number of
 * threads that could not be detached (they are resumed by the kernel anyway
 * when gcscope exits). */
int gs_detach(gs_attach *a);

const pid_t *gs_attach_threads(const gs_attach *a, size_t *n);
bool gs_attach_was_stopped(const gs_attach *a); /* in a group-stop before */
double gs_attach_first_stop(const gs_attach *a); /* gs_now() of first stop */

/* Resume all threads briefly and stop them again (a GC was in progress). */
gs_status gs_attach_cycle(gs_attach *a, double resume_seconds, double deadline, gs_error *err);

/* Explain why `pid` may not be traced (EPERM): fills err, GS_ERR_PERMISSION. */
gs_status gs_explain_eperm(pid_t pid, gs_error *err);

#endif
