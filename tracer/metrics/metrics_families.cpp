#include "metrics/metrics_families.hpp"

#include <algorithm>
#include <limits>
#include <map>
#include <string_view>

#include "metrics/family_parts.hpp"
#include "stream/record_text.hpp"

namespace epscope::metrics {

// Label values are UTF-8 for Prometheus; fd names (unix socket paths) may be
// any bytes: keep printable ASCII, at most 64 characters.
std::string label_value(std::string_view v) {
    std::string out;
    for (char c : v.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return out;
}

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type) {
    prometheus::MetricFamily f;
    f.name = std::move(name);
    f.help = std::move(help);
    f.type = type;
    return f;
}

prometheus::ClientMetric value_metric(Labels labels, prometheus::MetricType type, double v) {
    prometheus::ClientMetric c;
    c.label = std::move(labels);
    if (type == prometheus::MetricType::Counter)
        c.counter.value = v;
    else
        c.gauge.value = v;
    return c;
}

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// One instance's series, or the sum of those beyond the cap ("other").
struct Row {
    Labels labels;
    std::uint64_t items = 0;
    std::uint64_t ready = 0;
    std::uint64_t overflow = 0;
    std::uint64_t waiters = 0;
    model::InstanceStats stats;
};

std::uint64_t callbacks_of(const std::array<std::uint64_t, model::kOutcomes>& c) {
    std::uint64_t n = 0;
    for (auto v : c) n += v;
    return n;
}

std::uint64_t activity(const model::Instance& in) {
    return in.stats.waits + in.stats.deliveries + callbacks_of(in.stats.callbacks);
}

std::uint32_t owner_tgid(const model::Instance& in) {
    return in.fds.empty() ? in.creator_tgid : in.fds.front().tgid;
}

std::string comm_of(const model::Model& m, std::uint32_t tgid) {
    auto p = m.processes().find(tgid);
    return p == m.processes().end() ? std::string() : label_value(p->second.comm);
}

void add_stats(model::InstanceStats& to, const model::InstanceStats& from) {
    for (std::size_t o = 0; o < model::kOutcomes; ++o) to.callbacks[o] += from.callbacks[o];
    to.deliveries += from.deliveries;
    to.harvests += from.harvests;
    to.waits += from.waits;
    to.wakeups += from.wakeups;
    to.spurious_wakeups += from.spurious_wakeups;
    to.herds += from.herds;
    to.latency.merge(from.latency);
    to.wait_time.merge(from.wait_time);
}

// The busiest instances each get a row; the rest share the "other" row.
std::vector<Row> instance_rows(const model::Model& m, const InstanceName& name,
                               std::size_t max_instances, std::uint64_t* aggregated) {
    std::vector<model::InstanceRef> refs = m.instances();
    std::stable_sort(refs.begin(), refs.end(), [&m](model::InstanceRef a, model::InstanceRef b) {
        return activity(m.instance(a)) > activity(m.instance(b));
    });
    std::vector<Row> rows;
    Row other;
    other.labels = {{"comm", "other"}, {"epfd", ""}, {"instance", "other"}, {"pid", "other"}};
    *aggregated = 0;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const model::Instance& in = m.instance(refs[i]);
        Row* row = &other;
        if (i < max_instances) {
            rows.emplace_back();
            row = &rows.back();
            std::string epfds;
            for (const auto& f : in.fds) epfds += (epfds.empty() ? "" : ",") + std::to_string(f.fd);
            const std::uint32_t tgid = owner_tgid(in);
            row->labels = {{"comm", comm_of(m, tgid)},
                           {"epfd", epfds},
                           {"instance", name(in)},
                           {"pid", std::to_string(tgid)}};
        } else {
            ++*aggregated;
        }
        row->items += in.items;
        row->ready += in.ready.count;
        row->overflow += in.ovf_count;
        row->waiters += in.waiters.size();
        add_stats(row->stats, in.stats);
    }
    if (*aggregated) rows.push_back(std::move(other));
    return rows;
}

ClientMetric histogram_metric(Labels labels, const model::WideHistogram& h) {
    ClientMetric c;
    c.label = std::move(labels);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < h.buckets(); ++b) {
        cumulative += h.count(b);
        const bool last = b + 1 == h.buckets();  // open above: +Inf
        c.histogram.bucket.push_back(
            {cumulative, last ? std::numeric_limits<double>::infinity()
                              : static_cast<double>(model::WideHistogram::upper_bound(b)) / 1e9});
    }
    c.histogram.sample_count = cumulative;
    c.histogram.sample_sum = static_cast<double>(h.sum_ns()) / 1e9;
    return c;
}

// One family with a row's value per instance row.
template <class Get>
MetricFamily per_row(const std::vector<Row>& rows, std::string name, std::string help,
                     MetricType type, Get get) {
    MetricFamily f = family(std::move(name), std::move(help), type);
    for (const Row& r : rows) f.metric.push_back(value_metric(r.labels, type, get(r)));
    return f;
}

void add_instance_gauges(std::vector<MetricFamily>& out, const std::vector<Row>& rows) {
    const auto g = MetricType::Gauge;
    out.push_back(per_row(rows, "epscope_instance_items", "Items in the instance's rb-tree", g,
                          [](const Row& r) { return r.items; }));
    out.push_back(per_row(rows, "epscope_instance_ready_list_items",
                          "Items on the instance's ready list", g,
                          [](const Row& r) { return r.ready; }));
    out.push_back(per_row(rows, "epscope_instance_overflow_list_items",
                          "Items on the instance's overflow list (callbacks during a harvest)", g,
                          [](const Row& r) { return r.overflow; }));
    out.push_back(per_row(rows, "epscope_instance_waiters", "Threads blocked in epoll_wait", g,
                          [](const Row& r) { return r.waiters; }));
}

void add_instance_counters(std::vector<MetricFamily>& out, const std::vector<Row>& rows,
                           const Visibility& seen) {
    const auto c = MetricType::Counter;
    out.push_back(per_row(rows, "epscope_instance_waits_total", "epoll_wait calls", c,
                          [](const Row& r) { return r.stats.waits; }));
    out.push_back(per_row(rows, "epscope_instance_deliveries_total",
                          "Events delivered to user space", c,
                          [](const Row& r) { return r.stats.deliveries; }));
    if (seen.harvests)
        out.push_back(per_row(rows, "epscope_instance_harvests_total",
                              "Harvests (ready list scanned for a waiter)", c,
                              [](const Row& r) { return r.stats.harvests; }));
    if (seen.wakeups) {
        out.push_back(per_row(rows, "epscope_instance_wakeups_total", "Waiters woken by a callback",
                              c, [](const Row& r) { return r.stats.wakeups; }));
        out.push_back(per_row(rows, "epscope_instance_spurious_wakeups_total",
                              "Waiters woken that returned no event", c,
                              [](const Row& r) { return r.stats.spurious_wakeups; }));
    }
    if (seen.herds())
        out.push_back(per_row(rows, "epscope_instance_herds_total",
                              "Callbacks that woke more than one waiter", c,
                              [](const Row& r) { return r.stats.herds; }));
    if (!seen.callbacks) return;
    MetricFamily cb = family("epscope_instance_callbacks_total",
                             "ep_poll_callback runs by outcome (the list it chose)", c);
    for (const Row& r : rows) {
        for (std::size_t o = 0; o < model::kOutcomes; ++o) {
            Labels l = r.labels;
            l.push_back({"outcome", stream::callback_outcome_name(static_cast<std::uint32_t>(o))});
            cb.metric.push_back(value_metric(std::move(l), c, r.stats.callbacks[o]));
        }
    }
    out.push_back(std::move(cb));
}

void add_instance_histograms(std::vector<MetricFamily>& out, const std::vector<Row>& rows,
                             const Visibility& seen) {
    add_instance_histogram_families(
        out, rows, seen.callbacks,
        [](const Row& r) { return histogram_metric(r.labels, r.stats.wait_time); },
        [](const Row& r) { return histogram_metric(r.labels, r.stats.latency); });
}

// The busiest items (deliveries and callbacks), each with its fd and name.
void add_top_items(std::vector<MetricFamily>& out, const model::Model& m, const InstanceName& name,
                   std::size_t top, const Visibility& seen) {
    struct Hot {
        std::uint64_t activity;
        model::InstanceRef inst;
        model::ItemRef item;
    };
    std::vector<Hot> hot;
    for (model::InstanceRef ref : m.instances())
        for (model::ItemRef it : m.items_in_order(ref)) {
            const auto& st = m.item(it).stats;
            if (std::uint64_t a = st.deliveries + callbacks_of(st.callbacks))
                hot.push_back({a, ref, it});
        }
    const std::size_t n = std::min(top, hot.size());
    std::partial_sort(hot.begin(), hot.begin() + static_cast<std::ptrdiff_t>(n), hot.end(),
                      [](const Hot& a, const Hot& b) { return a.activity > b.activity; });
    const auto c = MetricType::Counter;
    MetricFamily del = family("epscope_item_deliveries_total",
                              "Events delivered for the busiest items (top N)", c);
    MetricFamily cbs =
        family("epscope_item_callbacks_total", "Callbacks of the busiest items (top N)", c);
    for (std::size_t i = 0; i < n; ++i) {
        const model::Instance& in = m.instance(hot[i].inst);
        const model::Item& x = m.item(hot[i].item);
        const std::uint32_t tgid = owner_tgid(in);
        Labels l = {{"comm", comm_of(m, tgid)},
                    {"fd", std::to_string(x.fd)},
                    {"instance", name(in)},
                    // A stale item (its fd closed, the file still registered) is
                    // not the file the number names now: its own series.
                    {"name", (m.item_stale(hot[i].item) ? "[closed fd] " : "") +
                                 label_value(m.item_fd_name(tgid, hot[i].item))},
                    {"pid", std::to_string(tgid)}};
        del.metric.push_back(value_metric(l, c, x.stats.deliveries));
        if (seen.callbacks)
            cbs.metric.push_back(value_metric(l, c, callbacks_of(x.stats.callbacks)));
    }
    out.push_back(std::move(del));
    if (seen.callbacks) out.push_back(std::move(cbs));
}

void add_capture(std::vector<MetricFamily>& out, const CaptureCounts& cap, const Visibility& seen,
                 std::size_t instances, std::uint64_t aggregated) {
    const auto c = MetricType::Counter;
    const auto g = MetricType::Gauge;
    out.push_back(family("epscope_records_total", "Records the tracer received", c));
    out.back().metric.push_back(value_metric({}, c, cap.records));
    out.push_back(family("epscope_lost_records_total", "Records the ring buffer dropped", c));
    out.back().metric.push_back(value_metric({}, c, cap.lost));
    out.push_back(family("epscope_instances", "Epoll instances traced now", g));
    out.back().metric.push_back(value_metric({}, g, instances));
    out.push_back(family("epscope_instances_aggregated",
                         "Instances beyond the cap, summed into instance=\"other\"", g));
    out.back().metric.push_back(value_metric({}, g, aggregated));
    out.push_back(family("epscope_hook_visible",
                         "1 if the backend sees this part of epoll (else its metrics are absent)",
                         g));
    for (auto [hook, on] : {std::pair{"callback", seen.callbacks},
                            {"harvest", seen.harvests},
                            {"wakeup", seen.wakeups}})
        out.back().metric.push_back(
            value_metric({{"backend", cap.backend}, {"hook", hook}}, g, on));
}

}  // namespace

std::vector<MetricFamily> model_families(const model::Model& m, const InstanceName& name,
                                         const MetricsLimits& limits, const Visibility& seen,
                                         const CaptureCounts& capture) {
    std::uint64_t aggregated = 0;
    const std::vector<Row> rows = instance_rows(m, name, limits.max_instances, &aggregated);
    std::vector<MetricFamily> out;
    add_capture(out, capture, seen, m.instances().size(), aggregated);
    add_instance_gauges(out, rows);
    add_instance_counters(out, rows, seen);
    add_instance_histograms(out, rows, seen);
    add_top_items(out, m, name, limits.top_items, seen);
    return out;
}

std::vector<MetricFamily> findings_families(const std::vector<findings::Finding>& found,
                                            const std::vector<findings::Unjudged>& unjudged) {
    const auto g = MetricType::Gauge;
    MetricFamily counts =
        family("epscope_findings", "Findings of `epscope check`'s rules so far, by severity", g);
    MetricFamily blind = family("epscope_findings_unjudged",
                                "1: this backend cannot judge the rule (no epscope_findings)", g);
    for (std::size_t k = 0; k < findings::kKinds; ++k) {
        const auto kind = static_cast<findings::Kind>(k);
        const std::string rule(findings::kind_name(kind));
        if (std::any_of(unjudged.begin(), unjudged.end(),
                        [&](const findings::Unjudged& u) { return u.kind == kind; })) {
            blind.metric.push_back(value_metric({{"rule", rule}}, g, 1));
            continue;
        }
        for (auto sev :
             {findings::Severity::Info, findings::Severity::Warning, findings::Severity::Error}) {
            const auto n = std::count_if(
                found.begin(), found.end(),
                [&](const findings::Finding& f) { return f.kind == kind && f.severity == sev; });
            counts.metric.push_back(value_metric(
                {{"rule", rule}, {"severity", std::string(findings::severity_name(sev))}}, g,
                static_cast<double>(n)));
        }
    }
    return {std::move(counts), std::move(blind)};
}

}  // namespace epscope::metrics
