#!/bin/sh
# run_as_user.sh EPSCOPE: issue 10 item 4. `record -u USER -- CMD` runs CMD
# as USER with USER's groups and HOME/USER/LOGNAME, not as root; without -u
# it runs as root; an unknown user is one line. live and gui take the same
# option (one definition in main.cpp).
set -u
epscope=$1
u=epscope-run4 g=epscope-grp4
cleanup() { rm -rf "$dir"; userdel "$u" 2>/dev/null; groupdel "$g" 2>/dev/null; }
userdel "$u" 2>/dev/null; groupdel "$g" 2>/dev/null
groupadd "$g" && useradd -M -d /home/epscope-run4 -s /bin/sh -G "$g" "$u" || exit 1
dir=$(mktemp -d)
trap cleanup EXIT
chmod 755 "$dir"
failed=0
fail() { echo "FAIL: $*"; cat "$dir/err" "$dir/out" 2>/dev/null; failed=1; }
want="$(id -u "$u") $(id -g "$u") $(id -G "$u" | tr ' ' '\n' | sort -n | tr '\n' ' ')/home/epscope-run4 $u $u"
ident='echo "$(id -u) $(id -g) $(id -G | tr " " "\n" | sort -n | tr "\n" " ")$HOME $USER $LOGNAME"'
"$epscope" record -u "$u" -o "$dir/t.trace" -- sh -c "$ident" >"$dir/out" 2>"$dir/err" ||
    fail "record -u $u failed"
[ "$(cat "$dir/out")" = "$want" ] || fail "the command ran as '$(cat "$dir/out")', want '$want'"
"$epscope" record -o "$dir/r.trace" -- sh -c 'id -u' >"$dir/out" 2>"$dir/err" || fail "record"
[ "$(cat "$dir/out")" = 0 ] || fail "without -u the command ran as uid $(cat "$dir/out")"
"$epscope" live -u "$u" -d 5 -- sh -c 'id -u >&2' >/dev/null 2>"$dir/err" || fail "live -u"
grep -qx "$(id -u "$u")" "$dir/err" || fail "live -u: the command did not run as $u"
"$epscope" record -u no-such-user-x -o "$dir/n.trace" -- true >/dev/null 2>"$dir/err"
rc=$?
{ [ $rc -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "no such user" "$dir/err"; } ||
    fail "-u no-such-user-x: exit $rc"
[ $failed -eq 0 ] && echo "run_as_user: all checks passed"
exit $failed
