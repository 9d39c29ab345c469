#!/usr/bin/env python3
"""stopped_target: a target stopped with SIGSTOP stays stopped.

Scenario 2 of docs/reliability.md. The target is stopped (every thread in
State T) before the capture. After a full capture, and after captures whose
attacher is interrupted (SIGINT) or killed (SIGKILL) while holding it, every
thread must be untraced and still in State T, and must not run: a SIGUSR2
sent while it is stopped stays unanswered. After SIGCONT it runs again and
answers.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import procutil  # noqa: E402


def still_stopped(target, what):
    """Failures if target is not untraced and in T, and staying there."""
    bad = procutil.wait_clean(target.pid, 1.0, want_stopped=True)
    if bad:
        return ["%s: %s" % (what, "; ".join(bad))]
    for _ in range(5):  # stays stopped, not just for an instant
        time.sleep(0.04)
        bad = procutil.problems(target.pid, want_stopped=True)
        if bad:
            return ["%s, a moment later: %s" % (what, "; ".join(bad))]
    return []


def capture(target, how):
    """Run one capture of the stopped target; `how` is None (to completion),
    or a signal sent to the attacher while it holds the target."""
    if how is None:
        rc, out, err, took = procutil.run_attacher(target.pid, 0.2)
        if rc != 0:
            return ["capture of the stopped target exited %s: %s %s" % (rc, out.strip(), err.strip())]
        info = procutil.parse_json_line(out)
        if info and "was_stopped" in info and not info["was_stopped"]:
            return ["attacher did not notice that the target was stopped: %s" % out.strip()]
        return []
    proc = subprocess.Popen(procutil.attach_argv(target.pid, 5), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    failures = []
    try:
        # Wait until it holds the target (every thread traced), then signal.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            ts = procutil.tasks(target.pid)
            if ts and all(t["TracerPid"] != 0 for t in ts.values()):
                break
            time.sleep(0.005)
        if proc.poll() is not None:
            return ["attacher exited (%s) before holding the target" % proc.returncode]
        proc.send_signal(how)
        try:
            proc.wait(timeout=1.0 if how != signal.SIGKILL else 10)
        except subprocess.TimeoutExpired:
            failures.append("attacher still running 1 s after %s" % how.name)
    finally:
        procutil.kill_quietly(proc)
        proc.communicate()
    return failures


def test():
    procutil.check_attacher()
    failures = []
    checks = 0
    with procutil.Target(args=(3,)) as target:
        procutil.preflight(target.pid)
        os.kill(target.pid, signal.SIGSTOP)
        if not procutil.wait_all_state(target.pid, "T", 2.0):
            raise RuntimeError("target did not stop: %s" % procutil.describe(target.pid))
        for how in (None, signal.SIGINT, signal.SIGKILL, None):
            name = "full capture" if how is None else "attacher %s while holding" % how.name
            f = capture(target, how)
            f += still_stopped(target, "after %s" % name)
            print("%s: %s" % (name, "FAIL" if f else "ok"))
            failures += f
            checks += 1

        # Stopped for real: a signal to it is not handled until SIGCONT.
        try:
            os.unlink(target.counts)
        except FileNotFoundError:
            pass
        os.kill(target.pid, signal.SIGUSR2)
        time.sleep(0.3)
        if os.path.exists(target.counts):
            failures.append("the target answered SIGUSR2 while it should be stopped")
        checks += 1
        os.kill(target.pid, signal.SIGCONT)
        bad = procutil.wait_clean(target.pid, 1.0)
        if bad:
            failures.append("after SIGCONT: %s" % "; ".join(bad))
        if target.ask_counts() is None:
            failures.append("the target does not answer after SIGCONT")
        else:
            print("resumed with SIGCONT: ok")
        checks += 1
    for f in failures:
        print("FAIL: %s" % f)
    print("stopped_target: %d passed, %d failed" % (checks - min(len(failures), checks), len(failures)))
    return not failures


if __name__ == "__main__":
    procutil.main(test)
