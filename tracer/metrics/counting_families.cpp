#include "metrics/counting_families.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "metrics/family_parts.hpp"
#include "stream/record_text.hpp"

namespace epscope::metrics {
namespace {

using capture::CountHistogram;
using capture::InstanceCounts;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// One instance's series, or the sum of those beyond the caps ("other").
struct Row {
    Labels labels;
    InstanceCounts c;
};

std::uint64_t callbacks_of(const std::array<std::uint64_t, EP_COUNT_OUTCOMES>& c) {
    std::uint64_t n = 0;
    for (auto v : c) n += v;
    return n;
}

std::uint64_t activity(const InstanceCounts& c) {
    return c.waits + c.deliveries + callbacks_of(c.callbacks);
}

// The busiest processes keep their own series; the others' are "other".
std::set<std::uint32_t> kept_processes(const capture::CountingSnapshot& snap, std::size_t cap) {
    std::vector<const capture::ProcessCounts*> ps;
    for (const auto& p : snap.processes) ps.push_back(&p);
    std::stable_sort(ps.begin(), ps.end(), [](const auto* a, const auto* b) {
        return activity(a->total) > activity(b->total);
    });
    std::set<std::uint32_t> kept;
    for (std::size_t i = 0; i < ps.size() && i < cap; ++i) kept.insert(ps[i]->tgid);
    return kept;
}

std::vector<Row> instance_rows(const capture::CountingSnapshot& snap, const CountingNames& names,
                               const std::set<std::uint32_t>& kept, std::size_t max_instances,
                               std::uint64_t* aggregated) {
    std::vector<const InstanceCounts*> order;
    for (const auto& c : snap.instances) order.push_back(&c);
    std::stable_sort(order.begin(), order.end(),
                     [](const auto* a, const auto* b) { return activity(*a) > activity(*b); });
    std::vector<Row> rows;
    Row other;
    other.labels = {{"comm", "other"}, {"epfd", ""}, {"instance", "other"}, {"pid", "other"}};
    *aggregated = 0;
    for (const InstanceCounts* c : order) {
        if (kept.count(c->tgid) && rows.size() < max_instances) {
            rows.push_back({{{"comm", label_value(c->comm)},
                             {"epfd", std::to_string(c->epfd)},
                             {"instance", names.instance(c->ep)},
                             {"pid", std::to_string(c->tgid)}},
                            *c});
        } else {
            ++*aggregated;
            other.c.add(*c);
        }
    }
    if (*aggregated) rows.push_back(std::move(other));
    return rows;
}

// log2 buckets [2^i, 2^(i+1)) ns, cumulative as Prometheus wants them.
ClientMetric histogram_metric(Labels labels, const CountHistogram& h) {
    ClientMetric c;
    c.label = std::move(labels);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < h.buckets.size(); ++b) {
        cumulative += h.buckets[b];
        const bool last = b + 1 == h.buckets.size();  // open above: +Inf
        c.histogram.bucket.push_back({cumulative, last ? std::numeric_limits<double>::infinity()
                                                       : static_cast<double>(2ull << b) / 1e9});
    }
    c.histogram.sample_count = cumulative;
    c.histogram.sample_sum = static_cast<double>(h.sum_ns) / 1e9;
    return c;
}

template <class Get>
MetricFamily per_row(const std::vector<Row>& rows, std::string name, std::string help, Get get) {
    MetricFamily f = family(std::move(name), std::move(help), MetricType::Counter);
    for (const Row& r : rows)
        f.metric.push_back(
            value_metric(r.labels, MetricType::Counter, static_cast<double>(get(r.c))));
    return f;
}

// The families `live --metrics` has too, with the same names and labels.
void add_model_counters(std::vector<MetricFamily>& out, const std::vector<Row>& rows,
                        const capture::CountingVisibility& seen) {
    using C = InstanceCounts;
    out.push_back(per_row(rows, "epscope_instance_waits_total", "epoll_wait calls",
                          [](const C& c) { return c.waits; }));
    out.push_back(per_row(rows, "epscope_instance_deliveries_total",
                          "Events delivered to user space",
                          [](const C& c) { return c.deliveries; }));
    if (seen.harvests)
        out.push_back(per_row(rows, "epscope_instance_harvests_total",
                              "Harvests (ready list scanned for a waiter)",
                              [](const C& c) { return c.harvests; }));
    if (seen.wakeups)
        out.push_back(per_row(rows, "epscope_instance_wakeups_total", "Waiters woken by a callback",
                              [](const C& c) { return c.wakeups; }));
    if (!seen.callbacks) return;
    MetricFamily cb =
        family("epscope_instance_callbacks_total",
               "ep_poll_callback runs by outcome (the list it chose)", MetricType::Counter);
    for (const Row& r : rows)
        for (std::size_t o = 0; o < r.c.callbacks.size(); ++o) {
            Labels l = r.labels;
            l.push_back({"outcome", stream::callback_outcome_name(static_cast<std::uint32_t>(o))});
            cb.metric.push_back(value_metric(std::move(l), MetricType::Counter,
                                             static_cast<double>(r.c.callbacks[o])));
        }
    out.push_back(std::move(cb));
}

// What counting mode counts and the model does not export.
void add_counting_counters(std::vector<MetricFamily>& out, const std::vector<Row>& rows,
                           const capture::CountingVisibility& seen) {
    using C = InstanceCounts;
    MetricFamily ctl =
        family("epscope_instance_ctl_total", "epoll_ctl calls by operation (failed: returned < 0)",
               MetricType::Counter);
    for (const Row& r : rows)
        for (auto [op, n] : {std::pair{"add", r.c.ctl_add},
                             {"mod", r.c.ctl_mod},
                             {"del", r.c.ctl_del},
                             {"failed", r.c.ctl_failed}}) {
            Labels l = r.labels;
            l.push_back({"op", op});
            ctl.metric.push_back(
                value_metric(std::move(l), MetricType::Counter, static_cast<double>(n)));
        }
    out.push_back(std::move(ctl));
    out.push_back(per_row(rows, "epscope_instance_timeouts_total",
                          "epoll_wait calls that returned no event (timed out)",
                          [](const C& c) { return c.timeouts; }));
    out.push_back(per_row(rows, "epscope_instance_wait_errors_total",
                          "epoll_wait calls that failed (EINTR, ...)",
                          [](const C& c) { return c.wait_errors; }));
    if (seen.sleeps)
        out.push_back(per_row(rows, "epscope_instance_waits_slept_total",
                              "epoll_wait calls that blocked (the thread slept)",
                              [](const C& c) { return c.waits_slept; }));
}

void add_histograms(std::vector<MetricFamily>& out, const std::vector<Row>& rows,
                    const capture::CountingVisibility& seen) {
    add_instance_histogram_families(
        out, rows, seen.callbacks,
        [](const Row& r) { return histogram_metric(r.labels, r.c.wait_time); },
        [](const Row& r) { return histogram_metric(r.labels, r.c.latency); });
}

// The busiest items of the processes with series of their own.
void add_top_items(std::vector<MetricFamily>& out, const capture::CountingSnapshot& snap,
                   const CountingNames& names, const std::set<std::uint32_t>& kept, std::size_t top,
                   const capture::CountingVisibility& seen) {
    std::map<std::uint64_t, const InstanceCounts*> by_ep;
    for (const auto& c : snap.instances) by_ep[c.ep] = &c;
    std::vector<const capture::ItemCounts*> hot;
    for (const auto& it : snap.items) {
        auto in = by_ep.find(it.ep);
        if (in != by_ep.end() && kept.count(it.tgid) && it.deliveries + callbacks_of(it.callbacks))
            hot.push_back(&it);
    }
    const std::size_t n = std::min(top, hot.size());
    std::partial_sort(hot.begin(), hot.begin() + static_cast<std::ptrdiff_t>(n), hot.end(),
                      [](const auto* a, const auto* b) {
                          return a->deliveries + callbacks_of(a->callbacks) >
                                 b->deliveries + callbacks_of(b->callbacks);
                      });
    const auto c = MetricType::Counter;
    MetricFamily del = family("epscope_item_deliveries_total",
                              "Events delivered for the busiest items (top N)", c);
    MetricFamily cbs =
        family("epscope_item_callbacks_total", "Callbacks of the busiest items (top N)", c);
    for (std::size_t i = 0; i < n; ++i) {
        const capture::ItemCounts& x = *hot[i];
        const InstanceCounts& in = *by_ep[x.ep];
        Labels l = {{"comm", label_value(in.comm)},
                    {"fd", x.fd >= 0 ? std::to_string(x.fd) : std::string("?")},
                    {"instance", names.instance(x.ep)},
                    {"name", label_value(x.fd >= 0 ? names.fd(x.tgid, x.fd) : std::string())},
                    {"pid", std::to_string(x.tgid)}};
        del.metric.push_back(value_metric(l, c, static_cast<double>(x.deliveries)));
        if (seen.callbacks)
            cbs.metric.push_back(
                value_metric(l, c, static_cast<double>(callbacks_of(x.callbacks))));
    }
    out.push_back(std::move(del));
    if (seen.callbacks) out.push_back(std::move(cbs));
}

void add_gauge(std::vector<MetricFamily>& out, const char* name, const char* help, double v) {
    out.push_back(family(name, help, MetricType::Gauge));
    out.back().metric.push_back(value_metric({}, MetricType::Gauge, v));
}

void add_source(std::vector<MetricFamily>& out, const capture::CountingSnapshot& snap,
                const capture::CountingVisibility& seen, const CountingSource& src,
                std::uint64_t instances_aggregated, std::size_t processes_kept) {
    add_gauge(out, "epscope_processes", "Processes traced now", static_cast<double>(src.processes));
    add_gauge(out, "epscope_processes_aggregated",
              "Processes beyond the cap, summed into pid=\"other\"",
              static_cast<double>(snap.processes.size() - processes_kept));
    add_gauge(out, "epscope_instances", "Epoll instances traced now",
              static_cast<double>(snap.instances.size()));
    add_gauge(out, "epscope_instances_aggregated",
              "Instances beyond the cap, summed into instance=\"other\"",
              static_cast<double>(instances_aggregated));
    const auto c = MetricType::Counter;
    out.push_back(family("epscope_counting_evicted_total",
                         "Entries the bounded counting maps evicted to make room (their counts "
                         "are lost)",
                         c));
    out.back().metric.push_back(
        value_metric({{"map", "instances"}}, c, static_cast<double>(snap.instances_evicted)));
    out.back().metric.push_back(
        value_metric({{"map", "items"}}, c, static_cast<double>(snap.items_evicted)));
    out.push_back(family("epscope_counting_failed_updates_total",
                         "Counting map entries BPF could not create at all", c));
    out.back().metric.push_back(value_metric({}, c, static_cast<double>(snap.failed_updates)));
    out.push_back(family("epscope_skipped_runs_total",
                         "Runs of the tracer's BPF programs the kernel skipped (the calls in "
                         "them are not counted)",
                         c));
    out.back().metric.push_back(value_metric({}, c, static_cast<double>(snap.skipped_runs)));
    out.push_back(family("epscope_hook_visible",
                         "1 if the backend sees this part of epoll (else its metrics are absent)",
                         MetricType::Gauge));
    for (auto [hook, on] : {std::pair{"callback", seen.callbacks},
                            {"harvest", seen.harvests},
                            {"wakeup", seen.wakeups}})
        out.back().metric.push_back(
            value_metric({{"backend", src.backend}, {"hook", hook}}, MetricType::Gauge, on));
}

}  // namespace

std::vector<MetricFamily> counting_families(const capture::CountingSnapshot& snap,
                                            const capture::CountingVisibility& seen,
                                            const CountingNames& names,
                                            const CountingLimits& limits,
                                            const CountingSource& source) {
    const std::set<std::uint32_t> kept = kept_processes(snap, limits.max_processes);
    std::uint64_t aggregated = 0;
    const std::vector<Row> rows =
        instance_rows(snap, names, kept, limits.max_instances, &aggregated);
    std::vector<MetricFamily> out;
    add_source(out, snap, seen, source, aggregated, kept.size());
    add_model_counters(out, rows, seen);
    add_counting_counters(out, rows, seen);
    add_histograms(out, rows, seen);
    add_top_items(out, snap, names, kept, limits.top_items, seen);
    return out;
}

}  // namespace epscope::metrics
