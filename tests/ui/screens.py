"""screens: the manual's pictures of the browser (make screens).

Starts the demo (contrib/demo/leaky_service.py), lets it leak for a few
seconds, saves a snapshot of it, and browses that snapshot in a tmux pane
of 100x30, writing each main view as plain text to OUT/NAME.txt. The key
list in docs/browser.md (between its "keys" markers) is rewritten from the
help screen, so that the manual lists exactly the keys the browser answers
(tests/ui/browser.py checks that they still agree).

    python3 tests/ui/screens.py --gcscope ./gcscope --out docs/screens [--docs docs/browser.md]

Stdlib and tmux only. The demo is random and timed, so the numbers change
from one run to the next; the layout does not.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRCDIR, "tests", "lib"))

import gstest  # noqa: E402
import tmuxdrv  # noqa: E402

ENV = {"TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
KEYS_BEGIN, KEYS_END = "<!-- keys: begin -->", "<!-- keys: end -->"


def default_python():
    """The newest pyenv CPython (shared libpython), else Debian's."""
    # pyenv's builds only: gstest.pythons() also lists Debian's, sid's (run
    # through a wrapper in their root) and free-threaded ones.
    pys = [p for label, p in gstest.pythons()
           if not label.startswith(("debian", "sid")) and not gstest.is_free_threaded(p)]
    return pys[-1] if pys else gstest.newest_python()


def title(s):
    return s.splitlines()[0] if s else ""


def save(out, name, screen):
    lines = [l.rstrip() for l in screen.rstrip("\n").split("\n")]
    with open(os.path.join(out, name + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("screens: %s.txt" % name)


def capture_demo(python, tmpdir, gcscope, seconds):
    demo = os.path.join(SRCDIR, "contrib", "demo", "leaky_service.py")
    log = open(os.path.join(tmpdir, "demo.log"), "w")
    proc = subprocess.Popen([python, demo, "--rate", "200", "--gc-off-after", "1", "--quiet"], cwd=tmpdir,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        time.sleep(seconds)
        r = subprocess.run([gcscope, "-p", str(proc.pid), "--save", "demo.gcs"], cwd=tmpdir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        if r.returncode != 0:
            sys.exit("screens: gcscope --save failed: %s" % r.stderr.strip())
    finally:
        proc.kill()
        proc.wait()
        log.close()
    return "demo.gcs"


def step(tm, keys, cond, what, text=None):
    for k in keys:
        tm.keys(k)
    if text:
        tm.type(text)
        tm.keys("Enter")
    scr = tm.wait_for(cond, timeout=60, what=what)
    time.sleep(0.3)  # let the last rows settle
    return tm.screen()


def browse(tm, gcscope, snap, tmpdir, out):
    tm.start([gcscope, snap], env=ENV, cwd=tmpdir)
    save(out, "overview", step(tm, [], lambda s: "Findings" in s, "the overview"))
    save(out, "types", step(tm, ["2"], lambda s: "Types" in title(s), "types"))
    step(tm, ["/"], lambda s: "Request" in s, "the Request type", text="Request")
    save(out, "instances", step(tm, ["Enter"], lambda s: "Instances of" in title(s), "instances"))
    save(out, "object", step(tm, ["Enter"], lambda s: "Object " in title(s) and "path" in s, "an object"))
    save(out, "cycles", step(tm, ["3"], lambda s: "Cycles" in title(s), "cycles"))
    step(tm, ["/"], lambda s: "Cycles" in title(s), "a Session cycle", text="Session")
    save(out, "cycle", step(tm, ["Enter"], lambda s: "Cycle #" in title(s), "one cycle"))
    save(out, "suspects", step(tm, ["4"], lambda s: "Suspects" in title(s), "suspects"))
    step(tm, ["5"], lambda s: "Dominator" in title(s), "the dominator tree")
    save(out, "domtree", step(tm, ["l", "j", "l"], lambda s: "Dominator" in title(s), "the dominator tree"))
    save(out, "resources", step(tm, ["6"], lambda s: "Resources" in title(s), "resources"))
    save(out, "threads", step(tm, ["7"], lambda s: "Threads" in title(s), "threads"))
    save(out, "help", step(tm, ["?"], lambda s: "Help" in title(s), "help"))
    tm.keys("?")
    tm.resize(100, 60)
    tm.keys("?")
    scr = tm.wait_for(lambda s: "Help" in title(s) and "quit" in s, what="the whole help")
    time.sleep(0.3)
    keys = tmuxdrv.help_lines(tm.screen())
    tm.keys("q")
    tm.wait_exit()
    return keys


def update_docs(docs, keys):
    with open(docs) as f:
        text = f.read()
    a, b = text.index(KEYS_BEGIN) + len(KEYS_BEGIN), text.index(KEYS_END)
    text = text[:a] + "\n```\n" + "\n".join(keys) + "\n```\n" + text[b:]
    with open(docs, "w") as f:
        f.write(text)
    print("screens: the key list of %s" % docs)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gcscope", required=True)
    p.add_argument("--out", required=True, help="where NAME.txt go (docs/screens)")
    p.add_argument("--docs", default=os.path.join(SRCDIR, "docs", "browser.md"))
    p.add_argument("--python", default=default_python())
    p.add_argument("--seconds", type=float, default=5.0, help="how long the demo leaks first")
    a = p.parse_args()
    if not tmuxdrv.have_tmux():
        sys.exit("screens: tmux is needed (apt-get install tmux)")
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gcscope-screens-") as tmpdir:
        snap = capture_demo(a.python, tmpdir, os.path.abspath(a.gcscope), a.seconds)
        with tmuxdrv.Tmux(100, 30) as tm:
            keys = browse(tm, os.path.abspath(a.gcscope), snap, tmpdir, a.out)
    update_docs(a.docs, keys)


if __name__ == "__main__":
    main()
