"""stopsignals: the tests' children get SIGINT, SIGQUIT and SIGHUP as a
user at a terminal has them, whatever the suite itself inherited.

A non-interactive shell starts its background jobs with SIGINT and SIGQUIT
ignored (POSIX), and nohup ignores SIGHUP; an ignored signal stays ignored
across exec. gcscope keeps such an inherited "ignore" (src/util/cancel.c:
`gcscope ... &` in a script must not die of the terminal's Ctrl-C), so a
suite started that way (`bash .ci/run &`, a CI runner's background step)
would send its attachers signals they were told to ignore, and the safety
tests that time the exit after a SIGINT would fail for the wrong reason.
Imported by gstest and procutil, it resets them once, at import.
"""

import signal


def reset():
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)


reset()
