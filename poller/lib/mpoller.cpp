#include "mpoller.hpp"

#include <cerrno>

namespace epscope::poller {

std::unique_ptr<MPoller> MPoller::create(int pollers, const PollerParams& params) {
    if (pollers < 1) {
        errno = EINVAL;
        return nullptr;
    }
    std::unique_ptr<MPoller> m(new MPoller);
    for (int i = 0; i < pollers; ++i) {
        Poller* p = poller_create(params);
        if (!p) return nullptr;  // the destructor destroys the ones already made
        m->pollers_.push_back(p);
    }
    return m;
}

MPoller::~MPoller() {
    stop();
    for (Poller* p : pollers_) poller_destroy(p);
}

int MPoller::start() {
    for (size_t i = 0; i < pollers_.size(); ++i) {
        if (poller_start(pollers_[i]) < 0) {
            for (size_t j = 0; j < i; ++j) poller_stop(pollers_[j]);
            return -1;
        }
    }
    return 0;
}

void MPoller::stop() {
    for (Poller* p : pollers_) poller_stop(p);
}

int MPoller::add(int fd, uint32_t events, Handler handler, void* context, int timeout_ms) {
    return poller_add(of(fd), fd, events, handler, context, timeout_ms);
}

int MPoller::mod(int fd, uint32_t events, int timeout_ms) {
    return poller_mod(of(fd), fd, events, timeout_ms);
}

int MPoller::del(int fd) { return poller_del(of(fd), fd); }

void MPoller::forget(int fd) { poller_forget(of(fd), fd); }

}  // namespace epscope::poller
