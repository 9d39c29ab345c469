"""untouched_target: memory and threads the target never touches, and a
ticker that measures how long the target was frozen.

    untouched_target.py MIB THREADS [NORESERVE_GIB [TOUCHED_MIB]]

MIB: a private anonymous mapping of that many MiB, never written (mmap
through ctypes: Python's own mmap module maps anonymous memory shared).
THREADS: idle threads (each with the default stack, 8 MiB of which only
the top is touched). NORESERVE_GIB: a MAP_NORESERVE reservation that large.
TOUCHED_MIB: a private mapping that large, every page written (so that a
capture has that much to copy: the deadline tests).
A ticker thread wakes every millisecond; whenever the longest gap between
two wake-ups grows it writes it (seconds) to GSTEST_DIR/freeze, so a test
can compare what the target felt with what gcscope reported. The ready
file holds "pid rss_kib" taken once everything is parked.
"""

import ctypes
import os
import sys
import threading
import time

MIB = int(sys.argv[1])
THREADS = int(sys.argv[2])
NORESERVE_GIB = int(sys.argv[3]) if len(sys.argv) > 3 else 0
TOUCHED_MIB = int(sys.argv[4]) if len(sys.argv) > 4 else 0
DIR = os.environ["GSTEST_DIR"]

libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
PROT_READ, PROT_WRITE = 1, 2
MAP_PRIVATE, MAP_ANONYMOUS, MAP_NORESERVE = 0x02, 0x20, 0x4000


def reserve(nbytes, flags):
    addr = libc.mmap(None, nbytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        sys.exit("mmap of %d bytes failed: errno %d" % (nbytes, ctypes.get_errno()))
    return addr


untouched = reserve(MIB << 20, 0) if MIB else None
reservation = reserve(NORESERVE_GIB << 30, MAP_NORESERVE) if NORESERVE_GIB else None
touched = reserve(TOUCHED_MIB << 20, 0) if TOUCHED_MIB else None
if touched:
    ctypes.memset(touched, 0x33, TOUCHED_MIB << 20)
# A few touched pages in the reservation, so it is not all holes.
if reservation:
    for k in range(16):
        ctypes.memset(reservation + k * (1 << 26), 0x5a, 4096)

park = threading.Event()
idle = [threading.Thread(target=park.wait, daemon=True) for _ in range(THREADS)]
for t in idle:
    t.start()


def ticker():
    longest = 0.0
    last = time.monotonic()
    while True:
        time.sleep(0.001)
        now = time.monotonic()
        if now - last > longest:
            longest = now - last
            tmp = os.path.join(DIR, "freeze.tmp")
            with open(tmp, "w") as f:
                f.write("%.6f\n" % longest)
            os.replace(tmp, os.path.join(DIR, "freeze"))
        last = now


threading.Thread(target=ticker, daemon=True).start()
time.sleep(0.3)  # let start-up gaps pass before the test reads a baseline


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


tmp = os.environ["GSTEST_READY"] + ".tmp"
with open(tmp, "w") as f:
    f.write("%d %d\n" % (os.getpid(), rss_kib()))
os.replace(tmp, os.environ["GSTEST_READY"])
park.wait()
