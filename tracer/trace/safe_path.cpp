#include "trace/safe_path.hpp"

#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "trace/trace_error.hpp"

namespace epscope::trace {
namespace {

[[noreturn]] void refuse(const std::filesystem::path& p, const std::string& why) {
    throw TraceError(TraceErrorKind::Io, p.string(), -1, why);
}

std::optional<unsigned long> env_number(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == 0) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(v, &end, 10);
    if (errno != 0 || *end != 0) return std::nullopt;
    return n;
}

std::filesystem::path with_suffix(const std::filesystem::path& p, const char* suffix) {
    std::filesystem::path q = p;
    q += suffix;
    return q;
}

// The one line for a name that is not a regular file of a trusted owner.
void refuse_unless_plain_and_ours(const std::filesystem::path& p, const struct stat& st) {
    if (S_ISDIR(st.st_mode)) refuse(p, "is a directory: give a file name");
    if (S_ISLNK(st.st_mode))
        refuse(p,
               "is a symbolic link: refusing to write through it (remove it or choose "
               "another name)");
    if (!S_ISREG(st.st_mode))
        refuse(p,
               "exists and is not a regular file (a FIFO, socket or device?): remove it or "
               "choose another name");
    if (!trusted_owner(st.st_uid))
        refuse(p, "belongs to uid " + std::to_string(st.st_uid) +
                      ", another user: refusing to replace it (choose another name)");
}

}  // namespace

std::optional<UserIds> invoking_user() {
    if (::geteuid() != 0) return std::nullopt;
    const auto uid = env_number("SUDO_UID");
    const auto gid = env_number("SUDO_GID");
    if (!uid || !gid || *uid == 0) return std::nullopt;
    return UserIds{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)};
}

bool trusted_owner(uid_t owner) {
    if (owner == 0 || owner == ::geteuid()) return true;
    const auto user = invoking_user();
    return user && user->uid == owner;
}

FsIdentity::FsIdentity(std::optional<UserIds> user) : user_(user) {
    if (!user_) return;
    ::setfsgid(user_->gid);
    ::setfsuid(user_->uid);
}

FsIdentity::~FsIdentity() {
    if (!user_) return;
    ::setfsuid(::geteuid());
    ::setfsgid(::getegid());
}

void check_new_output(const std::filesystem::path& path) {
    if (path.empty()) refuse(path, "an empty output path: give a file name");
    std::filesystem::path dir = path.parent_path();
    if (dir.empty()) dir = ".";
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0)
        refuse(path, "cannot use directory " + dir.string() + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) refuse(path, dir.string() + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        refuse(path, "directory " + dir.string() + " is not writable: " + std::strerror(errno));
    if (::lstat(path.c_str(), &st) == 0) refuse_unless_plain_and_ours(path, st);
    // An existing FILE goes to FILE.old: that name must not be another user's
    // (in a shared sticky directory root would replace their file).
    const auto old = with_suffix(path, ".old");
    if (::lstat(old.c_str(), &st) == 0) refuse_unless_plain_and_ours(old, st);
    const auto partial = with_suffix(path, ".partial");
    if (::lstat(partial.c_str(), &st) == 0)
        refuse(partial,
               "exists (left by an interrupted run, or planted by another user): "
               "remove it first");
}

int create_new_file(const std::filesystem::path& path, int extra_flags, mode_t mode) {
    const int fd = ::open(path.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | extra_flags, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            refuse(path,
                   "exists (left by an interrupted run, or planted by another user): "
                   "refusing to write through it; remove it first");
        refuse(path, errno_text("cannot create"));
    }
    // Through the fd, never the path: the name may have been swapped already.
    if (const auto user = invoking_user(); user && ::fchown(fd, user->uid, user->gid) != 0) {
        const std::string why = errno_text("cannot give it to the user who ran sudo");
        ::close(fd);
        ::unlink(path.c_str());
        refuse(path, why);
    }
    return fd;
}

std::string install_output(const std::filesystem::path& partial, const std::filesystem::path& path,
                           bool force) {
    std::string note;
    struct stat st;
    if (::lstat(path.c_str(), &st) == 0) {
        if (force) {
            note = "replaced the previous " + path.string() + " (--force)";
        } else {
            const auto old = with_suffix(path, ".old");
            // Planted since the start (check_new_output refused one then): the
            // finished output stays where it is rather than replace their file.
            struct stat ost;
            if (::lstat(old.c_str(), &ost) == 0 && !trusted_owner(ost.st_uid))
                refuse(old, "belongs to uid " + std::to_string(ost.st_uid) +
                                ", another user: the new output is left as " + partial.string());
            // rename() moves names, never follows them: a planted link moves aside.
            if (::rename(path.c_str(), old.c_str()) != 0)
                refuse(path, errno_text("cannot keep it as " + old.string()));
            note = "kept the previous " + path.string() + " as " + old.string() +
                   " (--force replaces it)";
        }
    }
    if (::rename(partial.c_str(), path.c_str()) != 0)
        refuse(partial, errno_text("cannot rename to " + path.string()));
    return note;
}

int open_stream_target(const std::filesystem::path& path, bool force) {
    if (path.empty()) refuse(path, "an empty path: give a file or device");
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) return create_new_file(path, O_NONBLOCK, 0600);
    if (!trusted_owner(st.st_uid))
        refuse(path, "belongs to uid " + std::to_string(st.st_uid) +
                         ", another user: refusing to stream to it");
    if (S_ISREG(st.st_mode)) {
        const auto old = with_suffix(path, ".old");
        if (force ? ::unlink(path.c_str()) != 0 : ::rename(path.c_str(), old.c_str()) != 0)
            refuse(path, errno_text("cannot move the existing file aside"));
        return create_new_file(path, O_NONBLOCK, 0600);
    }
    // A device or FIFO: opened as it is (no O_CREAT, no O_TRUNC).
    const int fd = ::open(
        path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC | (S_ISLNK(st.st_mode) ? 0 : O_NOFOLLOW));
    if (fd < 0) refuse(path, errno_text("cannot open"));
    struct stat to;
    if (::fstat(fd, &to) != 0 || !(S_ISFIFO(to.st_mode) || S_ISCHR(to.st_mode)) ||
        !trusted_owner(to.st_uid)) {
        ::close(fd);
        refuse(path,
               "is not a FIFO or character device of root's or yours: refusing to "
               "stream to it (give a new file name)");
    }
    return fd;
}

int open_trace_for_reading(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) refuse(path, errno_text("cannot open"));
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        refuse(path, "not a regular file (a FIFO, device or directory?): give a trace file");
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

void check_stream_peer(int fd, const std::string& path) {
    ucred peer{};
    socklen_t len = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0)
        refuse(path, errno_text("cannot learn who serves the socket"));
    if (peer.uid != 0 && peer.uid != ::geteuid())
        refuse(path, "refused: the socket is served by uid " + std::to_string(peer.uid) + " (pid " +
                         std::to_string(peer.pid) +
                         "), neither root nor you: its stream could be forged");
}

}  // namespace epscope::trace
