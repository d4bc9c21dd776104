#!/bin/sh
# output_planted.sh EPSCOPE ATTACKER EPOLL_SCRIPT: issue 10 item 2. Root is
# asked to write into a directory another user can write (theirs). The
# attacker plants FILE.partial, FILE or the --stream-to path as a symlink to
# a file of root's (in a loop, while epscope runs), or a FIFO of theirs to
# read the stream. Before the fix root opened the planted name and
# overwrote root's file; now each is refused with one line and root's file is
# untouched. Also: an existing output is kept as FILE.old (replaced with
# --force); the output belongs to the sudo user; a bad output path is refused
# before the capture starts.
set -u
epscope=$1 attacker=$2 script=$3
atk=epscope-atk2
cleanup() {
    [ -n "${loop_pid:-}" ] && kill "$loop_pid" 2>/dev/null
    rm -rf "$dir"; userdel "$atk" 2>/dev/null
}
userdel "$atk" 2>/dev/null
useradd -M -d /nonexistent -s /usr/sbin/nologin "$atk" || exit 1
dir=$(mktemp -d)
trap cleanup EXIT
chmod 755 "$dir"
a=$dir/atk
mkdir "$a" && chown "$atk:$atk" "$a"
secret="root's secret"
echo "$secret" >"$dir/root-file" && chmod 600 "$dir/root-file"
cp "$attacker" "$dir/attacker" && chmod 755 "$dir/attacker"
as_atk() { setpriv --reuid="$atk" --regid="$atk" --clear-groups "$@"; }
failed=0
fail() { echo "FAIL: $*"; [ -f "$dir/err" ] && cat "$dir/err"; failed=1; }
intact() { [ "$(cat "$dir/root-file")" = "$secret" ] || fail "$1: root's file was overwritten"; }
# refused WHAT PATTERN CMD...: non-zero exit, one line matching PATTERN.
refused() {
    what=$1 pattern=$2
    shift 2
    "$@" >/dev/null 2>"$dir/err"
    rc=$?
    if [ $rc -eq 0 ] || [ "$(wc -l <"$dir/err")" -ne 1 ] || ! grep -Eq "$pattern" "$dir/err"; then
        fail "$what: exit $rc"
    fi
    intact "$what"
}

"$epscope" record -o "$dir/good.trace" -- "$script" --log /dev/null 2>/dev/null ||
    fail "cannot record a trace to export"

# A planted FILE.partial, re-planted in a loop while record runs.
setpriv --reuid="$atk" --regid="$atk" --clear-groups \
    "$dir/attacker" plant "$a/t.trace.partial" "$dir/root-file" 200 &
loop_pid=$!
sleep 0.2
i=0
while [ $i -lt 5 ]; do
    i=$((i + 1))
    refused "record, planted FILE.partial (try $i)" "t.trace.partial: exists .*planted" \
        "$epscope" record -o "$a/t.trace" -- "$script" --log /dev/null
done
# Export and --stream-to through planted names.
as_atk ln -s "$dir/root-file" "$a/x.csv.partial"
refused "export, planted FILE.partial" "x.csv.partial: exists .*planted" \
    "$epscope" export -f csv -o "$a/x.csv" "$dir/good.trace"
kill "$loop_pid" 2>/dev/null; wait "$loop_pid" 2>/dev/null; loop_pid=
as_atk ln -sf "$dir/root-file" "$a/s.out"
refused "--stream-to, planted symlink" "belongs to uid" \
    "$epscope" record -o "$dir/u.trace" --stream-to "$a/s.out" -- "$script" --log /dev/null
as_atk ln -sf "$dir/root-file" "$a/t.trace"
refused "record, FILE a planted symlink" "is a symbolic link" \
    "$epscope" record -o "$a/t.trace" -- "$script" --log /dev/null
as_atk mkfifo "$a/f.out"
refused "--stream-to, the attacker's FIFO" "belongs to uid" \
    "$epscope" record -o "$dir/v.trace" --stream-to "$a/f.out" -- "$script" --log /dev/null
ls "$dir"/u.trace* "$dir"/v.trace* >/dev/null 2>&1 && fail "a refused record left a file"

# Checked before the capture starts: a missing directory, a directory as FILE.
start=$(date +%s)
refused "a missing directory" "cannot use directory" \
    "$epscope" record -o "$dir/nodir/x.trace" -- sleep 5
refused "a directory as FILE" "is a directory" "$epscope" record -o "$a" -- sleep 5
[ $(($(date +%s) - start)) -lt 5 ] || fail "the output path was checked after the capture"

# An existing output is kept as FILE.old (and said), replaced with --force;
# the output belongs to the user who ran sudo.
o=$dir/o.trace
echo old >"$o"
SUDO_UID=$(id -u "$atk") SUDO_GID=$(id -g "$atk") \
    "$epscope" record -o "$o" -- "$script" --log /dev/null 2>"$dir/err" || fail "record to o.trace"
grep -q "kept the previous $o as $o.old" "$dir/err" || fail "did not say it kept o.trace.old"
[ "$(cat "$o.old")" = old ] || fail "o.trace.old is not the old file"
[ "$(stat -c %U "$o")" = "$atk" ] || fail "o.trace belongs to $(stat -c %U "$o"), not the sudo user"
SUDO_UID=$(id -u "$atk") SUDO_GID=$(id -g "$atk") "$epscope" record --force -o "$o" -- "$script" --log /dev/null 2>"$dir/err" || fail "record --force"
grep -q "replaced the previous $o" "$dir/err" || fail "--force did not say it replaced o.trace"
[ "$(cat "$o.old")" = old ] || fail "--force touched o.trace.old"
"$epscope" stat "$o" >/dev/null 2>&1 || fail "the replaced o.trace does not read"
# In a shared sticky directory (like /tmp) the attacker owns FILE.old: keeping
# the existing FILE as FILE.old would replace their file, so it is refused
# before the capture starts, and their file stays theirs.
s=$dir/shared
mkdir "$s" && chmod 1777 "$s"
echo mine >"$s/p.trace"
as_atk sh -c "echo theirs >'$s/p.trace.old'"
refused "FILE.old of another user" "p.trace.old: belongs to uid" \
    "$epscope" record -o "$s/p.trace" -- "$script" --log /dev/null
[ "$(cat "$s/p.trace.old")" = theirs ] || fail "the attacker's p.trace.old was replaced"
[ "$(cat "$s/p.trace")" = mine ] || fail "p.trace was moved"
[ $failed -eq 0 ] && echo "output_planted: all checks passed"
exit $failed
