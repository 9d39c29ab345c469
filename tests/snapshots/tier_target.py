"""tier_target: the heap the committed snapshots of tests/snapshots/ are
made from (tests/snapshots/make-snapshots.sh). Small on purpose: run with
-S -I, so that a snapshot is a few hundred kilobytes.

What it holds, each for a report to say something about:
  - a growing cache (a list in a global) of Session objects: suspects,
    retained, --path;
  - reachable cycles (Node rings under a global), cyclic garbage (rings
    nobody holds, the collector disabled), garbage with a __del__;
  - two classes named Item in two modules, each in garbage cycles of the
    same shape: the shapes must stay apart;
  - a named thread parked in a function, an open file.
Writes the ready file (GSTEST_READY) and parks.
"""

import gc
import os
import sys
import threading
import time
import types

gc.disable()


class Session:
    def __init__(self, n):
        self.n = n
        self.payload = [n] * 8


class Node:
    def __init__(self):
        self.next = None


class Finalized:
    def __init__(self):
        self.me = self

    def __del__(self):
        pass


def ring(n):
    nodes = [Node() for _ in range(n)]
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        a.next = b
    return nodes[0]


CACHE = [Session(i) for i in range(50)]
RINGS = [ring(3) for _ in range(4)]
for _ in range(3):
    ring(5)
Finalized()

other = types.ModuleType("other")
exec("class Item:\n    def __init__(self):\n        self.peer = None\n", other.__dict__)
sys.modules["other"] = other


class Item:
    def __init__(self):
        self.peer = None


for cls in (Item, other.Item, Item):
    a, b = cls(), cls()
    a.peer, b.peer = b, a
del a, b

LOG = open(os.path.join(os.environ.get("GSTEST_DIR", "/tmp"), "tier.log"), "w")
event = threading.Event()


def park():
    event.wait()


worker = threading.Thread(target=park, name="worker", daemon=True)
worker.start()

ready = os.environ["GSTEST_READY"]
with open(ready + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(ready + ".tmp", ready)
while True:
    time.sleep(3600)
