#include "app/font.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace epscope::gui {
namespace {

// A font is a few hundred kB; anything far larger is not one.
constexpr off_t kMaxFontBytes = 32 << 20;

// Root's and writable by no one else: a file or directory no other user can
// have put there or changed.
bool roots_only(int fd, const std::string& path, bool dir, std::string& why) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        why = path + ": " + std::strerror(errno);
        return false;
    }
    if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        why = path + (dir ? " is not a directory" : " is not a regular file");
        return false;
    }
    if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        why = path + " is not root's or others may write to it";
        return false;
    }
    if (!dir && st.st_size > kMaxFontBytes) {
        why = path + " is too large for a font";
        return false;
    }
    return true;
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    void reset(int fd) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_;
};

// Opens `path` (absolute) component by component, never through a symlink,
// each directory checked; the last component opened as a file.
int open_checked(const char* path, std::string& why) {
    const std::string_view p(path);
    if (p.empty() || p.front() != '/') {
        why = std::string(path) + " is not an absolute path";
        return -1;
    }
    Fd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() < 0 || !roots_only(dir.get(), "/", true, why)) return -1;
    std::size_t start = 1;
    while (true) {
        const std::size_t slash = p.find('/', start);
        const std::string name(p.substr(start, slash - start));
        const std::string so_far(p.substr(0, slash));
        const bool last = slash == std::string_view::npos;
        // O_NONBLOCK: a FIFO planted there would block open() forever.
        const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (last ? O_NONBLOCK : O_DIRECTORY);
        const int fd = ::openat(dir.get(), name.c_str(), flags);
        if (fd < 0) {
            why = so_far + ": " + std::strerror(errno);
            return -1;
        }
        if (!roots_only(fd, so_far, !last, why)) {
            ::close(fd);
            return -1;
        }
        if (last) return fd;
        dir.reset(fd);
        start = slash + 1;
    }
}

}  // namespace

std::vector<unsigned char> read_system_font(const char* path, std::string& why) {
    Fd fd(open_checked(path, why));
    if (fd.get() < 0) return {};
    struct stat st {};
    ::fstat(fd.get(), &st);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            why =
                std::string(path) + ": " + (n < 0 ? std::strerror(errno) : "shorter than its size");
            return {};
        }
        got += static_cast<std::size_t>(n);
    }
    return bytes;
}

}  // namespace epscope::gui
