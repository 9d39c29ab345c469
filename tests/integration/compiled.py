"""compiled: referents of compiled objects, from their type's own tp_traverse
run in gcscope's emulator, against the interpreter's gc.get_referents.

For every CPython on the machine, compiled_target.py plants payloads held
only by compiled objects (stdlib C types everywhere; Debian's multidict and
greenlet under /usr/bin/python3.11; a mypyc module built here with Debian's
mypyc for /usr/bin/python3.11 and a Cython module built with cython3 for
each interpreter it supports, tests/lib/compiled_modules.py) and writes gc.get_referents for every
tracked object. Checks:

  - edge recall: of the references gc.get_referents lists for objects whose
    referents gcscope took from the emulator, >= 98% are gcscope edges, and
    for each planted holder's type 100%;
  - no compiled object of the planted kinds stays unknown;
  - each payload's --path names its compiled holder's type, and each step's
    word (a pointer read from a separate block by the word pointing to it);
  - retained sizes: --dump-retained --json counts the payload's bytes in the
    holder's (the holder dominates what only it holds);
  - the garbage rule: compiled objects in dropped cycles are garbage, kept
    holders are not;
  - --dump-types' counts of objects whose referents were emulated, inferred
    or unknown (and why) equal what --dump-graph says node by node, on one
    saved snapshot; the text report has its line.
"""

import collections
import json
import os
import shutil
import tempfile

import compiled_modules
import gstest

# Referents of these types come from the emulator on every version: the
# planted holders whose type has no hand-written decoder.
EMULATED_HOLDERS = {"_asyncio.Task", "_asyncio.Future", "_contextvars.Context", "_queue.SimpleQueue",
                    "itertools.chain", "itertools.cycle", "itertools.repeat", "itertools.islice",
                    "itertools.groupby", "itertools.accumulate", "multidict._multidict.MultiDict",
                    "multidict._multidict.CIMultiDict", "greenlet.greenlet",
                    "gs_mypyc_holder.Holder", "gs_cython_holder.Holder"}


def load_graph(pid):
    rc, out, err = gstest.run_gcscope(["-p", str(pid), "--dump-graph", "--json"], timeout=180)
    assert rc == 0, "gcscope exited %s: %s" % (rc, err.strip()[:300])
    g = json.loads(out)
    objs = {int(o["addr"], 16): o for o in g["objects"]}
    edges = collections.defaultdict(list)
    for (s, d), lab in zip(g["edges"], g["edge_labels"]):
        edges[int(s, 16)].append((int(d, 16), lab))
    return objs, edges


def recall(oracle, objs, edges):
    """Per type, (wanted, found) references, for objects gcscope emulated."""
    per = collections.defaultdict(lambda: [0, 0])
    for o in oracle["objects"]:
        node = objs.get(o["id"])
        if not node or node.get("referents_from") != "emulated":
            continue
        have = collections.Counter(d for d, _ in edges[o["id"]])
        want = collections.Counter(o["referents"])
        row = per[o["module"] + "." + o["type"]]
        row[0] += sum(want.values())
        row[1] += sum(min(c, have[d]) for d, c in want.items())
    return per


def explained_counts(objs):
    """--dump-types' "referents" object, counted from --dump-graph's nodes."""
    because = collections.Counter(o["unknown_because"] for o in objs.values() if o.get("unknown_because"))
    return {
        "emulated": sum(o.get("referents_from") == "emulated" for o in objs.values()),
        "inferred": sum(o.get("referents_from") == "inferred" for o in objs.values()),
        "opaque": sum(bool(o.get("opaque")) for o in objs.values()),
        "unknown_because": dict(because),
        "not_emulated": sum(bool(o.get("opaque")) and not o.get("unknown_because") for o in objs.values()),
    }


def check_counts(r, t, label):
    snap = os.path.join(t.dir, "counts.snapshot")
    rc, _, err = gstest.run_gcscope(["-p", str(t.pid), "--save", snap, "--dump-types"], timeout=180)
    if rc != 0:
        r.check(False, "%s: --save" % label, err.strip()[:200])
        return
    rc, out, err = gstest.run_gcscope([snap, "--dump-graph", "--json"], timeout=180)
    objs = {o["addr"]: o for o in json.loads(out)["objects"]} if rc == 0 else {}
    rc2, out2, err2 = gstest.run_gcscope([snap, "--dump-types", "--json"], timeout=180)
    got = json.loads(out2).get("referents") if rc2 == 0 else None
    want = explained_counts(objs)
    r.check(rc == 0 and got == want, "%s: --dump-types' referents counts equal the graph's nodes" % label,
            "types %s, graph %s" % (got, want))
    r.check(want["emulated"] > 0, "%s: some objects' referents came from the emulator" % label, want)
    rc3, out3, _ = gstest.run_gcscope([snap, "--dump-types"], timeout=180)
    line = [ln for ln in out3.splitlines() if ln.startswith("referents: ")]
    r.check(rc3 == 0 and len(line) == 1 and ("%s objects from their type's emulated tp_traverse" % format(
        want["emulated"], ",")) in line[0], "%s: --dump-types' text says how many were emulated" % label, line)
    os.unlink(snap)


def check(r, python, label, extra_dir, extra_modules):
    env = {"GSTEST_EXTRA_PATH": extra_dir, "GSTEST_EXTRA_MODULES": ",".join(extra_modules)}
    with gstest.start_target(python, "compiled_target.py", label=label, env=env) as t:
        oracle = t.oracle_data()
        objs, edges = load_graph(t.pid)
        per = recall(oracle, objs, edges)
        wanted = sum(a for a, _ in per.values())
        found = sum(b for _, b in per.values())
        pct = 100.0 * found / wanted if wanted else 0.0
        print("%s: %d emulated types, recall %.2f%% (%d of %d references); optional: %s" % (
            label, len(per), pct, found, wanted, ", ".join(oracle["optional"]) or "none"))
        r.check(wanted > 0 and pct >= 98.0, "%s: edge recall of emulated objects >= 98%%" % label, "%.2f%%" % pct)
        check_counts(r, t, label)
        by_name = collections.Counter()
        unknown = collections.Counter()
        for o in oracle["objects"]:
            name = o["module"] + "." + o["type"]
            node = objs.get(o["id"])
            if name in EMULATED_HOLDERS and node:
                by_name[name] += 1
                if node.get("unknown_because"):
                    unknown[name + ": " + node["unknown_because"]] += 1
        r.check(not unknown, "%s: no planted kind of compiled object stays unknown" % label, dict(unknown))
        for name in extra_modules:
            r.check(name + ".Holder" in per, "%s: the %s module's Holder is emulated" % (label, name))
        for _, holder_type in {(0, h) for _, _, h in oracle["planted"]}:
            if holder_type in per:
                a, b = per[holder_type]
                r.check(a == b, "%s: %s: every gc.get_referents reference found" % (label, holder_type),
                        "%d of %d" % (b, a))
        # A mypyc int attribute kept tagged (gs_mypyc_holder.big) is labelled
        # by its name, not found "in a separate block".
        if "gs_mypyc_holder" in extra_modules:
            labs = collections.Counter(lab for a, o in objs.items() if o.get("name") == "Holder"
                                       and o.get("module") == "gs_mypyc_holder" for _, lab in edges[a])
            r.check(labs[".big"] > 0 and not labs["(separate block)"],
                    "%s: a mypyc tagged int's edge is labelled by its attribute" % label, dict(labs))
        # --path names the holder.
        for name, pid, holder_type in oracle["planted"]:
            rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--path", hex(pid)], timeout=120)
            short = holder_type.rsplit(".", 1)[-1]
            r.check(rc == 0 and (short + "@") in out, "%s: --path to the %s payload names %s" % (label, name, short),
                    out[-400:] if rc == 0 else err.strip()[:200])
            # Every step reads as a word of its holder or a place in a block
            # a word points to ("+0x20[3]"), never a bare "(separate block)".
            r.check(rc == 0 and "(separate block)" not in out,
                    "%s: --path to the %s payload names the word of each step" % (label, name), out[-400:])
        # The garbage rule.
        rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--dump-cycles", "--json", "--top", "0"], timeout=180)
        cycles = json.loads(out)["cycles"] if rc == 0 else []
        garbage = set()
        for c in cycles:
            if c["class"].startswith("garbage"):
                garbage |= {int(a, 16) for a in c["objects"]}
        missing = [i for i in oracle["garbage"] if i not in garbage]
        r.check(rc == 0 and not missing, "%s: compiled objects in dropped cycles are garbage" % label,
                "%d of %d not garbage: %s" % (len(missing), len(oracle["garbage"]), [
                    (objs[i]["name"], objs[i]["refcnt"], objs[i]["explained"], objs[i].get("unknown_because"))
                    for i in missing if i in objs][:6]))
        alive = [i for i in oracle["kept"] if i in garbage]
        r.check(not alive, "%s: kept compiled holders are not garbage" % label, "%d kept called garbage" % len(alive))
        # Retained sizes: the holders that alone keep their payloads retain
        # them. Per type (--dump-retained's "types", each object counted
        # once): the per-object list holds only the biggest objects, where
        # these small holders never appear. Each payload is 1000 bytes or more.
        rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--dump-retained", "--json", "--top", "0"], timeout=180)
        r.check(rc == 0, "%s: --dump-retained runs" % label, err.strip()[:200])
        if rc == 0:
            types = {row["module"] + "." + row["name"]: row for row in json.loads(out).get("types", [])}
            for name in ("multidict", "simple_queue", "context", "future_result") + tuple(extra_modules):
                hits = [h for n, _, h in oracle["planted"] if n == name]
                if not hits:
                    continue
                payloads = sum(1 for _, _, h in oracle["planted"] if h == hits[0])
                row = types.get(hits[0], {})
                r.check(row.get("retained", 0) >= 1000 * payloads,
                        "%s: %s's type %s retains its payloads' bytes" % (label, name, hits[0]),
                        "%s retained by %s, %d payloads" % (row.get("retained"), hits[0], payloads))

def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("compiled")
    for label, python in gstest.pythons():
        with r.case("%s: compiled holders" % label):
            extra_dir = tempfile.mkdtemp(prefix="gstest-compiled-")
            try:
                extra_modules, notes = compiled_modules.build_all(python, extra_dir)
                for n in notes:
                    print("%s: %s" % (label, n))
                check(r, python, label, extra_dir, extra_modules)
            finally:
                shutil.rmtree(extra_dir, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
