// The pieces every family builder uses (the model's in metrics_families.cpp,
// counting mode's in counting_families.cpp): one copy each.
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <string>
#include <string_view>
#include <vector>

namespace epscope::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

// A label value Prometheus accepts: printable ASCII, at most 64 characters.
std::string label_value(std::string_view v);

prometheus::MetricFamily family(std::string name, std::string help, prometheus::MetricType type);

// A counter's or a gauge's sample.
prometheus::ClientMetric value_metric(Labels labels, prometheus::MetricType type, double v);

// The instance histograms, named and described once for both builders: time
// in epoll_wait, and callback to delivery when the backend sees callbacks.
// `wait(row)` and `latency(row)` give a row's samples.
template <class Rows, class Wait, class Latency>
void add_instance_histogram_families(std::vector<prometheus::MetricFamily>& out, const Rows& rows,
                                     bool callbacks_seen, Wait wait, Latency latency) {
    prometheus::MetricFamily w =
        family("epscope_instance_wait_seconds", "Time from entering to leaving epoll_wait",
               prometheus::MetricType::Histogram);
    for (const auto& r : rows) w.metric.push_back(wait(r));
    out.push_back(std::move(w));
    if (!callbacks_seen) return;
    prometheus::MetricFamily l = family("epscope_instance_latency_seconds",
                                        "Time from an item's callback to its delivery by a harvest",
                                        prometheus::MetricType::Histogram);
    for (const auto& r : rows) l.metric.push_back(latency(r));
    out.push_back(std::move(l));
}

}  // namespace epscope::metrics
