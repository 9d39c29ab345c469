"""bench_emulation: the cost of the emulated tp_traverse on mypy's heap,
and what it buys.

mypy_target.py type-checks a copy of the stdlib's json package with the mypy
of the target interpreter (Debian's python3-mypy is compiled with mypyc:
about 100k objects of ~1000 compiled classes stay on the heap) and writes
the interpreter's own view (gc.get_referents of every tracked object).
gcscope captures the parked target --repeat times with emulation and
without (GCSCOPE_NO_EMULATION=1); with GCSCOPE_EMU_STATS it reports the
emulating thread's CPU time:
  emulated     objects whose referents came from the emulator
  total        everything the emulation cost: every traverse run once, with
               its one-time costs (translation, lazy mapping), and the
               getter probes that name the edges
  first run    the traverses alone (gs_emu_run), one-time costs included
  steady       a second run of the same traverses, warm (GCSCOPE_EMU_STATS=2):
               the per-object cost once translation and mapping are done
  extra CPU    gcscope's whole CPU time with emulation minus without
Then recall: the share of gc.get_referents' references that are gcscope
edges, over the whole heap and over the emulated objects, with and without
emulation, and per type: the types with the lowest recall with emulation
and those emulation gained most on. Goal (issue 12): <= 2 us an emulated
object (the emulation's total: first run and probes), so that mypy's 270k
compiled objects add under a second; the last lines give both against it.
Figures are medians; the load average is printed beside them (a shared
machine).

Not part of make check (a minute or two); `make bench-emulation` runs it:
  python3 tests/bench/bench_emulation.py [--python /usr/bin/python3.11]
"""

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "lib"))
sys.path.insert(0, HERE)
import gstest  # noqa: E402
from bench_pause import run_measured  # noqa: E402

GOAL_US = 2.0
STATS = re.compile(r"emulation: (\d+) objects, ([\d.]+) ms .*?; (\d+) getter probes ([\d.]+) ms"
                   r"(?:; steady state (\d+) objects ([\d.]+) ms)?")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--python", default="/usr/bin/python3.11", help="an interpreter that can import a mypyc mypy")
    p.add_argument("--repeat", type=int, default=3, help="captures of each kind")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per gcscope run")
    p.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    return p.parse_args()


def mypy_is_compiled(python):
    code = "import mypy.nodes, sys; sys.exit(0 if mypy.nodes.__file__.endswith('.so') else 3)"
    try:
        return subprocess.run([python, "-c", code], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def capture(pid, env, snap, timeout):
    """One capture: (stats dict or None, gcscope's CPU seconds)."""
    cmd = [gstest.gcscope_path(), "-p", str(pid), "--dump-types", "--json"] + (["--save", snap] if snap else [])
    cpu = []
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        rc, out, err, _ = run_measured(cmd, timeout, cpu)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    if rc != 0:
        raise SystemExit("gcscope exited %s: %s" % (rc, err.strip()[:300]))
    m = STATS.search(err)
    stats = None
    if m:
        stats = {"objects": int(m.group(1)), "run_ms": float(m.group(2)), "probes": int(m.group(3)),
                 "probe_ms": float(m.group(4))}
        if m.group(5):
            stats["steady_objects"] = int(m.group(5))
            stats["steady_ms"] = float(m.group(6))
    return stats, cpu[0], json.loads(out)


def recall(oracle, snap, timeout, emulated=None):
    """(whole-heap found, wanted), (found, wanted) over the objects emulated
    (in this snapshot, or the given set), that set, and per type
    {module.type: [found, wanted]}."""
    rc, out, err = gstest.run_gcscope([snap, "--dump-graph", "--json"], timeout=timeout)
    if rc != 0:
        raise SystemExit("--dump-graph exited %s: %s" % (rc, err.strip()[:300]))
    g = json.loads(out)
    if emulated is None:
        emulated = {int(o["addr"], 16) for o in g["objects"] if o.get("referents_from") == "emulated"}
    edges = collections.defaultdict(collections.Counter)
    for s, d in g["edges"]:
        edges[int(s, 16)][int(d, 16)] += 1
    whole, emu = [0, 0], [0, 0]
    per = collections.defaultdict(lambda: [0, 0])
    for o in oracle["objects"]:
        want = collections.Counter(o["referents"])
        have = edges.get(o["id"], collections.Counter())
        n = sum(want.values())
        f = sum(min(c, have[d]) for d, c in want.items())
        whole[0] += f
        whole[1] += n
        row = per[o["module"] + "." + o["type"]]
        row[0] += f
        row[1] += n
        if o["id"] in emulated:
            emu[0] += f
            emu[1] += n
    return whole, emu, emulated, per


def pct(pair):
    return "%.2f%% (%d of %d)" % (100.0 * pair[0] / pair[1] if pair[1] else 0.0, pair[0], pair[1])


def main():
    args = parse_args()
    gstest.require_gcscope()
    gstest.require_ptrace()
    if not mypy_is_compiled(args.python):
        print("bench_emulation: %s cannot import a mypyc-compiled mypy (Debian: apt install python3-mypy)"
              % args.python)
        return 77
    with gstest.start_target(args.python, "mypy_target.py", args=["--oracle"], ready_timeout=600) as t, \
            tempfile.TemporaryDirectory() as tmp:
        oracle = t.oracle_data()
        print("target: %s, mypy type-checked json in %.1f s; %d tracked objects" % (
            args.python, oracle["check_seconds"], len(oracle["objects"])))
        runs, steady, cpu_on, cpu_off = [], [], [], []
        snap_on, snap_off = os.path.join(tmp, "on.snapshot"), os.path.join(tmp, "off.snapshot")
        for i in range(args.repeat):
            st, cpu, _ = capture(t.pid, {"GCSCOPE_EMU_STATS": "1"}, snap_on if i == 0 else None, args.timeout)
            if not st:
                raise SystemExit("no emulation figures from gcscope (did the emulator start?)")
            runs.append(st)
            cpu_on.append(cpu)
            st2, _, _ = capture(t.pid, {"GCSCOPE_EMU_STATS": "2"}, None, args.timeout)
            steady.append(st2)
            _, cpu, _ = capture(t.pid, {"GCSCOPE_NO_EMULATION": "1"}, snap_off if i == 0 else None, args.timeout)
            cpu_off.append(cpu)
        load = os.getloadavg()[0]
        n = runs[0]["objects"]
        total_ms = statistics.median(r["run_ms"] + r["probe_ms"] for r in runs)
        run_ms = statistics.median(r["run_ms"] for r in runs)
        probe_ms = statistics.median(r["probe_ms"] for r in runs)
        steady_us = statistics.median(s["steady_ms"] * 1e3 / s["steady_objects"] for s in steady)
        extra_ms = (statistics.median(cpu_on) - statistics.median(cpu_off)) * 1e3
        print("objects emulated: %d (%d getter probes); load average %.1f; medians of %d" % (
            n, runs[0]["probes"], load, args.repeat))
        print("  emulation CPU, total:        %8.1f ms  %6.2f us an object (one-time costs included)" % (
            total_ms, total_ms * 1e3 / n))
        print("    traverses, first run:      %8.1f ms  %6.2f us an object" % (run_ms, run_ms * 1e3 / n))
        print("    getter probes (labels):    %8.1f ms" % probe_ms)
        print("  steady state (warm rerun):              %6.2f us an object" % steady_us)
        print("  gcscope CPU, with - without: %8.1f ms  %6.2f us an object" % (extra_ms, extra_ms * 1e3 / n))
        on_whole, on_emu, emulated, on_per = recall(oracle, snap_on, args.timeout)
        off_whole, off_emu, _, off_per = recall(oracle, snap_off, args.timeout, emulated)
        print("recall of gc.get_referents: with emulation %s; without %s" % (pct(on_whole), pct(off_whole)))
        print("  over the emulated objects: with %s; without %s" % (pct(on_emu), pct(off_emu)))
        ratio = lambda r: r[0] / r[1] if r[1] else 1.0  # noqa: E731
        types = [k for k in on_per if on_per[k][1]]
        print("  lowest with emulation (type: without -> with):")
        for k in sorted(types, key=lambda k: (ratio(on_per[k]), -on_per[k][1]))[:5]:
            print("    %-48s %s -> %s" % (k, pct(off_per[k]), pct(on_per[k])))
        print("  most gained (type: without -> with):")
        for k in sorted(types, key=lambda k: -(on_per[k][0] - off_per[k][0]))[:5]:
            print("    %-48s %s -> %s" % (k, pct(off_per[k]), pct(on_per[k])))
        us = total_ms * 1e3 / n
        met = us <= GOAL_US
        print("goal <= %.1f us an emulated object: %d objects emulated, %.3f s of emulation CPU = %.2f us an "
              "object (first run and probes, one-time costs included): %s; at this rate 270k objects add %.2f s"
              % (GOAL_US, n, total_ms / 1e3, us, "met" if met else "NOT met", us * 270e3 / 1e6))
        print("  the whole capture's extra CPU (gcscope with - without emulation, edges and labels included): "
              "%.3f s = %.2f us an object" % (extra_ms / 1e3, extra_ms * 1e3 / n))
        return 1 if args.strict and not met else 0


if __name__ == "__main__":
    sys.exit(main())
