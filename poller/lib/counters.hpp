// Counters of one side (server or client) of the workload. Every epoll syscall goes through
// syscalls.hpp, which counts it here, so the figures are what the kernel actually saw.
#pragma once

#include <atomic>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace epscope::poller {

struct Counters {
    std::atomic<uint64_t> epoll_wait_calls{0};
    std::atomic<uint64_t> epoll_wait_events{0};  // sum of epoll_wait results
    std::atomic<uint64_t> epoll_wait_empty{0};   // waits that returned 0 events
    std::atomic<uint64_t> epoll_ctl_add{0};
    std::atomic<uint64_t> epoll_ctl_mod{0};
    std::atomic<uint64_t> epoll_ctl_del{0};
    std::atomic<uint64_t> events_handled{0};
    std::atomic<uint64_t> events_spurious{0};  // an event whose I/O found nothing to do
    std::atomic<uint64_t> accepts{0};
    std::atomic<uint64_t> requests{0};  // client: verified round trips; server: echo flushes
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> mismatches{0};  // client: echoed bytes differing from what was sent
    // Speculative I/O (sepoll): what succeeded without polling and which syscalls were saved.
    std::atomic<uint64_t> spec_attempts{0};
    std::atomic<uint64_t> spec_successes{0};
    std::atomic<uint64_t> waits_skipped{0};
    std::atomic<uint64_t> ctl_saved{0};
    std::atomic<uint64_t> handler_messages{0};  // mpoller: messages through the handler queue
    std::atomic<uint64_t> timeouts{0};

    uint64_t epoll_ctl_calls() const {
        return epoll_ctl_add.load() + epoll_ctl_mod.load() + epoll_ctl_del.load();
    }
};

inline void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.fetch_add(n, std::memory_order_relaxed);
}

// One JSON object (no trailing newline) with every counter and the derived figures.
nlohmann::ordered_json counters_json(const Counters& c, double seconds);
// `v` to `decimals` places: the JSON reports' figures, as short as printf's "%.Nf" made them.
double rounded(double v, int decimals);

}  // namespace epscope::poller
