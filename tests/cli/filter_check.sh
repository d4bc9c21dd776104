#!/bin/sh
# filter_check.sh EPSCOPE TRACE: dump, export, stat and check select records
# as perf script does (issue 17): --pid, --tid, --fd, --instance, --kind,
# --from/--to in seconds or wall-clock time. The ids (ep#2) stay those of the
# unfiltered dump; stat's and check's state is built from every record.
# Also -T (wall-clock times) and stat's attach plan as doctor shows it.
# TRACE: a recorded 6.12 fentry trace (one process, two threads, ep#1 and ep#2).
set -eu
epscope=$1 trace=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
export TZ=UTC

"$epscope" dump "$trace" >"$dir/all.txt"
total=$(wc -l <"$dir/all.txt")
[ "$total" -gt 50 ] || fail "the trace has $total records"

# --kind: only those kinds, every one of them.
"$epscope" dump --kind callback,wakeup "$trace" >"$dir/kind.txt"
grep -E '^[0-9.]+ (callback|wakeup) ' "$dir/all.txt" | cmp -s - "$dir/kind.txt" ||
    fail "--kind callback,wakeup is not the callbacks and wakeups of the full dump"
# --tid and --pid: the header's thread and process.
grep ' tid=173 ' "$dir/all.txt" >"$dir/want.txt"
[ -s "$dir/want.txt" ] || fail "no record of thread 173"
"$epscope" dump --tid 173 "$trace" | cmp -s - "$dir/want.txt" || fail "--tid 173"
[ "$("$epscope" dump --pid 172 "$trace" | wc -l)" -eq "$total" ] || fail "--pid 172: not all"
[ "$("$epscope" dump --pid 999 "$trace" | wc -l)" -eq 0 ] || fail "--pid 999: not none"
# --instance: the lines of ep#2, with the ids of the unfiltered dump (its
# records come after ep#1's first ones: renumbering would call it ep#1).
grep -E ' ep=ep#2( |$)' "$dir/all.txt" >"$dir/want.txt"
[ -s "$dir/want.txt" ] || fail "no record of ep#2"
"$epscope" dump --instance ep#2 "$trace" | cmp -s - "$dir/want.txt" || fail "--instance ep#2"
raw=$("$epscope" dump --raw-addresses --kind instance_create "$trace" | sed -n '2s/.* ep=\(0x[0-9a-f]*\) .*/\1/p')
[ -n "$raw" ] || fail "no raw address for the second instance"
"$epscope" dump --instance "$raw" "$trace" | cmp -s - "$dir/want.txt" ||
    fail "--instance $raw (the address) is not ep#2"
# --fd: an item's fd or the instance's epfd.
grep -E ' (fd|epfd|tfd)=5( |$)' "$dir/all.txt" >"$dir/want.txt"
"$epscope" dump --fd 5 "$trace" | cmp -s - "$dir/want.txt" || fail "--fd 5"

# --from/--to in seconds after the first record.
first=$(head -1 "$dir/all.txt" | cut -d' ' -f1)
awk -v f="$first" '$1 >= f + 0.072 && $1 <= f + 0.08' "$dir/all.txt" >"$dir/want.txt"
[ -s "$dir/want.txt" ] && [ "$(wc -l <"$dir/want.txt")" -lt "$total" ] || fail "window 0.072-0.08 s"
"$epscope" dump --from 0.072 --to 0.08 "$trace" | cmp -s - "$dir/want.txt" || fail "--from 0.072 --to 0.08"
# ... and in wall-clock time, as dump -T prints it (time of day, or date and time).
"$epscope" dump -T "$trace" >"$dir/wall.txt"
[ "$(wc -l <"$dir/wall.txt")" -eq "$total" ] || fail "dump -T"
n=$(awk -v f="$first" '$1 < f + 0.1' "$dir/all.txt" | wc -l)
from=$(sed -n "$((n + 1))p" "$dir/wall.txt" | cut -d' ' -f1)
echo "$from" | grep -Eq '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}$' || fail "dump -T time: $from"
"$epscope" dump --from "$from" "$trace" | cmp -s - "$(tail -n +$((n + 1)) "$dir/all.txt" >"$dir/tail.txt"; echo "$dir/tail.txt")" ||
    fail "--from $from (wall clock) is not the records from the one printed at it"
date=$("$epscope" stat -T "$trace" | sed -n 's/.* from \([0-9-]*\)T.*/\1/p')
[ -n "$date" ] || fail "stat -T: no wall-clock start"
"$epscope" dump --from "${date}T$from" "$trace" | cmp -s - "$dir/tail.txt" ||
    fail "--from ${date}T$from"
# Bad bounds: one line, non-zero exit.
if "$epscope" dump --from yesterday "$trace" >/dev/null 2>"$dir/err"; then fail "--from yesterday"; fi
[ "$(wc -l <"$dir/err")" -le 2 ] && grep -q "not a time" "$dir/err" || fail "bad --from: $(cat "$dir/err")"
if "$epscope" dump --from 0.3 --to 0.1 "$trace" >/dev/null 2>"$dir/err"; then fail "--to before --from"; fi
grep -q "to must be later than --from" "$dir/err" || fail "--to before --from: $(cat "$dir/err")"

# export: the same selection and the same ids as dump --json.
"$epscope" dump --json --instance ep#2 --kind callback "$trace" >"$dir/want.jsonl"
"$epscope" export -f jsonl -o - --instance ep#2 --kind callback "$trace" >"$dir/got.jsonl" 2>/dev/null
cmp -s "$dir/want.jsonl" "$dir/got.jsonl" || fail "export --instance --kind differs from dump's"
[ "$(jq -r .ep "$dir/got.jsonl" | sort -u)" = "ep#2" ] || fail "export: not ep#2 alone"
"$epscope" export -f chrome-json -o "$dir/c.json" --kind callback "$trace" 2>/dev/null
[ "$(jq '[.traceEvents[] | select(.ph == "i")] | length' "$dir/c.json")" -eq \
    "$(grep -c '^[0-9.]* callback ' "$dir/all.txt")" ] || fail "chrome-json --kind callback"

# stat: --pid/--instance select rows; --from counts from there on, with the
# state (and percentiles) built from every record before it.
"$epscope" stat --json "$trace" >"$dir/full.json"
"$epscope" stat --json --instance ep#2 "$trace" >"$dir/one.json"
[ "$(jq -c '[.processes[].instances[].ep]' "$dir/one.json")" = '["ep#2"]' ] || fail "stat --instance"
[ "$(jq '.processes | length' "$(
    "$epscope" stat --json --pid 999 "$trace" >"$dir/none.json"
    echo "$dir/none.json"
)")" -eq 0 ] || fail "stat --pid 999 shows processes"
# From the first insert on (the instance exists, nothing counted yet): the same figures.
ins=$(grep -m1 ' item_insert ' "$dir/all.txt" | cut -d' ' -f1)
rel=$(awk -v a="$ins" -v f="$first" 'BEGIN { printf "%.9f", a - f }')
"$epscope" stat --json --from "$rel" "$trace" >"$dir/from.json"
q='[.processes[].instances[] | {ep, waits, harvests, deliveries, callbacks, latency_p50_ns, latency_p99_ns, wait_p50_ns, wait_p99_ns}]'
[ "$(jq -c "$q" "$dir/from.json")" = "$(jq -c "$q" "$dir/full.json")" ] ||
    fail "stat --from the first insert differs from the whole trace"
# Later windows: a wait is counted when it returns, a harvest when it ends.
for from in 0.075 0.2 0.39; do
    "$epscope" stat --json --from "$from" "$trace" >"$dir/w.json"
    for ep in ep#1 ep#2; do
        for pair in waits:wait_end harvests:harvest_end; do
            key=${pair%%:*} kind=${pair#*:}
            got=$(jq ".processes[].instances[] | select(.ep == \"$ep\") | .$key" "$dir/w.json")
            want=$("$epscope" dump --from "$from" --kind "$kind" --instance "$ep" "$trace" | wc -l)
            [ "$got" -eq "$want" ] || fail "stat --from $from: $ep $key $got, $want ${kind}s in the window"
        done
    done
done
[ "$(jq '[.processes[].instances[].waits] | add' "$dir/w.json")" -eq 0 ] || fail "stat --from 0.39 counts waits"
# Record-level criteria are dump's and export's: stat and check refuse them.
if "$epscope" stat --kind callback "$trace" >/dev/null 2>&1; then fail "stat --kind accepted"; fi

# check: the window (seconds or wall clock) and the findings of --pid/--instance.
"$epscope" check --json "$trace" >"$dir/chk.json" || [ $? -eq 3 ]
"$epscope" check --json --pid 999 "$trace" >"$dir/chk-none.json" ||
    fail "check --pid 999: findings of another process judged"
[ "$(jq '.findings | length' "$dir/chk-none.json")" -eq 0 ] || fail "check --pid 999 shows findings"
"$epscope" check --json --from "$from" "$trace" >"$dir/chk-wall.json" || [ $? -eq 3 ]
"$epscope" check --json --from 0.1 "$trace" >"$dir/chk-rel.json" || [ $? -eq 3 ]
cmp -s "$dir/chk-wall.json" "$dir/chk-rel.json" || fail "check --from wall clock != --from 0.1"
if "$epscope" check --from 0.3 --to 0.1 "$trace" >/dev/null 2>"$dir/err"; then fail "check --to < --from"; fi
grep -q "to must be later than --from" "$dir/err" || fail "check --to before --from: $(cat "$dir/err")"
# stat shows the trace's attach plan as doctor renders a plan, not its raw key/value lines.
"$epscope" stat "$trace" >"$dir/stat.txt"
grep -q '^attach plan (requested auto): backend fentry: ' "$dir/stat.txt" &&
    grep -q '^  callback  fentry      callback: fentry ep_poll_callback' "$dir/stat.txt" &&
    grep -q '^capability: full kernel hooks' "$dir/stat.txt" || fail "stat's attach plan: not doctor's"
! grep -Eq '^(backend_reason|hook|program|release_file_reports_items) ' "$dir/stat.txt" ||
    fail "stat prints the plan's raw key/value lines"
echo "filter_check: ok"
