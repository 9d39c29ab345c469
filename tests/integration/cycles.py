"""cycles: --dump-cycles against the cycles leaks_target.py planted.

For every CPython on the machine, leaks_target.py disables the collector,
plants reference cycles and records their ids. gcscope's --dump-cycles
(JSON and text) of the parked target must show:

  - garbage_cycle and garbage_big_cycle as "garbage", garbage_del_cycle
    (both define __del__) as "garbage-with-finalizers", each with exactly
    its members (on 3.8-3.10 the instances' __dict__s are members too);
  - reachable_cycle as "reachable", with a path from a root that starts at
    the module __main__ or its globals and goes through KEEP_CYCLE;
  - self_loop (a list that contains itself) as a one-member cycle whose loop
    is "[0] -> back";
  - each loop a real closed walk of the graph, with the labels --dump-graph
    gives its edges (".next" on 3.11+, ".__dict__" then "['next']" before);
  - each cycle's bytes the sum of its members' sys.getsizeof (--dump-graph
    sizes), and garbage_bytes at least the planted garbage's bytes;
  - the collector reported disabled, gc.garbage listed (gc_garbage_len
    objects, those the target put there among them);
  - garbage ranked first, then by bytes (alive cycles of the program's
    objects before the interpreter's own); shapes count their cycles;
  - the same report from the snapshot saved with --save.
"""

import collections
import os

import gstest


def run_json(args, timeout=180):
    rc, out, err = gstest.run_gcscope(args + ["--json"], timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(args), rc, err.strip()[:300])
    return gstest.parse_json(out)


class Graph:
    """What --dump-graph says: sizes, labelled edges, the __main__ module."""

    def __init__(self, g):
        self.size = {o["addr"]: o["size"] for o in g["objects"]}
        self.type = {o["addr"]: o["name"] for o in g["objects"]}
        self.edges = collections.defaultdict(list)
        for (src, dst), lab in zip(g["edges"], g["edge_labels"]):
            self.edges[src].append((dst, lab))
        self.main = [r["addr"] for r in g["roots"] if r["kind"] == "module" and r.get("name") == "__main__"]
        self.main_globals = [d for m in self.main for d, lab in self.edges[m] if lab == ".__dict__"]

    def instance_dicts(self, ids):
        """The __dict__ objects of ids (3.8-3.10: separate objects on the cycle)."""
        return [d for a in ids for d, lab in self.edges[a] if lab == ".__dict__"]


def expected_members(graph, ids, old):
    return set(ids) | (set(graph.instance_dicts(ids)) if old else set())


def cycle_of(report, addr):
    for c in report["cycles"]:
        if addr in c["objects"]:
            return c
    return None


def check_loop(graph, cycle):
    """The loop is a closed walk over real edges, labelled as the graph labels them."""
    loop = cycle["loop"]
    assert loop, "no loop"
    members = set(cycle["objects"])
    for i, step in enumerate(loop):
        nxt = loop[(i + 1) % len(loop)]["addr"]
        assert step["addr"] in members, "loop step %s is not a member" % step["addr"]
        labels = [lab for d, lab in graph.edges[step["addr"]] if d == nxt]
        assert labels, "no edge %s -> %s in the graph" % (step["addr"], nxt)
        assert step["edge"] in labels, "edge %s -> %s labelled %r, graph says %r" % (
            step["addr"], nxt, step["edge"], labels)
    return [s["edge"] for s in loop]


def check_planted(r, label, report, graph, oracle, old):
    def planted(key, cls):
        ids = oracle[key] if isinstance(oracle[key], list) else [oracle[key]]
        c = cycle_of(report, ids[0])
        want = expected_members(graph, ids, old)
        r.check(c is not None and c["class"] == cls, "%s: %s reported as %s" % (label, key, cls),
                c and c["class"])
        if c is None:
            return None
        r.check(set(c["objects"]) == want and c["count"] == len(want),
                "%s: %s has exactly its members" % (label, key),
                "%d members, %d expected; extra %s; missing %s" % (
                    len(c["objects"]), len(want), sorted(set(c["objects"]) - want)[:4],
                    sorted(want - set(c["objects"]))[:4]))
        size = sum(graph.size.get(a, 0) for a in c["objects"])
        r.check(c["bytes"] == size, "%s: %s bytes are its members' sys.getsizeof" % (label, key),
                "%d != %d" % (c["bytes"], size))
        with r.case("%s: %s loop is a real loop" % (label, key)):
            labels = check_loop(graph, c)
            if key != "self_loop":
                if old:
                    assert ".__dict__" in labels and ("['next']" in labels or "['other']" in labels), labels
                else:
                    assert ".next" in labels or ".other" in labels, labels
        return c

    g = planted("garbage_cycle", "garbage")
    if g and old:
        r.check(set(oracle["garbage_cycle_dicts"]) <= set(g["objects"]),
                "%s: garbage_cycle holds the recorded instance dicts" % label)
    if g:
        labels = [s["edge"] for s in g["loop"]]
        want = [".__dict__", "['next']"] * 2 if old else [".next", ".next"]
        r.check(labels == want, "%s: garbage_cycle loop is %s" % (label, " -> ".join(want)), labels)
    big = planted("garbage_big_cycle", "garbage")
    if big:
        r.check(len(big["loop"]) == (100 if old else 50), "%s: the ring's loop goes all the way round" % label,
                len(big["loop"]))
    d = planted("garbage_del_cycle", "garbage-with-finalizers")
    if d:
        r.check("WithDel" in d["finalizers"], "%s: WithDel named as the finalizer" % label, d["finalizers"])
    k = planted("reachable_cycle", "reachable")
    if k:
        with r.case("%s: reachable_cycle has a path from __main__ through KEEP_CYCLE" % label):
            path = (k.get("path") or {}).get("steps")
            assert path, "no path: %r" % k.get("path")
            first = path[0]["addr"]
            assert first in graph.main + graph.main_globals, \
                "path starts at %s (%s), not __main__ %s or its globals %s" % (
                    first, graph.type.get(first), graph.main, graph.main_globals)
            addrs = [p["addr"] for p in path]
            assert oracle["keep_cycle_list"] in addrs, "KEEP_CYCLE %s not on the path %s" % (
                oracle["keep_cycle_list"], addrs)
            assert addrs[-1] in k["objects"], "the path does not end on the cycle"
    s = planted("self_loop", "reachable")
    if s:
        r.check([(x["addr"], x["edge"]) for x in s["loop"]] == [(oracle["self_loop"], "[0]")],
                "%s: self_loop's loop is [0] -> back" % label, s["loop"])

    planted_bytes = sum(c["bytes"] for c in (g, big, d) if c)
    r.check(report["garbage_bytes"] >= planted_bytes, "%s: garbage_bytes >= the planted garbage" % label,
            "%d < %d" % (report["garbage_bytes"], planted_bytes))


def check_report(r, label, report, oracle):
    r.check(report["gc"]["enabled"] is False, "%s: collector reported disabled" % label, report["gc"])
    gg = report.get("gc_garbage") or {}
    got = [o["addr"] for o in gg.get("objects", [])]
    r.check(gg.get("addr") == oracle["gc_garbage"] and gg.get("count") == oracle["gc_garbage_len"]
            and len(got) == oracle["gc_garbage_len"],
            "%s: gc.garbage listed with its %d objects" % (label, oracle["gc_garbage_len"]),
            "%s, count %s, %d listed" % (gg.get("addr"), gg.get("count"), len(got)))
    r.check(set(oracle["gc_garbage_nodes"]) <= set(got), "%s: gc.garbage holds the saved Nodes" % label)
    counts = collections.Counter(c["class"] for c in report["cycles"])
    r.check(counts == collections.Counter(report["cycle_counts"]) + collections.Counter(),
            "%s: cycle_counts agree with the cycles" % label, (dict(counts), report["cycle_counts"]))
    # Alive cycles of the program's objects before the interpreter's own.
    ranks = [(c["class"] == "reachable", c["class"] == "reachable" and c["internal"], -c["bytes"])
             for c in report["cycles"]]
    r.check(ranks == sorted(ranks), "%s: garbage first, then by bytes" % label)
    per_shape = collections.Counter(c["shape"] for c in report["cycles"])
    r.check([s["cycles"] for s in report["shapes"]] == [per_shape[i] for i in range(len(report["shapes"]))],
            "%s: every cycle in one shape, counted" % label)


def check_text(r, label, text, report, oracle, old):
    r.check("collector DISABLED" in text, "%s: text shows the collector disabled" % label)
    r.check("gc.garbage: %d objects" % oracle["gc_garbage_len"] in text, "%s: text lists gc.garbage" % label)
    r.check("garbage-with-finalizers:" in text, "%s: text shows garbage-with-finalizers" % label)
    head = cycle_of(report, oracle["garbage_cycle"][0])["head"] if cycle_of(report, oracle["garbage_cycle"][0]) else "?"
    loop_lines = [l for l in text.splitlines() if l.strip().startswith("loop") and head in l]
    step = "['next'] ->" if old else ".next ->"
    r.check(loop_lines and step in text, "%s: text writes the garbage_cycle loop with its labels" % label,
            loop_lines[:1])
    lines = text.splitlines()
    ours = lines[next((i for i, l in enumerate(lines) if l.startswith("cyclic garbage:")), 0):]
    # A path (the last field of an entry, laid out by paths.c) aside.
    wide, in_path = [], False
    for l in ours:
        in_path = (in_path or l.startswith("    path ")) and l.strip() != ""
        if len(l) > 80 and not in_path:
            wide.append(l)
    r.check(not wide, "%s: text fits 80 columns (paths aside)" % label, wide[:2])


def main():
    gstest.require_gcscope()
    r = gstest.Results("cycles")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for label, python in pys:
        target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
        with target:
            with r.case("%s: cycles reported" % label):
                oracle = target.oracle_data()
                old = tuple(int(x) for x in oracle["python"].split(".")[:2]) < (3, 11)
                snap = os.path.join(target.dir, "leaks.snapshot")
                report = run_json(["-p", str(target.pid), "--dump-cycles", "--save", snap])
                graph = Graph(run_json([snap, "--dump-graph"]))
                check_report(r, label, report, oracle)
                check_planted(r, label, report, graph, oracle, old)
                rc, text, err = gstest.run_gcscope([snap, "--dump-cycles"], timeout=180)
                assert rc == 0, "text report exited %s: %s" % (rc, err.strip()[:300])
                check_text(r, label, text, report, oracle, old)
                loaded = run_json([snap, "--dump-cycles"])
                r.check(loaded == report, "%s: the saved snapshot gives the same report" % label,
                        [k for k in report if loaded.get(k) != report.get(k)])
            gstest.assert_running_untraced(target.pid)
    r.finish()


if __name__ == "__main__":
    main()
