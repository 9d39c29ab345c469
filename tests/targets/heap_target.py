"""heap_target: a Python process with a known, varied heap that parks still.

gcscope's integration tests compare what gcscope reads from outside with
what this process says about itself. For that comparison to be exact, what
the oracle measures must be exactly what is in the garbage collector's lists
while the process is parked:
  - the collector is disabled before anything is built, so nothing is
    collected, untracked or moved between generations afterwards;
  - the view is taken with gc.get_objects() (the same lists gcscope walks),
    leaving out only the view's own temporaries (its result list and, on
    3.8-3.10, its own frame object);
  - the whole write-out is rehearsed once, so lazily filled caches (codecs,
    encoders) exist before the real view is taken;
  - every temporary of the view is deleted before parking, and nothing the
    view computation creates outlives it (no reference cycles: json's C
    encoder, never the indent path whose closures form cycles);
  - the parking loop allocates nothing: it blocks in select() on a pipe that
    is never written, with its argument lists built before the view.
Run with --verify to check that claim: it takes a second view where it would
park and prints any difference (there must be none).

Runs on every CPython 3.8-3.13, stdlib only. Where to write comes from
--oracle/--ready or from the GSTEST_ORACLE/GSTEST_READY environment that
tests/lib/gstest.py sets. The ready file is written last, atomically; it
holds "PID GEN0 GEN1 GEN2": the pid and gc.get_count() just before parking.

Oracle JSON:
  {"python": "3.11.7", "pid": N, "scale": S,
   "gc": {"enabled": false, "thresholds": [701, 11, 12], "counts": [...]},
   "total": N, "bytes": B, "frozen_objects": N, "frozen_planted": N,
   "types": {"module.name": {"count": c, "bytes": b}},
   "objects": [{"id": "0x..", "type": ..., "module": ..., "size": ...,
                "referents": ["0x..", ...]}],            (only with --objects)
   "untracked_sizes": {"0x..": size}}                   (only with --objects)
"""

import gc

gc.disable()  # before anything else: the heap must never be collected
gc.set_threshold(701, 11, 12)  # distinctive, so a reader can show it read them

import argparse  # noqa: E402  (imports after gc.disable() on purpose)
import collections  # noqa: E402
import dataclasses  # noqa: E402
import enum  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import weakref  # noqa: E402

# Base instance counts (scale 1). --scale multiplies them. LEAKY is what the
# benchmark scales: --scale 250 gives 1,000,000 Leaky objects, each owning a
# dict holding a list (3 GC objects each, 4 on 3.8-3.10 whose instance
# __dict__ is a separate object): about 3-4 million GC objects in all.
LEAKY = 4000
PLAIN = 300
SLOTTED = 200
CONTAINERS = 200
RECORDS = 100
NODES = 150
FROZEN = 100

# The module-level cache that only grows: the classic leak gcscope finds.
_LEAKY_CACHE = {}

# Holds the rest of the heap for the life of the process.
KEPT = []


class Leaky:
    """A request-like object kept forever by _LEAKY_CACHE."""

    def __init__(self, key):
        self.key = key
        self.meta = {"id": key, "tags": [key % 7]}


class Plain:
    """Instances with a __dict__; all set the same attributes in the same
    order, so their dicts share keys (split tables, managed values on 3.11+)."""

    def __init__(self, i):
        self.a = i
        self.b = "p%d" % i
        self.c = [i]

    def method(self):
        return self.a


class Slotted:
    """Instances with __slots__ and no __dict__."""

    __slots__ = ("x", "y", "z")

    def __init__(self, i):
        self.x = i
        self.y = (i, [i])
        if i % 2:
            self.z = {"i": i}  # some slots left empty on purpose


class Node:
    """Ring and doubly linked list nodes: a reference cycle."""

    def __init__(self, i):
        self.i = i
        self.next = None
        self.prev = None


class Frozen:
    """Instances moved to the permanent generation by --freeze."""

    def __init__(self, i):
        self.i = [i]


@dataclasses.dataclass
class Point:
    x: int
    y: int
    tags: list = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class FrozenPoint:
    x: int
    y: tuple


class Color(enum.Enum):
    RED = 1
    GREEN = 2
    BLUE = 3


class Perm(enum.Flag):
    R = 4
    W = 2
    X = 1


Pair = collections.namedtuple("Pair", ["left", "right"])


class Registry(type):
    """A metaclass that records every class it makes."""

    classes = []

    def __new__(mcls, name, bases, ns):
        cls = super().__new__(mcls, name, bases, ns)
        mcls.classes.append(cls)
        return cls


class Plugin(metaclass=Registry):
    pass


class AudioPlugin(Plugin):
    pass


class VideoPlugin(Plugin):
    pass


class _Suspend:
    """An awaitable that suspends its coroutine once, forever if never resumed."""

    def __await__(self):
        yield "suspended"


async def _coroutine(x):
    await _Suspend()
    return x


async def _async_gen(n):
    for i in range(n):
        yield i


def _generator(n):
    for i in range(n):
        yield [i]


def _counter(start):
    """A closure: the returned functions share a cell."""
    count = [start]
    total = start

    def incr():
        count[0] += 1
        return count[0] + total

    def get():
        return count[0]

    return incr, get


def _fail(depth):
    if depth == 0:
        raise ValueError("planted failure")
    _fail(depth - 1)


def _exception():
    """An exception with a traceback three frames deep and a __cause__."""
    try:
        try:
            _fail(3)
        except ValueError as e:
            raise KeyError("wrapped") from e
    except KeyError as e:
        return e


def _weak_callback(ref):
    pass


def build_instances(scale, keep):
    """Instances of user classes: __dict__, __slots__, dataclasses, namedtuples,
    enums, metaclass-made classes, the Leaky cache and the Node ring."""
    for i in range(LEAKY * scale):
        _LEAKY_CACHE[i] = Leaky(i)
    plain = [Plain(i) for i in range(PLAIN * scale)]
    for p in plain[::4]:
        vars(p)  # materialise some instance dicts (3.11+ keeps values inline)
    keep["plain"] = plain
    keep["slotted"] = [Slotted(i) for i in range(SLOTTED * scale)]
    keep["points"] = [Point(i, -i) for i in range(RECORDS * scale)]
    keep["frozen_points"] = [FrozenPoint(i, (i, i)) for i in range(RECORDS * scale // 2)]
    keep["pairs"] = [Pair([i], (i,)) for i in range(RECORDS * scale)]
    keep["colors"] = [Color.RED, Color.GREEN, Perm.R | Perm.W]
    keep["plugins"] = [AudioPlugin(), VideoPlugin(), Plugin()]
    nodes = [Node(i) for i in range(NODES * scale)]
    for a, b in zip(nodes, nodes[1:] + nodes[:1]):
        a.next, b.prev = b, a
    keep["ring_head"] = nodes[0]  # the ring is reachable only through its head


def build_containers(scale, keep):
    """Builtin containers in their awkward states: deleted entries, self
    references, several deque blocks, dict subclasses."""
    n = CONTAINERS * scale
    keep["dicts"] = [{"k": i, "v": [i], "s": "x" * (i % 5)} for i in range(n)]
    keep["int_dicts"] = [{i: i} for i in range(n // 4)]  # untracked on <= 3.12
    keep["lists"] = [[i, str(i), (i,)] for i in range(n)]
    keep["tuples"] = [(i, [i]) for i in range(n)]
    keep["sets"] = [{i, i + 1, (i, "s")} for i in range(n // 2)]
    keep["frozensets"] = [frozenset((i, (i, i))) for i in range(n // 2)]
    holey = []
    for j in range(20 * scale):
        d = {k: [k] for k in range(64)}
        for k in range(0, 64, 2):
            del d[k]  # deleted entries (dummies) stay in the table
        holey.append(d)
    keep["holey"] = holey
    keep["deque"] = collections.deque(range(1000 * scale))  # 64 items per block
    keep["ordered"] = [collections.OrderedDict((str(k), [k]) for k in range(i % 9))
                       for i in range(n // 4)]
    dd = collections.defaultdict(list)
    for i in range(n):
        dd[i % 50].append(i)
    keep["defaultdict"] = dd
    self_list = [1, 2]
    self_list.append(self_list)
    self_dict = {"name": "loop"}
    self_dict["self"] = self_dict
    keep["self_refs"] = (self_list, self_dict)
    keep["bytearray"] = bytearray(4096)


def build_callables(scale, keep):
    """Functions, closures and cells, bound methods, partials, suspended
    generators and coroutines, weak references, an exception with its
    traceback."""
    keep["closures"] = [_counter(i) for i in range(RECORDS * scale)]
    keep["bound"] = [p.method for p in keep["plain"][:RECORDS * scale]]
    keep["partials"] = [functools.partial(_counter, i) for i in range(10)]
    keep["lambdas"] = [lambda x, i=i: x + i for i in range(10)]
    gen = _generator(5)
    next(gen)
    coro = _coroutine(7)
    coro.send(None)
    agen = _async_gen(3)
    try:
        agen.asend(None).send(None)
    except StopIteration:
        pass  # the async generator is now suspended at its first yield
    keep["suspended"] = (gen, coro, agen)
    targets = keep["plain"][:RECORDS * scale]
    keep["weakrefs"] = [weakref.ref(p) for p in targets]
    keep["weak_cb"] = [weakref.ref(p, _weak_callback) for p in targets[:10]]
    wvd = weakref.WeakValueDictionary()
    for p in targets[:20]:
        wvd[p.a] = p
    keep["weak_dict"] = wvd
    keep["exception"] = _exception()


def build_heap(scale, freeze):
    """Build everything; with freeze, first plant Frozen objects and move
    every object tracked so far to the permanent generation."""
    keep = {}
    if freeze:
        keep["frozen"] = [Frozen(i) for i in range(FROZEN * scale)]
        gc.freeze()
    build_instances(scale, keep)
    build_containers(scale, keep)
    build_callables(scale, keep)
    return keep


def take_view(with_objects):
    """The interpreter's own view of its GC lists (generations 0-2).

    gc.get_objects() is the first thing done here, so the only objects of
    this computation it can see are this call's own frame (a tracked object
    on 3.8-3.10) and its result list (which it leaves out itself). Nothing
    here may be a closure variable: its cell would be made with the frame.
    """
    objs = gc.get_objects()
    me = id(sys._getframe())  # an id, not a reference: no cycle with the frame
    types = {}
    per_object = []
    untracked = {}
    total = size_total = 0
    for o in objs:
        if id(o) == me:
            continue
        t = type(o)
        size = sys.getsizeof(o)
        key = "%s.%s" % (t.__module__, t.__name__)
        entry = types.get(key)
        if entry is None:
            entry = types[key] = {"count": 0, "bytes": 0}
        entry["count"] += 1
        entry["bytes"] += size
        total += 1
        size_total += size
        if with_objects:
            refs = gc.get_referents(o)
            per_object.append({"id": hex(id(o)), "type": t.__name__, "module": str(t.__module__),
                               "size": size, "referents": [hex(id(r)) for r in refs]})
            for r in refs:
                if not gc.is_tracked(r):
                    untracked[hex(id(r))] = sys.getsizeof(r)
            del refs
    del objs, o, t, entry
    # Generations 1 and 2 do not change while the collector is off (only a
    # collection moves objects into them): --dump-generations must match
    # them exactly. Generation 0 takes this view's own temporaries.
    generations = []
    for g in range(3):
        generations.append(len(gc.get_objects(generation=g)))
    # A loop, not a comprehension: on 3.8-3.11 a comprehension reading
    # `types` would make it a cell, created with this frame, before the view.
    sorted_types = {}
    for key in sorted(types):
        sorted_types[key] = types[key]
    view = {
        "python": sys.version.split()[0],
        "pid": os.getpid(),
        "gc": {"enabled": gc.isenabled(), "thresholds": list(gc.get_threshold()),
               "counts": list(gc.get_count())},
        "total": total,
        "bytes": size_total,
        "frozen_objects": gc.get_freeze_count() if hasattr(gc, "get_freeze_count") else 0,
        "generations": generations,
        "types": sorted_types,
    }
    if with_objects:
        view["objects"] = per_object
        view["untracked_sizes"] = untracked
    return view


def time_walk():
    """The interpreter's own bare walk of its heap, timed: gc.get_objects(),
    then gc.get_referents() and sys.getsizeof() of every object. It builds
    no graph (no index, no reverse edges, no labels): the floor gcscope's
    ready graph is compared with (tests/bench/bench_graph.py). Everything it
    makes dies with this call's frame, before the views are taken."""
    t0 = time.perf_counter()
    objs = gc.get_objects()
    referents = size = 0
    for o in objs:
        referents += len(gc.get_referents(o))
        size += sys.getsizeof(o)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "objects": len(objs), "referents": referents, "bytes": size}


def write_atomic(path, text):
    """Write text to path through a temporary file and a rename, so a reader
    never sees half a file."""
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def parse_args(argv):
    p = argparse.ArgumentParser(description="a known heap for gcscope's tests")
    p.add_argument("--scale", type=int, default=1, help="multiply the instance counts")
    p.add_argument("--objects", action="store_true", help="also write every object and its referents")
    p.add_argument("--freeze", action="store_true", help="plant Frozen objects and gc.freeze() them")
    p.add_argument("--oracle", default=os.environ.get("GSTEST_ORACLE", "oracle.json"))
    p.add_argument("--ready", default=os.environ.get("GSTEST_READY", "ready"))
    p.add_argument("--time-walk", action="store_true",
                   help="time the interpreter's own walk of the heap (oracle key 'walk')")
    p.add_argument("--idle-threads", type=int, default=0,
                   help="park this many more threads (the benchmark's many-threads target)")
    p.add_argument("--verify", action="store_true",
                   help="instead of parking, check that a second view equals the first")
    return p.parse_args(argv)


def compare_views(first, second):
    """Differences between two views' per-type counts, as text lines."""
    lines = []
    for key in sorted(set(first["types"]) | set(second["types"])):
        a = first["types"].get(key, {"count": 0})["count"]
        b = second["types"].get(key, {"count": 0})["count"]
        if a != b:
            lines.append("%s: %d then %d" % (key, a, b))
    return lines


def main():
    opts = parse_args(sys.argv[1:])
    KEPT.append(build_heap(opts.scale, opts.freeze))
    rfd, wfd = os.pipe()  # never written: select() on it blocks forever
    rlist, empty = [rfd], []
    # Idle threads, each with its own (mostly untouched) stack mapping,
    # blocked for good in the same select() as the main thread: they
    # allocate nothing once started, before the views are taken.
    # Imported only then: the tests' heap stays as it was.
    if opts.idle_threads:
        import threading
    for _ in range(opts.idle_threads):
        threading.Thread(target=select.select, args=(rlist, empty, empty), daemon=True).start()
    # As a str: a dict would be tracked and show in the views.
    walk = json.dumps(time_walk()) if opts.time_walk else "null"
    # Rehearse the write-out so caches it fills exist before the real view.
    write_atomic(opts.oracle, json.dumps(take_view(opts.objects)))
    view = take_view(opts.objects)
    view["scale"] = opts.scale
    view["walk"] = json.loads(walk)
    view["frozen_planted"] = FROZEN * opts.scale if opts.freeze else 0
    write_atomic(opts.oracle, json.dumps(view))
    if opts.verify:  # kept as a str: untracked, so not in the second view
        summary = json.dumps({"total": view["total"], "types": view["types"],
                              "counts": view["gc"]["counts"]})
    del view
    # The ready file: the pid and the generation counts as they are now,
    # the last allocation-free moment before parking (the oracle's counts
    # were read while the view's temporaries were still alive).
    write_atomic(opts.ready, "%d %d %d %d\n" % ((os.getpid(),) + gc.get_count()))
    if opts.verify:
        second = take_view(False)
        first = json.loads(summary)
        diff = compare_views(first, second)
        print("\n".join(diff) if diff else "verify: the heap did not change (%d objects)"
              % first["total"])
        print("verify: gc counts %s then %s" % (first["counts"], second["gc"]["counts"]))
        sys.exit(1 if diff else 0)
    while True:  # park; wfd stays open (referenced by this frame): no EOF
        select.select(rlist, empty, empty)


if __name__ == "__main__":
    main()
