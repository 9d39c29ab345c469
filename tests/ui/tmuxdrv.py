"""tmuxdrv: drive a full-screen program in a real terminal, through tmux.

Used by tests/ui/browser.py (make check), tests/ui/screens.py (make
screens) and tests/ui/latency.py. Stdlib only, Python 3.8+.

Each Tmux object runs its own tmux server on a private socket (-S, in a
temporary directory of its own), with no configuration file, so that tests never meet a user's tmux or each other;
close() kills that server only. The program runs under `sh -c` so that its
exit status and the terminal modes it leaves behind can be read from the
pane afterwards:

    trap : INT; PROGRAM...; echo "<marker>EXIT=$?"; stty -a | tr ' ;' '\n\n' | grep -x -e echo -e -echo -e icanon -e -icanon

Every wait is bounded: wait_for() polls the screen and raises TimeoutError
with the last screen in the message.
"""

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

EXIT_MARK = "@@GCSCOPE-DONE@@"


def have_tmux():
    return shutil.which("tmux") is not None


class Tmux:
    def __init__(self, width=100, height=30, name=None):
        # The server's socket in a private directory, removed by close():
        # no stale socket is left in the shared /tmp/tmux-UID.
        self.dir = tempfile.mkdtemp(prefix="gcscope-tmux-")
        self.socket = os.path.join(self.dir, name or "sock")
        self.width = width
        self.height = height
        self.started = False

    def _tmux(self, *args, check=True, timeout=10):
        cmd = ["tmux", "-S", self.socket, "-f", "/dev/null"] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           universal_newlines=True)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))
        return r.stdout

    def start(self, argv, env=None, cwd=None):
        """Run argv in a new session of width x height. env: variables set
        for the program (TERM among them); cwd: its working directory."""
        env = dict(env or {})
        assigns = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items()))
        prog = " ".join(shlex.quote(a) for a in argv)
        # trap: Ctrl-C (tmux sends SIGINT to the whole foreground group)
        # must end the program, not the shell that reports on it.
        script = ("trap : INT; env %s %s; echo \"%sEXIT=$?\"; stty -a | tr ' ;' '\\n\\n' | "
                  "grep -x -e echo -e -echo -e icanon -e -icanon | tr '\\n' ' '; echo; exec sleep 3600"
                  % (assigns, prog, EXIT_MARK))
        where = ["-c", cwd] if cwd else []
        self._tmux("new-session", "-d", "-s", "main", "-x", str(self.width), "-y", str(self.height), *where,
                   "sh", "-c", script)
        self.started = True

    def keys(self, *keys, literal=False):
        """send-keys: tmux key names ("Enter", "BSpace", "Down") or, with
        literal, text typed as is."""
        args = ["send-keys", "-t", "main"] + (["-l"] if literal else []) + list(keys)
        self._tmux(*args)

    def type(self, text):
        self.keys(text, literal=True)

    def screen(self, escapes=False):
        """The visible screen as text (escapes: with SGR colour sequences)."""
        args = ["capture-pane", "-p", "-t", "main"] + (["-e"] if escapes else [])
        return self._tmux(*args)

    def wait_for(self, cond, timeout=15.0, what=None, settle=0.03):
        """Poll the screen until cond(screen) (or the text cond is on it)
        holds on a screen that stays the same for `settle` seconds (a
        capture can catch the terminal half redrawn); returns the screen.
        TimeoutError shows the last screen."""
        test = (lambda s: cond in s) if isinstance(cond, str) else cond
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            last = self.screen()
            if test(last):
                time.sleep(settle)
                again = self.screen()
                if again == last:
                    return last
            if time.monotonic() > deadline:
                raise TimeoutError("waited %.0f s for %s; the screen:\n%s" % (timeout, what or repr(cond), last))
            time.sleep(0.02)

    def wait_change(self, before, timeout=10.0):
        """Until the screen differs from before (and is settled); returns
        (screen, seconds)."""
        t0 = time.monotonic()
        scr = self.wait_for(lambda s: s != before, timeout=timeout, what="a change of screen")
        return scr, time.monotonic() - t0

    def resize(self, width, height):
        self._tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def pane_pid(self):
        return int(self._tmux("display-message", "-p", "-t", "main", "#{pane_pid}").strip())

    def finished(self):
        """(exit status, terminal modes) once the program has exited and
        the modes are printed, else None."""
        lines = self.screen().splitlines()
        for i, line in enumerate(lines):
            if line.startswith(EXIT_MARK + "EXIT="):
                modes = lines[i + 1].split() if i + 1 < len(lines) else []
                if not modes:
                    return None  # stty has not printed yet
                m = re.match(r"\d+", line[len(EXIT_MARK) + 5:])
                return (int(m.group(0)) if m else -1), modes
        return None

    def wait_exit(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while True:
            f = self.finished()
            if f is not None:
                return f
            if time.monotonic() > deadline:
                raise TimeoutError("the program did not exit within %.0f s; the screen:\n%s"
                                   % (timeout, self.screen()))
            time.sleep(0.05)

    def close(self):
        if self.started:
            self._tmux("kill-server", check=False)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def help_lines(screen):
    """The key lines of a help screen (title, header, status and key bar
    left out; trailing blank lines dropped)."""
    lines = screen.rstrip("\n").split("\n")
    body = [l.rstrip() for l in lines[2:-2]]
    while body and not body[-1]:
        body.pop()
    return body
