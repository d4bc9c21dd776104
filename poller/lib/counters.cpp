#include "counters.hpp"

#include <cmath>

namespace epscope::poller {

double rounded(double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
}

nlohmann::ordered_json counters_json(const Counters& c, double seconds) {
    const uint64_t waits = c.epoll_wait_calls.load();
    const uint64_t events = c.epoll_wait_events.load();
    const double mean = waits ? static_cast<double>(events) / static_cast<double>(waits) : 0.0;
    const double rps = seconds > 0 ? static_cast<double>(c.requests.load()) / seconds : 0.0;
    return {{"requests", c.requests.load()},
            {"requests_per_s", rounded(rps, 1)},
            {"bytes", c.bytes.load()},
            {"mismatches", c.mismatches.load()},
            {"epoll_wait_calls", waits},
            {"epoll_wait_events", events},
            {"epoll_wait_empty", c.epoll_wait_empty.load()},
            {"mean_events_per_wait", rounded(mean, 3)},
            {"epoll_ctl_calls", c.epoll_ctl_calls()},
            {"epoll_ctl_add", c.epoll_ctl_add.load()},
            {"epoll_ctl_mod", c.epoll_ctl_mod.load()},
            {"epoll_ctl_del", c.epoll_ctl_del.load()},
            {"events_handled", c.events_handled.load()},
            {"events_spurious", c.events_spurious.load()},
            {"accepts", c.accepts.load()},
            {"spec_attempts", c.spec_attempts.load()},
            {"spec_successes", c.spec_successes.load()},
            {"waits_skipped", c.waits_skipped.load()},
            {"ctl_saved", c.ctl_saved.load()},
            {"syscalls_saved_by_speculation", c.waits_skipped.load() + c.ctl_saved.load()},
            {"handler_messages", c.handler_messages.load()},
            {"timeouts", c.timeouts.load()}};
}

}  // namespace epscope::poller
