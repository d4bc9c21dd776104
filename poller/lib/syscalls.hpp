// Counted epoll syscalls: the only place the workload calls epoll_ctl and epoll_wait, so the
// counters cannot drift from what the kernel (and the tracer) sees.
#pragma once

#include <sys/epoll.h>

#include <cstdint>

#include "counters.hpp"

namespace epscope::poller {

// epoll_ctl with an event of `events` and `data`, not counted: the scenarios,
// which script what the kernel sees and check it against the trace, not the counters.
int ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);

int ctl_add(Counters& c, int epfd, int fd, uint32_t events, uint64_t data);
int ctl_mod(Counters& c, int epfd, int fd, uint32_t events, uint64_t data);
int ctl_del(Counters& c, int epfd, int fd);
// epoll_wait retried on EINTR; returns the number of events or -1.
int wait(Counters& c, int epfd, epoll_event* events, int max_events, int timeout_ms);

}  // namespace epscope::poller
