"""inferred_edges: the conservative scan of compiled objects that have no
tp_traverse (datetime objects, timezone, decimal's Context) finds their
strong references, marks them inferred in JSON and text, and finds no false
ones on scan_target.py's heap, which also holds objects whose words are not
references (Random's state, hash contexts, arrays of integers equal to
addresses of live objects), and the capsules every heap has (an edge from a
capsule is false: its words are C pointers; _socket's C API table once read
as an OSError).

An inferred edge is confirmed when the object returns its destination from
one of its attributes (or tzinfo methods); the rest are counted as false
edges, and their rate is printed (docs/internals.md "The conservative scan").
Two interpreters: Debian's 3.11 (the oldest family with emulation) and the
newest pyenv one."""

import collections
import json

import gstest


def check(r, python, label):
    with gstest.start_target(python, "scan_target.py", label=label) as t:
        oracle = {int(k): v for k, v in t.oracle_data().items()}
        rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--dump-graph", "--json"], timeout=180)
        assert rc == 0, "gcscope exited %s: %s" % (rc, err[:300])
        g = json.loads(out)
        objs = {int(o["addr"], 16): o for o in g["objects"]}
        per = collections.defaultdict(lambda: [0, 0])
        false_edges = []
        tz_edge = None
        for (s, d), lab in zip(g["edges"], g["edge_labels"]):
            if "(inferred)" not in lab:
                continue
            s, d = int(s, 16), int(d, 16)
            o = oracle.get(s)
            if objs[s]["name"] == "PyCapsule":  # its words are C pointers, never references
                false_edges.append(("PyCapsule", lab, objs[d]["name"]))
                continue
            if o is None:
                continue  # not planted (a module's PyModuleDef, the default decimal context)
            row = per[o["type"]]
            row[0] += 1
            if d in o["values"]:
                row[1] += 1
                if o["type"] == "datetime.datetime" and tz_edge is None:
                    tz_edge = (s, d)
            else:
                false_edges.append((o["type"], lab, objs[d]["name"]))
        total = sum(a for a, _ in per.values())
        print("%s: %d inferred edges from planted objects, %d confirmed, %d false (%.2f%%): %s" % (
            label, total, total - len(false_edges), len(false_edges),
            100.0 * len(false_edges) / total if total else 0.0, dict(per)))
        r.check(per["datetime.datetime"][1] >= 50 and per["datetime.time"][1] >= 50,
                "%s: each datetime's and time's tzinfo is an inferred edge" % label, dict(per))
        r.check(not false_edges, "%s: no false inferred edge" % label, false_edges[:6])
        untyped = [hex(a) for a, o in oracle.items() if a in objs and o["type"] == "datetime.datetime"
                   and objs[a].get("referents_from") != "inferred"]
        r.check(not untyped, "%s: JSON says the datetimes' referents are inferred" % label, untyped[:4])
        if tz_edge:
            rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--referrers", hex(tz_edge[1]), "--top", "0"], timeout=120)
            r.check(rc == 0 and "(inferred)" in out, "%s: --referrers text marks the inferred edge" % label,
                    out[-400:] if rc == 0 else err[:200])


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("inferred_edges")
    pys = gstest.pythons()
    pick = [p for p in pys if p[0] == "debian-3.11"] + [p for p in pys if p[0][0].isdigit()][-1:]
    for label, python in pick or pys[:1]:
        with r.case("%s: conservative scan" % label):
            check(r, python, label)
    r.finish()


if __name__ == "__main__":
    main()
