"""docs: the man page, the shell completion and the systemd units agree with
the program.

  - every long option of `gcscope --help` (and -p, -o, -h, -V) is documented
    in docs/gcscope.1 (built from docs/gcscope.1.in) as an option entry, and the man page documents no
    option that --help does not list;
  - every exit code of --help is in the man page's EXIT STATUS, and every
    name of the --check language in its CHECKS section and in docs/checks.md;
  - the man page renders without a warning (man -l, else groff; skipped when
    neither is installed);
  - contrib/completion/gcscope.bash completes every long option (read from
    --help, itself made from the option and report tables), the values
    of --format, and after -p the pid of a running Python but not that of
    another program (skipped without bash);
  - contrib/systemd: the units pass systemd-analyze verify (when installed),
    and the service's command, run as systemd would run it (with a stand-in
    systemctl), writes a metrics file for a live Python atomically.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# make check sets PYTHONPATH; this lets the test also run by hand.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or gstest.SRCDIR
BUILDDIR = os.environ.get("GCSCOPE_BUILDDIR") or SRCDIR
# Made by make from docs/gcscope.1.in and the report table (tools/man-reports.c).
MAN = os.path.join(BUILDDIR, "docs", "gcscope.1")
CHECKS_MD = os.path.join(SRCDIR, "docs", "checks.md")
COMPLETION = os.path.join(SRCDIR, "contrib", "completion", "gcscope.bash")
SYSTEMD = os.path.join(SRCDIR, "contrib", "systemd")
SHORT = ["-p", "-o", "-h", "-V"]
NAMES = ["objects", "bytes", "garbage_objects", "garbage_bytes", "cycles", "garbage_cycles", "open_files",
         "open_sockets", "fds", "unowned_fds", "threads", "gc_enabled", "count(TYPE)", "bytes(TYPE)",
         "retained(TYPE)"]
SLEEP_CODE = "import os, time; open(os.environ['GSTEST_READY'], 'w').close(); time.sleep(600)"


def help_text():
    rc, out, err = gstest.run_gcscope(["--help"], timeout=30)
    assert rc == 0 and out, "gcscope --help exited %s: %s" % (rc, err[:200])
    return out


def help_options(text):
    """The long options --help lists: "--name" at the start of an entry."""
    opts = set(re.findall(r"^\s+(?:-[a-zA-Z], )?(--[a-z][a-z-]+)", text, re.M))
    assert len(opts) >= 20, "only %d options found in --help: %s" % (len(opts), sorted(opts))
    return opts


def roff_plain(text):
    """The man page source without roff escapes: what a reader sees."""
    text = re.sub(r"\\f[BIRP]|\\f\(..|\\f\[[A-Z]*\]", "", text)
    text = text.replace("\\-", "-").replace("\\(aq", "'").replace("\\ ", " ").replace("\\e", "\\")
    return text


def man_sections(plain):
    """{section name: its lines} by .SH."""
    sections, name = {}, None
    for line in plain.splitlines():
        if line.startswith(".SH "):
            name = line[4:].strip().strip('"')
            sections[name] = []
        elif name:
            sections[name].append(line)
    return sections


def man_option_tags(lines):
    """The tags of the option entries: the line after each .TP."""
    tags = []
    for i, line in enumerate(lines[:-1]):
        if line.strip() == ".TP":
            tags.append(lines[i + 1])
    return tags


def check_man(r, help_out):
    opts = help_options(help_out)
    with open(MAN) as f:
        plain = roff_plain(f.read())
    sections = man_sections(plain)
    for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "PERMISSIONS", "EXAMPLES",
              "CHECKS", "JSON OUTPUT", "BROWSER"):
        r.check(s in sections, "man page has a %s section" % s, sorted(sections))
    tags = " ".join(man_option_tags(sections.get("OPTIONS", [])))
    documented = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", tags))
    for opt in sorted(opts) + SHORT:
        r.check(re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), tags),
                "man page documents %s as an option entry" % opt)
    r.check(documented <= opts, "man page documents no option --help lacks", sorted(documented - opts))
    # Exit codes: those of --help, in EXIT STATUS.
    m = re.search(r"Exit codes:(.*)", help_out, re.S)
    codes = set(re.findall(r"(\d+) [a-z]", m.group(1))) if m else set()
    r.check(len(codes) >= 10, "--help lists the exit codes", codes)
    exit_tags = set(t.replace(".B", "").strip() for t in man_option_tags(sections.get("EXIT STATUS", [])))
    r.check(codes <= exit_tags and "1" in exit_tags, "man page lists every exit code of --help, and 1",
            sorted(codes - exit_tags))
    checks = "\n".join(sections.get("CHECKS", []))
    with open(CHECKS_MD) as f:
        checks_md = f.read()
    for name in NAMES:
        r.check(name in checks and name in checks_md, "%s documented in the man page and docs/checks.md" % name)
    for word in ("ptrace_scope", "CAP_SYS_PTRACE", "cap-add=SYS_PTRACE", "docs/json.md"):
        r.check(word in plain, "man page mentions %s" % word)


def check_render(r):
    """Renders without a warning: groff -ww reports every problem."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_STDERR="1")
    if shutil.which("groff"):
        cmd = ["groff", "-man", "-Tutf8", "-ww", "-z", MAN]
    elif shutil.which("man"):
        cmd = ["man", "--warnings", "-l", MAN]
    else:
        r.skip("man page renders", "neither groff nor man is installed")
        return
    with r.case("man page renders without warnings (%s)" % cmd[0]):
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60,
                           universal_newlines=True)
        assert p.returncode == 0 and not p.stderr.strip(), (p.returncode, p.stderr[:500])
    if shutil.which("man"):
        with r.case("man -l shows the page"):
            p = subprocess.run(["man", "-l", MAN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                               timeout=60, universal_newlines=True)
            assert p.returncode == 0 and "SYNOPSIS" in p.stdout and "--dump-types" in p.stdout, \
                (p.returncode, p.stderr[:300], p.stdout[:300])


# --------------------------------------------------------------------------
# Completion


def complete(words, timeout=30):
    """COMPREPLY for the command line `words`, the last one being completed."""
    script = ('. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _gcscope; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", COMPLETION] + words,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, universal_newlines=True)
    assert p.returncode == 0, "bash exited %d: %s" % (p.returncode, p.stderr[:300])
    return [l for l in p.stdout.splitlines() if l]


def check_completion(r, help_out):
    if not shutil.which("bash"):
        r.skip("completion", "bash is not installed")
        return
    opts = help_options(help_out)
    with open(COMPLETION) as f:
        text = f.read()
    with r.case("completion script loads and registers _gcscope"):
        p = subprocess.run(["bash", "--norc", "-c", '. "$1" && complete -p gcscope', "bash", COMPLETION],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30, universal_newlines=True)
        assert p.returncode == 0 and "_gcscope" in p.stdout, (p.returncode, p.stderr[:300])
    with r.case("completion offers every option of --help"):
        # The script reads the options from the --help of the gcscope being completed.
        offered = set(complete([gstest.gcscope_path(), "-"]))
        missing = sorted((opts | set(SHORT)) - offered)
        assert not missing, "not offered: %s" % missing
        extra = sorted(o for o in offered if o.startswith("--") and o != "--" and o not in opts)
        assert not extra, "offered but not in --help: %s" % extra
    r.check("--help" in text and "--dump-cycles" not in text,
            "completion script reads the options from --help instead of a list of its own")
    with r.case("completion: --format values"):
        got = complete(["gcscope", "--format", ""])
        assert sorted(got) == ["json", "prometheus", "text"], got
    with r.case("completion: --check names"):
        got = complete(["gcscope", "--check", "garb"])
        assert sorted(got) == ["garbage_bytes", "garbage_cycles", "garbage_objects"], got
    with r.case("completion: -p offers a running Python, not another program"):
        pys = gstest.pythons()
        if not pys:
            raise gstest.SkipCase("no CPython here")
        target = gstest.start_target(pys[-1][1], None, code=SLEEP_CODE)
        other = subprocess.Popen(["sleep", "60"], stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(0.2)
            got = complete(["gcscope", "-p", ""])
            assert str(target.pid) in got, "python %d not offered: %s" % (target.pid, got[:20])
            assert str(other.pid) not in got, "sleep %d offered" % other.pid
            got = complete(["gcscope", "--pid", str(target.pid)[:-1]])
            assert str(target.pid) in got, got
        finally:
            other.kill()
            other.wait()
            target.stop()
    with r.case("completion: the program after --"):
        got = complete(["gcscope", "--dump-types", "--", "pytho"])
        assert any(g.startswith("python") for g in got), got[:10]


# --------------------------------------------------------------------------
# systemd units


def exec_start_script(unit_text):
    """The script the service's ExecStart= runs, in the source tree: the unit
    names its installed path (LIBEXECDIR/gcscope/NAME), the source has it as
    contrib/systemd/NAME."""
    m = re.search(r"^ExecStart=(/\S*/gcscope/([\w-]+))$", unit_text, re.M)
    assert m, "no ExecStart=LIBEXECDIR/gcscope/SCRIPT line"
    path = os.path.join(SYSTEMD, m.group(2))
    assert os.access(path, os.X_OK), "%s is not an executable script" % path
    return path


def check_systemd(r):
    service = os.path.join(SYSTEMD, "gcscope-metrics.service")
    timer = os.path.join(SYSTEMD, "gcscope-metrics.timer")
    if shutil.which("systemd-analyze"):
        with r.case("systemd-analyze verify accepts the units"):
            tmp = tempfile.mkdtemp(prefix="gstest-units-")
            try:
                for f in (service, timer):
                    shutil.copy(f, tmp)
                p = subprocess.run(["systemd-analyze", "verify", os.path.join(tmp, os.path.basename(service)),
                                    os.path.join(tmp, os.path.basename(timer))],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60,
                                   universal_newlines=True)
                # The man page and the script are not installed here: their
                # lookups may fail (the script's source is checked below).
                problems = [l for l in p.stdout.splitlines()
                            if l.strip() and "man gcscope(1)" not in l and "Documentation=" not in l
                            and not re.search(r"/gcscope/gcscope-metrics is not executable: No such file", l)]
                assert not problems, problems[:5]
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    else:
        r.skip("systemd-analyze verify", "not installed")
    pys = gstest.pythons()
    if not pys:
        r.skip("gcscope-metrics.service runs", "no CPython here")
        return
    gstest.require_ptrace()
    with open(service) as f:
        script = exec_start_script(f.read())
    with r.case("gcscope-metrics.service writes the metrics atomically"):
        target = gstest.start_target(pys[-1][1], None, code=SLEEP_CODE)
        tmp = tempfile.mkdtemp(prefix="gstest-textfile-")
        try:
            bindir = os.path.join(tmp, "bin")
            os.mkdir(bindir)
            with open(os.path.join(bindir, "systemctl"), "w") as f:
                f.write("#!/bin/sh\n[ \"$*\" = \"show --property MainPID --value app.service\" ] && echo %d\n"
                        % target.pid)
            os.chmod(os.path.join(bindir, "systemctl"), 0o755)
            textdir = os.path.join(tmp, "textfile")
            os.mkdir(textdir)
            env = dict(os.environ, PATH=bindir + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
                       TARGET_SERVICE="app.service", TEXTFILE_DIR=textdir, GCSCOPE=gstest.gcscope_path())
            p = subprocess.run(["/bin/sh", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=120, universal_newlines=True)
            assert p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr[:300])
            assert os.listdir(textdir) == ["gcscope-app.prom"], os.listdir(textdir)
            path = os.path.join(textdir, "gcscope-app.prom")
            assert os.stat(path).st_mode & 0o777 == 0o644, oct(os.stat(path).st_mode)
            with open(path) as f:
                text = f.read()
            assert re.search(r'^gcscope_objects\{pid="%d",python="[0-9.]+"\} [0-9]+$' % target.pid, text, re.M), \
                text[:300]
            gstest.assert_running_untraced(target.pid)
            # A target that is gone: the stale file is removed, exit 0.
            with open(os.path.join(bindir, "systemctl"), "w") as f:
                f.write("#!/bin/sh\necho 0\n")
            p = subprocess.run(["/bin/sh", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=60, universal_newlines=True)
            assert p.returncode == 0 and os.listdir(textdir) == [], (p.returncode, os.listdir(textdir), p.stderr)
        finally:
            target.stop()
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    gstest.require_gcscope()
    r = gstest.Results("docs")
    help_out = help_text()
    check_man(r, help_out)
    check_render(r)
    check_completion(r, help_out)
    check_systemd(r)
    r.finish()


if __name__ == "__main__":
    main()
