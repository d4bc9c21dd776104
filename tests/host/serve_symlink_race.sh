#!/bin/sh
# serve_symlink_race.sh EPSCOPE ATTACKER: issue 10 item 1. The attacker is a
# real second user who runs epscope through sudo (SUDO_UID/SUDO_GID) with
# --serve PATH in a directory of theirs, and swaps PATH for a symlink to a
# file of root's in a rename loop while the tracer starts. Before the fix the
# tracer's chown(PATH) followed the link and gave the attacker root's file
# (won within a few tries); now the socket is created as that user
# (setfsuid), so root's file never changes owner. Also: a planted non-socket
# or another user's socket at PATH is refused with one line.
set -u
epscope=$1 attacker=$2
atk=epscope-atk1 other=epscope-oth1
cleanup() {
    [ -n "${loop_pid:-}" ] && kill "$loop_pid" 2>/dev/null
    rm -rf "$dir"; userdel "$atk" 2>/dev/null; userdel "$other" 2>/dev/null
}
userdel "$atk" 2>/dev/null; userdel "$other" 2>/dev/null
useradd -M -d /nonexistent -s /usr/sbin/nologin "$atk" || exit 1
useradd -M -d /nonexistent -s /usr/sbin/nologin "$other" || exit 1
dir=$(mktemp -d)
trap cleanup EXIT
chmod 755 "$dir"
mkdir "$dir/atk" && chown "$atk:$atk" "$dir/atk"
echo "root's secret" >"$dir/root-file" && chmod 600 "$dir/root-file"
cp "$attacker" "$dir/attacker" && chmod 755 "$dir/attacker"
as_atk() { setpriv --reuid="$atk" --regid="$atk" --clear-groups "$@"; }
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# The race, as often as it takes to win before the fix.
tries=${RACE_TRIES:-40}
setpriv --reuid="$atk" --regid="$atk" --clear-groups \
    "$dir/attacker" swap "$dir/atk" s.sock "$dir/root-file" 200 >/dev/null &
loop_pid=$!
i=0
while [ $i -lt "$tries" ]; do
    i=$((i + 1))
    rm -f "$dir/atk/s.sock"
    SUDO_UID=$(id -u "$atk") SUDO_GID=$(id -g "$atk") \
        "$epscope" live -p 999999 --serve "$dir/atk/s.sock" >/dev/null 2>"$dir/err"
    if [ "$(stat -c %u "$dir/root-file")" != 0 ]; then
        fail "try $i: the attacker now owns root's file: $(stat -c '%U:%G %a' "$dir/root-file")"
        break
    fi
done
kill "$loop_pid" 2>/dev/null; wait "$loop_pid" 2>/dev/null; loop_pid=
[ $failed -eq 0 ] && echo "race: root's file kept its owner through $tries tries"

# Refused with one line: a planted symlink, a regular file, another user's socket.
expect_refused() {
    what=$1 pattern=$2
    SUDO_UID=$(id -u "$atk") SUDO_GID=$(id -g "$atk") \
        "$epscope" live -p 1 -d 1 --serve "$dir/atk/s.sock" >/dev/null 2>"$dir/err"
    rc=$?
    if [ $rc -eq 0 ] || [ "$(wc -l <"$dir/err")" -ne 1 ] || ! grep -Eq "$pattern" "$dir/err"; then
        fail "$what at --serve PATH: exit $rc, stderr:"; cat "$dir/err"
    fi
}
rm -f "$dir/atk/s.sock"
as_atk ln -s "$dir/root-file" "$dir/atk/s.sock"
expect_refused "a symlink" "exists and is not a socket"
rm -f "$dir/atk/s.sock"
as_atk touch "$dir/atk/s.sock"
expect_refused "a regular file" "exists and is not a socket"
rm -f "$dir/atk/s.sock"
chmod 1777 "$dir/atk"
setpriv --reuid="$other" --regid="$other" --clear-groups \
    "$dir/attacker" serve "$dir/atk/s.sock" /dev/null 20 &
loop_pid=$!
n=0
while [ ! -S "$dir/atk/s.sock" ] && [ $n -lt 50 ]; do n=$((n + 1)); sleep 0.1; done
expect_refused "another user's socket" "socket of uid $(id -u "$other"), another user"
kill "$loop_pid" 2>/dev/null; wait "$loop_pid" 2>/dev/null; loop_pid=
[ "$(stat -c %u "$dir/root-file")" = 0 ] || fail "root's file changed owner"
[ $failed -eq 0 ] && echo "serve_symlink_race: all checks passed"
exit $failed
