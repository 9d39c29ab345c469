"""node_exporter: gcscope's metrics, served by a real Prometheus node_exporter.

Starts Debian's prometheus-node-exporter on a loopback port with only its
textfile collector, runs the shipped contrib/systemd/gcscope-metrics script
(what gcscope-metrics.service runs every minute) against a target Python,
scrapes /metrics over HTTP and checks that gcscope's series are there with
the values the target computed of itself: instances of its class, its
threads, its collector switched off, its pid. promtool (Debian's prometheus
package), where present, lints both the file and the scrape for Prometheus'
naming conventions. Finally the target goes away and the script removes the
file, so node_exporter stops serving stale numbers.

Runs on one interpreter (the newest; the metrics' values are checked against
every interpreter by checks.py): this test is about the plumbing.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or gstest.SRCDIR
SCRIPT = os.path.join(SRCDIR, "contrib", "systemd", "gcscope-metrics")
NODE_EXPORTER = "prometheus-node-exporter"
INSTANCES = 1234
EXTRA_THREADS = 3

TARGET_CODE = r"""
import gc, json, os, threading, time
gc.disable()
class Widget:
    pass
keep = [Widget() for _ in range(%d)]
stop = threading.Event()
workers = [threading.Thread(target=stop.wait, name="worker-%%d" %% i) for i in range(%d)]
for w in workers:
    w.start()
with open(os.environ["GSTEST_ORACLE"], "w") as f:
    json.dump({"widgets": sum(1 for o in gc.get_objects() if type(o) is Widget),
               "threads": threading.active_count(), "gc_enabled": int(gc.isenabled())}, f)
open(os.environ["GSTEST_READY"], "w").close()
time.sleep(600)
""" % (INSTANCES, EXTRA_THREADS)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port, timeout=10.0):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=timeout) as resp:
        return resp.read().decode("utf-8", "replace")


def start_exporter(textdir):
    """node_exporter with the textfile collector alone, on a free loopback port."""
    for _ in range(3):
        port = free_port()
        proc = subprocess.Popen(
            [NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port,
             "--collector.disable-defaults", "--collector.textfile",
             "--collector.textfile.directory=" + textdir],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                scrape(port, timeout=1)
                return proc, port
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise RuntimeError("node_exporter did not start on a loopback port")


def series(text, name):
    """{labels-string: value} of every sample of one metric in an exposition."""
    found = {}
    for m in re.finditer(r"^%s(\{[^}]*\})?\s+(\S+)$" % re.escape(name), text, re.M):
        found[m.group(1) or ""] = float(m.group(2))
    return found


def label(labels, key):
    m = re.search(r'%s="((?:[^"\\]|\\.)*)"' % key, labels)
    return m.group(1) if m else None


def run_script(env_extra, timeout=120):
    env = dict(os.environ, GCSCOPE=gstest.gcscope_path(), **env_extra)
    return subprocess.run(["sh", SCRIPT], env=env, timeout=timeout, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)


def promtool_lint(r, what, text):
    if not shutil.which("promtool"):
        r.skip("promtool lints " + what, "promtool is not installed (Debian's prometheus package)")
        return
    p = subprocess.run(["promtool", "check", "metrics"], input=text, timeout=60,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    r.check(p.returncode == 0 and not p.stdout.strip(),
            "promtool check metrics finds nothing to say of " + what, p.stdout)


def main():
    gstest.require_gcscope()
    gstest.require_ptrace()
    if not shutil.which(NODE_EXPORTER):
        gstest.skip("%s is not installed (contrib/setup.sh installs it)" % NODE_EXPORTER)
    python = gstest.newest_python()
    if not python:
        gstest.skip("no CPython on this machine")

    r = gstest.Results("node_exporter")
    textdir = tempfile.mkdtemp(prefix="gstest-textfile.")
    exporter = None
    try:
        exporter, port = start_exporter(textdir)
        print("node_exporter on 127.0.0.1:%d, textfile directory %s, target %s" % (port, textdir, python))
        with gstest.start_target(python, None, code=TARGET_CODE) as target:
            oracle = target.oracle_data()
            ran = run_script({"TARGET_PID": str(target.pid), "TARGET_NAME": "widgets",
                              "TEXTFILE_DIR": textdir})
            prom = os.path.join(textdir, "gcscope-widgets.prom")
            r.check(ran.returncode == 0 and os.path.exists(prom),
                    "gcscope-metrics writes gcscope-widgets.prom", ran.stdout)
            r.check(sorted(os.listdir(textdir)) == ["gcscope-widgets.prom"],
                    "no temporary file is left beside it", os.listdir(textdir))
            gstest.assert_running_untraced(target.pid)
            text = open(prom).read() if os.path.exists(prom) else ""
            promtool_lint(r, "the textfile", text)

            body = scrape(port)
            widgets = series(body, "gcscope_type_objects")
            hit = [v for k, v in widgets.items() if label(k, "type") == "__main__.Widget"]
            r.check(hit == [oracle["widgets"]],
                    "node_exporter serves gcscope_type_objects{type=\"__main__.Widget\"} %d" % oracle["widgets"],
                    widgets)
            threads = series(body, "gcscope_threads")
            r.check(list(threads.values()) == [oracle["threads"]],
                    "node_exporter serves gcscope_threads %d" % oracle["threads"], threads)
            enabled = series(body, "gcscope_gc_enabled")
            r.check(list(enabled.values()) == [oracle["gc_enabled"]],
                    "node_exporter serves gcscope_gc_enabled 0", enabled)
            pids = {label(k, "pid") for k in threads}
            r.check(pids == {str(target.pid)}, "the series carry the target's pid label", pids)
            pause = list(series(body, "gcscope_pause_seconds").values())
            r.check(len(pause) == 1 and 0 < pause[0] < 10, "node_exporter serves gcscope_pause_seconds", pause)
            errors = series(body, "node_textfile_scrape_error")
            r.check(list(errors.values()) == [0.0], "node_exporter read the file without error", errors)
            gcscope_only = "\n".join(l for l in body.splitlines()
                                     if re.match(r"^(# (HELP|TYPE) )?gcscope_", l)) + "\n"
            promtool_lint(r, "gcscope's series as node_exporter serves them", gcscope_only)
            dead_pid = target.pid
        gstest.wait_gone(dead_pid)
        ran = run_script({"TARGET_PID": str(dead_pid), "TARGET_NAME": "widgets", "TEXTFILE_DIR": textdir})
        r.check(ran.returncode == 0 and not os.listdir(textdir),
                "with the target gone, gcscope-metrics removes the file", ran.stdout)
        body = scrape(port)
        r.check("gcscope_threads" not in body, "and node_exporter serves no gcscope series any more")
        ran = run_script({"TEXTFILE_DIR": textdir})
        r.check(ran.returncode == 2 and "TARGET_SERVICE" in ran.stdout,
                "without a target the script says what to set and exits 2", ran.stdout)
    finally:
        if exporter is not None:
            exporter.kill()
            exporter.wait()
        shutil.rmtree(textdir, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
