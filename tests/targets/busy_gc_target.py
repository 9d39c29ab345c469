"""busy_gc_target: a service that is always collecting.

    busy_gc_target.py [ALLOCATORS]

ALLOCATORS threads (default 8) build and drop small cyclic structures in a
loop, and one more thread calls gc.collect() back to back, so that a stop
at a random moment often lands inside a collection. The ready file is
written once every thread runs.
"""

import gc
import os
import sys
import threading
import time

ALLOCATORS = int(sys.argv[1]) if len(sys.argv) > 1 else 8
KEEP = []  # a heap of a few hundred thousand objects, so each collection takes a while


class Node:
    def __init__(self, parent):
        self.parent = parent
        self.children = []


# The garbage is cyclic: only collections free it. On a free-threaded build
# the allocators run truly in parallel and outrun the collector (seen: 12 GiB
# resident within a minute), so they wait while the process holds more
# than this much.
RESIDENT_LIMIT = 512 << 20
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


def allocate(seed):
    keep = []
    n = 0
    while True:
        if n % 64 == 0:
            while resident() > RESIDENT_LIMIT:
                time.sleep(0.01)
        root = Node(None)
        for i in range(50):
            child = Node(root)
            root.children.append(child)
            child.children.append({"i": i, "seed": seed, "back": root})
        keep.append(root)
        if len(keep) > 200:
            del keep[:100]
        n += 1


def collect():
    while True:
        gc.collect()


for k in range(20000):
    KEEP.append([Node(None), {"k": k}, (k, str(k))])
for s in range(ALLOCATORS):
    threading.Thread(target=allocate, args=(s,), daemon=True).start()
threading.Thread(target=collect, daemon=True).start()

tmp = os.environ["GSTEST_READY"] + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % os.getpid())
os.replace(tmp, os.environ["GSTEST_READY"])
threading.Event().wait()
