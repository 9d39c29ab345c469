"""latency: how long the browser takes to answer a key, on a big snapshot.

    python3 tests/ui/latency.py --gcscope ./gcscope SNAPSHOT [--repeat 5]

Make SNAPSHOT once from a big heap, e.g.
    python3 tests/targets/heap_target.py --scale 250 --oracle /tmp/o.json --ready /tmp/r &
    gcscope -p PID --save big.gcs

Opens SNAPSHOT in a tmux pane of 100x30, visits every view once (which
computes and caches the analyses: those first visits are reported apart),
then times each key of a browsing session, several times: from send-keys
to the first change of the screen, polled every 2 ms through tmux (so the
figures include tmux's own round trips, a few ms). Prints one line per key
with the median and the worst. Not part of make check (it needs a big
snapshot and minutes).
"""

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tmuxdrv  # noqa: E402

ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}


def timed(tm, keys, text=None, settle=None, timeout=300.0):
    before = tm.screen()
    t0 = time.monotonic()
    for k in keys:
        tm.keys(k)
    if text:
        tm.type(text)
    deadline = t0 + timeout
    while True:
        scr = tm.screen()
        if scr != before and (settle is None or settle(scr)):
            return time.monotonic() - t0, scr
        if time.monotonic() > deadline:
            raise TimeoutError("no change after %r:\n%s" % (keys, scr))
        time.sleep(0.002)


def title(s):
    return s.splitlines()[0] if s else ""


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gcscope", required=True)
    p.add_argument("snapshot")
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()
    with tmuxdrv.Tmux(100, 30) as tm:
        t0 = time.monotonic()
        tm.start([os.path.abspath(a.gcscope), a.snapshot], env=ENV)
        tm.wait_for("Findings", timeout=600, what="the overview")
        print("first screen (capture file loaded, garbage, cycles, dominators, suspects): %.2f s"
              % (time.monotonic() - t0))
        # First visits: each computes what its view needs, once.
        first = [("2 Types", ["2"], lambda s: "Types" in title(s) and "count" in s),
                 ("Enter instances", ["Enter"], lambda s: "Instances of" in title(s)),
                 ("Enter object", ["Enter"], lambda s: "Object " in title(s) and "path" in s),
                 ("3 Cycles", ["3"], lambda s: "Cycles" in title(s) and "class" in s),
                 ("5 Dominators", ["5"], lambda s: "Dominator" in title(s) and "retained" in s),
                 ("4 Suspects", ["4"], lambda s: "Suspects" in title(s)),
                 ("2 Types", ["2"], lambda s: "Types" in title(s))]
        for name, keys, settle in first:
            dt, _ = timed(tm, keys, settle=settle)
            print("first %-28s %8.1f ms" % (name, dt * 1000))
        tm.keys("g")
        # A browsing session, repeated: every key after the analyses are cached.
        session = [("j (down)", ["j"], None), ("PgDn", ["NPage"], None), ("G (last row)", ["G"], None),
                   ("g (first row)", ["g"], None), ("s (sort)", ["s"], None), ("r (reverse)", ["r"], None),
                   ("r (reverse back)", ["r"], None),
                   ("Enter (instances)", ["Enter"], lambda s: "Instances of" in title(s)),
                   ("s (sort instances)", ["s"], None), ("r (reverse)", ["r"], None),
                   ("End", ["End"], None),
                   ("Enter (object)", ["Enter"], lambda s: "Object " in title(s)),
                   ("G (a referrer)", ["G"], None),
                   ("Enter (follow it)", ["Enter"], lambda s: "Object " in title(s)),
                   ("u (up the path)", ["u"], None),
                   ("Backspace (back)", ["BSpace"], None),
                   ("] (forward)", ["]"], None),
                   ("3 (cycles)", ["3"], lambda s: "Cycles" in title(s)),
                   ("Enter (a cycle)", ["Enter"], lambda s: "Cycle #" in title(s)),
                   ("5 (dominator tree)", ["5"], lambda s: "Dominator" in title(s)),
                   ("l (expand)", ["l"], None), ("h (collapse)", ["h"], None),
                   ("4 (suspects)", ["4"], lambda s: "Suspects" in title(s)),
                   ("? (help)", ["?"], lambda s: "Help" in title(s)),
                   ("? (back)", ["?"], None),
                   ("2 (types)", ["2"], lambda s: "Types" in title(s)),
                   ("/ + 'int' (search)", ["/"], None)]
        times = {name: [] for name, _, _ in session}
        for _ in range(a.repeat):
            # Each run from the same place: the types, sorted by retained size, first row.
            tm.keys("2")
            time.sleep(0.1)
            tm.keys("g")
            time.sleep(0.1)
            for name, keys, settle in session:
                if name.startswith("/"):
                    timed(tm, keys)
                    dt, _ = timed(tm, [], text="int")
                    tm.keys("Enter")
                    time.sleep(0.05)
                else:
                    dt, _ = timed(tm, keys, settle=settle)
                times[name].append(dt)
        print("\n%-24s %10s %10s   (%d runs, ms, send-keys to screen change)" % ("key", "median", "worst", a.repeat))
        for name, _, _ in session:
            v = times[name]
            print("%-24s %10.1f %10.1f" % (name, statistics.median(v) * 1000, max(v) * 1000))
        tm.keys("q")
        tm.wait_exit(timeout=60)


if __name__ == "__main__":
    main()
