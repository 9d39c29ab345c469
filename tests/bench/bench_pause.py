"""bench_pause: how long gcscope keeps a big Python stopped, against a floor.

The target is heap_target at --scale 250: 1,000,000 Leaky instances, each
owning a dict that holds a list, about 4 million GC objects in all. gcscope
runs with --bench-floor, which also measures, in the same run and while the
target is stopped, the time to bulk-copy the target's anonymous writable
mappings with process_vm_readv: the least any capture of that heap can cost.
The goal is pause_ms <= 2 x floor_ms. Peak RSS comes from wait4() on each
gcscope run (per run, unlike RUSAGE_CHILDREN, which keeps the maximum).

Not part of make check (it takes a minute and ~1 GB); `make bench` runs it.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

GOAL_RATIO = 2.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", default=None,
                   help="target interpreter (default /usr/bin/python3.11, else the newest pyenv)")
    p.add_argument("--scale", type=int, default=250, help="heap_target --scale (250: 1M Leaky)")
    p.add_argument("--repeat", type=int, default=3, help="gcscope runs on the same target")
    p.add_argument("--gcscope", default=None, help="the binary (default $GCSCOPE or the tree's)")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per gcscope run")
    p.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    return p.parse_args()


def run_measured(cmd, timeout, cpu=None):
    """Run cmd; return (rc, stdout, stderr, peak RSS in KiB) with wait4's
    per-child rusage. Bounded: SIGKILL to its group after timeout. With a
    list as cpu, appends the child's CPU seconds (user + system) to it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        deadline = time.monotonic() + timeout
        status = usage = None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                status = None
                break
            time.sleep(0.005)
        proc.returncode = 0  # reaped by wait4: keep Popen from waiting again
        if cpu is not None:
            cpu.append(usage.ru_utime + usage.ru_stime)
        out.seek(0)
        err.seek(0)
        rc = None if status is None else (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                                          else -os.WTERMSIG(status))
        return rc, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"), \
            usage.ru_maxrss


def one_run(target, timeout):
    """One gcscope capture with the floor; a row of the table, or an error text."""
    cmd = [gstest.gcscope_path(), "-p", str(target.pid), "--dump-types", "--json", "--bench-floor"]
    rc, out, err, rss_kib = run_measured(cmd, timeout)
    try:
        gstest.assert_running_untraced(target.pid)
    except AssertionError as e:
        return None, "target left stopped or traced: %s" % e
    if rc != 0:
        return None, "gcscope exit %s: %s" % (rc, err.strip()[:300])
    try:
        rep = json.loads(out)
        row = {k: float(rep[k]) for k in ("pause_ms", "capture_ms", "total_ms", "floor_ms")}
    except (ValueError, KeyError, TypeError) as e:
        return None, "bad report (%s): %r" % (e, out[:300])
    row["objects"] = rep.get("objects")
    row["rss_mib"] = rss_kib / 1024.0
    row["ratio"] = row["pause_ms"] / row["floor_ms"] if row["floor_ms"] > 0 else float("inf")
    return row, None


def print_table(rows):
    print("%-4s %10s %10s %10s %10s %8s %9s %10s" % (
        "run", "pause_ms", "capture_ms", "total_ms", "floor_ms", "ratio", "rss_MiB", "objects"))
    for i, row in enumerate(rows, 1):
        print("%-4d %10.1f %10.1f %10.1f %10.1f %8.2f %9.1f %10s" % (
            i, row["pause_ms"], row["capture_ms"], row["total_ms"], row["floor_ms"],
            row["ratio"], row["rss_mib"], row["objects"]))


def main():
    opts = parse_args()
    if opts.gcscope:
        os.environ["GCSCOPE"] = opts.gcscope
    if not os.access(gstest.gcscope_path(), os.X_OK):
        sys.exit("bench_pause: no gcscope at %s" % gstest.gcscope_path())
    python = opts.python or gstest.newest_python()
    if not python:
        sys.exit("bench_pause: no Python found (use --python)")
    print("bench_pause: %s heap_target --scale %d, %d runs" % (python, opts.scale, opts.repeat),
          flush=True)
    started = time.monotonic()
    target = gstest.start_target(python, "heap_target.py", ["--scale", opts.scale],
                                 ready_timeout=900)
    try:
        oracle = target.oracle_data()
        print("target pid %d, Python %s, %d GC objects, built in %.1f s" % (
            target.pid, oracle["python"], oracle["total"], time.monotonic() - started), flush=True)
        rows, errors = [], []
        for _ in range(opts.repeat):
            row, error = one_run(target, opts.timeout)
            if error:
                errors.append(error)
                print("run failed: " + error, flush=True)
            else:
                rows.append(row)
    finally:
        target.stop()
    if rows:
        print_table(rows)
        ratio = statistics.median(r["ratio"] for r in rows)
        print("median pause/floor %.2f: goal (<= %.1f) %s" % (
            ratio, GOAL_RATIO, "met" if ratio <= GOAL_RATIO else "MISSED"))
    if errors or not rows:
        sys.exit(1)
    if opts.strict and ratio > GOAL_RATIO:
        sys.exit(1)


if __name__ == "__main__":
    main()
