"""growing_target: a service whose cache grows each time it is poked.

Parks without allocating; on SIGUSR1 it adds GROWTH Session objects to the
module-level CACHE, writes GSTEST_DIR/grown-N (N = the times it grew), and
parks again. The record (GSTEST_ORACLE) names the cache and the noise: a
second, small dict that grows by one entry each time, so that a test can
check the big growth ranks first.
"""

import json
import os
import select
import signal
import sys

GROWTH = 500
CACHE = {}
NOISE = {}
pokes = 0


class Session:
    def __init__(self, i):
        self.id = i
        self.items = [i, i + 1]


def grow():
    global pokes
    pokes += 1
    base = len(CACHE)
    for i in range(base, base + GROWTH):
        CACHE[i] = Session(i)
    NOISE[pokes] = pokes
    path = os.path.join(os.environ["GSTEST_DIR"], "grown-%d" % pokes)
    with open(path + ".tmp", "w") as f:
        f.write("%d\n" % len(CACHE))
    os.rename(path + ".tmp", path)


def on_usr1(signum, frame):
    # Python runs handlers in the main thread between bytecodes, here while
    # select() is interrupted (and then restarted, PEP 475).
    grow()


def main():
    signal.signal(signal.SIGUSR1, on_usr1)
    grow()
    rec = {"cache": hex(id(CACHE)), "noise": hex(id(NOISE)), "growth": GROWTH,
           "python": sys.version.split()[0]}
    out = os.environ["GSTEST_ORACLE"]
    with open(out + ".tmp", "w") as f:
        json.dump(rec, f)
    os.rename(out + ".tmp", out)
    ready = os.environ["GSTEST_READY"]
    with open(ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(ready + ".tmp", ready)
    r, _ = os.pipe()
    while True:
        select.select([r], [], [])


if __name__ == "__main__":
    main()
