"""stacks: --dump-stacks against what threads_target.py recorded.

For every CPython on the machine, threads_target.py parks named threads in
a lock, a sleep, a socket read and a generator at the bottom of a deep
recursion, and records each thread's ident, native id and Python stack
(function, line, file; innermost first) as the interpreter itself sees it.
gcscope captures it once (--save) and the reports run on the saved file:

  - --dump-stacks --json --locals: every recorded thread is there with its
    name, native id and ident; its Python frames, in order, are exactly the
    recorded ones (so the innermost frame's function and line are right,
    and so is the merging of each eval-loop call's frames into the native
    stack); only the process's main thread is flagged main; the spinner,
    the one thread that wants the GIL, holds it (state R), the others are
    blocked (state S); each thread has native frames (innermost first when
    it is blocked in C),
    some of them named from the ELF symbols, and none is left standing for
    the eval loop; the sleeper's planted local list is shown by name with
    exactly the bytes it retains (its size and its items');
  - the same report read from a live capture agrees on the threads, and the
    target is left running and untraced;
  - the text report names every thread and its innermost frame.
"""

import os
import tempfile

import gstest

EVAL_LOOP = "_PyEval_EvalFrameDefault"


def run(args, timeout=180):
    rc, out, err = gstest.run_gcscope(args, timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(map(str, args)), rc, err.strip()[:600])
    return out


def python_frames(thread):
    return [f for f in thread["frames"] if f["kind"] == "python"]


def check_threads(R, label, report, oracle, pid):
    by_tid = {t["tid"]: t for t in report["threads"]}
    for rec in oracle["threads"]:
        what = "%s: thread %s" % (label, rec["name"])
        t = by_tid.get(rec["native_id"])
        if not R.check(t is not None, what + " is listed by its native id",
                       "tids %s" % sorted(by_tid)):
            continue
        R.check(t["name"] == rec["name"], what + " has its threading name", t["name"])
        R.check(t["python"] and t["ident"] == rec["ident"], what + " is a Python thread with its ident",
                "python %s ident %s, want %s" % (t["python"], t["ident"], rec["ident"]))
        R.check(t["main"] == rec["main"], what + " main flag", t["main"])
        got = [[f["function"], f["line"], f["file"]] for f in python_frames(t)]
        want = rec["frames"]
        R.check(got[:1] == want[:1], what + " innermost Python frame (function, line)",
                "got %s, want %s" % (got[:1], want[:1]))
        R.check(got == want, what + " whole Python stack in order (%d frames)" % len(want),
                "got %s\nwant %s" % (got, want))
        natives = [f for f in t["frames"] if f["kind"] == "native"]
        innermost = "python" if rec["running"] else "native"  # the spinner runs the eval loop itself
        first = t["frames"][0]["kind"] if t["frames"] else None
        if rec["running"] and "d" in oracle.get("abiflags", ""):
            # A debug build (-O0) makes the eval loop's inline helpers real
            # functions: it may be stopped in one, called from the loop.
            py = [i for i, f in enumerate(t["frames"]) if f["kind"] == "python"]
            first = "python" if py and all(f["kind"] == "native" and f["module"] == t["frames"][0]["module"]
                                           for f in t["frames"][:py[0]]) else first
        R.check(natives and first == innermost,
                what + " has native frames, the innermost %s" % innermost, t["frames"][:2])
        named = [f for f in natives if not f["function"].startswith("??")]
        R.check(named, what + " has native frames named from the ELF symbols", natives[:6])
        R.check(not [f for f in natives if f["function"].startswith(EVAL_LOOP)],
                what + " every eval-loop frame was replaced by its Python frames",
                [f["function"] for f in natives])
        state = "R" if rec["running"] else "S"
        R.check(t["state"] == state, what + " state %s" % state, t["state"])
    mains = [t["tid"] for t in report["threads"] if t["main"]]
    R.check(mains == [pid], "%s: exactly the process's main thread is flagged main" % label, mains)
    holders = [t["name"] for t in report["threads"] if t["gil"]]
    if report.get("free_threaded"):
        # No GIL to hold: the runtime's GIL state is disabled, never locked.
        R.check(holders == [], "%s: free-threaded, no thread holds a GIL" % label, holders)
    else:
        R.check(holders == ["spinner"], "%s: the one thread running Python holds the GIL" % label, holders)
    libc = [f for t in report["threads"] for f in t["frames"]
            if f["kind"] == "native" and f["module"].startswith("libc") and not f["function"].startswith("??")]
    R.check(libc, "%s: native frames in libc are named" % label)


def check_locals(R, label, report, oracle):
    planted = oracle["planted"]
    what = "%s: --locals shows %s in %s()" % (label, planted["name"], planted["function"])
    thread = [t for t in report["threads"] if t["name"] == planted["thread"]]
    frames = [f for t in thread for f in python_frames(t) if f["function"] == planted["function"]]
    locals_ = [l for f in frames for l in f.get("locals", []) if l["name"] == planted["name"]]
    if not R.check(len(locals_) == 1, what, [f.get("locals") for f in frames]):
        return
    local = locals_[0]
    R.check(local["addr"] == planted["addr"] and local["type"] == "list",
            what + " at its address, a list", local)
    R.check(local["retained"] == planted["retained"],
            what + " retaining exactly the list and its %d strs" % planted["items"],
            "got %s, want %s" % (local["retained"], planted["retained"]))


def check_text(R, label, text, oracle):
    for rec in oracle["threads"]:
        head = "Thread %d (%s" % (rec["native_id"], rec["name"])
        function, line, path = rec["frames"][0]
        R.check(head in text and "%s (%s:%d)" % (function, path, line) in text,
                "%s: text names thread %s and its innermost frame" % (label, rec["name"]))


def one_python(R, label, python, tmpdir):
    try:
        target = gstest.start_target(python, "threads_target.py", label=label)
    except gstest.TargetError as e:
        R.check(False, "%s: threads_target starts" % label, e)
        return
    with target:
        oracle = target.oracle_data()
        snap = os.path.join(tmpdir, "stacks-%s.gcscope" % label)
        with R.case("%s: live --dump-stacks --json" % label):
            live = gstest.parse_json(run(["-p", target.pid, "--dump-stacks", "--json", "--save", snap]))
            gstest.assert_running_untraced(target.pid)
            names = sorted(t["name"] for t in live["threads"])
            assert all(r["name"] in names for r in oracle["threads"]), names
        with R.case("%s: target left running and untraced" % label):
            gstest.assert_running_untraced(target.pid)
        if not os.path.exists(snap):
            return
        report = gstest.parse_json(run([snap, "--dump-stacks", "--json", "--locals"]))
        R.check([t["name"] for t in report["threads"]] == [t["name"] for t in live["threads"]],
                "%s: the saved snapshot holds the same threads" % label)
        check_threads(R, label, report, oracle, target.pid)
        check_locals(R, label, report, oracle)
        check_text(R, label, run([snap, "--dump-stacks", "--locals"]), oracle)


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    pythons = gstest.pythons()
    if not pythons:
        gstest.skip("no CPython 3.8+ found")
    R = gstest.Results("stacks")
    with tempfile.TemporaryDirectory(prefix="gstest-stacks-") as tmpdir:
        for label, python in pythons:
            one_python(R, label, python, tmpdir)
    R.finish()


if __name__ == "__main__":
    main()
