#!/bin/sh
# sanitize.sh: the adversarial suite under AddressSanitizer and
# UndefinedBehaviorSanitizer (make check-sanitize; .ci/run calls it).
#
# Builds a second gcscope with -fsanitize=address,undefined in its own copy
# of the source (automake will not build out of tree next to an in-tree
# build), then runs the unit tests, the damaged-memory targets, the file
# safety cases and the kill trials against it. Not resident_copy.py: it
# measures gcscope's own memory and a 100 GiB reservation, which ASan's
# shadow and quarantine distort (an 800 MB peak, a shadow the size of the
# node index). Any
# sanitizer report makes gcscope exit 99, which every one of those tests
# counts as a failure. SANITIZE_PYTHONS narrows the interpreters (gstest's
# GSTEST_PYTHONS syntax; default: all of them); SANITIZE_DIR keeps the build.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${SANITIZE_DIR:-${TMPDIR:-/tmp}/gcscope-sanitize}
mkdir -p "$dir"
# Only the files git knows: no build products of the main tree.
(cd "$src" && git ls-files -z | tar --null -T - -cf -) | (cd "$dir" && tar -xf -)
cd "$dir"
if [ ! -f Makefile ] || [ configure.ac -nt Makefile ] || [ Makefile.am -nt Makefile ]; then
    autoreconf -fi >/dev/null 2>&1
    ./configure CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
        LDFLAGS="-fsanitize=address,undefined" >/dev/null
fi
nice make -j2 >/dev/null
ASAN_OPTIONS=detect_leaks=0:exitcode=99:abort_on_error=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
export ASAN_OPTIONS UBSAN_OPTIONS
if [ -n "${SANITIZE_PYTHONS:-}" ]; then
    GSTEST_PYTHONS=$SANITIZE_PYTHONS
    export GSTEST_PYTHONS
fi
status=0
nice make -j2 check TESTS="tests/unit/test_reader tests/unit/test_snapfile tests/unit/test_heap tests/unit/test_stacks \
    tests/integration/adversarial.py tests/integration/save_safety.py tests/integration/attach_safety.py" ATTACH_SAFETY_TRIALS="${SANITIZE_KILL_TRIALS:-60}" || status=$?
if [ $status -ne 0 ]; then
    for log in $(find tests -name '*.log' ! -name test-suite.log); do
        if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
            echo "===== sanitize: $log"
            tail -n 40 "$log"
        fi
    done
fi
echo "sanitize: $(grep -h '^:test-result: PASS' $(find tests -name '*.trs') 2>/dev/null | wc -l) passed," \
    "$(grep -hE '^:test-result: (FAIL|ERROR)' $(find tests -name '*.trs') 2>/dev/null | wc -l) failed"
exit $status
