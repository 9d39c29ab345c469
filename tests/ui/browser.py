"""browser: the real gcscope browser in a real terminal (tmux), end to end.

For every CPython on the machine (tests/lib/gstest.py's pythons()), with
leaks_target.py parked, `gcscope -p PID` opens in a tmux pane of 100x30
with TERM=xterm-256color, and the test drives it like a person would:

  - the overview is shown, and the target is running and untraced while
    the browser is open (it was resumed before the browser opened);
  - `/Session` Enter finds the planted class among the types; Enter lists
    its instances; Enter opens one, whose breadcrumbs are __main__.CACHE[N];
  - its last row is its referrer, the CACHE dict: Enter follows it and
    the breadcrumbs read __main__.CACHE; `u` climbs until the object is a
    root (module __main__);
  - `3`, `/Node` Enter opens the first garbage cycle of Node, whose loop
    is written with ".next" (3.11+) or ".__dict__ ... ['next']" (3.8-3.10);
  - resized to 80x24 the screen still ends with the key bar, no line wider;
  - `?` shows the help, listing the keys; `q` quits with status 0, the
    shell's terminal modes are back (echo, icanon) and no browser line is
    left on the screen; the target is still running, untraced.

With the target stopped, its core (gdb's gcore) browsed: the Types, Cycles
and Suspects views equal the live process's, and the same walk (an
instance, its referrer up to the root, a garbage cycle) works on it.

Then, once: a snapshot saved with --save browsed the same way (R refused:
a file cannot be captured again), its help screen compared line by line
with the key list in docs/browser.md, and NO_COLOR=1 checked to draw
without a single colour sequence (while the default draws with colour);
`R` on a live process shows the changes view; spawn mode
(`gcscope -- PROGRAM`) opens the browser and ends the program after, and
its planted type names (wide characters longer than the screen, an escape
sequence) are cut with an ellipsis within the width and the sequence is
shown escaped ("\\x1b[31mRed\\x07", as every presenter shows it);
Ctrl-C, SIGTERM and SIGSEGV all leave the terminal restored.

The memory view (9), once, on the newest pyenv GIL interpreter: a saved
snapshot of memory_target.py run with PYTHONTRACEMALLOC=5 shows the same
split of the resident memory as --dump-memory (part, bytes, share), the
same fragmented arenas as --dump-pymalloc in the same order with the
objects that pin them (Enter opens one), the same 30 top allocation lines
as --dump-allocations with the planted bytearray line among them; the
overview's memory line opens the view, and the help lists 9.

Skips (77) when tmux is missing, the binary is not built, or ptrace is
not allowed. GSTEST_PYTHONS narrows the Pythons (see gstest.py).
"""

import os
import re
import signal
import sys
import tempfile
import time
import unicodedata

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gstest  # noqa: E402
import tmuxdrv  # noqa: E402

WIDTH, HEIGHT = 100, 30
ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
DOCS = os.path.join(gstest.SRCDIR, "docs", "browser.md")
KEYS_BEGIN, KEYS_END = "<!-- keys: begin -->", "<!-- keys: end -->"


def title(screen):
    return screen.splitlines()[0] if screen else ""


def keybar_ok(screen, width, height):
    lines = screen.rstrip("\n").split("\n")
    return len(lines) == height and "?Help" in lines[-1] and "qQuit" in lines[-1]


def open_overview(tm, argv, env=ENV):
    tm.start(argv, env=env)
    return tm.wait_for(lambda s: "Findings" in s and "threads: " in s and "qQuit" in s, timeout=90,
                       what="the overview")


def find_type_and_instance(tm):
    """/Session, the type, one instance; returns the object screen."""
    tm.keys("/")
    tm.type("Session")
    tm.keys("Enter")
    tm.wait_for(lambda s: "Types" in title(s), what="the types view")
    tm.keys("Enter")
    tm.wait_for(lambda s: "Instances of __main__.Session" in title(s), what="the instances of Session")
    tm.keys("Enter")
    return tm.wait_for(lambda s: "Object Session@" in title(s) and "path: " in s, what="a Session object")


def follow_referrer_to_root(tm):
    """The last row of an object is its last referrer: for a Session, CACHE."""
    tm.keys("G")
    tm.keys("Enter")
    scr = tm.wait_for(lambda s: "Object dict@" in title(s), what="the CACHE dict")
    assert re.search(r"^path: __main__\.CACHE\s*$", scr, re.M), "breadcrumbs of CACHE:\n" + scr
    for _ in range(6):
        if re.search(r"^root: .*module __main__", scr, re.M):
            return scr
        before = scr
        tm.keys("u")
        scr, _ = tm.wait_change(before)
    raise AssertionError("u never reached the module __main__:\n" + scr)


def garbage_cycle(tm, old_python):
    tm.keys("3")
    tm.wait_for(lambda s: "Cycles" in title(s) and "garbage" in s, what="the cycles view")
    tm.keys("/")
    tm.type("Node")
    tm.keys("Enter")
    time.sleep(0.1)
    tm.keys("Enter")
    scr = tm.wait_for(lambda s: "Cycle #" in title(s), what="a cycle")
    assert re.search(r"^#\d+ garbage: ", scr, re.M), "not a garbage cycle:\n" + scr
    assert "Node@" in scr, "no Node in the cycle:\n" + scr
    want = "['next'] ->" if old_python else ".next ->"
    assert want in scr, "the loop has no %s:\n%s" % (want, scr)
    return scr


def resize_small(tm):
    tm.resize(80, 24)
    scr = tm.wait_for(lambda s: keybar_ok(s, 80, 24), what="the key bar at 80x24")
    wide = [l for l in scr.splitlines() if len(l) > 80]
    assert not wide, "lines wider than 80 columns: %r" % wide[:2]
    return scr


def quit_and_check(tm):
    tm.keys("q")
    rc, modes = tm.wait_exit()
    assert rc == 0, "gcscope exited %d:\n%s" % (rc, tm.screen())
    assert "icanon" in modes and "echo" in modes, "terminal modes not restored: %r" % modes
    scr = tm.screen()
    assert "qQuit" not in scr and "gcscope " not in scr, "the browser left lines behind:\n" + scr


def help_lines(tm):
    """The help screen's key lines (a tall window: all of them at once)."""
    tm.resize(100, 60)
    tm.keys("?")
    return tmuxdrv.help_lines(tm.wait_for(lambda s: "Help" in title(s) and "quit" in s, what="the help screen"))


def docs_keys():
    with open(DOCS) as f:
        text = f.read()
    a, b = text.index(KEYS_BEGIN), text.index(KEYS_END)
    block = text[a + len(KEYS_BEGIN):b].strip("\n").splitlines()
    return [l.rstrip() for l in block if not l.startswith("```")]


def live_flow(res, label, python, gcscope):
    old = python_minor(python) < (3, 11)
    with gstest.start_target(python, "leaks_target.py", label=label) as t, tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
        with res.case("%s: overview, and the target runs untraced meanwhile" % label):
            scr = open_overview(tm, [gcscope, "-p", str(t.pid)])
            assert "process %d" % t.pid in title(scr), title(scr)
            assert "cyclic garbage" in scr and "reference cycles" in scr, scr
            gstest.assert_running_untraced(t.pid, within=2.0)
        with res.case("%s: /Session, the type, an instance, its breadcrumbs" % label):
            scr = find_type_and_instance(tm)
            assert re.search(r"^path: __main__\.CACHE\[\d+\]", scr, re.M), scr
        with res.case("%s: a referrer followed up to the root" % label):
            follow_referrer_to_root(tm)
        with res.case("%s: a garbage cycle of Node and its loop" % label):
            garbage_cycle(tm, old)
        with res.case("%s: resized to 80x24, the key bar stays" % label):
            resize_small(tm)
        with res.case("%s: ? lists the keys" % label):
            tm.keys("?")
            scr = tm.wait_for(lambda s: "Help" in title(s), what="help")
            assert "search" in scr and "history back" in scr, scr
        with res.case("%s: q quits, terminal restored, target running untraced" % label):
            quit_and_check(tm)
            gstest.assert_running_untraced(t.pid, within=2.0)
            assert t.alive(), "the target died"


def view_body(tm, key, name):
    """A view's screen without its title and key bar (they name the source)."""
    tm.keys(key)
    scr = tm.wait_for(lambda s: name in title(s), what="the %s view" % name)
    return "\n".join(scr.rstrip("\n").split("\n")[1:-1])


def core_flow(res, label, python, gcscope, tmpdir):
    """A core of the target, browsed: the Types, Cycles and Suspects views
    as on the live process (stopped around both), and the same walk."""
    import signal as sig
    import subprocess
    old = python_minor(python) < (3, 11)
    with gstest.start_target(python, "leaks_target.py", label=label) as t:
        os.kill(t.pid, sig.SIGSTOP)
        views = (("2", "Types"), ("3", "Cycles"), ("4", "Suspects"))
        live = {}
        with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
            open_overview(tm, [gcscope, "-p", str(t.pid)], env=ENV)
            for key, name in views:
                live[name] = view_body(tm, key, name)
            quit_and_check(tm)
        prefix = os.path.join(tmpdir, "core")
        subprocess.run(["gcore", "-o", prefix, str(t.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
        core = "%s.%d" % (prefix, t.pid)
    if not res.check(os.path.exists(core), "%s: gcore made a core" % label):
        return
    # A short name, relative to the browser's directory: the title bar
    # shows it, and a long path would cut the view names short.
    short = os.path.join(tmpdir, "core")
    os.rename(core, short)
    core = short
    with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
        with res.case("%s: a core browsed: its views show what the live process showed" % label):
            # Read as cores.py reads them: a core of a target in the sid root
            # with --sysroot.
            sysroot = ["--sysroot", gstest.SID_ROOT] if label.startswith("sid-") else []
            tm.start([gcscope, "core"] + sysroot, env=ENV, cwd=tmpdir)
            scr = tm.wait_for(lambda s: "Findings" in s and "threads: " in s and "qQuit" in s, timeout=90,
                              what="the overview")
            assert os.path.basename(core) in title(scr), title(scr)
            for key, name in views:
                got = view_body(tm, key, name)
                assert got == live[name], "%s differs:\n--- live\n%s\n--- core\n%s" % (name, live[name], got)
        with res.case("%s: a core browsed: an instance, a referrer to the root, a garbage cycle" % label):
            tm.keys("1")
            scr = find_type_and_instance(tm)
            assert re.search(r"^path: __main__\.CACHE\[\d+\]", scr, re.M), scr
            follow_referrer_to_root(tm)
            garbage_cycle(tm, old)
            quit_and_check(tm)
    os.unlink(core)


def memory_parts(text, width):
    """{part: (bytes, share)} from lines "  NAME....  BYTES  SHARE%" whose
    name is padded to width (the report: 52, the view: 54)."""
    parts = {}
    for line in text.splitlines():
        m = re.match(r"^  (.{%d}) +(\S+ ?\S*) +([\d.]+)%%\s*$" % width, line)
        if m:
            parts[m.group(1).strip()] = (m.group(2).strip(), m.group(3))
    return parts


def memory_flow(res, python, gcscope, tmpdir):
    """The memory view (9) of a saved snapshot of memory_target.py run with
    tracemalloc: the same split as --dump-memory, the same fragmented arenas
    as --dump-pymalloc, the planted allocation lines; Enter on a pinning
    object opens it; the overview's memory line opens the view too."""
    snap = os.path.join(tmpdir, "memory.gcs")
    with gstest.start_target(python, "memory_target.py", label="memory", env={"PYTHONTRACEMALLOC": "5"}) as t:
        rc, out, err = gstest.run_gcscope(["-p", t.pid, "--save", snap], timeout=240)
        if not res.check(rc == 0, "memory view: saved with --save", err.strip()):
            return
        oracle = t.oracle_data()
    report = {}
    for what in ("memory", "pymalloc", "allocations"):
        rc, out, err = gstest.run_gcscope([snap, "--dump-" + what, "--top", "0"] , timeout=120)
        report[what] = out
        rc, out, err = gstest.run_gcscope([snap, "--dump-" + what, "--json"], timeout=120)
        report[what + ".json"] = gstest.parse_json(out)
    with tmuxdrv.Tmux(160, 200) as tm:
        with res.case("memory view: 9 shows the split of --dump-memory"):
            open_overview(tm, [gcscope, snap])
            tm.keys("9")
            scr = tm.wait_for(lambda s: "Memory" in title(s) and "Allocation lines" in s, what="the memory view")
            want = memory_parts(report["memory"], 52)
            got = memory_parts(scr, 54)
            assert "unexplained" in want and len(want) >= 6, report["memory"]
            assert got == want, "view %r\nreport %r" % (got, want)
        with res.case("memory view: the fragmented arenas of --dump-pymalloc, with what pins them"):
            frag = report["pymalloc.json"]["fragmented_arenas"]
            assert frag, "the target plants fragmented arenas, --dump-pymalloc lists none"
            m = re.search(r"fragmented arenas: ([\d,]+) ", scr)
            assert m and int(m.group(1).replace(",", "")) == len(frag), (m and m.group(0), len(frag))
            shown = re.findall(r"^ +arena (0x[0-9a-f]+):", scr, re.M)
            assert shown == [a["address"] for a in frag[:len(shown)]] and shown, (shown, frag[:3])
            assert re.search(r"^ +pinned by (float|tuple|int)", scr, re.M), scr
        with res.case("memory view: the top allocation lines of --dump-allocations"):
            stats = report["allocations.json"]["statistics"]
            rows = re.findall(r"^ +\S+ ?\S* +[\d,]+  (.+:\d+)\s*$", scr.split("Allocation lines", 1)[1], re.M)
            want = ["%s:%d" % (s["filename"], s["lineno"]) for s in stats[:30]]
            assert rows == want, "view %r\nreport %r" % (rows[:5], want[:5])
            planted = "%s:%d" % (oracle["file"], oracle["lines"]["bytearray"])
            assert planted in rows, (planted, rows[:10])
        with res.case("memory view: Enter on a pinning object opens it"):
            tm.keys("/")
            tm.type("pinned by")
            tm.keys("Enter")
            tm.keys("Enter")
            scr = tm.wait_for(lambda s: "Object " in title(s), what="the pinning object")
            assert re.search(r"Object (float|tuple|int)@", title(scr)), title(scr)
        with res.case("memory view: the overview's memory line opens it, the help lists 9"):
            tm.keys("1")
            scr = tm.wait_for(lambda s: "Overview" in title(s), what="the overview")
            body = scr.split("\n")[1:]
            row = [i for i, l in enumerate(body) if l.startswith("  memory: ")]
            assert row, scr
            tm.keys("g")
            tm.keys(*["j"] * row[0])
            tm.keys("Enter")
            tm.wait_for(lambda s: "Memory" in title(s), what="the memory view from the overview")
            tm.keys("?")
            scr = tm.wait_for(lambda s: "Help" in title(s), what="help")
            assert re.search(r"^  9 +memory", scr, re.M), scr
            quit_and_check(tm)


def python_minor(python):
    m = re.search(r"python(\d)\.(\d+)", python)
    if m:
        return int(m.group(1)), int(m.group(2))
    return (3, 99)


def recapture_flow(res, python, gcscope):
    with gstest.start_target(python, "leaks_target.py", label="R") as t, tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
        with res.case("R: captures again and shows what changed"):
            open_overview(tm, [gcscope, "-p", str(t.pid)])
            tm.keys("R")
            scr = tm.wait_for(lambda s: "Changes since the previous capture" in title(s), timeout=60,
                              what="the changes view")
            assert "types that changed" in scr and "since the previous capture" in scr, scr
            quit_and_check(tm)
            gstest.assert_running_untraced(t.pid, within=2.0)


def snapshot_flow(res, python, gcscope, tmpdir):
    snap = os.path.join(tmpdir, "leaks.gcs")
    with gstest.start_target(python, "leaks_target.py", label="snapshot") as t:
        rc, out, err = gstest.run_gcscope(["-p", t.pid, "--save", snap], timeout=120)
        if not res.check(rc == 0, "snapshot: saved with --save", err.strip()):
            return
    # The target is gone: everything below reads the file only.
    with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
        with res.case("snapshot: browsed like a live process"):
            scr = open_overview(tm, [gcscope, snap])
            assert "leaks.gcs" in title(scr), title(scr)
            find_type_and_instance(tm)
            follow_referrer_to_root(tm)
            garbage_cycle(tm, python_minor(python) < (3, 11))
        with res.case("snapshot: R says a file cannot be captured again"):
            tm.keys("R")
            tm.wait_for("this is a snapshot file", what="the refusal")
        with res.case("snapshot: the help screen is the key list of docs/browser.md"):
            got, want = help_lines(tm), docs_keys()
            assert got == want, "help screen and docs/browser.md differ:\n--- help\n%s\n--- docs\n%s" % (
                "\n".join(got), "\n".join(want))
        with res.case("snapshot: views open at 100x60 and q quits"):
            tm.keys("?")
            for key, name in (("1", "Overview"), ("2", "Types"), ("4", "Suspects"), ("5", "Dominator tree"),
                              ("6", "Resources"), ("7", "Threads")):
                tm.keys(key)
                tm.wait_for(lambda s, n=name: n in title(s), what="the %s view" % name)
            quit_and_check(tm)
    # Colour by default, none with NO_COLOR (the SGR colour parameters
    # 30-37, 40-47, 38;5 and 48;5).
    colour = re.compile(r"\x1b\[[0-9;]*(?:3[0-7]|4[0-7]|38;5;\d+|48;5;\d+)m")
    for no_color in (False, True):
        what = "NO_COLOR=1 draws without colour" if no_color else "colour by default"
        with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm, res.case(what):
            env = dict(ENV, NO_COLOR="1") if no_color else ENV
            open_overview(tm, [gcscope, snap], env=env)
            tm.keys("3")
            tm.wait_for(lambda s: "Cycles" in title(s), what="cycles")
            esc = tm.screen(escapes=True)
            found = colour.findall(esc)
            if no_color:
                assert not found, "colour sequences with NO_COLOR: %r" % found[:5]
                assert "\x1b[7m" in esc or "\x1b[1m" in esc, "monochrome marks nothing (no reverse/bold)"
            else:
                assert found, "no colour drawn on xterm-256color"
            quit_and_check(tm)


def cells(line):
    """A screen line's width in terminal cells (East Asian wide: two)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in line)


def spawn_flow(res, python, gcscope):
    """Spawn mode, with names that must be cut cleanly: a class name of
    wide characters longer than the screen, and one with an escape
    sequence in it (shown escaped, never sent to the terminal)."""
    code = ("import time\n"
            "class Planted: pass\n"
            "Wide = type('Planted_' + '\\u540d\\u524d' * 40 + '\\u00fc' * 40, (), {})\n"
            "Evil = type('Planted\\x1b[31mRed\\x07', (), {})\n"
            "keep = [Planted() for _ in range(100)] + [Wide(), Evil()]\n"
            "time.sleep(120)\n")
    with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm:
        with res.case("spawn: gcscope -- PROGRAM opens the browser"):
            after = 0.5 + gstest.startup_seconds(python)
            open_overview(tm, [gcscope, "--after", str(after), "--", python, "-c", code])
            pid = int(re.search(r"process (\d+)", title(tm.screen())).group(1))
            gstest.assert_running_untraced(pid, within=2.0)
        with res.case("spawn: long wide names cut cleanly, control characters shown escaped"):
            tm.keys("2")
            tm.wait_for(lambda s: "Types" in title(s), what="types")
            tm.keys("f")
            tm.type("planted")
            tm.keys("Enter")
            scr = tm.wait_for(lambda s: "filter: planted" in s and "__main__.Planted" in s, what="the planted types")
            assert re.search(r"\d/3\s*$", title(scr)), "the filter should leave the 3 planted types: " + title(scr)
            wide = [l for l in scr.splitlines() if "Planted_" in l]
            assert wide and wide[0].rstrip().endswith("\u2026"), "the long name is not cut with an ellipsis: %r" % wide
            assert all(cells(l) <= WIDTH for l in scr.splitlines()), "a line is wider than the screen"
            assert "Planted\\x1b[31mRed\\x07" in scr, "the escape sequence was not shown escaped:\n" + scr
            assert "\x1b" not in scr and "\x07" not in scr
        with res.case("spawn: q quits and the program ends"):
            quit_and_check(tm)
            assert gstest.wait_gone(pid, within=5.0), "the spawned program outlived gcscope"


def gcscope_pid(tm):
    """gcscope runs as the pane shell's child (env execs it)."""
    sh = tm.pane_pid()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/task/%d/children" % (sh, sh)) as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        if kids:
            return kids[0]
        time.sleep(0.02)
    raise AssertionError("no gcscope under the pane's shell")


def signal_flow(res, gcscope, snap):
    """The terminal comes back whatever ends the browser: Ctrl-C (a quit,
    status 0), SIGTERM (status 9, "interrupted"), a crash (SIGSEGV: the
    fatal handler restores, then dies of the signal: 128 + 11)."""
    for name, how, want in (("Ctrl-C", "C-c", 0), ("SIGTERM", signal.SIGTERM, 9),
                            ("SIGSEGV", signal.SIGSEGV, 128 + signal.SIGSEGV)):
        with tmuxdrv.Tmux(WIDTH, HEIGHT) as tm, res.case("%s: the terminal is restored" % name):
            open_overview(tm, [gcscope, snap])
            tm.keys("2")
            tm.wait_for(lambda s: "Types" in title(s), what="types")
            if isinstance(how, str):
                tm.keys(how)
            else:
                os.kill(gcscope_pid(tm), how)
            rc, modes = tm.wait_exit()
            assert rc == want, "exit status %d, not %d:\n%s" % (rc, want, tm.screen())
            assert "icanon" in modes and "echo" in modes, "terminal modes not restored: %r" % modes
            assert "qQuit" not in tm.screen(), "the browser left lines behind:\n" + tm.screen()


def main():
    if not tmuxdrv.have_tmux():
        gstest.skip("tmux not installed (Debian package tmux; contrib/setup.sh installs it)")
    gcscope = gstest.require_gcscope()
    gstest.require_ptrace()
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ found")
    res = gstest.Results("browser")
    started = time.monotonic()
    import shutil
    for label, python in pys:
        try:
            live_flow(res, label, python, gcscope)
            if shutil.which("gcore"):
                with tempfile.TemporaryDirectory(prefix="gcscope-ui-core-") as coredir:
                    core_flow(res, label, python, gcscope, coredir)
            else:
                res.skip("%s: a core browsed" % label, "gdb's gcore is not installed")
        except gstest.TargetError as e:
            res.check(False, "%s: target started" % label, e)
    newest = pys[-1][1] if pys[-1][0] != "debian-3.11" or len(pys) == 1 else pys[-2][1]
    with tempfile.TemporaryDirectory(prefix="gcscope-ui-") as tmpdir:
        snapshot_flow(res, newest, gcscope, tmpdir)
        signal_flow(res, gcscope, os.path.join(tmpdir, "leaks.gcs"))
    recapture_flow(res, newest, gcscope)
    # The memory view on the newest GIL build (a free-threaded one has no
    # pymalloc arenas to show).
    gil = [p for l, p in pys if not l.endswith("t") and not l.startswith(("debian", "sid"))]
    if gil:
        with tempfile.TemporaryDirectory(prefix="gcscope-ui-memory-") as tmpdir:
            memory_flow(res, gil[-1], gcscope, tmpdir)
    else:
        res.skip("memory view", "no pyenv GIL interpreter")
    spawn_flow(res, newest, gcscope)
    print("browser: %.1f s" % (time.monotonic() - started), flush=True)
    res.finish()


if __name__ == "__main__":
    main()
