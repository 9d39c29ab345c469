"""gstest: shared helpers for gcscope's integration tests.

Stdlib only, Python 3.8+ (the tests run under Debian's /usr/bin/python3).
Every wait here is bounded, and every target a test starts is killed when the
test ends, whether it passes, fails or dies of an exception: a test suite
that leaves stopped or traced Pythons behind is the very bug gcscope's tests
hunt for.

Conventions a target script follows (tests/targets/*.py):
  - it finds where to write through the environment: GSTEST_DIR (a fresh,
    private temporary directory, also its working directory), GSTEST_ORACLE
    (where to write its own view of its heap, as JSON) and GSTEST_READY (a
    file it creates, atomically, once it is parked and may be inspected);
  - it writes the ready file last, and from then on allocates nothing.

Environment read here:
  GCSCOPE           the binary under test (make check sets it); default
                    the gcscope at the top of the source tree
  GCSCOPE_BUILDDIR  where make check built the helpers (tests/targets/sleeper)
  GSTEST_PYTHONS    optional comma-separated filter on pythons(): labels
                    ("3.12.1", "debian-3.11", "sid-3.14d") or paths
  GCSCOPE_TEST_CACHE  where tests/setup-interpreters.sh keeps the Debian sid
                    root and the free-threaded build (/var/cache/gcscope-test)
  GSTEST_KEEP       if set, the targets' temporary directories are kept
"""

import atexit
import contextlib
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

import stopsignals  # noqa: F401,E402  (resets inherited ignored stop signals at import)

SRCDIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGETS_DIR = os.path.join(SRCDIR, "tests", "targets")
DEBIAN_PYTHON = "/usr/bin/python3.11"
DEBIAN_DEBUG_PYTHON = "/usr/bin/python3.11d"  # Debian's python3.11-dbg
# The interpreter cache tests/setup-interpreters.sh fills (docs/test-interpreters.md):
# the Debian sid root and a free-threaded 3.14t built from source.
TEST_CACHE = os.environ.get("GCSCOPE_TEST_CACHE") or os.environ.get("GSTEST_CACHE") or "/var/cache/gcscope-test"
SID_ROOT = os.path.join(TEST_CACHE, "sid")
FREE_THREADED_PYTHONS = (("3.14t", os.path.join(TEST_CACHE, "py3.14t", "bin", "python3.14t")),)
RUN_IN_ROOT = os.path.join(SRCDIR, "tests", "lib", "run-in-root")
SKIP_EXIT = 77

# The exit codes of the gcscope interface (src/util/status.h).
EXIT = {
    "usage": 2, "no_process": 3, "permission": 4, "not_python": 5,
    "unsupported": 6, "exited": 7, "deadline": 8, "interrupted": 9,
    "corrupt": 10, "busy": 11, "io": 12, "nomem": 13, "spawn": 15,
}


# --------------------------------------------------------------------------
# Skips and the result counter


def skip(reason):
    """Skip the whole test: automake counts exit 77 as SKIP, not as a pass."""
    print("SKIP: %s" % reason, flush=True)
    sys.exit(SKIP_EXIT)


class SkipCase(Exception):
    """Raised inside Results.case() when one case cannot run here."""


class Results:
    """Counts checks and ends the test with automake's exit codes.

    check() records one assertion; case() is a block that passes unless it
    raises (AssertionError or any other exception: both are failures, the
    latter with its traceback, so a crashing test is never a silent pass).
    finish() prints "NAME: N passed, N failed" and exits 0 or 1 (77 when
    everything was skipped and nothing ran).
    """

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def check(self, cond, what, detail=""):
        """Record one check; print every failure with its detail at once."""
        if cond:
            self.passed += 1
            print("PASS: %s" % what, flush=True)
        else:
            self.failed += 1
            self.failures.append(what)
            print("FAIL: %s%s" % (what, (": " + str(detail)) if detail else ""), flush=True)
        return bool(cond)

    def skip(self, what, reason):
        """Record a case that cannot run on this machine."""
        self.skipped += 1
        print("SKIP: %s: %s" % (what, reason), flush=True)

    @contextlib.contextmanager
    def case(self, what):
        """A block that passes unless it raises."""
        try:
            yield
        except SkipCase as e:
            self.skip(what, e)
        except AssertionError as e:
            self.check(False, what, e)
        except Exception:  # a crash in a case is a failure, never a pass
            self.check(False, what, "exception:\n" + traceback.format_exc())
        else:
            self.check(True, what)

    def finish(self):
        """Print the summary line and exit with the automake code."""
        line = "%s: %d passed, %d failed" % (self.name, self.passed, self.failed)
        if self.skipped:
            line += " (%d skipped)" % self.skipped
        print(line, flush=True)
        if self.failed:
            print("failed: " + "; ".join(self.failures), flush=True)
            sys.exit(1)
        if self.passed == 0:
            sys.exit(SKIP_EXIT)
        sys.exit(0)


# --------------------------------------------------------------------------
# The Pythons to test


def _minor_of(version):
    """(major, minor) of a pyenv version name, or None for non-CPython names."""
    m = re.match(r"^(\d+)\.(\d+)\.\d+$", version)  # plain CPython only:
    if not m:  # skips pypy*, 3.13.0t (free-threaded), -dev, -debug builds
        return None
    return int(m.group(1)), int(m.group(2))


def _pyenv_roots():
    """Where pyenv may keep its versions, without needing pyenv on PATH."""
    roots = []
    for r in (os.environ.get("PYENV_ROOT"), os.path.expanduser("~/.pyenv")):
        if r and r not in roots and os.path.isdir(os.path.join(r, "versions")):
            roots.append(r)
    if not roots and shutil.which("pyenv"):
        try:
            out = subprocess.run(["pyenv", "root"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=20,
                                 universal_newlines=True).stdout.strip()
            if out and os.path.isdir(os.path.join(out, "versions")):
                roots.append(out)
        except (OSError, subprocess.SubprocessError):
            pass
    return roots


def pyenv_pythons(min_version=(0, 0), max_version=(99, 99)):
    """Every plain CPython pyenv installed, as (version, path), oldest first.

    Scans the versions directories directly: pyenv itself may be absent
    from PATH (make check's environment) and that must not be an error.
    """
    found = {}
    for root in _pyenv_roots():
        for vdir in sorted(glob.glob(os.path.join(root, "versions", "*"))):
            version = os.path.basename(vdir)
            mm = _minor_of(version)
            if mm is None or not (min_version <= mm <= max_version) or version in found:
                continue
            for name in ("python%d.%d" % mm, "python%d" % mm[0], "python"):
                path = os.path.join(vdir, "bin", name)
                if os.access(path, os.X_OK):
                    found[version] = path
                    break
    key = lambda v: tuple(int(x) for x in v.split("."))
    return [(v, found[v]) for v in sorted(found, key=key)]


def pyenv_python(prefix):
    """The newest pyenv CPython whose version starts with prefix ("3.7"), or None."""
    hits = [p for v, p in pyenv_pythons() if v == prefix or v.startswith(prefix + ".")]
    return hits[-1] if hits else None


_wrapper_dir = None


def _root_wrapper(root, program, label):
    """An executable that runs `program` (a path inside root) in a mount
    namespace whose root is `root` (tests/lib/run-in-root), as a container
    would: one path that every test can use like any other python. Made in a
    private temporary directory, removed when the test ends."""
    global _wrapper_dir
    if _wrapper_dir is None:
        _wrapper_dir = tempfile.mkdtemp(prefix="gstest-roots-")
        atexit.register(shutil.rmtree, _wrapper_dir, True)
    path = os.path.join(_wrapper_dir, label)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n# %s: %s in %s\nGSTEST_SRCDIR='%s' exec '%s' '%s' '%s' \"$@\"\n"
                % (label, program, root, SRCDIR, RUN_IN_ROOT, root, program))
    os.chmod(path, 0o755)
    return path


def root_pythons(notes=None):
    """The CPythons of the Debian sid root in the test cache, as (label,
    wrapper): sid-3.14, sid-3.15 and their debug builds sid-3.14d,
    sid-3.15d. Each runs in a namespace rooted there (run-in-root). Missing
    pieces are said in `notes` (a list of strings), never silently dropped."""
    notes = notes if notes is not None else []
    bindir = os.path.join(SID_ROOT, "usr", "bin")
    if not os.path.isdir(bindir):
        notes.append("no Debian sid root at %s (tests/setup-interpreters.sh makes it): "
                     "sid's 3.14 and 3.15 not tested" % SID_ROOT)
        return []
    if os.geteuid() != 0 or not shutil.which("unshare"):
        notes.append("the sid root's interpreters need root and unshare(1) (a mount namespace "
                     "per target): not tested")
        return []
    found = []
    for path in glob.glob(os.path.join(bindir, "python3.*")):
        m = re.match(r"^python3\.(\d+)(d?)$", os.path.basename(path))
        if m and int(m.group(1)) >= 8 and os.access(path, os.X_OK):
            found.append((int(m.group(1)), m.group(2), os.path.basename(path)))
    result = []
    for minor, debug, name in sorted(found):
        label = "sid-3.%d%s" % (minor, debug)
        result.append((label, _root_wrapper(SID_ROOT, "/usr/bin/" + name, label)))
    return result


def startup_seconds(python):
    """How much longer than a plain interpreter `python` takes to become
    Python: a root wrapper first makes a mount namespace (half a second on
    a busy machine). Spawn-mode tests add it to --after, since the pid is a
    shell until then."""
    return 1.5 if _wrapper_dir and os.path.dirname(python) == _wrapper_dir else 0.0


_announced = False


def pythons():
    """Every CPython on this machine that the tests run against, as (label, path).

    Each pyenv CPython >= 3.8 (shared libpython builds); Debian's
    /usr/bin/python3.11 (a static, stripped, non-PIE build: the hard case
    for finding _PyRuntime) and its debug build python3.11d; the Debian sid
    root's 3.14 and 3.15 and their debug builds, run as in a container
    (root_pythons); the free-threaded builds in the test cache ("3.14t").
    GSTEST_PYTHONS narrows the list for quick runs. The first call prints
    the list, and why an expected interpreter is missing, so that every test
    log names the interpreters it ran on.
    """
    global _announced
    notes = []
    result = [(v, p) for v, p in pyenv_pythons(min_version=(3, 8))]
    if os.access(DEBIAN_PYTHON, os.X_OK):
        result.append(("debian-3.11", DEBIAN_PYTHON))
    if os.access(DEBIAN_DEBUG_PYTHON, os.X_OK):
        result.append(("debian-3.11d", DEBIAN_DEBUG_PYTHON))
    else:
        notes.append("no %s (apt-get install python3.11-dbg): Debian's debug build not tested"
                     % DEBIAN_DEBUG_PYTHON)
    result += root_pythons(notes)
    for label, path in FREE_THREADED_PYTHONS:
        if os.access(path, os.X_OK):
            result.append((label, path))
        else:
            notes.append("no %s (tests/setup-interpreters.sh builds it): %s not tested" % (path, label))
    wanted = os.environ.get("GSTEST_PYTHONS", "").strip()
    if wanted:
        keys = [w.strip() for w in wanted.split(",") if w.strip()]
        result = [(l, p) for l, p in result if l in keys or p in keys
                  or any(l.startswith(k + ".") for k in keys)]
        notes.append("GSTEST_PYTHONS=%s narrows the list" % wanted)
    if not _announced:
        _announced = True
        print("gstest: interpreters: %s" % (", ".join(l for l, _ in result) or "none"), flush=True)
        for n in notes:
            print("gstest: %s" % n, flush=True)
    return result


def is_free_threaded(python):
    """Is this interpreter one of the free-threaded builds tests run on?"""
    return any(python == p for _, p in FREE_THREADED_PYTHONS)


def newest_python():
    """The python benchmarks default to: Debian's 3.11, else the newest pyenv."""
    if os.access(DEBIAN_PYTHON, os.X_OK):
        return DEBIAN_PYTHON
    found = pyenv_pythons(min_version=(3, 8))
    return found[-1][1] if found else None


# --------------------------------------------------------------------------
# Targets

_live_targets = []


def _stop_all_targets():
    """atexit: no target outlives its test, even after an uncaught exception."""
    for t in list(_live_targets):
        t.stop()


atexit.register(_stop_all_targets)


def _exit_on_sigterm():
    """Turn SIGTERM (make check's timeout, a user's kill) into SystemExit so
    the finally blocks and atexit run and kill the targets."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, handler)


class TargetError(Exception):
    """A target did not start or did not become ready in time."""


class Target:
    """A running target script; stop() kills it and removes its directory."""

    def __init__(self, proc, tmpdir, label):
        self.proc = proc
        self.pid = proc.pid
        self.dir = tmpdir
        self.label = label
        self.oracle = os.path.join(tmpdir, "oracle.json")
        self.ready = os.path.join(tmpdir, "ready")
        self.stdout_path = os.path.join(tmpdir, "stdout")
        self.stderr_path = os.path.join(tmpdir, "stderr")
        self._stopped = False

    def alive(self):
        """True while the process has not exited (a stopped one is alive)."""
        return self.proc.poll() is None

    def oracle_data(self):
        """The target's own view of its heap, as written before it parked."""
        with open(self.oracle) as f:
            return json.load(f)

    def ready_fields(self):
        """The words of the ready file (heap_target: pid and gc counts)."""
        with open(self.ready) as f:
            return f.read().split()

    def log(self, limit=4000):
        """The tail of the target's stdout and stderr, for failure messages."""
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            try:
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            if text.strip():
                parts.append("[%s]\n%s" % (os.path.basename(path), text[-limit:]))
        return "\n".join(parts)

    def stop(self):
        """Kill the target (SIGKILL works on stopped and traced ones too), reap
        it, and remove its directory. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("gstest: target %d did not die within 10 s of SIGKILL" % self.pid,
                  file=sys.stderr, flush=True)
        if self in _live_targets:
            _live_targets.remove(self)
        if not os.environ.get("GSTEST_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def target_script(name):
    """Path of a script in tests/targets, or name itself if it is a path."""
    return name if os.path.sep in name else os.path.join(TARGETS_DIR, name)


def start_target(python, script, args=(), env=None, ready_timeout=60.0, label=None, code=None):
    """Start `python script args...` in a fresh temporary directory and wait
    (at most ready_timeout seconds) for it to write its ready file.

    With code instead of a script (script None), runs `python -c code args...`:
    for one-line targets such as an old Python that only writes the ready
    file and sleeps.

    The target gets a new session, so a Ctrl-C meant for the test does not
    reach it, and stdin from /dev/null. PYTHONHASHSEED=0 keeps its heap the
    same from run to run. Raises TargetError (after killing it) if it exits
    or does not get ready in time; the error carries its output.
    """
    _exit_on_sigterm()
    tmpdir = tempfile.mkdtemp(prefix="gstest-")
    full_env = dict(os.environ)
    full_env.pop("PYTHONPATH", None)  # the target's heap must not depend on it
    full_env.update({
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "GSTEST_DIR": tmpdir,
        "GSTEST_ORACLE": os.path.join(tmpdir, "oracle.json"),
        "GSTEST_READY": os.path.join(tmpdir, "ready"),
    })
    if env:
        full_env.update(env)
    head = ["-c", code] if script is None else [target_script(script)]
    cmd = [python] + head + [str(a) for a in args]
    with open(os.path.join(tmpdir, "stdout"), "wb") as out, \
            open(os.path.join(tmpdir, "stderr"), "wb") as err:
        proc = subprocess.Popen(cmd, cwd=tmpdir, env=full_env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
    t = Target(proc, tmpdir, label or python)
    _live_targets.append(t)
    deadline = time.monotonic() + ready_timeout
    while not os.path.exists(t.ready):
        if proc.poll() is not None:
            log = t.log()
            t.stop()
            raise TargetError("%s exited with %s before it was ready\n%s"
                              % (" ".join(cmd), proc.returncode, log))
        if time.monotonic() > deadline:
            log = t.log()
            t.stop()
            raise TargetError("%s not ready after %.0f s\n%s" % (" ".join(cmd), ready_timeout, log))
        time.sleep(0.02)
    return t


# --------------------------------------------------------------------------
# Running gcscope


def gcscope_path():
    """The binary under test: $GCSCOPE, else the one at the top of the tree."""
    return os.environ.get("GCSCOPE") or os.path.join(SRCDIR, "gcscope")


def require_gcscope():
    """Skip the test (77) when the binary has not been built."""
    path = gcscope_path()
    if not os.access(path, os.X_OK):
        skip("gcscope binary not found at %s (set GCSCOPE)" % path)
    return path


def require_ptrace():
    """Skip the test (77) when this user may not trace a process it did not
    start: Yama's ptrace_scope >= 1 without CAP_SYS_PTRACE (then gcscope -p
    on a target that is the test's child, not gcscope's, is refused)."""
    try:
        with open("/proc/sys/kernel/yama/ptrace_scope") as f:
            scope = int(f.read())
    except (OSError, ValueError):
        return  # no Yama: ordinary same-user rules apply
    cap_sys_ptrace = False
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                cap_sys_ptrace = bool(int(line.split()[1], 16) & (1 << 19))
    if scope >= 3 or (scope >= 1 and not cap_sys_ptrace):
        skip("kernel.yama.ptrace_scope is %d: run as root or set it to 0" % scope)


def builddir_file(rel):
    """A file built by make check (e.g. tests/targets/sleeper), or None."""
    for base in (os.environ.get("GCSCOPE_BUILDDIR"), SRCDIR):
        if base and os.access(os.path.join(base, rel), os.X_OK):
            return os.path.join(base, rel)
    return None


def run_gcscope(args, timeout=60.0, prefix=(), env=None, cwd=None):
    """Run gcscope with args and return (rc, stdout, stderr) as text.

    prefix goes before the binary (e.g. a setpriv command line). Output goes
    to temporary files, not pipes, and only gcscope's own exit is waited
    for: a program spawned with --keep inherits the descriptors and would
    hold a pipe open long after gcscope is done. gcscope runs in its own
    process group; on timeout the whole group gets SIGKILL (safe: the kernel
    resumes seized tracees when the tracer dies, and it also ends a program
    started in spawn mode), rc is None and stderr says so.
    """
    cmd = list(prefix) + [gcscope_path()] + [str(a) for a in args]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=full_env, cwd=cwd, start_new_session=True)
        note = b""
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            note = b"\ngstest: gcscope timed out after %.0f s and was killed\n" % timeout
        finally:
            if proc.poll() is None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        out.seek(0)
        err.seek(0)
        return rc, out.read().decode("utf-8", "replace"), (err.read() + note).decode("utf-8", "replace")


def parse_json(text):
    """The one JSON object gcscope printed, or an AssertionError saying why not."""
    try:
        return json.loads(text)
    except ValueError as e:
        raise AssertionError("stdout is not one JSON object (%s): %r" % (e, text[:300]))


def error_line(stderr):
    """The single "gcscope: ..." line of an error, or AssertionError."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, "stderr should be exactly one line, got %d: %r" % (len(lines), stderr[:500])
    assert lines[0].startswith("gcscope: "), "stderr does not start with 'gcscope: ': %r" % lines[0]
    return lines[0]


def report_by_type(report):
    """gcscope's JSON types keyed "module.name" like heap_target's oracle.
    Two types may share a name (a class made twice): their rows are summed."""
    table = {}
    for row in report.get("types", []):
        key = "%s.%s" % (row.get("module"), row.get("name"))
        entry = table.setdefault(key, {"count": 0, "bytes": 0, "frozen_count": 0})
        for field in entry:
            entry[field] += row.get(field, 0) or 0
    return table


def count_agreement(oracle_types, got):
    """Sum over types of min(oracle, gcscope) / oracle total: the fraction of
    the oracle's objects whose type count gcscope matched."""
    total = sum(v["count"] for v in oracle_types.values())
    agree = sum(min(v["count"], got.get(k, {}).get("count", 0)) for k, v in oracle_types.items())
    return agree / total if total else 0.0


# --------------------------------------------------------------------------
# Process state


def task_states(pid):
    """[(tid, state letter, tracer pid)] for every thread of pid; [] if gone."""
    result = []
    for status in glob.glob("/proc/%d/task/*/status" % pid):
        tid = int(status.split("/")[4])
        state, tracer = "?", -1
        try:
            with open(status) as f:
                for line in f:
                    if line.startswith("State:"):
                        state = line.split()[1]
                    elif line.startswith("TracerPid:"):
                        tracer = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the thread exited between glob and open
        result.append((tid, state, tracer))
    return result


def assert_running_untraced(pid, within=1.0):
    """Assert that every thread of pid is alive, not stopped (T, t) and not
    traced (TracerPid 0), polling up to `within` seconds: the kernel takes a
    moment to resume threads after the tracer detaches or dies."""
    deadline = time.monotonic() + within
    while True:
        tasks = task_states(pid)
        bad = [t for t in tasks if t[1] in ("T", "t", "Z", "X") or t[2] != 0]
        if tasks and not bad:
            return
        if time.monotonic() > deadline:
            if not tasks:
                raise AssertionError("process %d is gone" % pid)
            raise AssertionError("process %d not running untraced: %s" % (pid, ", ".join(
                "tid %d state %s tracer %d" % t for t in bad)))
        time.sleep(0.01)


def cpu_ticks(pid):
    """utime+stime of pid in clock ticks (from /proc/PID/stat), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def wait_gone(pid, within=2.0):
    """True once pid no longer exists or is a zombie (dead, not yet reaped),
    polling up to `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        states = [s for _, s, _ in task_states(pid)]
        if not states or all(s in ("Z", "X") for s in states):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)


def unused_pid():
    """A pid that no process has now: high in the pid space, where the kernel
    hands out pids last, and checked against /proc."""
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
    except (OSError, ValueError):
        pid_max = 32768
    for pid in range(pid_max - 1, pid_max // 2, -7):
        if not os.path.exists("/proc/%d" % pid):
            return pid
    raise AssertionError("no unused pid found")
