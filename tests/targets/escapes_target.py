"""escapes_target: names full of terminal escape sequences, for the test
that no output of gcscope carries one raw (tests/integration/escapes.py).

Planted, each with EVIL (ESC sequences that recolour, retitle and clear a
terminal, BEL, a C1 CSI, DEL, a bidi override, a newline) in its text:
  - a class made with type() whose __name__, __qualname__ and __module__
    hold it, with live instances, a live cycle of them and cyclic garbage
    (the collector is disabled so the garbage stays);
  - an attribute and a dict key named with it (edge labels in --path and
    --referrers), a str holding it and a lone surrogate (invalid UTF-8
    once encoded) as a preview;
  - a thread named with it, parked in a function whose co_name (and
    co_qualname on 3.11+) and co_filename hold it;
  - a file opened, and kept open, at a path whose name holds ESC, a bidi
    override and a byte that is not UTF-8;
  - the process's own name (/proc/self/comm) with ESC in it.
Writes {"path_target": hex id of an object reached through the evil
attribute, "referred": hex id of an object with an evil-labelled referrer}
to the oracle, then the ready file, then parks. Python 3.8+, stdlib only.
"""

import gc
import json
import os
import sys
import threading
import time

EVIL = "\x1b[31mRED\x1b]0;pwned\x07\x1b[2J\u202eevil\x9b1m\x7f\nline2"
KEEP = []

gc.disable()

Evil = type("Evil" + EVIL, (), {"__module__": "mod" + EVIL, "__qualname__": "Evil" + EVIL})

live = [Evil() for _ in range(5)]
a, b = Evil(), Evil()
a.other, b.other = b, a
KEEP.append(live)
KEEP.append(a)


def make_garbage():
    x, y = Evil(), Evil()
    x.other, y.other = y, x


make_garbage()

holder = Evil()
leaf = ["leaf"]
setattr(holder, "attr" + EVIL, leaf)
table = {"key" + EVIL: holder}
KEEP.append(table)
KEEP.append("str" + EVIL + "\udcff")

# A thread parked in code whose names and file name carry EVIL.
source = "def park(event):\n    event.wait()\n"
code = compile(source, "/src/evil" + EVIL + ".py", "exec")
namespace = {}
exec(code, namespace)
park = namespace["park"]
replace = {"co_name": "park" + EVIL}
if sys.version_info >= (3, 11):
    replace["co_qualname"] = "park" + EVIL
park.__code__ = park.__code__.replace(**replace)
event = threading.Event()
thread = threading.Thread(target=park, args=(event,), name="thread" + EVIL, daemon=True)
thread.start()

# An open file whose path is hostile: ESC, a bidi override, a byte that is not UTF-8.
directory = os.environ["GSTEST_DIR"]
path = os.path.join(directory.encode(), b"file\x1b[5m\xe2\x80\xae\xff.txt")
KEEP.append(open(path, "wb"))

try:
    with open("/proc/self/comm", "wb") as f:
        f.write(b"py\x1b[31mevil")
except OSError:
    pass



def in_park():
    """Is the thread's innermost frame park()'s, waiting?"""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code is park.__code__:
            return True
        frame = frame.f_back
    return False


deadline = time.monotonic() + 10
while not in_park() and time.monotonic() < deadline:
    time.sleep(0.01)

with open(os.environ["GSTEST_ORACLE"], "w") as f:
    json.dump({"path_target": hex(id(leaf)), "referred": hex(id(holder)), "evil": EVIL}, f)
ready = os.environ["GSTEST_READY"]
with open(ready + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(ready + ".tmp", ready)
while True:
    time.sleep(3600)
