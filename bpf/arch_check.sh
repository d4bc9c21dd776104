#!/bin/sh
# arch_check.sh CLANG BPFTOOL BPF_DIR ASM_INCLUDE: the BPF object builds for
# each architecture bpf.cmake offers (EPSCOPE_BPF_ARCH), both flavours, with
# that architecture's kernel layouts: struct epoll_event is packed (12 bytes)
# on x86 only, and kprobes read arm64's registers through struct user_pt_regs.
# Loading the arm64 object needs an arm64 kernel, which is out of reach here.
set -eu
clang=$1 bpftool=$2 src=$3 inc=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for arch in x86:12 arm64:16; do
    name=${arch%%:*} size=${arch#*:}
    for flavour in "" -DEPSCOPE_BOUNDED_LOOPS; do
        obj="$dir/$name$flavour.o"
        "$clang" -g -O2 -Wall -Werror -target bpf "-D__TARGET_ARCH_$name" $flavour -I"$src" \
            -I"$inc" -c "$src/epscope.bpf.c" -o "$obj" || fail "$name $flavour does not build"
        "$bpftool" btf dump file "$obj" >"$obj.btf"
        grep -q "STRUCT 'epoll_event' size=$size " "$obj.btf" ||
            fail "$name: struct epoll_event is not $size bytes"
    done
done
grep -q "STRUCT 'user_pt_regs'" "$dir/arm64.o.btf" || fail "arm64: kprobes do not use user_pt_regs"
! grep -q "STRUCT 'user_pt_regs'" "$dir/x86.o.btf" || fail "x86: arm64's registers"
echo "bpf_arch: ok"
