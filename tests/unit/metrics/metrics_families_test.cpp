// model_families over the model of a real trace: bounded cardinality (the
// cap sums the rest into instance="other" without losing a count), no
// kernel address in any label, nothing the backend cannot see, histograms
// Prometheus accepts.
#include "metrics/metrics_families.hpp"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cmath>
#include <map>
#include <string>

#include "record_builder.hpp"
#include "stream/abi.hpp"

namespace epscope::metrics {
namespace {

// Instances k = 1..4 in process 100+k, each with k items (fd 10..), k
// callbacks per item and k waits of k ms: every figure differs by instance.
model::Model several_instances() {
    model::Model m;
    testing::RecordBuilder s(m);
    s.ts = 2000;  // each record 1 us after the previous, the first at 2 us
    for (std::uint32_t k = 1; k <= 4; ++k) {
        const std::uint64_t ep = 0xffff888000000000ull + k * 0x10000;
        s.tgid = 100 + k;
        s.process("srv" + std::to_string(k));
        s.create(ep, 3);
        for (std::uint32_t i = 0; i < k; ++i) {
            ep_item_ctl r{};
            r.ep = ep;
            r.epi = ep + 0x100 + i * 0x10;
            r.file = ep + 0x8000 + i * 0x10;
            r.epfd = 3;
            r.fd = static_cast<std::int32_t>(10 + i);
            r.events = 1;
            r.data = 10 + i;
            s.feed(EP_KIND_ITEM_INSERT, r);
            for (std::uint32_t n = 0; n < k; ++n) {
                ep_callback cb{};
                cb.ep = ep;
                cb.epi = r.epi;
                cb.file = r.file;
                cb.fd = r.fd;
                cb.events = 1;
                cb.key = 1;
                cb.outcome = n == 0 ? EP_CB_QUEUED_READY : EP_CB_ALREADY_READY;
                s.feed(EP_KIND_CALLBACK, cb);
            }
        }
        for (std::uint32_t n = 0; n < k; ++n) {
            ep_wait_begin b{};
            b.ep = ep;
            b.epfd = 3;
            b.maxevents = 0;  // returns 0 events: a timeout
            b.timeout_ns = 1000000;
            s.feed(EP_KIND_WAIT_BEGIN, b);
            s.ts += k * 1000000ull;
            ep_wait_end e{};
            e.ep = ep;
            e.epfd = 3;
            e.result = 0;
            s.feed(EP_KIND_WAIT_END, e);
        }
    }
    return m;
}

std::string name_of(const model::Instance& in) { return "ep#" + std::to_string(in.serial); }

std::vector<prometheus::MetricFamily> families(const model::Model& m, MetricsLimits limits = {},
                                               Visibility seen = {}) {
    return model_families(m, name_of, limits, seen, {"fentry", 1, 0});
}

const prometheus::MetricFamily* find(const std::vector<prometheus::MetricFamily>& f,
                                     const std::string& name) {
    for (const auto& x : f)
        if (x.name == name) return &x;
    return nullptr;
}

std::string label(const prometheus::ClientMetric& c, const std::string& name) {
    for (const auto& l : c.label)
        if (l.name == name) return l.value;
    return "<none>";
}

double sum_of(const prometheus::MetricFamily& f) {
    double s = 0;
    for (const auto& c : f.metric)
        s += f.type == prometheus::MetricType::Gauge ? c.gauge.value : c.counter.value;
    return s;
}

TEST(MetricsFamilies, TheCapSumsTheRestIntoOtherWithoutLosingACount) {
    const model::Model m = several_instances();
    const std::size_t n = m.instances().size();
    ASSERT_EQ(n, 4u);
    const auto all = families(m, {1000, 10});
    const auto capped = families(m, {1, 2});
    EXPECT_DOUBLE_EQ(sum_of(*find(all, "epscope_instance_items")), 10.0);
    EXPECT_DOUBLE_EQ(sum_of(*find(all, "epscope_instance_callbacks_total")), 1 + 4 + 9 + 16.0);
    for (const char* fam : {"epscope_instance_items", "epscope_instance_waits_total",
                            "epscope_instance_deliveries_total", "epscope_instance_callbacks_total",
                            "epscope_instance_wakeups_total", "epscope_instance_harvests_total"}) {
        const auto* a = find(all, fam);
        const auto* c = find(capped, fam);
        ASSERT_NE(a, nullptr) << fam;
        ASSERT_NE(c, nullptr) << fam;
        EXPECT_DOUBLE_EQ(sum_of(*a), sum_of(*c)) << fam;
    }
    const auto* items = find(capped, "epscope_instance_items");
    ASSERT_EQ(items->metric.size(), 2u);  // the busiest one and "other"
    EXPECT_EQ(label(items->metric[0], "comm"), "srv4");
    EXPECT_EQ(items->metric[0].gauge.value, 4.0);
    EXPECT_EQ(label(items->metric[1], "instance"), "other");
    EXPECT_EQ(items->metric[1].gauge.value, 6.0);
    EXPECT_DOUBLE_EQ(find(capped, "epscope_instances_aggregated")->metric[0].gauge.value,
                     static_cast<double>(n - 1));
    EXPECT_LE(find(capped, "epscope_item_deliveries_total")->metric.size(), 2u);
}

TEST(MetricsFamilies, HistogramsEndInInfWithTheirCountAndSum) {
    const model::Model m = several_instances();
    const auto f = families(m);
    const auto* wait = find(f, "epscope_instance_wait_seconds");
    ASSERT_NE(wait, nullptr);
    const auto* waits = find(f, "epscope_instance_waits_total");
    double count = 0;
    for (const auto& c : wait->metric) {
        ASSERT_FALSE(c.histogram.bucket.empty());
        EXPECT_TRUE(std::isinf(c.histogram.bucket.back().upper_bound));
        EXPECT_EQ(c.histogram.bucket.back().cumulative_count, c.histogram.sample_count);
        for (std::size_t b = 1; b < c.histogram.bucket.size(); ++b)
            EXPECT_GE(c.histogram.bucket[b].cumulative_count,
                      c.histogram.bucket[b - 1].cumulative_count);
        if (c.histogram.sample_count) {
            EXPECT_GT(c.histogram.sample_sum, 0.0);
        }
        count += static_cast<double>(c.histogram.sample_count);
    }
    EXPECT_DOUBLE_EQ(count, sum_of(*waits));
    EXPECT_DOUBLE_EQ(count, 1 + 2 + 3 + 4.0);
    double total = 0;
    for (const auto& c : wait->metric) total += c.histogram.sample_sum;
    EXPECT_NEAR(total, (1 * 1 + 2 * 2 + 3 * 3 + 4 * 4) * 1e-3, 1e-4);  // k waits of k ms
}

TEST(MetricsFamilies, WhatTheBackendCannotSeeHasNoSeriesAndIsSaid) {
    const model::Model m = several_instances();
    const auto f = families(m, {}, Visibility{false, false, false, "tracepoint"});
    for (const char* fam : {"epscope_instance_callbacks_total", "epscope_instance_wakeups_total",
                            "epscope_instance_harvests_total", "epscope_instance_herds_total",
                            "epscope_instance_latency_seconds", "epscope_item_callbacks_total"})
        EXPECT_EQ(find(f, fam), nullptr) << fam;
    const auto* visible = find(f, "epscope_hook_visible");
    ASSERT_NE(visible, nullptr);
    for (const auto& c : visible->metric) EXPECT_EQ(c.gauge.value, 0.0) << label(c, "hook");
}

TEST(MetricsFamilies, TextHasNoKernelAddressAndCountersEndInTotal) {
    const model::Model m = several_instances();
    const auto f = families(m);
    const std::string text = prometheus::TextSerializer().Serialize(f);
    EXPECT_EQ(text.find("0xffff"), std::string::npos);
    EXPECT_NE(text.find("instance=\"ep#1\""), std::string::npos);
    for (const auto& fam : f)
        if (fam.type == prometheus::MetricType::Counter) {
            EXPECT_EQ(fam.name.substr(fam.name.size() - 6), "_total") << fam.name;
        }
}

}  // namespace
}  // namespace epscope::metrics
