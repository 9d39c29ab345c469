/* term.c: the terminal, taken and always given back (see term.h).
 *
 * The terminal is restored on every way out: gs_term_stop() (a quit, an
 * error return), exit() from anywhere (atexit), an allocation that aborts
 * (gs_set_abort_hook), and the fatal signals (SIGSEGV and friends: a
 * handler that writes the saved "leave the screen" sequence and the saved
 * termios with async-signal-safe calls only, then dies of the same
 * signal). SIGINT/SIGTERM/SIGHUP/SIGQUIT keep main.c's handlers, which only
 * set gs_signal_pending: the browser's key loop polls it.
 */
#include "config.h"

#include <curses.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>

#include "ui/term.h"
#include "util/alloc.h"

#define KEY_POLL_MS 200 /* how soon a signal's flag is seen */
#define ESC_DELAY_MS 25

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

/* The only global state: what restoring the terminal from a signal
 * handler, atexit or the abort hook needs. */
static struct {
    volatile sig_atomic_t active; /* curses owns the screen */
    struct termios saved;         /* the terminal as we found it */
    int have_saved;
    char leave[128];              /* rmcup, cnorm, sgr0: back to the shell's screen */
    size_t leave_len;
    SCREEN *screen;
    int atexit_done;
} term;

static void term_restore(void)
{
    if (!term.active)
        return;
    term.active = 0;
    endwin();
}

static void on_fatal(int sig)
{
    if (term.active) {
        term.active = 0;
        if (term.leave_len && write(STDOUT_FILENO, term.leave, term.leave_len) < 0) {
            /* nothing more can be done from here */
        }
        if (term.have_saved)
            tcsetattr(STDIN_FILENO, TCSADRAIN, &term.saved);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void add_leave(const char *cap)
{
    const char *seq = tigetstr((char *)cap);
    if (!seq || seq == (char *)-1)
        return;
    size_t n = strlen(seq);
    if (term.leave_len + n < sizeof term.leave) {
        memcpy(term.leave + term.leave_len, seq, n);
        term.leave_len += n;
    }
}

gs_status gs_term_start(gs_error *err)
{
    term.have_saved = tcgetattr(STDIN_FILENO, &term.saved) == 0;
    /* newterm, not initscr: a bad TERM is an error to report, not an exit. */
    term.screen = newterm(NULL, stdout, stdin);
    if (!term.screen) {
        const char *t = getenv("TERM");
        return gs_fail(err, GS_ERR_IO, "cannot use the terminal %s: set TERM to one terminfo knows (xterm-256color)",
                       t ? t : "(TERM unset)");
    }
    term.active = 1;
    /* A terminal that cannot move the cursor (dumb, emacs' shell) would
     * get a scrolling mess: refuse it, the reports work there. */
    const char *cup = tigetstr((char *)"cup");
    if (!cup || cup == (char *)-1) {
        const char *t = getenv("TERM");
        endwin();
        term.active = 0;
        delscreen(term.screen);
        term.screen = NULL;
        return gs_fail(err, GS_ERR_IO,
                       "cannot browse on the terminal %s (it cannot move the cursor): set TERM, or ask for a "
                       "report (--dump-types)",
                       t ? t : "(TERM unset)");
    }
    if (!term.atexit_done) {
        atexit(term_restore);
        term.atexit_done = 1;
    }
    gs_set_abort_hook(term_restore);
    term.leave_len = 0;
    add_leave("rmcup");
    add_leave("cnorm");
    add_leave("sgr0");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        sigaction(fatal_signals[i], &sa, NULL);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(ESC_DELAY_MS);
    timeout(KEY_POLL_MS);
    return GS_OK;
}

void gs_term_stop(void)
{
    /* Without an alternate screen (vt100, linux console) the browser's
     * last screen would stay under the shell's prompt: clear it. */
    const char *rmcup = term.active ? tigetstr((char *)"rmcup") : NULL;
    if (term.active && (!rmcup || rmcup == (char *)-1)) {
        erase();
        refresh();
    }
    term_restore();
    if (term.screen) {
        delscreen(term.screen);
        term.screen = NULL;
    }
    gs_set_abort_hook(NULL);
    for (size_t i = 0; i < sizeof fatal_signals / sizeof fatal_signals[0]; i++)
        signal(fatal_signals[i], SIG_DFL);
}
