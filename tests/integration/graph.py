"""graph: gcscope's object graph against the interpreter's own view.

For every CPython on the machine, heap_target.py --objects writes, before it
parks, every gc.get_objects() object with its type, sys.getsizeof and
gc.get_referents ids, and the sizes of untracked referents. gcscope's
--dump-graph --json of the parked target must agree:

  - tracked objects found              >= 99.5%
  - type names equal                   >= 99.9%
  - sizes equal (tracked and untracked) >= 99%
  - every gc.get_referents id among gcscope's referents, for >= 99% of the
    tracked objects (gcscope may hold more: str keys and names that
    tp_traverse skips are real references too)
  - lists and tuples: exactly the interpreter's referents, no edge invented
  - labels: Node.next is ".next", a Slotted slot ".x", a closure reaches its
    cell through ".__closure__" and the cell its value through ".cell_contents"
  - roots: sys.modules and its modules (sys, __main__), sys and builtins dicts
  - the snapshot saved with --save and read back gives the same graph.
"""

import collections
import json
import os
import subprocess

import gstest


def dump_graph(args, timeout=120):
    rc, out, err = gstest.run_gcscope(args + ["--dump-graph", "--json"], timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(args), rc, err.strip()[:300])
    return json.loads(out)


def compare(r, label, oracle, graph):
    objs = {o["addr"]: o for o in graph["objects"]}
    out = collections.defaultdict(set)
    out_list = collections.defaultdict(list)
    for (src, dst), lab in zip(graph["edges"], graph["edge_labels"]):
        out[src].add(dst)
        out_list[src].append((dst, lab))

    tracked = oracle["objects"]
    n = len(tracked)
    found = sum(1 for o in tracked if o["id"] in objs and objs[o["id"]]["tracked"])
    names = sum(1 for o in tracked if o["id"] in objs and objs[o["id"]]["name"] == o["type"])
    refs_ok = 0
    worst = collections.Counter()
    for o in tracked:
        if o["id"] in objs and set(o["referents"]) <= out[o["id"]]:
            refs_ok += 1
        else:
            worst[o["module"] + "." + o["type"]] += 1
    sizes = [(objs[o["id"]]["size"] == o["size"]) for o in tracked if o["id"] in objs]
    sizes += [(objs[a]["size"] == v) for a, v in oracle["untracked_sizes"].items() if a in objs]
    size_ok = sum(sizes)

    def pct(a, b):
        return 100.0 * a / b if b else 0.0

    print("%s: %d tracked; found %.2f%%, names %.2f%%, referents %.2f%%, sizes %.2f%% of %d; "
          "graph %d objects, %d edges, %d roots" % (
              label, n, pct(found, n), pct(names, n), pct(refs_ok, n), pct(size_ok, len(sizes)), len(sizes),
              len(graph["objects"]), len(graph["edges"]), len(graph["roots"])))
    if worst:
        print("  referents missing most for: %s" % ", ".join("%s %d" % kv for kv in worst.most_common(6)))
    r.check(pct(found, n) >= 99.5, "%s: tracked objects found >= 99.5%%" % label, "%.2f%%" % pct(found, n))
    r.check(pct(names, n) >= 99.9, "%s: type names equal >= 99.9%%" % label, "%.2f%%" % pct(names, n))
    r.check(pct(size_ok, len(sizes)) >= 99.0, "%s: sizes equal >= 99%%" % label, "%.2f%%" % pct(size_ok, len(sizes)))
    r.check(pct(refs_ok, n) >= 99.0, "%s: gc.get_referents among gcscope's >= 99%%" % label,
            "%.2f%%" % pct(refs_ok, n))

    # No invented edges where the interpreter's view is complete.
    exact_total = exact_ok = 0
    for o in tracked:
        if o["type"] in ("list", "tuple") and o["module"] == "builtins" and o["id"] in objs:
            exact_total += 1
            exact_ok += sorted(d for d, _ in out_list[o["id"]]) == sorted(o["referents"])
    r.check(exact_total > 0 and exact_ok == exact_total,
            "%s: lists and tuples hold exactly the interpreter's referents" % label,
            "%d of %d" % (exact_ok, exact_total))

    # Labels a Python programmer would write.
    by_type = collections.defaultdict(list)
    for o in graph["objects"]:
        by_type[o["name"]].append(o["addr"])
    labels_of = collections.defaultdict(set)
    for addr in by_type["Node"]:
        for _, lab in out_list[addr]:
            labels_of["Node"].add(lab)
    for addr in by_type["Slotted"]:
        for _, lab in out_list[addr]:
            labels_of["Slotted"].add(lab)
    for addr in by_type["function"]:
        for _, lab in out_list[addr]:
            labels_of["function"].add(lab)
    for addr in by_type["cell"]:
        for _, lab in out_list[addr]:
            labels_of["cell"].add(lab)
    # On 3.8-3.10 attributes live in a separate __dict__: Node -> .__dict__ -> ['next'].
    node_ok = ".next" in labels_of["Node"] or ".__dict__" in labels_of["Node"]
    r.check(node_ok, "%s: Node's attributes are labelled" % label, sorted(labels_of["Node"])[:8])
    r.check(".x" in labels_of["Slotted"], "%s: a __slots__ member is labelled .x" % label,
            sorted(labels_of["Slotted"])[:8])
    r.check(".__closure__" in labels_of["function"], "%s: a closure is labelled .__closure__" % label,
            sorted(labels_of["function"])[:8])
    r.check(".cell_contents" in labels_of["cell"], "%s: a cell's value is labelled .cell_contents" % label,
            sorted(labels_of["cell"])[:8])

    kinds = collections.Counter(root["kind"] for root in graph["roots"])
    module_names = {root.get("name") for root in graph["roots"] if root["kind"] == "module"}
    r.check({"sys", "__main__", "builtins"} <= module_names, "%s: sys.modules entries are module roots" % label,
            sorted(module_names)[:10])
    r.check(kinds["sys.modules"] >= 1 and kinds["sys"] >= 1 and kinds["builtins"] >= 1,
            "%s: sys.modules, sys and builtins dicts are roots" % label, dict(kinds))
    r.check(kinds["frame"] + kinds["local"] >= 1, "%s: the main thread's frames are roots" % label, dict(kinds))


def same_graph(r, label, live, loaded):
    keys = ("objects", "edges", "edge_labels", "weak_edges", "roots")
    for k in keys:
        r.check(live[k] == loaded[k], "%s: saved snapshot gives the same %s" % (label, k),
                "%d vs %d entries" % (len(live[k]), len(loaded[k])))


def main():
    gstest.require_gcscope()
    r = gstest.Results("graph")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for label, python in pys:
        target = gstest.start_target(python, "heap_target.py", ["--objects"], label=label, ready_timeout=120)
        with target:
            with r.case("%s: graph captured" % label):
                snap = os.path.join(target.dir, "heap.snapshot")
                graph = dump_graph(["-p", str(target.pid), "--save", snap])
                oracle = target.oracle_data()
                compare(r, label, oracle, graph)
                same_graph(r, label, graph, dump_graph([snap]))
            gstest.assert_running_untraced(target.pid)
    r.finish()


if __name__ == "__main__":
    main()
