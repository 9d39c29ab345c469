"""procutil: what the attach tests share.

- attach_argv(pid, hold): the command that attaches to pid and holds it
  stopped `hold` seconds. It comes from ATTACH_CMD, else DEFAULT_ATTACH_CMD
  below (switching the suite from the harness to gcscope is that one line).
- Target: start a Python target script, wait until it writes its ready file,
  and always kill it (use it as a context manager).
- tasks(pid), problems(pid), wait_clean(pid): read /proc/PID/task/*/status
  and check that no thread is stopped (State T or t) or traced (TracerPid).

Exit codes follow automake: 0 pass, 1 fail, 77 skip.
"""

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

import stopsignals  # noqa: F401,E402  (resets inherited ignored stop signals at import)

PASS, FAIL, SKIP = 0, 1, 77

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("GCSCOPE_BUILDDIR") or SRCDIR

# The attacher. ATTACH_CMD overrides it. Placeholders: {pid}, {hold} (seconds),
# {gcscope} ($GCSCOPE), {builddir}, {srcdir}. A command without {pid} is a
# plain prefix: the PID and the hold seconds are appended.
# The default is the real program; tests/unit/attach_harness (the attach
# layer alone) can be swapped in with
#   ATTACH_CMD="{builddir}/tests/unit/attach_harness {pid} hold {hold}"
DEFAULT_ATTACH_CMD = "{gcscope} -p {pid} --dump-types --json --debug-hold {hold}"


class Skip(Exception):
    """Raised when the test cannot run here; the message says why."""


def attach_argv(pid, hold):
    template = os.environ.get("ATTACH_CMD") or DEFAULT_ATTACH_CMD
    fields = {
        "pid": str(pid),
        "hold": "%g" % hold,
        "gcscope": os.environ.get("GCSCOPE") or os.path.join(BUILDDIR, "gcscope"),
        "builddir": BUILDDIR,
        "srcdir": SRCDIR,
    }
    words = shlex.split(template)
    if "{pid}" in template:
        return [w.format(**fields) for w in words]
    return [w.format(**fields) for w in words] + [str(pid), "%g" % hold]


def check_attacher():
    """Raise Skip unless the attacher can run here."""
    if not sys.platform.startswith("linux") or not os.path.isdir("/proc/self/task"):
        raise Skip("needs Linux with /proc")
    argv = attach_argv(1, 0)
    exe = argv[0]
    if os.sep not in exe:
        import shutil
        exe = shutil.which(exe) or exe
    if not os.access(exe, os.X_OK):
        raise Skip("attacher %s is not built (set ATTACH_CMD, e.g. "
                   "'/path/attach_harness {pid} hold {hold}')" % exe)


def parse_json_line(text):
    """The last line of text that is a JSON object, or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                continue
    return None


# --- targets -------------------------------------------------------------------

# A target with a few threads (sleeping and spinning) that counts the signals
# it receives. Signal handlers in Python coalesce (a flag per signal), so the
# count comes from the wakeup fd, to which CPython's C-level handler writes one
# byte per delivery. SIGUSR2 asks it to write the counts (JSON, keys are signal
# numbers) to argv[2], atomically.
THREADS_TARGET = r'''
import json, os, select, signal, sys, threading, time

ready, counts_path, nthreads = sys.argv[1], sys.argv[2], int(sys.argv[3])
r, w = os.pipe()
os.set_blocking(w, False)
signal.set_wakeup_fd(w, warn_on_full_buffer=False)
COUNTED = (signal.SIGUSR1, signal.SIGUSR2, signal.SIGRTMIN + 1)
for s in COUNTED:
    signal.signal(s, lambda *a: None)

def sleeper():
    while True:
        time.sleep(0.003)

def spinner():
    x = 0
    while True:
        x += 1
        if x % 100000 == 0:
            time.sleep(0.001)

for i in range(nthreads):
    threading.Thread(target=spinner if i == 0 else sleeper, daemon=True).start()

def write_atomic(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)

counts = {}
write_atomic(ready, str(os.getpid()))
while True:
    try:
        select.select([r], [], [], 0.5)
        data = os.read(r, 4096)
    except (BlockingIOError, InterruptedError):
        continue
    for b in data:
        counts[b] = counts.get(b, 0) + 1
        if b == signal.SIGUSR2:
            write_atomic(counts_path, json.dumps({str(k): v for k, v in counts.items()}))
'''


class Target:
    """A Python target process, killed on exit from the with block.

    Target(source=THREADS_TARGET, args=(...)) writes source to a temporary
    file, or Target(script=path). The target gets argv[1] = a ready file it
    must write (atomically) once set up, argv[2] = a spare file path (counts),
    then args.
    """

    def __init__(self, source=None, script=None, args=(), ready_timeout=15.0):
        self.dir = tempfile.mkdtemp(prefix="gcscope-attach-")
        if script is None:
            script = os.path.join(self.dir, "target.py")
            with open(script, "w") as f:
                f.write(source if source is not None else THREADS_TARGET)
        self.ready = os.path.join(self.dir, "ready")
        self.counts = os.path.join(self.dir, "counts")
        self.proc = subprocess.Popen(
            [sys.executable, script, self.ready, self.counts] + [str(a) for a in args],
            stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        deadline = time.monotonic() + ready_timeout
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None:
                self.close()
                raise RuntimeError("target exited early with status %s" % self.proc.returncode)
            if time.monotonic() > deadline:
                self.close()
                raise RuntimeError("target not ready after %.0f s" % ready_timeout)
            time.sleep(0.01)

    def alive(self):
        return self.proc.poll() is None

    def ask_counts(self, timeout=2.0):
        """Ask the THREADS_TARGET for its signal counts; {signo: n} or None."""
        try:
            os.unlink(self.counts)
        except FileNotFoundError:
            pass
        os.kill(self.pid, signal.SIGUSR2)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(self.counts) as f:
                    return {int(k): v for k, v in json.load(f).items()}
            except (FileNotFoundError, ValueError):
                time.sleep(0.01)
        return None

    def close(self):
        if self.proc.poll() is None:
            try:
                # SIGKILL works on a stopped or traced process too; SIGCONT
                # first anyway, so that nothing is ever left in T.
                os.kill(self.pid, signal.SIGCONT)
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for name in os.listdir(self.dir):
            try:
                os.unlink(os.path.join(self.dir, name))
            except OSError:
                pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def kill_quietly(proc):
    """SIGKILL and reap a subprocess (the kernel then detaches its tracees)."""
    if proc is not None and proc.poll() is None:
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


# --- /proc ----------------------------------------------------------------------

def tasks(pid):
    """{tid: {"State": "S", "TracerPid": 0, "Name": ...}} for every thread."""
    out = {}
    try:
        names = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return out
    for name in names:
        fields = {}
        try:
            with open("/proc/%d/task/%s/status" % (pid, name)) as f:
                for line in f:
                    key, _, value = line.partition(":")
                    fields[key] = value.strip()
        except (FileNotFoundError, ProcessLookupError):
            continue  # the thread exited meanwhile
        out[int(name)] = {
            "State": fields.get("State", "?")[:1],
            "TracerPid": int(fields.get("TracerPid", "0") or 0),
            "Name": fields.get("Name", "?"),
        }
    return out


def describe(pid, ts=None):
    ts = tasks(pid) if ts is None else ts
    return ", ".join("%d:%s/tracer=%d" % (tid, t["State"], t["TracerPid"]) for tid, t in sorted(ts.items()))


def problems(pid, want_stopped=False):
    """Threads that are traced, or stopped (or, want_stopped, not stopped)."""
    bad = []
    for tid, t in sorted(tasks(pid).items()):
        if t["TracerPid"] != 0:
            bad.append("thread %d traced by %d (state %s)" % (tid, t["TracerPid"], t["State"]))
        elif want_stopped and t["State"] != "T":
            bad.append("thread %d in state %s, expected T" % (tid, t["State"]))
        elif not want_stopped and t["State"] in ("T", "t"):
            bad.append("thread %d in state %s" % (tid, t["State"]))
    return bad


def wait_clean(pid, timeout=1.0, want_stopped=False):
    """Poll until problems(pid) is empty (the kernel may need a moment after a
    detach); return [] or the problems still there at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        bad = problems(pid, want_stopped)
        if not bad or time.monotonic() >= deadline:
            return bad
        time.sleep(0.005)


def wait_all_state(pid, state, timeout=2.0):
    """Poll until every thread is in `state`; True if that happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ts = tasks(pid)
        if ts and all(t["State"] == state for t in ts.values()):
            return True
        time.sleep(0.005)
    return False


def run_attacher(pid, hold, timeout=30.0):
    """Run the attacher to completion: (returncode, stdout, stderr, seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(attach_argv(pid, hold), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_quietly(proc)
        out, err = proc.communicate()
        return None, out, err + "\n(timed out after %.0f s)" % timeout, time.monotonic() - t0
    return proc.returncode, out, err, time.monotonic() - t0


def main(test):
    """Run test() -> bool; Skip exits 77, RuntimeError (a broken set-up) 1."""
    try:
        ok = test()
    except Skip as e:
        print("SKIP: %s" % e)
        sys.exit(SKIP)
    except RuntimeError as e:
        print("FAIL: %s" % e)
        sys.exit(FAIL)
    sys.exit(PASS if ok else FAIL)


def preflight(pid):
    """One plain attach: Skip if ptrace is not permitted here, raise
    RuntimeError if the attacher fails otherwise. Returns its JSON or None."""
    rc, out, err, _ = run_attacher(pid, 0)
    if rc == 4:
        raise Skip("ptrace not permitted here: %s" % err.strip())
    if rc != 0:
        raise RuntimeError("plain attach failed (exit %s): %s %s" % (rc, out.strip(), err.strip()))
    return parse_json_line(out)


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default
