#include "net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace epscope::poller {

int set_nonblock(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int listen_on(const Options& opt, Endpoint& bound, std::string& err) {
    bound.transport = opt.transport;
    if (opt.transport == Transport::Unix) {
        bound.path = opt.unix_path;
        if (bound.path.empty())
            bound.path = "/tmp/epscope-poller-" + std::to_string(getpid()) + ".sock";
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        if (bound.path.size() >= sizeof sa.sun_path) {
            err = "unix socket path too long: " + bound.path + " (use a shorter --unix)";
            return -1;
        }
        std::memcpy(sa.sun_path, bound.path.c_str(), bound.path.size() + 1);
        const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
            listen(fd, 4096) < 0) {
            err = "cannot listen on unix socket " + bound.path + ": " + std::strerror(errno) +
                  " (remove the file or choose another --unix path)";
            if (fd >= 0) close(fd);
            return -1;
        }
        return fd;
    }
    bound.host = opt.host;
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(opt.port));
    if (inet_pton(AF_INET, opt.host.c_str(), &sa.sin_addr) != 1) {
        err = "bad --host " + opt.host + ": give an IPv4 address such as 127.0.0.1";
        return -1;
    }
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 ||
        listen(fd, 4096) < 0) {
        err = "cannot listen on " + opt.host + ":" + std::to_string(opt.port) + ": " +
              std::strerror(errno) + " (choose another --port, or 0 for any free port)";
        if (fd >= 0) close(fd);
        return -1;
    }
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    bound.port = ntohs(sa.sin_port);
    return fd;
}

int connect_to(const Endpoint& ep) {
    int fd;
    if (ep.transport == Transport::Unix) {
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::strncpy(sa.sun_path, ep.path.c_str(), sizeof sa.sun_path - 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
            const int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
    } else {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(ep.port));
        inet_pton(AF_INET, ep.host.c_str(), &sa.sin_addr);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return -1;
        if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
            const int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        const int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    set_nonblock(fd);
    return fd;
}

// Raises the soft limit, and the hard one too where the process may (root with
// CAP_SYS_RESOURCE, up to fs.nr_open): 10,000 connections in one process
// with both roles need more than the usual hard limit of 20,000.
bool ensure_fd_limit(size_t needed, std::string& err) {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur >= needed) return true;
    const rlim_t hard = rl.rlim_max;
    rl.rlim_cur = needed;
    rl.rlim_max = std::max<rlim_t>(hard, needed);
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0) return true;
    if (hard < needed)
        err = "need " + std::to_string(needed) + " file descriptors but RLIMIT_NOFILE allows " +
              std::to_string(hard) + " and raising it failed (" + std::strerror(errno) +
              "): lower --conns, run --role server and --role client as two processes, or " +
              "raise the limit (ulimit -Hn, as root with CAP_SYS_RESOURCE)";
    else
        err = std::string("cannot raise RLIMIT_NOFILE: ") + std::strerror(errno);
    return false;
}

size_t fd_table_size() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    return static_cast<size_t>(rl.rlim_cur);
}

}  // namespace epscope::poller
