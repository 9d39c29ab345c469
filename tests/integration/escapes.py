"""escapes: no string of the target reaches the terminal raw (issue 10,
item 3), and JSON keeps every one exact.

escapes_target.py plants ESC sequences, BEL, DEL, a C1 CSI, a bidi override,
a newline, a lone surrogate and bytes that are not UTF-8 in a class's name,
qualname and module, an attribute name, a dict key, a str, a thread's name, a
code object's co_name and co_filename, an open file's path and the process's
name. For every CPython on the machine, one capture (live, also saved) and
then every report --help lists, over the saved snapshot:

  - text (and --format prometheus): no byte below 0x20 but newline and tab,
    no DEL, no C1 control and no bidi or invisible format character; no
    output line begins with what followed the planted newline (a name can
    not forge a line); the planted text is there, escaped ("\\x1b[31mRED");
  - JSON: valid, and the class's name and module, the thread's name and the
    code's names come back exactly as planted;
  - stderr: a non-Python program whose name holds ESC is refused with an
    error message that quotes its name escaped;
  - the browser (in tmux, when installed): the types and threads views show
    the names escaped as the text reports do, and no planted sequence
    reached the terminal (the screen, read back with its colours, shows
    neither the red nor the title the sequences ask for).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import gstest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "ui"))
import tmuxdrv  # noqa: E402

LINE2 = "line2"  # what follows the newline in escapes_target.EVIL
FORBIDDEN = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xaa-\xae\xa8\xa9]"
                       rb"|\xe2\x81[\xa0-\xa9]|\xd8\x9c|\xef\xbb\xbf")


def run(args, timeout=180):
    """gcscope's exit code, stdout and stderr as bytes."""
    p = subprocess.run([gstest.gcscope_path()] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def report_options():
    """Every report option of --help, with the argument it takes."""
    _, out, _ = run(["--help"])
    text = out.decode()
    section = text.split("Reports:\n", 1)[1].split("\n\n", 1)[0]
    found = re.findall(r"^      (--[a-z-]+)(?: ([A-Z]+))?", section, re.M)
    return [(opt, arg) for opt, arg in found if opt != "--locals"]  # a modifier of --dump-stacks


def assert_clean(what, data):
    m = FORBIDDEN.search(data)
    assert not m, "%s: raw %r at byte %d: %r" % (what, m.group(), m.start(), data[max(0, m.start() - 60):m.end() + 20])
    forged = [l for l in data.split(b"\n") if l.startswith(LINE2.encode())]
    assert not forged, "%s: a name's newline started a line: %r" % (what, forged[:2])


def check_text(R, label, snap, oracle, tmpdir):
    args_for = {"ADDR": None, "OLD": snap}
    for opt, arg in report_options():
        if arg == "ADDR":
            values = [oracle["path_target"], oracle["referred"]]
        else:
            values = [args_for.get(arg)] if arg else [None]
        for value in values:
            extra = [opt] + ([value] if value else [])
            if opt == "--dump-stacks":
                extra.append("--locals")
            with R.case("%s: %s text is escaped" % (label, " ".join(extra))):
                rc, out, err = run([snap] + extra + ["--top", "0"])
                assert rc == 0, (rc, err[:300])
                assert_clean("stdout", out)
                assert_clean("stderr", err)
                if opt in ("--dump-types", "--dump-cycles", "--dump-stacks", "--dump-graph", "--referrers"):
                    assert b"\\x1b[31mRED" in out, "the planted name is not shown escaped"
            with R.case("%s: %s --json is valid" % (label, " ".join(extra))):
                rc, out, err = run([snap] + extra + ["--json"])
                assert rc == 0, (rc, err[:300])
                json.loads(out.decode("utf-8", "surrogateescape"))
    with R.case("%s: --format prometheus is escaped" % label):
        rc, out, err = run([snap, "--format", "prometheus"])
        assert rc == 0, (rc, err[:300])
        assert_clean("prometheus", out)
    with R.case("%s: a failed --check is escaped" % label):
        rc, out, err = run([snap, "--check", "objects < 1"])
        assert rc == 1, (rc, err[:300])
        assert_clean("check", out + err)


def check_json(R, label, snap, evil):
    with R.case("%s: JSON keeps the class's name and module exact" % label):
        rc, out, err = run([snap, "--dump-types", "--json"])
        types = json.loads(out)["types"]
        assert any(t["name"] == "Evil" + evil and t["module"] == "mod" + evil for t in types), \
            [t["name"] for t in types if t["name"].startswith("Evil")]
    with R.case("%s: JSON keeps the thread's and the code's names exact" % label):
        rc, out, err = run([snap, "--dump-stacks", "--json"])
        threads = json.loads(out)["threads"]
        named = [t for t in threads if t["name"] == "thread" + evil]
        assert named, [t["name"] for t in threads]
        frames = [f for f in named[0]["frames"] if f.get("function", "").startswith("park")]
        assert frames and frames[0]["function"] == "park" + evil and frames[0]["file"] == "/src/evil%s.py" % evil, \
            named[0]["frames"][:3]


def check_browser(R, label, snap):
    if not tmuxdrv.have_tmux():
        R.skip("%s: browser" % label, "tmux is not installed")
        return
    with tmuxdrv.Tmux(160, 40) as tm:
        tm.start([gstest.gcscope_path(), snap], env={"TERM": "xterm-256color", "LANG": "C.UTF-8"})
        for key, want, what in (("2", "Evil\\x1b[31mRED", "types"), ("7", "thread\\x1b[31mRED", "threads")):
            with R.case("%s: the browser's %s view shows the names escaped" % (label, what)):
                tm.keys(key)
                if what == "types":  # a long list: find the row
                    tm.keys("/")
                    tm.type("Evil")
                    tm.keys("Enter")
                scr = tm.wait_for(lambda s: want in s, what="%s escaped" % want)
                colours = tm.screen(escapes=True)
                assert "pwned" not in tm._tmux("display-message", "-p", "#{pane_title}"), "the title was set"
                assert "\x1b[31m" not in colours, "red reached the terminal"
                assert "\x1b" in scr or want in scr
        tm.keys("q")


def one_python(R, label, python, tmpdir):
    try:
        target = gstest.start_target(python, "escapes_target.py", label=label)
    except gstest.TargetError as e:
        R.check(False, "%s: escapes_target starts" % label, e)
        return
    with target:
        oracle = target.oracle_data()
        snap = os.path.join(tmpdir, "escapes-%s.gcscope" % label)
        with R.case("%s: live --dump-stacks is escaped" % label):
            rc, out, err = run(["-p", target.pid, "--dump-stacks", "--save", snap])
            assert rc == 0, (rc, err[:300])
            assert_clean("stdout", out)
            assert_clean("stderr", err)
    if os.path.exists(snap):
        check_text(R, label, snap, oracle, tmpdir)
        check_json(R, label, snap, oracle["evil"])
        check_browser(R, label, snap)


def check_stderr(R, tmpdir):
    """The process name in an error message: a program that is no Python."""
    sleeper = gstest.builddir_file("tests/targets/sleeper")
    if not sleeper:
        R.skip("stderr: process name", "tests/targets/sleeper is not built")
        return
    evil = os.path.join(tmpdir.encode(), b"sl\x1b[31m\xe2\x80\xae")
    shutil.copy(sleeper, evil)
    proc = subprocess.Popen([evil, os.path.join(tmpdir.encode(), b"sleeper.pid")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        with R.case("stderr: a process name with ESC is quoted escaped"):
            rc, out, err = run(["-p", proc.pid, "--dump-types"], timeout=60)
            assert rc == gstest.EXIT["not_python"], (rc, err)
            assert_clean("stderr", err)
            assert b"\\x1b[31m" in err, err
    finally:
        proc.kill()
        proc.wait()


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    pythons = gstest.pythons()
    if not pythons:
        gstest.skip("no CPython 3.8+ found")
    R = gstest.Results("escapes")
    with tempfile.TemporaryDirectory(prefix="gstest-escapes-") as tmpdir:
        check_stderr(R, tmpdir)
        for label, python in pythons:
            one_python(R, label, python, tmpdir)
    R.finish()


if __name__ == "__main__":
    main()
