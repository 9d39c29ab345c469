"""cores: every report from a core file equals the report from the live process.

For every CPython from gstest.pythons(), leaks_target.py plants its leaks and
parks; the test stops it (SIGSTOP: gcscope's own capture leaves a stopped
target stopped, so every live report sees the same heap), runs each report
on the live process, takes a core with gdb's gcore, and runs the same
reports on the core. Checked, on the JSON with the capture's own figures
(timings, pid, pause) set aside:
  - --dump-types, --dump-cycles, --dump-retained, --dump-suspects,
    --dump-external, --dump-graph, --dump-stacks (threads and Python
    frames), --path and --referrers of a planted object, --format
    prometheus (all but the timings): equal, object by object, with the
    emulated traverse on both sides (the core's compiled objects are
    explained from the files its NT_FILE note names);
  - the text --dump-cycles below the header: equal, line for line;
  - the core's header says it is a core, written without a signal;
  - --save from the core, then --diff between the core and that snapshot:
    nothing new; --diff between a live snapshot and the core: nothing new;
  - a kernel core (ulimit -c, the target killed with SIGABRT) where
    kernel.core_pattern writes a file: --dump-types and --dump-cycles
    equal to the live ones, the header names SIGABRT (skipped with the
    reason when the pattern pipes cores to a program);
  - --dump-resources on the core: says the descriptor table is not in a
    core, and lists the objects' descriptors;
Once (the newest interpreter):
  - a core cut in half: read, the header says what is missing, exit 0 or
    a clear one-line error (never a crash), nothing read past the file;
  - a core of a non-Python process (tests/targets/sleeper): exit 5 with a
    one-line message naming the core;
  - the executable replaced on disk (a copy of another build given with
    --exe): refused with a message naming both build ids;
  - a core compressed with gzip (and zstd when installed): refused with a
    message saying how to decompress it;
  - a core of a process in a chroot (a copy of Debian's python3.11 and its
    libraries) read with --sysroot: equal to the live report, and without
    --sysroot (files not found at their paths) a clear error.
"""

import gzip
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import gstest

# Keys of the report header that describe the capture, not the heap.
CAPTURE_KEYS = {"gcscope", "captured_at", "pause_ms", "copy_ms", "capture_ms", "build_ms", "copied_bytes",
                "unreadable_pages", "floor_ms", "floor_bytes", "attempts", "threads_stopped",
                "target_was_stopped", "core", "total_ms"}
REPORTS = ["--dump-types", "--dump-cycles", "--dump-retained", "--dump-suspects", "--dump-external",
           "--dump-graph"]


# The root the current interpreter's files live under: a core of a target
# that runs inside the sid root (as a container's would) names files inside
# it, so its reports are read with --sysroot, as a user would.
SYSROOT = None


def run(args, timeout=180, expect=0):
    args = list(args)
    if SYSROOT and args and os.path.isfile(str(args[0])) and "--sysroot" not in args:
        with open(str(args[0]), "rb") as f:
            is_core = f.read(4) == b"\x7fELF"
        if is_core:
            args = [args[0], "--sysroot", SYSROOT] + args[1:]
    rc, out, err = gstest.run_gcscope(args, timeout=timeout)
    assert rc == expect, "gcscope %s exited %s: %s" % (" ".join(map(str, args)), rc, err.strip()[:600])
    return out, err


def heap_part(report):
    """The report without the capture's own figures."""
    return {k: v for k, v in report.items() if k not in CAPTURE_KEYS}


def first_difference(a, b, path="$"):
    """Where two JSON values first differ, for the failure message."""
    if type(a) != type(b):
        return "%s: %r vs %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s only in %s" % (path, k, "live" if k in a else "core")
            d = first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items vs %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r vs %r" % (path, a, b)


def stacks_part(report):
    """Threads with their Python frames: what a core and the live process
    both know (the kernel's state letter differs: 't' under gcore)."""
    return sorted((t.get("tid"), t.get("name"), t.get("main"),
                   [(f.get("function"), f.get("line"), f.get("file")) for f in t["frames"] if f["kind"] == "python"])
                  for t in report["threads"])


def text_body(text):
    """A text report below its header (the header ends at the first blank line)."""
    return text.split("\n\n", 1)[1] if "\n\n" in text else text


def prometheus_numbers(text):
    return sorted(l for l in text.splitlines() if l and not l.startswith("#") and "pause" not in l
                  and "capture" not in l and "build" not in l and "seconds" not in l and 'pid="' not in l)


def gcore(pid, where):
    prefix = os.path.join(where, "core")
    proc = subprocess.run(["gcore", "-o", prefix, str(pid)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=120)
    path = "%s.%d" % (prefix, pid)
    assert proc.returncode == 0 and os.path.exists(path), "gcore failed: %s" % proc.stderr[-500:]
    return path


def compare_reports(R, label, target, core, oracle):
    for opt in REPORTS:
        with R.case("%s: %s from the core equals the live report" % (label, opt)):
            live = heap_part(gstest.parse_json(run(["-p", target.pid, opt, "--json"])[0]))
            got = heap_part(gstest.parse_json(run([core, opt, "--json"])[0]))
            d = first_difference(live, got)
            assert d is None, "first difference: %s" % d
            if opt == "--dump-graph":
                # Compiled objects (_abc_data, re.Pattern, ...) explained by the
                # emulated traverse in the core too: the code from NT_FILE's files.
                emulated = sum(1 for o in got["objects"] if o.get("referents_from") == "emulated")
                unknown = [o for o in got["objects"] if o.get("unknown_because")]
                assert emulated > 0 and not unknown, "core: %d emulated, unknown: %s" % (emulated, unknown[:3])
    with R.case("%s: --dump-stacks from the core: the same threads and Python frames" % label):
        live = gstest.parse_json(run(["-p", target.pid, "--dump-stacks", "--json"])[0])
        got = gstest.parse_json(run([core, "--dump-stacks", "--json"])[0])
        assert stacks_part(live) == stacks_part(got), "live %s\ncore %s" % (stacks_part(live), stacks_part(got))
    with R.case("%s: text --dump-cycles from the core equals the live one below the header" % label):
        live = run(["-p", target.pid, "--dump-cycles", "--top", "0"])[0]
        got = run([core, "--dump-cycles", "--top", "0"])[0]
        assert text_body(live) == text_body(got), "live:\n%s\ncore:\n%s" % (live[:1500], got[:1500])
        assert got.startswith("core %s of process %d" % (core, target.pid)), got[:200]
        assert "written without a signal (gcore)" in got, got[:300]
    for planted in (oracle["cache_first_session"], oracle["garbage_cycle"][0]):
        for opt in ("--path", "--referrers"):
            with R.case("%s: %s %s from the core equals the live one" % (label, opt, planted)):
                live = heap_part(gstest.parse_json(run(["-p", target.pid, opt, planted, "--json"])[0]))
                got = heap_part(gstest.parse_json(run([core, opt, planted, "--json"])[0]))
                assert first_difference(live, got) is None, first_difference(live, got)
    with R.case("%s: --format prometheus from the core: the same numbers" % label):
        live = prometheus_numbers(run(["-p", target.pid, "--format", "prometheus"])[0])
        got = prometheus_numbers(run([core, "--format", "prometheus"])[0])
        assert live == got, "live %s\ncore %s" % (live[:20], got[:20])


def check_save_and_diff(R, label, target, core, where):
    with R.case("%s: --save from the core, --diff core against it and against a live snapshot" % label):
        from_core = os.path.join(where, "from_core.snapshot")
        live_snap = os.path.join(where, "live.snapshot")
        run([core, "--save", from_core])
        run(["-p", target.pid, "--save", live_snap])
        for old in (from_core, live_snap):
            d = gstest.parse_json(run([core, "--diff", old, "--json"])[0])
            assert d["old"]["objects"] > 1000, d["old"]
            assert d["new_objects"] == 0 and d["new_bytes"] == 0, (os.path.basename(old), d["new_objects"])
            changed = [t for t in d["types"] if t["count_delta"] or t["bytes_delta"]]
            assert not changed, "diff against %s shows changes: %s" % (os.path.basename(old), changed[:5])
        # The saved snapshot still knows it came from a core.
        head = run([from_core, "--dump-types", "--top", "1"])[0]
        assert head.startswith("core "), head[:200]


def check_resources(R, label, core):
    with R.case("%s: --dump-resources on a core says the descriptor table is not in it" % label):
        text = run([core, "--dump-resources"])[0]
        assert "descriptor table is not in a core" in text, text[:800]
        rep = gstest.parse_json(run([core, "--dump-resources", "--json"])[0])
        assert rep.get("descriptor_table") is False, list(rep)[:20]


def core_pattern():
    try:
        with open("/proc/sys/kernel/core_pattern") as f:
            return f.read().strip()
    except OSError:
        return None


def kernel_core(R, label, python):
    """A core written by the kernel: the target killed by SIGABRT with
    ulimit -c raised, where the core pattern writes a plain file."""
    pattern = core_pattern()
    if not pattern or pattern.startswith("|") or "/" in pattern or "%" in pattern:
        R.skip("%s: kernel core" % label,
               "kernel.core_pattern is %r: cores go to a program or elsewhere, and this test does not change a "
               "system setting" % pattern)
        return
    import resource
    target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
    try:
        with R.case("%s: a kernel core (SIGABRT) gives the live --dump-types and --dump-cycles" % label):
            # Raise the target's core limit from outside (prlimit), as
            # `ulimit -c unlimited` in its shell would have.
            resource.prlimit(target.pid, resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            os.kill(target.pid, signal.SIGSTOP)
            live_types = heap_part(gstest.parse_json(run(["-p", target.pid, "--dump-types", "--json"])[0]))
            live_cycles = text_body(run(["-p", target.pid, "--dump-cycles", "--top", "0"])[0])
            os.kill(target.pid, signal.SIGABRT)
            os.kill(target.pid, signal.SIGCONT)
            target.proc.wait(timeout=60)
            core = os.path.join(target.dir, pattern)
            assert os.path.exists(core), "no core at %s (rc %s)" % (core, target.proc.returncode)
            got_types = heap_part(gstest.parse_json(run([core, "--dump-types", "--json"])[0]))
            assert first_difference(live_types, got_types) is None, first_difference(live_types, got_types)
            text = run([core, "--dump-cycles", "--top", "0"])[0]
            assert text_body(text) == live_cycles, "core:\n%s" % text[:1500]
            assert "written on SIGABRT" in text.splitlines()[1], text[:300]
    finally:
        target.stop()


def one_interpreter(R, label, python):
    where = tempfile.mkdtemp(prefix="gstest-cores-")
    target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
    try:
        os.kill(target.pid, signal.SIGSTOP)
        core = None
        with R.case("%s: gcore makes a core of the stopped target" % label):
            core = gcore(target.pid, where)
        if core:
            compare_reports(R, label, target, core, target.oracle_data())
            check_save_and_diff(R, label, target, core, where)
            check_resources(R, label, core)
    finally:
        target.stop()
        shutil.rmtree(where, ignore_errors=True)
    kernel_core(R, label, python)


def truncated_core(R, label, core, where):
    with R.case("%s: a core cut in half is read as far as it goes, and says what is missing" % label):
        cut = os.path.join(where, "cut.core")
        size = os.path.getsize(core)
        with open(core, "rb") as f, open(cut, "wb") as g:
            g.write(f.read(size // 2))
        rc, out, err = gstest.run_gcscope([cut, "--dump-types"], timeout=120)
        assert rc is not None and rc >= 0, "killed by a signal: %s" % err
        if rc == 0:
            assert "the core is truncated" in out, out[:500]
        else:
            gstest.error_line(err)


def non_python_core(R, where):
    sleeper = gstest.builddir_file("tests/targets/sleeper")
    if not sleeper:
        R.skip("core of a non-Python process", "tests/targets/sleeper not built")
        return
    proc = subprocess.Popen([sleeper], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        time.sleep(0.2)
        with R.case("a core of a non-Python process: exit 5, one line naming the core"):
            core = gcore(proc.pid, where)
            rc, out, err = gstest.run_gcscope([core, "--dump-types"])
            assert rc == gstest.EXIT["not_python"], (rc, err)
            line = gstest.error_line(err)
            assert os.path.basename(core) in line and "not of a Python process" in line, line
    finally:
        proc.kill()
        proc.wait()


def replaced_exe(R, label, core, other_python):
    with R.case("%s: a replaced executable (--exe another build) is refused naming both build ids" % label):
        rc, out, err = gstest.run_gcscope([core, "--exe", other_python, "--dump-types"])
        assert rc != 0, "accepted a different executable"
        line = gstest.error_line(err)
        assert "build id" in line and "--exe" in line, line


def compressed(R, core, where):
    with R.case("a gzip-compressed core is refused with how to decompress it"):
        gz = os.path.join(where, "core.gz")
        with open(core, "rb") as f, gzip.open(gz, "wb", compresslevel=1) as g:
            shutil.copyfileobj(f, g)
        rc, out, err = gstest.run_gcscope([gz, "--dump-types"])
        line = gstest.error_line(err)
        assert rc == gstest.EXIT["usage"] and "gzip -dk" in line, (rc, line)
    if shutil.which("zstd"):
        with R.case("a zstd-compressed core is refused with how to decompress it"):
            zst = os.path.join(where, "core.zst")
            subprocess.run(["zstd", "-q", "-1", core, "-o", zst], check=True)
            rc, out, err = gstest.run_gcscope(["--core", zst, "--dump-types"])
            line = gstest.error_line(err)
            assert rc == gstest.EXIT["usage"] and "zstd -d" in line, (rc, line)


def ldd_libs(binary):
    out = subprocess.run(["ldd", binary], stdout=subprocess.PIPE, universal_newlines=True).stdout
    libs = []
    for line in out.splitlines():
        parts = line.split()
        for p in parts:
            if p.startswith("/"):
                libs.append(p)
    return libs


def chroot_core(R, where):
    """Debian's python3.11 run in a small chroot and killed by SIGABRT: the
    kernel names its files as the chrooted process saw them, so only
    --sysroot finds them."""
    pattern = core_pattern()
    if os.geteuid() != 0 or not os.access(gstest.DEBIAN_PYTHON, os.X_OK):
        R.skip("a core from a chroot", "needs root and %s" % gstest.DEBIAN_PYTHON)
        return
    if not pattern or pattern.startswith("|") or "/" in pattern or "%" in pattern:
        R.skip("a core from a chroot", "kernel.core_pattern is %r: the kernel does not write a core in the "
               "chroot, and this test does not change a system setting" % pattern)
        return
    import resource
    root = os.path.join(where, "root")
    for f in [gstest.DEBIAN_PYTHON] + ldd_libs(gstest.DEBIAN_PYTHON):
        dst = root + f
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(f, dst)
    # The standard library: the interpreter needs encodings to start.
    shutil.copytree("/usr/lib/python3.11", root + "/usr/lib/python3.11", symlinks=True,
                    ignore=shutil.ignore_patterns("test", "__pycache__", "dist-packages", "site-packages",
                                                  "idlelib", "tkinter", "lib2to3", "ensurepip"))
    os.makedirs(root + "/tmp", exist_ok=True)
    code = ("import os, time\nos.chdir('/tmp')\nclass Leaky: pass\nx = [Leaky() for i in range(777)]\n"
            "c = []\nc.append(c)\nopen('/tmp/ready', 'w').close()\ntime.sleep(1000)\n")
    proc = subprocess.Popen(["chroot", root, "/usr/bin/python3.11", "-S", "-c", code], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not os.path.exists(root + "/tmp/ready"):
            assert proc.poll() is None, "the chrooted python exited: %s" % proc.stderr.read()[-500:]
            assert time.monotonic() < deadline, "the chrooted python did not get ready"
            time.sleep(0.05)
        with R.case("a kernel core from a chroot read with --sysroot equals the live report"):
            resource.prlimit(proc.pid, resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            os.kill(proc.pid, signal.SIGSTOP)
            live = heap_part(gstest.parse_json(run(["-p", proc.pid, "--dump-types", "--json"])[0]))
            os.kill(proc.pid, signal.SIGABRT)
            os.kill(proc.pid, signal.SIGCONT)
            proc.wait(timeout=60)
            core = os.path.join(root, "tmp", pattern)
            assert os.path.exists(core), "no core at %s" % core
            got = heap_part(gstest.parse_json(run([core, "--sysroot", root, "--dump-types", "--json"])[0]))
            # The live process's maps name its files from outside the chroot,
            # the kernel's core from inside: the same file.
            assert live.pop("binary") == root + "/usr/bin/python3.11", live
            assert got.pop("binary") == "/usr/bin/python3.11", got
            assert first_difference(live, got) is None, first_difference(live, got)
            counts = {"%s.%s" % (t.get("module"), t.get("name")): t["count"] for t in got["types"]}
            assert counts.get("__main__.Leaky") == 777, counts.get("__main__.Leaky")
        with R.case("the chroot's core without --sysroot: this machine's python3.11 serves, or a clear error"):
            rc, out, err = gstest.run_gcscope([core, "--dump-types", "--json"])
            if rc == 0:  # the same Debian package on this machine: same build id
                got = heap_part(gstest.parse_json(out))
                got.pop("binary")
                assert first_difference(live, got) is None, first_difference(live, got)
            else:
                gstest.error_line(err)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    if not shutil.which("gcore"):
        gstest.skip("gdb's gcore is not installed (apt-get install gdb)")
    R = gstest.Results("cores")
    pythons = gstest.pythons()
    if not pythons:
        gstest.skip("no CPython found")
    global SYSROOT
    for label, python in pythons:
        SYSROOT = gstest.SID_ROOT if label.startswith("sid-") else None
        one_interpreter(R, label, python)
    SYSROOT = None
    pythons = [(l, p) for l, p in pythons if not l.startswith("sid-")] or pythons
    # The cases below use one interpreter: Debian's static python3.11 where
    # it is there, whose executable holds the interpreter itself, so that
    # replacing the executable really replaces what the core needs (with a
    # shared libpython the executable is only a launcher).
    static = [(l, p) for l, p in pythons if l == "debian-3.11"]
    label, python = (static or pythons)[-1]
    where = tempfile.mkdtemp(prefix="gstest-cores-")
    target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
    try:
        os.kill(target.pid, signal.SIGSTOP)
        core = gcore(target.pid, where)
        target.stop()
        truncated_core(R, label, core, where)
        others = [p for l, p in pythons if os.path.realpath(p) != os.path.realpath(python)]
        if others:
            replaced_exe(R, label, core, others[0])
        compressed(R, core, where)
        non_python_core(R, where)
        chroot_core(R, where)
    finally:
        target.stop()
        shutil.rmtree(where, ignore_errors=True)
    R.finish()


if __name__ == "__main__":
    main()
