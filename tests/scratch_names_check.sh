#!/bin/sh
# scratch_names_check.sh TESTS-DIR
# The tests run as root: a scratch file or directory at a name another user can
# guess (/tmp/NAME-PID) could be made first, or be a planted link the test then
# writes through. C++ tests make theirs with ScratchDir (tests/scratch_dir.hpp,
# mkdtemp), shell tests with `mktemp -d`. Lists every other use of a shared
# temporary directory under TESTS-DIR and fails if there is one. Left out: what
# runs inside the kernel lab's guest only (lab/servers/: nginx's and redis's
# files), where /tmp is the guest's own fresh tmpfs and root its only user.
set -u
dir=${1:?usage: scratch_names_check.sh TESTS-DIR}
[ -d "$dir" ] || { echo "scratch_names_check: $dir is not a directory" >&2; exit 2; }
cd "$dir" || exit 2
found=$(
    # C++: the temp directory is named in one place only.
    grep -rn --include='*.cpp' --include='*.hpp' --include='*.h' \
        -e 'temp_directory_path' -e '"/tmp' -e '"/var/tmp' -e '"/dev/shm' . |
        grep -v '^\./scratch_dir\.hpp:'
    # Shell and CMake: a path in a shared temporary directory, other than a
    # mktemp template.
    grep -rnE --include='*.sh' --include='*.cmake' --include='CMakeLists.txt' \
        '(/tmp|/var/tmp|/dev/shm)/' . | grep -v -e 'mktemp' -e '^\./lab/servers/' \
        -e '^\./scratch_names_check\.sh:'
    for f in lab/run lab/smoke-test lab/fetch-kernels lab/capture-remove-paths \
             lab/check-epoll-symbols; do
        [ -f "$f" ] && grep -nE '(/tmp|/var/tmp|/dev/shm)/' "$f" | grep -v 'mktemp' | sed "s|^|./$f:|"
    done
)
if [ -n "$found" ]; then
    echo "$found"
    echo "scratch_names_check: the lines above name a scratch path another user could guess;" \
         "use ScratchDir (tests/scratch_dir.hpp) or mktemp -d"
    exit 1
fi
echo "scratch_names_check: no predictable scratch path under $dir"
