#include "counters.hpp"

#include <cstdio>

namespace epscope::poller {

std::string counters_json(const Counters& c, double seconds) {
    const uint64_t waits = c.epoll_wait_calls.load();
    const uint64_t events = c.epoll_wait_events.load();
    const double mean = waits ? static_cast<double>(events) / static_cast<double>(waits) : 0.0;
    const double rps = seconds > 0 ? static_cast<double>(c.requests.load()) / seconds : 0.0;
    char buf[1024];
    std::snprintf(
        buf, sizeof buf,
        "{\"requests\":%llu,\"requests_per_s\":%.1f,\"bytes\":%llu,\"mismatches\":%llu,"
        "\"epoll_wait_calls\":%llu,\"epoll_wait_events\":%llu,\"epoll_wait_empty\":%llu,"
        "\"mean_events_per_wait\":%.3f,\"epoll_ctl_calls\":%llu,\"epoll_ctl_add\":%llu,"
        "\"epoll_ctl_mod\":%llu,\"epoll_ctl_del\":%llu,\"events_handled\":%llu,"
        "\"events_spurious\":%llu,\"accepts\":%llu,\"spec_attempts\":%llu,"
        "\"spec_successes\":%llu,\"waits_skipped\":%llu,\"ctl_saved\":%llu,"
        "\"syscalls_saved_by_speculation\":%llu,\"handler_messages\":%llu,\"timeouts\":%llu}",
        static_cast<unsigned long long>(c.requests.load()), rps,
        static_cast<unsigned long long>(c.bytes.load()),
        static_cast<unsigned long long>(c.mismatches.load()),
        static_cast<unsigned long long>(waits), static_cast<unsigned long long>(events),
        static_cast<unsigned long long>(c.epoll_wait_empty.load()), mean,
        static_cast<unsigned long long>(c.epoll_ctl_calls()),
        static_cast<unsigned long long>(c.epoll_ctl_add.load()),
        static_cast<unsigned long long>(c.epoll_ctl_mod.load()),
        static_cast<unsigned long long>(c.epoll_ctl_del.load()),
        static_cast<unsigned long long>(c.events_handled.load()),
        static_cast<unsigned long long>(c.events_spurious.load()),
        static_cast<unsigned long long>(c.accepts.load()),
        static_cast<unsigned long long>(c.spec_attempts.load()),
        static_cast<unsigned long long>(c.spec_successes.load()),
        static_cast<unsigned long long>(c.waits_skipped.load()),
        static_cast<unsigned long long>(c.ctl_saved.load()),
        static_cast<unsigned long long>(c.waits_skipped.load() + c.ctl_saved.load()),
        static_cast<unsigned long long>(c.handler_messages.load()),
        static_cast<unsigned long long>(c.timeouts.load()));
    return buf;
}

}  // namespace epscope::poller
