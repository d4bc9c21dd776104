// Counting mode's figures (capture::CountingSnapshot) as Prometheus metric
// families, for `epscope exporter`. The families and labels are those of
// `live --metrics` (model_families) wherever counting mode has the figure:
// per process and instance waits, deliveries, harvests, wakeups, callbacks
// by outcome, the wait-time and callback-to-delivery histograms, the
// busiest items. What only the model knows (items in the tree, the ready
// and overflow lists' lengths, waiters, spurious wakeups, herds) has no
// series here; counting adds what only it has (epoll_ctl calls, timeouts,
// the maps' evictions).
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "capture/counting.hpp"

namespace epscope::metrics {

struct CountingLimits {
    // Processes with their own series, the busiest first; the rest (and
    // their instances) are summed into pid="other", instance="other".
    std::size_t max_processes = 32;
    std::size_t max_instances = 64;  // instances with their own series
    std::size_t top_items = 10;      // items with their own series
};

struct CountingNames {
    // The stable id of an instance ("ep#3"), never its kernel address.
    std::function<std::string(std::uint64_t ep)> instance;
    // What an fd of a process is ("TCP 127.0.0.1:80->...", "pipe"); "" unknown.
    std::function<std::string(std::uint32_t tgid, std::int32_t fd)> fd;
};

struct CountingSource {
    std::string backend;
    std::size_t processes = 0;  // traced now
};

std::vector<prometheus::MetricFamily> counting_families(const capture::CountingSnapshot& snap,
                                                        const capture::CountingVisibility& seen,
                                                        const CountingNames& names,
                                                        const CountingLimits& limits,
                                                        const CountingSource& source);

}  // namespace epscope::metrics
