"""conventions: what a person expects of a command-line tool.

--help fits an 80-column terminal (no line past column 79); an error message
is one line when stderr is a file or a pipe (scripts read it) and, at a
terminal, wraps at word boundaries within 80 columns with its continuation
indented under the text; `-o -` writes the report to standard output.
Colour: at a terminal the text reports mark garbage in red; NO_COLOR and
--color=never turn it off, --color=always turns it on for a pipe, and a
class name carrying an escape sequence still shows escaped. Progress: a
capture that takes over a second (the target held with --debug-hold) shows
a line on a terminal's stderr, erased before the report; none with --json
and none when stderr is not a terminal.
"""

import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402


def run_in_pty(args, timeout=60, env=None, stdout_pty=True, stderr_pty=True):
    """Run gcscope with stdout and/or stderr on a terminal; its exit code and
    what the terminal showed (the other stream goes to a file, returned as
    run_in_pty.other)."""
    master, slave = pty.openpty()
    other = open(os.devnull, "wb") if stdout_pty and stderr_pty else __import__("tempfile").TemporaryFile()
    proc = subprocess.Popen([gstest.gcscope_path()] + args, stdin=subprocess.DEVNULL,
                            stdout=slave if stdout_pty else other, stderr=slave if stderr_pty else other,
                            env=dict(os.environ, **(env or {})))
    os.close(slave)
    out, deadline = b"", time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif proc.poll() is not None:
            break
    os.close(master)
    rc = proc.wait(timeout=10)
    run_in_pty.other = b""
    if not (stdout_pty and stderr_pty):
        other.seek(0)
        run_in_pty.other = other.read()
    other.close()
    return rc, out.decode("utf-8", "replace").replace("\r\n", "\n")


GARBAGE_TARGET = r"""
import gc, os, time
gc.disable()
Evil = type("Evil\x1b[31mRED", (), {})
class Node:
    def __init__(self):
        self.me = self
        self.evil = Evil()
for _ in range(50):
    Node()
open(os.environ["GSTEST_READY"], "w").close()
time.sleep(600)
"""
RED = "\x1b[1;31m"


def colour_and_progress(r, python):
    gstest.require_ptrace()
    with gstest.start_target(python, None, code=GARBAGE_TARGET) as target:
        pid = str(target.pid)
        rc, shown = run_in_pty(["-p", pid, "--dump-cycles"], stderr_pty=False, env={"NO_COLOR": ""})
        r.check(rc == 0 and RED + "garbage" in shown or RED + "DISABLED" in shown,
                "at a terminal, garbage is marked in red", shown[:600])
        rc, shown = run_in_pty(["-p", pid, "--dump-types", "--top", "0"], stderr_pty=False, env={"NO_COLOR": ""})
        r.check(rc == 0 and RED + "DISABLED" in shown and "\\x1b[31mRED" in shown and "\x1b[31mRED" not in shown,
                "a class name's escape sequence still shows escaped among the colours", shown[:600])
        rc, shown = run_in_pty(["-p", pid, "--dump-cycles"], stderr_pty=False, env={"NO_COLOR": "1"})
        r.check(rc == 0 and "garbage" in shown and "\x1b[" not in shown, "NO_COLOR=1: no colour", shown[:300])
        rc, shown = run_in_pty(["-p", pid, "--dump-cycles", "--color=never"], stderr_pty=False, env={"NO_COLOR": ""})
        r.check(rc == 0 and "\x1b[" not in shown, "--color=never: no colour", shown[:300])
        rc, out, err = gstest.run_gcscope(["-p", pid, "--dump-cycles", "--color=always"])
        r.check(rc == 0 and RED in out, "--color=always colours a pipe too", err)
        rc, out, err = gstest.run_gcscope(["-p", pid, "--dump-cycles"])
        r.check(rc == 0 and "\x1b[" not in out, "a pipe gets no colour by default", out[:300])
        rc, out, err = gstest.run_gcscope(["-p", pid, "--dump-cycles", "--color=sometimes"])
        r.check(rc == gstest.EXIT["usage"] and "auto, always or never" in err, "--color=sometimes is refused", err)

        rc, shown = run_in_pty(["-p", pid, "--dump-types", "--debug-hold", "1.5"], stdout_pty=False)
        r.check(rc == 0 and "gcscope: capturing the process..." in shown and shown.endswith("\r\x1b[K"),
                "a capture over a second shows a progress line on a terminal, erased at the end", repr(shown[-300:]))
        r.check(b"GC-tracked objects" in run_in_pty.other and b"gcscope:" not in run_in_pty.other,
                "the report on stdout has no progress in it", run_in_pty.other[-300:])
        rc, shown = run_in_pty(["-p", pid, "--dump-types", "--json", "--debug-hold", "1.5"], stdout_pty=False)
        r.check(rc == 0 and shown == "", "with --json no progress line", repr(shown[:300]))
        rc, out, err = gstest.run_gcscope(["-p", pid, "--dump-types", "--debug-hold", "1.5"])
        r.check(rc == 0 and err == "", "stderr not a terminal: no progress line", repr(err[:300]))


def main():
    gstest.require_gcscope()
    r = gstest.Results("conventions")

    rc, out, err = gstest.run_gcscope(["--help"])
    long_lines = [l for l in out.splitlines() if len(l) > 79]
    r.check(rc == 0 and out.count("\n") > 20 and not long_lines, "--help fits 80 columns", long_lines)

    # A message longer than a line: "nothing to inspect: give -p PID, ...".
    rc, out, err = gstest.run_gcscope([])
    lines = err.strip().splitlines()
    r.check(rc == gstest.EXIT["usage"] and len(lines) == 1 and len(lines[0]) > 80,
            "to a pipe, a long error is one line (exit 2)", err)
    rc, shown = run_in_pty([])
    tlines = shown.strip().splitlines()
    r.check(rc == gstest.EXIT["usage"] and len(tlines) > 1 and all(len(l) <= 79 for l in tlines)
            and all(l.startswith(" " * 9) for l in tlines[1:]) and tlines[0].startswith("gcscope: "),
            "at a terminal, it wraps within 80 columns, continuation indented", tlines)
    r.check(" ".join(l.strip() for l in tlines) == lines[0], "the wrapped message says the same words", tlines)

    pys = gstest.pythons()
    if pys:
        colour_and_progress(r, pys[-1][1])
        gstest.require_ptrace()
        with gstest.start_target(pys[-1][1], None,
                                 code="import os, time\nopen(os.environ['GSTEST_READY'], 'w').close()\ntime.sleep(600)"
                                 ) as target:
            rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--dump-types", "-o", "-"])
            r.check(rc == 0 and "GC-tracked objects" in out and not os.path.exists("-"),
                    "-o - writes the report to standard output", err)
            rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--dump-types", "--json", "-o", "-"])
            r.check(rc == 0 and gstest.parse_json(out).get("pid") == target.pid, "-o - with --json", err)
    else:
        r.skip("-o -", "no CPython here")
    r.finish()


if __name__ == "__main__":
    main()
