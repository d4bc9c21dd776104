#!/bin/sh
# lost_check.sh EPSCOPE POLLER: the lost-records path, provoked for real. The
# tracer records the poller's echo load with the smallest ring buffer (1 MiB)
# and is stopped (SIGSTOP) for two seconds while the load goes on, so the BPF
# side finds the ring full and counts drops. After SIGCONT the drops must come
# out as LOST records, be summed by the model (stat), and be reported by
# `record` itself; the trace stays complete and readable.
set -eu
epscope=$1 poller=$2
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; cat "$dir/record.err" "$dir/stat.txt" 2>/dev/null; exit 1; }

"$epscope" record --ring-mb 1 -o "$dir/t.trace" -- "$poller" --model basic --role both \
    --conns 16 --duration 5 >"$dir/poller.out" 2>"$dir/record.err" &
pid=$!
sleep 1.5
kill -STOP "$pid"
sleep 2
kill -CONT "$pid"
wait "$pid" || fail "epscope record failed"
pid=

# record's own summary: "N records (M lost) written to ..." with M > 0.
summary=$(grep "records (" "$dir/record.err") || fail "no summary line"
lost=$(echo "$summary" | sed -n 's/.*records (\([0-9]*\) lost).*/\1/p')
[ -n "$lost" ] && [ "$lost" -gt 0 ] || fail "record reported no lost records: $summary"

# The trace holds LOST records whose counts add up to the summary.
"$epscope" dump "$dir/t.trace" >"$dir/dump.txt" || fail "dump failed"
sum=$(awk '$2 == "lost" { for (i = 3; i <= NF; i++) if ($i ~ /^count=/) { sub("count=", "", $i); s += $i } } END { print s + 0 }' "$dir/dump.txt")
[ "$sum" = "$lost" ] || fail "LOST records add up to $sum, record said $lost"

# The model sums them too, and stat shows them.
"$epscope" stat "$dir/t.trace" >"$dir/stat.txt" || fail "stat failed"
"$epscope" stat --json "$dir/t.trace" >"$dir/stat.json" || fail "stat --json failed"
grep -q "\"lost\":$lost," "$dir/stat.json" || fail "stat --json does not say lost $lost"
grep -q "^lost records: $lost" "$dir/stat.txt" || fail "stat does not say lost records: $lost"
echo "lost_check: ok ($lost records lost while the tracer was stopped, all accounted for)"
