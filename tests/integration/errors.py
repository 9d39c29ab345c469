"""errors: every error path gives its exit code and one clear line.

Each case checks the exit code, that stderr is exactly one line starting
"gcscope: ", and that the line names the cause (a keyword). A case with a
target also checks that the target is running and untraced afterwards: an
error must never leave a process stopped or traced.
"""

import os
import re
import subprocess
import sys
import time
import traceback

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

EXIT = gstest.EXIT

# Old Pythons: write the ready file, then sleep (valid 2.7 and 3.x code).
SLEEPER_CODE = "import os, time; open(os.environ['GSTEST_READY'], 'w').close(); time.sleep(600)"
EXITED_WORDS = r"exit|gone|no such process|zombie|terminated|died|vanished|killed|not exist"


def expect_error(args, code, keyword, timeout=30, prefix=(), pid=None):
    """Run gcscope, assert the exit code, the one-line message and the
    keyword (a regex, case-insensitive); then, for a pid, that it runs on
    untraced. Returns the message line."""
    rc, out, err = gstest.run_gcscope(args, timeout=timeout, prefix=prefix)
    assert rc == code, "exit %s, want %d; stderr: %r" % (rc, code, err.strip()[:500])
    line = gstest.error_line(err)
    assert re.search(keyword, line, re.I), "message %r lacks /%s/" % (line, keyword)
    assert out.strip() == "", "stdout should be empty on error: %r" % out[:300]
    if pid is not None:
        gstest.assert_running_untraced(pid)
    return line


def usage_cases(r, python):
    """Bad command lines: rejected before anything is attached."""
    target = gstest.start_target(python, "heap_target.py")
    try:
        pid = str(target.pid)
        cases = [
            ("unknown option", ["--bogus-option", "-p", pid, "--dump-types"], r"bogus"),
            # The message must say a value is missing, not call -p unknown.
            ("-p without a number", ["--dump-types", "-p"], r"needs|value|requires|missing|argument"),
            ("-p not a number", ["--dump-types", "-p", "abc"], r"abc|-p|pid|number"),
            ("-p 0", ["--dump-types", "-p", "0"], r"pid|-p|0"),
            ("-p negative", ["--dump-types", "-p", "-5"], r"pid|-p|-5|option"),
            ("two sources", ["-p", pid, "--dump-types", "--", "/bin/true"],
             r"pid|-p|program|source|both|one|--"),
            ("no source", ["--dump-types"], r"pid|-p|program|source|--"),
        ]
        for name, args, keyword in cases:
            with r.case("usage: %s -> exit 2" % name):
                expect_error(args, EXIT["usage"], keyword, pid=target.pid)
    finally:
        target.stop()


def no_such_process(r):
    with r.case("no such process -> exit 3"):
        pid = gstest.unused_pid()
        expect_error(["-p", pid, "--dump-types"], EXIT["no_process"],
                     r"no such process|not exist|not found|%d" % pid)


def not_python(r):
    """A C program (make check builds tests/targets/sleeper), else sleep(1)."""
    sleeper = gstest.builddir_file("tests/targets/sleeper")
    cmd = [sleeper] if sleeper else ["sleep", "60"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(0.2)  # let it exec and block
        with r.case("not a Python process (%s) -> exit 5" % os.path.basename(cmd[0])):
            expect_error(["-p", proc.pid, "--dump-types"], EXIT["not_python"], r"python",
                         pid=proc.pid)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def unsupported_versions(r):
    """Python 3.7 and 2.7 from pyenv: recognised as Python, refused by version."""
    for version in ("3.7", "2.7"):
        python = gstest.pyenv_python(version)
        what = "unsupported Python %s -> exit 6" % version
        if not python:
            r.skip(what, "no pyenv Python %s" % version)
            continue
        with r.case(what):
            target = gstest.start_target(python, None, code=SLEEPER_CODE, label=version)
            try:
                expect_error(["-p", target.pid, "--dump-types"], EXIT["unsupported"],
                             r"unsupported|version|%s" % re.escape(version), pid=target.pid)
            finally:
                target.stop()


def exited_zombie(r, python):
    """A target that has exited but was not reaped yet (a zombie): gcscope
    must say it exited (3 or 7), not blame permissions or the Python."""
    with r.case("target already exited (zombie) -> exit 3 or 7"):
        proc = subprocess.Popen([python, "-c", "pass"], stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while not any(s == "Z" for _, s, _ in gstest.task_states(proc.pid)):
                assert time.monotonic() < deadline, "the short-lived target did not exit"
                time.sleep(0.01)
            rc, out, err = gstest.run_gcscope(["-p", proc.pid, "--dump-types"], timeout=30)
            assert rc in (EXIT["no_process"], EXIT["exited"]), "exit %s; stderr %r" % (rc, err.strip())
            line = gstest.error_line(err)
            assert re.search(EXITED_WORDS, line, re.I), "message %r does not say it exited" % line
        finally:
            proc.kill()
            proc.wait(timeout=10)


KILL_DELAYS = (0, 0, 0.01, 0.03, 0.06, 0.1)  # seconds after gcscope attached


def killed_mid_capture(r, python):
    """A target killed while gcscope holds it: exit 7 (3 if gcscope saw it
    gone first) with a message that says so; 0 only if the capture was
    already complete. Never a crash, never a hang. The target is big
    (scale 20) so the capture lasts long enough to be hit; the kill comes at
    several delays after the attach, and at least one must land mid-capture."""
    what = "target killed during capture -> exit 7 (or 3), never a crash"
    caught, outcomes = 0, []
    for trial, delay in enumerate(KILL_DELAYS, 1):
        rc, err = kill_during_capture(python, delay)
        outcomes.append("%gs: rc %s" % (delay, rc))
        if rc == 0:
            continue
        with r.case("%s (trial %d: kill %g s after attach)" % (what, trial, delay)):
            assert rc in (EXIT["exited"], EXIT["no_process"]), "exit %s; stderr %r" % (rc, err.strip())
            line = gstest.error_line(err)
            assert re.search(EXITED_WORDS, line, re.I), "message %r does not say it exited" % line
        caught += 1
    r.check(caught > 0, "a kill landed mid-capture", "; ".join(outcomes))


def kill_during_capture(python, delay):
    """Start a target, start gcscope on it, SIGKILL the target `delay`
    seconds after gcscope attached; (gcscope's rc, its stderr)."""
    target = gstest.start_target(python, "heap_target.py", ["--scale", "20"], ready_timeout=120)
    try:
        proc = subprocess.Popen([gstest.gcscope_path(), "-p", str(target.pid), "--dump-types",
                                 "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            if wait_traced(target.pid, proc, timeout=20):
                time.sleep(delay)
            target.proc.kill()
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        return proc.returncode, err.decode("utf-8", "replace")
    finally:
        target.stop()


def wait_traced(pid, proc, timeout):
    """Poll until some thread of pid has a tracer (gcscope attached), or
    gcscope exited, or timeout. True if it was seen traced."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if any(tracer > 0 for _, _, tracer in gstest.task_states(pid)):
            return True
        time.sleep(0.0005)
    return False


def permission_denied(r, python):
    """gcscope as user nobody against a root-owned Python: exit 4, the
    message names the cause, the target untouched."""
    what = "permission denied (nobody vs root) -> exit 4"
    if os.geteuid() != 0:
        r.skip(what, "not root")
        return
    setpriv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        probe = subprocess.run(setpriv + ["test", "-x", gstest.gcscope_path()], timeout=10)
    except (OSError, subprocess.SubprocessError) as e:
        r.skip(what, "setpriv unusable: %s" % e)
        return
    if probe.returncode != 0:
        r.skip(what, "user nobody cannot run %s" % gstest.gcscope_path())
        return
    target = gstest.start_target(python, "heap_target.py")
    try:
        with r.case(what):
            expect_error(["-p", target.pid, "--dump-types"], EXIT["permission"],
                         r"user|uid|owner|owned|root|CAP_SYS_PTRACE|ptrace_scope",
                         prefix=setpriv, pid=target.pid)
    finally:
        target.stop()


def spawn_failures(r):
    """Spawn mode with a program that cannot start: exit 15, message names it."""
    with r.case("spawn of a missing program -> exit 15"):
        expect_error(["--dump-types", "--", "/nonexistent/gcscope-no-such-program"], EXIT["spawn"],
                     r"gcscope-no-such-program|no such file|not found")
    with r.case("spawn of a non-executable file -> exit 15"):
        expect_error(["--dump-types", "--", "/etc/passwd"], EXIT["spawn"],
                     r"passwd|permission|executable|exec")


def main():
    gstest.require_gcscope()
    r = gstest.Results("errors")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ found")
    python = gstest.newest_python() or pys[-1][1]
    groups = [
        lambda: usage_cases(r, python),
        lambda: no_such_process(r),
        lambda: not_python(r),
        lambda: unsupported_versions(r),
        lambda: exited_zombie(r, python),
        lambda: killed_mid_capture(r, python),
        lambda: permission_denied(r, python),
        lambda: spawn_failures(r),
    ]
    for group in groups:
        try:
            group()
        except Exception:  # e.g. a target that did not start: fail, go on
            r.check(False, "case group crashed", traceback.format_exc())
    r.finish()


if __name__ == "__main__":
    main()
