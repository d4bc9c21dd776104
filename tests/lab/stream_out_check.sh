#!/bin/sh
# stream_out_check.sh KERNEL EPSCOPE POLLER STREAM_SAVE: the live stream comes
# out of the kernel lab. In the guest `epscope record --stream-to
# /dev/virtio-ports/epscope` traces epscope-poller with kernel hooks; on the
# host stream-save reads QEMU's socket (tests/lab/run --stream) as the GUI
# would. The host must receive a valid stream holding exactly the records of
# the guest's own trace file, the poller's kernel-side records among them.
set -eu
kernel=$1 epscope=$2 poller=$3 save=$4
lab=$(dirname "$0")/run
dir=$(mktemp -d)
lab_pid=
trap '[ -n "$lab_pid" ] && kill $lab_pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() { echo "FAIL ($kernel): $*"; cat "$dir/lab.err" "$dir/save.err" 2>/dev/null; exit 1; }
"$lab" --kernel "$kernel" --timeout 300 --out "$dir/out" --stream "$dir/vm.sock" \
    --bin "$epscope" --bin "$poller" -- \
    epscope record -o /out/t.trace --stream-to /dev/virtio-ports/epscope -- \
    epscope-poller --model basic --role both --conns 4 --duration 2 \
    >"$dir/lab.out" 2>"$dir/lab.err" &
lab_pid=$!
# Connects as soon as QEMU listens (before the guest has booted) and reads
# until QEMU closes the socket at power-off.
"$save" "$dir/vm.sock" "$dir/host.trace" 200 2>"$dir/save.err" || fail "stream-save failed"
wait "$lab_pid" || fail "the lab run failed"
lab_pid=
"$epscope" dump "$dir/out/t.trace" >"$dir/guest.txt"
"$epscope" dump "$dir/host.trace" >"$dir/host.txt"
n=$(wc -l <"$dir/host.txt")
[ "$n" -gt 100 ] || fail "only $n records came out of the VM"
cmp -s "$dir/guest.txt" "$dir/host.txt" ||
    fail "the stream differs from the guest's trace ($(wc -l <"$dir/guest.txt") vs $n records)"
grep -q "epscope-poller" "$dir/host.txt" || fail "no epscope-poller process record"
for kind in callback wakeup harvest; do
    grep -qi "$kind" "$dir/host.txt" || fail "no $kind records in the stream"
done
echo "stream_out_check: ok ($kernel: $n records streamed out of the VM, identical to the guest's trace)"
