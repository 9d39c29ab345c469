"""Compiled objects without tp_traverse that still hold strong references
(datetime objects and their tzinfo, timezone's offset, decimal's Context),
and some whose words are no references at all (Random's state, a hash
object's context, an array of integers that look like addresses): the
conservative scan's heap (tests/integration/inferred_edges.py).

The oracle: for each planted object, the ids of every value its attributes
and a few methods return; an inferred edge to one of them is a real
reference. The ready file is written last."""

import array
import datetime
import decimal
import hashlib
import json
import operator
import os
import random
import struct
import time
import zlib

KEEP = []


def plant():
    tz = datetime.timezone(datetime.timedelta(hours=2), "X")
    KEEP.append(tz)
    ctx = decimal.Context(prec=7)
    KEEP.append(ctx)
    for i in range(50):
        KEEP.append(datetime.datetime(2020, 1, 1, tzinfo=tz))
        KEEP.append(datetime.time(1, 2, tzinfo=tz))
        KEEP.append(random.Random(i))
        KEEP.append(hashlib.sha256(b"x"))
        KEEP.append(struct.Struct("<i%ds" % i))
        KEEP.append(zlib.compressobj())
        # words that are addresses of live objects, in a buffer no one scans
        KEEP.append(array.array("Q", [id(KEEP), id(tz), id(ctx)] * 4))
        KEEP.append(decimal.Decimal(i) / 7)
        KEEP.append(operator.attrgetter("a%d" % i))
        KEEP.append(datetime.timedelta(days=i))


def values_of(o):
    ids = set()
    for a in dir(o):
        try:
            ids.add(id(getattr(o, a)))
        except Exception:
            pass
    if isinstance(o, datetime.tzinfo):
        ids |= {id(o.utcoffset(None)), id(o.tzname(None))}
    if isinstance(o, decimal.Context):  # attributes dir() does not list
        ids |= {id(o.traps), id(o.flags)}
    return sorted(ids)


def main():
    plant()
    oracle = {str(id(o)): {"type": type(o).__module__ + "." + type(o).__qualname__, "values": values_of(o)}
              for o in KEEP}
    with open(os.environ["GSTEST_ORACLE"], "w") as f:
        json.dump(oracle, f)
    with open(os.environ["GSTEST_READY"], "w") as f:
        f.write("%d\n" % os.getpid())
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
