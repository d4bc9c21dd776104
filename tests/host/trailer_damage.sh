#!/bin/sh
# trailer_damage.sh EPSCOPE EPOLL_SCRIPT: issue 10 item 9 on a real capture. A
# trace recorded on this machine gets one bit flipped in its trailer, then in
# its index: stat, dump and export still read every record (the chunks carry
# their own checksums and are found by scanning), say so in one warning line,
# and exit 2 (shown, but not whole), as for a cut-off file.
set -u
epscope=$1 script=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/err" 2>/dev/null; exit 1; }
"$epscope" record -o "$dir/t.trace" -- "$script" --log /dev/null 2>/dev/null || fail "record"
want=$("$epscope" dump "$dir/t.trace" | wc -l)
[ "$want" -gt 10 ] || fail "the capture has only $want records"
size=$(stat -c %s "$dir/t.trace")
# flip BYTE-OFFSET-FROM-END: one bit of the byte that many bytes before the end.
flip() {
    cp "$dir/t.trace" "$dir/d.trace"
    at=$((size - $1))
    b=$(od -An -tu1 -j "$at" -N1 "$dir/d.trace" | tr -d ' ')
    printf "$(printf '\\%03o' $((b ^ 4)))" |
        dd of="$dir/d.trace" bs=1 seek="$at" conv=notrunc 2>/dev/null
}
for where in "trailer 20" "index 40"; do
    set -- $where
    flip "$2"
    "$epscope" dump "$dir/d.trace" >"$dir/dump" 2>"$dir/err"; rc=$?
    [ "$rc" -eq 2 ] || fail "$1: dump exited $rc, not 2"
    [ "$(wc -l <"$dir/dump")" -eq "$want" ] || fail "$1: dump read $(wc -l <"$dir/dump") of $want records"
    [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "damaged" "$dir/err" ||
        fail "$1: dump did not say in one line that the index or trailer is damaged"
    "$epscope" stat --json "$dir/d.trace" >"$dir/stat" 2>"$dir/err"; rc=$?
    [ "$rc" -eq 2 ] || fail "$1: stat exited $rc, not 2"
    grep -q "\"records\":$want," "$dir/stat" || fail "$1: stat did not count $want records"
    "$epscope" export -f jsonl -o "$dir/x.jsonl" "$dir/d.trace" 2>"$dir/err"; rc=$?
    [ "$rc" -eq 2 ] || fail "$1: export exited $rc, not 2"
    [ "$(wc -l <"$dir/x.jsonl")" -eq "$want" ] || fail "$1: export wrote $(wc -l <"$dir/x.jsonl") records"
    rm -f "$dir/x.jsonl"
    echo "ok: a bit flipped in the $1: $want records read, said, exit 2"
done
