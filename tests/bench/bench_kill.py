"""bench_kill: kill gcscope at random moments; the target must run on.

The measurable goal of docs/reliability.md: 0 targets left stopped or traced
over many trials. Each trial starts a real capture (`gcscope -p PID
--dump-types`, a quarter of them with --debug-hold so that the kill often
lands while the target is held) against one long-lived target with a few
threads and a heap big enough that the capture takes a while, sends SIGINT,
SIGTERM or SIGKILL in turn after a random delay, and then checks through
/proc/PID/task/*/status that every thread is untraced (TracerPid 0) and
not stopped, within one second; after SIGINT/SIGTERM gcscope itself must
have exited within a second, with exit 9, a finished run, or death by the
signal when it came before the handlers were installed. It prints the
counts, and exits 1 when any trial failed.

    python3 tests/bench/bench_kill.py [--trials 1000] [--python PY] [--seed N]

CI runs a few hundred (tests/sanitize.sh runs attach_safety under the
sanitizers; .ci/run runs this with --trials 300).
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

TARGET = """
import os, threading
KEEP = [[{'k': i, 'v': [i] * 4} for i in range(200)] for j in range(1500)]
stop = threading.Event()
for _ in range(4):
    threading.Thread(target=stop.wait, daemon=True).start()
tmp = os.environ['GSTEST_READY'] + '.tmp'
open(tmp, 'w').write(str(os.getpid()))
os.replace(tmp, os.environ['GSTEST_READY'])
stop.wait()
"""


def problems(pid):
    return ["tid %d state %s tracer %d" % t for t in gstest.task_states(pid) if t[1] in "tT" or t[2] != 0]


def trial(target, sig, delay, hold):
    args = [gstest.gcscope_path(), "-p", str(target.pid), "--dump-types"] + (["--debug-hold", "2"] if hold else [])
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(args, stdout=null, stderr=subprocess.PIPE)
    time.sleep(delay)
    sent = time.monotonic()
    fails = []
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
        fails.append("gcscope still running 10 s after %s" % sig.name)
    took = time.monotonic() - sent
    said = proc.stderr.read().decode("utf-8", "replace").strip()[-160:]
    proc.stderr.close()
    if sig != signal.SIGKILL and took > 1.0:
        fails.append("gcscope took %.2f s to exit after %s (sent at %.2f s; it said: %s)" % (took, sig.name, delay, said))
    # -sig: the signal came before gcscope installed its handlers (start-up,
    # nothing seized yet), so the default action ended it.
    if sig != signal.SIGKILL and rc not in (0, gstest.EXIT["interrupted"], -sig):
        fails.append("gcscope exited %s after %s" % (rc, sig.name))
    deadline = time.monotonic() + 1.0
    bad = problems(target.pid)
    while bad and time.monotonic() < deadline:
        time.sleep(0.01)
        bad = problems(target.pid)
    if bad:
        fails.append("target left: " + ", ".join(bad))
    if not target.alive():
        fails.append("target died")
    return fails


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--trials", type=int, default=1000)
    p.add_argument("--python", default=None)
    p.add_argument("--seed", type=int, default=int(time.time()))
    p.add_argument("--window", type=float, default=0.6, help="kill within this many seconds of the start")
    a = p.parse_args()
    python = a.python or gstest.newest_python()
    rng = random.Random(a.seed)
    sigs = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    counts = {s.name: [0, 0] for s in sigs}
    held = [0, 0]
    t0 = time.monotonic()
    with gstest.start_target(python, None, code=TARGET) as target:
        for i in range(a.trials):
            sig = sigs[i % 3]
            hold = i % 4 == 3
            fails = trial(target, sig, rng.uniform(0, a.window), hold)
            counts[sig.name][bool(fails)] += 1
            held[bool(fails)] += hold
            if fails:
                print("trial %d (%s%s): %s" % (i, sig.name, ", held" if hold else "", "; ".join(fails)), flush=True)
            if not target.alive():
                break
    total_bad = sum(c[1] for c in counts.values())
    print("bench_kill: %s, seed %d, %.0f s" % (python, a.seed, time.monotonic() - t0))
    for name, (good, bad) in counts.items():
        print("  %-8s %5d trials, %d failed" % (name, good + bad, bad))
    print("  held     %5d trials, %d failed" % (held[0] + held[1], held[1]))
    print("bench_kill: %d trials, %d left a target stopped or traced or failed otherwise" % (
        sum(sum(c) for c in counts.values()), total_bad))
    sys.exit(1 if total_bad else 0)


if __name__ == "__main__":
    main()
