#!/bin/sh
# exit_removals.sh KERNEL EPSCOPE POLLER
# Issue 11.2: processes that _exit() with items registered, the epoll fd above its targets
# (torn down first: its items outlive ep_clear_and_put and go in eventpoll_release_file)
# and below them (epscope-poller --scenario exit-with-items), recorded with fentry (with and
# without --verify) and kprobes on a stock kernel. Back on the host, per trace: every item
# inserted is removed with reason file close (5.10: or teardown, see below) before its
# instance is freed, and every instance is freed.
set -eu
kernel=$1 epscope=$2 poller=$3
lab=$(dirname "$0")/run
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$lab" --kernel "$kernel" --timeout 300 --out "$out" --bin "$epscope" --bin "$poller" -- sh -c '
    for b in fentry kprobe; do
        epscope record --backend $b -o /out/$b.trace -- epscope-poller --scenario exit-with-items \
            >/out/$b.out 2>&1 || echo "$b failed" >>/out/failures
    done
    epscope record --verify -o /out/verify.trace -- epscope-poller --scenario exit-with-items \
        >/out/verify.out 2>&1 || echo "verify failed" >>/out/failures
    true'
if [ -s "$out/failures" ]; then
    cat "$out/failures" "$out"/*.out
    exit 1
fi
# Up to 5.10 ep_free() removes every item itself (no reference count keeps the
# instance alive for eventpoll_release_file): an instance whose fd is closed
# before its targets' loses them as teardown removals there, file close later.
teardown_ok=0
[ "$kernel" = 5.10 ] && teardown_ok=1
failed=0
for t in "$out"/*.trace; do
    name=$(basename "$t" .trace)
    # Items alive per instance: +1 at insert, -1 at removal; each must be 0 at the free.
    verdict=$("$epscope" dump "$t" | awk -v teardown_ok="$teardown_ok" '
        function field(k,   i) { for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) return substr($i, length(k) + 2); return "" }
        $2 == "instance_create" { ep = field("ep"); live[ep] = 0; created++ }
        $2 == "item_insert" && field("result") == "0" { live[field("ep")]++; inserted++ }
        $2 == "item_remove" { ep = field("ep"); live[ep]--; removed++
            r = field("reason")
            if (r != "file_close" && !(r == "teardown" && teardown_ok)) bad = bad " " ep ":" field("epi") "-reason-" r }
        $2 == "instance_free" { ep = field("ep"); freed++
            if (live[ep] != 0) bad = bad " " ep "-freed-with-" live[ep] "-items"; delete live[ep] }
        END {
            for (ep in live) bad = bad " " ep "-never-freed"
            if (created != 2 || inserted != 6) bad = bad " expected-2-instances-6-items(" created "," inserted ")"
            printf "%d instances, %d items inserted, %d removed, %d freed%s\n", created, inserted, removed, freed, bad ? ";" bad : ""
        }')
    echo "$kernel $name: $verdict"
    case $verdict in *";"*) failed=1 ;; esac
done
[ "$(ls "$out"/*.trace | wc -l)" -eq 3 ] || { echo "FAIL: expected 3 traces"; failed=1; }
exit $failed
