// The statistics of a dragged span (view/span_stats.hpp) equal those of
// `epscope stat --from/--to`'s collector fed the whole trace, wherever the
// span starts relative to the replay's checkpoints.
#include "view/span_stats.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "../scratch_dir.hpp"
#include "stat/window_stat.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"
#include "view/replay.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;

// A thread waiting on 8 items: each round a callback wakes it, it harvests
// the item and returns; the gaps vary so the latencies spread over buckets.
void rounds(Synth& s, int n) {
    s.process("spanner");
    s.create(ep_of(1), 3);
    for (int fd = 10; fd < 18; ++fd) s.insert(ep_of(1), 3, fd);
    for (int i = 0; i < n; ++i) {
        const int fd = 10 + i % 8;
        s.wait_begin(ep_of(1), 3, 101);
        s.wait_sleep(ep_of(1), 101);
        s.ts += static_cast<std::uint64_t>(i % 13) * 70'000;
        s.callback(ep_of(1), fd, EP_CB_QUEUED_READY, 1, 200);
        s.wakeup(ep_of(1), fd, 101, 200);
        s.ts += static_cast<std::uint64_t>(i % 7) * 30'000;
        s.harvest_begin(ep_of(1), 101);
        s.harvest_item(ep_of(1), fd, 0, 101);
        s.harvest_end(ep_of(1), 101);
        s.wait_end(ep_of(1), 3, 1, 101);
    }
}

struct Keep : stream::RecordSink {
    trace::TraceWriter& w;
    std::vector<stream::Record>& all;
    Keep(trace::TraceWriter& w, std::vector<stream::Record>& all) : w(w), all(all) {}
    void on_record(const stream::Record& r) override {
        w.on_record(r);
        all.push_back(r);
    }
};

void expect_same(const stat::InstanceSummary& a, const stat::InstanceSummary& b) {
    EXPECT_EQ(a.items, b.items);
    EXPECT_EQ(a.ready, b.ready);
    EXPECT_EQ(a.waiters, b.waiters);
    EXPECT_EQ(a.stats.waits, b.stats.waits);
    EXPECT_EQ(a.stats.harvests, b.stats.harvests);
    EXPECT_EQ(a.stats.deliveries, b.stats.deliveries);
    EXPECT_EQ(a.stats.wakeups, b.stats.wakeups);
    EXPECT_EQ(a.stats.callbacks, b.stats.callbacks);
    EXPECT_EQ(a.stats.latency.quantile(0.5), b.stats.latency.quantile(0.5));
    EXPECT_EQ(a.stats.latency.quantile(0.99), b.stats.latency.quantile(0.99));
    EXPECT_EQ(a.stats.wait_time.quantile(0.5), b.stats.wait_time.quantile(0.5));
    EXPECT_EQ(a.stats.wait_time.quantile(0.99), b.stats.wait_time.quantile(0.99));
}

TEST(SpanStats, EqualStatsCollectorOverTheWholeTraceFromAnyCheckpoint) {
    const epscope::testing::ScratchDir dir("epscope-span-test");
    const std::filesystem::path p = dir / "span.trace";
    std::vector<stream::Record> all;
    {
        trace::TraceHeader h;
        h.set(trace::kMetaBackend, "fentry");
        trace::TraceWriter w(p, h);
        Keep keep(w, all);
        Synth s(keep);
        rounds(s, 6000);  // 48k records: the replay holds checkpoints
        w.close();
    }
    const Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    ASSERT_GE(r.checkpoint_count(), 2u);
    const std::uint64_t t0 = r.first_ts(), len = r.last_ts() - r.first_ts();
    // Spans: inside the first checkpoint interval, across checkpoints, to the
    // end, the whole trace, and one between two records.
    const std::pair<std::uint64_t, std::uint64_t> spans[] = {{t0 + len / 100, t0 + len / 50},
                                                             {t0 + len / 3, t0 + len * 2 / 3},
                                                             {t0 + len * 9 / 10, r.last_ts()},
                                                             {t0, r.last_ts()},
                                                             {t0 + len / 2, t0 + len / 2 + 1}};
    for (const auto& [from, to] : spans) {
        stat::StatCollector want(false, stream::TimeWindow{from, to});
        for (const stream::Record& rec : all) want.on_record(rec);
        want.finish();
        const SpanStats got = span_stats(r, from, to);
        ASSERT_EQ(got.rows.size(), want.summaries().size()) << "span " << from << ".." << to;
        std::size_t i = 0;
        for (const auto& [serial, s] : want.summaries()) expect_same(got.rows[i++].summary, s);
        // Cheaper than the whole trace past the first checkpoint.
        if (from > t0 + len / 2) {
            EXPECT_LT(got.records, all.size());
        }
    }
    // The figures are not all zero: the middle third saw a third of the rounds.
    const SpanStats mid = span_stats(r, spans[1].first, spans[1].second);
    ASSERT_EQ(mid.rows.size(), 1u);
    EXPECT_NEAR(static_cast<double>(mid.rows[0].summary.stats.waits), 2000.0, 50.0);
    EXPECT_GT(mid.rows[0].summary.stats.latency.quantile(0.5), 0u);
    EXPECT_EQ(mid.rows[0].epfds, std::vector<std::int32_t>{3});
    EXPECT_EQ(mid.rows[0].comm, "spanner");
}

}  // namespace
}  // namespace epscope::view
