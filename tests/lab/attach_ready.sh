#!/bin/sh
# attach_ready.sh KERNEL EPSCOPE READY-BEFORE-ATTACH [OUT-DIR]
# Issue 11.1: `record --verify -p` of a process whose level-triggered items were ready before
# the attach, on an instance no callback touches afterwards (ready-before-attach.cpp), with
# the fentry and the kprobe backend. The model knows those items from /proc (fd, no file) and
# first sees them in a harvest's ready-list walk, by (file, fd): the same items, bound to
# their file, not mismatches. Back on the host, per trace: ready lists compared, no lost
# records, 0 mismatches of every kind.
set -eu
kernel=$1 epscope=$2 program=$3
here=$(dirname "$0")
if [ $# -ge 4 ]; then
    out=$4
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
"$here/run" --kernel "$kernel" --timeout 300 --out "$out" --bin "$epscope" --bin "$program" -- sh -c '
    for b in fentry kprobe; do
        ready-before-attach 6 >/out/$b.ready &
        pid=$!
        until grep -q ready /out/$b.ready; do sleep 0.1; done
        epscope record --backend $b --verify -d 2 -o /out/$b.trace -p $pid >/out/$b.out 2>&1 ||
            echo "record ($b) failed" >>/out/failures
        wait $pid || echo "ready-before-attach ($b) failed" >>/out/failures
    done
    true'
if [ -s "$out/failures" ]; then
    cat "$out/failures" "$out"/*.out
    exit 1
fi
failed=0
for b in fentry kprobe; do
    json=$("$epscope" stat --json "$out/$b.trace")
    ready=$(echo "$json" | sed -n 's/.*"fidelity":{"checks":{"ready":\([0-9]*\).*/\1/p')
    lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
    mism=$(echo "$json" | sed -n 's/.*"verify_mismatches":\([0-9]*\).*/\1/p')
    echo "$kernel $b: ready lists compared $ready, lost $lost, mismatches $mism"
    if [ "${ready:-0}" -eq 0 ] || [ "$lost" != 0 ] || [ "$mism" != 0 ]; then
        echo "FAIL $kernel $b"
        "$epscope" stat --mismatches "$out/$b.trace" | grep mismatch | head -5
        failed=1
    fi
done
exit $failed
