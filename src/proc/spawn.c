#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc/spawn.h"
#include "util/cancel.h"
#include "util/clock.h"

gs_status gs_spawn(char *const argv[], bool quiet, gs_spawned *child, gs_error *err)
{
    int pipefd[2];
    memset(child, 0, sizeof *child);
    if (pipe2(pipefd, O_CLOEXEC) != 0)
        return gs_fail(err, GS_ERR_SPAWN, "cannot create a pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(pipefd[0]);
        close(pipefd[1]);
        return gs_fail(err, GS_ERR_SPAWN, "cannot fork: %s", strerror(errno));
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* gcscope's handlers and ignored signals must not leak into the program. */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGALRM, SIG_DFL);
        if (quiet) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                if (null > STDERR_FILENO)
                    close(null);
            }
        }
        execvp(argv[0], argv);
        int e = errno;
        if (write(pipefd[1], &e, sizeof e) < 0) {
            /* nothing more we can do */
        }
        _exit(127);
    }
    close(pipefd[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(pipefd[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    child->pid = pid;
    if (n == (ssize_t)sizeof child_errno) {
        waitpid(pid, &child->wait_status, 0);
        child->reaped = true;
        return gs_fail(err, GS_ERR_SPAWN, "cannot run %s: %s", argv[0], strerror(child_errno));
    }
    return GS_OK;
}

static bool child_exited(gs_spawned *child)
{
    if (child->reaped)
        return true;
    pid_t r = waitpid(child->pid, &child->wait_status, WNOHANG);
    if (r == child->pid) {
        child->reaped = true;
        return true;
    }
    if (r < 0 && errno == ECHILD) {
        /* Reaped already, by the attach's tracer thread: a tracer in our
         * own thread group that collects the exit of the child it traces
         * reaps it for good (the program died while it was being stopped).
         * Its pid may belong to another process by now: never signal it
         * again. The exit status went with it. */
        child->reaped = true;
        child->status_lost = true;
        return true;
    }
    return false;
}

static void describe_exit(const gs_spawned *child, char *buf, size_t cap)
{
    if (child->status_lost)
        snprintf(buf, cap, "ended");
    else if (WIFEXITED(child->wait_status))
        snprintf(buf, cap, "exited with status %d", WEXITSTATUS(child->wait_status));
    else if (WIFSIGNALED(child->wait_status))
        snprintf(buf, cap, "was killed by signal %d", WTERMSIG(child->wait_status));
    else
        snprintf(buf, cap, "ended");
}

gs_status gs_spawn_let_run(gs_spawned *child, double seconds, gs_error *err)
{
    double end = gs_now() + seconds;
    for (;;) {
        if (child_exited(child)) {
            char how[64];
            describe_exit(child, how, sizeof how);
            return gs_fail(err, GS_ERR_SPAWN, "the program %s before it could be inspected: "
                           "make it run longer than --after", how);
        }
        if (gs_signal_pending)
            return gs_fail(err, GS_ERR_INTERRUPTED, "interrupted by signal %d", (int)gs_signal_pending);
        double left = end - gs_now();
        if (left <= 0)
            return GS_OK;
        if (left > 0.02)
            left = 0.02;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

void gs_spawn_end(gs_spawned *child)
{
    if (child->pid <= 0 || child_exited(child))
        return;
    kill(child->pid, SIGCONT); /* a stopped child would not act on SIGTERM */
    kill(child->pid, SIGTERM);
    double end = gs_now() + 1.0;
    while (gs_now() < end) {
        if (child_exited(child))
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(child->pid, SIGKILL);
    waitpid(child->pid, &child->wait_status, 0);
    child->reaped = true;
}
