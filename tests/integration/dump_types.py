"""dump_types: gcscope's per-type counts agree with the target's own view.

For every Python from gstest.pythons(), heap_target builds a known heap,
disables the collector, records what gc.get_objects() and sys.getsizeof()
say, and parks. gcscope then reads the same heap from outside. Checked:
  - counts: sum over types of min(oracle, gcscope) / oracle total >= 99.5%,
    and the planted user classes (Leaky, Node, Plain, Slotted) exactly;
  - bytes (sys.getsizeof semantics): a type's bytes agree when within 1% of
    the oracle's; the types that agree must hold >= 95% of the objects, and
    the byte total must be within 2% (so the 5% left over cannot hide a
    grossly wrong size); the worst types are printed either way;
  - the report's own sums (objects, bytes) match its type list;
  - python version, pid, gc state (disabled, thresholds 701/11/12 set by the
    target, generation counts exactly as the target last read them) and the
    permanent generation (frozen_*), also
    with --freeze, where the target moves planted objects there;
  - --dump-generations: generations 1 and 2 hold exactly the objects
    gc.get_objects(generation=N) listed (the collector is off, so nothing
    moves into them), the permanent row is frozen_objects, and its rows
    sum to --dump-types' objects and frozen objects (free-threaded builds
    keep no generations: the rows sum only);
  - the text report names Leaky with its count;
  - the target is running and untraced afterwards.
"""

import os
import re
import sys
import traceback

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

COUNT_AGREEMENT = 0.995  # fraction of the oracle's objects whose type count agrees
BYTES_TYPE_TOLERANCE = 0.01  # a type's bytes agree within 1%
BYTES_WEIGHTED_AGREEMENT = 0.95  # ... for types holding >= 95% of the objects
BYTES_TOTAL_TOLERANCE = 0.02  # and the byte total within 2%
EXACT_TYPES = ("__main__.Leaky", "__main__.Node", "__main__.Plain", "__main__.Slotted")
PLANTED_LEAKY = 4000  # heap_target.LEAKY at scale 1


def worst_counts(oracle_types, got, n=8):
    """The types whose counts differ most, for the failure message."""
    keys = set(oracle_types) | {k for k, v in got.items() if v["count"]}
    diffs = []
    for k in keys:
        a = oracle_types.get(k, {}).get("count", 0)
        b = got.get(k, {}).get("count", 0)
        if a != b:
            diffs.append((abs(a - b), k, a, b))
    diffs.sort(reverse=True)
    return ", ".join("%s oracle %d gcscope %d" % (k, a, b) for _, k, a, b in diffs[:n])


def bytes_agreement(oracle_types, got):
    """(count-weighted fraction of types whose bytes agree within 1%,
    the worst types as text)."""
    total = sum(v["count"] for v in oracle_types.values())
    agree = 0
    worst = []
    for k, v in oracle_types.items():
        b = got.get(k, {}).get("bytes", 0)
        err = abs(b - v["bytes"]) / v["bytes"] if v["bytes"] else (0.0 if b == 0 else 1.0)
        if err <= BYTES_TYPE_TOLERANCE:
            agree += v["count"]
        else:
            worst.append((abs(b - v["bytes"]), k, v["bytes"], b, v["count"]))
    worst.sort(reverse=True)
    text = ", ".join("%s oracle %d gcscope %d (%d objects)" % (k, a, b, c)
                     for _, k, a, b, c in worst[:8])
    return (agree / total if total else 0.0), text


def check_gc_state(r, label, report, target, oracle):
    """The collector's state as the target left it: disabled, its own
    thresholds, and the generation counts it wrote in its ready file just
    before parking (exact: nothing is allocated after that)."""
    gc = report.get("gc") or {}
    r.check(gc.get("enabled") is False, "%s: gc.enabled is false" % label, gc.get("enabled"))
    r.check(gc.get("thresholds") == oracle["gc"]["thresholds"],
            "%s: gc thresholds %s" % (label, oracle["gc"]["thresholds"]), gc.get("thresholds"))
    want = [int(x) for x in target.ready_fields()[1:4]]
    r.check(gc.get("counts") == want, "%s: gc counts %s" % (label, want), gc.get("counts"))
    r.check(gc.get("collecting") is False, "%s: gc not collecting" % label, gc.get("collecting"))


def check_report(r, label, target, report):
    """Everything the JSON report must say about this target. Returns the
    per-version summary line."""
    oracle = target.oracle_data()
    got = gstest.report_by_type(report)
    r.check(report.get("python") == oracle["python"], "%s: python field" % label,
            "%r != %r" % (report.get("python"), oracle["python"]))
    r.check(report.get("pid") == target.pid, "%s: pid field" % label, report.get("pid"))
    for field in ("pause_ms", "capture_ms", "total_ms"):
        v = report.get(field)
        r.check(isinstance(v, (int, float)) and v >= 0, "%s: %s reported" % (label, field), v)
    r.check(sum(v["count"] for v in got.values()) == report.get("objects"),
            "%s: objects equals the sum of type counts" % label, report.get("objects"))
    r.check(sum(v["bytes"] for v in got.values()) == report.get("bytes"),
            "%s: bytes equals the sum of type bytes" % label, report.get("bytes"))
    r.check(sum(v["frozen_count"] for v in got.values()) == report.get("frozen_objects"),
            "%s: frozen_objects equals the sum of frozen counts" % label)
    check_gc_state(r, label, report, target, oracle)

    agree = gstest.count_agreement(oracle["types"], got)
    r.check(agree >= COUNT_AGREEMENT, "%s: type counts agree >= %.1f%%" % (label, 100 * COUNT_AGREEMENT),
            "%.3f%%; worst: %s" % (100 * agree, worst_counts(oracle["types"], got)))
    for key in EXACT_TYPES:
        want = oracle["types"].get(key, {}).get("count", 0)
        r.check(got.get(key, {}).get("count") == want, "%s: %s count %d" % (label, key, want),
                got.get(key))
    r.check(report.get("frozen_objects") == oracle["frozen_objects"],
            "%s: frozen_objects %d" % (label, oracle["frozen_objects"]), report.get("frozen_objects"))
    if oracle.get("frozen_planted"):
        r.check(got.get("__main__.Frozen", {}).get("frozen_count") == oracle["frozen_planted"],
                "%s: Frozen frozen_count %d" % (label, oracle["frozen_planted"]), got.get("__main__.Frozen"))

    bagree, worst = bytes_agreement(oracle["types"], got)
    r.check(bagree >= BYTES_WEIGHTED_AGREEMENT,
            "%s: bytes agree within 1%% for >= 95%% of objects" % label,
            "%.2f%%; worst: %s" % (100 * bagree, worst))
    total_err = ((report.get("bytes") or 0) - oracle["bytes"]) / oracle["bytes"]
    r.check(abs(total_err) <= BYTES_TOTAL_TOLERANCE, "%s: byte total within 2%%" % label,
            "oracle %d gcscope %s" % (oracle["bytes"], report.get("bytes")))
    if worst:
        print("  %s: bytes differ for: %s" % (label, worst))
    return ("%s: %d objects (gcscope %s), types agree %.2f%%, bytes agree %.2f%% (total %+.2f%%), "
            "pause %s ms" % (label, oracle["total"], report.get("objects"), 100 * agree, 100 * bagree,
                             100 * total_err, report.get("pause_ms")))


def check_text(r, label, target):
    """The human report lists the planted type with its count."""
    rc, out, err = gstest.run_gcscope(["-p", target.pid, "--dump-types"], timeout=60)
    r.check(rc == 0, "%s: text report exit 0" % label, "rc %s: %s" % (rc, err.strip()))
    count = re.compile(r"(?<![\d,.])4,?000(?![\d,.])")
    hit = [l for l in out.splitlines() if "Leaky" in l and count.search(l)]
    r.check(bool(hit), "%s: text report shows Leaky %d" % (label, PLANTED_LEAKY),
            [l for l in out.splitlines() if "Leaky" in l] or out[:500])


def check_generations(r, label, target, types_report):
    """--dump-generations against gc.get_objects(generation=N)."""
    oracle = target.oracle_data()
    rc, out, err = gstest.run_gcscope(["-p", target.pid, "--dump-generations", "--json"], timeout=60)
    if not r.check(rc == 0, "%s: --dump-generations exit 0" % label, "rc %s: %s" % (rc, err.strip())):
        return
    rows = {g["generation"]: g for g in gstest.parse_json(out).get("generations", [])}
    total = sum(g["objects"] for g in rows.values())
    want = types_report.get("objects", 0) + types_report.get("frozen_objects", 0)
    r.check(total == want, "%s: generations sum to the tracked and frozen objects %d" % (label, want), total)
    r.check(rows.get("permanent", {}).get("objects") == oracle["frozen_objects"],
            "%s: permanent generation %d" % (label, oracle["frozen_objects"]), rows.get("permanent"))
    if "tracked" in rows:  # free-threaded: no generations to compare
        return
    for g in (1, 2):
        want = oracle["generations"][g]
        r.check(rows.get(str(g), {}).get("objects") == want, "%s: generation %d holds %d objects" % (label, g, want),
                rows.get(str(g)))


def run_version(r, label, python, freeze):
    """One target under one Python; returns its summary line."""
    name = label + (" --freeze" if freeze else "")
    target = gstest.start_target(python, "heap_target.py", ["--freeze"] if freeze else [], label=name)
    try:
        rc, out, err = gstest.run_gcscope(["-p", target.pid, "--dump-types", "--json"], timeout=60)
        if not r.check(rc == 0, "%s: exit 0" % name, "rc %s: %s" % (rc, err.strip())):
            return "%s: gcscope failed (rc %s)" % (name, rc)
        with r.case("%s: target running and untraced after --json" % name):
            gstest.assert_running_untraced(target.pid)
        try:
            report = gstest.parse_json(out)
        except AssertionError as e:
            r.check(False, "%s: JSON report" % name, e)
            return "%s: no JSON" % name
        line = check_report(r, name, target, report)
        check_generations(r, name, target, report)
        if not freeze:
            check_text(r, name, target)
            with r.case("%s: target running and untraced after text" % name):
                gstest.assert_running_untraced(target.pid)
        return line
    finally:
        target.stop()


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    r = gstest.Results("dump_types")
    versions = gstest.pythons()
    if not versions:
        gstest.skip("no CPython 3.8+ found")
    lines = []
    for label, python in versions:
        for freeze in (False, True):
            try:
                lines.append(run_version(r, label, python, freeze))
            except gstest.TargetError as e:
                r.check(False, "%s: start heap_target" % label, e)
            except Exception:  # a malformed report must fail, not end the test
                r.check(False, "%s: checks crashed" % label, traceback.format_exc())
    print()
    for line in lines:
        print(line)
    r.finish()


if __name__ == "__main__":
    main()
