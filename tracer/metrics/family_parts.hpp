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

}  // namespace epscope::metrics
