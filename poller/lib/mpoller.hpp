// N pollers, each with its own epoll instance and thread; an fd belongs to poller fd % N,
// as in workflow's mpoller.
#pragma once

#include <memory>
#include <vector>

#include "poller.hpp"

namespace epscope::poller {

class MPoller {
public:
    // Returns nullptr with errno set (EINVAL for 0 pollers).
    static std::unique_ptr<MPoller> create(int pollers, const PollerParams& params);
    ~MPoller();
    MPoller(const MPoller&) = delete;
    MPoller& operator=(const MPoller&) = delete;

    int start();
    void stop();
    int add(int fd, uint32_t events, Handler handler, void* context, int timeout_ms);
    int mod(int fd, uint32_t events, int timeout_ms);
    int del(int fd);
    void forget(int fd);
    Poller* of(int fd) const { return pollers_[static_cast<size_t>(fd) % pollers_.size()]; }
    Poller* at(size_t i) const { return pollers_[i]; }
    size_t size() const { return pollers_.size(); }

private:
    MPoller() = default;
    std::vector<Poller*> pollers_;
};

}  // namespace epscope::poller
