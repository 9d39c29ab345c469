#!/usr/bin/env bash
# out-of-fds.sh: runbook "a service ran out of file descriptors" ("Too many
# open files", EMFILE).
#
#   out-of-fds.sh [--warn PERCENT] [--keep] PID
#   out-of-fds.sh --demo
#
# Compares the descriptors the CPython process PID holds with its limit,
# then takes one snapshot (one pause of a few milliseconds) and shows, from
# it, every descriptor with the Python object that owns it: the files and
# sockets opened and never closed, and the descriptors no Python object owns
# (held by C code, or bare numbers from os.open() and os.pipe()).
#
# --demo starts contrib/demo/leaky_service.py (with $PYTHON, default
# python3) under a limit of 256 descriptors, waits until it holds more than
# PERCENT of them, runs the runbook against it, and ends it (long before it
# would run out, after about 40 s).
#
# Exit status: 0 the process uses less than PERCENT (default 50) of its
# descriptor limit; 1 it uses more (the reports above say who holds them);
# 2 bad arguments; any other value: the gcscope step that failed, with its
# exit code (gcscope --help lists them).
#
# Environment: GCSCOPE (the gcscope binary; default: gcscope on PATH, else the
# one built at the top of this source tree), PYTHON (for --demo).
set -euo pipefail

prog=out-of-fds.sh
here=$(cd "$(dirname "$0")" && pwd)

usage()
{
    echo "usage: $prog [--warn PERCENT] [--keep] PID" >&2
    echo "       $prog --demo" >&2
    exit 2
}

find_gcscope()
{
    if [ -n "${GCSCOPE:-}" ]; then
        return
    elif command -v gcscope >/dev/null 2>&1; then
        GCSCOPE=gcscope
    elif [ -x "$here/../../gcscope" ]; then
        GCSCOPE=$here/../../gcscope
    else
        echo "$prog: gcscope not found: put it on PATH or set GCSCOPE" >&2
        exit 2
    fi
}

# Each step says what it does, then shows the command it runs.
step() { printf '\n==> %s\n' "$*"; }
run()
{
    local arg line=gcscope
    for arg in "$@"; do
        case $arg in
        *[!A-Za-z0-9_./:=+-]*) line="$line '${arg//\'/\'\\\'\'}'" ;; # quoted, as a shell would need it
        *) line="$line $arg" ;;
        esac
    done
    printf '$ %s\n' "$line"
    "$GCSCOPE" "$@"
}

# One number from a file of gcscope --format prometheus: a gauge's value.
metric()
{
    awk -v m="$2{" 'index($0, m) == 1 { print $NF }' "$1"
}

# The soft limit on open files of a process ("Max open files" in its limits).
fd_limit()
{
    awk '/^Max open files/ { print $4 }' "/proc/$1/limits"
}

fd_count()
{
    local n=0 fd
    for fd in /proc/"$1"/fd/*; do
        [ -e "$fd" ] || [ -L "$fd" ] && n=$((n + 1))
    done
    echo "$n"
}

# --- the runbook -------------------------------------------------------------

runbook()
{
    local pid=$1 dir=$2 rc=0
    local snap=$dir/fds.snapshot

    step "1. Descriptors in use against the limit (from /proc, without stopping anything)"
    local limit used
    limit=$(fd_limit "$pid")
    used=$(fd_count "$pid")
    echo "process $pid: $used descriptors open, limit $limit (soft; $(awk -v u="$used" -v l="$limit" \
        'BEGIN { if (l ~ /^[0-9]+$/ && l > 0) printf "%d%% used", 100 * u / l; else print "no limit" }'))"

    step "2. One snapshot: the descriptors and the Python objects that own them"
    local prom=$dir/metrics.prom fds files sockets unowned
    run -p "$pid" --save "$snap" --format prometheus -o "$prom"
    fds=$(metric "$prom" gcscope_open_fds)
    files=$(metric "$prom" gcscope_open_files)
    sockets=$(metric "$prom" gcscope_open_sockets)
    unowned=$(metric "$prom" gcscope_unowned_fds)
    echo "$fds descriptors: $files open Python file objects, $sockets open Python sockets,"
    echo "$unowned descriptors that no open Python object owns"

    step "3. Every descriptor with its owner, and what holds the owners"
    run "$snap" --dump-resources

    step "4. Would a collection close some? (files and sockets in cyclic garbage stay open until collected)"
    if run "$snap" --check gc_enabled --check 'garbage_objects == 0'; then
        echo "(both hold: the collector is on and nothing waits for it)"
    fi

    step "5. Verdict"
    local threshold=$used
    if [[ $limit =~ ^[0-9]+$ ]]; then
        threshold=$((limit * warn / 100))
    fi
    # The check fails (exit 1, printing the value) above the threshold; the
    # same check works from cron on a live process.
    run "$snap" --check "fds < $threshold" || rc=$?
    case $rc in
    0)
        echo "descriptors below $warn% of the limit ($threshold)"
        ;;
    1)
        echo "more than $warn% of the descriptor limit is in use."
        echo "Next: in step 3, the files and sockets that pile up (the same name or peer"
        echo "many times) are the leak: open them with 'with', or close them where they"
        echo "are dropped. The path under each owner says which global or frame keeps it"
        echo "alive (gcscope SNAPSHOT --path ADDR for one). Descriptors without an owner"
        echo "come from C extensions or os.open()/os.pipe()."
        ;;
    esac
    return "$rc"
}

# --- command line --------------------------------------------------------------

warn=50
keep=false
demo=false
pid=
while [ $# -gt 0 ]; do
    case $1 in
    --warn)
        [ $# -ge 2 ] || usage
        warn=$2
        shift 2
        ;;
    --keep) keep=true; shift ;;
    --demo) demo=true; shift ;;
    -h | --help) usage ;;
    -*) usage ;;
    *)
        [ -z "$pid" ] || usage
        pid=$1
        shift
        ;;
    esac
done
case $warn in '' | *[!0-9]*) echo "$prog: --warn takes a whole percentage" >&2; exit 2 ;; esac
if $demo; then
    [ -z "$pid" ] || usage
else
    [ -n "$pid" ] || usage
    [ -d "/proc/$pid" ] || { echo "$prog: no process $pid" >&2; exit 3; }
fi
find_gcscope

dir=$(mktemp -d "${TMPDIR:-/tmp}/gcscope-out-of-fds.XXXXXX")
demo_pid=
cleanup()
{
    if [ -n "$demo_pid" ]; then
        kill "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    if $keep; then
        echo "snapshot kept in $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if $demo; then
    # The demo opens a log file every 100 requests and a loopback
    # connection (two descriptors) every 200, and never closes them: with a
    # limit of 256 it crosses 50% in about 15 s.
    mkdir "$dir/demo"
    (
        ulimit -n 256
        TMPDIR=$dir/demo exec "${PYTHON:-python3}" "$here/../demo/leaky_service.py" --rate 2000 \
            --gc-off-after -1
    ) >"$dir/demo/log" 2>&1 &
    demo_pid=$!
    want=$((256 * (warn < 60 ? warn : 60) / 100 + 8)) # not too near the limit
    for _ in $(seq 1200); do # up to 120 s on a slow machine
        kill -0 "$demo_pid" 2>/dev/null || { cat "$dir/demo/log" >&2; exit 15; }
        [ "$(fd_count "$demo_pid")" -ge "$want" ] && break
        sleep 0.1
    done
    echo "demo: leaky_service.py running as process $demo_pid, $(fd_count "$demo_pid") descriptors open"
    pid=$demo_pid
fi

runbook "$pid" "$dir"
