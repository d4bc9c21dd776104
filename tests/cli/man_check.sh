#!/bin/bash
# `cmake --install` puts epscope(1) and one page per subcommand where man finds
# them, with the subcommand's options and its Examples section, and the bash
# completion file. Usage: man_check.sh CMAKE BUILD-DIR
set -u
cmake=$1 build=$2
prefix=$(mktemp -d); trap 'rm -rf "$prefix"' EXIT
"$cmake" --install "$build" --prefix "$prefix" >/dev/null ||
    { echo "FAIL: cmake --install failed"; exit 1; }
fail=0
for page in epscope epscope-doctor epscope-record epscope-live epscope-gui epscope-dump \
            epscope-stat epscope-check epscope-export; do
    f=$prefix/share/man/man1/$page.1
    if [ ! -s "$f" ]; then echo "FAIL: $f not installed"; fail=1; continue; fi
    text=$(MANWIDTH=100 man -l "$f" 2>/dev/null)
    grep -q "^NAME" <<<"$text" && grep -qi "^ *Examples" <<<"$text" ||
        { echo "FAIL: $page.1 lacks NAME or Examples"; fail=1; continue; }
    # The NAME line names the page itself (epscope-record, not epscope).
    grep -A1 "^NAME" <<<"$text" | grep -qE "^ *$page +- " ||
        { echo "FAIL: $page.1's NAME line is '$(grep -A1 '^NAME' <<<"$text" | tail -1)'"; fail=1; continue; }
    echo "ok: $page.1"
done
grep -q -- "--verify" <<<"$(man -l "$prefix/share/man/man1/epscope-record.1" 2>/dev/null)" ||
    { echo "FAIL: epscope-record.1 does not list --verify"; fail=1; }
# Help text is capitalised the same way in both programs: every option's
# description (after the option, or on its own indented line) starts with a
# capital letter, in epscope, each subcommand and epscope-gui.
helps() {
    local e=$build/tracer/cli/epscope g=$build/gui/epscope-gui
    "$e" --help
    for sub in doctor record live gui dump stat check export; do "$e" $sub --help; done
    [ -x "$g" ] && "$g" --help
}
lower=$(helps | awk '
    /^                              [^ ]/ { d = $0; sub(/^ +/, "", d) }
    /^  [^ ]/ { rest = substr($0, 3); if (match(rest, /   +/)) d = substr(rest, RSTART + RLENGTH); else next }
    d != "" && d ~ /^[a-z]/ { print d }
    { d = "" }' | head -n 5)
[ -z "$lower" ] || { echo "FAIL: help text not capitalised:"; echo "$lower"; fail=1; }
[ -r "$prefix/share/bash-completion/completions/epscope" ] ||
    { echo "FAIL: bash completion not installed"; fail=1; }
exit $fail
