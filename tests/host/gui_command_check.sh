#!/bin/sh
# gui_command_check.sh EPSCOPE EPSCOPE_GUI EPOLL_SCRIPT PNG_COUNT (as root, under
# xvfb-run): `epscope gui` captures and shows in one step.
#  1. no display: one line naming DISPLAY and WAYLAND_DISPLAY, exit 1;
#  2. run via sudo (SUDO_UID/SUDO_GID = nobody): the GUI runs as that user
#     with DISPLAY kept, on a socket in a 0700 directory of that user, and
#     shows the capture (--keep-open: it exits after its screenshot);
#  3. the command ends: the GUI is closed and epscope gui exits with the
#     command's status;
#  4. the window is closed first: capture stops, the command is ended.
# A wrapper stands in as --gui-bin to record who it runs as. Xvfb runs with
# -ac: the cookie xvfb-run made is readable by root only.
set -eu
epscope=$1 gui=$2 script=$3 count=$4
dir=$(mktemp -d)
chmod 755 "$dir"
mkdir "$dir/out" && chmod 777 "$dir/out"
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; for f in "$dir"/*.err "$dir"/out/*; do echo "== $f"; cat "$f"; done; exit 1; }
[ -n "${DISPLAY:-}" ] || fail "run me under xvfb-run"

# 1
if env -u DISPLAY -u WAYLAND_DISPLAY "$epscope" gui -- true 2>"$dir/nodisplay.err"; then
    fail "started without a display"
fi
grep -q "DISPLAY" "$dir/nodisplay.err" && grep -q "WAYLAND_DISPLAY" "$dir/nodisplay.err" ||
    fail "the no-display message does not name DISPLAY and WAYLAND_DISPLAY"
[ "$(wc -l <"$dir/nodisplay.err")" -eq 1 ] || fail "the no-display message is not one line"

# 2
out=$dir/out
cat >"$dir/wrap-shot" <<WRAP
#!/bin/sh
id -u >$out/uid
echo "\$DISPLAY" >$out/display
stat -c '%a %u' "\$(dirname "\$2")" >$out/dirmode
echo "\$2" >$out/sock
exec "$gui" "\$@" --screenshot $out/shot.png --wait 60 2>$out/gui.err
WRAP
chmod 755 "$dir/wrap-shot"
owner=$(id -u nobody)
SUDO_UID=$owner SUDO_GID=$(id -g nobody) "$epscope" gui --keep-open --gui-bin "$dir/wrap-shot" \
    -- "$script" --log "$dir/script.log" --pause 1500 2>"$dir/shot.err" || fail "epscope gui failed"
[ "$(cat "$out/uid")" = "$owner" ] || fail "the GUI ran as uid $(cat "$out/uid"), not $owner"
[ "$(cat "$out/display")" = "$DISPLAY" ] || fail "DISPLAY was not kept"
[ "$(cat "$out/dirmode")" = "700 $owner" ] || fail "socket directory is $(cat "$out/dirmode")"
[ ! -e "$(dirname "$(cat "$out/sock")")" ] || fail "the private directory was left behind"
[ -s "$out/shot.png" ] || fail "no screenshot"
n=$(sed -n 's/.*stream ended.*: \([0-9][0-9]*\) records.*/\1/p' "$out/gui.err")
[ -n "$n" ] && [ "$n" -gt 10 ] || fail "the GUI did not get the capture"
grep -q "stopped (command and its descendants exited)" "$dir/shot.err" || fail "no stop line"
# The tree area (right of the browser, above the timeline, 1280x800) shows the
# script's three items: one black and two red node discs (palette.hpp colours).
black=$("$count" "$out/shot.png" 24 24 24 437 0 1280 714)
red=$("$count" "$out/shot.png" 214 48 49 437 0 1280 714)
[ "$black" -gt 200 ] && [ "$red" -gt "$black" ] ||
    fail "the screenshot does not show the tree (black $black, red $red pixels)"

# 3
cat >"$dir/wrap-pid" <<WRAP
#!/bin/sh
echo \$\$ >$out/gui.pid
exec "$gui" "\$@"
WRAP
chmod 755 "$dir/wrap-pid"
status=0
timeout 60 "$epscope" gui --gui-bin "$dir/wrap-pid" -- sh -c 'sleep 2; exit 3' \
    2>"$dir/cmdend.err" || status=$?
[ $status -eq 3 ] || fail "epscope gui exited $status, not the command's 3"
kill -0 "$(cat "$out/gui.pid")" 2>/dev/null && fail "the GUI is still running"

# 4
printf '#!/bin/sh\nsleep 1\nexit 0\n' >"$dir/wrap-close"
chmod 755 "$dir/wrap-close"
start=$(date +%s)
timeout 60 "$epscope" gui --gui-bin "$dir/wrap-close" -- sleep 30 2>"$dir/close.err" ||
    fail "closing the window is not a clean exit"
[ $(($(date +%s) - start)) -lt 20 ] || fail "capture did not stop when the window closed"
grep -q "stopped (window closed)" "$dir/close.err" || fail "no 'window closed' stop line"
echo "gui_command_check: ok (GUI as uid $owner, $n records shown, tree $black black/$red red pixels)"
