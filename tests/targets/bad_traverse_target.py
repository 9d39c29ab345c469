"""bad_traverse_target: objects whose type's tp_traverse faults, loops, calls
unmapped code, makes a system call or writes outside the emulator's scratch
memory (tests/targets/bad_traverse.c, built by the test into
GSTEST_EXT_DIR), beside well-behaved compiled holders of the same and of
other types.

The collector is turned off before any of them exists and gc.get_referents is
called on the well-behaved ones only: running the bad traverse functions
here would crash or hang this process. Only gcscope's emulator runs them.

Oracle (GSTEST_ORACLE): per kind the ids of its objects and of their
payloads; gc.get_referents of every well-behaved holder. Then, while
parked, the target answers a "ping" file in GSTEST_DIR with a "pong" file
saying whether every object is as it was (WritesOutside's counters still
0): the test's proof that the target still runs, untouched.
"""

import asyncio
import contextvars
import gc
import json
import os
import queue
import sys
import time

gc.disable()
sys.path.insert(0, os.environ["GSTEST_EXT_DIR"])
import gs_bad_traverse as bt  # noqa: E402

UNMAPPED = 0x1000  # below vm.mmap_min_addr: never mapped


class Payload:
    def __init__(self, kind):
        self.kind = kind
        self.blob = bytearray(500)


KEEP = []
KINDS = {}  # kind -> [(holder id, payload id)]


def plant(kind, make, count):
    for _ in range(count):
        p = Payload(kind)
        h = make(p)
        KEEP.append(h)
        KINDS.setdefault(kind, []).append((id(h), id(p)))


def main():
    # Interleaved, so that good objects sit between bad ones in every batch.
    for _ in range(3):
        plant("Good", bt.Good, 1)
        plant("Faults", lambda p: bt.Faults(p, UNMAPPED), 1)
        plant("Loops", bt.Loops, 1)
        plant("CallsUnmapped", lambda p: bt.CallsUnmapped(p, UNMAPPED), 1)
        plant("CallsSyscall", bt.CallsSyscall, 1)
        plant("WritesOutside", bt.WritesOutside, 1)
    # Unrelated compiled holders: emulated in the same run, must stay "ok".
    loop = asyncio.new_event_loop()

    def future(p):
        f = loop.create_future()
        f.set_result(p)
        return f

    def simple_queue(p):
        q = queue.SimpleQueue()
        q.put(p)
        return q

    def context(p):
        ctx = contextvars.copy_context()
        ctx.run(contextvars.ContextVar("gs_var").set, p)
        return ctx

    plant("future", future, 2)
    plant("simple_queue", simple_queue, 2)
    plant("context", context, 2)
    safe = {"Good", "future", "simple_queue", "context"}
    by_id = {id(o): o for o in KEEP}
    referents = {str(h): [id(r) for r in gc.get_referents(by_id[h])]
                 for kind in safe for h, _ in KINDS[kind]}
    oracle = {"python": sys.version, "kinds": KINDS, "referents": referents}
    path = os.environ["GSTEST_ORACLE"]
    with open(path + ".tmp", "w") as f:
        json.dump(oracle, f)
    os.rename(path + ".tmp", path)
    with open(os.environ["GSTEST_READY"], "w") as f:
        f.write("%d\n" % os.getpid())
    ping = os.path.join(os.environ["GSTEST_DIR"], "ping")
    pong = os.path.join(os.environ["GSTEST_DIR"], "pong")
    while True:
        if os.path.exists(ping):
            counters = [o.counter() for o in KEEP if isinstance(o, bt.WritesOutside)]
            with open(pong + ".tmp", "w") as f:
                f.write("untouched\n" if not any(counters) else "changed %r\n" % counters)
            os.rename(pong + ".tmp", pong)
            os.unlink(ping)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
