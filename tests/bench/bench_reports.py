"""bench_reports: every report on a saved snapshot, against loading it.

    python3 tests/bench/bench_reports.py [--gcscope ./gcscope] [--repeat 5] SNAPSHOT

Runs `gcscope SNAPSHOT REPORT --json` for every report --help lists that
needs nothing but the snapshot (--path, --referrers and --diff need an
argument and are left out), --repeat times each, interleaved, and prints
per report the median and the fastest wall time, the median CPU time
(user + system, all threads), and both against the load: --dump-memory,
the cheapest report (a load of the file, its checksums and index checks,
and a few lines of output). The fastest run is the one the neighbours on a
shared machine disturbed least; the load average is printed beside.

Goal (issue 15): every report within 2x of the load on a 10-million-object
snapshot. Make one as bench_first_screen.py says (heap_target.py --scale 570,
then --save: the file then carries the analyses, which the reports read).
Not part of make check: it needs a big snapshot.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
import gstest  # noqa: E402

LOAD = "--dump-memory"
GOAL = 2.0


def reports(gcscope):
    """The reports --help lists that take no value."""
    out = subprocess.run([gcscope, "--help"], stdout=subprocess.PIPE, universal_newlines=True).stdout
    section = out.split("Reports:\n", 1)[1].split("\n\n", 1)[0]
    return [("--" + opt) for opt, arg in re.findall(r"^      --([a-z-]+)(?: ([A-Z]+))?", section, re.M)
            if not arg and opt.startswith("dump-")]


def one(gcscope, snapshot, report, timeout):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    r = subprocess.run([gcscope, snapshot, report, "--json"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       timeout=timeout, universal_newlines=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):  # 1: a report that found something (none today)
        raise SystemExit("gcscope %s %s failed (%d): %s" % (snapshot, report, r.returncode, r.stderr.strip()))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def load_average():
    with open("/proc/loadavg", encoding="ascii") as f:
        return float(f.read().split()[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("snapshot")
    p.add_argument("--gcscope", default=None, help="the binary (default $GCSCOPE or the tree's)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--skip", action="append", default=[], metavar="REPORT",
                   help="leave a report out (repeatable), e.g. --skip --dump-graph: it writes every object and "
                        "reference (3.7 GB of JSON at 10M objects), so it measures the writing")
    a = p.parse_args()
    gcscope = os.path.abspath(a.gcscope) if a.gcscope else gstest.gcscope_path()
    names = [n for n in reports(gcscope) if n not in a.skip]
    one(gcscope, a.snapshot, LOAD, a.timeout)  # the file into the page cache
    runs = {n: [] for n in names}
    loads = []
    for _ in range(max(1, a.repeat)):
        for n in names:
            runs[n].append(one(gcscope, a.snapshot, n, a.timeout))
        loads.append(load_average())
    base_med = statistics.median(w for w, _ in runs[LOAD])
    base_min = min(w for w, _ in runs[LOAD])
    base_cpu = statistics.median(c for _, c in runs[LOAD])
    print("%-28s %8s %6s %8s %6s %8s %6s" % ("report", "median", "x", "fastest", "x", "cpu", "x"))
    worst = 0.0
    for n in names:
        med = statistics.median(w for w, _ in runs[n])
        fast = min(w for w, _ in runs[n])
        cpu = statistics.median(c for _, c in runs[n])
        worst = max(worst, fast / base_min)
        print("%-28s %7.2fs %5.2fx %7.2fs %5.2fx %7.2fs %5.2fx" % (n, med, med / base_med, fast, fast / base_min,
                                                                   cpu, cpu / base_cpu))
    print("\nload (%s): median %.2f s, fastest %.2f s; worst report x%.2f of the load by the fastest runs "
          "(goal <= %.1f); load average %.1f-%.1f over %d rounds"
          % (LOAD, base_med, base_min, worst, GOAL, min(loads), max(loads), len(loads)))


if __name__ == "__main__":
    main()
