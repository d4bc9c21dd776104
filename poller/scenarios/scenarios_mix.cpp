// Scenarios about what an instance can hold: every kind of file at once, and many items.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "syscalls.hpp"

namespace epscope::poller {

namespace {

std::string tags(const std::set<uint64_t>& seen) {
    std::string out;
    for (uint64_t t : seen) {
        if (!out.empty()) out += ',';
        out += std::to_string(t);
    }
    return out;
}

// A TCP listener on a loopback port the kernel picks; `sa` is its address.
int loopback_listener(sockaddr_in& sa) {
    const int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(lfd, 8) < 0 ||
        getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len) < 0)
        std::abort();
    return lfd;
}

// The data tags reported until `want` distinct ones were, or 2 s passed. Level items report
// on every wait, so waiting is bounded by time, not by rounds: a timer needs its millisecond.
std::set<uint64_t> tags_seen(int epfd, size_t want) {
    std::set<uint64_t> seen;
    epoll_event ev[8];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (seen.size() < want && std::chrono::steady_clock::now() < deadline) {
        const int n = wait_events(epfd, ev, 8, 20);
        for (int i = 0; i < n; ++i) seen.insert(ev[i].data.u64);
        if (seen.size() < want) usleep(1000);
    }
    return seen;
}

// Whether the item tagged `tag` reports EPOLLRDHUP within 2 s.
bool rdhup_seen(int epfd, uint64_t tag) {
    epoll_event ev[8];
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline) {
        const int n = wait_events(epfd, ev, 8, 20);
        for (int i = 0; i < n; ++i)
            if (ev[i].data.u64 == tag && (ev[i].events & EPOLLRDHUP)) return true;
    }
    return false;
}

}  // namespace

void scenario_mixed_types(Script& s) {
    enum : uint64_t { kPipe = 1, kEventfd, kTimerfd, kSignalfd, kListen, kTcp, kUnix };
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2], u[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, u) < 0)
        std::abort();
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &mask, nullptr);
    const int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    sockaddr_in sa{};
    const int lfd = loopback_listener(sa);
    const int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    const std::vector<std::pair<int, uint64_t>> items = {{p[0], kPipe},   {efd, kEventfd},
                                                         {tfd, kTimerfd}, {sfd, kSignalfd},
                                                         {lfd, kListen},  {u[0], kUnix}};
    std::vector<ExpectedItem> expected;
    for (auto [fd, tag] : items) {
        s.expect(ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, tag) == 0,
                 "ADD item " + std::to_string(tag));
        expected.push_back({fd, stored(EPOLLIN), tag});
    }
    s.checkpoint("pipe, eventfd, timerfd, signalfd, listener, unix socket", epfd, expected);

    s.expect(connect(cfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0, "TCP connect");
    epoll_event ev[8];
    const int n0 = wait_events(epfd, ev, 8, 1000);
    s.expect(n0 == 1 && ev[0].data.u64 == kListen, "the listener reports the connection");
    const int afd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    s.expect(ctl(epfd, EPOLL_CTL_ADD, afd, EPOLLIN | EPOLLRDHUP, kTcp) == 0, "ADD accepted TCP");
    expected.push_back({afd, stored(EPOLLIN | EPOLLRDHUP), kTcp});
    s.checkpoint("accepted TCP connection added", epfd, expected);

    // Make every item except the (drained) listener ready.
    fill(p[1], 1);
    signal_eventfd(efd);
    itimerspec its{};
    its.it_value.tv_nsec = 1000000;
    timerfd_settime(tfd, 0, &its, nullptr);
    raise(SIGUSR2);
    fill(cfd, 3);
    fill(u[1], 2);
    const std::set<uint64_t> seen = tags_seen(epfd, 6);
    s.expect(seen == std::set<uint64_t>{kPipe, kEventfd, kTimerfd, kSignalfd, kTcp, kUnix},
             "pipe(1), eventfd(2), timerfd(3), signalfd(4), TCP(6) and unix(7) all report "
             "readable (seen: " +
                 tags(seen) + ")");
    signalfd_siginfo info{};
    const bool got_signal =
        read(sfd, &info, sizeof info) == sizeof info && info.ssi_signo == SIGUSR2;
    s.expect(got_signal, "the signal was consumed through signalfd");
    close(cfd);  // the peer's FIN shows as EPOLLRDHUP on the accepted socket
    s.expect(rdhup_seen(epfd, kTcp), "TCP peer close reports EPOLLRDHUP");
    for (int fd : {p[0], p[1], u[0], u[1], efd, tfd, sfd, lfd, afd}) close(fd);
    s.checkpoint("everything closed", epfd, {});
    close(epfd);
    pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);
}

void scenario_many_fds(Script& s) {
    constexpr int kItems = 3000;
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < kItems + 64) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, kItems + 64);
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s.expect(rl.rlim_cur >= kItems + 64,
             "RLIMIT_NOFILE allows " + std::to_string(kItems + 64) + " fds (raise ulimit -n)");
    if (rl.rlim_cur < kItems + 64) return;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> fds;
    std::vector<ExpectedItem> expected;
    for (int i = 0; i < kItems; ++i) {
        const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        fds.push_back(fd);
        ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN | EPOLLET, static_cast<uint64_t>(i) * 3);
        expected.push_back({fd, stored(EPOLLIN | EPOLLET), static_cast<uint64_t>(i) * 3});
    }
    s.checkpoint("3000 items", epfd, expected);
    for (int i = 0; i < kItems; i += 3) signal_eventfd(fds[static_cast<size_t>(i)]);
    epoll_event ev[64];
    int total = 0, waits = 0, n;
    while ((n = wait_events(epfd, ev, 64, 0)) > 0) {
        total += n;
        ++waits;
    }
    s.expect(total == kItems / 3, "every third item delivered once: " + std::to_string(total));
    s.expect(waits == (kItems / 3 + 63) / 64, "in ceil(1000/64) harvests of 64");
    std::vector<ExpectedItem> odd;
    for (int i = 0; i < kItems; ++i) {
        if (i % 2 == 0)
            epoll_ctl(epfd, EPOLL_CTL_DEL, fds[static_cast<size_t>(i)], nullptr);
        else
            odd.push_back(expected[static_cast<size_t>(i)]);
    }
    s.checkpoint("even items deleted: 1500 left", epfd, odd);
    for (int fd : fds) close(fd);
    s.checkpoint("all closed", epfd, {});
    close(epfd);
}

}  // namespace epscope::poller
