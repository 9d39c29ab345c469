"""memory: where the memory goes, against what the interpreter says.

For every CPython on the machine, memory_target.py plants allocations on
known lines, duplicate str and bytes values, over-allocated lists and sets,
and fragmented pymalloc arenas, and records its own figures at the moment
it parks (tests/targets/memory_target.py says how). Twice per interpreter:

  without tracemalloc:
    - --dump-pymalloc: every size class (pools, blocks in use, available
      blocks) and every total equal sys._debugmallocstats() captured in the
      target, and the text between "Small block threshold" and "Total" is
      the same text, line for line; the arenas it lists as fragmented hold
      the planted objects (a float or a tuple of KEEP);
    - --dump-allocations: a "not tracing" line and exit 0, JSON status
      "not tracing";
    - --dump-waste: a group of exactly the target's copies and size for
      every planted duplicated value; --dump-graph: each planted list's and
      set's unused capacity is the one sys.getsizeof gives; every planted
      large object of one repeated value (bytes, bytearray, str of each
      kind, list, tuple) is listed with its items, item size and value,
      none of the ones a single item off, and --check constant_bytes
      counts them;
    - where numpy imports (Debian's python3-numpy, /usr/bin/python3.11):
      each planted ndarray's size equals sys.getsizeof (so arr.nbytes for
      the arrays that own their data, nothing for a view), and their data
      is among the buffers outside pymalloc, and the unexplained share
      stays under 10% (8.8 MB of array data would be some 20% of it);
    - --dump-memory: the parts add up to the anonymous resident memory,
      and less than 10% of it stays unexplained where the allocator was
      read (pymalloc's arenas; mimalloc's segments on a free-threaded
      build, whose blocks in use equal sys.getallocatedblocks() taken in
      the target, and whose size classes and heaps add up to them; its
      pages less than a quarter used are listed with KEEP's objects
      pinning them);
    - the saved snapshot gives the same reports;
  with PYTHONTRACEMALLOC=5:
    - --dump-allocations --json equals tracemalloc's statistics('lineno')
      taken in the target on every planted line (size and count exactly),
      on the ten largest lines (the target's own oracle code aside, which
      runs after its snapshot), and agrees on at least 99.9% of the bytes;
      --dump-allocation-tracebacks as statistics('traceback') on the planted tracebacks;
    - --dump-graph's allocated_at of the planted objects is their line.
  Debian's stripped /usr/bin/python3.11 keeps tracemalloc's tables and
  pymalloc's arenas in statics (renamed by LTO: arenas.lto_priv.0) whose
  symbols are only in python3.11-dbg's debug file: with it installed the
  checks above hold there too; without it both reports say so in one line
  and exit 0.
"""

import json
import os
import re

import gstest


def has_debug_file(binary):
    """Is the separate debug file of a stripped binary installed (its build
    id under /usr/lib/debug/.build-id/, e.g. Debian's python3.11-dbg)?"""
    data = open(binary, "rb").read()
    m = re.search(rb"\x04\x00\x00\x00\x14\x00\x00\x00\x03\x00\x00\x00GNU\x00(.{20})", data, re.S)
    if not m:
        return False
    bid = m.group(1).hex()
    return os.path.exists("/usr/lib/debug/.build-id/%s/%s.debug" % (bid[:2], bid[2:]))


def stripped_without_debug(label):
    return label == "debian-3.11" and not has_debug_file(gstest.DEBIAN_PYTHON)


def run(args, timeout=240):
    rc, out, err = gstest.run_gcscope(args, timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(args), rc, err.strip()[:400])
    return out


def run_json(args):
    return gstest.parse_json(run(args + ["--json"]))


def debugmallocstats(path):
    """The pymalloc part of sys._debugmallocstats(): text and figures."""
    text = open(path).read()
    m = re.search(r"^Small block threshold.*?^Total\s*=.*?$", text, re.S | re.M)
    assert m, "no pymalloc statistics in the target's _debugmallocstats output:\n" + text[:500]
    block = m.group(0)
    classes = {}
    values = {}
    for line in block.splitlines():
        c = re.match(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", line)
        if c:
            idx, size, pools, blocks, avail = map(int, c.groups())
            classes[idx] = (size, pools, blocks, avail)
            continue
        v = re.match(r"^(.*?)\s*=\s*([\d,]+)$", line)
        if v:
            values[v.group(1).strip()] = int(v.group(2).replace(",", ""))
    return block, classes, values


def check_pymalloc(r, label, snap, oracle):
    report = run_json([snap, "--dump-pymalloc"])
    p = report["pymalloc"]
    if label in dict(gstest.FREE_THREADED_PYTHONS):
        # A free-threaded build allocates every object from mimalloc: pymalloc
        # has no arena. sys._debugmallocstats() prints the figures of
        # mimalloc's default heap there, which Python never allocates from
        # (all zero); sys.getallocatedblocks() counts the blocks in use in
        # every thread's heaps and in the abandoned pool.
        r.check(p["status"] == "disabled", "%s: free-threaded, pymalloc said to be unused" % label, p)
        check_mimalloc(r, label, report, oracle)
        return
    block, classes, values = debugmallocstats(oracle["debugmallocstats"])
    if stripped_without_debug(label):
        r.check(p["status"] == "no symbols" and "stripped" in p.get("message", ""),
                "%s: pymalloc without symbols is said in one line" % label, p)
        return
    r.check(p["status"] == "ok", "%s: pymalloc read" % label, p)
    got = {c["class"]: (c["size"], c["pools"], c["blocks_in_use"], c["avail_blocks"]) for c in p["classes"]}
    r.check(got == classes, "%s: every size class equals sys._debugmallocstats()" % label,
            sorted(set(got.items()) ^ set(classes.items()))[:6])
    pairs = [("# arenas allocated total", "arenas_allocated_total"), ("# arenas reclaimed", "arenas_reclaimed"),
             ("# arenas highwater mark", "arenas_highwater_mark"),
             ("# arenas allocated current", "arenas_allocated_current"),
             ("# bytes in allocated blocks", "bytes_in_allocated_blocks"),
             ("# bytes in available blocks", "bytes_in_available_blocks"),
             ("# bytes lost to pool headers", "bytes_lost_to_pool_headers"),
             ("# bytes lost to quantization", "bytes_lost_to_quantization"),
             ("# bytes lost to arena alignment", "bytes_lost_to_arena_alignment"), ("Total", "total")]
    bad = [(a, values.get(a), p[b]) for a, b in pairs if values.get(a) != p[b]]
    r.check(not bad, "%s: the totals equal sys._debugmallocstats()" % label, bad)
    text = run([snap, "--dump-pymalloc"])
    m = re.search(r"^Small block threshold.*?^Total\s*=.*?$", text, re.S | re.M)
    r.check(m and m.group(0) == block, "%s: the text is _debugmallocstats' own, line for line" % label)
    # KEEP's tuples and floats pin arenas whose other pools were freed.
    frag = report["fragmented_arenas"]
    pinned = {o["type"] for a in frag for o in a["pinned_by"]}
    r.check(frag and pinned & {"tuple", "float", "int"},
            "%s: fragmented arenas listed with the planted objects pinning them" % label,
            (len(frag), sorted(pinned)[:5]))


def check_mimalloc(r, label, report, oracle):
    m = report.get("mimalloc", {})
    r.check(m.get("status") == "ok" and m["segments"] > 0, "%s: mimalloc's segments read" % label,
            {k: m.get(k) for k in ("status", "message", "segments")})
    if m.get("status") != "ok":
        return
    inside = int(open(oracle["allocated_blocks"]).read())
    # The target keeps the int holding the count; a block either way is
    # allowed, nothing more.
    print("%s: mimalloc blocks in use %d, sys.getallocatedblocks() %d (%d segments, %d abandoned by exited threads)"
          % (label, m["used_blocks"], inside, m["segments"], m["abandoned_segments"]))
    r.check(abs(m["used_blocks"] - inside) <= 2,
            "%s: mimalloc's blocks in use equal sys.getallocatedblocks()" % label, (m["used_blocks"], inside))
    classes = m["classes"]
    r.check(sum(c["used_blocks"] for c in classes) == m["used_blocks"] == sum(h["used_blocks"] for h in m["heaps"])
            and all(c["used_blocks"] <= c["blocks"] for c in classes)
            and sum(c["used_blocks"] * c["block_size"] for c in classes) == m["used_bytes"],
            "%s: size classes and heaps add up to the blocks in use" % label, (len(classes), m["used_blocks"]))
    r.check(m["resident"] == m["resident_used"] + m["resident_free"] and m["resident_objects"] <= m["resident_used"],
            "%s: mimalloc's resident bytes split into used and free" % label, m)
    # KEEP's tuples, ints and floats pin pages whose other blocks were freed.
    frag = report.get("fragmented_pages", [])
    pinned = {o["type"] for p in frag for o in p["pinned_by"]}
    r.check(frag and pinned & {"tuple", "float", "int"} and
            all(p["used_blocks"] * p["block_size"] * 4 < p["bytes"] for p in frag),
            "%s: fragmented mimalloc pages listed with the planted objects pinning them" % label,
            (len(frag), sorted(pinned)[:5]))


def check_waste(r, label, snap, oracle):
    waste = run_json([snap, "--dump-waste"])
    groups = {(g["copies"], g["size"]) for g in waste["duplicates"]["groups"]}
    missing = [tuple(d) for d in oracle["duplicates"] if tuple(d) not in groups]
    r.check(not missing, "%s: every planted duplicate value with its copies and size" % label, missing)
    graph = run_json([snap, "--dump-graph"])
    unused = {o["addr"]: o.get("unused_capacity", 0) for o in graph["objects"]}
    wrong = [(a, want, unused.get(a)) for a, want in oracle["lists"] + oracle["sets"] if unused.get(a) != want]
    r.check(not wrong, "%s: lists' and sets' unused capacity as sys.getsizeof gives it" % label, wrong[:5])
    found = {o["addr"]: [o["addr"], o["items"], o["item_size"], o["value"]]
             for o in waste["constant_values"]["objects"]}
    wrong = [(c, found.get(c[0])) for c in oracle["constants"] if found.get(c[0]) != c]
    r.check(not wrong, "%s: every planted constant-value object, its items, item size and value" % label, wrong)
    wrong = [a for a in oracle["not_constant"] if a in found]
    r.check(not wrong, "%s: no object one item off a constant value" % label, wrong)
    planted = sum(c[1] * c[2] for c in oracle["constants"])
    rc, out, err = gstest.run_gcscope([snap, "--check", "constant_bytes < %d" % planted])
    r.check(rc == 1 and "constant_bytes is" in out + err and waste["constant_values"]["saveable_bytes"] >= planted,
            "%s: --check constant_bytes counts at least the planted data" % label, (rc, out, err))
    lists = next(c for c in waste["containers"] if c["kind"] == "list")
    r.check(lists["empty"] >= 50, "%s: the 50 empty lists counted" % label, lists)


def check_ndarrays(r, label, snap, oracle):
    """numpy's arrays: sys.getsizeof (arr.nbytes of the owned data, none
    for a view) per array, and their data among the buffers outside
    pymalloc."""
    graph = run_json([snap, "--dump-graph"])
    size = {o["addr"]: o["size"] for o in graph["objects"]}
    wrong = [(a, want, size.get(a)) for a, _, _, want in oracle["ndarrays"] if size.get(a) != want]
    r.check(not wrong, "%s: each ndarray's size is sys.getsizeof's (arr.nbytes when it owns its data)" % label,
            wrong)
    mem = run_json([snap, "--dump-memory"])["memory"]
    owned = sum(n for _, n, own, _ in oracle["ndarrays"] if own)
    r.check(mem["external_buffers"] >= owned,
            "%s: the arrays' data counts among the buffers outside pymalloc" % label, (mem["external_buffers"], owned))
    r.check(mem["unexplained_share"] < 10, "%s: with 8.8 MB of arrays, under 10%% unexplained" % label,
            mem["unexplained_share"])


def check_memory(r, label, snap):
    mem = run_json([snap, "--dump-memory"])["memory"]
    r.check(mem["status"] == "ok", "%s: resident memory read" % label, mem["status"])
    total = sum(p["bytes"] for p in mem["parts"])
    unexplained = next(p["bytes"] for p in mem["parts"] if p["name"] == "unexplained")
    # The parts add up unless the explained ones exceed the whole (then
    # unexplained is 0 and the sum is larger): never smaller.
    r.check(total >= mem["anonymous"] and (unexplained == 0 or total == mem["anonymous"]),
            "%s: the parts add up to the anonymous resident memory" % label, (total, mem["anonymous"]))
    print("%s: unexplained %.1f%% of %d anonymous bytes" % (label, mem["unexplained_share"], mem["anonymous"]))
    # Where the allocator's state was read (pymalloc's arenas, or mimalloc's
    # segments on a free-threaded build), under 10% stays unexplained.
    names = {p["name"] for p in mem["parts"]}
    pymalloc = run_json([snap, "--dump-pymalloc"])
    read = pymalloc["pymalloc"]["status"] == "ok" or pymalloc.get("mimalloc", {}).get("status") == "ok"
    if read:
        r.check(mem["unexplained_share"] < 10, "%s: under 10%% of the anonymous memory unexplained" % label,
                mem["unexplained_share"])
    if pymalloc.get("mimalloc", {}).get("status") == "ok":
        r.check({"objects_mimalloc", "mimalloc_other", "mimalloc_free"} <= names and "objects_pymalloc" not in names,
                "%s: the parts name mimalloc, not pymalloc" % label, sorted(names))


def check_not_tracing(r, label, snap):
    rc, text, err = gstest.run_gcscope([snap, "--dump-allocations"])
    r.check(rc == 0 and re.search(r"^tracemalloc: not tracing", text, re.M),
            "%s: a target without tracemalloc gets a 'not tracing' line" % label, (rc, text[-300:], err[-200:]))
    report = run_json([snap, "--dump-allocations"])
    r.check(report["tracemalloc"]["status"] == "not tracing" and report["statistics"] == [],
            "%s: JSON says not tracing" % label, report["tracemalloc"])


def check_tracing(r, label, snap, oracle):
    report = run_json([snap, "--dump-allocations"])
    tm = report["tracemalloc"]
    if stripped_without_debug(label):
        r.check(tm["status"] == "tables not found" and "stripped" in tm.get("message", ""),
                "%s: tracemalloc's tables without symbols are said in one line" % label, tm)
        return
    r.check(tm["status"] == "tracing" and tm["traceback_limit"] == 5, "%s: tracing, 5 frames" % label, tm)
    inside = {(f, l): (s, c) for f, l, s, c in oracle["lineno"]}
    outside = {(x["filename"], x["lineno"]): (x["size"], x["count"]) for x in report["statistics"]}
    planted = [(name, (oracle["file"], line)) for name, line in oracle["lines"].items()]
    wrong = [(n, inside.get(k), outside.get(k)) for n, k in planted if inside.get(k) != outside.get(k) or not inside.get(k)]
    r.check(not wrong, "%s: every planted line's size and count equal tracemalloc's" % label, wrong)
    src = open(oracle["file"]).read().splitlines()
    first = next(i for i, l in enumerate(src, 1) if l.startswith("def oracle"))
    own = lambda k: k[0] == oracle["file"] and k[1] >= first
    top_in = [k for k, _ in sorted(inside.items(), key=lambda kv: (-kv[1][0], kv[0])) if not own(k)][:10]
    top_out = [k for k, _ in sorted(outside.items(), key=lambda kv: (-kv[1][0], kv[0])) if not own(k)][:10]
    r.check(set(top_in) == set(top_out), "%s: the ten largest lines are tracemalloc's" % label,
            sorted(set(top_in) ^ set(top_out)))
    keys = (set(inside) | set(outside))
    delta = sum(abs(inside.get(k, (0, 0))[0] - outside.get(k, (0, 0))[0]) for k in keys if not own(k))
    whole = sum(v[0] for k, v in inside.items() if not own(k))
    agreement = 1 - delta / whole
    print("%s: tracemalloc agreement %.5f over %d lines (%d bytes)" % (label, agreement, len(inside), whole))
    r.check(agreement >= 0.999, "%s: at least 99.9%% of the traced bytes agree line by line" % label, agreement)
    tb = run_json([snap, "--dump-allocation-tracebacks"])
    outside_tb = {tuple(tuple(f.values()) for f in x["traceback"]): (x["size"], x["count"]) for x in tb["statistics"]}
    for frames, size, count in oracle["traceback"]:
        key = tuple(tuple(f) for f in frames)
        if key[-1][0] == oracle["file"] and key[-1][1] in oracle["lines"].values():
            r.check(outside_tb.get(key) == (size, count), "%s: traceback of line %d" % (label, key[-1][1]),
                    (outside_tb.get(key), (size, count)))
    graph = run_json([snap, "--dump-graph"])
    at = [o.get("allocated_at") for o in graph["objects"] if o["name"] == "Record"]
    want = [oracle["file"], oracle["lines"]["record"]]
    r.check(at and all(a == want for a in at), "%s: each Record's allocation line" % label, at[:3])


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("memory")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for label, python in pys:
        for tracing in (False, True):
            env = {"PYTHONTRACEMALLOC": "5"} if tracing else None
            target = gstest.start_target(python, "memory_target.py", env=env, label=label, ready_timeout=120)
            try:
                what = "with tracemalloc" if tracing else "without tracemalloc"
                with r.case("%s %s: reports" % (label, what)):
                    oracle = target.oracle_data()
                    snap = os.path.join(target.dir, "memory.snapshot")
                    run(["-p", str(target.pid), "--save", snap])
                    if tracing:
                        check_tracing(r, label, snap, oracle)
                    else:
                        check_pymalloc(r, label, snap, oracle)
                        check_not_tracing(r, label, snap)
                        check_waste(r, label, snap, oracle)
                        check_memory(r, label, snap)
                        if "ndarrays" in oracle:
                            check_ndarrays(r, label, snap, oracle)
                with r.case("%s %s: target running and untraced afterwards" % (label, what)):
                    gstest.assert_running_untraced(target.pid)
            finally:
                target.stop()
    r.finish()


if __name__ == "__main__":
    main()
