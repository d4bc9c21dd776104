// The details panel's view-model: the model's counters and latency
// histograms for the selected instance and the selected item, as rows and
// bars (bucket range, count, height relative to the tallest bar).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/histogram.hpp"
#include "model/model.hpp"
#include "trace/visibility.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {

struct HistogramBar {
    std::uint64_t lo_ns = 0;  // bucket range [lo_ns, hi_ns); the last bucket is open
    std::uint64_t hi_ns = 0;
    std::uint32_t count = 0;
    float height = 0;  // count / tallest count, 0..1
};

struct HistogramView {
    // The buckets from the first to the last non-empty one (empty ones
    // between them stay: the gaps are information).
    std::vector<HistogramBar> bars;
    std::uint64_t total = 0;
    std::uint64_t p50_ns = 0;  // interpolated within their buckets (model::LogHistogram)
    std::uint64_t p99_ns = 0;
    std::uint32_t tallest = 0;  // the tallest bar's count: the count axis' top
};

template <std::size_t kBuckets, unsigned kBits, bool kSummed>
HistogramView histogram_bars(const model::LogHistogram<kBuckets, kBits, kSummed>& h) {
    using H = model::LogHistogram<kBuckets, kBits, kSummed>;
    HistogramView v;
    v.total = h.total();
    if (v.total == 0) return v;
    std::size_t first = kBuckets;
    std::size_t last = 0;
    std::uint32_t tallest = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
        if (h.count(b) == 0) continue;
        first = std::min(first, b);
        last = b;
        tallest = std::max(tallest, h.count(b));
    }
    for (std::size_t b = first; b <= last; ++b) {
        HistogramBar bar;
        bar.lo_ns = b == 0 ? 0 : H::upper_bound(b - 1);
        bar.hi_ns = H::upper_bound(b);
        bar.count = h.count(b);
        bar.height = static_cast<float>(bar.count) / static_cast<float>(tallest);
        v.bars.push_back(bar);
    }
    v.tallest = tallest;
    v.p50_ns = h.quantile(0.5);
    v.p99_ns = h.quantile(0.99);
    return v;
}

// A duration for a bucket bound: "256 ns", "1 us", "16.4 ms", "2.2 s".
std::string short_duration(std::uint64_t ns);

struct Counter {
    std::string name;
    std::uint64_t value = 0;
    // The backend could not see it (trace/visibility.hpp): the value is not a
    // count, show InstanceDetails::not_seen instead.
    bool seen = true;
};

struct ItemRank {
    std::int32_t fd = -1;
    std::uint64_t file = 0;
    bool stale = false;  // its fd was closed, its file stays registered: its own row
    std::uint64_t callbacks = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t activity() const { return callbacks + deliveries; }
};

struct InstanceDetails {
    bool valid = false;
    std::vector<Counter> counters;  // callbacks by outcome, deliveries, harvests, ...
    HistogramView latency;          // callback -> harvest
    bool latency_seen = true;       // the backend sees callbacks
    HistogramView wait_time;        // WAIT_BEGIN -> WAIT_END
    std::vector<ItemRank> busiest;  // the items with the most activity, most first
    bool callbacks_seen = true;
    std::string not_seen;  // "not seen by the tracepoint backend"
};

struct ItemDetails {
    bool valid = false;  // the fd is an item of the instance
    std::int32_t fd = -1;
    bool stale = false;  // its fd was closed while its file stayed registered
    std::string label;
    std::uint32_t events = 0;
    std::vector<Counter> counters;
    HistogramView latency;  // first queueing -> delivery
    bool latency_seen = true;
    std::string not_seen;
};

// The names of enum ep_callback_outcome, for counters and tooltips.
const char* callback_outcome_name(std::size_t outcome);

// `seen`: what the trace's backend could see (counters it could not are
// marked unseen, not shown as 0). The busiest items rank by activity
// (callbacks + deliveries), then fd.
InstanceDetails instance_details(const model::Model& m, model::InstanceRef inst,
                                 const trace::Visibility& seen = {}, std::size_t busiest = 5);
ItemDetails item_details(const model::Model& m, model::InstanceRef inst, std::int32_t fd,
                         const trace::Visibility& seen = {});
// The one item `sel` names (an fd number alone names the item of the file it
// names now, not a stale one).
ItemDetails item_details(const model::Model& m, model::InstanceRef inst, const ItemSel& sel,
                         const trace::Visibility& seen = {});

}  // namespace epscope::view
