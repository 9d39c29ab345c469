"""target_dies: the target is killed at random moments of many captures.

gcscope must never crash or hang: each run ends with success (the copy was
complete before the kill), "no such process" (3) or "target exited during
capture" (7), within its deadline, with a one-line message when it fails.
This is scenario 7 of docs/reliability.md; it found a crash in the
planning of an empty image once.
"""

import os
import random
import subprocess
import time

import gstest

ROUNDS = int(os.environ.get("TARGET_DIES_ROUNDS", "24"))
ALLOWED = {0, gstest.EXIT["no_process"], gstest.EXIT["exited"]}


def one_round(r, python, label, i, rng):
    target = gstest.start_target(python, "heap_target.py", ["--scale", "5"], label=label)
    with target:
        proc = subprocess.Popen([gstest.gcscope_path(), "-p", str(target.pid), "--dump-types", "--json"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, 0.03))
        target.proc.kill()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            r.check(False, "%s round %d: gcscope ends" % (label, i), "hung for 30 s")
            return
        err = err.decode("utf-8", "replace").strip()
        r.check(proc.returncode in ALLOWED, "%s round %d: exit %s is 0, 3 or 7" % (label, i, proc.returncode),
                err[:300])
        if proc.returncode != 0:
            r.check(len(err.splitlines()) == 1 and err.startswith("gcscope: "),
                    "%s round %d: one error line" % (label, i), err[:300])


def main():
    gstest.require_gcscope()
    r = gstest.Results("target_dies")
    rng = random.Random(1234)
    pys = gstest.pythons()
    if not pys:
        gstest.skip("no CPython 3.8+ on this machine")
    for i in range(ROUNDS):
        label, python = pys[i % len(pys)]
        one_round(r, python, label, i, rng)
    r.finish()


if __name__ == "__main__":
    main()
