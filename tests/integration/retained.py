"""retained: retained sizes and leak suspects against an independent
dominator computation.

For every CPython on the machine, leaks_target.py plants the leak patterns
and writes their ids. gcscope captures it once (--save) and the reports run
on the saved file, so that they all see the same graph:

  - --dump-graph --json: the test computes the dominator tree itself
    (Cooper-Harvey-Kennedy, iterative, over the strong edges from a virtual
    root whose successors are every root's target) and every retained size
    (an object's size plus the retained sizes of the objects it immediately
    dominates);
  - --dump-retained --json: the planted cache, registry, default_arg list,
    callbacks list and big_global are listed (as ranked objects or as
    children of one) with exactly the test's retained bytes, and so is every
    other object and child listed; every type's retained size is MAT's (its
    instances not dominated by another instance of the type), as the test
    computes it;
  - --dump-suspects --json: each planted pattern is a suspect of the right
    kind, on the planted object, with the right retained bytes, its name
    and a path from a root that ends at the object; the cyclic garbage (the
    target disables the collector) is a suspect listing the planted cycles.
"""

import collections
import os

import gstest

# planted record key -> (suspect kind, the name gcscope should give it)
PLANTED = {
    "cache": ("global_container", "__main__.CACHE"),
    "registry": ("class_attribute", "__main__.Registry.items"),
    "default_arg": ("mutable_default", "__main__.remember.__defaults__[0]"),
    "callbacks": ("callbacks", "__main__.EventBus.handlers"),
    "big_global": ("large_global", "__main__.BIG_TABLE"),
}


def report(args, timeout=180):
    rc, out, err = gstest.run_gcscope(args, timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(map(str, args)), rc, err.strip()[:400])
    return gstest.parse_json(out)


# --------------------------------------------------------------------------
# Dominators, independently: Cooper, Harvey and Kennedy, "A Simple, Fast
# Dominance Algorithm" (2001), over node indices; the virtual root is n.


def dominators(graph):
    addrs = [o["addr"] for o in graph["objects"]]
    index = {a: i for i, a in enumerate(addrs)}
    n = len(addrs)
    succ = [[] for _ in range(n + 1)]
    for src, dst in graph["edges"]:
        succ[index[src]].append(index[dst])
    for root in graph["roots"]:
        succ[n].append(index[root["addr"]])
    pred = [[] for _ in range(n + 1)]
    for v in range(n + 1):
        for w in succ[v]:
            pred[w].append(v)

    # postorder by an iterative depth-first search from the virtual root
    post = [-1] * (n + 1)
    order = []
    seen = [False] * (n + 1)
    seen[n] = True
    stack = [(n, 0)]
    while stack:
        v, i = stack[-1]
        if i < len(succ[v]):
            stack[-1] = (v, i + 1)
            w = succ[v][i]
            if not seen[w]:
                seen[w] = True
                stack.append((w, 0))
        else:
            stack.pop()
            post[v] = len(order)
            order.append(v)

    idom = [None] * (n + 1)
    idom[n] = n
    rpo = order[::-1]

    def intersect(a, b):
        while a != b:
            while post[a] < post[b]:
                a = idom[a]
            while post[b] < post[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for v in rpo:
            if v == n:
                continue
            new = None
            for p in pred[v]:
                if idom[p] is None:
                    continue
                new = p if new is None else intersect(p, new)
            if idom[v] != new:
                idom[v] = new
                changed = True

    sizes = [o["size"] for o in graph["objects"]]
    retained = sizes[:] + [0]
    for v in order:  # postorder: every node before its dominators
        if v != n:
            retained[idom[v]] += retained[v]
    return addrs, index, idom, retained, seen


def mat_type_retained(graph, idom, retained, reachable):
    """Per type "module.name": the retained sizes of its instances that no
    other instance of the type dominates (a depth-first walk of the tree)."""
    n = len(graph["objects"])
    types = ["%s.%s" % (o["module"], o["name"]) for o in graph["objects"]]
    children = [[] for _ in range(n + 1)]
    for v in range(n):
        if reachable[v]:
            children[idom[v]].append(v)
    result = collections.Counter()
    open_count = collections.Counter()
    stack = [(n, False)]
    while stack:
        v, leaving = stack.pop()
        if v != n:
            if leaving:
                open_count[types[v]] -= 1
                continue
            if open_count[types[v]] == 0:
                result[types[v]] += retained[v]
            open_count[types[v]] += 1
            stack.append((v, True))
        for c in children[v]:
            stack.append((c, False))
    return result


# --------------------------------------------------------------------------


def check_retained(r, label, rec, graph, ret, dom):
    addrs, index, idom, retained, reachable = dom
    listed = {}
    for o in ret["objects"]:
        listed[o["addr"]] = o["retained"]
        for c in o["children"]:
            listed[c["addr"]] = c["retained"]
    for key in PLANTED:
        addr = rec[key]
        want = retained[index[addr]] if addr in index else None
        r.check(addr in listed and listed[addr] == want,
                "%s: --dump-retained: %s retains exactly what the test computes" % (label, key),
                "gcscope %s, test %s" % (listed.get(addr), want))
    wrong = [(a, v, retained[index[a]]) for a, v in listed.items() if retained[index[a]] != v]
    r.check(not wrong, "%s: every listed object's and child's retained size agrees (%d)" % (label, len(listed)),
            wrong[:5])
    # the objects are ranked by retained size, largest first
    values = [o["retained"] for o in ret["objects"]]
    r.check(values == sorted(values, reverse=True), "%s: objects ranked by retained size" % label)
    # types: MAT's retained size of a type
    want_types = mat_type_retained(graph, idom, retained, reachable)
    got_types = collections.Counter()
    for row in ret["types"]:
        got_types["%s.%s" % (row["module"], row["name"])] += row["retained"]
    bad = [(k, got_types[k], want_types[k]) for k in set(want_types) | set(got_types)
           if got_types[k] != want_types[k]]
    r.check(not bad, "%s: every type's retained size agrees (%d types)" % (label, len(want_types)), bad[:5])
    total = sum(o["size"] for i, o in enumerate(graph["objects"]) if reachable[i])
    r.check(ret["reachable_bytes"] == total, "%s: reachable bytes agree" % label,
            "%s vs %s" % (ret["reachable_bytes"], total))


def check_suspects(r, label, rec, sus, dom):
    addrs, index, idom, retained, reachable = dom
    by_addr = {s["addr"]: s for s in sus["suspects"] if s["addr"]}
    for key, (kind, name) in PLANTED.items():
        addr = rec[key]
        s = by_addr.get(addr)
        if not r.check(s is not None, "%s: --dump-suspects: %s is a suspect" % (label, key),
                       [(x["kind"], x["name"]) for x in sus["suspects"]]):
            continue
        r.check(s["kind"] == kind, "%s: %s is a %s suspect" % (label, key, kind), s["kind"])
        r.check(s["name"] == name, "%s: %s is named %s" % (label, key, name), s["name"])
        r.check(s["retained"] == retained[index[addr]], "%s: %s suspect's retained bytes agree" % (label, key),
                "%s vs %s" % (s["retained"], retained[index[addr]]))
        path = s.get("path")
        ok = bool(path and path["steps"] and path["steps"][-1]["addr"] == addr and path.get("root_kind"))
        r.check(ok, "%s: %s has a path from its root" % (label, key), path and path.get("expression"))
        r.check(bool(s.get("why")), "%s: %s is explained" % (label, key))
    garbage = [s for s in sus["suspects"] if s["kind"] == "cyclic_garbage"]
    if r.check(len(garbage) == 1, "%s: cyclic garbage (collector disabled) is a suspect" % label):
        members = set(garbage[0]["garbage"]["members"])
        planted = rec["garbage_cycle"] + rec["garbage_del_cycle"] + rec["garbage_big_cycle"]
        missing = [a for a in planted if a not in members]
        r.check(not missing, "%s: the garbage suspect lists the %d planted cycle objects" % (label, len(planted)),
                missing[:5])
        r.check(garbage[0]["garbage"]["collector_enabled"] is False, "%s: the collector is reported off" % label)
    ranks = [s["retained"] for s in sus["suspects"]]
    r.check(ranks == sorted(ranks, reverse=True), "%s: suspects ranked by retained bytes" % label)


def main():
    gstest.require_gcscope()
    r = gstest.Results("retained")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for label, python in pys:
        target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
        with target:
            with r.case("%s: retained sizes and suspects" % label):
                snap = os.path.join(target.dir, "leaks.snapshot")
                report(["-p", target.pid, "--save", snap, "--dump-types", "--json"])
                gstest.assert_running_untraced(target.pid)
                rec = target.oracle_data()
                graph = report([snap, "--dump-graph", "--json"])
                ret = report([snap, "--dump-retained", "--json"])
                sus = report([snap, "--dump-suspects", "--json"])
                dom = dominators(graph)
                check_retained(r, label, rec, graph, ret, dom)
                check_suspects(r, label, rec, sus, dom)
    r.finish()


if __name__ == "__main__":
    main()
