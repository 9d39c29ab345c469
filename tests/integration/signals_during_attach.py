#!/usr/bin/env python3
"""signals_during_attach: signals sent during a capture are delivered once.

Scenario 3 of docs/reliability.md. Each round (SIGNALS_ROUNDS, default 10)
runs the attacher with a short hold while this script sends the target, at
random moments that fall in the attach or in the hold: one SIGUSR1, three
SIGRTMIN+1 (real-time signals queue, so each instance must arrive), and a
SIGSTOP quickly followed by SIGCONT. Then: the attacher exited on its own
(no hang), every thread is untraced and running, and the target's own count
of deliveries (one wakeup-fd byte per delivery) equals what was sent: fewer
is a swallowed signal, more a duplicated one. Every third round the attacher
is killed with SIGKILL right after the signals instead (the kernel then lets
the target go, and must not lose them either).
"""

import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import procutil  # noqa: E402

HOLD = 0.3
RT = signal.SIGRTMIN + 1


def counts_match(target, expected, timeout=2.0):
    """Poll the target's counts until they match expected; returns the last
    counts and a failure message or None. More than expected fails at once."""
    deadline = time.monotonic() + timeout
    while True:
        got = target.ask_counts()
        if got is None:
            return None, "the target does not answer SIGUSR2"
        diff = []
        for sig, n in expected.items():
            if got.get(int(sig), 0) > n:
                return got, "signal %d delivered %d times, sent %d (duplicated)" % (sig, got.get(int(sig), 0), n)
            if got.get(int(sig), 0) != n:
                diff.append("signal %d delivered %d times, sent %d" % (sig, got.get(int(sig), 0), n))
        if not diff:
            return got, None
        if time.monotonic() >= deadline:
            return got, "; ".join(diff) + " (swallowed)"
        time.sleep(0.02)


def one_round(target, i, rng, expected, kill_attacher):
    failures = []
    proc = subprocess.Popen(procutil.attach_argv(target.pid, HOLD), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        # Random moments in [0, 0.2] s: the attach, or the hold.
        plan = sorted([(rng.uniform(0, 0.2), "usr1"), (rng.uniform(0, 0.2), "rt"),
                       (rng.uniform(0, 0.2), "stopcont")])
        t0 = time.monotonic()
        for at, what in plan:
            time.sleep(max(0.0, t0 + at - time.monotonic()))
            if what == "usr1":
                os.kill(target.pid, signal.SIGUSR1)
                expected[signal.SIGUSR1] += 1
            elif what == "rt":
                for _ in range(3):
                    os.kill(target.pid, RT)
                    expected[RT] += 1
            else:
                os.kill(target.pid, signal.SIGSTOP)
                time.sleep(rng.uniform(0, 0.02))
                os.kill(target.pid, signal.SIGCONT)
        if kill_attacher:
            proc.kill()
        try:
            proc.wait(timeout=HOLD + 10)
        except subprocess.TimeoutExpired:
            failures.append("attacher hung (still running %.0f s after the hold)" % (HOLD + 10))
    finally:
        procutil.kill_quietly(proc)
        out, err = proc.communicate()
    if proc.returncode not in (0, None) and not kill_attacher and not failures:
        failures.append("attacher exited %s: %s %s" % (proc.returncode, out.strip(), err.strip()))
    bad = procutil.wait_clean(target.pid, 1.0)
    if bad:
        failures.append("target not released: %s" % "; ".join(bad))
        os.kill(target.pid, signal.SIGCONT)  # so that the next round starts clean
    got, why = counts_match(target, expected)
    if why:
        failures.append(why)
        # Resynchronise with what arrived, so one failure is reported once.
        if got:
            for sig in expected:
                expected[sig] = got.get(int(sig), 0)
    if failures:
        print("round %d (plan %s%s): FAIL\n  %s" % (
            i, ", ".join("%s@%.3f" % (w, a) for a, w in plan), ", then SIGKILL" if kill_attacher else "",
            "\n  ".join(failures)))
    return failures


def test():
    procutil.check_attacher()
    rounds = procutil.env_int("SIGNALS_ROUNDS", 10)
    seed = procutil.env_int("SIGNALS_SEED", int(time.time()))
    rng = random.Random(seed)
    passed = failed = 0
    with procutil.Target(args=(3,)) as target:
        procutil.preflight(target.pid)
        expected = {signal.SIGUSR1: 0, RT: 0}
        for i in range(rounds):
            if one_round(target, i, rng, expected, kill_attacher=(i % 3 == 2)):
                failed += 1
            else:
                passed += 1
            if not target.alive():
                print("target died (status %s)" % target.proc.returncode)
                failed += rounds - i - 1
                break
        got = target.ask_counts() or {}
        print("seed %d; sent SIGUSR1 x%d, SIGRTMIN+1 x%d; target counted %d and %d" % (
            seed, expected[signal.SIGUSR1], expected[RT], got.get(int(signal.SIGUSR1), 0), got.get(int(RT), 0)))
    print("signals_during_attach: %d passed, %d failed" % (passed, failed))
    return failed == 0


if __name__ == "__main__":
    procutil.main(test)
