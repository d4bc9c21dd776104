#!/bin/bash
# bash completion in a real bash with Debian's bash-completion: `epscope <TAB>`
# offers every subcommand, `epscope record --b<TAB>` the option, `--backend <TAB>`
# its choices, `export -f <TAB>` the formats, and `record -- ech<TAB>` a command.
# Usage: completion_check.sh COMPLETION-SCRIPT EPSCOPE-BINARY
set -u
script=$1 bin=$2
[ -r /usr/share/bash-completion/bash_completion ] ||
    { echo "FAIL: /usr/share/bash-completion/bash_completion missing (scripts/setup installs bash-completion)"; exit 1; }
bindir=$(mktemp -d); trap 'rm -rf "$bindir"' EXIT
ln -s "$bin" "$bindir/epscope"

# Runs the completion for a command line (the last word is being completed) in
# an interactive-like bash that loaded bash-completion, then our script.
complete_line() {
    PATH="$bindir:$PATH" bash --norc --noprofile -c '
        source /usr/share/bash-completion/bash_completion
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _epscope epscope "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$script" "$@"
}

fail=0
expect() {  # expect "WHAT" WORDS... "::" EXPECTED...
    local what=$1; shift
    local words=() want=()
    while [ "$1" != "::" ]; do words+=("$1"); shift; done; shift
    want=("$@")
    local got; got=$(complete_line "${words[@]}")
    for w in "${want[@]}"; do
        if ! grep -qxF -- "$w" <<<"$got"; then
            echo "FAIL: $what: '${words[*]}<TAB>' does not offer '$w' (got: $(tr '\n' ' ' <<<"$got"))"
            fail=1
        fi
    done
    [ $fail -eq 0 ] && echo "ok: $what"
}

expect "subcommands" epscope "" :: doctor record live gui dump stat export
expect "subcommand prefix" epscope st :: stat
expect "options" epscope record --b :: --backend
expect "option choices" epscope record --backend "" :: auto fentry kprobe tracepoint
expect "export formats" epscope export -f "" :: perfetto jsonl csv
expect "command after --" epscope record -- ech :: echo
exit $fail
