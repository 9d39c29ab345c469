#!/bin/sh
# gen-offsets.sh: regenerate src/py/offsets/py3NN.c from each installed
# CPython's own headers (see README.md in this directory).
#
#   tools/gen-offsets/gen-offsets.sh                 write the tables
#   tools/gen-offsets/gen-offsets.sh --check         regenerate into a temp dir
#                                                    and diff against the tables
#   ... --include /usr/include/python3.11            use these header dirs instead
#                                                    of discovering pyenv installs
#                                                    (repeatable)
#   ... --include PREFIX/include/python3.14t         a free-threaded build: writes
#                                                    py314t.c (pyconfig.h says
#                                                    Py_GIL_DISABLED)
#   ... --outdir DIR                                 write somewhere else
#
# Discovery: every $PYENV_ROOT/versions/3.X.Y with X >= 8 (3.6, 3.7, 2.7 are
# not supported by gcscope; free-threaded "3.13.0t" and "-dev" installs are
# skipped because the tables describe release GIL builds). When several patch
# releases of one minor are installed, the newest is used.
#
# --check ignores the provenance lines (the "Source:" comment, .generated_from
# and .py_version_hex), which name the patch release: within a minor the
# offsets must not change, and CI may have other patch headers than the ones
# the tables were made from. Everything else must be byte-identical.
#
# Exit status: 0 ok; 1 --check found a difference; 2 usage or build error.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
outdir="$top/src/py/offsets"
check=no
includes=""
CC=${CC:-cc}

usage() {
    sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
    --check) check=yes ;;
    --outdir) [ $# -ge 2 ] || usage; outdir=$2; shift ;;
    --include) [ $# -ge 2 ] || usage; includes="$includes $2"; shift ;;
    -h|--help) usage ;;
    *) echo "gen-offsets: unknown argument: $1" >&2; usage ;;
    esac
    shift
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gen-offsets.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
# The generated files include "config.h"; an empty one is enough to compile them.
mkdir -p "$tmp/inc" "$tmp/out"
: > "$tmp/inc/config.h"

# --- discovery ----------------------------------------------------------------
if [ -z "$includes" ]; then
    root=${PYENV_ROOT:-}
    if [ -z "$root" ]; then
        root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    fi
    if [ ! -d "$root/versions" ]; then
        echo "gen-offsets: no pyenv versions under $root (set PYENV_ROOT or use --include)" >&2
        exit 2
    fi
    # Newest patch per minor: sort by version, keep the last of each 3.X.
    for d in "$root"/versions/3.*; do
        v=${d##*/}
        # Plain X.Y.Z only: not 3.13.0t (free-threaded), 3.14-dev, ...
        echo "$v" | grep -Eq '^3\.[0-9]+\.[0-9]+$' || continue
        echo "$v"
    done | sort -t. -k1,1n -k2,2n -k3,3n | while read -r v; do
        minor=$(echo "$v" | cut -d. -f2)
        [ "$minor" -ge 8 ] || continue
        inc="$root/versions/$v/include/python3.$minor"
        if [ ! -d "$inc/internal" ]; then
            echo "gen-offsets: skipping $v: no $inc/internal" >&2
            continue
        fi
        echo "$minor $inc"
    done | awk '{ last[$1] = $2 } END { for (m in last) print m, last[m] }' | sort -n > "$tmp/list"
    # Minors pyenv lacks, from a Debian root (tests/setup-interpreters.sh
    # makes one with sid's 3.14 and 3.15 headers), and the debug builds'
    # headers (python3.Xd: Debian's python3.X-dbg, here and in that root),
    # which give the debug tables py3Xd.c.
    sid=${GCSCOPE_SID_ROOT:-/var/cache/gcscope-test/sid}
    for inc in "$sid"/usr/include/python3.* /usr/include/python3.*d; do
        [ -f "$inc/patchlevel.h" ] && [ -d "$inc/internal" ] || continue
        case ${inc##*/} in *t) continue ;; *d) d=d ;; *) d= ;; esac
        minor=$(sed -n 's/^#define PY_MINOR_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$inc/patchlevel.h")
        [ "$minor" -ge 8 ] || continue
        grep -q "^$minor$d " "$tmp/list" || echo "$minor$d $inc" >> "$tmp/list"
    done
    sort -n -o "$tmp/list" "$tmp/list"
else
    for inc in $includes; do
        if [ ! -f "$inc/patchlevel.h" ] || [ ! -d "$inc/internal" ]; then
            echo "gen-offsets: $inc is not a CPython include directory with internal/" >&2
            exit 2
        fi
        minor=$(sed -n 's/^#define PY_MINOR_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$inc/patchlevel.h")
        case ${inc##*/} in *d) minor=${minor}d ;; esac
        echo "$minor $inc"
    done > "$tmp/list"
fi
if [ ! -s "$tmp/list" ]; then
    echo "gen-offsets: no CPython 3.8+ headers found" >&2
    exit 2
fi

# --- generate -------------------------------------------------------------------
status=0
while read -r tag inc; do
    # tag: the minor ("14") or, for a debug build's headers, "14d".
    minor=${tag%d}
    d=${tag#"$minor"}
    # A free-threaded install (pyconfig.h defines Py_GIL_DISABLED, e.g.
    # include/python3.14t) gets a table of its own, py3NNt.c; a debug build
    # py3NNd.c.
    suffix=""
    if grep -Eq '^#define[[:space:]]+Py_GIL_DISABLED[[:space:]]+1' "$inc/pyconfig.h" 2>/dev/null; then
        suffix=t
    fi
    suffix=$suffix$d
    name="py3$minor$suffix.c"
    # Debian splits pyconfig.h per architecture: <inc>/pyconfig.h includes
    # <x86_64-linux-gnu/python3.X/pyconfig.h> from the same root. Offer
    # exactly that directory (not the root's libc headers) when present.
    multi=""
    # A debug build's python3.Xd/ holds links to python3.X/ headers, whose
    # pyconfig.h would name the release one: both names lead to its own.
    arch_dir=$(dirname "$inc")/x86_64-linux-gnu/${inc##*/}
    if [ -d "$arch_dir" ]; then
        mkdir -p "$tmp/multi$tag/x86_64-linux-gnu"
        ln -sfn "$arch_dir" "$tmp/multi$tag/x86_64-linux-gnu/python3.$minor$d"
        ln -sfn "$arch_dir" "$tmp/multi$tag/x86_64-linux-gnu/python3.$minor"
        multi="-isystem $tmp/multi$tag"
    fi
    # Defines the interpreter was compiled with that are not in pyconfig.h
    # but change the internal structs: Debian builds 3.14 and 3.15 with
    # -D_Py_JIT -D_Py_TIER2=3 (3.15's PyInterpreterState is 8 bytes larger
    # with them). They are in the install's config Makefile.
    defs=""
    for mk in "$(dirname "$(dirname "$inc")")/lib/python3.$minor/config-3.$minor$d-"*/Makefile \
              "$(dirname "$(dirname "$inc")")/lib/python3.$minor/config-3.$minor/Makefile"; do
        [ -f "$mk" ] || continue
        defs=$(grep -o -- '-D_Py_[A-Za-z0-9_]*\(=[^ ]*\)\{0,1\}' "$mk" | sort -u | tr '\n' ' ')
        break
    done
    [ -z "$defs" ] || echo "gen-offsets: 3.$minor built with $defs" >&2
    # -isystem: warnings inside CPython's own headers are not ours to fix.
    if ! $CC -std=gnu11 -O0 -Wall -Wextra -Werror -DPy_BUILD_CORE $defs \
            -isystem "$inc" $multi -I"$top/src" "$here/gen_offsets.c" -o "$tmp/gen_3$minor$suffix"; then
        echo "gen-offsets: cannot build the generator against $inc" >&2
        exit 2
    fi
    if ! "$tmp/gen_3$minor$suffix" > "$tmp/out/$name"; then
        echo "gen-offsets: the generator failed for $inc" >&2
        exit 2
    fi
    # The output must compile cleanly as part of gcscope.
    if ! $CC -std=gnu11 -Wall -Wextra -Werror -I"$top/src" -I"$tmp/inc" \
            -c "$tmp/out/$name" -o "$tmp/$name.o"; then
        echo "gen-offsets: generated $name does not compile" >&2
        exit 2
    fi

    if [ "$check" = yes ]; then
        committed="$outdir/$name"
        if [ ! -f "$committed" ]; then
            echo "gen-offsets: $committed is missing (headers: $inc)" >&2
            status=1
            continue
        fi
        strip='/^ \* Source: /d; /^    \.generated_from = /d; /^    \.py_version_hex = /d'
        if sed "$strip" "$committed" > "$tmp/a" && sed "$strip" "$tmp/out/$name" > "$tmp/b" &&
           diff -u --label "$committed" --label "regenerated from $inc" "$tmp/a" "$tmp/b"; then
            echo "gen-offsets: $name matches $inc"
        else
            echo "gen-offsets: $name differs from what $inc gives" >&2
            status=1
        fi
    else
        mkdir -p "$outdir"
        # Replace only on change, so that make does not rebuild for nothing.
        if ! cmp -s "$tmp/out/$name" "$outdir/$name"; then
            cp "$tmp/out/$name" "$outdir/$name"
            echo "gen-offsets: wrote $outdir/$name from $inc"
        else
            echo "gen-offsets: $outdir/$name unchanged ($inc)"
        fi
    fi
done < "$tmp/list"
exit $status
