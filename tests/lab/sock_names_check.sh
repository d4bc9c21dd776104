#!/bin/sh
# sock_names_check.sh KERNEL EPSCOPE POLLER: in the kernel lab, TCP items are
# named from what BPF read in struct sock at insert time (SOCK_NAME), with the
# fentry and the kprobe backend. The guest records the poller under
# connection churn (reconnecting every 4 requests) once per backend; on the
# host every TCP item of each trace must carry its endpoints, and each trace
# must hold SOCK_NAME records of that backend, one per TCP item at least.
set -eu
kernel=$1 epscope=$2 poller=$3
here=$(dirname "$0")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL ($kernel): $*"; tail -20 "$dir/lab.err" 2>/dev/null; exit 1; }
load="epscope-poller --model basic --role both --conns 8 --requests-per-conn 4 --duration 2"
"$here/run" --kernel "$kernel" --timeout 400 --out "$dir/out" \
    --bin "$epscope" --bin "$poller" -- sh -c "
        epscope record --backend fentry -o /out/fentry.trace -- $load &&
        epscope record --backend kprobe -o /out/kprobe.trace -- $load" \
    >"$dir/lab.out" 2>"$dir/lab.err" || fail "the lab run failed"
for backend in fentry kprobe; do
    trace=$dir/out/$backend.trace
    [ -s "$trace" ] || fail "no $backend trace"
    summary=$("$here/../host/fd_names_check.sh" "$epscope" "$trace") ||
        fail "$backend: $summary"
    tcp=$(echo "$summary" | sed -n 's/.* \([0-9]*\) TCP,.*/\1/p')
    socks=$("$epscope" dump "$trace" | grep -c " sock_name .* src=$backend .*name=\"TCP ") || true
    [ "$tcp" -gt 20 ] || fail "$backend: only $tcp TCP items"
    [ "$socks" -ge "$tcp" ] || fail "$backend: $socks SOCK_NAME records from $backend for $tcp TCP items"
    echo "$backend: $summary; $socks TCP names from BPF"
done
echo "sock_names_check: ok ($kernel)"
