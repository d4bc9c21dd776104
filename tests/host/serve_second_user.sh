#!/bin/sh
# serve_second_user.sh EPSCOPE EPOLL_SCRIPT: the live stream's socket belongs
# to the user who ran the tracer through sudo (SUDO_UID/SUDO_GID) and is mode
# 0600: that user reads the stream, another user gets "permission denied".
# Runs as root; uses `nobody` as the invoking user and creates a system user
# epscope-test as the other one.
set -eu
epscope=$1 script=$2
other=epscope-test
id "$other" >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$other"
owner_uid=$(id -u nobody) owner_gid=$(id -g nobody)
dir=$(mktemp -d)
# Like /tmp: the socket is created with the rights of the user who ran sudo.
chmod 1777 "$dir"
live_pid=
trap 'kill $live_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.out "$dir"/*.err; do echo "== $f"; cat "$f"; done; exit 1; }
SUDO_UID=$owner_uid SUDO_GID=$owner_gid "$epscope" live -i 1 --serve "$dir/s.sock" \
    -- "$script" --log /dev/null --pause 3000 >"$dir/live.out" 2>"$dir/live.err" &
live_pid=$!
i=0
while [ ! -S "$dir/s.sock" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || fail "no socket"; sleep 0.1
done
[ "$(stat -c '%a %u %g' "$dir/s.sock")" = "600 $owner_uid $owner_gid" ] ||
    fail "socket is $(stat -c '%a %u %g' "$dir/s.sock"), expected 600 $owner_uid $owner_gid"
if setpriv --reuid="$other" --regid="$other" --clear-groups \
    "$epscope" dump --connect "$dir/s.sock" >"$dir/other.out" 2>"$dir/other.err"; then
    fail "user $other read the stream"
fi
grep -q "permission denied" "$dir/other.err" || fail "no permission denied for $other"
setpriv --reuid="$owner_uid" --regid="$owner_gid" --clear-groups \
    "$epscope" dump --connect "$dir/s.sock" >"$dir/owner.out" 2>"$dir/owner.err" ||
    fail "the owner could not read the stream"
grep -q "stream ended after" "$dir/owner.err" || fail "the owner's stream did not end cleanly"
[ "$(wc -l <"$dir/owner.out")" -gt 10 ] || fail "the owner got too few records"
wait "$live_pid" || fail "epscope live failed"
echo "serve_second_user: ok ($other refused, owner got $(wc -l <"$dir/owner.out") records)"
