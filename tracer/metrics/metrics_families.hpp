// The model's state as Prometheus metric families: per process and epoll
// instance (items, ready-list length, waiters, waits, deliveries, harvests,
// callbacks by outcome, wakeups, spurious wakeups, herds, histograms of wait
// time and callback-to-delivery latency), the busiest items, and the
// capture's own counts. Labels carry pids, comms, epfds, fd names and the
// trace's stable instance ids (ep#N), never kernel addresses.
#pragma once

#include <prometheus/metric_family.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "findings/findings.hpp"
#include "model/model.hpp"
#include "trace/visibility.hpp"

namespace epscope::metrics {

// Label cardinality stays bounded whatever the traced processes do.
struct MetricsLimits {
    // Instances with their own series, the busiest first; the rest are summed
    // into one series labelled instance="other".
    std::size_t max_instances = 64;
    // Items with their own series (epscope_item_*), the busiest first.
    std::size_t top_items = 10;
};

// Which figures the backend sees (read from the trace header's attach plan):
// what it cannot see has no series at all (a zero would say "none
// happened"); epscope_hook_visible says which.
using Visibility = trace::Visibility;

struct CaptureCounts {
    std::string backend;
    std::uint64_t records = 0;
    std::uint64_t lost = 0;
};

// The stable id of an instance ("ep#3"; "" when the backend gave no address).
using InstanceName = std::function<std::string(const model::Instance&)>;

std::vector<prometheus::MetricFamily> model_families(const model::Model& m,
                                                     const InstanceName& name,
                                                     const MetricsLimits& limits,
                                                     const Visibility& seen,
                                                     const CaptureCounts& capture);

// The findings engine's results so far (`live --metrics`): per rule, the
// findings of each severity (epscope_findings{rule,severity}, 0 for a rule
// judged that found nothing), and epscope_findings_unjudged{rule} 1 for a
// rule this backend cannot judge, which then has no epscope_findings series.
std::vector<prometheus::MetricFamily> findings_families(
    const std::vector<findings::Finding>& found, const std::vector<findings::Unjudged>& unjudged);

}  // namespace epscope::metrics
