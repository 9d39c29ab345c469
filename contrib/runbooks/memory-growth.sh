#!/usr/bin/env bash
# memory-growth.sh: runbook "a service's memory keeps growing".
#
#   memory-growth.sh [--interval SECONDS] [--min-growth SIZE] [--keep] PID
#   memory-growth.sh --demo
#
# Takes two snapshots of the CPython process PID, INTERVAL seconds apart
# (default 60), and shows what grew between them (--diff), what keeps the
# memory alive (--dump-retained) and the likely causes (--dump-suspects).
# The process is paused twice, a few milliseconds each time; every report
# after that reads the snapshot files, not the process.
#
# --demo starts contrib/demo/leaky_service.py (with $PYTHON, default
# python3), runs the runbook against it with an interval of 6 s (and, unless
# given, a SIZE of 256KB), and ends it.
#
# Exit status: 0 the tracked heap grew by less than SIZE (default 1MB);
# 1 it grew by SIZE or more (the reports above say where); 2 bad arguments;
# any other value: the gcscope step that failed, with its exit code
# (gcscope --help lists them).
#
# Environment: GCSCOPE (the gcscope binary; default: gcscope on PATH, else the
# one built at the top of this source tree), PYTHON (for --demo).
set -euo pipefail

prog=memory-growth.sh
here=$(cd "$(dirname "$0")" && pwd)

usage()
{
    echo "usage: $prog [--interval SECONDS] [--min-growth SIZE] [--keep] PID" >&2
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

# One number of a snapshot: the value of a gcscope --format prometheus gauge.
metric()
{
    "$GCSCOPE" "$1" --format prometheus | awk -v m="$2{" 'index($0, m) == 1 { print $NF }'
}

# "2MB" -> 2000000, with gcscope's units (KB = 1000, KiB = 1024, ...).
to_bytes()
{
    local num=${1%%[!0-9]*} unit mult
    unit=$(printf '%s' "${1#"$num"}" | tr -d ' ' | tr '[:upper:]' '[:lower:]')
    case $unit in
    '' | b) mult=1 ;;
    k | kb) mult=1000 ;;
    kib) mult=1024 ;;
    m | mb) mult=1000000 ;;
    mib) mult=1048576 ;;
    g | gb) mult=1000000000 ;;
    gib) mult=1073741824 ;;
    *) return 1 ;;
    esac
    [ -n "$num" ] || return 1
    echo $((num * mult))
}

# --- the runbook -------------------------------------------------------------

runbook()
{
    local pid=$1 dir=$2 rc=0
    local before=$dir/before.snapshot after=$dir/after.snapshot

    step "1. First snapshot of process $pid: what its heap holds now, per type"
    run -p "$pid" --save "$before" --dump-types --top 10

    step "2. Waiting $interval s while the service runs on"
    sleep "$interval"

    step "3. Second snapshot"
    run -p "$pid" --save "$after" --dump-types --top 10

    step "4. What grew between the two: types, objects holding more than before, new objects"
    run "$after" --diff "$before" --top 15

    step "5. What keeps the memory alive: retained sizes from the dominator tree"
    run "$after" --dump-retained --top 10

    step "6. Likely leaks, ranked and explained"
    run "$after" --dump-suspects --top 5

    step "7. Verdict"
    local b0 b1
    b0=$(metric "$before" gcscope_bytes)
    b1=$(metric "$after" gcscope_bytes)
    echo "tracked heap: $b0 bytes, then $b1 bytes $interval s later"
    # The check fails (exit 1, printing the value) when the heap grew by
    # min_growth or more; the same check works from cron on a live process.
    run "$after" --check "bytes < $((b0 + min_growth_bytes))" || rc=$?
    case $rc in
    0)
        echo "no significant growth (less than $min_growth in $interval s)"
        ;;
    1)
        echo "the heap grew by $((b1 - b0)) bytes in $interval s."
        echo "Next: the types at the top of step 4 are what accumulates, and the"
        echo "containers that grew say where. For an object of step 4 or 5,"
        echo "'gcscope SNAPSHOT --path ADDR' shows which global or frame holds it and"
        echo "'gcscope SNAPSHOT --referrers ADDR' who references it (--keep keeps the"
        echo "snapshots)."
        ;;
    esac
    return "$rc"
}

# --- command line --------------------------------------------------------------

interval=60
min_growth=1MB
min_growth_given=false
keep=false
demo=false
pid=
while [ $# -gt 0 ]; do
    case $1 in
    --interval)
        [ $# -ge 2 ] || usage
        interval=$2
        shift 2
        ;;
    --min-growth)
        [ $# -ge 2 ] || usage
        min_growth=$2
        min_growth_given=true
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
case $interval in '' | *[!0-9]*) echo "$prog: --interval takes whole seconds" >&2; exit 2 ;; esac
min_growth_bytes=$(to_bytes "$min_growth") ||
    { echo "$prog: --min-growth takes a whole size such as 500KB, 2MB or 1MiB" >&2; exit 2; }
if $demo; then
    [ -z "$pid" ] || usage
else
    [ -n "$pid" ] || usage
fi
find_gcscope

dir=$(mktemp -d "${TMPDIR:-/tmp}/gcscope-memory-growth.XXXXXX")
demo_pid=
cleanup()
{
    if [ -n "$demo_pid" ]; then
        kill "$demo_pid" 2>/dev/null || true
        wait "$demo_pid" 2>/dev/null || true
    fi
    if $keep; then
        echo "snapshots kept in $dir" >&2
    else
        rm -rf "$dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if $demo; then
    # The demo service caches every request and keeps every listener: a
    # steady leak of some 700 tracked bytes a request, even on a slow machine
    # more than the demo's threshold in a few seconds.
    interval=6
    $min_growth_given || { min_growth=256KB; min_growth_bytes=256000; }
    mkdir "$dir/demo"
    TMPDIR=$dir/demo "${PYTHON:-python3}" "$here/../demo/leaky_service.py" --rate 1000 \
        --gc-off-after -1 >"$dir/demo/log" 2>&1 &
    demo_pid=$!
    for _ in $(seq 100); do # up to 10 s to start
        grep -q "pid $demo_pid" "$dir/demo/log" 2>/dev/null && break
        kill -0 "$demo_pid" 2>/dev/null || { cat "$dir/demo/log" >&2; exit 15; }
        sleep 0.1
    done
    sleep 1
    echo "demo: leaky_service.py running as process $demo_pid"
    pid=$demo_pid
fi

runbook "$pid" "$dir"
