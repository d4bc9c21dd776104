#!/bin/sh
# attach_ready.sh KERNEL EPSCOPE READY-BEFORE-ATTACH CHURN-BEFORE-ATTACH [OUT-DIR]
# `record --verify -p` of processes whose state at the attach the model learns from /proc,
# with the fentry and the kprobe backend:
# - ready-before-attach (issue 11.1): level-triggered items ready before the attach, on an
#   instance no callback touches afterwards. The model knows those items from /proc (fd, no
#   file) and first sees them in a harvest's ready-list walk, by (file, fd): the same items,
#   bound to their file, not mismatches.
# - churn-before-attach: connections replaced every few milliseconds while the process is
#   described from /proc: items present at the attach are delivered and removed before the
#   interest set is read, which must follow their records in the stream.
# Back on the host, per trace: ready lists compared, no lost records, 0 mismatches of every
# kind.
set -eu
kernel=$1 epscope=$2 ready_program=$3 churn_program=$4
here=$(dirname "$0")
if [ $# -ge 5 ]; then
    out=$5
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
"$here/run" --kernel "$kernel" --timeout 300 --out "$out" --bin "$epscope" \
    --bin "$ready_program" --bin "$churn_program" -- sh -c '
    for program in ready-before-attach churn-before-attach; do
        for b in fentry kprobe; do
            name=$program-$b
            # Alive all through the record, however long the attach takes on a
            # loaded guest: ended by the script, after the record.
            $program 300 >/out/$name.ready &
            pid=$!
            until grep -qs ready /out/$name.ready; do sleep 0.1; done
            epscope record --backend $b --verify -d 2 -o /out/$name.trace -p $pid \
                >/out/$name.out 2>&1 || echo "record ($name) failed" >>/out/failures
            kill -0 $pid 2>/dev/null || echo "$program ($b) ended during the record" >>/out/failures
            kill $pid; wait $pid 2>/dev/null || true
        done
    done
    true'
if [ -s "$out/failures" ]; then
    cat "$out/failures" "$out"/*.out
    exit 1
fi
failed=0
for program in ready-before-attach churn-before-attach; do
    for b in fentry kprobe; do
        name=$program-$b
        json=$("$epscope" stat --json "$out/$name.trace")
        ready=$(echo "$json" | sed -n 's/.*"fidelity":{"checks":{"ready":\([0-9]*\).*/\1/p')
        lost=$(echo "$json" | sed -n 's/.*"lost":\([0-9]*\).*/\1/p')
        mism=$(echo "$json" | sed -n 's/.*"verify_mismatches":\([0-9]*\).*/\1/p')
        echo "$kernel $name: ready lists compared $ready, lost $lost, mismatches $mism"
        if [ "${ready:-0}" -eq 0 ] || [ "$lost" != 0 ] || [ "$mism" != 0 ]; then
            echo "FAIL $kernel $name"
            "$epscope" stat --mismatches "$out/$name.trace" | grep mismatch | head -5
            failed=1
        fi
    done
done
exit $failed
