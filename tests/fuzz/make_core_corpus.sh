#!/bin/sh
# make_core_corpus.sh DIR [PYTHON...]: tiny cores of real Python processes,
# the seeds of tests/fuzz/fuzz_core and fuzz_core_graph. Each Python runs
# without site (-S -I), builds a small heap with a cycle, a class and a
# thread, and is cored with gdb's gcore while it sleeps. The cores name the
# interpreter's files on this machine: make the corpus where the fuzzers run.
set -eu
dir=$1
shift
[ $# -gt 0 ] || set -- python3
mkdir -p "$dir"
for py in "$@"; do
    ready=$(mktemp -u)
    "$py" -S -I -c "
import time
class Node:
    pass
a = Node(); b = Node(); a.other = b; b.other = a
d = {'k': [1, 2.5, 'text', (3, 4)], 'n': a}
del a, b
open('$ready', 'w').close()
time.sleep(60)
" &
    pid=$!
    while [ ! -e "$ready" ]; do sleep 0.05; done
    gcore -o "$dir/core" "$pid" >/dev/null 2>&1
    kill "$pid"
    rm -f "$ready"
    echo "$dir/core.$pid: $("$py" -c 'import sys; print(sys.version.split()[0])') $(stat -c %s "$dir/core.$pid") bytes"
done
