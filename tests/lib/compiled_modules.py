"""Build the small compiled modules compiled.py plants: a mypyc module (with
Debian's mypyc, which targets /usr/bin/python3.11) and a Cython module (with
cython3, for any interpreter whose headers are installed and that Cython
0.29 supports). Each module is tests/targets/gs_<tool>_holder.* with one
class keeping a payload in a native attribute and a make_holder(payload)
function, built once per interpreter per test run into a temporary folder
that the target gets as GSTEST_EXTRA_PATH.
"""

import os
import shutil
import subprocess

import gstest

MYPYC_PYTHON = gstest.DEBIAN_PYTHON


def _config(python):
    """(include dir, extension suffix, (major, minor)) of python, or None."""
    try:
        q = subprocess.run([python, "-c", "import sys, sysconfig; print(sysconfig.get_paths()['include']);"
                            "print(sysconfig.get_config_var('EXT_SUFFIX')); print(sys.version_info[1])"],
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = q.stdout.split()
    if q.returncode != 0 or len(parts) != 3 or not os.path.exists(os.path.join(parts[0], "Python.h")):
        return None
    return parts[0], parts[1], (3, int(parts[2]))


def build_mypyc(python, outdir):
    """The mypyc module's name, or (None, why)."""
    if os.path.realpath(python) != os.path.realpath(MYPYC_PYTHON):
        return None, "Debian's mypyc builds for %s only" % MYPYC_PYTHON
    work = os.path.join(outdir, "mypyc-build")
    os.makedirs(work)
    shutil.copy(os.path.join(gstest.TARGETS_DIR, "gs_mypyc_holder.py"), work)
    try:
        c = subprocess.run([MYPYC_PYTHON, "-m", "mypyc", "gs_mypyc_holder.py"], cwd=work,
                           capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, "mypyc: %s" % e
    if c.returncode != 0:
        if "No module named mypyc" in c.stderr:
            return None, "no mypyc (apt-get install python3-mypy)"
        return None, "mypyc failed: %s" % (c.stderr or c.stdout).strip()[-400:]
    built = [f for f in os.listdir(work) if f.endswith(".so")]
    if not built:
        return None, "mypyc wrote no extension"
    # The extension and mypyc's shared runtime (if it made one), without the
    # .py source, which the target must not import instead.
    for f in built:
        shutil.move(os.path.join(work, f), outdir)
    shutil.rmtree(work, ignore_errors=True)
    return "gs_mypyc_holder", None


def build_cython(python, outdir):
    """The Cython module's name, or (None, why)."""
    cython = shutil.which("cython3")
    if not cython:
        return None, "no cython3 (apt-get install cython3)"
    conf = _config(python)
    if not conf:
        return None, "no headers for %s" % python
    include, suffix, version = conf
    v = subprocess.run([cython, "--version"], capture_output=True, text=True, timeout=60)
    cython_version = (v.stdout + v.stderr).split()[-1] if (v.stdout + v.stderr).split() else "?"
    if version >= (3, 12) and not cython_version.startswith(("3.", "4.")):
        # Cython 0.29 before 0.29.36 generates code that does not build with 3.12's headers.
        return None, "Cython %s predates Python %d.%d" % (cython_version, *version)
    src = os.path.join(gstest.TARGETS_DIR, "gs_cython_holder.pyx")
    c_file = os.path.join(outdir, "gs_cython_holder.c")
    out = os.path.join(outdir, "gs_cython_holder" + suffix)
    for cmd in ([cython, "-3", src, "-o", c_file],
                [os.environ.get("CC", "cc"), "-O1", "-fPIC", "-shared", "-I", include, c_file, "-o", out]):
        try:
            c = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, "%s: %s" % (cmd[0], e)
        if c.returncode != 0:
            return None, "%s failed: %s" % (os.path.basename(cmd[0]), c.stderr.strip()[-400:])
    os.unlink(c_file)
    return "gs_cython_holder", None


def build_all(python, outdir):
    """Build what can be built for python into outdir: (module names, notes
    on what was not built and why)."""
    names, notes = [], []
    for what, build in (("mypyc", build_mypyc), ("Cython", build_cython)):
        name, why = build(python, outdir)
        if name:
            names.append(name)
        else:
            notes.append("%s module not built: %s" % (what, why))
    return names, notes
