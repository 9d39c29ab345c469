#!/bin/sh
# make-snapshots.sh: (re)make the snapshot tier's committed files.
#
#   tests/snapshots/make-snapshots.sh GCSCOPE [LABEL=PYTHON ...]
#
# For each LABEL=PYTHON (default: 3.12 from pyenv, Debian's static 3.11 and
# 3.8 from pyenv), runs tier_target.py under PYTHON -S -I, saves its
# snapshot with GCSCOPE --save, compresses it to tier-LABEL.snapshot.xz,
# then writes the expected outputs (run.py --regen). Run it when the
# snapshot format changes, or when a report's output changes on purpose:
# then read `git diff tests/snapshots/expected` before committing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gcscope=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
pyenv=${PYENV_ROOT:-$HOME/.pyenv}
[ $# -gt 0 ] || set -- 3.12="$(ls -d "$pyenv"/versions/3.12*/bin/python3 | head -n1)" \
    debian-3.11=/usr/bin/python3.11 3.8="$(ls -d "$pyenv"/versions/3.8*/bin/python3 | head -n1)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for pair in "$@"; do
    label=${pair%%=*}
    python=${pair#*=}
    dir="$work/$label"
    mkdir -p "$dir"
    GSTEST_DIR="$dir" GSTEST_READY="$dir/ready" \
        "$gcscope" --after 2 --save "$dir/tier.snapshot" --dump-types -- "$python" -S -I "$here/tier_target.py" >/dev/null
    xz -9 -c "$dir/tier.snapshot" >"$here/tier-$label.snapshot.xz"
    echo "tier-$label.snapshot.xz: $(wc -c <"$here/tier-$label.snapshot.xz") bytes"
done
GCSCOPE="$gcscope" python3 "$here/run.py" --regen
