#!/bin/sh
# stat_check.sh EPSCOPE EPOLL_SCRIPT: `epscope stat` on a recorded run of
# epoll-script reports its process, both instances and their waits (4 on the
# first, 1 on the second), in text and in JSON.
set -eu
epscope=$1 script=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$epscope" record -o "$dir/t.trace" -- "$script" --log "$dir/s.log" 2>/dev/null
"$epscope" stat "$dir/t.trace" >"$dir/stat.txt"
"$epscope" stat --json "$dir/t.trace" >"$dir/stat.json"
fail() { echo "FAIL: $*"; cat "$dir/stat.txt" "$dir/stat.json"; exit 1; }
grep -q "^process [0-9]* epoll-script" "$dir/stat.txt" || fail "no process line"
[ "$(grep -c '^  ep#' "$dir/stat.txt")" -eq 2 ] || fail "expected 2 instances"
grep -q '"comm":"epoll-script"' "$dir/stat.json" || fail "no comm in JSON"
grep -q '"waits":4,' "$dir/stat.json" || fail "first instance should have 4 waits"
grep -q '"waits":1,' "$dir/stat.json" || fail "second instance should have 1 wait"
grep -q '"lost":0,' "$dir/stat.json" || fail "lost records"
echo "stat_check: ok"
