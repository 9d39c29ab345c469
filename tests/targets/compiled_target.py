"""compiled_target: payloads held only by compiled objects, and the
interpreter's own view of who holds what.

Plants one Payload per holder, reachable only through a compiled object:
stdlib C types on every version (asyncio's C Task and Future and a Future's
done-callback, contextvars.Context, queue.SimpleQueue, an lru_cache's
cache, deque, itertools objects, functools.partial, re's Match, io's
BytesIO, array via memoryview) and, when importable, Debian's compiled
packages (multidict, lxml, greenlet, aiohttp's yarl) and modules compiled by
the test (GSTEST_EXTRA_PATH: mypyc and Cython builds made by the test, each
with a `make_holder(payload)` function). Some compiled holders are put in
cycles with Python objects and dropped, so that the garbage rule has compiled
objects in cycles to judge.

The oracle (GSTEST_ORACLE): every gc.get_objects() object with its type and
gc.get_referents ids, each payload's id and its holder's type name, and the
ids of the compiled objects in dropped cycles (garbage gc.collect() would
free) and of the holders kept alive. The ready file is written last.
"""

import array
import asyncio
import collections
import contextvars
import functools
import gc
import importlib
import io
import itertools
import json
import os
import queue
import re
import sys
import time


class Payload:
    def __init__(self, name):
        self.name = name
        self.blob = bytearray(1000)


PLANTED = []  # (name, payload id, holder type name)
KEEP = []     # the holders, kept alive by this module


def plant(name, make):
    p = Payload(name)
    holder = make(p)
    PLANTED.append((name, id(p), type(holder).__module__ + "." + type(holder).__qualname__))
    KEEP.append(holder)
    return holder


async def _sleeper(p):
    await asyncio.sleep(3600)
    return p


def stdlib_holders(loop):
    asyncio.set_event_loop(loop)

    def task(p):
        coro = _sleeper(p)
        t = loop.create_task(coro)
        return t

    def future_callback(p):
        f = loop.create_future()
        f.add_done_callback(_Cb(p))
        return f

    def future_result(p):
        f = loop.create_future()
        f.set_result(p)
        return f

    def context(p):
        var = contextvars.ContextVar("gs_var")
        ctx = contextvars.copy_context()
        ctx.run(var.set, p)
        return ctx

    def simple_queue(p):
        q = queue.SimpleQueue()
        q.put(p)
        return q

    def lru(p):
        @functools.lru_cache(maxsize=None)
        def f(x):
            return p
        f(1)
        return f

    def chain(p):
        return itertools.chain([p], [])

    def cycle(p):
        return itertools.cycle([p])

    def repeat(p):
        return itertools.repeat(p)

    def count_islice(p):
        return itertools.islice(iter([p, 1, 2]), 1, None)

    def groupby(p):
        return itertools.groupby([p])

    def accumulate(p):
        return itertools.accumulate([p])

    def bytesio(p):
        b = io.BytesIO(b"x")
        b.payload = p  # BytesIO has a __dict__
        return b

    holders = [("task", task), ("future_callback", future_callback), ("future_result", future_result),
               ("context", context), ("simple_queue", simple_queue), ("lru_cache", lru), ("chain", chain),
               ("cycle", cycle), ("repeat", repeat), ("islice", count_islice), ("groupby", groupby),
               ("accumulate", accumulate), ("bytesio", bytesio)]
    for name, make in holders:
        plant(name, make)
    # Objects with no payload, for edge recall: re, array, partial, deque.
    KEEP.append(re.compile(r"(\w+)-(\d+)"))
    KEEP.append(re.match(r"(\w+)", "hello world"))
    KEEP.append(array.array("i", range(5)))
    KEEP.append(functools.partial(print, 1, sep=""))
    KEEP.append(collections.deque([1, 2, 3]))


class _Cb:
    """A done-callback: the payload is held by the Future's callback list."""

    def __init__(self, p):
        self.p = p

    def __call__(self, fut):
        pass


def optional_holders():
    """Debian's compiled packages (python3-multidict, -lxml, -greenlet, -yarl)
    and the test's own compiled modules, when importable."""
    found = []
    try:
        import multidict

        plant("multidict", lambda p: multidict.MultiDict([("k", p)]))
        plant("cimultidict", lambda p: multidict.CIMultiDict([("k", p)]))
        found.append("multidict")
    except ImportError:
        pass
    try:
        import greenlet

        def not_started(p):
            # Its run callable holds the payload. (A suspended greenlet's
            # locals live in its saved interpreter frames, which
            # gc.get_referents does not list either.)
            return greenlet.greenlet(functools.partial(print, p))

        plant("greenlet", not_started)
        found.append("greenlet")
    except ImportError:
        pass
    try:
        import lxml.etree

        def element(p):
            e = lxml.etree.Element("root")
            e.set("a", "b")
            KEEP.append(e)
            return e
        KEEP.append(lxml.etree.Element("x"))
        found.append("lxml")
    except ImportError:
        pass
    for path in filter(None, os.environ.get("GSTEST_EXTRA_PATH", "").split(os.pathsep)):
        sys.path.insert(0, path)
    for name in filter(None, os.environ.get("GSTEST_EXTRA_MODULES", "").split(",")):
        mod = importlib.import_module(name)
        plant(name, mod.make_holder)
        found.append(name)
    return found


def cyclic_garbage(loop):
    """Compiled objects in cycles with Python objects, then dropped (the
    collector is off): the garbage rule must see them as garbage, as
    gc.collect() would. Returns their ids."""
    ids = []
    for i in range(3):
        class Node:
            pass
        n = Node()
        f = loop.create_future()
        f.add_done_callback(_Cb(n))  # future -> callback -> node -> future
        n.fut = f
        ctx = contextvars.copy_context()
        var = contextvars.ContextVar("v%d" % i)
        ctx.run(var.set, n)
        n.ctx = ctx
        q = queue.SimpleQueue()
        q.put(n)
        n.q = q
        ids += [id(n), id(f), id(ctx), id(q)]
    return ids


def view():
    objs = gc.get_objects()
    out = []
    for o in objs:
        t = type(o)
        out.append({"id": id(o), "type": t.__name__, "module": getattr(t, "__module__", "") or "",
                    "referents": [id(r) for r in gc.get_referents(o)]})
    return out


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    loop = asyncio.new_event_loop()
    stdlib_holders(loop)
    found = optional_holders()
    gc.collect()
    gc.disable()
    garbage = cyclic_garbage(loop)
    oracle = {
        "python": sys.version,
        "objects": view(),
        "planted": PLANTED,
        "optional": found,
        "garbage": garbage,
        "kept": [id(h) for h in KEEP],
    }
    write_atomic(os.environ.get("GSTEST_ORACLE", "oracle.json"), json.dumps(oracle))
    write_atomic(os.environ.get("GSTEST_READY", "ready"), "%d\n" % os.getpid())
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
