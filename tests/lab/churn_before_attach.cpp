// churn-before-attach SECONDS: an event loop whose connections come and go while a tracer
// attaches (`record -p`), as a server's do under load: kConnections socket pairs, each with
// a byte never read (level-triggered: every harvest delivers it and the kernel requeues it),
// one replaced every kStepMicros (EPOLL_CTL_DEL, close, a new pair added), so each lives
// about kConnections steps. kIdleFds idle pipes, below the epoll fd, make describing the
// process from /proc take a while before its interest set is read, during which items
// present at the attach are delivered and removed: their records
// come from the ring after /proc was read, and the interest set read there must sit after
// them in the stream, or the model sees deliveries of an item it never had (redis attached
// under load, 6.1). Prints "ready" once set up; exits after SECONDS.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr int kConnections = 8;
constexpr int kIdleFds = 256;
constexpr int kStepMicros = 1000;

[[noreturn]] void fail(const char* what) {
    std::perror(what);
    std::exit(1);
}

struct Connection {
    int ours = -1;
    int peer = -1;
};

// A new pair whose end in the interest set has a byte to read. Its data is the
// connection's serial number (a server's pointer to its state), not the fd number,
// which the next pair takes again: a delivery names one connection only.
Connection open_connection(int epfd) {
    static std::uint64_t serial = 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        fail("churn-before-attach: socketpair");
    if (write(sv[1], "x", 1) != 1) fail("churn-before-attach: write");
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = ++serial;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, sv[0], &ev) != 0) fail("churn-before-attach: EPOLL_CTL_ADD");
    return Connection{sv[0], sv[1]};
}

void close_connection(int epfd, Connection& c) {
    if (epoll_ctl(epfd, EPOLL_CTL_DEL, c.ours, nullptr) != 0)
        fail("churn-before-attach: EPOLL_CTL_DEL");
    close(c.ours);
    close(c.peer);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atof(argv[1]) <= 0) {
        std::fprintf(stderr, "usage: churn-before-attach SECONDS\n");
        return 2;
    }
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(std::atof(argv[1]));
    // The idle fds first: /proc is read in fd order, the epoll fd after them.
    for (int i = 0; i < kIdleFds / 2; ++i) {
        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0) fail("churn-before-attach: pipe2");
    }
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) fail("churn-before-attach: epoll_create1");
    std::array<Connection, kConnections> conns;
    for (Connection& c : conns) c = open_connection(epfd);
    std::printf("ready\n");
    std::fflush(stdout);
    for (std::size_t next = 0; std::chrono::steady_clock::now() < end;
         next = (next + 1) % conns.size()) {
        epoll_event ev[kConnections];
        if (epoll_wait(epfd, ev, kConnections, 1000) != kConnections) {
            std::fprintf(stderr, "churn-before-attach: every connection should be ready\n");
            return 1;
        }
        close_connection(epfd, conns[next]);
        conns[next] = open_connection(epfd);
        usleep(kStepMicros);
    }
    return 0;
}
