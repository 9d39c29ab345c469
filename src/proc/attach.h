/* attach.h: stop every thread of a process with PTRACE_SEIZE +
 * PTRACE_INTERRUPT, and always let them go again.
 *
 * Order of calls:
 *   gs_signals_install()       once, at start-up (util/cancel.h)
 *   gs_attach_process(pid, deadline, &a)
 *                              seize + interrupt all threads, wait for stops
 *   ... read memory while stopped ...
 *   gs_detach(a)               detach every thread; idempotent; also frees
 * Every error path inside gs_attach detaches what it had seized before it
 * returns. Between gs_attach_process and gs_detach the calling thread has
 * SIGCHLD blocked: a thread of gcscope's own makes the ptrace requests and
 * takes the SIGCHLDs of the stops (its exit detaches every thread at once). Never PTRACE_ATTACH, never PTRACE_O_EXITKILL: if gcscope dies, even
 * by SIGKILL, the kernel resumes the seized threads.
 *
 * A thread that was in a group-stop (SIGSTOP, Ctrl-Z) before stays stopped
 * after the detach. Signals never get swallowed: one that arrives while the
 * threads are stopped stays queued in the kernel; one a thread had already
 * dequeued when we stopped it is handed back at once (PTRACE_CONT with it,
 * then a new interrupt: the thread stays frozen, the handler runs after the
 * detach). attach.c's top comment records what the kernel does and why.
 */
#ifndef GCSCOPE_PROC_ATTACH_H
#define GCSCOPE_PROC_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The waits read the cancel flags and every time here is a gs_now() time. */
#include "util/cancel.h"
#include "util/clock.h"
#include "util/status.h"

typedef struct gs_attach gs_attach;

/* deadline: absolute gs_now() time after which gs_attach gives up
 * (GS_ERR_DEADLINE). Errors: GS_ERR_NO_PROCESS, GS_ERR_PERMISSION (message
 * names the cause: ptrace_scope, CAP_SYS_PTRACE, other user, traced by N),
 * GS_ERR_EXITED, GS_ERR_INTERRUPTED, GS_ERR_DEADLINE. */
gs_status gs_attach_process(pid_t pid, double deadline, gs_attach **out, gs_error *err);

/* Detach all threads and free a. Safe with NULL. Returns the number of
 * threads that could not be detached (they are resumed by the kernel anyway
 * when gcscope exits). */
int gs_detach(gs_attach *a);
/* The same, and *last_detach (if not NULL) gets the gs_now() time right after
 * the last PTRACE_DETACH (0 if a is NULL). Pause time as reported to the user
 * = *last_detach - gs_attach_first_stop(a), read before the detach frees a. */
int gs_detach_at(gs_attach *a, double *last_detach);

const pid_t *gs_attach_threads(const gs_attach *a, size_t *n);
/* Start fn(arg) on the thread that traces a's threads and return at once:
 * a ptrace request for one of them (PTRACE_GETREGS) must come from that
 * thread, which is not the caller's (attach.c, "the tracer"), and the
 * caller may do other work meanwhile (copy the memory). gs_attach_wait
 * waits until it is done; so does every other call on a. */
void gs_attach_start(gs_attach *a, void (*fn)(void *), void *arg);
void gs_attach_wait(gs_attach *a);
bool gs_attach_was_stopped(const gs_attach *a); /* in a group-stop before */
double gs_attach_first_stop(const gs_attach *a); /* gs_now() of first stop */
/* gs_now() when the latest stop began: the first, or the re-stop of the
 * last gs_attach_cycle. The pause of the stop that was used. */
double gs_attach_last_stop(const gs_attach *a);

/* Resume all threads briefly and stop them again (a GC was in progress).
 * Signals owed to threads are delivered on resume; threads born during the
 * window are seized too, exited ones dropped. A target that is job-control
 * stopped (gs_attach_was_stopped) is never resumed: the call returns
 * GS_ERR_BUSY at once ("process N is stopped ...: resume it (kill -CONT N)")
 * and leaves everything stopped and attached, so the caller can still report
 * the capture as "collection in progress". On any error a stays valid, its
 * threads may be running or stopped, and the caller must still call gs_detach
 * (which stops what it must and detaches everything). The pause time measured
 * from gs_attach_first_stop includes the window. */
gs_status gs_attach_cycle(gs_attach *a, double resume_seconds, double deadline, gs_error *err);

/* Explain why `pid` may not be traced (EPERM): fills err, GS_ERR_PERMISSION. */
gs_status gs_explain_eperm(pid_t pid, gs_error *err);

#endif
