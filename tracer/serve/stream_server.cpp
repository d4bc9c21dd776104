#include "serve/stream_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace epscope::serve {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

std::optional<unsigned long> env_number(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == 0) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    unsigned long n = std::strtoul(v, &end, 10);
    if (errno != 0 || *end != 0) return std::nullopt;
    return n;
}

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw ServeError(path + ": a socket path must be 1 to " +
                         std::to_string(sizeof addr.sun_path - 1) + " bytes long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// True if something accepts connections on `path` right now.
bool someone_listens(const sockaddr_un& addr) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool yes = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return yes;
}

}  // namespace

void owner_from_sudo(ServerOptions& o) {
    auto uid = env_number("SUDO_UID");
    auto gid = env_number("SUDO_GID");
    if (uid && gid) {
        o.owner_uid = static_cast<uid_t>(*uid);
        o.owner_gid = static_cast<gid_t>(*gid);
    }
}

StreamServer::StreamServer(std::string path, ServerOptions opts)
    : path_(std::move(path)), opts_(std::move(opts)) {
    const sockaddr_un addr = address_of(path_);
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            throw ServeError(path_ + " exists and is not a socket: choose another --serve path");
        if (someone_listens(addr))
            throw ServeError(path_ + ": another tracer is serving on this socket");
        ::unlink(path_.c_str());  // stale, from a tracer that died
    }
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw ServeError(errno_text("socket"));
    // The socket file is born 0600 (no window in which others could connect);
    // the tracer is single-threaded here, so the umask change is contained.
    const mode_t old = ::umask(0177);
    const int b = ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    const int bind_errno = errno;
    ::umask(old);
    if (b != 0) {
        ::close(listen_fd_);
        errno = bind_errno;
        throw ServeError(errno_text("cannot create socket " + path_));
    }
    if (opts_.owner_uid && ::chown(path_.c_str(), *opts_.owner_uid,
                                   opts_.owner_gid.value_or(static_cast<gid_t>(-1))) != 0) {
        const std::string e = errno_text("cannot give socket " + path_ + " to uid " +
                                         std::to_string(*opts_.owner_uid));
        ::close(listen_fd_);
        ::unlink(path_.c_str());
        throw ServeError(e);
    }
    if (::listen(listen_fd_, 16) != 0) {
        const std::string e = errno_text("listen on " + path_);
        ::close(listen_fd_);
        ::unlink(path_.c_str());
        throw ServeError(e);
    }
}

StreamServer::~StreamServer() {
    readers_.clear();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
    }
}

void StreamServer::say(const std::string& line) const {
    if (opts_.log)
        opts_.log(line);
    else
        std::fprintf(stderr, "epscope: %s\n", line.c_str());
}

void StreamServer::start(SharedBytes header) { header_ = std::move(header); }

void StreamServer::publish(SharedBytes chunk) {
    if (finished_) return;
    if (history_complete_) {
        if (history_size_ + chunk->size() <= opts_.history_bytes) {
            history_.push_back(chunk);
            history_size_ += chunk->size();
        } else {
            history_complete_ = false;
            history_.clear();
            history_.shrink_to_fit();
            history_size_ = 0;
            say(path_ + ": the stream outgrew its " + std::to_string(opts_.history_bytes >> 20) +
                " MiB history: readers that connect from now on start from when they connect");
        }
    }
    for (std::size_t i = 0; i < readers_.size();) {
        if (!readers_[i].q->push(chunk)) {
            drop(i, "fell more than " + std::to_string(opts_.reader_queue_bytes >> 10) +
                        " KiB behind; dropped it (capture and the trace file go on)");
            continue;
        }
        ++i;
    }
}

void StreamServer::accept_new() {
    while (true) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;  // EAGAIN, or a transient resource error: try again next tick
        }
        if (readers_.size() >= opts_.max_readers) {
            ::close(fd);
            say(path_ + ": refused a reader: already " + std::to_string(readers_.size()) +
                " connected");
            continue;
        }
        Reader r{std::make_unique<OutputQueue>(fd, opts_.reader_queue_bytes), ++accepted_};
        if (header_) r.q->push_unbounded(header_);
        for (const auto& c : history_) r.q->push_unbounded(c);
        r.q->raise_limit(r.q->queued());
        say(path_ + ": reader " + std::to_string(r.id) + " connected");
        readers_.push_back(std::move(r));
    }
}

void StreamServer::drop(std::size_t i, const std::string& why) {
    say(path_ + ": reader " + std::to_string(readers_[i].id) + " " + why);
    ++dropped_;
    readers_.erase(readers_.begin() + static_cast<std::ptrdiff_t>(i));
}

void StreamServer::service() {
    if (finished_) return;
    accept_new();
    for (std::size_t i = 0; i < readers_.size();) {
        if (readers_[i].q->drain() == OutputQueue::Drain::Closed) {
            const std::uint64_t id = readers_[i].id;
            readers_.erase(readers_.begin() + static_cast<std::ptrdiff_t>(i));
            say(path_ + ": reader " + std::to_string(id) + " disconnected");
            continue;
        }
        ++i;
    }
}

void StreamServer::finish(int timeout_ms) {
    if (finished_) return;
    service();
    finished_ = true;
    // Stop taking readers, then give the connected ones a bounded time to
    // take what is queued for them.
    ::close(listen_fd_);
    ::unlink(path_.c_str());
    listen_fd_ = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
        std::vector<pollfd> pending;
        for (std::size_t i = 0; i < readers_.size();) {
            auto d = readers_[i].q->drain();
            if (d == OutputQueue::Drain::Closed || d == OutputQueue::Drain::Done) {
                if (d == OutputQueue::Drain::Done) ::shutdown(readers_[i].q->fd(), SHUT_WR);
                ++i;
                continue;
            }
            pending.push_back({readers_[i].q->fd(), POLLOUT, 0});
            ++i;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (pending.empty() || left <= 0) break;
        ::poll(pending.data(), pending.size(), static_cast<int>(left));
    }
    readers_.clear();
}

}  // namespace epscope::serve
