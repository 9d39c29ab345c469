#include "config.h"

/* cancel.c: see cancel.h. */

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "util/cancel.h"

volatile sig_atomic_t gs_signal_pending;
volatile sig_atomic_t gs_deadline_hit;

static void on_signal(int sig) { gs_signal_pending = sig; }

static void on_alarm(int sig)
{
    (void)sig;
    gs_deadline_hit = 1;
}

void gs_signals_install(void)
{
    static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa;

    /* sa_flags 0: no SA_RESTART, so nanosleep() and friends return EINTR
     * and the loop that called them looks at the flags at once. */
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
        /* An ignored SIGINT, SIGQUIT or SIGHUP was ignored on purpose by
         * whoever started us (a background job of a script, nohup): it
         * stays ignored, as the shell's convention wants. SIGTERM is
         * always ours. Ignored or caught, none of them leaves the target
         * stopped: the attach detaches on every path. */
        struct sigaction old;
        if (stop_signals[i] != SIGTERM && sigaction(stop_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(stop_signals[i], &sa, NULL);
    }
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    /* A closed output pipe must be an EPIPE error that still detaches, not
     * a death in the middle of a capture. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

void gs_watchdog_arm(double seconds)
{
    struct itimerval it;

    memset(&it, 0, sizeof it);
    gs_deadline_hit = 0;
    if (!(seconds > 0)) {
        gs_deadline_hit = 1;
        return;
    }
    if (seconds > 1e8)
        seconds = 1e8;
    it.it_value.tv_sec = (time_t)seconds;
    it.it_value.tv_usec = (suseconds_t)((seconds - (double)it.it_value.tv_sec) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
        it.it_value.tv_usec = 1; /* zero would disarm the timer */
    setitimer(ITIMER_REAL, &it, NULL);
}

void gs_watchdog_disarm(void)
{
    struct itimerval it;

    memset(&it, 0, sizeof it);
    setitimer(ITIMER_REAL, &it, NULL);
}
