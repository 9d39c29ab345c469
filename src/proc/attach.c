#include "config.h"

/* attach.c: stop every thread of a process with PTRACE_SEIZE +
 * PTRACE_INTERRUPT and always let them go again (see attach.h for the
 * contract).
 *
 * What the kernel does here (checked on Linux 6.18 with a probe program, and
 * it matches kernel/ptrace.c and kernel/signal.c):
 *
 *  - PTRACE_SEIZE of a thread that is in a group-stop (state T after SIGSTOP
 *    or Ctrl-Z) moves it from T to t at once: ptrace_attach() sets
 *    JOBCTL_TRAP_STOP|JOBCTL_TRAPPING and waits until the thread re-traps, so
 *    the first waitpid() already reports PTRACE_EVENT_STOP with WSTOPSIG =
 *    SIGSTOP (the signal that stopped the group). A PTRACE_INTERRUPT sent to
 *    it then produces no second report. After PTRACE_DETACH the thread is
 *    back in T: __ptrace_unlink() re-arms JOBCTL_STOP_PENDING while the group
 *    stop is in effect (SIGNAL_STOP_STOPPED), without JOBCTL_STOP_CONSUME, so
 *    the real parent is not notified a second time. So a stopped target stays
 *    stopped by itself: the code never needs to send SIGSTOP, and must never
 *    PTRACE_CONT a thread out of a group-stop (ptrace overrides job control,
 *    that would run a stopped process), which is why gs_attach_cycle refuses.
 *  - A SIGSTOP that arrives while a thread is in our interrupt trap stays
 *    pending; after PTRACE_DETACH(sig 0) the process stops (T). A SIGSTOP then
 *    SIGCONT during the trap: the SIGCONT flushes the pending SIGSTOP when it
 *    is sent, the process runs after detach. Signals are only queued while a
 *    thread sits in a trap; none is lost.
 *  - A signal dequeued before our interrupt took effect shows up as a
 *    signal-delivery-stop (status>>16 == 0): the signal now lives only in the
 *    tracee's exit_code, and PTRACE_DETACH/PTRACE_CONT with data 0 would
 *    discard it. Worse, if gcscope dies (SIGKILL) while a thread sits in
 *    that stop, the kernel resumes it WITHOUT the signal (probe: a SIGUSR1
 *    handler never ran). So the signal is re-injected at once: PTRACE_CONT
 *    with it, then PTRACE_INTERRUPT. Our interrupt is still pending (it
 *    was sent before the thread trapped, or while it sat in the
 *    signal-delivery-stop, which does not consume it), so
 *    the kernel sets up the handler frame, or starts the group-stop for a
 *    stop signal, and traps again before one instruction of the handler
 *    runs (probe: PTRACE_EVENT_STOP next, handler count 0; it ran once after
 *    we let go). The second interrupt covers the case where none was
 *    pending. The target thus stays frozen and the signal is the kernel's,
 *    not ours, to deliver. If PTRACE_CONT fails, the signal is kept and
 *    passed to PTRACE_DETACH instead. Re-injecting a SIGSTOP that a SIGCONT
 *    has followed does not stop the process: SIGCONT clears
 *    JOBCTL_STOP_DEQUEUED and do_signal_stop() then ignores the stale stop
 *    (probe: state S afterwards), as it would untraced.
 *  - If gcscope dies, even by SIGKILL, exit_ptrace() unlinks every tracee
 *    the same way as a detach: queued interrupts are dropped
 *    (JOBCTL_TRAP_MASK cleared), a group-stop is kept (checked by
 *    tests/integration/stopped_target.py). That is the safety net;
 *    PTRACE_O_EXITKILL would turn it into killing the target, so options are
 *    always 0.
 *  - PTRACE_SEIZE of an exiting (zombie) thread fails with EPERM, not ESRCH;
 *    those are skipped, not reported as a permission problem.
 *
 * Waiting is waitpid(WNOHANG) plus a sleep in sigtimedwait(SIGCHLD) rather
 * than a blocking waitpid(): a thread in uninterruptible sleep (D) may never
 * stop, and this lets every loop check the deadline and the signal flags
 * without depending on the caller having armed the watchdog. waitpid() is
 * always called on one tid with __WALL (threads are clone children, invisible
 * to a plain waitpid), never with -1: in spawn mode gcscope has children of
 * its own whose exit status belongs to someone else.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/attach.h"
#include "util/alloc.h"
#include "util/sort.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL /* linux/pidfd.h, Linux 6.9 */
#endif

/* Rescans of /proc/PID/task before we give up on a thread list that keeps
 * changing. Once every known thread is stopped no new one can appear (a
 * clone() interrupted by our trap is restarted, never half-done: the child
 * joins the thread list inside copy_process(), before the parent can
 * trap), so one rescan after every known thread has stopped is complete:
 * in practice the loop ends after two passes. */
enum { MAX_PASSES = 64 };

/* Rescans while the threads still run, seizing only: a thread list that
 * keeps growing is left to the passes of the stop. */
enum { SEIZE_PASSES = 4 };

/* How long gs_detach waits for threads whose interrupt is queued but whose
 * stop has not been reported (a thread can only be detached from a
 * ptrace-stop). Short, so that gcscope exits well within a second of SIGINT
 * even when a thread sits in D state. */
#define DETACH_WAIT_SECONDS 0.25

enum tstate {
    T_SEIZED,  /* seized, still running: no interrupt sent yet */
    T_WAITING, /* seized, interrupt queued, stop not yet reported */
    T_STOPPED, /* in a ptrace-stop that we have collected */
    T_RUNNING, /* resumed by gs_attach_cycle, no interrupt queued yet */
    T_GONE,    /* exited, vanished, or detached */
};

struct thread {
    pid_t tid;
    enum tstate state;
    int sig; /* signal of a signal-delivery-stop not yet re-injected */
};

struct gs_attach {
    pid_t pid;
    struct thread *th;
    size_t n, cap;
    pid_t *tids; /* live threads, for gs_attach_threads */
    size_t ntids;
    bool was_stopped;   /* state T before the seize, or a group-stop seen */
    bool group_stop;    /* some thread reported a group-stop */
    bool leader_gone;   /* the leader's exit was reported: the process is gone */
    bool leader_zombie; /* the leader was seen as a zombie we still trace */
    double first_stop;  /* gs_now() at the first PTRACE_INTERRUPT */
    double last_stop;   /* the same for the latest stop (after gs_attach_cycle) */
    bool ate_sigchld;   /* a wait took a SIGCHLD the program may have a handler for */

    /* The tracer thread (see "the tracer" below). */
    bool threaded;       /* a tracer thread makes the requests; else the caller's thread */
    pthread_t tracer;
    int tracer_pidfd;    /* the tracer thread's pidfd, or -1: then it detaches each thread itself */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    void (*job)(void *); /* the request the tracer runs next; NULL once done */
    void *job_arg;
    bool quit;           /* the last job: the tracer returns after it */
    sigset_t caller_mask; /* the caller's signal mask before gs_attach_process */
};

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    case SIGHUP: return "SIGHUP";
    case SIGQUIT: return "SIGQUIT";
    default: return "a signal";
    }
}

/* ---- /proc helpers -------------------------------------------------------- */

/* The state letter of one thread from /proc/PID/task/TID/stat (the field
 * after the last ')', since comm may contain anything), or 0 if it is gone. */
static char task_state(pid_t pid, pid_t tid)
{
    char path[64], buf[512];
    FILE *f;
    size_t len;
    char *p;

    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)pid, (int)tid);
    f = fopen(path, "re");
    if (!f)
        return 0;
    len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2])
        return 0;
    return p[2];
}

/* The value of "Key:" in /proc/PID/status as a long, or -1. */
static long status_long(pid_t pid, const char *key)
{
    char path[64], line[256];
    size_t klen = strlen(key);
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "re");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* ---- the thread table ----------------------------------------------------- */

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

static struct thread *add_thread(gs_attach *a, pid_t tid)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->th = gs_xreallocarray(a->th, a->cap, sizeof *a->th);
    }
    a->th[a->n] = (struct thread){.tid = tid, .state = T_SEIZED, .sig = 0};
    return &a->th[a->n++];
}

/* Drop the threads that are gone and rebuild the tid list. */
static void compact(gs_attach *a)
{
    size_t j = 0;

    for (size_t i = 0; i < a->n; i++)
        if (a->th[i].state != T_GONE)
            a->th[j++] = a->th[i];
    a->n = j;
    free(a->tids);
    a->tids = gs_xcalloc(a->n ? a->n : 1, sizeof *a->tids);
    for (size_t i = 0; i < a->n; i++)
        a->tids[i] = a->th[i].tid;
    a->ntids = a->n;
}

static bool is_stop_signal(int sig)
{
    return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

/* Record what waitpid() said about t. */
static void note_status(gs_attach *a, struct thread *t, int status)
{
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        /* A traced leader's exit is reported only once every other thread
         * is dead too (delay_group_leader), so it means the process is gone;
         * any other thread just drops out. */
        t->state = T_GONE;
        t->sig = 0;
        if (t->tid == a->pid)
            a->leader_gone = true;
        return;
    }
    if (!WIFSTOPPED(status))
        return;
    int sig = WSTOPSIG(status);
    unsigned event = (unsigned)status >> 16;
    t->state = T_STOPPED;
    if (event == PTRACE_EVENT_STOP) {
        /* A trap, nothing to give back. With SIGTRAP it is our interrupt
         * (or the notification that follows a SIGCONT); with a stop signal
         * the thread takes part in a group-stop: the process was, or is
         * being, job-control stopped, and detaching keeps it so. */
        if (is_stop_signal(sig)) {
            a->group_stop = true;
            a->was_stopped = true;
        }
        return;
    }
    if (event != 0)
        return; /* other events need options we never set */
    /* A signal-delivery-stop: the thread had dequeued sig before our
     * interrupt took effect. wait_stops re-injects it at once; if that
     * fails it goes back with the resume or the detach. */
    t->sig = sig;
}

/* Hand the signal of a signal-delivery-stop back to the kernel at once and
 * wait for the trap that follows (see the top of the file for why this
 * keeps the thread frozen). True if the thread is waiting again. */
static bool reinject(struct thread *t)
{
    if (ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)t->sig) < 0)
        return false; /* keep t->sig for PTRACE_DETACH */
    t->sig = 0;
    ptrace(PTRACE_INTERRUPT, t->tid, NULL, NULL);
    t->state = T_WAITING;
    return true;
}

/* Collect the stops of the threads in T_WAITING: poll waitpid(WNOHANG)
 * over them, and between polls sleep in sigtimedwait() on SIGCHLD, which the
 * kernel sends the tracer at every ptrace-stop and exit of a tracee
 * (do_notify_parent_cldstop, unless SIGCHLD is ignored). SIGCHLD is blocked
 * meanwhile, so one that arrives between the poll and the sleep stays pending
 * and ends the sleep at once: no wakeup is lost, and we wake within
 * microseconds of the last stop instead of at the next tick of a poll timer
 * (a 20 us..1 ms poll measured a 3 ms median pause on a 5-thread target, this
 * about 0.15 ms). Each sleep is capped at 10 ms so that a SIGCHLD-less world
 * (SIG_IGN) still works, as a poll. The handlers of gs_signals_install are
 * not blocked, so SIGINT or SIGALRM end the sleep with EINTR when the kernel
 * hands them to the tracer, and the flag checks run next; handed to the
 * caller's thread instead, they are seen within the 10 ms. (SIGCHLD is
 * blocked on the tracer and on the caller's thread: another thread of
 * gcscope's that leaves it open may take one, and this degrades to the
 * 10 ms poll, still correct.)
 * check_flags: give up on gs_signal_pending / gs_deadline_hit too (attach
 * does; the detach path only honours its own short deadline). */
static gs_status wait_stops_blocked(gs_attach *a, double deadline, bool check_flags, bool *got_chld, gs_error *err)
{
    sigset_t chld;
    unsigned round = 0;

    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        size_t waiting = 0;
        pid_t slow = 0;

        for (size_t i = 0; i < a->n; i++) {
            struct thread *t = &a->th[i];
            int status;
            pid_t r;

            if (t->state != T_WAITING)
                continue;
            r = waitpid(t->tid, &status, __WALL | WNOHANG);
            if (r == t->tid) {
                note_status(a, t, status);
                if (t->state == T_STOPPED && t->sig && reinject(t)) {
                    waiting++;
                    slow = t->tid;
                }
                continue;
            }
            if (r < 0 && errno == ECHILD) {
                /* Not our tracee any more: reaped or gone through exec. */
                t->state = T_GONE;
                continue;
            }
            /* A leader that exits while other threads live becomes a zombie
             * whose exit we are only told about once the others are dead:
             * it will never stop, so stop waiting for it. Checked every few
             * rounds only, it costs a file read. */
            if (round % 8 == 7) {
                char s = task_state(a->pid, t->tid);
                if (s == 'Z' || s == 'X' || s == 0) {
                    if (t->tid == a->pid && s == 'Z')
                        a->leader_zombie = true;
                    t->state = T_GONE;
                    continue;
                }
            }
            waiting++;
            slow = t->tid;
        }
        if (!waiting)
            return GS_OK;
        if (check_flags && gs_signal_pending) {
            int sig = gs_signal_pending;
            return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by %s while stopping the threads of process %d",
                           signal_name(sig), (int)a->pid);
        }
        double left = deadline - gs_now();
        if ((check_flags && gs_deadline_hit) || left <= 0) {
            char s = task_state(a->pid, slow);
            return gs_fail(err, GS_ERR_DEADLINE,
                           "%zu thread(s) of process %d did not stop in time (thread %d is in state %c%s): "
                           "retry, or give gcscope more time",
                           waiting, (int)a->pid, (int)slow, s ? s : '?',
                           s == 'D' ? ", an uninterruptible sleep" : "");
        }
        if (left > 0.01)
            left = 0.01;
        struct timespec ts = {0, (long)(left * 1e9)};
        if (sigtimedwait(&chld, NULL, &ts) == SIGCHLD)
            *got_chld = true;
        round++;
    }
}

/* SIGCHLD is blocked on the thread that waits (the tracer's mask) and on
 * the caller's (gs_attach_process blocks it until the detach), so that
 * neither takes it from the other. */
static gs_status wait_stops(gs_attach *a, double deadline, bool check_flags, gs_error *err)
{
    bool got_chld = false;
    gs_status s = wait_stops_blocked(a, deadline, check_flags, &got_chld, err);
    /* We may have eaten a SIGCHLD meant for a handler of the program's own:
     * release() raises one again on the caller's thread once we let go. */
    if (got_chld)
        a->ate_sigchld = true;
    return s;
}

/* Seize every thread in /proc/PID/task that we do not hold yet (T_SEIZED:
 * a seized thread runs on until interrupted). *added: how many. */
static gs_status seize_new(gs_attach *a, size_t *added, gs_error *err)
{
    char path[64];
    DIR *d;
    struct dirent *de;
    pid_t *known;
    size_t nknown = a->n;

    *added = 0;
    snprintf(path, sizeof path, "/proc/%d/task", (int)a->pid);
    d = opendir(path);
    if (!d) {
        if (errno == ENOENT || errno == ESRCH) {
            if (a->n == 0 && a->first_stop == 0)
                return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)",
                               (int)a->pid, (int)a->pid);
            return gs_fail(err, GS_ERR_EXITED, "target exited during capture");
        }
        return gs_fail(err, GS_ERR_IO, "cannot list the threads of process %d (%s): %s",
                       (int)a->pid, path, strerror(errno));
    }
    known = gs_xcalloc(nknown ? nknown : 1, sizeof *known);
    for (size_t i = 0; i < nknown; i++)
        known[i] = a->th[i].tid;
    gs_qsort(known, nknown, sizeof *known, cmp_pid);

    while ((de = readdir(d)) != NULL) {
        char *end;
        long v = strtol(de->d_name, &end, 10);
        pid_t tid;

        if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || v <= 0)
            continue;
        tid = (pid_t)v;
        if (bsearch(&tid, known, nknown, sizeof *known, cmp_pid))
            continue;
        /* Options 0: no PTRACE_O_EXITKILL (a dying gcscope must release the
         * target, not kill it) and no PTRACE_O_TRACECLONE (new threads are
         * found by the rescan; auto-attached clones would need their own
         * bookkeeping for no gain). */
        if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) < 0) {
            int e = errno;
            if (e == ESRCH)
                continue; /* exited between readdir and seize */
            if (e == EPERM) {
                /* The kernel refuses exiting tasks with EPERM too. */
                char s = task_state(a->pid, tid);
                if (s == 'Z' || s == 'X' || s == 0)
                    continue;
                free(known);
                closedir(d);
                return gs_explain_eperm(tid, err);
            }
            free(known);
            closedir(d);
            return gs_fail(err, GS_ERR_INTERNAL, "ptrace(PTRACE_SEIZE) of thread %d of process %d failed: %s",
                           (int)tid, (int)a->pid, strerror(e));
        }
        add_thread(a, tid);
        (*added)++;
    }
    free(known);
    closedir(d);
    return GS_OK;
}

/* Interrupt every seized thread that runs: it stops at its next return to
 * user space (a thread blocked in a system call at once). */
static void interrupt_seized(gs_attach *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (a->th[i].state != T_SEIZED)
            continue;
        /* The pause starts with the first interrupt (an upper bound: the
         * thread stops a few microseconds later). */
        if (a->first_stop == 0)
            a->first_stop = gs_now();
        /* ESRCH here means the thread died after the seize; waitpid() will
         * report its exit, so there is nothing to do. */
        ptrace(PTRACE_INTERRUPT, a->th[i].tid, NULL, NULL);
        a->th[i].state = T_WAITING;
    }
}

/* Between passes of stop_all: a signal or the deadline ends the stopping. */
static gs_status stopping_may_go_on(const gs_attach *a, double deadline, gs_error *err)
{
    if (gs_signal_pending)
        return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by %s while stopping the threads of process %d",
                       signal_name(gs_signal_pending), (int)a->pid);
    if (gs_deadline_hit || gs_now() >= deadline)
        return gs_fail(err, GS_ERR_DEADLINE, "could not stop the threads of process %d in time: retry",
                       (int)a->pid);
    return GS_OK;
}

/* Seize every thread, then interrupt them all and collect the stops,
 * rescanning the thread list until a pass after the stops finds no new
 * thread.
 *
 * PTRACE_SEIZE does not stop a thread, so the seizing (a system call and a
 * directory entry per thread, 5 ms for 500 threads) is done first, with the
 * target running, rescanning for threads born meanwhile; the pause then
 * holds only the interrupts, the stops and one rescan. A seized thread that
 * gets a signal before our interrupt stops in a signal-delivery-stop at
 * once (ptrace intercepts the signals of a tracee): it waits there, frozen,
 * until its interrupt follows microseconds later, and is then handled as
 * when the signal came between interrupt and trap (note_status, reinject).
 * A thread in a group-stop reports it as soon as it is seized; its
 * interrupt adds no second report. */
static gs_status stop_all(gs_attach *a, double deadline, gs_error *err)
{
    for (int pass = 0; pass < SEIZE_PASSES; pass++) {
        size_t added;
        gs_status s;

        if ((s = stopping_may_go_on(a, deadline, err)) != GS_OK)
            return s;
        if ((s = seize_new(a, &added, err)) != GS_OK)
            return s;
        if (added == 0)
            break;
    }
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        size_t added;
        gs_status s;

        if ((s = stopping_may_go_on(a, deadline, err)) != GS_OK)
            return s;
        interrupt_seized(a);
        s = wait_stops(a, deadline, true, err);
        if (s != GS_OK)
            return s;
        compact(a);
        if (a->leader_gone || a->n == 0) {
            if (pass == 0 && a->first_stop == 0) {
                char st = task_state(a->pid, a->pid);
                if (st == 'Z' || st == 'X')
                    return gs_fail(err, GS_ERR_NO_PROCESS,
                                   "process %d has exited (a zombie not yet reaped by its parent): nothing to inspect",
                                   (int)a->pid);
                return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)",
                               (int)a->pid, (int)a->pid);
            }
            return gs_fail(err, GS_ERR_EXITED, "target exited during capture");
        }
        /* Every known thread is stopped: the list read now is complete.
         * When the kernel counts as many threads in the group as we hold
         * (Threads: in /proc/PID/status, one short file), none is missing
         * and the directory need not be read: for 500 threads it cost 0.5
         * ms of the pause. A thread we hold stays counted while we hold it
         * (even killed, it waits for us as a zombie), so equal counts
         * cannot hide a new one; any doubt (an exiting thread we could not
         * seize, a zombie leader) makes them differ, and the directory
         * decides. */
        if (status_long(a->pid, "Threads") == (long)a->n)
            return GS_OK;
        s = seize_new(a, &added, err);
        if (s != GS_OK)
            return s;
        if (added == 0)
            return GS_OK;
    }
    return gs_fail(err, GS_ERR_DEADLINE, "the threads of process %d kept changing after %d passes: retry",
                   (int)a->pid, MAX_PASSES);
}

/* Detach every thread we still hold. Returns how many could not be.
 * exit_detaches: the tracer thread exits right after, and its exit
 * detaches the threads in a trap (every one but those owed a signal,
 * which only PTRACE_DETACH can hand over) and those still on their way to
 * one, whose queued interrupt it drops: those are left to it. */
static int detach_all(gs_attach *a, bool exit_detaches, double *last_detach)
{
    int failed = 0;

    /* PTRACE_DETACH works only on a tracee in a ptrace-stop (ESRCH
     * otherwise), so threads resumed by a cycle or seized but not yet
     * interrupted get an interrupt, and
     * threads with an interrupt queued get a short wait for their stop
     * (which also re-injects the signal of any signal-delivery-stop). */
    for (size_t i = 0; i < a->n; i++) {
        if (a->th[i].state == T_RUNNING || a->th[i].state == T_SEIZED) {
            ptrace(PTRACE_INTERRUPT, a->th[i].tid, NULL, NULL);
            a->th[i].state = T_WAITING;
        }
    }
    wait_stops(a, gs_now() + DETACH_WAIT_SECONDS, false, NULL);

    for (size_t i = 0; i < a->n; i++) {
        struct thread *t = &a->th[i];

        if (t->state == T_GONE)
            continue;
        if (exit_detaches && (t->state != T_STOPPED || t->sig == 0))
            continue;
        if (t->state != T_STOPPED) {
            /* Still running with our interrupt queued (D state): nothing
             * can detach it now; the kernel drops the interrupt and resumes
             * it when gcscope exits. */
            failed++;
            continue;
        }
        /* data = the signal of a signal-delivery-stop, so that it is
         * delivered, not swallowed; 0 for traps. */
        if (ptrace(PTRACE_DETACH, t->tid, NULL, (void *)(long)t->sig) == 0) {
            t->state = T_GONE;
            continue;
        }
        if (errno == ESRCH) {
            /* Killed (SIGKILL wakes a tracee) after we saw it stop: reap it
             * so that it does not linger as our zombie; if it is still
             * there and alive, it was not stopped and is not detached. */
            int status;
            if (waitpid(t->tid, &status, __WALL | WNOHANG) == t->tid && (WIFEXITED(status) || WIFSIGNALED(status))) {
                t->state = T_GONE;
                continue;
            }
            char s = task_state(a->pid, t->tid);
            if (s == 0 || s == 'Z' || s == 'X') {
                if (t->tid == a->pid && s == 'Z')
                    a->leader_zombie = true;
                t->state = T_GONE;
                continue;
            }
        }
        failed++;
    }
    /* The target died while we held it. Its leader's exit goes to us, the
     * tracer, first: collect it (now that the other threads are reaped) so
     * that the real parent hears of it at once, not when gcscope exits.
     * Not when we are that parent too (spawn mode): the status is the
     * spawner's to collect. */
    if (a->leader_zombie && status_long(a->pid, "PPid") != (long)getpid()) {
        int status;
        waitpid(a->pid, &status, __WALL | WNOHANG);
    }
    if (last_detach)
        *last_detach = gs_now();
    return failed;
}

/* ---- the tracer ----------------------------------------------------------- */

/* The kernel's tracer is a thread, not a process: every ptrace request for
 * a tracee must come from the thread that seized it. So one thread of our
 * own, the tracer, makes them all, running the requests the caller hands
 * it one at a time (on_tracer). What that buys is the end: when a thread
 * exits, the kernel detaches every tracee it still holds in one pass under
 * one lock (exit_ptrace(): the same __ptrace_unlink() as PTRACE_DETACH, so
 * a group-stop is kept and a queued interrupt dropped), with no system
 * call per thread. 500 idle threads: their PTRACE_DETACH calls took 3-6 ms
 * of the pause (5 us of our CPU each, and the woken threads preempting
 * us), the exit about 1 ms. The caller knows the exit, and so the detach,
 * is complete when the tracer's pidfd (PIDFD_THREAD, Linux 6.9) polls
 * readable: exit_notify() wakes its readers after exit_ptrace(). Without
 * such a pidfd the tracer detaches each thread itself before it returns,
 * and without a thread at all (pthread_create failed) the caller's thread
 * is the tracer, as before. */

static void *tracer_main(void *arg)
{
    gs_attach *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->job)
            pthread_cond_wait(&a->cv, &a->mu);
        void (*job)(void *) = a->job;
        void *job_arg = a->job_arg;
        bool last = a->quit;
        pthread_mutex_unlock(&a->mu);
        job(job_arg);
        if (last)
            return NULL; /* the exit detaches what the job left attached */
        pthread_mutex_lock(&a->mu);
        a->job = NULL;
        pthread_cond_broadcast(&a->cv);
    }
}

/* Start the tracer, its signal mask the caller's plus SIGCHLD (which its
 * waits take); the signals gs_signals_install handles stay open, so that
 * they cut a wait short there too. */
static void start_tracer(gs_attach *a)
{
    sigset_t chld, old;
    a->tracer_pidfd = -1;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &chld, &old);
    a->caller_mask = old;
    a->threaded = pthread_create(&a->tracer, NULL, tracer_main, a) == 0;
    /* SIGCHLD stays blocked here until release(): see wait_stops. */
}

/* Until the tracer has no job (a->mu held). */
static void wait_idle_locked(gs_attach *a)
{
    while (a->job)
        pthread_cond_wait(&a->cv, &a->mu);
}

/* Hand job(arg) to the tracer once it is done with the one before; wait
 * for it too unless `wait` is false. quit: its last job; the caller then
 * waits for the thread's end (release). */
static void post_job(gs_attach *a, void (*job)(void *), void *arg, bool quit, bool wait)
{
    if (!a->threaded) {
        job(arg);
        return;
    }
    pthread_mutex_lock(&a->mu);
    wait_idle_locked(a);
    a->job = job;
    a->job_arg = arg;
    a->quit = quit;
    pthread_cond_broadcast(&a->cv);
    if (wait && !quit)
        wait_idle_locked(a);
    pthread_mutex_unlock(&a->mu);
}

static void on_tracer(gs_attach *a, void (*job)(void *), void *arg, bool quit)
{
    post_job(a, job, arg, quit, true);
}

void gs_attach_start(gs_attach *a, void (*fn)(void *), void *arg)
{
    if (a)
        post_job(a, fn, arg, false, false);
}

void gs_attach_wait(gs_attach *a)
{
    if (!a || !a->threaded)
        return;
    pthread_mutex_lock(&a->mu);
    wait_idle_locked(a);
    pthread_mutex_unlock(&a->mu);
}

struct stop_job {
    gs_attach *a;
    double deadline;
    gs_error *err;
    gs_status status;
};

static void stop_job(void *arg)
{
    struct stop_job *j = arg;
    j->a->tracer_pidfd = -1;
#ifdef SYS_pidfd_open
    if (j->a->threaded)
        j->a->tracer_pidfd = (int)syscall(SYS_pidfd_open, (pid_t)syscall(SYS_gettid), PIDFD_THREAD);
#endif
    j->status = stop_all(j->a, j->deadline, j->err);
}

struct detach_job {
    gs_attach *a;
    int failed;
    double last_detach;
};

static void detach_job(void *arg)
{
    struct detach_job *j = arg;
    j->failed = detach_all(j->a, j->a->threaded && j->a->tracer_pidfd >= 0, &j->last_detach);
}

/* Detach every thread, end the tracer, give the caller its signal mask
 * back, and free a. *last_detach: when the last thread was let go. */
static int release(gs_attach *a, double *last_detach)
{
    struct detach_job j = {a, 0, 0};
    on_tracer(a, detach_job, &j, true);
    if (a->threaded) {
        if (a->tracer_pidfd >= 0) {
            struct pollfd p = {a->tracer_pidfd, POLLIN, 0};
            while (poll(&p, 1, -1) < 0 && errno == EINTR)
                ;
            j.last_detach = gs_now();
            close(a->tracer_pidfd);
        }
        pthread_join(a->tracer, NULL);
    }
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    pthread_sigmask(SIG_SETMASK, &a->caller_mask, NULL);
    /* A SIGCHLD meant for a handler of the program's own (spawn mode
     * watches its child) may have been taken by a wait: raise one again.
     * SIGCHLD does not queue, so one stands for any number. */
    struct sigaction sa;
    if (a->ate_sigchld && sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
        sa.sa_handler != SIG_IGN)
        raise(SIGCHLD);
    if (last_detach)
        *last_detach = j.last_detach;
    free(a->th);
    free(a->tids);
    free(a);
    return j.failed;
}

/* ---- the interface -------------------------------------------------------- */

gs_status gs_attach_process(pid_t pid, double deadline, gs_attach **out, gs_error *err)
{
    gs_attach *a;
    long tgid;
    char st;

    *out = NULL;
    if (pid <= 0)
        return gs_fail(err, GS_ERR_USAGE, "invalid pid %d: give the id of a running process", (int)pid);
    if (pid == getpid())
        return gs_fail(err, GS_ERR_USAGE, "pid %d is gcscope itself: give the id of another process", (int)pid);
    tgid = status_long(pid, "Tgid");
    if (tgid < 0)
        return gs_fail(err, GS_ERR_NO_PROCESS, "no process with pid %d: check the pid (ps -p %d)", (int)pid, (int)pid);
    if (tgid != pid)
        return gs_fail(err, GS_ERR_NO_PROCESS, "%d is a thread of process %ld, not a process: use pid %ld", (int)pid,
                       tgid, tgid);

    a = gs_xcalloc(1, sizeof *a);
    a->pid = pid;
    /* Recorded before the seize: once seized the thread shows as 't'. The
     * group-stop report of the seize confirms it (note_status). */
    st = task_state(pid, pid);
    a->was_stopped = (st == 'T');

    start_tracer(a);
    struct stop_job j = {a, deadline, err, GS_OK};
    on_tracer(a, stop_job, &j, false);
    if (j.status != GS_OK) {
        int left = release(a, NULL);
        if (err && left) {
            /* Rare (a thread stuck in D state): say so, the user may wonder
             * why the target is still traced for a moment. */
            size_t len = strlen(err->msg);
            snprintf(err->msg + len, sizeof err->msg - len, " (%d thread(s) stay seized until gcscope exits)", left);
        }
        return j.status;
    }
    *out = a;
    return GS_OK;
}

int gs_detach_at(gs_attach *a, double *last_detach)
{
    if (last_detach)
        *last_detach = 0;
    if (!a)
        return 0;
    return release(a, last_detach);
}

int gs_detach(gs_attach *a) { return gs_detach_at(a, NULL); }

const pid_t *gs_attach_threads(const gs_attach *a, size_t *n)
{
    if (!a) {
        *n = 0;
        return NULL;
    }
    *n = a->ntids;
    return a->tids;
}

bool gs_attach_was_stopped(const gs_attach *a) { return a && a->was_stopped; }

double gs_attach_first_stop(const gs_attach *a) { return a ? a->first_stop : 0; }

double gs_attach_last_stop(const gs_attach *a) { return a ? (a->last_stop ? a->last_stop : a->first_stop) : 0; }

static gs_status cycle(gs_attach *a, double resume_seconds, double deadline, gs_error *err)
{
    double until;

    /* PTRACE_CONT would run threads out of their group-stop: the process
     * would run although its owner stopped it. Refuse instead. */
    if (a->was_stopped || a->group_stop)
        return gs_fail(err, GS_ERR_BUSY,
                       "process %d is stopped (job control), so the collection in progress cannot finish: "
                       "resume it (kill -CONT %d) and retry",
                       (int)a->pid, (int)a->pid);

    for (size_t i = 0; i < a->n; i++) {
        struct thread *t = &a->th[i];
        if (t->state != T_STOPPED)
            continue;
        /* Resuming with the owed signal delivers it now (its handler runs
         * during the window), which is what would have happened untraced. */
        if (ptrace(PTRACE_CONT, t->tid, NULL, (void *)(long)t->sig) == 0) {
            t->sig = 0;
            t->state = T_RUNNING;
        } else {
            /* ESRCH: killed while stopped; waitpid() reports the exit. */
            t->state = T_WAITING;
        }
    }

    until = gs_now() + (resume_seconds > 0 ? resume_seconds : 0);
    while (gs_now() < until) {
        double left = until - gs_now();
        struct timespec ts;

        if (gs_signal_pending)
            return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by %s while process %d ran briefly",
                           signal_name(gs_signal_pending), (int)a->pid);
        if (gs_deadline_hit || gs_now() >= deadline)
            return gs_fail(err, GS_ERR_DEADLINE, "deadline passed while process %d ran briefly: retry",
                           (int)a->pid);
        if (left > 0.01)
            left = 0.01;
        ts.tv_sec = 0;
        ts.tv_nsec = (long)(left * 1e9);
        nanosleep(&ts, NULL);
    }

    a->last_stop = gs_now();
    for (size_t i = 0; i < a->n; i++) {
        if (a->th[i].state == T_RUNNING) {
            ptrace(PTRACE_INTERRUPT, a->th[i].tid, NULL, NULL);
            a->th[i].state = T_WAITING;
        }
    }
    /* Threads created during the window are new to us: stop_all finds and
     * seizes them, and drops the ones that exited. */
    return stop_all(a, deadline, err);
}

struct cycle_job {
    gs_attach *a;
    double resume_seconds, deadline;
    gs_error *err;
    gs_status status;
};

static void cycle_job(void *arg)
{
    struct cycle_job *j = arg;
    j->status = cycle(j->a, j->resume_seconds, j->deadline, j->err);
}

gs_status gs_attach_cycle(gs_attach *a, double resume_seconds, double deadline, gs_error *err)
{
    if (!a)
        return gs_fail(err, GS_ERR_INTERNAL, "gs_attach_cycle called without an attached process");
    struct cycle_job j = {a, resume_seconds, deadline, err, GS_OK};
    on_tracer(a, cycle_job, &j, false);
    return j.status;
}
