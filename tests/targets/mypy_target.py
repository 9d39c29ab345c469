"""mypy_target: a heap of mypyc-compiled objects, for bench_emulation.py.

Type-checks a copy of the stdlib's `json` package with the mypy found on
the path (Debian's python3-mypy is compiled with mypyc: its AST nodes,
types and symbol tables are objects of ~1000 mypyc classes) and keeps the
build result alive, so the heap holds mypy's whole semantic model.

With GSTEST_ORACLE set and --oracle given, writes the interpreter's own view
first: for every gc.get_objects() object its id, type and the ids
gc.get_referents lists. The ready file is written last; then it sleeps.
"""

import gc
import json
import os
import shutil
import sys
import tempfile
import time

from mypy import build
from mypy.find_sources import create_source_list
from mypy.options import Options


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def main():
    opts = Options()
    opts.incremental = False
    opts.cache_dir = os.devnull
    work = tempfile.mkdtemp(dir=os.environ.get("GSTEST_DIR"))
    shutil.copytree(os.path.dirname(json.__file__), os.path.join(work, "json"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.chdir(work)
    t0 = time.monotonic()
    result = build.build(sources=create_source_list(["json"], opts), options=opts)
    seconds = time.monotonic() - t0
    gc.collect()
    if "--oracle" in sys.argv[1:]:
        objects = []
        for o in gc.get_objects():
            t = type(o)
            objects.append({"id": id(o), "module": str(getattr(t, "__module__", "?")), "type": t.__qualname__,
                            "referents": [id(r) for r in gc.get_referents(o)]})
        write_atomic(os.environ.get("GSTEST_ORACLE", "oracle.json"),
                     json.dumps({"objects": objects, "check_seconds": seconds}))
        del objects
    write_atomic(os.environ.get("GSTEST_READY", "ready"), "%d\n" % os.getpid())
    keep = result  # noqa: F841  the semantic model stays on the heap
    while True:
        time.sleep(3600)


main()
