#!/bin/sh
# setup.sh: install what gcscope needs on Debian 12, then build it.
#
# As root it installs with apt-get directly; as a user, through sudo.
#
# Installs Debian packages only (nothing from PyPI): the compiler and
# autotools, the libraries gcscope links (libunwind, cJSON, ncursesw, and Unicorn, the CPU
# emulator that runs compiled types' tp_traverse),
# Debian's python3.11 (a static, stripped CPython the tests also inspect),
# and tmux (the browser tests drive the real binary in a terminal).
# Safe to run again: it skips apt when everything is installed already.
set -eu

cd "$(dirname "$0")/.."

# One package (or one purpose) a line, so that additions merge cleanly.
packages="
    build-essential autoconf automake pkg-config
    libunwind-dev
    libcjson-dev
    libncurses-dev
    libunicorn-dev
    python3 python3.11
    tmux
    procps util-linux
"
# What the tests use beyond the build: the Debian package test builds and
# installs the .deb; the Prometheus test scrapes a real node_exporter and
# lints the metrics with promtool (in Debian's prometheus package); the
# pictures test renders --format svg in headless Chromium; the core tests
# make cores with gdb's gcore; the compiled-objects test plants payloads in
# Debian's compiled packages (multidict, lxml, greenlet, aiohttp, mypy's
# mypyc-built modules, Cython); the memory test plants numpy arrays
# (python3-numpy) to account their data buffers.
packages="$packages
    debhelper dpkg-dev fakeroot lintian
    prometheus-node-exporter prometheus
    chromium
    gdb
    python3-multidict python3-lxml python3-greenlet python3-aiohttp python3-mypy cython3
    python3-numpy
"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    # Root installs directly (Debian installs no sudo for root, and containers
    # have none); a user goes through sudo for apt-get alone, so that the build
    # below stays the user's own and leaves no root-owned files in the tree.
    if [ "$(id -u)" -eq 0 ]; then
        as_root=""
    elif command -v sudo >/dev/null 2>&1; then
        as_root="sudo"
    else
        echo "setup.sh: these Debian packages are missing:$missing" >&2
        echo "setup.sh: run this script as root, or install sudo, to install them" >&2
        exit 1
    fi
    echo "setup.sh: installing$missing"
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    ./configure --enable-werror
fi
make -j"$(nproc)"
echo "setup.sh: built ./gcscope"
