#!/usr/bin/env python3
"""attach_safety: kill the attacher at a random moment, the target runs on.

Scenarios 4 and 5 of docs/reliability.md. N times (ATTACH_SAFETY_TRIALS,
default 30): start the attacher with a hold, send it SIGINT, SIGTERM or
SIGKILL in turn after random.uniform(0, 0.3) s; then every thread of the
target must be untraced (TracerPid 0) and not stopped (State not T/t) within
1 s, and after SIGINT/SIGTERM the attacher must have exited within 1 s.
ATTACH_SAFETY_SEED fixes the random moments, ATTACH_SAFETY_WINDOW the 0.3 s.
"""

import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import procutil  # noqa: E402

HOLD = 2.0           # longer than the latest kill, so it lands in the attach or the hold
KILL_WINDOW = float(os.environ.get("ATTACH_SAFETY_WINDOW", "0.3"))
EXIT_LIMIT = 1.0


def trial(target, i, sig, rng):
    """One kill; returns a list of failure messages."""
    failures = []
    delay = rng.uniform(0, KILL_WINDOW)
    proc = subprocess.Popen(procutil.attach_argv(target.pid, HOLD), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(sig)
        try:
            proc.wait(timeout=EXIT_LIMIT if sig != signal.SIGKILL else 10)
        except subprocess.TimeoutExpired:
            failures.append("attacher still running %.1f s after %s" % (EXIT_LIMIT, sig.name))
            procutil.kill_quietly(proc)
        took = time.monotonic() - sent
        if sig != signal.SIGKILL and took > EXIT_LIMIT:
            failures.append("attacher took %.2f s to exit after %s" % (took, sig.name))
        bad = procutil.wait_clean(target.pid, 1.0)
        if bad:
            failures.append("after %s at %.3f s: %s" % (sig.name, delay, "; ".join(bad)))
        if not target.alive():
            failures.append("target died (status %s)" % target.proc.returncode)
    finally:
        procutil.kill_quietly(proc)
        out, err = proc.communicate()
    if failures:
        print("trial %d (%s at %.3f s, exit %s): FAIL\n  %s\n  attacher said: %s %s" % (
            i, sig.name, delay, proc.returncode, "\n  ".join(failures), out.strip(), err.strip()))
    return failures


def test():
    procutil.check_attacher()
    trials = procutil.env_int("ATTACH_SAFETY_TRIALS", 30)
    seed = procutil.env_int("ATTACH_SAFETY_SEED", int(time.time()))
    rng = random.Random(seed)
    sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    passed = failed = 0
    t0 = time.monotonic()
    with procutil.Target(args=(4,)) as target:
        procutil.preflight(target.pid)
        for i in range(trials):
            if trial(target, i, sigs[i % 3], rng):
                failed += 1
                if not target.alive():
                    break
            else:
                passed += 1
    print("seed %d, %.1f s" % (seed, time.monotonic() - t0))
    print("attach_safety: %d passed, %d failed" % (passed, failed))
    return failed == 0 and passed == trials


if __name__ == "__main__":
    procutil.main(test)
