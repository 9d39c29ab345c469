#!/usr/bin/env bash
# cyclic-garbage.sh: runbook "is there cyclic garbage, and is the collector off?"
#
#   cyclic-garbage.sh [--max-garbage SIZE] [--keep] PID
#   cyclic-garbage.sh --demo
#
# Reference cycles (a Session that points to its Connections, which point
# back) are freed only by CPython's cyclic garbage collector. When a program
# calls gc.disable() (often "for latency"), raises the thresholds very high,
# or keeps gc.DEBUG_SAVEALL on, that garbage piles up. This takes one
# snapshot of the CPython process PID (one pause of a few milliseconds) and
# shows, from it: the collector's state, how much cyclic garbage there is by
# CPython's own rule (what the next gc.collect() would free), and the shapes
# of the garbage cycles with one loop each, so the code that builds them can
# be found.
#
# --demo starts contrib/demo/leaky_service.py (with $PYTHON, default
# python3), which disables its collector after a second, lets garbage pile
# up, runs the runbook against it, and ends it.
#
# Exit status: 0 the collector is enabled and there is less than SIZE of
# cyclic garbage (default 10MB); 1 the collector is disabled or there is
# more (the reports above say what); 2 bad arguments; any other value: the
# gcscope step that failed, with its exit code (gcscope --help lists them).
#
# Environment: GCSCOPE (the gcscope binary; default: gcscope on PATH, else the
# one built at the top of this source tree), PYTHON (for --demo).
set -euo pipefail

prog=cyclic-garbage.sh
here=$(cd "$(dirname "$0")" && pwd)

usage()
{
    echo "usage: $prog [--max-garbage SIZE] [--keep] PID" >&2
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

# --- the runbook -------------------------------------------------------------

runbook()
{
    local pid=$1 dir=$2 rc=0
    local snap=$dir/gc.snapshot

    step "1. One snapshot, and the two questions as checks (each failed one is printed)"
    # --check exits 1 when one fails: that is an answer here, not an error.
    run -p "$pid" --save "$snap" --check gc_enabled --check "garbage_bytes < $max_garbage" || rc=$?
    [ "$rc" -le 1 ] || return "$rc"

    step "2. The numbers"
    local enabled gobjects gbytes gcycles cycles
    enabled=$(metric "$snap" gcscope_gc_enabled)
    gobjects=$(metric "$snap" gcscope_garbage_objects)
    gbytes=$(metric "$snap" gcscope_garbage_bytes)
    gcycles=$(metric "$snap" gcscope_garbage_cycles)
    cycles=$(metric "$snap" gcscope_cycles)
    if [ "$enabled" = 1 ]; then
        echo "collector: enabled"
    else
        echo "collector: DISABLED (gc.disable() was called, or gc.isenabled() is False)"
    fi
    echo "cyclic garbage: $gobjects objects, $gbytes bytes, in $gcycles of the $cycles reference cycles"

    step "3. The garbage cycles by shape, each with one loop (the references that close it)"
    run "$snap" --dump-cycles --top 5

    step "4. Verdict"
    if [ "$rc" -eq 0 ]; then
        echo "the collector is on and less than $max_garbage of cyclic garbage waits for it"
        return 0
    fi
    if [ "$enabled" != 1 ]; then
        echo "the collector is disabled: cyclic garbage is never freed. Find the call:"
        echo "    grep -rn -e 'gc.disable' -e 'gc.set_threshold(0' YOUR_CODE"
        echo "and remove it, or call gc.collect() at quiet moments (gc.freeze() after start-up"
        echo "is the latency fix that keeps the collector on)."
    fi
    if [ "$gbytes" -ge "$max_garbage_bytes" ]; then
        echo "$gbytes bytes of cyclic garbage: the loops in step 3 show the references that"
        echo "close each cycle; break one with a weakref (weakref.ref, WeakValueDictionary)"
        echo "or clear it when the object is done (close(), __exit__)."
    fi
    return 1
}

# "10MB" -> 10000000, with gcscope's units (KB = 1000, KiB = 1024, ...).
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

# --- command line --------------------------------------------------------------

max_garbage=10MB
keep=false
demo=false
pid=
while [ $# -gt 0 ]; do
    case $1 in
    --max-garbage)
        [ $# -ge 2 ] || usage
        max_garbage=$2
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
max_garbage_bytes=$(to_bytes "$max_garbage") ||
    { echo "$prog: --max-garbage takes a whole size such as 500KB, 10MB or 1GiB" >&2; exit 2; }
if $demo; then
    [ -z "$pid" ] || usage
else
    [ -n "$pid" ] || usage
fi
find_gcscope

dir=$(mktemp -d "${TMPDIR:-/tmp}/gcscope-cyclic-garbage.XXXXXX")
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
    # Every request of the demo leaves a Session <-> Connection cycle behind
    # (every fifth with a __del__); it turns its collector off after 1 s.
    mkdir "$dir/demo"
    TMPDIR=$dir/demo "${PYTHON:-python3}" "$here/../demo/leaky_service.py" --rate 500 \
        --gc-off-after 1 >"$dir/demo/log" 2>&1 &
    demo_pid=$!
    for _ in $(seq 300); do # up to 30 s to switch the collector off
        kill -0 "$demo_pid" 2>/dev/null || { cat "$dir/demo/log" >&2; exit 15; }
        grep -q "gc.disable()" "$dir/demo/log" && break
        sleep 0.1
    done
    sleep 3 # let garbage pile up
    echo "demo: leaky_service.py running as process $demo_pid, its collector off"
    pid=$demo_pid
fi

runbook "$pid" "$dir"
