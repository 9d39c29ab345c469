#!/bin/sh
# setup-interpreters.sh: build, or reuse, the interpreters that make check
# tests besides pyenv's and Debian's own, in a cache folder outside the
# clone (docs/test-interpreters.md):
#
#   $CACHE/sid       a Debian sid root (debootstrap --variant=minbase) with
#                    python3.14 and python3.15, their headers (libpython3.X-dev,
#                    for tools/gen-offsets) and debug builds (python3.X-dbg)
#   $CACHE/py3.14t   a free-threaded CPython 3.14.7 built from
#                    $GCSCOPE_CPYTHON_TARBALL, else $CACHE/Python-3.14.7.tar.xz,
#                    else shared/cpython/Python-3.14.7.tar.xz in the folder
#                    that holds the clone (--disable-gil --enable-shared,
#                    rpath to its own lib/)
#
# CACHE is $GCSCOPE_TEST_CACHE or /var/cache/gcscope-test. What is there and
# complete is reused; what is missing is built into a .tmp folder and renamed
# when done, so that an interrupted run never leaves a half-made root that
# looks complete. Also installs python3.11-dbg (Debian's debug build) and
# debootstrap when missing. Needs root (debootstrap, chroot, apt-get).
#
# Usage: tests/setup-interpreters.sh [--no-free-threaded]
# Prints what it reused or built and how long each step took.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${GCSCOPE_TEST_CACHE:-/var/cache/gcscope-test}
want_ft=yes
for a in "$@"; do
    case $a in
    --no-free-threaded) want_ft=no ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup-interpreters: unknown argument $a" >&2; exit 2 ;;
    esac
done

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-interpreters: must run as root (debootstrap, chroot, apt-get)" >&2
    exit 1
fi

say() { echo "setup-interpreters: $*"; }
now() { date +%s; }
start_all=$(now)

mkdir -p "$cache"
# One run at a time: make check of another clone may be setting up too.
exec 9>"$cache/.lock"
flock 9

apt_install() {
    missing=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing ||
        { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing; }
}

# --- Debian's own debug build (bookworm: python3.11d) ---------------------------
apt_install python3.11-dbg debootstrap util-linux xz-utils

# --- the Debian sid root ------------------------------------------------------------
sid_packages="python3.14,python3.15,libpython3.14-dev,libpython3.15-dev,python3.14-dbg,python3.15-dbg"
sid_complete() {
    r=$1
    for f in usr/bin/python3.14 usr/bin/python3.15 usr/bin/python3.14d usr/bin/python3.15d \
             usr/include/python3.14/internal/pycore_debug_offsets.h \
             usr/include/python3.15/internal/pycore_debug_offsets.h; do
        [ -e "$r/$f" ] || return 1
    done
    chroot "$r" /usr/bin/python3.14 -c 'import sys' 2>/dev/null
}
t=$(now)
if sid_complete "$cache/sid"; then
    say "reusing $cache/sid ($(chroot "$cache/sid" python3.14 -c 'import sys; print(sys.version.split()[0])'), $(chroot "$cache/sid" python3.15 -c 'import sys; print(sys.version.split()[0])'))"
else
    [ -e "$cache/sid" ] && { say "$cache/sid is incomplete: making it again"; rm -rf "$cache/sid"; }
    rm -rf "$cache/sid.tmp"
    say "debootstrap sid into $cache/sid.tmp (about a minute)"
    debootstrap --variant=minbase --include="$sid_packages" sid "$cache/sid.tmp" > "$cache/sid.log" 2>&1 ||
        { tail -20 "$cache/sid.log" >&2; echo "setup-interpreters: debootstrap failed (log: $cache/sid.log)" >&2; exit 1; }
    sid_complete "$cache/sid.tmp" || { echo "setup-interpreters: the sid root lacks an interpreter" >&2; exit 1; }
    mv "$cache/sid.tmp" "$cache/sid"
    say "made $cache/sid in $(( $(now) - t )) s"
fi

# --- the free-threaded 3.14t ----------------------------------------------------------
ft=$cache/py3.14t
ft_complete() {
    [ -x "$1/bin/python3.14t" ] &&
        "$1/bin/python3.14t" -c 'import sys; assert not sys._is_gil_enabled()' 2>/dev/null
}
if [ "$want_ft" = yes ]; then
    t=$(now)
    if ft_complete "$ft"; then
        say "reusing $ft ($("$ft/bin/python3.14t" -c 'import sys; print(sys.version.split()[0])'))"
    else
        # Where the release source is: named, or already in the cache, or
        # in shared/cpython beside the clone, which is where this project's
        # machines and CI provide it (python.org itself is not reachable
        # from them, so a fresh CI machine has no other copy).
        tarball=${GCSCOPE_CPYTHON_TARBALL:-}
        if [ -z "$tarball" ]; then
            for f in "$cache/Python-3.14.7.tar.xz" "$top/../shared/cpython/Python-3.14.7.tar.xz"; do
                [ -f "$f" ] && { tarball=$f; break; }
            done
        fi
        [ -n "$tarball" ] && [ -f "$tarball" ] ||
            { echo "setup-interpreters: Python-3.14.7.tar.xz not found in $cache or $top/../shared/cpython: put python.org's release source there or set GCSCOPE_CPYTHON_TARBALL" >&2; exit 1; }
        apt_install build-essential libssl-dev libffi-dev zlib1g-dev libbz2-dev liblzma-dev \
            libsqlite3-dev libreadline-dev
        rm -rf "$ft.tmp"
        build=$(mktemp -d "$cache/build.XXXXXX")
        tar -xJf "$tarball" -C "$build"
        say "building the free-threaded 3.14.7 in $build (about 7 minutes on 2 cores)"
        (
            cd "$build/Python-3.14.7"
            ./configure --prefix="$ft" --disable-gil --enable-shared LDFLAGS="-Wl,-rpath=$ft/lib" &&
                nice make -j2 && make install DESTDIR="$ft.tmp"
        ) > "$cache/py3.14t.log" 2>&1 ||
            { tail -20 "$cache/py3.14t.log" >&2; echo "setup-interpreters: the 3.14t build failed (log: $cache/py3.14t.log)" >&2; exit 1; }
        # Installed under DESTDIR with the final prefix inside: move that
        # prefix into place, so that the rpath holds.
        rm -rf "$ft"
        mv "$ft.tmp$ft" "$ft"
        rm -rf "$ft.tmp" "$build"
        ft_complete "$ft" || { echo "setup-interpreters: $ft/bin/python3.14t does not run free-threaded" >&2; exit 1; }
        say "built $ft in $(( $(now) - t )) s"
    fi
fi

say "done in $(( $(now) - start_all )) s"
