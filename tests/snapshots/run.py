"""snapshot tier: every report in every format over committed snapshots,
compared with expected output; no process, no ptrace, a few seconds.

For each tests/snapshots/tier-LABEL.snapshot.xz (made by make-snapshots.sh
from tier_target.py), decompressed into a temporary directory:
  - every case of cases.list (one line: NAME and gcscope's arguments) is run
    as `gcscope SNAPSHOT ARGS` and its stdout compared byte for byte with
    expected/LABEL/NAME.out, or, for outputs over 256 KiB, their SHA-256 with
    expected/LABEL/NAME.sha256. JSON's "total_ms" (gcscope's own run time)
    is the one value masked. The exit code must be the expected one too
    (first line of NAME.rc when present, else 0);
  - every report option --help lists must have a text and a JSON case, each
    report --help names with a picture format an svg and a folded case, and
    --format prometheus and --check one each: a report or format added
    without cases fails here;
  - tests/unit/model_agreement checks the browser's model against the
    reports' JSON over the same snapshot.
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


def cases():
    with open(os.path.join(HERE, "cases.list")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, args = line.split(None, 1)
                yield name, args.split()


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


def normalize(out):
    return re.sub(rb'"total_ms": ?[0-9.e+-]+', b'"total_ms": 0', out)


def coverage(names_args):
    """Every report option of --help has a text and a JSON case."""
    rc, out, err = run(["--help"])
    section = out.decode().split("Reports:\n", 1)[1].split("\n\n", 1)[0]
    options = [o for o in re.findall(r"^      (--[a-z-]+)", section, re.M) if o != "--locals"]
    missing = []
    for opt in options:
        for json in (False, True):
            if not any(opt in args and ("--json" in args) == json for _, args in names_args):
                missing.append("%s %s" % (opt, "JSON" if json else "text"))
    for need in ("prometheus", "--check"):
        if not any(need in args for _, args in names_args):
            missing.append(need)
    # The picture formats, for each report --help names with them.
    m = re.search(r"or a picture of\s+(.*?):", out.decode(), re.S)
    for opt in re.findall(r"--[a-z-]+", m.group(1)) if m else []:
        for fmt in ("svg", "folded"):
            if not any(opt in args and fmt in args for _, args in names_args):
                missing.append("%s %s" % (opt, fmt))
    return options, missing


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

    all_cases = list(cases())
    options, missing = coverage(all_cases)
    check(not missing, "cases.list covers every report of --help in text and JSON (%d reports)" % len(options),
          ", ".join(missing))
    tmp = tempfile.mkdtemp(prefix="gcscope-tier-")
    try:
        found = list(snapshots(tmp))
        check(len(found) > 0, "committed snapshots found")
        agreement = os.path.join(BUILDDIR, "tests", "unit", "model_agreement")
        for label, snap in found:
            target = first_session(snap)
            outdir = os.path.join(EXPECTED, label)
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
            if not regen and os.access(agreement, os.X_OK):
                p = subprocess.run([agreement, snap], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
                check(p.returncode == 0, "%s: the browser's model agrees with the reports" % label,
                      p.stdout.decode(errors="replace")[-1500:])
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
