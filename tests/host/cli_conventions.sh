#!/bin/sh
# cli_conventions.sh EPSCOPE EPOLL_SCRIPT: the command line behaves as perf's
# and strace's do (issue 17): -p takes comma lists, -a is --all, record, live
# and gui take one set of capture options, and "-" is standard output for
# export -o and dump -o (a file given to dump -o is written whole, as export's).
set -eu
epscope=$1 script=$2
dir=$(mktemp -d)
pids=
trap 'kill $pids 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Two processes with epoll instances, paused: -p A,B traces both.
for n in 1 2; do
    mkfifo "$dir/ready$n"
    "$script" --log /dev/null --pause 2500 >"$dir/ready$n" &
    pids="$pids $!"
    read -r line <"$dir/ready$n"
    [ "$line" = ready ] || fail "epoll-script $n did not start"
done
set -- $pids
"$epscope" record -p "$1,$2" -d 0.5 -o "$dir/two.trace" 2>"$dir/rec.err" || fail "record -p A,B"
"$epscope" stat --json "$dir/two.trace" >"$dir/two.json"
for p in "$1" "$2"; do
    grep -q "\"tgid\":$p," "$dir/two.json" || fail "-p $1,$2: process $p not in the trace"
done

# -a is --all (record and live alike), and excludes -p.
"$epscope" record -a -d 0.3 -o "$dir/all.trace" 2>"$dir/all.err" || fail "record -a"
"$epscope" live -a -d 0.3 --ring-mb 8 -i 0.1 >"$dir/live.out" 2>"$dir/live.err" ||
    fail "live -a --ring-mb"
if "$epscope" record -a -p 1 -o "$dir/x.trace" 2>/dev/null; then fail "-a with -p accepted"; fi

# One set of capture options: every one of them in record's, live's and gui's help.
for opt in -p,--pid -a,--all -u,--user -d,--duration --backend --ring-mb -v,--verbose \
    --verify --verify-interval --no-children --follow-exit; do
    for cmd in record live gui; do
        "$epscope" "$cmd" --help | grep -q -- "^  $opt" || fail "$cmd lacks $opt"
    done
done

# "-" is standard output; dump -o FILE is the same text, written whole.
"$epscope" export -f jsonl -o - "$dir/two.trace" >"$dir/stdout.jsonl" 2>/dev/null
"$epscope" export -f jsonl -o "$dir/file.jsonl" "$dir/two.trace" 2>/dev/null
cmp -s "$dir/stdout.jsonl" "$dir/file.jsonl" || fail "export -o - differs from export -o FILE"
[ ! -e ./- ] || fail "export -o - wrote a file named -"
"$epscope" dump "$dir/two.trace" >"$dir/dump.stdout"
"$epscope" dump -o "$dir/dump.txt" "$dir/two.trace"
cmp -s "$dir/dump.stdout" "$dir/dump.txt" || fail "dump -o FILE differs from dump's stdout"
[ -s "$dir/dump.txt" ] || fail "dump -o wrote nothing"
"$epscope" dump -o "$dir/dump.txt" "$dir/two.trace" 2>"$dir/kept.err"
[ -e "$dir/dump.txt.old" ] && grep -q "dump.txt.old" "$dir/kept.err" ||
    fail "dump -o over an existing file did not keep it as FILE.old"
# Perfetto's binary trace is not written to a terminal (a pty from script(1)).
script -qec "$epscope export -f perfetto -o - $dir/two.trace" /dev/null >"$dir/tty.out" 2>&1 &&
    fail "binary trace written to a terminal"
grep -q "not written to a terminal" "$dir/tty.out" || fail "no clear line for a terminal"
"$epscope" export -f perfetto -o - "$dir/two.trace" 2>/dev/null | wc -c >"$dir/pf.size"
[ "$(cat "$dir/pf.size")" -gt 100 ] || fail "perfetto to a pipe wrote nothing"
echo "cli_conventions: ok"
