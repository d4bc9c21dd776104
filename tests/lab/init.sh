#!/bin/sh
# /init of the lab guest (busybox sh, PID 1). Runs one command and hands its results to the host
# over serial ports, then powers off. Ports (the host's `run` opens them as files):
#   ttyS0 kernel console (boot log)    ttyS1 command stdout (raw bytes)
#   ttyS2 command stderr (raw bytes)   ttyS3 result: the exit code (and /out as base64 tar.gz
#   when there is no virtio disk /dev/vda; with one, /out is a plain tar written onto it)
# The command comes from /lab/argv/NNNN (one argument per file, so any byte but NUL survives),
# added by the host as a second cpio archive appended to the cached one.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /sys/fs/bpf /sys/kernel/tracing /sys/kernel/debug
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t bpf bpf /sys/fs/bpf
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
ip link set lo up

poweroff_now() {
    sync
    echo o >/proc/sysrq-trigger
    sleep 5
    poweroff -f
}

# The host kills QEMU at its own timeout; this guest-side watchdog also ends the VM if the host
# runner died (e.g. SIGKILL from ctest), so no QEMU is left running forever.
if [ -r /lab/timeout ]; then
    (sleep "$(cat /lab/timeout)"; echo "lab guest: watchdog expired, powering off" >/dev/ttyS0
     poweroff_now) &
fi

# The out disk's driver, when it is a module (see run).
for m in /lab/modules/*.ko; do
    [ -f "$m" ] && insmod "$m" >/dev/ttyS0 2>&1
done

# run --stream: the virtio-serial port named in /lab/stream gets the name udev would give it.
if [ -r /lab/stream ]; then
    want=$(cat /lab/stream)
    i=0
    while [ $i -lt 50 ]; do
        for n in /sys/class/virtio-ports/*/name; do
            [ -r "$n" ] && [ "$(cat "$n")" = "$want" ] || continue
            port=$(basename "$(dirname "$n")")
            mkdir -p /dev/virtio-ports
            ln -sf "../$port" "/dev/virtio-ports/$want"
        done
        [ -e "/dev/virtio-ports/$want" ] && break
        usleep 100000
        i=$((i + 1))
    done
    [ -e "/dev/virtio-ports/$want" ] || echo "lab guest: no virtio port named $want" >/dev/ttyS0
fi

# Raw mode: no newline translation, so stdout/stderr arrive byte for byte.
for port in /dev/ttyS1 /dev/ttyS2 /dev/ttyS3; do
    stty -F "$port" raw -echo 115200 2>/dev/null
done

set --
for f in /lab/argv/*; do
    [ -f "$f" ] || continue
    arg=$(cat "$f"; echo x)
    set -- "$@" "${arg%x}"
done

# Pipes, not the tty, so the command sees ordinary non-terminal stdout/stderr.
mkfifo /lab/stdout.fifo /lab/stderr.fifo
cat /lab/stdout.fifo >/dev/ttyS1 &
out_pid=$!
cat /lab/stderr.fifo >/dev/ttyS2 &
err_pid=$!

mkdir -p /out
cd /out
echo "lab guest: running: $*" >/dev/ttyS0
"$@" </dev/null >/lab/stdout.fifo 2>/lab/stderr.fifo
rc=$?
echo "lab guest: exit code $rc" >/dev/ttyS0
cd /

# A daemon left behind by the command may hold the pipes open: give the copies 3 s, then stop them.
i=0
while [ $i -lt 30 ] && { kill -0 $out_pid 2>/dev/null || kill -0 $err_pid 2>/dev/null; }; do
    usleep 100000
    i=$((i + 1))
done
kill $out_pid $err_pid 2>/dev/null

# /out goes back as a tar written straight onto the virtio disk, or over ttyS3 without one.
i=0
while [ ! -b /dev/vda ] && [ $i -lt 20 ]; do usleep 100000; i=$((i + 1)); done
if [ -b /dev/vda ] && tar -C /out -cf /dev/vda . 2>/dev/ttyS0 && sync; then
    echo "EPSCOPE-LAB-OUT-DISK rc=$rc" >/dev/ttyS3
else
    {
        echo "EPSCOPE-LAB-OUT-BEGIN"
        tar -C /out -czf - . | base64
        echo "EPSCOPE-LAB-OUT-END rc=$rc"
    } >/dev/ttyS3 2>/dev/ttyS0
fi

poweroff_now
