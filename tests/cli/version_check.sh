#!/bin/bash
# `--version` of each program prints "NAME VERSION" with CMake's project version,
# exits 0, and needs no display (the GUI answers before it opens a window).
# Usage: version_check.sh VERSION PROGRAM...
set -u
want=$1; shift
fail=0
for prog in "$@"; do
    name=$(basename "$prog")
    got=$(env -u DISPLAY -u WAYLAND_DISPLAY "$prog" --version 2>&1); rc=$?
    if [ "$rc" -ne 0 ] || [ "$got" != "$name $want" ]; then
        echo "FAIL: $name --version gave '$got' (exit $rc), expected '$name $want'"
        fail=1
    else
        echo "ok: $got"
    fi
done
exit $fail
