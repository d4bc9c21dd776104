#include "syscalls.hpp"

#include <cerrno>

namespace epscope::poller {

int ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int ctl_add(Counters& c, int epfd, int fd, uint32_t events, uint64_t data) {
    bump(c.epoll_ctl_add);
    return ctl(epfd, EPOLL_CTL_ADD, fd, events, data);
}

int ctl_mod(Counters& c, int epfd, int fd, uint32_t events, uint64_t data) {
    bump(c.epoll_ctl_mod);
    return ctl(epfd, EPOLL_CTL_MOD, fd, events, data);
}

int ctl_del(Counters& c, int epfd, int fd) {
    bump(c.epoll_ctl_del);
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, nullptr);
}

int wait(Counters& c, int epfd, epoll_event* events, int max_events, int timeout_ms) {
    for (;;) {
        bump(c.epoll_wait_calls);
        const int n = epoll_wait(epfd, events, max_events, timeout_ms);
        if (n >= 0) {
            bump(c.epoll_wait_events, static_cast<uint64_t>(n));
            if (n == 0) bump(c.epoll_wait_empty);
            return n;
        }
        if (errno != EINTR) return -1;
    }
}

}  // namespace epscope::poller
