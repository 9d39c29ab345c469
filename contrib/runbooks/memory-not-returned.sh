#!/usr/bin/env bash
# memory-not-returned.sh: runbook "the process is big and does not give the
# memory back".
#
#   memory-not-returned.sh [--interval SECONDS] [--max-fragmented SIZE]
#                          [--min-growth SIZE] [--keep] PID
#   memory-not-returned.sh --demo
#
# Two questions, answered from outside with one short pause of the CPython
# process PID per snapshot: where does its resident memory go (Python
# objects, their buffers, pymalloc's free space, stacks, libraries, the
# unexplained rest), and why memory it freed still counts in its RSS
# (pymalloc arenas kept by the few blocks still in use in them, and the
# objects that pin them). When the process runs with tracemalloc
# (PYTHONTRACEMALLOC=5 or -X tracemalloc=5), two snapshots INTERVAL seconds
# apart (default 60) also show which line of code allocates what grows.
# Every report after a snapshot reads the snapshot file, not the process.
#
# --demo starts contrib/demo/leaky_service.py (with $PYTHON, default
# python3) under tracemalloc, with a start-up batch whose samples fragment
# pymalloc's arenas, runs the runbook against it with an interval of 6 s
# (and, unless given, SIZEs of 4MB and 256KB), and ends it.
#
# Exit status: 0 less than --max-fragmented SIZE (default 64MB) is held in
# fragmented arenas and the traced memory grew by less than --min-growth
# SIZE (default 1MB; not judged without tracemalloc); 1 either holds (the
# reports above say where); 2 bad arguments; any other value: the gcscope
# step that failed, with its exit code (gcscope --help lists them).
#
# Environment: GCSCOPE (the gcscope binary; default: gcscope on PATH, else the
# one built at the top of this source tree), PYTHON (for --demo).
set -euo pipefail

prog=memory-not-returned.sh
here=$(cd "$(dirname "$0")" && pwd)

usage()
{
    echo "usage: $prog [--interval SECONDS] [--max-fragmented SIZE] [--min-growth SIZE] [--keep] PID" >&2
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

# One number of a snapshot: the value of a gcscope --format prometheus gauge
# (empty when the snapshot does not have it).
metric()
{
    "$GCSCOPE" "$1" --format prometheus | awk -v m="$2" 'index($0, m "{") == 1 || index($0, m " ") == 1 { print $NF }'
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
    local pid=$1 dir=$2 rc=0 found=0
    local before=$dir/before.snapshot after=$dir/after.snapshot

    step "1. Where the resident memory of process $pid goes"
    run -p "$pid" --save "$before" --dump-memory --top 5

    step "2. pymalloc's arenas (mimalloc's pages on a free-threaded build): free space, and what a few live blocks keep from the system"
    run "$before" --dump-pymalloc --top 3

    step "3. Which lines allocated the memory (tracemalloc's tables, read from the snapshot)"
    run "$before" --dump-allocations --top 5
    local tracing
    tracing=$("$GCSCOPE" "$before" --dump-allocations --json | grep -c '"status": *"tracing"' || true)

    if [ "$tracing" -gt 0 ]; then
        step "4. Waiting $interval s, a second snapshot, and the allocation lines that grew"
        sleep "$interval"
        run -p "$pid" --save "$after" --dump-allocations --top 3
        run "$after" --diff "$before" --top 5
    else
        step "4. Growth by allocation line: skipped"
        echo "the process does not run with tracemalloc: start it with PYTHONTRACEMALLOC=5"
        echo "(or -X tracemalloc=5) to see which line allocates what grows"
        after=$before
    fi

    step "5. Verdict"
    local frag t0 t1
    frag=$(metric "$after" gcscope_pymalloc_fragmented_bytes)
    echo "fragmented arenas (mimalloc pages on a free-threaded build) hold ${frag:-0} bytes"
    run "$after" --check "fragmented_bytes < $max_fragmented_bytes" || rc=$?
    case $rc in
    0) ;;
    1)
        found=1
        echo "memory not returned to the system: pymalloc keeps arenas (mimalloc, on a"
        echo "free-threaded build, pages) in which a few blocks live (step 2 lists them"
        echo "and the objects that pin them). Keep"
        echo "long-lived small objects apart from short-lived ones, or copy the"
        echo "survivors so that the old arenas empty."
        ;;
    *) return "$rc" ;;
    esac
    if [ "$tracing" -gt 0 ]; then
        t0=$(metric "$before" gcscope_traced_bytes)
        t1=$(metric "$after" gcscope_traced_bytes)
        echo "traced memory: $t0 bytes, then $t1 bytes $interval s later"
        rc=0
        run "$after" --check "traced_bytes < $((t0 + min_growth_bytes))" || rc=$?
        case $rc in
        0) ;;
        1)
            found=1
            echo "the traced memory grew by $((t1 - t0)) bytes in $interval s: the lines at the"
            echo "top of step 4 allocate what grows ('gcscope SNAPSHOT --dump-allocation-tracebacks'"
            echo "names their callers; --keep keeps the snapshots)."
            ;;
        *) return "$rc" ;;
        esac
    fi
    [ "$found" -eq 1 ] || echo "no fragmented arenas above $max_fragmented and no growth of $min_growth or more"
    return "$found"
}

# --- command line --------------------------------------------------------------

interval=60
max_fragmented=64MB
min_growth=1MB
max_given=false
growth_given=false
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
    --max-fragmented)
        [ $# -ge 2 ] || usage
        max_fragmented=$2
        max_given=true
        shift 2
        ;;
    --min-growth)
        [ $# -ge 2 ] || usage
        min_growth=$2
        growth_given=true
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
if $demo; then
    [ -z "$pid" ] || usage
    interval=6
    $max_given || max_fragmented=4MB
    $growth_given || min_growth=256KB
else
    [ -n "$pid" ] || usage
fi
max_fragmented_bytes=$(to_bytes "$max_fragmented") ||
    { echo "$prog: --max-fragmented takes a whole size such as 500KB, 64MB or 1GiB" >&2; exit 2; }
min_growth_bytes=$(to_bytes "$min_growth") ||
    { echo "$prog: --min-growth takes a whole size such as 500KB, 2MB or 1MiB" >&2; exit 2; }
find_gcscope

dir=$(mktemp -d "${TMPDIR:-/tmp}/gcscope-memory-not-returned.XXXXXX")
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
    # The demo service under tracemalloc: it caches every request and keeps
    # every listener (a steady leak on a few lines), and its start-up batch
    # of 200,000 small rows keeps one in 64 (some 20 fragmented arenas); it
    # prints its pid once the batch is done.
    mkdir "$dir/demo"
    TMPDIR=$dir/demo PYTHONTRACEMALLOC=5 "${PYTHON:-python3}" "$here/../demo/leaky_service.py" --rate 1000 \
        --gc-off-after -1 --batch-rows 200000 >"$dir/demo/log" 2>&1 &
    demo_pid=$!
    for _ in $(seq 300); do # up to 30 s to start (tracemalloc slows the batch)
        grep -q "pid $demo_pid" "$dir/demo/log" 2>/dev/null && break
        kill -0 "$demo_pid" 2>/dev/null || { cat "$dir/demo/log" >&2; exit 15; }
        sleep 0.1
    done
    sleep 1
    echo "demo: leaky_service.py running as process $demo_pid under tracemalloc"
    pid=$demo_pid
fi

runbook "$pid" "$dir"
