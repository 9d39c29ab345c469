"""paths_diff: --referrers and --path against the interpreter, and --diff
finding a growing cache first.

  - leaks_target.py records gc.get_referrers() of the first Session in its
    CACHE: gcscope's tracked referrers are exactly those;
  - --path of that Session is __main__.CACHE[0], starting at the module
    root, with the labels a programmer would write;
  - growing_target.py grows a cache by 500 Sessions on SIGUSR1: a snapshot
    before, one after, and --diff ranks the cache first among the grown
    containers and Session first among the types, +500.
"""

import json
import os
import signal
import time

import gstest


def referrers_and_path(r, label, python):
    target = gstest.start_target(python, "leaks_target.py", label=label)
    with target:
        rec = target.oracle_data()
        addr = rec["cache_first_session"]
        rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--referrers", addr, "--json"])
        r.check(rc == 0, "%s: --referrers runs" % label, err.strip()[:200])
        if rc != 0:
            return
        got = json.loads(out)
        tracked = sorted(x["addr"] for x in got["referrers"] if x["tracked"])
        r.check(tracked == rec["cache_first_session_referrers"],
                "%s: referrers agree with gc.get_referrers" % label,
                "gcscope %s, interpreter %s" % (tracked, rec["cache_first_session_referrers"]))
        labels = [x["edge"] for x in got["referrers"] if x["addr"] == rec["cache"]]
        r.check(labels == ["[0]"], "%s: the cache refers to it as [0]" % label, labels)

        rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--path", addr, "--json"])
        r.check(rc == 0, "%s: --path runs" % label, err.strip()[:200])
        if rc != 0:
            return
        path = json.loads(out)["path"]
        r.check(path is not None and path["expression"] == "__main__.CACHE[0]",
                "%s: path is __main__.CACHE[0]" % label, path and path["expression"])
        r.check(path is not None and path["root_kind"] == "module" and path["steps"][-1]["addr"] == addr,
                "%s: path starts at a module root and ends at the object" % label, path)

        rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--path", "0x10"])
        r.check(rc == gstest.EXIT["usage"] and "no object at 0x10" in err, "%s: an unknown address is refused" % label,
                "%s %s" % (rc, err.strip()))
        gstest.assert_running_untraced(target.pid)


def wait_for(path, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def growth(r, label, python):
    target = gstest.start_target(python, "growing_target.py", label=label)
    with target:
        rec = target.oracle_data()
        old = os.path.join(target.dir, "before.snapshot")
        rc, _, err = gstest.run_gcscope(["-p", str(target.pid), "--save", old])
        r.check(rc == 0, "%s: first snapshot saved" % label, err.strip()[:200])
        os.kill(target.pid, signal.SIGUSR1)
        r.check(wait_for(os.path.join(target.dir, "grown-2")), "%s: the target grew" % label)
        rc, out, err = gstest.run_gcscope(["-p", str(target.pid), "--diff", old, "--json"])
        r.check(rc == 0, "%s: --diff runs" % label, err.strip()[:200])
        if rc != 0:
            return
        d = json.loads(out)
        first = d["grown"][0] if d["grown"] else {}
        r.check(first.get("addr") == rec["cache"], "%s: the cache is the first grown container" % label,
                "first %s, cache %s" % (first.get("addr"), rec["cache"]))
        r.check(first.get("items_after", 0) - first.get("items_before", 0) == 2 * rec["growth"],
                "%s: it holds 500 more keys and 500 more values" % label, first)
        session = [t for t in d["types"] if t["type"] == "__main__.Session"]
        r.check(bool(session) and session[0]["count_delta"] == rec["growth"],
                "%s: Session count grew by 500" % label, session)
        r.check(bool(d["types"]) and d["types"][0]["bytes_delta"] > 0, "%s: types ranked by growth" % label)
        rc, out, err = gstest.run_gcscope([old, "--diff", old])
        r.check(rc == 0 and "none" in out, "%s: a snapshot against itself shows no growth" % label, out[-300:])
        gstest.assert_running_untraced(target.pid)


def main():
    gstest.require_gcscope()
    r = gstest.Results("paths_diff")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for label, python in pys:
        with r.case("%s: referrers and paths" % label):
            referrers_and_path(r, label, python)
        with r.case("%s: growth" % label):
            growth(r, label, python)
    r.finish()


if __name__ == "__main__":
    main()
