"""resources: --dump-resources against what resources_target.py recorded.

For every CPython on the machine, resources_target.py opens files (some
closed again, one dropped while open and kept alive only by a reference
cycle, the collector disabled), a text file over a pipe, loopback TCP
sockets (listening, connected, accepted; IPv6 too where ::1 exists), a UDP
socket, a unix socketpair,
a raw os.open descriptor, an os.pipe pair, an mmap, a subprocess.Popen
child and a selectors.DefaultSelector, and records what each is before it
parks. gcscope's --dump-resources --json of the parked target must say:

  - descriptors: exactly the process's, each with the link the target
    read itself, its access and append flag, a regular file's position;
  - owners: every descriptor's owner is the object that holds it (the
    FileIO under a text or buffered file, the socket, the mmap, the epoll),
    and the raw descriptor and both ends of the raw pipe have none;
  - files: descriptor, name (an int for os.fdopen), mode as FileIO.mode
    says it, open or closed (closed ones with no descriptor, and their
    path in no descriptor), a path from __main__ through the global;
  - the dropped file: open, garbage and leaked, held by its buffered and
    text layers and the Holder whose cycle keeps them;
  - sockets: family and type, and from the descriptor table the addresses
    getsockname()/getpeername() gave and the TCP state;
  - the mmap's size and file, the child's pid, args and returncode, the
    selector's epoll descriptor and registered descriptors;
  - anomalies: exactly the dropped file leaked, exactly the raw
    descriptors unowned, exactly the ghost socket (its descriptor closed
    behind its back) missing, the zombie socket (its descriptor replaced
    by a file's) mismatched, W_TEXT's descriptor (also DUPE's) shared;
  - the text report: 80 columns, the same facts (shown once in the log);
  - the snapshot saved with --save gives the same report.
Loopback only; every wait is bounded; the target and its child are killed
whatever happens.
"""

import os
import re
import signal

import gstest


def run_json(args, timeout=180):
    rc, out, err = gstest.run_gcscope(args + ["--json"], timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(args), rc, err.strip()[:300])
    return gstest.parse_json(out)


def kill_all(target, oracle):
    """The target's whole process group (it leads its own session, and the
    child is in it), then the child by pid if it somehow left the group."""
    try:
        os.killpg(target.pid, signal.SIGKILL)
    except OSError:
        pass
    child = (oracle or {}).get("child", {}).get("pid")
    if child:
        try:
            with open("/proc/%d/cmdline" % child, "rb") as f:
                if f.read().split(b"\0")[0].endswith(b"sleep"):
                    os.kill(child, signal.SIGKILL)
        except OSError:
            pass


def expected_owners(oracle):
    """fd -> the hex id of the object that must own it, None for none."""
    owners = {}
    for entry in oracle["files"].values():
        if not entry["closed"]:
            owners[entry["fd"]] = entry["id"]
    for entry in oracle["sockets"].values():
        if entry and not entry["closed"]:
            owners[entry["fd"]] = entry["id"]
    owners[oracle["raw_fd"]] = None
    for fd in oracle["raw_pipe"] + oracle.get("inherent_fds", []):
        owners[fd] = None
    owners[oracle["selector"]["epfd"]] = oracle["selector"]["epoll_id"]
    owners[oracle["zombie"]["fd"]] = oracle["zombie"]["id"]  # claimed, though of another kind
    for fd, e in oracle["fds"].items():
        if e["target"] == oracle["map"]["path"]:
            owners[int(fd)] = oracle["map"]["id"]
    return owners


def check_fds(r, label, report, oracle):
    fds = {f["fd"]: f for f in report["fds"]}
    want = {int(k): v for k, v in oracle["fds"].items()}
    r.check(sorted(fds) == sorted(want), "%s: the descriptors are exactly the process's" % label,
            "gcscope %s, target %s" % (sorted(fds), sorted(want)))
    bad = [(fd, fds[fd]["target"], w["target"]) for fd, w in want.items()
           if fd in fds and fds[fd]["target"] != w["target"]]
    r.check(not bad, "%s: every descriptor's target is its link" % label, bad)
    bad = [(fd, fds[fd].get("access"), fds[fd].get("append"), w) for fd, w in want.items()
           if fd in fds and "access" in w and
           (fds[fd].get("access"), fds[fd].get("append")) != (w["access"], w["append"])]
    r.check(not bad, "%s: access and append flags from fdinfo" % label, bad)
    bad = [(fd, fds[fd]["pos"], w["pos"]) for fd, w in want.items()
           if fd in fds and "pos" in w and fds[fd]["pos"] != w["pos"]]
    r.check(not bad, "%s: file positions from fdinfo" % label, bad)

    owners = expected_owners(oracle)
    r.check(set(owners) == set(want), "%s: the target accounts for every descriptor" % label,
            "unexpected %s" % sorted(set(want) - set(owners)))
    dupe = oracle["dupe"]
    bad = []
    for fd, owner in owners.items():
        got = fds.get(fd, {}).get("owner")
        got_id = got["addr"] if got else None
        if got_id != owner and not (fd == dupe["fd"] and got_id == dupe["id"]):
            bad.append((fd, want.get(fd, {}).get("target"), got_id, owner))
    r.check(not bad, "%s: every descriptor's owner (raw os.open and os.pipe: none)" % label, bad)


def check_files(r, label, report, oracle):
    res = {x["addr"]: x for x in report["resources"]}
    targets = {f["target"] for f in report["fds"]}
    files = dict(oracle["files"])
    files["DUPE"] = dict(files["W_TEXT"], id=oracle["dupe"]["id"], name=str(oracle["dupe"]["fd"]))
    for name, want in files.items():
        got = res.get(want["id"])
        if not r.check(got is not None and got["kind"] == "file", "%s: file %s is a resource" % (label, name),
                       got and got["kind"]):
            continue
        fields = ("fd", "name", "mode", "closed", "garbage")
        r.check(all(got[k] == want[k] for k in fields), "%s: file %s fd, name, mode, closed, garbage" % (label, name),
                "gcscope %s, target %s" % ({k: got[k] for k in fields}, {k: want[k] for k in fields}))
        r.check(got["leaked"] == (not want["closed"] and want["garbage"]), "%s: file %s leaked flag" % (label, name),
                got["leaked"])
        if want["garbage"]:
            held = [h["type"] for h in got.get("held_by", [])]
            r.check(not got["reachable"] and got["path"] is None and got.get("held_by_cycle") and
                    held[:1] == ["BufferedWriter"] and "Holder" in held,
                    "%s: file %s held by its layers and the Holder cycle, no path" % (label, name), held)
        elif name.isupper():
            expr = (got["path"] or {}).get("expression", "")
            steps = (got["path"] or {}).get("steps", [])
            r.check(got["reachable"] and expr.startswith("__main__") and name in expr and steps and
                    steps[-1]["addr"] == want["id"],
                    "%s: file %s has a path from __main__.%s" % (label, name, name), expr)
        if want["closed"]:
            r.check(got["fd"] is None and "fd_target" not in got,
                    "%s: closed file %s has no descriptor" % (label, name), got["fd"])
    for p in oracle["closed_paths"]:
        r.check(p not in targets, "%s: no descriptor is open on the closed %s" % (label, os.path.basename(p)))


def socket_detail(want):
    if want["kind"] == "listen":
        return "tcp %s LISTEN" % want["local"]
    if want["kind"] == "listen6":
        return "tcp6 %s LISTEN" % want["local"]
    if want["kind"] == "connected":
        return "tcp %s -> %s ESTABLISHED" % (want["local"], want["peer"])
    if want["kind"] == "udp":
        return "udp %s" % want["local"]
    return "unix (unnamed)"


def check_sockets(r, label, report, oracle):
    res = {x["addr"]: x for x in report["resources"]}
    fds = {f["fd"]: f for f in report["fds"]}
    if oracle["sockets"]["LISTENER6"] is None:
        r.skip("%s: an IPv6 listener" % label, "no IPv6 loopback here")
    for name, want in oracle["sockets"].items():
        if want is None:
            continue
        got = res.get(want["id"])
        if not r.check(got is not None and got["kind"] == "socket", "%s: socket %s is a resource" % (label, name),
                       got and got["kind"]):
            continue
        if want["closed"]:
            r.check(got["closed"] and got["fd"] is None, "%s: socket %s closed, no descriptor" % (label, name),
                    (got["closed"], got["fd"]))
            continue
        r.check((got["fd"], got["name"], got["closed"]) == (want["fd"], want["name"], False),
                "%s: socket %s fd, family and type" % (label, name), (got["fd"], got["name"], want["name"]))
        detail = socket_detail(want)
        r.check(got.get("fd_detail") == detail and fds.get(want["fd"], {}).get("detail") == detail,
                "%s: socket %s is '%s'" % (label, name, detail), got.get("fd_detail"))
        r.check(fds.get(want["fd"], {}).get("kind") == "socket",
                "%s: socket %s's descriptor is a socket" % (label, name))


def check_others(r, label, report, oracle):
    res = {x["addr"]: x for x in report["resources"]}
    fds = {f["fd"]: f for f in report["fds"]}
    m = res.get(oracle["map"]["id"])
    r.check(m is not None and m["kind"] == "mmap" and m["size"] == oracle["map"]["size"] and
            m.get("fd_target") == oracle["map"]["path"] and not m["closed"],
            "%s: the mmap, its size and its file" % label, m and (m["size"], m.get("fd_target")))
    c = res.get(oracle["child"]["id"])
    r.check(c is not None and c["kind"] == "process" and c["pid"] == oracle["child"]["pid"] and
            c["name"] == oracle["child"]["args"] and c["detail"] == "returncode None" and not c["closed"],
            "%s: the Popen child: pid, args, returncode None" % label, c and (c["pid"], c["name"], c["detail"]))
    sel = oracle["selector"]
    s = res.get(sel["id"])
    regs = sorted(int(x) for x in re.findall(r"\d+", (s or {}).get("detail", "").split("registered")[-1]))
    r.check(s is not None and s["kind"] == "selector" and s["type"] == sel["type"] and s["fd"] is None and
            "epoll fd %d" % sel["epfd"] in s["detail"] and regs == sel["registered"],
            "%s: the selector, its epoll and registered descriptors" % label, s and s["detail"])
    e = res.get(sel["epoll_id"])
    watched = sorted(int(x) for x in re.findall(r"\d+", fds.get(sel["epfd"], {}).get("detail", "")))
    r.check(e is not None and e["kind"] == "selector" and e["fd"] == sel["epfd"] and watched == sel["registered"],
            "%s: the epoll owns its descriptor, which watches the registered ones" % label,
            (e and e["fd"], watched))
    raw = fds.get(oracle["raw_fd"], {})
    r.check(raw.get("target") == oracle["raw_path"] and raw.get("owner") is None,
            "%s: the raw os.open descriptor, no owner" % label, raw)
    rd, wr = oracle["raw_pipe"]
    r.check(fds.get(rd, {}).get("detail") == "pipe, read end (other end: fd %d)" % wr and
            fds.get(wr, {}).get("detail") == "pipe, write end (other end: fd %d)" % rd,
            "%s: the raw pipe's ends name each other" % label, (fds.get(rd), fds.get(wr)))


def check_anomalies(r, label, report, oracle):
    a = report["anomalies"]
    dropped = oracle["files"]["dropped"]
    r.check([x["addr"] for x in a["leaked"]] == [dropped["id"]] and a["leaked"][0]["fd"] == dropped["fd"],
            "%s: exactly the dropped file is leaked" % label, a["leaked"])
    want = sorted([oracle["raw_fd"]] + oracle["raw_pipe"] + oracle.get("inherent_fds", []))
    r.check(a["unowned_fds"] == want, "%s: exactly the raw descriptors have no owner" % label,
            "gcscope %s, want %s" % (a["unowned_fds"], want))
    ghost, zombie, dupe = oracle["ghost"], oracle["zombie"], oracle["dupe"]
    r.check([(x["addr"], x["fd"]) for x in a["missing_fds"]] == [(ghost["id"], ghost["fd"])],
            "%s: exactly the ghost socket claims a descriptor the process lacks" % label, a["missing_fds"])
    r.check([(x["addr"], x["fd"], x.get("fd_target")) for x in a["mismatched_fds"]] ==
            [(zombie["id"], zombie["fd"], zombie["path"])],
            "%s: exactly the zombie socket's descriptor is a file" % label, a["mismatched_fds"])
    fds = {f["fd"]: f for f in report["fds"]}
    r.check(a["shared_fds"] == [dupe["fd"]] and
            sorted(fds[dupe["fd"]]["claimed_by"]) == sorted([dupe["id"], dupe["with"]]),
            "%s: exactly W_TEXT's descriptor is shared, with DUPE" % label,
            (a["shared_fds"], fds.get(dupe["fd"], {}).get("claimed_by")))
    counts = report["counts"]
    unowned = 3 + len(oracle.get("inherent_fds", []))
    r.check(counts["fds"] == len(oracle["fds"]) and counts["leaked"] == 1 and counts["unowned_fds"] == unowned and
            counts["missing_fds"] == 1 and counts["mismatched_fds"] == 1 and counts["shared_fds"] == 1,
            "%s: counts agree" % label, counts)


def check_text(r, label, text, report, oracle, show):
    if show:
        print("---- %s: --dump-resources text ----\n%s---- end ----" % (label, text), flush=True)
    lines = text.splitlines()
    body = lines[3:]  # the capture header (common to every report) may be wider
    wide = [l for l in body if len(l) > 80]
    r.check(not wide, "%s: text fits 80 columns" % label, wide[:3])
    dropped = oracle["files"]["dropped"]
    r.check(any("LEAKED" in l and dropped["name"] in l for l in lines), "%s: text shows the leaked file" % label)
    r.check(any(l.split()[:1] == [str(oracle["raw_fd"])] and l.rstrip().endswith("no owner") for l in lines),
            "%s: text shows the raw descriptor with no owner" % label)
    listen = oracle["sockets"]["LISTENER"]
    r.check(any(socket_detail(listen) in l for l in lines), "%s: text shows the listening address" % label)
    r.check(any("sleep 60" in l and str(oracle["child"]["pid"]) in l for l in lines),
            "%s: text shows the child" % label)


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("resources")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    shown = False
    for label, python in pys:
        oracle = None
        target = gstest.start_target(python, "resources_target.py", label=label, ready_timeout=60)
        try:
            with r.case("%s: resources reported" % label):
                oracle = target.oracle_data()
                snap = os.path.join(target.dir, "resources.snapshot")
                report = run_json(["-p", str(target.pid), "--dump-resources", "--save", snap])
                check_fds(r, label, report, oracle)
                check_files(r, label, report, oracle)
                check_sockets(r, label, report, oracle)
                check_others(r, label, report, oracle)
                check_anomalies(r, label, report, oracle)
                rc, text, err = gstest.run_gcscope(["-p", str(target.pid), "--dump-resources"], timeout=180)
                assert rc == 0, "text report exited %s: %s" % (rc, err.strip()[:300])
                check_text(r, label, text, report, oracle, not shown)
                shown = True
                loaded = run_json([snap, "--dump-resources"])
                r.check(loaded == report, "%s: the saved snapshot gives the same report" % label,
                        [k for k in report if loaded.get(k) != report.get(k)])
            with r.case("%s: target running and untraced afterwards" % label):
                gstest.assert_running_untraced(target.pid)
        finally:
            kill_all(target, oracle)
            target.stop()
    r.finish()


if __name__ == "__main__":
    main()
