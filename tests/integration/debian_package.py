"""debian_package: debian/ builds a gcscope .deb that installs and runs.

Builds the package from the files git tracks (a copy in a temporary
directory, so the developer's own in-tree build is untouched) with
`dpkg-buildpackage -us -uc -b`, runs lintian on it (clean, apart from the
overrides debian/ documents), installs it into a throwaway root with
`dpkg --root` and checks that it holds the binary, the manual page, the bash
completion and the systemd units, and that the installed binary answers
`--version` with configure.ac's version. It also checks that every Debian
-dev package configure.ac asks for is a Build-Depends of the package, so a
new dependency cannot be forgotten there.

Skips (77) outside a git checkout (a release tarball has no debian/ build
to test) or without dpkg-buildpackage (contrib/setup.sh installs it).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib"))
import gstest  # noqa: E402

SRCDIR = os.environ.get("GCSCOPE_SRCDIR") or gstest.SRCDIR
BUILD_TIMEOUT = 900  # seconds: a whole configure + make on a busy 2-core machine


def run(cmd, cwd=None, timeout=120, env=None):
    return subprocess.run(cmd, cwd=cwd, timeout=timeout, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)


def configure_version():
    text = open(os.path.join(SRCDIR, "configure.ac")).read()
    m = re.search(r"AC_INIT\(\[gcscope\],\s*\[([^\]]+)\]", text)
    return m.group(1) if m else None


def configure_dev_packages():
    """The Debian -dev packages named in configure.ac's dependency errors."""
    text = open(os.path.join(SRCDIR, "configure.ac")).read()
    return sorted(set(re.findall(r"install the Debian package ([a-z0-9.+-]+-dev)", text)))


def build_depends():
    text = open(os.path.join(SRCDIR, "debian", "control")).read()
    m = re.search(r"^Build-Depends:(.*?)(?=^\S)", text, re.S | re.M)
    field = m.group(1) if m else ""
    return {re.split(r"[\s(]", d.strip())[0] for d in field.split(",") if d.strip()}


def copy_tracked_tree(dest):
    files = run(["git", "ls-files", "-z"], cwd=SRCDIR).stdout.split("\0")
    for rel in filter(None, files):
        src = os.path.join(SRCDIR, rel)
        if not os.path.lexists(src):  # deleted in the working tree, not yet committed
            continue
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copy2(src, os.path.join(dest, rel), follow_symlinks=False)


def main():
    if not os.path.isdir(os.path.join(SRCDIR, ".git")) and \
            run(["git", "rev-parse", "--git-dir"], cwd=SRCDIR).returncode != 0:
        gstest.skip("not a git checkout: the package is built from the tracked files")
    for tool in ("dpkg-buildpackage", "dh", "fakeroot"):
        if not shutil.which(tool):
            gstest.skip("%s is missing (contrib/setup.sh installs debhelper, dpkg-dev, fakeroot)" % tool)

    r = gstest.Results("debian_package")
    version = configure_version()
    r.check(version is not None, "configure.ac names a version")

    deps = build_depends()
    for pkg in configure_dev_packages():
        r.check(pkg in deps, "debian/control Build-Depends has %s (configure.ac needs it)" % pkg,
                "Build-Depends: %s" % ", ".join(sorted(deps)))

    changelog = open(os.path.join(SRCDIR, "debian", "changelog")).readline()
    r.check(("gcscope (%s)" % version) in changelog, "debian/changelog's version is configure.ac's",
            changelog.strip())

    work = tempfile.mkdtemp(prefix="gcscope-deb.")
    try:
        tree = os.path.join(work, "gcscope-%s" % version)
        copy_tracked_tree(tree)
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck parallel=2")
        built = run(["nice", "dpkg-buildpackage", "-us", "-uc", "-b"], cwd=tree,
                    timeout=BUILD_TIMEOUT, env=env)
        deb = os.path.join(work, "gcscope_%s_amd64.deb" % version)
        if not r.check(built.returncode == 0 and os.path.exists(deb),
                       "dpkg-buildpackage -us -uc -b builds gcscope_%s_amd64.deb" % version,
                       built.stdout[-3000:]):
            r.finish()

        contents = run(["dpkg-deb", "-c", deb]).stdout
        for path in ("./usr/bin/gcscope", "./usr/share/man/man1/gcscope.1.gz",
                     "./usr/share/bash-completion/completions/gcscope",
                     "./lib/systemd/system/gcscope-metrics.service",
                     "./lib/systemd/system/gcscope-metrics.timer",
                     "./usr/libexec/gcscope/gcscope-metrics",
                     "./usr/share/doc/gcscope/copyright"):
            r.check(re.search(r"\s%s$" % re.escape(path), contents, re.M) is not None,
                    "the package holds %s" % path)

        if shutil.which("lintian"):
            changes = os.path.join(work, "gcscope_%s_amd64.changes" % version)
            lint = run(["lintian", "--fail-on", "error,warning", changes], timeout=300)
            tags = [l for l in lint.stdout.splitlines()
                    if re.match(r"^[EW]: ", l)]
            r.check(lint.returncode == 0 and not tags, "lintian finds no error or warning", "\n".join(tags))
        else:
            r.skip("lintian", "lintian is not installed (contrib/setup.sh installs it)")

        root = os.path.join(work, "root")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"):
            os.makedirs(os.path.join(root, d), exist_ok=True)
        open(os.path.join(root, "var/lib/dpkg/status"), "w").close()
        # The throwaway root holds only this package: its libraries come from
        # the host (--force-depends), its maintainer scripts run outside it.
        inst = run(["dpkg", "--root=" + root, "--force-depends", "--force-script-chrootless",
                    "--log=" + os.path.join(root, "var/log/dpkg.log"), "-i", deb])
        r.check(inst.returncode == 0, "dpkg --root installs the package", inst.stdout[-2000:])
        installed = os.path.join(root, "usr", "bin", "gcscope")
        out = run([installed, "--version"], timeout=30)
        r.check(out.returncode == 0 and version in out.stdout,
                "the installed gcscope --version says %s" % version, out.stdout.strip())
        unit = open(os.path.join(root, "lib/systemd/system/gcscope-metrics.service")).read()
        m = re.search(r"^ExecStart=(\S+)", unit, re.M)
        script = os.path.join(root, m.group(1).lstrip("/")) if m else ""
        r.check(m is not None and os.access(script, os.X_OK),
                "the installed metrics unit's ExecStart is an installed script", m and m.group(1))
        r.check(os.path.exists(script) and "--format prometheus" in open(script).read(),
                "the installed metrics script runs gcscope --format prometheus")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    r.finish()


if __name__ == "__main__":
    main()
