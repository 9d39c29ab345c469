"""runbooks: contrib/runbooks/*.sh, run against the demo service and a
healthy Python.

Each runbook's --demo mode starts contrib/demo/leaky_service.py, which has
exactly the problem the runbook is for, so each must exit 1 ("found"),
having run every step and printed its verdict; afterwards the demo must be
gone and the runbook's temporary files removed. Against a quiet Python with
its collector on and few descriptors, each must exit 0 and leave the process
running untraced. Bad arguments exit 2. Every run is bounded.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or gstest.SRCDIR
RUNBOOKS = os.path.join(SRCDIR, "contrib", "runbooks")
QUIET_CODE = "import os, time; open(os.environ['GSTEST_READY'], 'w').close(); time.sleep(600)"

# Per runbook: what its demo run must print (regexes, in order).
DEMO_OUTPUT = {
    "memory-growth.sh": [
        r"demo: leaky_service.py running as process \d+",
        r"==> 1\. First snapshot",
        r"\$ gcscope -p \d+ --save \S+before.snapshot --dump-types",
        r"==> 4\. What grew",
        r"\$ gcscope \S+after.snapshot --diff \S+before.snapshot",
        r"__main__\.Request",
        r"==> 5\. What keeps the memory alive",
        r"==> 6\. Likely leaks",
        r"==> 7\. Verdict",
        r"check failed: bytes < \d+: bytes is \d+",
        r"the heap grew by \d+ bytes in \d+ s",
    ],
    "out-of-fds.sh": [
        r"demo: leaky_service.py running as process \d+, \d+ descriptors open",
        r"==> 1\. Descriptors in use",
        r"\d+ descriptors open, limit 256 \(soft; \d+% used\)",
        r"==> 2\. One snapshot",
        r"\d+ descriptors: \d+ open Python file objects, \d+ open Python sockets",
        r"==> 3\. Every descriptor with its owner",
        r"\$ gcscope \S+ --dump-resources",
        r"==> 5\. Verdict",
        r"check failed: fds < 128: fds is \d+",
        r"more than 50% of the descriptor limit is in use",
    ],
    "cyclic-garbage.sh": [
        r"demo: leaky_service.py running as process \d+, its collector off",
        r"==> 1\. One snapshot",
        r"check failed: gc_enabled: gc_enabled is 0",
        r"collector: DISABLED",
        r"cyclic garbage: \d+ objects, \d+ bytes, in \d+ of the \d+ reference cycles",
        r"==> 3\. The garbage cycles",
        r"Session",
        r"==> 4\. Verdict",
        r"the collector is disabled",
    ],
    "memory-not-returned.sh": [
        r"demo: leaky_service.py running as process \d+ under tracemalloc",
        r"==> 1\. Where the resident memory",
        r"\$ gcscope -p \d+ --save \S+before.snapshot --dump-memory",
        r"^  unexplained +\S+ \S+ +[\d.]+%$",
        r"==> 2\. pymalloc's arenas",
        r"^\d+ arenas \([\d.]+ MiB\) kept from the system",
        r"pinned by (tuple|float|int)@0x",
        r"==> 3\. Which lines allocated",
        r"leaky_service\.py:\d+: size=",
        r"==> 4\. Waiting \d+ s",
        r"Allocation lines that changed most",
        r"leaky_service\.py:\d+: size=\S+ \S+ \(\+",
        r"==> 5\. Verdict",
        r"check failed: fragmented_bytes < \d+",
        r"memory not returned to the system",
        r"check failed: traced_bytes < \d+",
        r"the traced memory grew by \d+ bytes",
    ],
}

QUIET_ARGS = {
    "memory-growth.sh": ["--interval", "1"],
    "out-of-fds.sh": [],
    "cyclic-garbage.sh": [],
    "memory-not-returned.sh": ["--interval", "1"],
}


def run_runbook(name, args, env, timeout=300):
    """(rc, stdout+stderr) of one runbook, killed with its demo on timeout."""
    path = os.path.join(RUNBOOKS, name)
    assert os.access(path, os.X_OK), "%s is not executable" % path
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([path] + args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            rc = None
        out.seek(0)
        return rc, out.read().decode("utf-8", "replace")


def expect_in_order(text, patterns):
    pos = 0
    for pat in patterns:
        m = re.compile(pat, re.M).search(text, pos)
        assert m, "output lacks /%s/ after offset %d; output:\n%s" % (pat, pos, text[-3000:])
        pos = m.end()


def demo_case(r, name, env, tmpdir):
    with r.case("%s --demo: finds the problem (exit 1), every step, verdict" % name):
        rc, text = run_runbook(name, ["--demo"], env)
        assert rc == 1, "exit %s, want 1; output:\n%s" % (rc, text[-3000:])
        expect_in_order(text, DEMO_OUTPUT[name])
        m = re.search(r"demo: leaky_service.py running as process (\d+)", text)
        assert m and gstest.wait_gone(int(m.group(1)), within=5), "the demo service is still running"
        left = os.listdir(tmpdir)
        assert not left, "temporary files left: %s" % left


def quiet_case(r, name, env, python, tmpdir):
    with r.case("%s PID on a quiet Python: nothing found (exit 0)" % name):
        target = gstest.start_target(python, None, code=QUIET_CODE)
        with target:
            rc, text = run_runbook(name, QUIET_ARGS[name] + [str(target.pid)], env)
            assert rc == 0, "exit %s, want 0; output:\n%s" % (rc, text[-3000:])
            assert "==> " in text and "Verdict" in text, text[-2000:]
            gstest.assert_running_untraced(target.pid)
        assert not os.listdir(tmpdir), "temporary files left: %s" % os.listdir(tmpdir)


def usage_cases(r, name, env):
    for args in ([], ["--bogus"], ["1", "2"], ["--demo", "1"]):
        with r.case("%s %s: exit 2" % (name, " ".join(args) or "(no arguments)")):
            rc, text = run_runbook(name, args, env, timeout=30)
            assert rc == 2 and "usage" in text, (rc, text[:300])


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("runbooks")
    python = gstest.newest_python()
    if not python:
        gstest.skip("no CPython 3.8+ on this machine")
    if not shutil.which("bash"):
        gstest.skip("bash is not installed")
    tmpdir = tempfile.mkdtemp(prefix="gstest-runbooks-")
    env = dict(os.environ, GCSCOPE=gstest.gcscope_path(), PYTHON=python, TMPDIR=tmpdir)
    env.pop("PYTHONPATH", None)
    try:
        for name in sorted(DEMO_OUTPUT):
            usage_cases(r, name, env)
            demo_case(r, name, env, tmpdir)
            quiet_case(r, name, env, python, tmpdir)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
