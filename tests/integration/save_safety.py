#!/usr/bin/env python3
"""save_safety: --save and -o cannot be turned against a file, and inputs
that are not regular files are refused at once.

One target (the newest interpreter: the file handling does not depend on
it) and a fresh directory:
  - PATH a symbolic link to a victim file: refused (exit 12), the victim
    and the link unchanged;
  - PATH a character device made with mknod (1,7: /dev/full's numbers, in
    the test's own directory), a FIFO, a directory: refused, still there and
    of the same kind;
  - PATH a regular file: replaced by a whole snapshot that loads;
  - no temporary file is left in the directory after any of these;
  - the same for -o with a report;
  - a FIFO, a directory or a device given as a snapshot to read (FILE,
    --diff): refused within seconds (opening a FIFO used to block forever).
"""

import os
import stat
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import gstest  # noqa: E402


def kind(path):
    m = os.lstat(path).st_mode
    for test, name in ((stat.S_ISLNK, "link"), (stat.S_ISREG, "file"), (stat.S_ISDIR, "dir"),
                       (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "chardev")):
        if test(m):
            return name
    return "other"


def make_planted(d):
    """name -> kind of the planted paths (a device only where mknod works)."""
    with open(os.path.join(d, "victim"), "w") as f:
        f.write("precious\n")
    os.symlink("victim", os.path.join(d, "link"))
    os.symlink("/nonexistent-gcscope-target", os.path.join(d, "dangling"))
    os.mkfifo(os.path.join(d, "fifo"))
    os.mkdir(os.path.join(d, "dir"))
    planted = {"link": "link", "dangling": "link", "fifo": "fifo", "dir": "dir"}
    try:
        os.mknod(os.path.join(d, "device"), 0o600 | stat.S_IFCHR, os.makedev(1, 7))
        planted["device"] = "chardev"
    except OSError:
        pass
    return planted


def listing(d):
    return sorted(os.listdir(d))


def test():
    gstest.require_gcscope()
    gstest.require_ptrace()
    res = gstest.Results("save_safety")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython found")
    label, python = pys[-1]
    with gstest.start_target(python, "heap_target.py", label=label) as t:
        d = os.path.join(t.dir, "out")
        os.mkdir(d)
        planted = make_planted(d)
        names = listing(d)
        for name, was in sorted(planted.items()):
            path = os.path.join(d, name)
            for how in (["-p", t.pid, "--save", path], ["-p", t.pid, "--dump-types", "-o", path]):
                flag = how[2]
                with res.case("%s %s is refused" % (flag, name)):
                    rc, out, err = gstest.run_gcscope(how, timeout=60)
                    assert rc == gstest.EXIT["io"], "rc %s: %s" % (rc, err)
                    line = gstest.error_line(err)
                    assert "refusing" in line, line
                    assert kind(path) == was, "%s is now a %s" % (name, kind(path))
                    with open(os.path.join(d, "victim")) as f:
                        assert f.read() == "precious\n", "the victim was written through the link"
                    assert listing(d) == names, "files appeared: %s" % (set(listing(d)) - set(names))
        regular = os.path.join(d, "victim")
        with res.case("--save over a regular file replaces it whole"):
            rc, out, err = gstest.run_gcscope(["-p", t.pid, "--save", regular], timeout=60)
            assert rc == 0, err
            rc, out, err = gstest.run_gcscope([regular, "--dump-types", "--json"], timeout=60)
            assert rc == 0, err
            assert gstest.parse_json(out)["objects"] > 0
            assert listing(d) == names, "files left: %s" % (set(listing(d)) - set(names))
        with res.case("-o to a new file writes the report"):
            path = os.path.join(d, "report.txt")
            rc, out, err = gstest.run_gcscope([regular, "--dump-types", "-o", path], timeout=60)
            assert rc == 0 and out == "", err
            assert kind(path) == "file" and os.path.getsize(path) > 0
            os.unlink(path)
        inputs = {n: p for n, p in planted.items() if n in ("fifo", "dir", "device")}
        for name in sorted(inputs):
            path = os.path.join(d, name)
            for how in ([path, "--dump-types"], ["--diff", path, regular]):
                with res.case("reading %s (%s) is refused at once" % (name, how[0])):
                    rc, out, err = gstest.run_gcscope(how, timeout=10)
                    assert rc is not None, "gcscope blocked on %s" % name
                    assert rc in (gstest.EXIT["io"], gstest.EXIT["usage"], 14), "rc %s: %s" % (rc, err)
                    gstest.error_line(err)
    res.finish()


if __name__ == "__main__":
    test()
