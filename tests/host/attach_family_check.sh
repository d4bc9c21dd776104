#!/bin/sh
# attach_family_check.sh EPSCOPE EPOLL_FAMILY: `epscope record -p` on
# processes shaped like real servers (tracepoint backend, as this host allows).
# 1. Four epoll instances in one process (one busy, one empty, two idle):
#    stat shows each on its own row with its epfd.
# 2. An nginx-style master with two workers: -p MASTER follows the workers
#    (their instances and items are in the trace); --no-children records the
#    master alone, and record and stat say there was no epoll activity.
set -eu
epscope=$1 family=$2
dir=$(mktemp -d)
pid= w1= w2=
trap 'kill $pid $w1 $w2 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err "$dir"/*.out; do echo "== $f"; tail -30 "$f"; done; exit 1; }

mkfifo "$dir/ready"
"$family" instances 20 >"$dir/ready" &
pid=$!
read -r word a b c d <"$dir/ready"
[ "$word" = ready ] || fail "epoll-family did not start"
"$epscope" record --backend tracepoint -p "$pid" -d 1.5 -o "$dir/i.trace" 2>"$dir/i-record.err" ||
    fail "record -p"
"$epscope" stat --json "$dir/i.trace" >"$dir/i-stat.out" 2>"$dir/i-stat.err" || fail "stat"
for fd in "$a" "$b" "$c" "$d"; do
    grep -q "\"epfds\":\\[$fd\\]" "$dir/i-stat.out" || fail "stat has no row for epfd $fd"
done
rows=$(grep -o '"epfds":' "$dir/i-stat.out" | wc -l)
[ "$rows" -eq 4 ] || fail "stat shows $rows instances, the process has 4"
kill "$pid"
pid=

rm "$dir/ready"
mkfifo "$dir/ready"
"$family" master 2 20 >"$dir/ready" &
pid=$!
read -r word w1 w2 <"$dir/ready"
[ "$word" = ready ] || fail "epoll-family master did not start"
"$epscope" record --backend tracepoint -p "$pid" -d 1.5 -o "$dir/m.trace" 2>"$dir/m-record.err" ||
    fail "record -p MASTER"
grep -q "followed 2 processes already started by -p" "$dir/m-record.err" ||
    fail "record did not say it followed the workers"
"$epscope" stat --json "$dir/m.trace" >"$dir/m-stat.out" 2>"$dir/m-stat.err" || fail "stat"
for w in "$w1" "$w2"; do
    grep -Eq "\"tgid\":$w,\"comm\":\"[^\"]*\",\"instances\":\\[\\{\"ep\":\"[^\"]*\",\"epfds\":\\[[0-9]+\\],\"items\":1," \
        "$dir/m-stat.out" || fail "worker $w's instance and item are not in the trace"
done
"$epscope" record --backend tracepoint --no-children -p "$pid" -d 1 -o "$dir/n.trace" \
    2>"$dir/n-record.err" || fail "record --no-children"
grep -q "no epoll activity" "$dir/n-record.err" || fail "record did not say it saw no epoll activity"
"$epscope" stat "$dir/n.trace" >"$dir/n-stat.out" 2>"$dir/n-stat.err" || fail "stat"
grep -q "no epoll activity" "$dir/n-stat.out" || fail "stat did not say there was no epoll activity"
echo "attach_family_check: ok"
