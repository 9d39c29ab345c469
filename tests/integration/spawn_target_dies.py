"""spawn_target_dies: the spawned program dies while gcscope stops it.

In spawn mode (`gcscope -- PROGRAM`) gcscope is both the program's parent
and, from its tracer thread, its tracer. When the program dies while its
threads are being stopped, the tracer's wait for the stops collects the
leader's exit, which reaps the program (a tracer in the parent's own thread
group reaps for good). The spawn code must then take the program as gone:
signalling its pid again (SIGCONT, SIGTERM, then SIGKILL after a second)
would hit whichever process has been given that pid since.

Each round starts gcscope on a program with 200 threads (so that stopping
them takes a few milliseconds), SIGKILLs the program as soon as its
TracerPid shows it seized, and checks that gcscope ends with "no such
process" (3), "target exited during capture" (7) or a capture that was
complete (0), and in the first two cases within 0.9 s of the kill. The
old spawn code spent a second sending signals to the dead pid whenever the
tracer had reaped it: several of the ROUNDS (default 12) hit that on the
test VM.
"""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

ROUNDS = int(os.environ.get("SPAWN_TARGET_DIES_ROUNDS", "12"))
EXIT_LIMIT = 0.9  # the old spawn code waited a full second on the dead pid
ALLOWED = {0, gstest.EXIT["no_process"], gstest.EXIT["exited"]}

PROGRAM = """
import threading, time
def idle():
    while True:
        time.sleep(0.0002)
for _ in range(200):
    threading.Thread(target=idle, daemon=True).start()
while True:
    time.sleep(0.001)
"""


def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def child_of(pid, within=10.0):
    """The first child of pid, or None."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        words = read("/proc/%d/task/%d/children" % (pid, pid)).split()
        if words:
            return int(words[0])
        time.sleep(0.001)
    return None


def tracer_of(pid):
    for line in read("/proc/%d/status" % pid).splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    return None  # gone


def one_round(r, label, python, i):
    proc = subprocess.Popen([gstest.gcscope_path(), "--after", "0.3", "--dump-types", "--json", "--",
                             python, "-c", PROGRAM],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        child = child_of(proc.pid)
        if child is None:
            r.check(False, "%s round %d: the program starts" % (label, i))
            return
        # Kill it the moment gcscope seizes it: the stop is under way.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            tp = tracer_of(child)
            if tp is None or tp != 0:
                break
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the capture was over before this loop saw it: gcscope ended the program
        killed = time.monotonic()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            r.check(False, "%s round %d: gcscope ends" % (label, i), "hung for 30 s")
            return
        took = time.monotonic() - killed
        err = err.decode("utf-8", "replace").strip()
        r.check(proc.returncode in ALLOWED, "%s round %d: exit %s is 0, 3 or 7" % (label, i, proc.returncode),
                err[:300])
        if proc.returncode != 0:
            # The death cut the capture short: nothing is left to do but
            # let go and end. (A capture complete before the kill goes on
            # to build and print, which takes its own time under load.)
            r.check(took < EXIT_LIMIT, "%s round %d: gcscope ends %.2f s after the program died (limit %.1f)"
                    % (label, i, took, EXIT_LIMIT), err[:300])
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def main():
    gstest.require_gcscope()
    r = gstest.Results("spawn_target_dies")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for i in range(ROUNDS):
        label, python = pys[i % len(pys)]
        one_round(r, label, python, i)
    r.finish()


if __name__ == "__main__":
    main()
