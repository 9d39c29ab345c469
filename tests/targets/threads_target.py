"""threads_target: named threads parked in known places, for --dump-stacks.

Threads, each parked where a marker comment ("# MARK: name") says:
  lock-waiter     blocked acquiring a threading.Lock the main thread holds
  sleeper         in time.sleep(), with a planted local list (--locals)
  socket-reader   in recv() on one end of a loopback socketpair nobody writes
  deep-recursion  DEPTH calls of recurse(), then blocked acquiring another
                  held lock inside a generator (its frame runs where the
                  for loop resumes it)
  spinner         running a one-line Python loop: the only thread that wants
                  the GIL, so it holds it whenever it is stopped
  idle-N          with --idle N: N more threads in time.sleep() (benchmarks)
The main thread holds both locks and parks in park(), in time.sleep().

Once every thread's innermost frame stands at its marker (polled through
sys._current_frames(), so they are really blocked there), the main thread
writes the oracle (JSON), then the ready file (atomically), then parks:

  {"python": "3.12.1", "pid": N, "main_ident": I,
   "threads": [{"name": ..., "ident": I, "native_id": T, "main": bool,
                "running": bool (the spinner),
                "frames": [[function, line, file], ...]}],   innermost first
   "planted": {"thread": "sleeper", "function": "sleeper", "name": "planted",
               "addr": "0x..", "retained": B}}

Functions are named as gcscope names them: co_qualname from 3.11, co_name
before. The main thread's frames are where it will park (its markers): it
cannot watch itself block. Runs on CPython 3.8-3.13, stdlib only.
"""

import json
import os
import re
import socket
import sys
import threading
import time

DEPTH = 40
LOCK = threading.Lock()       # held by the main thread: lock-waiter blocks on it
GEN_LOCK = threading.Lock()   # held by the main thread: deep-recursion blocks on it
KEEP = []                     # objects that must live as long as the process
PLANTED = {}                  # the sleeper's record of its planted local


def marker_lines():
    """Marker name -> line number, from this file's own source."""
    lines = {}
    with open(os.path.abspath(__file__)) as f:
        for number, text in enumerate(f, 1):
            m = re.search(r"# MARK: ([\w-]+)$", text.rstrip())
            if m:
                lines[m.group(1)] = number
    return lines


MARKS = marker_lines()


def function_name(code):
    return getattr(code, "co_qualname", code.co_name)


def lock_waiter():
    LOCK.acquire()  # MARK: lock-waiter


def sleeper():
    # Unique strs only this list holds: its retained size is exactly the
    # list's size plus theirs.
    planted = ["planted-%d-" % i + "x" * 1000 for i in range(50)]
    PLANTED.update(thread="sleeper", function="sleeper", name="planted", addr=hex(id(planted)),
                   items=len(planted),
                   retained=sys.getsizeof(planted) + sum(sys.getsizeof(s) for s in planted))
    while True:
        time.sleep(3600)  # MARK: sleeper
    return planted


def socket_reader(sock):
    while True:
        sock.recv(4096)  # MARK: socket-reader


def blocking_generator():
    yield 1
    GEN_LOCK.acquire()  # MARK: deep-generator
    yield 2


def recurse(depth):
    if depth > 0:
        return recurse(depth - 1)  # MARK: deep-recursion
    for _ in blocking_generator():  # MARK: deep-bottom
        pass
    return depth


def spinner():
    # No name to look up, no call: the eval loop alone, never in C code.
    while True: pass  # noqa: E701  # MARK: spinner


def idle():
    while True:
        time.sleep(3600)  # MARK: idle


def park():
    while True:
        time.sleep(3600)  # MARK: main


def frames_of(frame):
    """[function, line, file] innermost first."""
    out = []
    while frame is not None:
        out.append([function_name(frame.f_code), frame.f_lineno, frame.f_code.co_filename])
        frame = frame.f_back
    return out


def wait_parked(threads, expected, timeout=30.0):
    """Wait until each thread's innermost frame is at its marker."""
    deadline = time.monotonic() + timeout
    while True:
        frames = sys._current_frames()
        pending = [t.name for t in threads
                   if t.ident not in frames or frames[t.ident].f_lineno != MARKS[expected[t.name]]]
        if not pending:
            return frames
        if time.monotonic() > deadline:
            raise SystemExit("threads not parked after %.0f s: %s" % (timeout, pending))
        time.sleep(0.01)


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    idle_count = int(sys.argv[sys.argv.index("--idle") + 1]) if "--idle" in sys.argv else 0
    LOCK.acquire()
    GEN_LOCK.acquire()
    a, b = socket.socketpair()
    KEEP.extend([a, b])
    threads = [
        threading.Thread(target=lock_waiter, name="lock-waiter", daemon=True),
        threading.Thread(target=sleeper, name="sleeper", daemon=True),
        threading.Thread(target=socket_reader, args=(a,), name="socket-reader", daemon=True),
        threading.Thread(target=recurse, args=(DEPTH,), name="deep-recursion", daemon=True),
        threading.Thread(target=spinner, name="spinner", daemon=True),
    ]
    expected = {"lock-waiter": "lock-waiter", "sleeper": "sleeper", "socket-reader": "socket-reader",
                "deep-recursion": "deep-generator", "spinner": "spinner"}
    for i in range(idle_count):
        threads.append(threading.Thread(target=idle, name="idle-%d" % i, daemon=True))
        expected["idle-%d" % i] = "idle"
    for t in threads:
        t.start()
    frames = wait_parked(threads, expected)
    records = []
    for t in threads:
        records.append({"name": t.name, "ident": t.ident, "native_id": t.native_id, "main": False,
                        "running": t.name == "spinner", "frames": frames_of(frames[t.ident])})
    me = threading.main_thread()
    # main will park in park(), called from the line marked main-call
    main_frames = [["park", MARKS["main"], sys._getframe().f_code.co_filename]] + frames_of(sys._getframe())
    main_frames[1][1] = MARKS["main-call"]
    records.append({"name": me.name, "ident": me.ident, "native_id": threading.get_native_id(), "main": True,
                    "running": False, "frames": main_frames})
    del frames
    oracle = {"python": "%d.%d.%d" % sys.version_info[:3], "abiflags": getattr(sys, "abiflags", ""),
              "pid": os.getpid(), "main_ident": me.ident,
              "threads": records, "planted": dict(PLANTED), "markers": MARKS}
    write_atomically(os.environ["GSTEST_ORACLE"], json.dumps(oracle))
    write_atomically(os.environ["GSTEST_READY"], "%d\n" % os.getpid())
    park()  # MARK: main-call


if __name__ == "__main__":
    main()
