#!/usr/bin/env python3
"""thread_churn: attach while threads are created and joined in a loop.

Scenario 1 of docs/reliability.md, with tests/targets/churn_target.py. Each
round (THREAD_CHURN_ROUNDS, default 15) runs the attacher with a short hold
and, while it holds the target, watches /proc: at some moment every live
thread must be in a ptrace-stop (State t) with the same, non-zero TracerPid,
since one left running could keep creating threads. The attacher must
report more than one thread (the harness's JSON "threads"; skipped when the
attacher prints no such field). After each round every thread must be
untraced and running.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import procutil  # noqa: E402

HOLD = 0.4
TARGET = os.path.join(procutil.SRCDIR, "tests", "targets", "churn_target.py")


def all_stopped(pid):
    """(True, n) if every thread is in State t traced by one tracer."""
    ts = procutil.tasks(pid)
    tracers = {t["TracerPid"] for t in ts.values()}
    ok = bool(ts) and all(t["State"] == "t" for t in ts.values()) and len(tracers) == 1 and 0 not in tracers
    return ok, len(ts)


def one_round(target, i):
    failures = []
    seen_stopped = False
    seen_threads = 0
    last = ""
    proc = subprocess.Popen(procutil.attach_argv(target.pid, HOLD), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        deadline = time.monotonic() + HOLD + 15
        while proc.poll() is None and time.monotonic() < deadline:
            if not seen_stopped:
                ok, n = all_stopped(target.pid)
                if ok:
                    seen_stopped, seen_threads = True, n
                else:
                    last = procutil.describe(target.pid)
            time.sleep(0.003)
        if proc.poll() is None:
            failures.append("attacher hung")
    finally:
        procutil.kill_quietly(proc)
        out, err = proc.communicate()
    if proc.returncode != 0 and not failures:
        failures.append("attacher exited %s: %s %s" % (proc.returncode, out.strip(), err.strip()))
    elif not seen_stopped:
        failures.append("never saw every thread stopped while held; last: %s" % last)
    info = procutil.parse_json_line(out) or {}
    if "threads_stopped" in info:  # gcscope's name for it
        info["threads"] = info["threads_stopped"]
    if "threads" in info and info.get("status", "GS_OK") == "GS_OK" and not info["threads"] > 1:
        failures.append("attacher reports %s thread(s), expected more than 1" % info["threads"])
    bad = procutil.wait_clean(target.pid, 1.0)
    if bad:
        failures.append("target not released: %s" % "; ".join(bad))
    if failures:
        print("round %d: FAIL\n  %s" % (i, "\n  ".join(failures)))
    else:
        print("round %d: ok, %d threads stopped, attacher says %s" % (i, seen_threads, info.get("threads", "?")))
    return failures


def test():
    procutil.check_attacher()
    rounds = procutil.env_int("THREAD_CHURN_ROUNDS", 15)
    passed = failed = 0
    with procutil.Target(script=TARGET, args=(8,)) as target:
        procutil.preflight(target.pid)
        for i in range(rounds):
            if one_round(target, i):
                failed += 1
            else:
                passed += 1
            if not target.alive():
                print("target died (status %s)" % target.proc.returncode)
                failed += rounds - i - 1
                break
    print("thread_churn: %d passed, %d failed" % (passed, failed))
    return failed == 0


if __name__ == "__main__":
    procutil.main(test)
