// What a scenario uses to report: checkpoints where the expected interest set of an epoll
// instance is known (compared with /proc/self/fdinfo/<epfd> in --verify-fdinfo mode) and
// behaviour checks (always enforced). Every checkpoint prints one JSON line
// {"checkpoint":N,"label":...} that a tracer can correlate with its own stream.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <string>
#include <vector>

namespace epscope::poller {

struct ExpectedItem {
    int tfd;
    uint32_t events;  // as the kernel stores it (see stored()/disarmed())
    uint64_t data;
};

// The mask epoll_ctl ADD/MOD stores: EPOLLERR and EPOLLHUP are always added.
constexpr uint32_t stored(uint32_t requested) { return requested | EPOLLERR | EPOLLHUP; }
// The mask of a one-shot item after its event was delivered: only the private bits stay.
constexpr uint32_t disarmed(uint32_t requested) {
    return requested & (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE);
}

// Parses the tfd/events/data lines of /proc/<pid>/fdinfo/<epfd>; false if unreadable.
bool read_fdinfo(int epfd, std::vector<ExpectedItem>& items);

class Script {
public:
    Script(std::string scenario, bool verify) : scenario_(std::move(scenario)), verify_(verify) {}

    void checkpoint(const std::string& label, int epfd, std::vector<ExpectedItem> expected);
    // A behaviour the scenario is about (an event count, an errno): prints a JSON line and
    // fails the scenario when false.
    void expect(bool ok, const std::string& what);
    // A child after fork() numbers its checkpoints on; the parent skips past them.
    void skip_checkpoints(int n) { next_ += n; }
    int failures() const { return failures_; }
    bool verify() const { return verify_; }
    const std::string& scenario() const { return scenario_; }

private:
    std::string scenario_;
    bool verify_;
    int next_ = 1;
    int failures_ = 0;
};

// Small helpers shared by the scenario files.
void fill(int fd, size_t bytes);   // write bytes to a pipe/socket
size_t drain(int fd, size_t max);  // read up to max bytes, nonblocking
void signal_eventfd(int fd);
int wait_events(int epfd, epoll_event* ev, int max, int timeout_ms);

}  // namespace epscope::poller
