"""conventions: what a person expects of a command-line tool.

--help fits an 80-column terminal (no line past column 79); an error message
is one line when stderr is a file or a pipe (scripts read it) and, at a
terminal, wraps at word boundaries within 80 columns with its continuation
indented under the text; `-o -` writes the report to standard output; the
exit codes stay those of docs/exit-codes.md.
"""

import os
import pty
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402


def run_in_pty(args, timeout=30):
    """Run gcscope with stderr (and stdout) on a terminal; its output and exit code."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([gstest.gcscope_path()] + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
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
    return proc.wait(timeout=10), out.decode("utf-8", "replace").replace("\r\n", "\n")


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
