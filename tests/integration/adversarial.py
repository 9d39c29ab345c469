#!/usr/bin/env python3
"""adversarial: targets whose memory is damaged, huge or deep.

Scenario 10 of docs/reliability.md, on every interpreter. Each mode of
tests/targets/corrupt_target.py damages the target's own objects with ctypes
(lists, tuples, dicts, types, collector links, the thread-state list, a
frame chain, a reference count) or builds a million-deep or million-long
structure. Every capture must end within its time limit with exit 0 or the
corrupt-memory exit (10), never a crash or a hang; what can be flagged is
flagged (broken collector lists, a bad object), a frame loop is shown once,
and every report then runs on the saved snapshot. The target is left
running and untraced.

The two big structures cost seconds each: they run on the oldest and the
newest interpreter only (ADVERSARIAL_BIG=all for every one).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import gstest  # noqa: E402

DAMAGE = ["list_size", "list_unmapped", "tuple_size", "dict_keys", "type_self", "type_name_long", "gc_loop",
          "gc_unmapped", "tstate_loop", "refcnt_min", "frame_loop"]
BIG = ["nested", "ring"]
REPORTS = ["--dump-types", "--dump-graph", "--dump-cycles", "--dump-retained", "--dump-suspects",
           "--dump-stacks", "--dump-resources", "--dump-external"]
LIMIT = 120.0  # seconds for one capture; a hang is killed and fails


def check_mode(res, label, python, mode):
    with gstest.start_target(python, "corrupt_target.py", args=(mode,), label=label) as t:
        snap = os.path.join(t.dir, "damaged.snap")
        rc, out, err = gstest.run_gcscope(["-p", t.pid, "--json", "--dump-types", "--save", snap], timeout=LIMIT)
        what = "%s %s" % (label, mode)
        res.check(rc in (0, gstest.EXIT["corrupt"]), "%s: capture exits 0 or 10" % what, "rc %s: %s" % (rc, err[-400:]))
        gstest.assert_running_untraced(t.pid)
        if rc == gstest.EXIT["corrupt"]:
            gstest.error_line(err)
            return
        if rc != 0:
            return
        report = gstest.parse_json(out)
        if mode in ("gc_loop", "gc_unmapped"):
            res.check(report["broken_lists"] >= 1, "%s: the broken collector list is flagged" % what, report["broken_lists"])
        if mode == "type_self":
            res.check(report["bad_objects"] >= 1, "%s: the object whose type is itself is marked bad" % what)
        if mode == "frame_loop":
            rc2, out2, err2 = gstest.run_gcscope([snap, "--dump-stacks"], timeout=LIMIT)
            res.check(rc2 == 0 and out2.count("park") == 1, "%s: the looping frame is shown once" % what,
                      "rc %s, %d times" % (rc2, out2.count("park")))
        for rep in REPORTS:
            rc2, out2, err2 = gstest.run_gcscope([snap, rep], timeout=LIMIT)
            res.check(rc2 == 0, "%s: %s on the snapshot" % (what, rep), "rc %s: %s" % (rc2, err2[-300:]))


def test():
    gstest.require_gcscope()
    gstest.require_ptrace()
    res = gstest.Results("adversarial")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython found")
    every = os.environ.get("ADVERSARIAL_BIG") == "all"
    for i, (label, python) in enumerate(pys):
        modes = DAMAGE + (BIG if every or i in (0, len(pys) - 1) else [])
        for mode in modes:
            with res.case("%s %s: bounded, no crash" % (label, mode)):
                check_mode(res, label, python, mode)
    res.finish()


if __name__ == "__main__":
    test()
