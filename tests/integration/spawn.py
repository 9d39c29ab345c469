"""spawn: `gcscope [options] -- PROGRAM ARGS...` under every Python.

gcscope starts heap_target, waits --after seconds, inspects it, prints the
report and ends the program; with --keep the program is left running and
untraced (and this test kills it). The target writes its oracle and ready
file into the temporary working directory it shares with gcscope, so the
report can be compared with the target's own view.
"""

import json
import os
import re
import shutil
import signal
import sys
import tempfile
import traceback

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

COUNT_AGREEMENT = 0.995
PLANTED_LEAKY = 4000  # heap_target.LEAKY at scale 1


def spawn(python, extra, workdir, timeout=90):
    """Run gcscope in spawn mode on heap_target; (rc, stdout, stderr)."""
    env = {"GSTEST_DIR": workdir,
           "GSTEST_ORACLE": os.path.join(workdir, "oracle.json"),
           "GSTEST_READY": os.path.join(workdir, "ready"),
           "PYTHONHASHSEED": "0"}
    args = list(extra) + ["--", python, gstest.target_script("heap_target.py")]
    return gstest.run_gcscope(args, timeout=timeout, env=env, cwd=workdir)


def target_pid(workdir):
    """The pid the spawned target wrote in its ready file, or None."""
    try:
        with open(os.path.join(workdir, "ready")) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return None


def kill_leftover(pid):
    """Kill a spawned target this test may have left, if it is still ours."""
    if not pid:
        return
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            if b"heap_target.py" not in f.read():
                return
        os.kill(pid, signal.SIGKILL)
    except OSError:
        return
    gstest.wait_gone(pid, within=5)


def json_run(r, label, python):
    """Spawn, JSON report, program ended afterwards, report matches the oracle."""
    workdir = tempfile.mkdtemp(prefix="gstest-spawn-")
    pid = None
    try:
        after = 1 + gstest.startup_seconds(python)
        rc, out, err = spawn(python, ["--dump-types", "--json", "--after", str(after)], workdir)
        pid = target_pid(workdir)
        if not r.check(rc == 0, "%s: spawn --json exit 0" % label, "rc %s: %s" % (rc, err.strip())):
            return
        r.check(pid is not None, "%s: the spawned target got ready" % label)
        report = gstest.parse_json(out)
        oracle = read_json(os.path.join(workdir, "oracle.json"))
        r.check(report.get("pid") == pid, "%s: report pid is the spawned program" % label,
                "%s != %s" % (report.get("pid"), pid))
        r.check(report.get("python") == oracle.get("python"), "%s: python field" % label,
                "%r != %r" % (report.get("python"), oracle.get("python")))
        got = gstest.report_by_type(report)
        r.check(got.get("__main__.Leaky", {}).get("count") == PLANTED_LEAKY,
                "%s: Leaky count %d" % (label, PLANTED_LEAKY), got.get("__main__.Leaky"))
        if oracle.get("types"):
            agree = gstest.count_agreement(oracle["types"], got)
            r.check(agree >= COUNT_AGREEMENT, "%s: type counts agree with the oracle" % label,
                    "%.3f%%" % (100 * agree))
        r.check(pid is not None and gstest.wait_gone(pid), "%s: spawned program ended" % label,
                gstest.task_states(pid) if pid else "")
    except AssertionError as e:
        r.check(False, "%s: spawn --json" % label, e)
    finally:
        kill_leftover(pid)
        shutil.rmtree(workdir, ignore_errors=True)


def text_run(r, label, python):
    """Spawn with the default --after, text report names Leaky with its count."""
    workdir = tempfile.mkdtemp(prefix="gstest-spawn-")
    pid = None
    try:
        rc, out, err = spawn(python, ["--dump-types"], workdir)
        pid = target_pid(workdir)
        r.check(rc == 0, "%s: spawn text exit 0" % label, "rc %s: %s" % (rc, err.strip()))
        count = re.compile(r"(?<![\d,.])4,?000(?![\d,.])")
        hit = [l for l in out.splitlines() if "Leaky" in l and count.search(l)]
        r.check(bool(hit), "%s: text report shows Leaky %d" % (label, PLANTED_LEAKY),
                [l for l in out.splitlines() if "Leaky" in l] or out[:500])
        r.check(pid is not None and gstest.wait_gone(pid), "%s: spawned program ended (text)" % label)
    finally:
        kill_leftover(pid)
        shutil.rmtree(workdir, ignore_errors=True)


def keep_run(r, label, python):
    """--keep: the program outlives gcscope, running and untraced."""
    workdir = tempfile.mkdtemp(prefix="gstest-spawn-")
    pid = None
    try:
        after = 1 + gstest.startup_seconds(python)
        rc, out, err = spawn(python, ["--dump-types", "--json", "--keep", "--after", str(after)], workdir)
        pid = target_pid(workdir)
        r.check(rc == 0, "%s: spawn --keep exit 0" % label, "rc %s: %s" % (rc, err.strip()))
        if not r.check(pid is not None, "%s: --keep target got ready" % label):
            return
        with r.case("%s: --keep leaves the program running and untraced" % label):
            gstest.assert_running_untraced(pid)
        with r.case("%s: --keep report names the kept pid" % label):
            assert gstest.parse_json(out).get("pid") == pid, "pid differs"
    finally:
        kill_leftover(pid)
        shutil.rmtree(workdir, ignore_errors=True)


def read_json(path):
    """A JSON file, or {} when missing (the checks that need it then fail)."""
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def main():
    gstest.require_gcscope()
    r = gstest.Results("spawn")
    versions = gstest.pythons()
    if not versions:
        gstest.skip("no CPython 3.8+ found")
    for label, python in versions:
        for run in (json_run, text_run, keep_run):
            try:
                run(r, label, python)
            except Exception:
                r.check(False, "%s: %s crashed" % (label, run.__name__), traceback.format_exc())
    r.finish()


if __name__ == "__main__":
    main()
