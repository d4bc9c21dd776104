// The details panel's view-model: histogram bars (trimmed, relative heights,
// bucket bounds) and the counters of an instance and an item after a known
// stream (a callback queues fd 5, a waiter is woken and harvests it).
#include "view/details.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "model/model.hpp"
#include "synthetic_stream.hpp"
#include "trace/visibility.hpp"
#include "view/replay.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;

std::uint64_t counter(const std::vector<Counter>& cs, const std::string& name) {
    for (const Counter& c : cs) {
        if (c.name == name) return c.value;
    }
    ADD_FAILURE() << "no counter " << name;
    return 0;
}

TEST(HistogramBars, TrimmedToTheUsedBucketsWithRelativeHeights) {
    model::WideHistogram h;  // one octave per bucket from 256 ns
    EXPECT_TRUE(histogram_bars(h).bars.empty());
    h.add(1000);  // bucket 2: [512, 1024)
    h.add(1000);
    h.add(1000);
    h.add(1000);
    h.add(5000);  // bucket 5: [4096, 8192)
    h.add(7000);
    HistogramView v = histogram_bars(h);
    EXPECT_EQ(v.total, 6u);
    ASSERT_EQ(v.bars.size(), 4u);  // buckets 2..5, the empty 3 and 4 kept
    EXPECT_EQ(v.bars[0].lo_ns, 512u);
    EXPECT_EQ(v.bars[0].hi_ns, 1024u);
    EXPECT_EQ(v.bars[0].count, 4u);
    EXPECT_FLOAT_EQ(v.bars[0].height, 1.0f);
    EXPECT_EQ(v.bars[1].count, 0u);
    EXPECT_FLOAT_EQ(v.bars[1].height, 0.0f);
    EXPECT_EQ(v.bars[2].count, 0u);
    EXPECT_EQ(v.bars[3].lo_ns, 4096u);
    EXPECT_EQ(v.bars[3].hi_ns, 8192u);
    EXPECT_EQ(v.bars[3].count, 2u);
    EXPECT_FLOAT_EQ(v.bars[3].height, 0.5f);
    // Interpolated within the bucket, not its bound: p50 is 3 of the 4
    // samples into [512, 1024), p99 0.97 of the way through [4096, 8192).
    EXPECT_EQ(v.p50_ns, 896u);
    EXPECT_EQ(v.p99_ns, 8069u);

    model::ItemLatencyHistogram small;  // two octaves per bucket
    small.add(100);                     // bucket 0: [0, 256)
    small.add(300);                     // bucket 1: [256, 1024)
    HistogramView s = histogram_bars(small);
    ASSERT_EQ(s.bars.size(), 2u);
    EXPECT_EQ(s.bars[0].lo_ns, 0u);
    EXPECT_EQ(s.bars[0].hi_ns, 256u);
    EXPECT_EQ(s.bars[1].lo_ns, 256u);
    EXPECT_EQ(s.bars[1].hi_ns, 1024u);
    EXPECT_EQ(short_duration(256), "256 ns");
    EXPECT_EQ(short_duration(1024), "1.02 us");
    EXPECT_EQ(short_duration(16'777'216), "16.8 ms");
}

TEST(Details, InstanceAndItemCountersAndHistograms) {
    model::Model m;
    Synth s(m);
    const std::uint64_t ep = ep_of(1);
    s.process("details");
    s.create(ep, 3);
    s.insert(ep, 3, 5);
    s.insert(ep, 3, 6);
    s.fd_name(5, "pipe:[77]");
    s.ts = 1'000'000;
    s.wait_begin(ep, 3, 200);
    s.wait_sleep(ep, 200);
    s.ts = 2'000'000;
    s.callback(ep, 5, EP_CB_QUEUED_READY, 1, 300);
    s.callback(ep, 5, EP_CB_ALREADY_READY, 1, 300);
    s.callback(ep, 6, EP_CB_IGNORED_MASK, 1, 300);
    s.wakeup(ep, 5, 200, 300);
    s.ts = 2'010'000;
    s.harvest_begin(ep, 200);
    s.harvest_item(ep, 5, 0, 200);
    s.harvest_end(ep, 200, 1);
    s.wait_end(ep, 3, 1, 200);
    const model::InstanceRef inst = m.find_instance(ep);
    ASSERT_NE(inst, model::kNil);

    InstanceDetails d = instance_details(m, inst);
    ASSERT_TRUE(d.valid);
    EXPECT_EQ(counter(d.counters, "callbacks"), 3u);
    EXPECT_EQ(counter(d.counters, "  queued ready"), 1u);
    EXPECT_EQ(counter(d.counters, "  already ready"), 1u);
    EXPECT_EQ(counter(d.counters, "  ignored (mask)"), 1u);
    EXPECT_EQ(counter(d.counters, "deliveries"), 1u);
    EXPECT_EQ(counter(d.counters, "harvests"), m.instance(inst).stats.harvests);
    EXPECT_EQ(counter(d.counters, "waits"), 1u);
    EXPECT_EQ(counter(d.counters, "wakeups"), 1u);
    EXPECT_EQ(counter(d.counters, "spurious wakeups"), 0u);
    // One callback -> harvest latency of about 10 us, one wait of about 1 ms.
    ASSERT_EQ(d.latency.bars.size(), 1u);
    EXPECT_EQ(d.latency.total, 1u);
    EXPECT_LE(d.latency.bars[0].lo_ns, 12'000u);
    EXPECT_GT(d.latency.bars[0].hi_ns, 12'000u);
    ASSERT_EQ(d.wait_time.bars.size(), 1u);
    EXPECT_LE(d.wait_time.bars[0].lo_ns, 1'000'000u);
    EXPECT_GT(d.wait_time.bars[0].hi_ns, 1'020'000u);
    // Busiest items: fd 5 (2 callbacks), then fd 6 (1).
    ASSERT_EQ(d.busiest.size(), 2u);
    EXPECT_EQ(d.busiest[0].fd, 5);
    EXPECT_EQ(d.busiest[0].callbacks, 2u);
    EXPECT_EQ(d.busiest[0].deliveries, 1u);
    EXPECT_EQ(d.busiest[1].fd, 6);
    EXPECT_EQ(instance_details(m, inst, {}, 1).busiest.size(), 1u);

    ItemDetails i5 = item_details(m, inst, 5);
    ASSERT_TRUE(i5.valid);
    EXPECT_EQ(i5.label, "fd 5  pipe:[77]");
    EXPECT_EQ(counter(i5.counters, "callbacks"), 2u);
    EXPECT_EQ(counter(i5.counters, "deliveries"), 1u);
    ASSERT_EQ(i5.latency.bars.size(), 1u);
    EXPECT_FLOAT_EQ(i5.latency.bars[0].height, 1.0f);
    ItemDetails i6 = item_details(m, inst, 6);
    ASSERT_TRUE(i6.valid);
    EXPECT_EQ(counter(i6.counters, "  ignored (mask)"), 1u);
    EXPECT_TRUE(i6.latency.bars.empty());
    EXPECT_FALSE(item_details(m, inst, 42).valid);
    EXPECT_FALSE(instance_details(m, model::kNil).valid);
}

// A trace of the syscall-tracepoint backend (tests/gui/data: `epscope record`
// of the poller, whose plan says "hook callback none", "hook wakeup none"):
// callbacks, harvests, wakeups, spurious wakeups, herds, items dropped unready
// and the callback latency are not seen, so none of them may be shown as a
// count (0); waits and deliveries are. The busiest items rank by activity.
TEST(Details, TracepointTraceShowsNoMisleadingZeros) {
    Replay r(std::string(EPSCOPE_GUI_DATA) + "/poller-basic-tracepoint.trace");
    ASSERT_TRUE(r.opened());
    const trace::Visibility seen = trace::visibility_of(r.header());
    EXPECT_FALSE(seen.callbacks);
    EXPECT_FALSE(seen.wakeups);
    EXPECT_FALSE(seen.harvests);
    EXPECT_EQ(seen.not_seen(), "not seen by the tracepoint backend");
    r.seek_records(r.busiest_prefix());
    const std::set<std::string> unseen{"callbacks",        "harvests", "wakeups",
                                       "spurious wakeups", "herds",    "dropped unready"};
    std::size_t checked = 0;
    for (model::InstanceRef inst : r.model().instances()) {
        const InstanceDetails d = instance_details(r.model(), inst, seen, 100);
        ASSERT_TRUE(d.valid);
        for (const Counter& c : d.counters) {
            const bool outcome = c.name.starts_with("  ");
            EXPECT_EQ(c.seen, !(outcome || unseen.contains(c.name))) << c.name;
            ++checked;
        }
        EXPECT_FALSE(d.latency_seen);
        EXPECT_FALSE(d.callbacks_seen);
        EXPECT_EQ(d.not_seen, "not seen by the tracepoint backend");
        EXPECT_GT(counter(d.counters, "deliveries"), 0u);
        // Most active first: deliveries count when callbacks are not seen.
        ASSERT_GE(d.busiest.size(), 2u);
        for (std::size_t i = 1; i < d.busiest.size(); ++i) {
            EXPECT_GE(d.busiest[i - 1].activity(), d.busiest[i].activity());
        }
        EXPECT_GT(d.busiest.front().activity(), d.busiest.back().activity());
        for (const ItemRank& b : d.busiest) {
            const ItemDetails it = item_details(r.model(), inst, b.fd, seen);
            ASSERT_TRUE(it.valid);
            EXPECT_FALSE(it.latency_seen);
            for (const Counter& c : it.counters) {
                EXPECT_EQ(c.seen, c.name == "deliveries") << "fd " << b.fd << " " << c.name;
            }
        }
    }
    EXPECT_GT(checked, 0u);
}

// A header without an attach plan (tests, older traces) hides nothing; one
// whose plan hooks callbacks and wakeups in the kernel hides nothing either.
TEST(Details, KernelHooksAndUnknownPlansShowEveryFigure) {
    trace::TraceHeader none;
    const trace::Visibility a = trace::visibility_of(none);
    EXPECT_TRUE(a.callbacks && a.wakeups && a.harvests && a.herds());
    trace::TraceHeader fentry;
    fentry.set(trace::kMetaBackend, "fentry");
    fentry.attach_plan =
        "backend fentry\nhook callback fentry\nreason x\nhook wakeup fentry\nhook harvest fentry\n";
    const trace::Visibility b = trace::visibility_of(fentry);
    EXPECT_TRUE(b.callbacks && b.wakeups && b.harvests);
    trace::TraceHeader tp;
    tp.attach_plan = "hook callback none\nhook wakeup none\nhook harvest tracepoint\n";
    const trace::Visibility c = trace::visibility_of(tp);
    EXPECT_FALSE(c.callbacks || c.wakeups || c.harvests || c.herds());
    EXPECT_EQ(c.not_seen(), "not seen by the tracepoint backend");
}

// "next of kind" starts on a kind the trace holds: a tracepoint trace has no
// callbacks, so not those; a trace with callbacks starts on them.
TEST(Details, NextOfKindStartsOnAKindTheTraceHolds) {
    Replay tp(std::string(EPSCOPE_GUI_DATA) + "/poller-basic-tracepoint.trace");
    ASSERT_TRUE(tp.opened());
    EXPECT_EQ(tp.kind_count(EP_KIND_CALLBACK), 0u);
    const std::uint32_t k = default_step_kind(tp);
    EXPECT_NE(k, static_cast<std::uint32_t>(EP_KIND_CALLBACK));
    EXPECT_GT(tp.kind_count(k), 0u);
    std::uint64_t all = 0;
    for (std::uint32_t i = 0; i < EP_KIND_COUNT; ++i) all += tp.kind_count(i);
    EXPECT_EQ(all, tp.record_count());
}

}  // namespace
}  // namespace epscope::view
