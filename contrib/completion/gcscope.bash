# bash completion for gcscope                                -*- shell-script -*-
#
# Installed by `make install` into bash-completion's directory
# ($(datadir)/bash-completion/completions/gcscope), where it is loaded the
# first time gcscope is completed. To try it by hand:
#     . contrib/completion/gcscope.bash
#
# Completes the options (read from `gcscope --help`), the pids of running
# Python processes after -p (gcscope reads CPython 3.8 to 3.15, GIL builds,
# and the debug builds of 3.11, 3.14 and 3.15: python3.14d, libpython3.14d.so;
# a process in a container or a chroot shows its own path), snapshot files as the
# source and after --diff, file names after --save and -o, the values of
# --format, the names --check knows, and after `--` the program to start and
# its own arguments.

# Pids of the processes whose program looks like a CPython: its argv[0] or
# its executable is python, python3, python3.11, ... Reads /proc directly,
# so it needs no procps; processes of other users are listed too (gcscope
# will say if it may not trace them).
_gcscope_python_pids()
{
    local dir pid exe arg0
    for dir in /proc/[0-9]*; do
        pid=${dir#/proc/}
        exe=$(readlink "$dir/exe" 2>/dev/null) || exe=
        arg0=
        if [[ -r $dir/cmdline ]]; then
            IFS= read -r -d '' arg0 <"$dir/cmdline" 2>/dev/null || true
        fi
        case ${exe##*/}/${arg0##*/} in
        */python | */python[0-9]* | python/* | python[0-9]*/*)
            printf '%s\n' "$pid"
            ;;
        esac
    done
}

# The options `gcscope --help` lists: "-p, --pid PID" gives -p and --pid.
_gcscope_options()
{
    local cmd=${1:-gcscope}
    [[ $cmd == */* || -n $(type -P "$cmd") ]] || cmd=gcscope
    "$cmd" --help 2>/dev/null | sed -nE 's/^ +(-[a-zA-Z]), (--[a-z][a-z-]*).*/\1 \2/p; s/^ +(--[a-z][a-z-]*).*/\1/p'
}

_gcscope()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    # After `--`: the program to start and its arguments.
    local i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} == -- ]]; then
            if declare -F _command_offset >/dev/null 2>&1; then
                _command_offset $((i + 1))
            elif ((cword == i + 1)); then
                mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            fi
            return
        fi
    done

    case $prev in
    -p | --pid)
        mapfile -t COMPREPLY < <(compgen -W "$(_gcscope_python_pids)" -- "$cur")
        return
        ;;
    --diff)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
        return
        ;;
    --save | -o | --output | --core | --exe)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
        return
        ;;
    --sysroot)
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        compopt -o filenames 2>/dev/null
        return
        ;;
    --format)
        mapfile -t COMPREPLY < <(compgen -W "text json prometheus" -- "$cur")
        return
        ;;
    --check)
        # The start of an expression: the names and functions (docs/checks.md).
        mapfile -t COMPREPLY < <(compgen -W "objects bytes garbage_objects garbage_bytes cycles
            garbage_cycles open_files open_sockets fds unowned_fds threads gc_enabled
            count( bytes( retained( not" -- "$cur")
        compopt -o nospace 2>/dev/null
        return
        ;;
    --referrers | --path | --top | --timeout | --after | --max-capture | --debug-hold)
        return # a value to type: an address, a number, a size
        ;;
    esac

    if [[ $cur == -* ]]; then
        # The options come from the program's own --help, which is made from
        # its option and report tables: a new report completes without an
        # edit here.
        local opts
        opts="$(_gcscope_options "${words[0]}") --"
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return
    fi

    # A bare word: the snapshot FILE to read.
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    compopt -o filenames 2>/dev/null
} && complete -F _gcscope gcscope

# ex: filetype=sh
