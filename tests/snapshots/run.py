"""snapshot tier: every report in every format over committed snapshots,
compared with expected output; no process, no ptrace, a few seconds.

The cases (NAME and gcscope's arguments after the snapshot) come from two
places. Every report --help lists (one row of the report table each) gets
a text case NAME-text and a JSON case NAME-json, NAME being its option
without "dump-" ("--dump-allocation-tracebacks" makes
allocation-tracebacks-text); an option's value is SNAP for OLD and
FIRST_SESSION for ADDR. Every report --help names with a picture format
gets NAME-svg and NAME-folded. So a new report is covered by its row alone:
`run.py --regen` writes its expected output. cases.list adds the cases a
row cannot say (other options: --top, --locals, --check, prometheus), one
line each as strace's gen_tests.in; a line with a derived case's name
replaces that case.

For each tests/snapshots/tier-LABEL.snapshot.xz (made by make-snapshots.sh
from tier_target.py), decompressed into a temporary directory:
  - every case is run as `gcscope SNAPSHOT ARGS` and its stdout compared
    byte for byte with expected/LABEL/NAME.out, or, for outputs over
    256 KiB, their SHA-256 with expected/LABEL/NAME.sha256. JSON's
    "total_ms" (gcscope's own run time) is the one value masked. The exit
    code must be the expected one too (first line of NAME.rc when present,
    else 0);
  - cases.list must hold a --format prometheus case and a --check case, and
    every expected file must belong to a case (a removed report leaves none
    behind);
  - tests/unit/model_agreement checks the browser's model against the
    reports' JSON over the same snapshot, and tests/unit/browser_lists the
    browser's list logic (cursor, scrolling, filter, sort) and model.
Then each snapshot is saved again with the analyses in the file (--save
stores them) and every case, the model agreement and the list checks run
over that copy against the same expected output.
With --regen, writes the expected files instead (make-snapshots.sh does).
"""

import hashlib
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or os.path.dirname(os.path.dirname(HERE))
BUILDDIR = os.environ.get("GCSCOPE_BUILDDIR") or SRCDIR
GCSCOPE = os.environ.get("GCSCOPE") or os.path.join(BUILDDIR, "gcscope")
EXPECTED = os.path.join(HERE, "expected")
BIG = 256 * 1024


def listed_cases():
    with open(os.path.join(HERE, "cases.list")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, args = line.split(None, 1)
                yield name, args.split()


# The value a report option's argument takes in the tier, by its name in --help.
ARG_VALUES = {"ADDR": "FIRST_SESSION", "OLD": "SNAP"}


def report_cases(help_out):
    """The cases made from --help: each report in text and JSON, each
    report with a picture format in svg and folded."""
    section = help_out.split("Reports:\n", 1)[1].split("\n\n", 1)[0]
    made = []
    for opt, arg in re.findall(r"^      --([a-z-]+)(?: ([A-Z]+))?", section, re.M):
        if opt == "locals":  # an option of --dump-stacks, not a report
            continue
        if arg and arg not in ARG_VALUES:
            raise SystemExit("run.py: no tier value for --%s %s: add it to ARG_VALUES" % (opt, arg))
        args = ["--" + opt] + ([ARG_VALUES[arg]] if arg else [])
        name = opt[len("dump-"):] if opt.startswith("dump-") else opt
        made += [(name + "-text", args), (name + "-json", args + ["--json"])]
    m = re.search(r"or a picture of\s+(.*?):", help_out, re.S)
    for opt in re.findall(r"--([a-z-]+)", m.group(1)) if m else []:
        name = opt[len("dump-"):] if opt.startswith("dump-") else opt
        made += [(name + "-" + fmt, ["--" + opt, "--format", fmt]) for fmt in ("svg", "folded")]
    return made


def cases(help_out):
    """The derived cases, each replaced by a cases.list line of its name,
    then cases.list's other lines."""
    listed = list(listed_cases())
    by_name = dict(listed)
    made = report_cases(help_out)
    made_names = set(name for name, _ in made)
    return [(name, by_name.get(name, args)) for name, args in made] + \
        [(name, args) for name, args in listed if name not in made_names]


def snapshots(tmp):
    """(label, path) of every committed snapshot, decompressed into tmp."""
    for name in sorted(os.listdir(HERE)):
        m = re.match(r"tier-(.+)\.snapshot\.xz$", name)
        if m:
            path = os.path.join(tmp, m.group(1) + ".snapshot")
            with lzma.open(os.path.join(HERE, name)) as src, open(path, "wb") as dst:
                shutil.copyfileobj(src, dst)
            yield m.group(1), path


def run(args):
    p = subprocess.run([GCSCOPE] + args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout, p.stderr


def first_session(snap):
    """The lowest address of a Session in the snapshot: --referrers and --path's object."""
    rc, out, err = run([snap, "--dump-graph", "--json"])
    addrs = re.findall(rb'"addr": ?"(0x[0-9a-f]+)", ?"name": ?"Session"', out)
    return min(addrs, key=lambda a: int(a, 16)).decode() if addrs else "0x1"


def variants(found, regen):
    """(label, snapshot, expected dir): each committed snapshot as it is
    (older than the analyses a file can carry: every report computes
    them), then, unless regenerating, the same snapshot saved again by
    this gcscope, with the analyses in the file: every report must read
    them back to the same expected output."""
    for label, snap in found:
        yield label, snap, os.path.join(EXPECTED, label)
    for label, snap in ([] if regen else found):
        stored = snap + ".stored"
        rc, out, err = run([snap, "--save", stored])
        if rc != 0:
            raise SystemExit("run.py: cannot save %s again: %s" % (snap, err.decode(errors="replace")))
        yield label + " (analyses stored)", stored, os.path.join(EXPECTED, label)


def normalize(out):
    return re.sub(rb'"total_ms": ?[0-9.e+-]+', b'"total_ms": 0', out)


def coverage(names_args):
    """What no row can make: a prometheus case and a --check case."""
    return [need for need in ("prometheus", "--check") if not any(need in args for _, args in names_args)]


def main():
    regen = "--regen" in sys.argv
    if not os.access(GCSCOPE, os.X_OK):
        print("SKIP: no gcscope at %s" % GCSCOPE)
        sys.exit(77)
    passed = failed = 0
    failures = []

    def check(ok, what, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            failures.append(what)
            print("FAIL: %s%s" % (what, ": " + detail if detail else ""), flush=True)

    rc, help_out, err = run(["--help"])
    all_cases = cases(help_out.decode())
    missing = coverage(all_cases)
    check(not missing, "cases.list has a prometheus and a --check case", ", ".join(missing))
    names = set(name for name, _ in all_cases)
    check(len(names) == len(all_cases), "every case has its own name")
    tmp = tempfile.mkdtemp(prefix="gcscope-tier-")
    try:
        found = list(snapshots(tmp))
        check(len(found) > 0, "committed snapshots found")
        agreement = os.path.join(BUILDDIR, "tests", "unit", "model_agreement")
        lists = os.path.join(BUILDDIR, "tests", "unit", "browser_lists")
        for label, snap, outdir in variants(found, regen):
            target = first_session(snap)
            if regen:
                os.makedirs(outdir, exist_ok=True)
                for old in os.listdir(outdir):
                    os.unlink(os.path.join(outdir, old))
            for name, args in all_cases:
                args = [snap if a == "SNAP" else target if a == "FIRST_SESSION" else a for a in args]
                rc, out, err = run([snap] + args)
                out = normalize(out)
                base = os.path.join(outdir, name)
                if regen:
                    if len(out) > BIG:
                        with open(base + ".sha256", "w") as f:
                            f.write("%s %d\n" % (hashlib.sha256(out).hexdigest(), len(out)))
                    else:
                        with open(base + ".out", "wb") as f:
                            f.write(out)
                    if rc:
                        with open(base + ".rc", "w") as f:
                            f.write("%d\n" % rc)
                    continue
                want_rc = 0
                if os.path.exists(base + ".rc"):
                    with open(base + ".rc") as f:
                        want_rc = int(f.read().split()[0])
                what = "%s: %s" % (label, name)
                check(rc == want_rc, what + " exits %d" % want_rc, "got %d: %s" % (rc, err[:200]))
                if os.path.exists(base + ".sha256"):
                    with open(base + ".sha256") as f:
                        digest, size = f.read().split()
                    check(hashlib.sha256(out).hexdigest() == digest and len(out) == int(size),
                          what + " output as expected (SHA-256)", "%d bytes, expected %s" % (len(out), size))
                elif os.path.exists(base + ".out"):
                    with open(base + ".out", "rb") as f:
                        want = f.read()
                    if out != want:
                        a, b = want.decode("utf-8", "replace").splitlines(), out.decode("utf-8", "replace").splitlines()
                        first = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
                        detail = "line %d: expected %r, got %r" % (first + 1, a[first] if first < len(a) else None,
                                                                  b[first] if first < len(b) else None)
                    check(out == want, what + " output as expected", "" if out == want else detail)
                else:
                    check(False, what + " has an expected output", base + ".out")
            if not regen:
                strays = sorted(f for f in os.listdir(outdir) if os.path.splitext(f)[0] not in names)
                check(not strays, "%s: every expected file belongs to a case" % label, ", ".join(strays))
            for program, what in ((agreement, "the browser's model agrees with the reports"),
                                  (lists, "the browser's lists and model hold their invariants")):
                if regen or not os.access(program, os.X_OK):
                    continue
                p = subprocess.run([program, snap], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
                check(p.returncode == 0, "%s: %s" % (label, what), p.stdout.decode(errors="replace")[-1500:])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if regen:
        print("expected outputs written under %s" % EXPECTED)
        return
    print("snapshot tier: %d passed, %d failed" % (passed, failed))
    if failed:
        print("failed: " + "; ".join(failures[:20]))
        sys.exit(1)


if __name__ == "__main__":
    main()
