#!/bin/sh
# setup.sh: install what gcscope needs on Debian 12 (as root), then build it.
#
# Installs Debian packages only (nothing from PyPI): the compiler and
# autotools, the three libraries gcscope links (libunwind, cJSON, ncursesw),
# Debian's python3.11 (a static, stripped CPython the tests also inspect),
# and tmux (the browser tests drive the real binary in a terminal).
# Safe to run again: it skips apt when everything is installed already.
set -eu

cd "$(dirname "$0")/.."

packages="build-essential autoconf automake pkg-config libunwind-dev libcjson-dev libncurses-dev python3 python3.11 tmux procps util-linux"

missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "setup.sh: these Debian packages are missing:$missing" >&2
        echo "setup.sh: run as root (sudo contrib/setup.sh) to install them" >&2
        exit 1
    fi
    echo "setup.sh: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
    autoreconf -fi
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
    ./configure --enable-werror
fi
make -j"$(nproc)"
echo "setup.sh: built ./gcscope"
