"""checks: --check EXPR and --format prometheus against planted targets.

For every CPython on the machine:

  - leaks_target.py (3000 Session objects in a cache, garbage cycles, the
    collector off) is captured once with --save. Every name and function of
    the language is compared with an independent source: the target's own
    account (its oracle), /proc, or the report that owns the number
    (--dump-types, --dump-cycles, --dump-retained of the same snapshot).
    Then, for each of them, a check that holds and one that does not: all
    the true ones at once exit 0 and print nothing; all the false ones at
    once exit 1 and print one "check failed: EXPR: NAME is VALUE" line each;
    --json lists every check with its values. A few checks also run on the
    live process (exit 0 and 1), which must run on untraced afterwards.
  - RESOURCES_CODE below (files, sockets, a pipe, the collector on, a class
    whose name needs escaping) gives open_files, open_sockets, fds,
    unowned_fds and gc_enabled their other values.
  - --format prometheus, parsed back line by line with a strict grammar of
    the text exposition format: every sample has its HELP and TYPE, a family
    is contiguous, no series twice, label values escaped (the odd class name
    comes back intact), numbers parse, and the values are the checks'.

Once: malformed expressions are refused with exit 2, one line, and the
column of the error, before anything is touched (an unused pid would give
3, a missing snapshot file 14, and a program after -- is never started);
size suffixes; exit codes with a bad snapshot file.
"""

import json
import os
import re
import sys
import time

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

EXIT = gstest.EXIT

# A target with descriptors: 7 text files, a raw file, a closed file, 3
# unconnected sockets, a socket pair, a pipe (two descriptors no object
# owns); the collector on; and 30,000 instances of a class whose name holds
# a double quote, a backslash and a line feed (the Prometheus label must
# escape all three). Valid Python 3.8 to 3.13.
RESOURCES_CODE = r'''
import gc, io, json, os, socket, sys, time
d = os.environ["GSTEST_DIR"]
files = [open(os.path.join(d, "f%d" % i), "w") for i in range(7)]
raw = open(os.path.join(d, "raw"), "wb", buffering=0)
closed = open(os.path.join(d, "closed"), "w")
closed.close()
socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for i in range(3)]
pair = socket.socketpair()
pipe = os.pipe()
NAME = 'we"ird' + chr(92) + 'na' + chr(10) + 'me'
Weird = type(NAME, (), {})
weird = [Weird() for i in range(30000)]
gc.collect()
objs = gc.get_objects()
open_files = [o for o in objs if isinstance(o, io.FileIO) and not o.closed]
open_socks = [o for o in objs if isinstance(o, socket.socket) and o.fileno() >= 0]
rec = {
    "python": sys.version.split()[0],
    "gc_enabled": gc.isenabled(),
    "open_files": len(open_files),
    "open_sockets": len(open_socks),
    "owned_fds": sorted(set(o.fileno() for o in open_files + open_socks)),
    "weird_name": NAME,
    "weird_count": len(weird),
}
del objs, open_files, open_socks
with open(os.environ["GSTEST_ORACLE"] + ".tmp", "w") as f:
    json.dump(rec, f)
os.rename(os.environ["GSTEST_ORACLE"] + ".tmp", os.environ["GSTEST_ORACLE"])
with open(os.environ["GSTEST_READY"] + ".tmp", "w") as f:
    f.write("%d\n" % os.getpid())
os.rename(os.environ["GSTEST_READY"] + ".tmp", os.environ["GSTEST_READY"])
while True:
    time.sleep(600)
'''

NAMES = ["objects", "bytes", "garbage_objects", "garbage_bytes", "cycles", "garbage_cycles", "open_files",
         "open_sockets", "fds", "unowned_fds", "threads", "gc_enabled"]


def gcscope_json(args, timeout=180):
    rc, out, err = gstest.run_gcscope(args + ["--json"], timeout=timeout)
    assert rc == 0, "gcscope %s exited %s: %s" % (" ".join(map(str, args)), rc, err.strip()[:300])
    return gstest.parse_json(out)


def proc_count(pid, what):
    """Entries of /proc/PID/fd or /proc/PID/task, read by the test itself."""
    return len(os.listdir("/proc/%d/%s" % (pid, what)))


def fail_line(expr, values):
    """The line gcscope prints for a failed check, without the byte sizes in
    parentheses (checked apart)."""
    return "check failed: %s: %s" % (expr, ", ".join("%s is %d" % kv for kv in values))


def strip_sizes(line):
    return re.sub(r" \([0-9.]+ [KMGT]iB\)", "", line)


# --------------------------------------------------------------------------
# Truth values


def leaks_truth(snap, target, oracle):
    """Every number of the language for leaks_target, from its own source."""
    types = gcscope_json([snap, "--dump-types"])
    cycles = gcscope_json([snap, "--dump-cycles"])
    retained = gcscope_json([snap, "--dump-retained"])
    by_type = gstest.report_by_type(types)
    counts = cycles["cycle_counts"]
    ret_session = sum(t["retained"] for t in retained["types"] if t["name"] == "Session")
    truth = {
        "objects": types["objects"],
        "bytes": types["bytes"],
        "garbage_objects": cycles["garbage_objects"],
        "garbage_bytes": cycles["garbage_bytes"],
        "cycles": len(cycles["cycles"]),
        "garbage_cycles": counts.get("garbage", 0) + counts.get("garbage-with-finalizers", 0),
        "fds": proc_count(target.pid, "fd"),
        "threads": proc_count(target.pid, "task"),
        "gc_enabled": 1 if oracle["gc_enabled"] else 0,
        "count(Session)": oracle["cache_len"],
        "count(__main__.Session)": oracle["cache_len"],
        "bytes(Session)": by_type["__main__.Session"]["bytes"],
        "bytes(__main__.Session)": by_type["__main__.Session"]["bytes"],
        "count(builtins.dict)": by_type["builtins.dict"]["count"],
        "bytes(dict)": by_type["builtins.dict"]["bytes"],
        "retained(Session)": ret_session,
    }
    return truth


# --------------------------------------------------------------------------
# Checks that hold and checks that fail


def check_truth(r, label, snap, truth):
    """Each value, through the JSON output, against its independent source."""
    exprs = ["%s >= 0" % k for k in truth]
    rc, out, err = gstest.run_gcscope([snap, "--json"] + sum((["--check", e] for e in exprs), []), timeout=240)
    r.check(rc == 0, "%s: every value as JSON, exit 0" % label, (rc, err.strip()[:300]))
    report = gstest.parse_json(out)
    r.check(report.get("all_hold") is True and len(report.get("checks", [])) == len(exprs),
            "%s: JSON lists every check, all hold" % label)
    for name, want in truth.items():
        got = next((c["values"].get(name) for c in report["checks"] if name in c["values"]), None)
        r.check(got == want, "%s: %s is %s" % (label, name, want), "gcscope says %r" % got)
        c = next((c for c in report["checks"] if name in c["values"]), {})
        r.check(c.get("holds") is True and c.get("missing_types") == [] and c.get("expr") == "%s >= 0" % name,
                "%s: JSON of %s: expr, holds, missing_types" % (label, name), c)


def check_true_and_false(r, label, snap, truth):
    """All true checks at once exit 0 silently; all false ones exit 1 with a
    line each; one of each mixed exits 1 with one line."""
    true = ["%s == %d" % (k, v) for k, v in truth.items()]
    false = ["%s != %d" % (k, v) for k, v in truth.items()]
    args = sum((["--check", e] for e in true), [])
    rc, out, err = gstest.run_gcscope([snap] + args, timeout=240)
    r.check(rc == 0 and out == "", "%s: %d checks that hold: exit 0, no output" % (label, len(true)),
            (rc, out[:300], err.strip()[:300]))
    args = sum((["--check", e] for e in false), [])
    rc, out, err = gstest.run_gcscope([snap] + args, timeout=240)
    r.check(rc == 1, "%s: %d checks that fail: exit 1" % (label, len(false)), (rc, err.strip()[:300]))
    lines = out.splitlines()
    r.check(len(lines) == len(false), "%s: one line per failed check" % label, lines[:3])
    for name, value in truth.items():
        want = fail_line("%s != %d" % (name, value), [(name, value)])
        line = next((l for l in lines if l.startswith("check failed: %s != " % name)), "")
        r.check(strip_sizes(line) == want, "%s: failure line of %s" % (label, name), "%r != %r" % (line, want))
    # Byte values come with a readable size.
    if "bytes" in truth:
        line = next((l for l in lines if l.startswith("check failed: bytes != ")), "")
        r.check(re.search(r"bytes is \d+ \(\d+\.\d (KiB|MiB|GiB)\)$", line), "%s: bytes shown with a size" % label,
                line)
    if "count(Session)" not in truth:
        return
    # Mixed: only the failing one is printed, with every value it uses.
    expr = "count(Session) < %d and gc_enabled == %d" % (truth["count(Session)"], truth["gc_enabled"])
    rc, out, err = gstest.run_gcscope([snap, "--check", "objects > 0", "--check", expr], timeout=120)
    want = fail_line(expr, [("count(Session)", truth["count(Session)"]), ("gc_enabled", truth["gc_enabled"])])
    r.check(rc == 1 and out.splitlines() == [want], "%s: a true and a false check: exit 1, one line" % label,
            (rc, out, err.strip()[:200]))


def check_logic_and_sizes(r, label, snap, truth):
    """and/or/not, parentheses, numbers as conditions, size suffixes."""
    b = truth["bytes"]
    cases = [
        ("objects > 0 and not objects == 0", 0),
        ("objects == 0 or cycles > 0", 0),
        ("not (objects > 0 and cycles > 0)", 1),
        ("gc_enabled" if truth["gc_enabled"] else "not gc_enabled", 0),
        ("gc_enabled" if not truth["gc_enabled"] else "not gc_enabled", 1),
        ("count(Session)", 0),  # a number as a condition: not zero
        ("count(NoSuchTypeHere) or objects == 0", 1),
        ("bytes < %dKB" % (b // 1000 + 1), 0),
        ("bytes < %d KB" % (b // 1000), 1),
        ("bytes < 1TiB and bytes > 1KiB", 0),
        ("bytes <= %dB" % b, 0),
        ("bytes >= %d.%03dkb" % (b // 1000, b % 1000), 0),  # 12.345kb is whole bytes, any case
        ("bytes > %d" % b, 1),
        ("1MB == 1000000 and 1MiB == 1048576 and 0.5KiB == 512 and 2GB == 2000000000 and 1.5k == 1500", 0),
        ("1GiB == 1073741824 and 1TB == 1000000000000 and 3b == 3 and 1 M == 1000000", 0),
        ("(((objects > 0)))", 0),
        ("bytes('__main__.Session') == bytes(__main__.Session) and count(\"Session\") == count(Session)", 0),
        ("count(  Session ) == count(Session) and count(__main__.Session) > count(nomodule.Session)", 0),
    ]
    for expr, want in cases:
        rc, out, err = gstest.run_gcscope([snap, "--check", expr], timeout=120)
        r.check(rc == want, "%s: --check '%s' exits %d" % (label, expr, want), (rc, out.strip()[:200], err[:200]))


def check_missing_type(r, label, snap):
    """A type no object has: value 0, a warning when the check holds."""
    rc, out, err = gstest.run_gcscope([snap, "--check", "count(Sesion) < 10"], timeout=120)
    r.check(rc == 0 and out == "" and "warning" in err and "count(Sesion)" in err,
            "%s: a type that is not there: holds with a warning" % label, (rc, out, err))
    report = gcscope_json([snap, "--check", "retained(Sesion) == 0"])
    r.check(report["checks"][0]["missing_types"] == ["retained(Sesion)"], "%s: JSON names the missing type" % label)


def check_live(r, label, target, truth):
    """The same checks on the live process: exit 0, exit 1, and it runs on."""
    n = truth["count(Session)"]
    rc, out, err = gstest.run_gcscope(["-p", target.pid, "--check", "count(Session) == %d" % n,
                                       "--check", "garbage_cycles >= 3"], timeout=120)
    r.check(rc == 0 and out == "", "%s: live: checks that hold exit 0" % label, (rc, out, err.strip()[:200]))
    gstest.assert_running_untraced(target.pid)
    rc, out, err = gstest.run_gcscope(["-p", target.pid, "--check", "count(Session) < 5000",
                                       "--check", "count(Session) > %d" % n], timeout=120)
    r.check(rc == 1 and out.splitlines() == [fail_line("count(Session) > %d" % n, [("count(Session)", n)])],
            "%s: live: a check that fails exits 1 with its value" % label, (rc, out, err.strip()[:200]))
    gstest.assert_running_untraced(target.pid)
    # With a report, the report goes to stdout and the failed check to stderr.
    rc, out, err = gstest.run_gcscope(["-p", target.pid, "--dump-types", "--check", "objects < 1"], timeout=120)
    r.check(rc == 1 and "total:" in out and "check failed: objects < 1: objects is" in err,
            "%s: live: a report and a failed check: report on stdout, failure on stderr" % label,
            (rc, err.strip()[:200]))
    gstest.assert_running_untraced(target.pid)


def leaks_cases(r, label, python):
    target = gstest.start_target(python, "leaks_target.py", label=label, ready_timeout=120)
    with target:
        snap = os.path.join(target.dir, "leaks.snapshot")
        with r.case("%s: leaks_target captured with --save" % label):
            rc, out, err = gstest.run_gcscope(["-p", target.pid, "--save", snap, "--check", "objects > 0"],
                                              timeout=120)
            assert rc == 0 and os.path.exists(snap), "exit %s: %s" % (rc, err.strip()[:300])
        if not os.path.exists(snap):
            return
        oracle = target.oracle_data()
        truth = leaks_truth(snap, target, oracle)
        r.check(truth["garbage_cycles"] >= 3, "%s: the planted garbage cycles are there" % label, truth)
        check_truth(r, label, snap, truth)
        check_true_and_false(r, label, snap, truth)
        check_logic_and_sizes(r, label, snap, truth)
        check_missing_type(r, label, snap)
        check_live(r, label, target, truth)
        check_prometheus(r, label, target, snap, truth, oracle, [("__main__.Session", truth["count(Session)"])])


def resources_cases(r, label, python):
    target = gstest.start_target(python, None, code=RESOURCES_CODE, label=label, ready_timeout=120)
    with target:
        snap = os.path.join(target.dir, "resources.snapshot")
        oracle = target.oracle_data()
        fds = set(int(f) for f in os.listdir("/proc/%d/fd" % target.pid))
        truth = {
            "open_files": oracle["open_files"],
            "open_sockets": oracle["open_sockets"],
            "fds": len(fds),
            "unowned_fds": len(fds - set(oracle["owned_fds"])),
            "threads": proc_count(target.pid, "task"),
            "gc_enabled": 1 if oracle["gc_enabled"] else 0,
        }
        r.check(truth["open_files"] >= 8 and truth["open_sockets"] == 5 and truth["unowned_fds"] >= 2,
                "%s: the resources target holds what it should" % label, truth)
        with r.case("%s: resources target captured" % label):
            rc, out, err = gstest.run_gcscope(["-p", target.pid, "--save", snap], timeout=120)
            assert rc == 0, "exit %s: %s" % (rc, err.strip()[:300])
            gstest.assert_running_untraced(target.pid)
        if not os.path.exists(snap):
            return
        check_truth(r, label + " resources", snap, truth)
        check_true_and_false(r, label + " resources", snap, truth)
        weird = "__main__." + oracle["weird_name"]
        check_prometheus(r, label + " resources", target, snap, truth, oracle, [(weird, oracle["weird_count"])])


# --------------------------------------------------------------------------
# Prometheus, parsed back


METRIC = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_VALUE = r'(?:[^"\\\n]|\\[\\"n])*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="%s"' % LABEL_VALUE
NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[-+]?Inf|NaN"
HELP_RE = re.compile(r"^# HELP (%s) ((?:[^\\\n]|\\[\\n])*)$" % METRIC)
TYPE_RE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % METRIC)
SAMPLE_RE = re.compile(r"^(%s)(?:\{(%s(?:,%s)*)?\})? (%s)$" % (METRIC, LABEL, LABEL, NUMBER))
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(%s)"' % LABEL_VALUE)


def unescape(v):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "\\": "\\", '"': '"'}[m.group(1)], v)


def parse_prometheus(text):
    """{(name, frozenset(labels)): value} from the text exposition format,
    or AssertionError naming the first line that breaks it."""
    assert text.endswith("\n"), "the output does not end with a line feed"
    helps, types, samples, order = {}, {}, {}, []
    for n, line in enumerate(text[:-1].split("\n"), 1):
        m = HELP_RE.match(line)
        if m:
            assert m.group(1) not in helps, "line %d: a second HELP for %s" % (n, m.group(1))
            assert m.group(1) not in order, "line %d: HELP after the samples of %s" % (n, m.group(1))
            helps[m.group(1)] = m.group(2)
            continue
        m = TYPE_RE.match(line)
        if m:
            assert m.group(1) not in types, "line %d: a second TYPE for %s" % (n, m.group(1))
            assert m.group(1) not in order, "line %d: TYPE after the samples of %s" % (n, m.group(1))
            types[m.group(1)] = m.group(2)
            continue
        m = SAMPLE_RE.match(line)
        assert m, "line %d is neither HELP, TYPE nor a sample: %r" % (n, line)
        name = m.group(1)
        assert name in helps and name in types, "line %d: %s has no HELP or TYPE before it" % (n, name)
        assert types[name] == "gauge", "line %d: %s is a %s" % (n, name, types[name])
        if order and order[-1] != name:
            assert name not in order, "line %d: the samples of %s are not together" % (n, name)
        if not order or order[-1] != name:
            order.append(name)
        labels = [(k, unescape(v)) for k, v in LABEL_RE.findall(m.group(2) or "")]
        assert len(set(k for k, _ in labels)) == len(labels), "line %d: a label twice" % n
        key = (name, frozenset(labels))
        assert key not in samples, "line %d: series %s twice" % (n, key)
        samples[key] = float(m.group(3))
    return samples


def check_prometheus(r, label, target, snap, truth, oracle, types):
    with r.case("%s: --format prometheus parses and says what the checks say" % label):
        rc, text, err = gstest.run_gcscope([snap, "--format", "prometheus"], timeout=120)
        assert rc == 0, "exit %s: %s" % (rc, err.strip()[:300])
        samples = parse_prometheus(text)
        base = {("pid", str(target.pid)), ("python", oracle["python"])}
        metric = {"fds": "gcscope_open_fds"}
        for name in NAMES:
            key = (metric.get(name, "gcscope_" + name), frozenset(base))
            assert key in samples, "no sample %s with labels %s" % key
            if name in truth:
                assert samples[key] == truth[name], "%s is %s, want %s" % (key[0], samples[key], truth[name])
            assert samples[key] == int(samples[key]) >= 0, "%s is not a count: %s" % (key[0], samples[key])
        for name in ("gcscope_pause_seconds", "gcscope_capture_timestamp_seconds"):
            assert samples.get((name, frozenset(base)), -1) > 0, "%s missing or not positive" % name
        ts = samples[("gcscope_capture_timestamp_seconds", frozenset(base))]
        assert abs(ts - time.time()) < 3600, "capture timestamp %s is not now" % ts
        by_type = {}
        for (name, labels), v in samples.items():
            if name in ("gcscope_type_objects", "gcscope_type_bytes"):
                d = dict(labels)
                assert set(d) == {"pid", "python", "type"} and d["type"], "type labels %s" % d
                by_type.setdefault(name, {})[d["type"]] = v
        assert 0 < len(by_type["gcscope_type_objects"]) <= 20, "%d type series" % len(by_type["gcscope_type_objects"])
        assert set(by_type["gcscope_type_objects"]) == set(by_type["gcscope_type_bytes"]), "the same types twice"
        for tname, count in types:
            got = by_type["gcscope_type_objects"].get(tname)
            assert got == count, "gcscope_type_objects{type=%r} is %s, want %s (types: %s)" % (
                tname, got, count, sorted(by_type["gcscope_type_objects"])[:8])
        # The largest types, in the same order as --dump-types (bytes, merged by name).
        report = gcscope_json([snap, "--dump-types"])
        tb = gstest.report_by_type(report)
        for tname, b in by_type["gcscope_type_bytes"].items():
            key = tname if "." in tname else "builtins." + tname
            if key in tb:
                assert tb[key]["bytes"] == b, "bytes of %s: %s vs --dump-types %s" % (tname, b, tb[key]["bytes"])
    if any("\n" in t or '"' in t for t, _ in types):
        r.check('\\"' in text and "\\\\" in text and "\\n" in text,
                "%s: the odd type name is escaped in the exposition text" % label)
    with r.case("%s: prometheus with -o and a failed check: file written, failure on stderr, exit 1" % label):
        path = os.path.join(target.dir, "metrics.prom")
        rc, out, err = gstest.run_gcscope([snap, "--format", "prometheus", "-o", path, "--check", "objects < 1"],
                                          timeout=120)
        assert rc == 1 and out == "" and "check failed: objects < 1" in err, (rc, out[:200], err[:300])
        with open(path) as f:
            parse_prometheus(f.read())


# --------------------------------------------------------------------------
# Malformed expressions: refused before anything is touched

MALFORMED = [
    # (expression, column, keyword in the message)
    ("count(Session) <", 17, r"expected a number"),
    ("garbage_byte < 50MB", 1, r"unknown name 'garbage_byte'.*garbage_bytes.*retained\(TYPE\)"),
    ("Session < 5", 1, r"unknown name.*count\(Session\)"),
    ("objects < 5XB", 12, r"unit 'XB'"),
    ("objects = 5", 9, r"=="),
    ("1 < objects < 5", 13, r"chain"),
    ("objects < 1.5", 11, r"whole"),
    ("bytes < 1.1KiB", 9, r"whole"),
    ("(objects < 5", 13, r"expected \)"),
    ("objects < 5)", 12, r"\)"),
    ("count() > 1", 7, r"type"),
    ("count < 5", 1, r"count\(TYPE\)"),
    ("objects(Session) > 1", 8, r"no argument"),
    ("objects && bytes", 9, r"and"),
    ("objects > 1 || bytes > 1", 13, r"or"),
    ("! gc_enabled", 1, r"not"),
    ("", 1, r"empty"),
    ("   ", 4, r"empty"),
    ("not", 4, r"expected"),
    ("objects < -1", 11, r"negative"),
    ("(objects < 5) < 3", 1, r"condition"),
    ("count('Session) > 1", 7, r"unterminated"),
    ("count(a..b) > 1", 7, r"type"),
    ("objects < 5 objects", 13, r"unexpected 'objects'"),
    ("objects < 99999999999999999999999", 11, r"too large"),
    ("(" * 40 + "objects" + ")" * 40, 33, r"nested"),
    ("objects < 1 or " * 100 + "objects < 1", 1025, r"longer than 1024"),
]


def expect_refused(args, expr, column, keyword):
    rc, out, err = gstest.run_gcscope(args, timeout=30)
    assert rc == EXIT["usage"], "exit %s, want 2: %r" % (rc, err.strip()[:300])
    line = gstest.error_line(err)
    assert out == "", "stdout: %r" % out[:200]
    m = re.search(r"at column (\d+)", line)
    assert m and int(m.group(1)) == column, "column %s, want %d: %r" % (m and m.group(1), column, line)
    assert re.search(keyword, line), "message lacks /%s/: %r" % (keyword, line)
    shown = expr if len(expr) <= 60 else expr[:60] + "..."
    assert "--check '%s'" % shown.replace("\t", "?") in line, "message does not quote the expression: %r" % line


def malformed_cases(r, python):
    pid = gstest.unused_pid()
    for expr, column, keyword in MALFORMED:
        with r.case("malformed %r: exit 2, column %d, before the process is looked for" % (expr[:40], column)):
            # An unused pid: had gcscope looked for it first, the exit would be 3.
            expect_refused(["-p", pid, "--check", "objects > 0", "--check", expr], expr, column, keyword)
    with r.case("malformed: refused before a snapshot file is read"):
        expect_refused(["/nonexistent/x.snapshot", "--check", "objects <"], "objects <", 10, r"expected")
    with r.case("malformed: refused before the program after -- is started"):
        marker = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gcscope-checks-%d" % os.getpid())
        code = "open(%r, 'w').close(); import time; time.sleep(30)" % marker
        try:
            start = time.monotonic()
            expect_refused(["--check", "objects <", "--after", "5", "--", python, "-c", code], "objects <", 10,
                           r"expected")
            elapsed = time.monotonic() - start
            time.sleep(0.3)
            assert not os.path.exists(marker), "the program was started before the expression was refused"
            assert elapsed < 3, "refused only after %.1f s: the program ran first" % elapsed
        finally:
            if os.path.exists(marker):
                os.unlink(marker)
    with r.case("malformed: a live target is never stopped or traced"):
        target = gstest.start_target(python, None, code="import os, time\nopen(os.environ['GSTEST_READY'], 'w')"
                                     ".close()\ntime.sleep(600)")
        with target:
            expect_refused(["-p", target.pid, "--check", "objects <"], "objects <", 10, r"expected")
            gstest.assert_running_untraced(target.pid)
    with r.case("a bad snapshot file with a valid check: exit 14"):
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "gcscope-checks-bad-%d.snapshot" % os.getpid())
        with open(path, "wb") as f:
            f.write(b"not a snapshot" * 10)
        try:
            rc, out, err = gstest.run_gcscope([path, "--check", "objects > 0"], timeout=30)
            assert rc == 14, "exit %s: %s" % (rc, err.strip()[:200])
            gstest.error_line(err)
        finally:
            os.unlink(path)
    with r.case("65 --check options: exit 2"):
        rc, out, err = gstest.run_gcscope(["-p", pid] + ["--check", "objects > 0"] * 65, timeout=30)
        assert rc == 2 and "64" in gstest.error_line(err), (rc, err)
    with r.case("--format prometheus with a report: exit 2"):
        rc, out, err = gstest.run_gcscope(["-p", pid, "--format", "prometheus", "--dump-types"], timeout=30)
        assert rc == 2 and "prometheus" in gstest.error_line(err), (rc, err)


def main():
    gstest.require_gcscope()
    r = gstest.Results("checks")
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    malformed_cases(r, pys[-1][1])
    gstest.require_ptrace()
    for label, python in pys:
        with r.case("%s: leaks target" % label):
            leaks_cases(r, label, python)
        with r.case("%s: resources target" % label):
            resources_cases(r, label, python)
    r.finish()


if __name__ == "__main__":
    main()
