"""memory_target: a process whose memory gcscope accounts for, with the
interpreter's own figures for it, taken at the moment it parks.

Planted (line numbers matter: the test reads them from the oracle):
  - LEAK: 3,000 bytearrays and 2,000 dicts made on their own lines, so that
    tracemalloc attributes them to those lines;
  - DUPS: 4,000 distinct str objects holding 8 distinct values, and 600
    bytes objects holding 3 (duplicates);
  - GROWN: lists grown by append (over-allocated), EMPTY_LISTS, and sets
    whose tables are larger than their items need;
  - CONSTANTS: large objects of one repeated value (bytes, bytearray, str
    of each kind, list, tuple) and NOT_CONSTANT: as large, one item off;
  - ARRAYS, where numpy imports (Debian's python3-numpy for
    /usr/bin/python3.11): ndarrays that own 8 MB and 0.8 MB of written
    data, and a view of the first (it owns none);
  - THREAD_KEEP: what three threads that have exited made and kept (their
    mimalloc segments abandoned on a free-threaded build);
  - KEEP: one small object of every 64 kept out of 300,000, so pymalloc's
    arenas stay allocated with most of their pools nearly empty
    (fragmentation).

The oracle (GSTEST_ORACLE, JSON) holds, computed in the target:
  - "tracing": tracemalloc.is_tracing(); when tracing, "lineno" and
    "traceback": tracemalloc.take_snapshot().statistics() as
    [filename, lineno, size, count] (traceback: the frames, oldest first),
    taken after everything planted exists;
  - "lines": the line numbers of the planted allocations;
  - "duplicates": per planted value, its copies and each copy's size;
  - "lists" / "sets": [id, unused capacity bytes] from sys.getsizeof;
  - "constants": [id, items, item size, value] of each CONSTANTS object
    (value: the byte, the code point, or the id of the one object), and
    "not_constant": the ids of NOT_CONSTANT;
  - "ndarrays": [id, nbytes, owns its data, sys.getsizeof] of each of ARRAYS
    (absent without numpy);
  - "debugmallocstats": the path of a file with sys._debugmallocstats()'s
    output, captured by pointing fd 2 at it around the call, the last thing
    the target does before parking (it then allocates nothing: the ready
    file is renamed into place with names made beforehand, and the target
    blocks in select() on a pipe nobody writes, as heap_target does);
  - "allocated_blocks": the path of a file with sys.getallocatedblocks(),
    taken right before: on a free-threaded build the blocks in use in every
    mimalloc heap of every thread and in the abandoned pool (the target
    then keeps one block more: the int holding the count).
"""

import gc
import json
import os
import select
import sys

gc.disable()
TRACING = False
try:
    import tracemalloc
    TRACING = tracemalloc.is_tracing()
except ImportError:
    tracemalloc = None


class Record:
    def __init__(self, i):
        self.i = i


LINES = {}


def line_here():
    return sys._getframe(1).f_lineno


LINES["bytearray"] = line_here() + 1
LEAK = [bytearray(200) for _ in range(3000)]
LINES["dict"] = line_here() + 1
LEAK_DICTS = [{"k": i, "v": i + 1} for i in range(2000)]
LINES["record"] = line_here() + 1
RECORDS = [Record(i) for i in range(1500)]

VALUES = ["duplicated value number %d " % k * 3 for k in range(8)]
DUPS = [(VALUES[i % 8] + ".")[:-1] for i in range(4000)]
BVALUES = [b"bytes value %d" % k * 4 for k in range(3)]
BDUPS = [bytes(bytearray(BVALUES[i % 3])) for i in range(600)]

GROWN = []
for n in (5, 17, 33, 100, 1000):
    grown = []
    for i in range(n):
        grown.append(i)
    GROWN.append(grown)
EMPTY_LISTS = [[] for _ in range(50)]
SETS = []
for n in (3, 10, 50, 300):
    s = set(range(n))
    s.update(range(n, n + n))
    for i in range(n, n + n):
        s.discard(i)
    SETS.append(s)

# bytes(600000) comes from a fresh mmap whose pages the target never
# touches (calloc): gcscope's copy reads them as the zeros they hold.
CONSTANTS = [bytes(600000), bytes(50000), bytearray(b"\x07" * 5000), "A" * 3000, "\u20ac" * 2000, "\U0001F600" * 1500,
             [None] * 4000, (LEAK[0],) * 1000]
NOT_CONSTANT = [b"\0" * 4999 + b"x", bytearray(5000) + b"y", "A" * 2999 + "B", [None] * 3999 + [0],
                tuple(range(1000))]

try:
    import numpy
    ARRAYS = [numpy.ones(1000000), numpy.ones((100, 1000), dtype=numpy.int64) * 3]
    ARRAYS.append(ARRAYS[0][::2])
except ImportError:
    numpy = None

# Threads that make small objects, keep a third and exit: a free-threaded
# build hands an exited thread's segments that still hold live blocks to
# the interpreter's abandoned pool (unless another thread reclaims them).
THREAD_KEEP = []


def thread_work(n):
    made = [(i, str(i)) for i in range(n)]
    THREAD_KEEP.append(made[::3])


import threading  # noqa: E402 (here: what the threads need, nothing more)

WORKERS = [threading.Thread(target=thread_work, args=(20000,)) for _ in range(3)]
for w in WORKERS:
    w.start()
for w in WORKERS:
    w.join()
del WORKERS, w

FRAG = [(i, float(i)) for i in range(120000)]
KEEP = FRAG[::64]
del FRAG


def oracle():
    base_list = sys.getsizeof([])
    base_set = sys.getsizeof(set())
    lists = [[hex(id(l)), sys.getsizeof(l) - base_list - 8 * len(l)] for l in GROWN + EMPTY_LISTS]
    sets = []
    for s in SETS:
        table = sys.getsizeof(s) - base_set
        slots = table // 16
        sets.append([hex(id(s)), (slots - len(s)) * 16 if table else 0])
    constants = []
    for c in CONSTANTS:
        if isinstance(c, (bytes, bytearray)):
            constants.append([hex(id(c)), len(c), 1, c[0]])
        elif isinstance(c, str):
            top = max(map(ord, c))
            constants.append([hex(id(c)), len(c), 1 if top < 256 else 2 if top < 65536 else 4, ord(c[0])])
        else:
            constants.append([hex(id(c)), len(c), 8, hex(id(c[0]))])
    dups = {}
    for d in VALUES + DUPS + BVALUES + BDUPS:
        key = repr(d)
        entry = dups.setdefault(key, [0, sys.getsizeof(d)])
        entry[0] += 1
    record = {"python": sys.version.split()[0], "pid": os.getpid(), "tracing": TRACING,
              "file": os.path.abspath(__file__), "lines": LINES, "lists": lists, "sets": sets,
              "constants": constants, "not_constant": [hex(id(c)) for c in NOT_CONSTANT],
              "duplicates": sorted(dups.values())}
    if numpy is not None:
        record["ndarrays"] = [[hex(id(a)), a.nbytes, bool(a.flags.owndata), sys.getsizeof(a)] for a in ARRAYS]
    if TRACING:
        snap = tracemalloc.take_snapshot()
        record["lineno"] = [[s.traceback[0].filename, s.traceback[0].lineno, s.size, s.count]
                            for s in snap.statistics("lineno")]
        record["traceback"] = [[[[f.filename, f.lineno] for f in s.traceback], s.size, s.count]
                               for s in snap.statistics("traceback")[:200]]
        record["traced_memory"] = tracemalloc.get_traced_memory()[0]
        del snap
    return record


def main():
    out = os.environ["GSTEST_ORACLE"]
    ready = os.environ["GSTEST_READY"]
    stats = os.path.join(os.path.dirname(out), "debugmallocstats")
    blocks = os.path.join(os.path.dirname(out), "allocated_blocks")
    # The write-out is rehearsed once, so that the lazily filled caches it
    # touches (json's encoder, codecs, method caches) exist before the real
    # view is taken; the view's temporaries are then freed, cycles included.
    for attempt in (out + ".rehearsal", out + ".tmp"):
        record = oracle()
        record["debugmallocstats"] = stats
        record["allocated_blocks"] = blocks
        with open(attempt, "w") as f:
            json.dump(record, f)
        del record
        gc.collect()
    os.rename(out + ".tmp", out)
    # Everything the last steps use exists before the measurement.
    r, w = os.pipe()
    fd = os.open(stats, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    bfd = os.open(blocks, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    count = [0]
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    saved = os.dup(2)
    src, dst = ready + ".tmp", ready
    rename, dup2, debugmallocstats, wait = os.rename, os.dup2, sys._debugmallocstats, select.select
    getallocatedblocks, write = sys.getallocatedblocks, os.write
    rlist, empty = [r], []
    sys.stderr.flush()
    count[0] = getallocatedblocks()
    write(bfd, b"%d\n" % count[0])
    dup2(fd, 2)
    debugmallocstats()
    dup2(saved, 2)
    rename(src, dst)
    while True:
        wait(rlist, empty, empty)  # (os.read would allocate its buffer first)


main()
