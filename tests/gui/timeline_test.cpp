// The timeline view-model on a synthetic stream: which lanes exist, where the
// waits (and their asleep part) and the marks land in pixels for a window,
// how a zoomed-out window merges what shares a pixel, and zoom/pan clamping.
#include "view/timeline.hpp"

#include <gtest/gtest.h>

#include "model/model.hpp"
#include "synthetic_stream.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;

// Feeds the index (and the model, so the stream is one the model accepts).
struct Both : stream::RecordSink {
    model::Model m;
    TimelineIndex idx;
    void on_record(const stream::Record& r) override {
        m.on_record(r);
        idx.add(r);
    }
};

// Thread 200 waits (sleeps at +0.1 ms), thread 300 writes fd 5 whose callback
// wakes 200, which harvests one event; 201 starts a wait that never ends;
// 200 waits again and returns 2 events with no harvest records.
void scenario(Both& b) {
    Synth s(b);
    const std::uint64_t ep = ep_of(1);
    s.process("lanes");
    s.create(ep, 3);
    s.insert(ep, 3, 5);
    s.insert(ep, 3, 6);
    s.ts = 10'000'000;
    s.wait_begin(ep, 3, 200);
    s.ts = 10'100'000;
    s.wait_sleep(ep, 200);
    s.ts = 20'000'000;
    s.callback(ep, 5, EP_CB_QUEUED_READY, 1, 300);
    s.ts = 20'000'500;
    s.wakeup(ep, 5, 200, 300);
    s.ts = 20'010'000;
    s.harvest_begin(ep, 200);
    s.harvest_item(ep, 5, 0, 200);
    s.harvest_end(ep, 200);
    s.ts = 20'020'000;
    s.wait_end(ep, 3, 1, 200);
    s.ts = 30'000'000;
    s.wait_begin(ep, 3, 201);
    s.ts = 40'000'000;
    s.wait_begin(ep, 3, 200);
    s.ts = 40'500'000;
    s.wait_end(ep, 3, 2, 200);
}

// Past its detail limit the index keeps only per-lane summaries: zoomed out
// a lane is drawn from them (time blocked, marks per bucket), and a window's
// records read back into a span index draw the same lanes as full detail.
TEST(Timeline, SummaryPastTheDetailLimitAndSpanDetailMatchesFullDetail) {
    struct Three : stream::RecordSink {
        model::Model m;
        TimelineIndex full{SIZE_MAX};
        TimelineIndex small{5};
        std::vector<stream::Record> all;
        void on_record(const stream::Record& r) override {
            m.on_record(r);
            full.add(r);
            small.add(r);
            all.push_back(r);
        }
    } b;
    {
        Synth s(b);
        const std::uint64_t ep = ep_of(1);
        s.process("sum");
        s.create(ep, 3);
        s.insert(ep, 3, 5);
        s.ts = 10'000'000;
        s.wait_begin(ep, 3, 200);
        s.ts = 10'100'000;
        s.wait_sleep(ep, 200);
        s.ts = 20'000'000;
        s.callback(ep, 5, EP_CB_QUEUED_READY, 1, 300);
        s.wakeup(ep, 5, 200, 300);
        s.ts = 20'020'000;
        s.wait_end(ep, 3, 1, 200);
    }
    ASSERT_TRUE(b.full.detailed());
    ASSERT_FALSE(b.small.detailed());
    EXPECT_TRUE(b.small.threads()[0].waits.empty());  // detail let go
    const TimeWindow w{0, 30'000'000, 1000};
    const std::vector<Lane> sum = timeline_lanes(b.small, w);
    ASSERT_EQ(sum.size(), 2u);
    EXPECT_EQ(sum[0].tid, 200u);
    ASSERT_EQ(sum[0].segments.size(), 1u);
    // Blocked 10.02 ms of 30 ms in 1000 px: about 334 px from x = 333.
    EXPECT_NEAR(sum[0].segments[0].x0, 333, 2);
    EXPECT_NEAR(sum[0].segments[0].x1 - sum[0].segments[0].x0, 334, 2);
    EXPECT_LT(sum[0].segments[0].x_sleep, sum[0].segments[0].x0 + 10);
    ASSERT_EQ(sum[1].marks.size(), 2u);  // 300's callback and Woke
    EXPECT_EQ(sum[1].marks[0].fd, 5);

    TimelineIndex span = TimelineIndex::span(0, b.full.last_ts());
    for (const auto& r : b.all) span.add(r);
    const std::vector<Lane> exact = timeline_lanes(b.full, w);
    const std::vector<Lane> back = timeline_lanes(b.small, w, 0, SIZE_MAX, &span);
    ASSERT_EQ(back.size(), exact.size());
    for (std::size_t i = 0; i < exact.size(); ++i) {
        EXPECT_EQ(back[i].tid, exact[i].tid);
        ASSERT_EQ(back[i].segments.size(), exact[i].segments.size());
        for (std::size_t k = 0; k < exact[i].segments.size(); ++k)
            EXPECT_FLOAT_EQ(back[i].segments[k].x1, exact[i].segments[k].x1);
        EXPECT_EQ(back[i].marks.size(), exact[i].marks.size());
    }
    EXPECT_LT(b.small.memory_bytes(),
              b.full.memory_bytes() + 3 * TimelineIndex::kSummaryBuckets * sizeof(LaneBucket));
}

TEST(Timeline, LanePerThreadWithWaitsWakeupsHarvestsAndCallbacks) {
    Both b;
    scenario(b);
    ASSERT_EQ(b.idx.threads().size(), 3u);
    EXPECT_EQ(b.idx.threads()[0].tid, 200u);  // by first appearance
    EXPECT_EQ(b.idx.threads()[1].tid, 300u);
    EXPECT_EQ(b.idx.threads()[2].tid, 201u);
    EXPECT_EQ(b.idx.threads()[0].tgid, 100u);

    // 10 us per pixel from t = 10 ms.
    const TimeWindow w{10'000'000, 50'000'000, 4000};
    std::vector<Lane> lanes = timeline_lanes(b.idx, w);
    ASSERT_EQ(lanes.size(), 3u);

    const Lane& t200 = lanes[0];
    ASSERT_EQ(t200.segments.size(), 2u);
    EXPECT_FLOAT_EQ(t200.segments[0].x0, 0);
    EXPECT_FLOAT_EQ(t200.segments[0].x_sleep, 10);  // asleep from +0.1 ms
    EXPECT_FLOAT_EQ(t200.segments[0].x1, 1002);     // returned at 20.02 ms
    EXPECT_EQ(t200.segments[0].result, 1);
    EXPECT_EQ(t200.segments[0].epfd, 3);
    EXPECT_FALSE(t200.segments[0].open);
    EXPECT_FLOAT_EQ(t200.segments[1].x0, 3000);
    EXPECT_FLOAT_EQ(t200.segments[1].x1, 3050);
    EXPECT_FLOAT_EQ(t200.segments[1].x_sleep, 3050);  // never slept
    EXPECT_EQ(t200.segments[1].result, 2);
    ASSERT_EQ(t200.marks.size(), 3u);
    EXPECT_EQ(t200.marks[0].kind, MarkKind::Woken);
    EXPECT_EQ(t200.marks[0].other_tid, 300u);
    EXPECT_EQ(t200.marks[0].fd, 5);
    EXPECT_FLOAT_EQ(t200.marks[0].x, 1000.05f);
    EXPECT_EQ(t200.marks[1].kind, MarkKind::Harvest);
    EXPECT_EQ(t200.marks[1].count, 1u);  // one HARVEST_ITEM
    EXPECT_FLOAT_EQ(t200.marks[1].x, 1001);
    EXPECT_EQ(t200.marks[2].kind, MarkKind::Harvest);
    EXPECT_EQ(t200.marks[2].count, 2u);  // no harvest records: the call's result
    EXPECT_FLOAT_EQ(t200.marks[2].x, 3050);

    const Lane& t300 = lanes[1];
    EXPECT_TRUE(t300.segments.empty());
    ASSERT_EQ(t300.marks.size(), 2u);
    EXPECT_EQ(t300.marks[0].kind, MarkKind::Callback);
    EXPECT_EQ(t300.marks[0].fd, 5);
    EXPECT_EQ(t300.marks[0].outcome, EP_CB_QUEUED_READY);
    EXPECT_FLOAT_EQ(t300.marks[0].x, 1000);
    EXPECT_EQ(t300.marks[1].kind, MarkKind::Woke);
    EXPECT_EQ(t300.marks[1].other_tid, 200u);
    EXPECT_EQ(t300.marks[1].fd, 5);

    const Lane& t201 = lanes[2];
    ASSERT_EQ(t201.segments.size(), 1u);
    EXPECT_TRUE(t201.segments[0].open);  // still blocked: drawn to the last record
    EXPECT_FLOAT_EQ(t201.segments[0].x0, 2000);
    EXPECT_FLOAT_EQ(t201.segments[0].x1, 3050);

    // A window that starts inside the first wait clips it at x = 0; lane ranges.
    const TimeWindow late{15'000'000, 25'000'000, 1000};
    std::vector<Lane> one = timeline_lanes(b.idx, late, 0, 1);
    ASSERT_EQ(one.size(), 1u);
    ASSERT_EQ(one[0].segments.size(), 1u);
    EXPECT_FLOAT_EQ(one[0].segments[0].x0, 0);
    EXPECT_FLOAT_EQ(one[0].segments[0].x_sleep, 0);
    EXPECT_FLOAT_EQ(one[0].segments[0].x1, 502);
    std::vector<Lane> mid = timeline_lanes(b.idx, late, 1, 5);
    ASSERT_EQ(mid.size(), 2u);
    EXPECT_EQ(mid[0].tid, 300u);
    EXPECT_TRUE(mid[1].segments.empty());  // 201 waits from 30 ms: outside
    EXPECT_TRUE(timeline_lanes(b.idx, late, 3, 1).empty());

    // The selected item's own lane: its callbacks from every thread.
    std::vector<LaneMark> cb5 = item_callbacks(b.idx, 5, w);
    ASSERT_EQ(cb5.size(), 1u);
    EXPECT_FLOAT_EQ(cb5[0].x, 1000);
    EXPECT_TRUE(item_callbacks(b.idx, 6, w).empty());
}

TEST(Timeline, ZoomedOutWindowsMergeWhatSharesAPixel) {
    Both b;
    Synth s(b);
    const std::uint64_t ep = ep_of(1);
    s.process("merge");
    s.create(ep, 3);
    s.insert(ep, 3, 7);
    // 50 waits of 3 us with 1 us between them, then 10 callbacks 100 ns apart.
    const std::uint64_t t0 = 5'000'000;
    for (int i = 0; i < 50; ++i) {
        s.ts = t0 + static_cast<std::uint64_t>(i) * 4000;
        s.wait_begin(ep, 3, 400);
        s.ts += 2000;
        s.wait_end(ep, 3, 0, 400);
    }
    for (int i = 0; i < 10; ++i) {
        s.ts = t0 + 300'000 + static_cast<std::uint64_t>(i) * 100;
        s.callback(ep, 7, EP_CB_ALREADY_READY, 0, 500);
    }
    // 200 us in 10 pixels: every wait touches its neighbour's pixel.
    const TimeWindow wide{t0, t0 + 400'000, 20};
    std::vector<Lane> lanes = timeline_lanes(b.idx, wide);
    ASSERT_EQ(lanes.size(), 2u);
    ASSERT_EQ(lanes[0].segments.size(), 1u);
    EXPECT_EQ(lanes[0].segments[0].waits, 50u);
    EXPECT_FLOAT_EQ(lanes[0].segments[0].x0, 0);
    ASSERT_EQ(lanes[1].marks.size(), 1u);
    EXPECT_EQ(lanes[1].marks[0].n, 10u);
    // 20 ns per pixel: ten waits, one box each.
    const TimeWindow narrow{t0, t0 + 39'000, 1950};
    lanes = timeline_lanes(b.idx, narrow);
    ASSERT_EQ(lanes[0].segments.size(), 10u);
    for (const LaneSegment& seg : lanes[0].segments) {
        EXPECT_EQ(seg.waits, 1u);
        EXPECT_FLOAT_EQ(seg.x1 - seg.x0, 150);  // 3 us: Synth adds 1 us after each record
    }
    EXPECT_TRUE(lanes[1].marks.empty());  // the callbacks are at +300 us
    const TimeWindow on_cbs{t0 + 300'000, t0 + 301'000, 1000};
    lanes = timeline_lanes(b.idx, on_cbs);
    EXPECT_EQ(lanes[1].marks.size(), 10u);

    // A dense stretch is one run: 50 callbacks one pixel apart, then one 10
    // pixels further.
    for (int i = 0; i < 50; ++i) {
        s.ts = t0 + 500'000 + static_cast<std::uint64_t>(i) * 1000;
        s.callback(ep, 7, EP_CB_ALREADY_READY, 0, 500);
    }
    s.ts = t0 + 500'000 + 59'000;
    s.callback(ep, 7, EP_CB_ALREADY_READY, 0, 500);
    const TimeWindow runs{t0 + 500'000, t0 + 560'000, 60};
    lanes = timeline_lanes(b.idx, runs);
    ASSERT_EQ(lanes[1].marks.size(), 2u);
    EXPECT_EQ(lanes[1].marks[0].n, 50u);
    EXPECT_FLOAT_EQ(lanes[1].marks[0].x, 0);
    EXPECT_FLOAT_EQ(lanes[1].marks[0].x_end, 49);
    EXPECT_EQ(lanes[1].marks[1].n, 1u);
    EXPECT_FLOAT_EQ(lanes[1].marks[1].x, 59);
    EXPECT_FLOAT_EQ(lanes[1].marks[1].x_end, 59);
    // The item's own lane merges the same way.
    std::vector<LaneMark> item = item_callbacks(b.idx, 7, runs);
    ASSERT_EQ(item.size(), 2u);
    EXPECT_EQ(item[0].n, 50u);
    EXPECT_FLOAT_EQ(item[0].x_end, 49);
}

TEST(Timeline, ZoomKeepsTheAnchorAndPanStaysInTheTrace) {
    const TimeWindow w{1'000'000, 2'000'000, 100};
    TimeWindow z = zoom_window(w, 1'500'000, 0.5, 0, 10'000'000);
    EXPECT_EQ(z.t0, 1'250'000u);
    EXPECT_EQ(z.t1, 1'750'000u);
    EXPECT_FLOAT_EQ(z.x_of(1'500'000), 50);
    // Down to microseconds, not below the minimum span.
    TimeWindow deep = w;
    for (int i = 0; i < 40; ++i) deep = zoom_window(deep, 1'200'000, 0.5, 0, 10'000'000, 1000);
    EXPECT_EQ(deep.t1 - deep.t0, 1000u);
    EXPECT_LE(deep.t0, 1'200'000u);
    EXPECT_GE(deep.t1, 1'200'000u);
    // Out to the whole trace and no further.
    TimeWindow all = zoom_window(w, 1'500'000, 1000, 0, 10'000'000);
    EXPECT_EQ(all.t0, 0u);
    EXPECT_EQ(all.t1, 10'000'000u);
    // Pan: 10 px of 10 us each; clamped at the ends.
    TimeWindow p = pan_window(w, 10, 0, 10'000'000);
    EXPECT_EQ(p.t0, 1'100'000u);
    EXPECT_EQ(p.t1, 2'100'000u);
    EXPECT_EQ(pan_window(w, -1000, 0, 10'000'000).t0, 0u);
    EXPECT_EQ(pan_window(w, 1e6f, 0, 10'000'000).t1, 10'000'000u);
    EXPECT_EQ(w.ts_of(w.x_of(1'234'000)), 1'234'000u);
}

}  // namespace
}  // namespace epscope::view
