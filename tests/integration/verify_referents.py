"""verify_referents: --verify-referents, gcscope's decoders checked by each
object's own tp_traverse run in the emulator.

For every CPython on the machine, on compiled_target.py's heap (stdlib C
types everywhere; multidict, greenlet and lxml under Debian's 3.11):

  - gcscope --verify-referents --json exits 0 and says the decoders agree
    with the traverse on every object it could run, with 100% recall of what
    the traverses visit, over hand-decoded kinds (dict, function, module,
    heap types, lru_cache wrappers...) and compiled ones; and the emulator
    ran almost every object's traverse;
  - its text form says the same.

And on two interpreters, that the check can fail: tests/unit/verify_harness
runs the same check after breaking one type's references in the snapshot
(a decoder that forgot a field, one that read a wrong word); the check must
name that type, with missing (and extra) references, and exit 16. The
product has no switch that breaks a decoder: the harness is a test program.
"""

import json
import subprocess

import gstest

DISAGREE = 16
# Kinds gcscope decodes by hand that every heap has; each must be compared.
HAND_DECODED = ["dict", "list", "tuple", "function", "type", "module", "cell", "_lru_cache_wrapper"]


def by_name(report):
    return {(t["module"] + "." + t["name"]).replace("builtins.", ""): t for t in report["types"]}


def check_agree(r, python, label, text_too):
    with gstest.start_target(python, "compiled_target.py", label=label) as t:
        rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--verify-referents", "--json"], timeout=180)
        assert rc in (0, DISAGREE), "gcscope exited %s: %s" % (rc, err.strip()[:300])
        rep = json.loads(out)
        types = by_name(rep)
        differ = ["%s: %d missing, %d extra (e.g. %s)" % (n, x["missing"], x["extra"], x["example"])
                  for n, x in types.items() if x["differing_objects"]]
        recall = 100.0 * rep["matched"] / rep["traverse_referents"] if rep["traverse_referents"] else 0.0
        print("%s: %d objects compared, %d unknown, recall %.3f%% (%d of %d), %d untraversed edges" % (
            label, rep["objects"] - rep["unknown"], rep["unknown"], recall, rep["matched"],
            rep["traverse_referents"], rep["untraversed"]))
        r.check(rc == 0 and rep["agree"] and not differ, "%s: decoders agree with every traverse" % label,
                "exit %s; %s" % (rc, "; ".join(differ[:8])))
        r.check(rep["unknown"] <= rep["objects"] // 100, "%s: the emulator ran 99%% of the traverses" % label,
                "%d of %d unknown: %s" % (rep["unknown"], rep["objects"], sorted(
                    "%s=%s" % (n, x["unknown_because"]) for n, x in types.items() if x["unknown"])[:8]))
        absent = [k for k in HAND_DECODED if not any(
            n.endswith(k) and x["objects"] > x["unknown"] and x["traverse_referents"] for n, x in types.items())]
        r.check(not absent, "%s: hand-decoded kinds were compared" % label, absent)
        if text_too:
            rc, out, err = gstest.run_gcscope(["-p", str(t.pid), "--verify-referents"], timeout=180)
            r.check(rc == 0 and "\nagree: " in out and "recall" not in err,
                    "%s: the text form says they agree" % label, "exit %s: %s %s" % (rc, out[-500:], err[:300]))


def check_broken(r, python, label, harness):
    with gstest.start_target(python, "compiled_target.py", label=label) as t:
        for type_name, mode in (("dict", "forget"), ("function", "misread")):
            p = subprocess.run([harness, str(t.pid), type_name, mode], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=180)
            what = "%s: a %s decoder that %ss is caught" % (label, type_name, mode)
            if p.returncode not in (0, DISAGREE):
                r.check(False, what, "harness exited %s: %s" % (p.returncode, p.stderr.decode()[:300]))
                continue
            rep = json.loads(p.stdout)
            row = by_name(rep).get(type_name, {})
            bad = row.get("missing", 0) > 0 and row.get("differing_objects", 0) > 0
            if mode == "misread":
                bad = bad and row.get("extra", 0) > 0
            r.check(p.returncode == DISAGREE and not rep["agree"] and bad, what,
                    "exit %s, %s row: %s" % (p.returncode, type_name, row))


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("verify_referents")
    pys = gstest.pythons()
    for i, (label, python) in enumerate(pys):
        with r.case("%s: --verify-referents ran" % label):
            check_agree(r, python, label, text_too=i == 0)
    harness = gstest.builddir_file("tests/unit/verify_harness")
    if not harness:
        r.skip("a broken decoder is caught", "tests/unit/verify_harness not built (make check builds it)")
    else:
        # One interpreter of each end of the range is enough to show the check can fail.
        for label, python in [p for p in pys if p[0] in ("debian-3.11", "3.13")] or pys[:1]:
            with r.case("%s: the harness ran" % label):
                check_broken(r, python, label, harness)
    r.finish()


if __name__ == "__main__":
    main()
