#include "serve/stream_spool.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "serve/stream_server.hpp"

namespace epscope::serve {
namespace {

// An unnamed file in `dir`: O_TMPFILE where the filesystem has it; else a
// mkstemp name (O_EXCL, mode 0600) unlinked at once.
int open_unnamed(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return -1;
    std::string name = dir + "/.epscope-spool-XXXXXX";
    fd = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return -1;
    ::unlink(name.c_str());
    return fd;
}

}  // namespace

std::string size_text(std::uint64_t bytes) {
    if (bytes >= (std::uint64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
    return std::to_string(bytes >> 10) + " KiB";
}

StreamSpool::StreamSpool(const std::string& dir, std::uint64_t cap_bytes) : cap_(cap_bytes) {
    fd_ = open_unnamed(dir);
    if (fd_ < 0)
        throw ServeError("cannot create the stream's spool file in " + dir + ": " +
                         std::strerror(errno) + " (choose another with --serve-spool-dir)");
}

StreamSpool::~StreamSpool() { release(); }

void StreamSpool::release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

bool StreamSpool::append(const Bytes& chunk) {
    if (stopped()) return false;
    if (size_ + chunk.size() > cap_) {
        stop_reason_ = "the stream passed the spool's cap of " + size_text(cap_);
        return false;
    }
    std::size_t done = 0;
    while (done < chunk.size()) {
        const ssize_t n = ::pwrite(fd_, chunk.data() + done, chunk.size() - done,
                                   static_cast<off_t>(size_ + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            stop_reason_ = std::string("writing the spool failed: ") +
                           (n < 0 ? std::strerror(errno) : "no space");
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    size_ += chunk.size();
    return true;
}

bool StreamSpool::read(std::uint64_t offset, std::size_t n, Bytes& out, std::string& error) const {
    out.resize(n);
    std::size_t done = 0;
    while (done < n) {
        const ssize_t r =
            ::pread(fd_, out.data() + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            error = std::string("reading the spool failed: ") +
                    (r < 0 ? std::strerror(errno) : "unexpected end of file");
            return false;
        }
        done += static_cast<std::size_t>(r);
    }
    return true;
}

}  // namespace epscope::serve
