// Paths and peers root must not be tricked by. epscope runs as root among
// other users: every file it creates, replaces or connects to goes through
// here, so that a name another user planted (a symlink, a FIFO, their own
// file, their own socket) is refused with one line instead of followed.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

namespace epscope::trace {

// The user who ran epscope through sudo (SUDO_UID/SUDO_GID, not root), when
// running as root; nullopt otherwise.
struct UserIds {
    uid_t uid;
    gid_t gid;
};
std::optional<UserIds> invoking_user();

// Root, ourselves, or the user who ran sudo: whose files and sockets we trust.
bool trusted_owner(uid_t owner);

// While alive, this thread creates, opens and removes files with the rights
// of `user` (setfsuid/setfsgid: the kernel checks the directory as that user
// and new files are born theirs). No-op for nullopt.
class FsIdentity {
public:
    explicit FsIdentity(std::optional<UserIds> user);
    ~FsIdentity();
    FsIdentity(const FsIdentity&) = delete;
    FsIdentity& operator=(const FsIdentity&) = delete;

private:
    std::optional<UserIds> user_;
};

// Before a capture starts: the directory of `path` exists and is a writable
// directory; `path` is not a directory, not a symlink or other non-regular
// file, and not another user's. Throws TraceError(Io) with one line.
void check_new_output(const std::filesystem::path& path);

// Creates `path` with O_CREAT|O_EXCL|O_NOFOLLOW (a planted name of any kind
// is refused, never followed) and gives it, through the fd, to the user who
// ran sudo. Returns the fd (O_CLOEXEC). Throws TraceError(Io).
int create_new_file(const std::filesystem::path& path, int extra_flags = 0, mode_t mode = 0644);

// Moves the finished `partial` to `path`. An existing `path` is replaced when
// `force`, else kept as `path`.old first. Returns what it did with an older
// file, for the user ("kept the previous X as X.old"), or "".
std::string install_output(const std::filesystem::path& partial, const std::filesystem::path& path,
                           bool force);

// Opens the target of --stream-to for writing, without blocking. A FIFO or
// character device (a virtio port) the user names, or reaches through a
// symlink of root's or theirs, is used as it is; any other existing name is
// treated as an output file: kept as PATH.old (replaced with `force`) and
// created new. A name another user planted is refused. Throws TraceError(Io).
int open_stream_target(const std::filesystem::path& path, bool force);

// Opens a trace to read without ever blocking (a FIFO or device given as a
// trace would hang open()); refuses anything but a regular file. Symlinks are
// followed: a link to a trace is ordinary, and reading gives nothing away.
int open_trace_for_reading(const std::filesystem::path& path);

// After connect(): the peer of a unix socket must run as root (a tracer) or
// as us; a stream served by another user could be forged. Throws
// TraceError(Io) naming the peer's uid.
void check_stream_peer(int fd, const std::string& path);

}  // namespace epscope::trace
