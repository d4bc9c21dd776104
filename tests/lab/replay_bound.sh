#!/bin/sh
# replay_bound.sh KERNEL EPSCOPE POLLER MODEL_REPLAY
# The model's work stays linear on real traces: in the lab, the mpoller and
# basic loads are recorded without --verify, with the planner's backend
# (fentry) and with kprobes, several seconds each (such traces once made the
# model replay held-back records over and over: `epscope stat` spun for
# minutes). Back on the host, model_replay replays each trace and prints the
# model's work (records routed, replays of held-back records included, per
# record); it must stay under 3, and the replay must end within its timeout.
set -eu
kernel=$1 epscope=$2 poller=$3 replay=$4
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 900 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    ulimit -n 65536
    for b in auto kprobe; do
        epscope record --backend $b -o /out/mpoller-$b.trace -- epscope-poller --model mpoller \
            --pollers 4 --handlers 2 --role both --conns 32 --duration 6 --payload 128 \
            >/out/mpoller-$b.out 2>&1 || echo "mpoller $b failed" >>/out/failures
        epscope record --backend $b -o /out/basic-$b.trace -- epscope-poller --model basic \
            --threads 3 --shared-epoll --role both --conns 32 --duration 6 --payload 128 \
            >/out/basic-$b.out 2>&1 || echo "basic $b failed" >>/out/failures
    done
    true'
failed=0
if [ -s "$out/failures" ]; then
    cat "$out/failures"
    failed=1
fi
for t in "$out"/*.trace; do
    name=$(basename "$t" .trace)
    if ! report=$(timeout 300 "$replay" --trace "$t" --passes 1); then
        echo "FAIL $kernel $name: model_replay failed or took over 300 s"
        failed=1
        continue
    fi
    records=$(echo "$report" | sed -n 's/^model_replay: .*, \([0-9]*\) records.*/\1/p')
    work=$(echo "$report" | sed -n 's/^ *model work *\([0-9.]*\) routed per record/\1/p')
    echo "$kernel $name: $records records, $work routed per record"
    if [ -z "$work" ] || [ "${records:-0}" -lt 1000 ] ||
        ! awk -v w="$work" 'BEGIN { exit !(w <= 3) }'; then
        echo "FAIL $kernel $name: model work $work per record (bound 3), $records records"
        failed=1
    fi
done
[ "$(ls "$out"/*.trace | wc -l)" -eq 4 ] || { echo "FAIL: expected 4 traces"; failed=1; }
exit $failed
