"""leaks_target: plants each leak pattern gcscope's analyses must expose,
writes what it planted (object ids and what the interpreter says about
them), then parks without allocating.

Runs on CPython 3.8-3.13. Started by tests/lib/gstest.py: GSTEST_ORACLE is
where the record goes, GSTEST_READY the file created once parked.

Planted (ids in the record, as hex(id(o)) strings):
  garbage_cycle       Node <-> Node, unreachable, collector disabled
  garbage_del_cycle   WithDel <-> WithDel (both define __del__), unreachable
  garbage_big_cycle   a ring of 50 Nodes, unreachable
  reachable_cycle     Node <-> Node kept in the module global KEEP_CYCLE
  self_loop           a list that contains itself, kept in SELF_LOOP
  cache               the module global CACHE: a dict of Session objects that only grows
  registry            Registry.items, a class attribute list that only grows
  default_arg         the list that remember()'s mutable default argument collects
  callbacks           EventBus.handlers: bound methods keeping Listener objects alive
  big_global          BIG_TABLE, one large list in a module global
  gc_garbage          gc.garbage filled through DEBUG_SAVEALL
Referrers: for a few planted objects, the ids gc.get_referrers() reports.
"""

import gc
import json
import os
import select
import sys

CACHE_SIZE = 3000
REGISTRY_SIZE = 800
DEFAULT_ARG_CALLS = 1200
LISTENERS = 400
BIG_TABLE_LEN = 200000


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None
        self.payload = [name] * 4


class WithDel:
    def __init__(self, name):
        self.name = name
        self.other = None

    def __del__(self):
        pass


class Session:
    def __init__(self, i):
        self.id = i
        self.data = {"user": "u%d" % i, "items": list(range(10))}


class Registry:
    items = []


class Listener:
    def __init__(self, i):
        self.buffer = [i] * 50

    def on_event(self, event):
        self.buffer.append(event)


class EventBus:
    handlers = []


def remember(event, seen=[]):  # the classic mutable default argument
    seen.append({"event": event})
    return len(seen)


CACHE = {}
KEEP_CYCLE = []
SELF_LOOP = []
BIG_TABLE = None
BUS = EventBus()


def hexid(o):
    return hex(id(o))


def main():
    rec = plant_all()
    rec["python"] = sys.version.split()[0]
    rec["pid"] = os.getpid()
    rec["gc_enabled"] = gc.isenabled()
    out = os.environ["GSTEST_ORACLE"]
    with open(out + ".tmp", "w") as f:
        json.dump(rec, f)
    os.rename(out + ".tmp", out)
    r, w = os.pipe()
    ready = os.environ["GSTEST_READY"]
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)
    while True:
        select.select([r], [], [])


def plant_all():
    """gc.garbage first (its collection would sweep the garbage cycles
    planted for the other checks), then everything else."""
    rec = {}
    gc.disable()
    g1, g2 = Node("g1"), Node("g2")
    g1.next, g2.next = g2, g1
    rec["gc_garbage_nodes"] = [hexid(g1), hexid(g2)]
    del g1, g2
    gc.set_debug(gc.DEBUG_SAVEALL)
    gc.collect()
    gc.set_debug(0)
    rec["gc_garbage"] = hexid(gc.garbage)
    rec["gc_garbage_len"] = len(gc.garbage)
    rest = plant_rest()
    rest.update(rec)
    return rest


def plant_rest():
    global BIG_TABLE
    rec = {}
    a, b = Node("a"), Node("b")
    a.next, b.next = b, a
    rec["garbage_cycle"] = [hexid(a), hexid(b)]
    if sys.version_info < (3, 11):  # 3.8-3.10: instance dicts are separate objects in the cycle
        rec["garbage_cycle_dicts"] = [hexid(a.__dict__), hexid(b.__dict__)]
    del a, b

    c, d = WithDel("c"), WithDel("d")
    c.other, d.other = d, c
    rec["garbage_del_cycle"] = [hexid(c), hexid(d)]
    del c, d

    ring = [Node("r%d" % i) for i in range(50)]
    for i, n in enumerate(ring):
        n.next = ring[(i + 1) % len(ring)]
    rec["garbage_big_cycle"] = [hexid(n) for n in ring]
    del ring, n

    e, f = Node("e"), Node("f")
    e.next, f.next = f, e
    KEEP_CYCLE.append(e)
    rec["reachable_cycle"] = [hexid(e), hexid(f)]
    rec["keep_cycle_list"] = hexid(KEEP_CYCLE)
    del e, f

    SELF_LOOP.append(SELF_LOOP)
    rec["self_loop"] = hexid(SELF_LOOP)

    for i in range(CACHE_SIZE):
        CACHE[i] = Session(i)
    rec["cache"] = hexid(CACHE)
    rec["cache_len"] = len(CACHE)
    first = CACHE[0]
    rec["cache_first_session"] = hexid(first)
    rec["cache_first_session_referrers"] = sorted(hexid(r) for r in gc.get_referrers(first)
                                                  if r is not sys._getframe())
    del first

    for i in range(REGISTRY_SIZE):
        Registry.items.append({"i": i, "blob": "x" * 64})
    rec["registry"] = hexid(Registry.items)

    for i in range(DEFAULT_ARG_CALLS):
        remember(i)
    rec["default_arg"] = hexid(remember.__defaults__[0])
    rec["default_arg_function"] = hexid(remember)

    for i in range(LISTENERS):
        EventBus.handlers.append(Listener(i).on_event)
    rec["callbacks"] = hexid(EventBus.handlers)

    BIG_TABLE = list(range(BIG_TABLE_LEN))
    rec["big_global"] = hexid(BIG_TABLE)
    return rec


if __name__ == "__main__":
    main()
