"""service_heap: gcscope's edges on an aiohttp-style service heap
(tests/targets/aiohttp_target.py: Debian's python3-aiohttp, yarl, multidict,
frozenlist, aiosignal under /usr/bin/python3.11) against the interpreter's
gc.get_referents, with the emulated traverse and without it
(GCSCOPE_NO_EMULATION=1).

Checks (issue 12's goal): with emulation, gcscope's edges hold at least 98%
of the gc.get_referents references over the whole heap; every compiled type
whose referents came from the emulator holds 100%; each planted payload's
--path names its compiled holder. Prints the figures per compiled type,
before and after. Skips (77) without Debian's python3.11 and python3-aiohttp.
"""

import collections
import json
import subprocess

import gstest

GOAL = 98.0


def graph(pid, emulate):
    env = {"GCSCOPE_EMU_STATS": "1"} if emulate else {"GCSCOPE_NO_EMULATION": "1"}
    rc, out, err = gstest.run_gcscope(["-p", str(pid), "--dump-graph", "--json"], timeout=300, env=env)
    if rc != 0:
        raise AssertionError("gcscope exited %s: %s" % (rc, err.strip()[:300]))
    for line in err.splitlines():
        if "emulation:" in line:
            print(line)
    g = json.loads(out)
    objs = {int(o["addr"], 16): o for o in g["objects"]}
    edges = collections.defaultdict(collections.Counter)
    for s, d in g["edges"]:
        edges[int(s, 16)][int(d, 16)] += 1
    return objs, edges


def recall(oracle, objs, edges):
    """Per type: [wanted, found, emulated objects], over every oracle object
    gcscope has in its graph."""
    per = collections.defaultdict(lambda: [0, 0, 0])
    for o in oracle["objects"]:
        if o["id"] not in objs:
            continue
        want = collections.Counter(o["referents"])
        have = edges[o["id"]]
        row = per[o["module"] + "." + o["type"]]
        row[0] += sum(want.values())
        row[1] += sum(min(c, have[d]) for d, c in want.items())
        row[2] += objs[o["id"]].get("referents_from") == "emulated"
    return per


def total(per, names=None):
    w = sum(v[0] for k, v in per.items() if names is None or k in names)
    f = sum(v[1] for k, v in per.items() if names is None or k in names)
    return w, f, 100.0 * f / w if w else 0.0


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    if subprocess.run([gstest.DEBIAN_PYTHON, "-c", "import aiohttp, yarl, multidict, frozenlist, aiosignal"],
                      capture_output=True).returncode != 0:
        gstest.skip("needs %s with python3-aiohttp (and yarl, multidict, frozenlist, aiosignal)"
                    % gstest.DEBIAN_PYTHON)
    r = gstest.Results("service_heap")
    label = "debian-3.11"
    with r.case("%s: aiohttp service heap" % label):
        with gstest.start_target(gstest.DEBIAN_PYTHON, "aiohttp_target.py", label=label) as t:
            oracle = t.oracle_data()
            before = recall(oracle, *graph(t.pid, False))
            objs, edges = graph(t.pid, True)
            after = recall(oracle, objs, edges)
            emulated = {k for k, v in after.items() if v[2]}
            for name, per in (("before (GCSCOPE_NO_EMULATION=1)", before), ("after", after)):
                w, f, pct = total(per)
                ew, ef, epct = total(per, emulated)
                print("%s: %s: whole heap %.2f%% (%d of %d references); emulated types %.2f%% (%d of %d)"
                      % (label, name, pct, f, w, epct, ef, ew))
            print("%s: per emulated type, before -> after:" % label)
            for k in sorted(emulated, key=lambda k: -after[k][0]):
                b, a = before.get(k, [0, 0, 0]), after[k]
                print("  %-50s %6d/%-6d -> %6d/%-6d (%d objects)" % (k, b[1], b[0], a[1], a[0], a[2]))
            shortfall = sorted(((k, v) for k, v in after.items() if v[1] < v[0]), key=lambda kv: kv[1][1] - kv[1][0])
            if shortfall:
                print("%s: types below 100%% after: %s" % (label, ", ".join(
                    "%s %d/%d" % (k, v[1], v[0]) for k, v in shortfall[:10])))
            w, f, pct = total(after)
            r.check(pct >= GOAL, "%s: whole-heap edge recall >= %.0f%% with emulation" % (label, GOAL), "%.2f%%" % pct)
            missed = {k: "%d of %d" % (after[k][1], after[k][0]) for k in emulated if after[k][1] < after[k][0]}
            r.check(not missed, "%s: every emulated type holds all its gc.get_referents references" % label, missed)
            for name, pid, holder_type in oracle["planted"]:
                rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--path", hex(pid)], timeout=120)
                short = holder_type.rsplit(".", 1)[-1]
                r.check(rc == 0 and (short + "@") in out, "%s: --path to the %s payload names %s" % (label, name, short),
                        out[-400:] if rc == 0 else err.strip()[:200])
    r.finish()


if __name__ == "__main__":
    main()
