#!/bin/sh
# reader_peer.sh EPSCOPE ATTACKER EPOLL_SCRIPT [EPSCOPE_GUI]: issue 10 item 3.
# The attacker (a real second user) serves a forged stream on a socket anyone
# may connect to. Before the fix `epscope dump --connect` and `epscope-gui
# --connect` showed it as a capture; now both check the peer (SO_PEERCRED)
# and refuse anything but root or themselves with one line. A user reading
# their own stream is still served.
set -u
epscope=$1 attacker=$2 script=$3 gui=${4:-}
atk=epscope-atk3 victim=epscope-vic3
cleanup() {
    [ -n "${srv_pid:-}" ] && kill "$srv_pid" 2>/dev/null
    rm -rf "$dir"; userdel "$atk" 2>/dev/null; userdel "$victim" 2>/dev/null
}
userdel "$atk" 2>/dev/null; userdel "$victim" 2>/dev/null
useradd -M -d /nonexistent -s /usr/sbin/nologin "$atk" || exit 1
useradd -M -d /nonexistent -s /usr/sbin/nologin "$victim" || exit 1
dir=$(mktemp -d)
trap cleanup EXIT
chmod 755 "$dir"
mkdir "$dir/pub" && chmod 1777 "$dir/pub"
cp "$attacker" "$dir/attacker" && chmod 755 "$dir/attacker"
failed=0
fail() { echo "FAIL: $*"; cat "$dir/err"; failed=1; }
"$epscope" record -o "$dir/forged.trace" -- "$script" --log /dev/null 2>/dev/null ||
    { echo "FAIL: cannot record the bait"; exit 1; }
chmod 644 "$dir/forged.trace"
sock=$dir/pub/ep.sock
setpriv --reuid="$atk" --regid="$atk" --clear-groups \
    "$dir/attacker" serve "$sock" "$dir/forged.trace" 120 &
srv_pid=$!
n=0
while [ ! -S "$sock" ] && [ $n -lt 50 ]; do n=$((n + 1)); sleep 0.1; done

# refused WHO CMD...: exit 1, one line naming the attacker's uid, no records.
refused() {
    who=$1
    shift
    "$@" >"$dir/out" 2>"$dir/err"
    rc=$?
    if [ $rc -ne 1 ] || [ "$(wc -l <"$dir/err")" -ne 1 ] ||
        ! grep -q "served by uid $(id -u "$atk")" "$dir/err" || [ -s "$dir/out" ]; then
        fail "$who read the attacker's stream: exit $rc, $(wc -l <"$dir/out") lines"
    fi
}
refused root "$epscope" dump --connect "$sock"
refused "$victim" setpriv --reuid="$victim" --regid="$victim" --clear-groups \
    "$epscope" dump --connect "$sock"
# The attacker reading their own socket is served (the rule is root or you).
setpriv --reuid="$atk" --regid="$atk" --clear-groups \
    "$epscope" dump --connect "$sock" >"$dir/out" 2>"$dir/err"
[ "$(wc -l <"$dir/out")" -gt 10 ] || fail "a user could not read their own socket"
if [ -n "$gui" ]; then
    # The GUI: the same rule (one shared check), said on stderr, exit 1.
    xvfb-run -a -s "-screen 0 800x600x24 -nolisten tcp" \
        "$gui" --screenshot "$dir/pub/g.png" --wait 2 --connect "$sock" >/dev/null 2>"$dir/err"
    rc=$?
    if [ $rc -ne 1 ] || ! grep -q "served by uid $(id -u "$atk")" "$dir/err" ||
        grep -Eq ": [1-9][0-9]* records" "$dir/err"; then
        fail "epscope-gui read the attacker's stream (exit $rc)"
    fi
fi
[ $failed -eq 0 ] && echo "reader_peer: all checks passed"
exit $failed
