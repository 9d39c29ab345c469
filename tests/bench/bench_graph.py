"""bench_graph: the graph and the reports at 1M, 3M and 10M GC objects.

For each size, heap_target.py builds the heap (Leaky objects owning a dict
and a list), then gcscope captures it once with --bench-floor and --save:
  pause     the target's stop, against the floor (a bare bulk copy of its
            anonymous writable memory, measured in the same stop)
  ready     capture + graph build: start to a snapshot in memory
  rss       gcscope's peak RSS for that run; bytes/object from the saved
            snapshot file (the in-memory snapshot has the same arrays)
Then every report runs on the saved file, timed with its peak RSS, against
loading the file alone (--dump-types on the file is the baseline: a load plus
one linear pass).

Goals (issues 3 and 4): pause <= 2x floor; a ready graph of 10M objects in
20 s; cost linear in the heap; every report within 2x the load and 1.5x the
snapshot's memory. Not part of make check (minutes, GBs): run by hand,
  python3 tests/bench/bench_graph.py --sizes 1,3,10
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import gstest  # noqa: E402
from bench_pause import run_measured  # noqa: E402

REPORTS = ["--dump-types", "--dump-cycles", "--dump-retained", "--dump-suspects", "--dump-external"]


def scale_for(millions, per_scale):
    return max(1, int(round(millions * 1e6 / per_scale)))


def capture(target, snap, timeout):
    cmd = [gstest.gcscope_path(), "-p", str(target.pid), "--dump-types", "--json", "--bench-floor", "--save", snap]
    t0 = time.monotonic()
    rc, out, err, rss = run_measured(cmd, timeout)
    wall = time.monotonic() - t0
    if rc != 0:
        raise SystemExit("capture failed (exit %s): %s" % (rc, err.strip()[:300]))
    rep = json.loads(out)
    return {
        "objects": rep["graph"]["objects"], "tracked": rep["objects"], "pause_ms": rep["pause_ms"], "floor_ms": rep["floor_ms"],
        "ready_ms": rep["capture_ms"] + rep["build_ms"], "wall_s": wall, "rss_mib": rss / 1024.0,
        "file_bytes": os.path.getsize(snap),
    }


def report_times(snap, timeout):
    rows = {}
    for rep in REPORTS:
        t0 = time.monotonic()
        rc, out, err, rss = run_measured([gstest.gcscope_path(), snap, rep, "--json"], timeout)
        rows[rep] = (time.monotonic() - t0, rss / 1024.0, rc, err.strip()[:200])
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", default=None, help="target interpreter (default: the newest)")
    p.add_argument("--gcscope", default=None, help="the binary (default $GCSCOPE or the tree's)")
    p.add_argument("--sizes", default="1,3,10", help="millions of GC objects, comma-separated")
    p.add_argument("--timeout", type=float, default=900)
    opts = p.parse_args()
    if opts.gcscope:
        os.environ["GCSCOPE"] = opts.gcscope
    python = opts.python or gstest.newest_python()
    # How many GC objects one --scale unit makes on this Python: measure it.
    probe = gstest.start_target(python, "heap_target.py", ["--scale", "2"], ready_timeout=120)
    base = gstest.start_target(python, "heap_target.py", ["--scale", "1"], ready_timeout=120)
    per_scale = probe.oracle_data()["total"] - base.oracle_data()["total"]
    probe.stop()
    base.stop()
    print("bench_graph: %s, %d GC objects per --scale unit" % (python, per_scale), flush=True)
    table = []
    for size in [float(x) for x in opts.sizes.split(",")]:
        scale = scale_for(size, per_scale)
        t0 = time.monotonic()
        target = gstest.start_target(python, "heap_target.py", ["--scale", scale], ready_timeout=opts.timeout)
        try:
            print("  %gM: target built in %.0f s (--scale %d)" % (size, time.monotonic() - t0, scale), flush=True)
            with tempfile.TemporaryDirectory() as d:
                snap = os.path.join(d, "s.snapshot")
                row = capture(target, snap, opts.timeout)
                gstest.assert_running_untraced(target.pid)
                target.stop()
                row["reports"] = report_times(snap, opts.timeout)
        finally:
            target.stop()
        row["size"] = size
        table.append(row)
        r = row
        print("  %gM: %d objects, pause %.0f ms (floor %.0f, x%.2f), ready %.1f s, rss %.0f MiB, "
              "%.0f bytes/object on disk" % (size, r["objects"], r["pause_ms"], r["floor_ms"],
                                            r["pause_ms"] / r["floor_ms"] if r["floor_ms"] else 0,
                                            r["ready_ms"] / 1e3, r["rss_mib"], r["file_bytes"] / max(1, r["objects"])),
              flush=True)
        load_s, load_rss = r["reports"]["--dump-types"][:2]
        for rep, (secs, rss, rc, err) in r["reports"].items():
            print("      %-16s %6.2f s (x%.2f of load) %7.0f MiB (x%.2f)%s" % (
                rep, secs, secs / load_s if load_s else 0, rss, rss / load_rss if load_rss else 0,
                "" if rc == 0 else "  FAILED %s %s" % (rc, err)), flush=True)
    print("\nsize  objects     pause_ms floor_ms ratio  ready_s  rss_MiB  B/obj")
    for r in table:
        print("%-5g %-11d %8.0f %8.0f %5.2f %8.1f %8.0f %6.0f" % (
            r["size"], r["objects"], r["pause_ms"], r["floor_ms"], r["pause_ms"] / r["floor_ms"] if r["floor_ms"] else 0,
            r["ready_ms"] / 1e3, r["rss_mib"], r["file_bytes"] / max(1, r["objects"])))


if __name__ == "__main__":
    main()
