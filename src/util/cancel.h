/* cancel.h: how a long operation learns that it should stop: a signal from
 * the user (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT) or the end of the time it was
 * given (the watchdog).
 *
 * Part of src/util/, which knows nothing of processes, Python or graphs.
 * The handlers only set a flag; every loop that may run long (waiting for
 * stops, copying memory, building the graph, loading or writing a file, the
 * browser's input) reads the flags and returns GS_ERR_INTERRUPTED or
 * GS_ERR_DEADLINE, so that whatever it holds (a seized process above all)
 * is released on the normal return path. Only main.c and ui/ decide to
 * exit. */
#ifndef GCSCOPE_UTIL_CANCEL_H
#define GCSCOPE_UTIL_CANCEL_H

#include <signal.h>

/* Install SIGINT/SIGTERM/SIGHUP/SIGQUIT/SIGPIPE(ignored)/SIGALRM handlers
 * that only set gs_signal_pending (no SA_RESTART, so blocking calls return
 * EINTR). Once, at start-up. A SIGINT, SIGQUIT or SIGHUP that whoever
 * started us ignores (a script's background job, nohup) stays ignored. */
void gs_signals_install(void);
extern volatile sig_atomic_t gs_signal_pending; /* the signal number, or 0 */
extern volatile sig_atomic_t gs_deadline_hit;

/* The watchdog: gs_deadline_hit becomes 1 after `seconds` (setitimer
 * ITIMER_REAL, one shot, SIGALRM). Arming clears gs_deadline_hit; seconds <= 0
 * sets it at once. Disarming leaves the flag as it is. Every wait loop in
 * proc/attach.c also checks its own absolute deadline, so the watchdog is
 * for the stages that have no loop of their own. */
void gs_watchdog_arm(double seconds);
void gs_watchdog_disarm(void);

#endif
