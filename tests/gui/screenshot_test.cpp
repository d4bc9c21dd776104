// epscope-gui in a real window (run under xvfb-run, Mesa llvmpipe): each test
// runs the program with --screenshot, reads the PNG back and counts pixels of
// the GUI's exact colours (view/palette.hpp): red and black node discs in the
// tree area against the model's tree, ready-list boxes against the model's
// ready list, and the message banners for empty, foreign and damaged files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../scratch_dir.hpp"
#include "damaged_trace.hpp"
#include "gui_run.hpp"
#include "image_check.hpp"
#include "model/model.hpp"
#include "png/png.hpp"
#include "synthetic_stream.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"
#include "view/browser.hpp"
#include "view/layout.hpp"
#include "view/palette.hpp"
#include "view/replay.hpp"
#include "view/tree_layout.hpp"

extern char** environ;

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;
using view::Rgb;

const Rect kTreeArea = inset(kLayout.tree());
const Rect kStatusArea = inset(kLayout.status());
const Rect kQueueArea = inset(kLayout.queues());
const Rect kTimelineArea = inset(kLayout.timeline());
const Rect kDetailsArea = inset(kLayout.details());
const Rect kBrowserArea = inset(kLayout.browser());
constexpr int kSide = static_cast<int>(kWidth * 0.30f);

// What the model says at the cursor for the instance the GUI selects first
// (the first browser row): tree nodes by colour and ready-list length.
struct Expected {
    std::size_t red = 0;
    std::size_t black = 0;
    std::size_t ready = 0;
};

Expected expected_at(view::Replay& r) {
    Expected e;
    std::vector<view::InstanceRow> rows = view::browser_rows(r.model(), view::BrowserQuery{});
    if (rows.empty()) return e;
    for (const model::TreeNodeView& n : r.model().tree_preorder(rows.front().inst)) {
        (n.color == model::RbColor::Red ? e.red : e.black) += 1;
    }
    e.ready = r.model().ready_list(rows.front().inst).size();
    return e;
}

class Screenshot : public ::testing::Test {
protected:
    void SetUp() override { dir_ = shots_.path(); }
    void TearDown() override { shots_.keep_if_failed(HasFailure()); }
    // Screenshot of `trace` (at `at_ns` after its first record if >= 0).
    GuiRun shoot(const fs::path& trace, const std::string& name, png::Image& img,
                 long long at_ns = -1, int select_fd = -1) {
        fs::path out = dir_ / (name + ".png");
        std::vector<std::string> args{"--screenshot", out.string()};
        if (select_fd >= 0) {
            args.push_back("--select-fd");
            args.push_back(std::to_string(select_fd));
        }
        if (at_ns >= 0) {
            args.push_back("--at");
            args.push_back(std::to_string(at_ns));
        }
        args.push_back(trace.string());
        GuiRun r = run_gui(args, dir_ / (name + ".err"));
        if (fs::exists(out)) img = png::read_png(out);
        return r;
    }
    void check_trace(const fs::path& trace, long long at_ns) {
        SCOPED_TRACE(trace.string() + " at " + std::to_string(at_ns));
        view::Replay r(trace);
        ASSERT_TRUE(r.opened()) << r.open_error();
        if (at_ns >= 0) {
            r.seek(r.first_ts() + static_cast<std::uint64_t>(at_ns));
        } else {
            r.seek_records(r.busiest_prefix());
        }
        Expected e = expected_at(r);
        ASSERT_GT(e.red + e.black, 0u) << "the cursor shows no tree: a test that cannot fail";
        png::Image img;
        GuiRun run = shoot(trace, trace.stem().string() + "-" + std::to_string(at_ns), img, at_ns);
        ASSERT_EQ(run.status, 0) << run.err;
        ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
        ASSERT_EQ(img.height, static_cast<std::uint32_t>(kHeight));
        EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeRed, 40), e.red);
        EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), e.black);
        EXPECT_EQ(count_blobs(img, kQueueArea, view::kQueueReady, 100), e.ready);
        // Nothing outside the tree uses node colours.
        EXPECT_EQ(
            count_blobs(img, Rect{0, 0, static_cast<int>(kSide), kHeight}, view::kNodeRed, 40), 0u);
        EXPECT_EQ(count_pixels(img, kTreeArea, view::kErrorBanner), 0u);
        if (r.lost_total() == 0) {
            EXPECT_EQ(count_pixels(img, kStatusArea, view::kLostText), 0u);
        }
    }
    epscope::testing::ScratchDir shots_{"epscope-gui-test"};
    fs::path dir_;
};

const fs::path kData = EPSCOPE_GUI_DATA;

// The cursor just after the record that made `items` items live, in ns after
// the first record.
long long when_items(const fs::path& trace, std::size_t items) {
    view::Replay r(trace);
    for (std::size_t i = 1; i <= r.record_count(); ++i) {
        r.seek_records(i);
        if (r.model().live_items() == items)
            return static_cast<long long>(r.cursor_ts() - r.first_ts());
    }
    return -2;
}

// Recorded by `epscope record` (tracepoint backend) of tests/host/epoll-script.
// Re-record it when the trace format or the event ABI version changes.
const fs::path kHostTrace = kData / "host-tracepoint.trace";

TEST_F(Screenshot, RecordedTraceAtTheDefaultCursor) { check_trace(kHostTrace, -1); }

TEST_F(Screenshot, RecordedTraceWithThreeItems) {
    long long at = when_items(kHostTrace, 3);
    ASSERT_GE(at, 0);
    check_trace(kHostTrace, at);
}

TEST_F(Screenshot, RecordedTraceAtItsStart) {
    // After the first insert: one black node, nothing else.
    long long at = when_items(kHostTrace, 1);
    ASSERT_GE(at, 0);
    check_trace(kHostTrace, at);
}

// `epscope record -- epscope-poller --model basic --role both --conns 12
// --duration 1 --rate 200` (tracepoint backend): two instances, 15 and 13 items.
TEST_F(Screenshot, RecordedPollerRun) {
    const fs::path poller = kData / "poller-basic-tracepoint.trace";
    check_trace(poller, -1);
    long long at = when_items(poller, 10);
    ASSERT_GE(at, 0);
    check_trace(poller, at);
    // The timeline: both poller threads' lanes show their time blocked in
    // epoll_wait (this backend sees no sleep) and the harvests' marks.
    png::Image img;
    ASSERT_EQ(shoot(poller, "poller-timeline", img).status, 0);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kLaneBlocked), 2000u);
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kMarkHarvest), 200u);
    EXPECT_EQ(count_pixels(img, kTreeArea, view::kLaneBlocked), 0u);
    // The details panel: the wait-time histogram has bars.
    EXPECT_GT(count_pixels(img, kDetailsArea, view::kHistogramWaitBar), 100u);
}

// Two threads wait (awake for 2 ms, then asleep); a third thread's write
// runs fd 5's callback, wakes the first, which harvests it; fd 7 is queued
// later and selected.
fs::path write_activity_trace(const fs::path& p) {
    trace::TraceWriter w(p, trace::TraceHeader{});
    Synth s(w);
    const std::uint64_t ep = ep_of(1);
    s.process("lanes");
    s.create(ep, 3);
    for (int fd = 4; fd < 12; ++fd) s.insert(ep, 3, fd);
    s.ts = 10'000'000;
    s.wait_begin(ep, 3, 200);
    s.ts = 12'000'000;
    s.wait_sleep(ep, 200);
    s.ts = 20'000'000;
    s.callback(ep, 5, EP_CB_QUEUED_READY, 1, 300);
    s.wakeup(ep, 5, 200, 300);
    s.ts = 20'010'000;
    s.harvest_begin(ep, 200);
    s.harvest_item(ep, 5, 0, 200);
    s.harvest_end(ep, 200);
    s.wait_end(ep, 3, 1, 200);
    s.ts = 30'000'000;
    s.wait_begin(ep, 3, 201);
    s.ts = 32'000'000;
    s.wait_sleep(ep, 201);
    s.ts = 40'000'000;
    s.callback(ep, 7, EP_CB_QUEUED_READY, 1, 300);
    s.ts = 50'000'000;
    s.callback(ep, 7, EP_CB_ALREADY_READY, 1, 300);
    w.close();
    return p;
}

TEST_F(Screenshot, TimelineLanesDetailsAndTheSelectedFdEverywhere) {
    const fs::path p = write_activity_trace(dir_ / "activity.trace");
    check_trace(p, -1);
    view::Replay r(p);
    r.seek_records(r.busiest_prefix());
    const model::InstanceRef inst = r.model().find_instance(ep_of(1));
    ASSERT_NE(inst, model::kNil);
    const std::vector<model::ItemRef> ready = r.model().ready_list(inst);
    ASSERT_FALSE(ready.empty());

    png::Image img;
    GuiRun run = shoot(p, "activity", img, -1, 7);
    ASSERT_EQ(run.status, 0) << run.err;
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    // Lanes: two waits (threads 200 and 201), each an awake box then an
    // asleep box; nothing of either colour outside the timeline.
    EXPECT_EQ(count_blobs(img, kTimelineArea, view::kLaneBlocked, 100), 2u);
    EXPECT_EQ(count_blobs(img, kTimelineArea, view::kLaneAsleep, 100), 2u);
    EXPECT_EQ(count_pixels(img, Rect{0, 0, kWidth, kTimelineArea.y0}, view::kLaneAsleep), 0u);
    // The harvest (a mark and its count), the wakeup (a triangle on the woken
    // lane, a square on the waker's), the callbacks (ticks).
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kMarkHarvest), 15u);
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kMarkWakeup), 20u);
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kMarkCallback), 10u);
    // The selected fd 7: its own lane of callbacks, a ring in the tree, an
    // outlined ready-list box, the browser's mark on its instance.
    EXPECT_GT(count_pixels(img, kTimelineArea, view::kSelection), 20u);
    EXPECT_GT(count_pixels(img, kTreeArea, view::kSelection), 100u);
    EXPECT_GT(count_pixels(img, kQueueArea, view::kSelection), 60u);
    EXPECT_GT(count_pixels(img, kBrowserArea, view::kSelection), 40u);
    // Details: the instance's callback -> harvest and wait-time histograms have bars.
    EXPECT_GT(count_pixels(img, kDetailsArea, view::kHistogramBar), 150u);
    EXPECT_GT(count_pixels(img, kDetailsArea, view::kHistogramWaitBar), 150u);

    // Without a selection none of that is highlighted.
    png::Image plain;
    ASSERT_EQ(shoot(p, "activity-plain", plain).status, 0);
    ASSERT_EQ(plain.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_EQ(count_pixels(plain, kTreeArea, view::kSelection), 0u);
    EXPECT_EQ(count_pixels(plain, kQueueArea, view::kSelection), 0u);
    EXPECT_EQ(count_pixels(plain, kBrowserArea, view::kSelection), 0u);
    EXPECT_EQ(count_pixels(plain, kTimelineArea, view::kSelection), 0u);
}

TEST_F(Screenshot, ItemsSeededFromProcAreMarked) {
    // Traced mid-life: the instance is known from a /proc snapshot, its five
    // items seeded (their place in the tree a guess), then one more inserted.
    fs::path p = dir_ / "seeded.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.process("seeded");
        ep_snapshot_instance si{};
        si.ep = ep_of(1);
        si.ino = 77;
        si.epfd = 3;
        si.items = 5;
        si.snapshot_id = 1;
        s.feed(EP_KIND_SNAPSHOT_INSTANCE, si);
        for (int fd = 4; fd < 9; ++fd) {
            ep_snapshot_item it{};
            it.data = 0x100 + static_cast<std::uint64_t>(fd);
            it.epfd = 3;
            it.tfd = fd;
            it.events = 1;
            it.snapshot_id = 1;
            s.feed(EP_KIND_SNAPSHOT_ITEM, it);
        }
        s.insert(ep_of(1), 3, 20);
        w.close();
    }
    view::Replay r(p);
    r.seek_records(r.record_count());
    std::vector<view::InstanceRow> rows = view::browser_rows(r.model(), view::BrowserQuery{});
    ASSERT_EQ(rows.size(), 1u);
    std::size_t seeded = 0;
    for (const view::TreeNodeLayout& n : view::layout_tree(r.model(), rows.front().inst).nodes) {
        seeded += n.seeded;
    }
    ASSERT_EQ(seeded, 5u) << "the model did not seed the snapshot's items";
    check_trace(p, -1);
    png::Image img;
    ASSERT_EQ(shoot(p, "seeded", img).status, 0);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    // A ring in the seeded colour around each of the five (none around fd 20).
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kSeededMark, 40), 5u);
}

TEST_F(Screenshot, LargeTreeOpensFittedWithBandsAtDenseDepths) {
    fs::path p = dir_ / "large.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.process("large");
        s.create(ep_of(1), 3);
        for (int fd = 10; fd < 3010; ++fd) s.insert(ep_of(1), 3, fd);
        w.close();
    }
    png::Image img;
    ASSERT_EQ(shoot(p, "large", img).status, 0);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    // The whole tree fits the window: black spans most of the tree area's width.
    int lo = kWidth;
    int hi = 0;
    for (int y = kTreeArea.y0 + 40; y < kTreeArea.y1; ++y) {
        for (int x = kTreeArea.x0; x < kTreeArea.x1; ++x) {
            if (is(img, x, y, view::kNodeBlack)) {
                lo = std::min(lo, x);
                hi = std::max(hi, x);
            }
        }
    }
    const int width = kTreeArea.x1 - kTreeArea.x0;
    EXPECT_GT(hi - lo, width * 7 / 10) << lo << ".." << hi;
    // Dense depths are solid bands: long horizontal runs of black.
    int longest = 0;
    for (int y = kTreeArea.y0 + 40; y < kTreeArea.y1; ++y) {
        int run = 0;
        for (int x = kTreeArea.x0; x < kTreeArea.x1; ++x) {
            run = is(img, x, y, view::kNodeBlack) ? run + 1 : 0;
            longest = std::max(longest, run);
        }
    }
    EXPECT_GT(longest, 100);
}

TEST_F(Screenshot, SyntheticTreeOfTwentyItemsWithAReadyList) {
    fs::path p = dir_ / "twenty.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.process("synthetic");
        s.create(ep_of(1), 3);
        for (int fd = 10; fd < 30; ++fd) s.insert(ep_of(1), 3, fd);
        for (int fd : {12, 25, 17, 29}) s.callback(ep_of(1), fd, EP_CB_QUEUED_READY);
        ep_lost lost{};
        lost.count = 3;
        s.feed(EP_KIND_LOST, lost);
        w.close();
    }
    check_trace(p, -1);
    // Lost records: the status bar says so in red.
    png::Image img;
    ASSERT_EQ(shoot(p, "twenty-lost", img).status, 0);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_near(img, kStatusArea, view::kLostText, 8), 10u);
}

TEST_F(Screenshot, HarvestInProgressShowsTxlistAndOverflowList) {
    fs::path p = dir_ / "harvest.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.process("harvester");
        s.create(ep_of(1), 3);
        for (int fd = 4; fd < 12; ++fd) s.insert(ep_of(1), 3, fd);
        for (int fd : {5, 9, 7}) s.callback(ep_of(1), fd, EP_CB_QUEUED_READY);
        // The harvest splices 5, 9, 7 out; callbacks meanwhile go on the
        // overflow list.
        s.harvest_begin(ep_of(1));
        for (int fd : {4, 10}) s.callback(ep_of(1), fd, EP_CB_QUEUED_OVERFLOW);
        w.close();
    }
    view::Replay r(p);
    r.seek_records(r.record_count());
    const model::InstanceRef inst = r.model().find_instance(ep_of(1));
    ASSERT_NE(inst, model::kNil);
    ASSERT_EQ(r.model().txlist(inst).size(), 3u);
    ASSERT_EQ(r.model().overflow_list(inst).size(), 2u);
    check_trace(p, -1);
    png::Image img;
    ASSERT_EQ(shoot(p, "harvest-queues", img).status, 0);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_EQ(count_blobs(img, kQueueArea, view::kQueueTxlist, 100), 3u);
    EXPECT_EQ(count_blobs(img, kQueueArea, view::kQueueOverflow, 100), 2u);
    // Overflow rings around the two chained items in the tree.
    EXPECT_GT(count_pixels(img, kTreeArea, view::kOverflowMark), 50u);
}

TEST_F(Screenshot, EmptyTraceShowsItsMessage) {
    fs::path p = dir_ / "empty.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        w.close();
    }
    png::Image img;
    GuiRun run = shoot(p, "empty", img);
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.err.find("no records"), std::string::npos) << run.err;
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(img, kTreeArea, view::kInfoBanner), 5000u);
    // The banner's text: white pixels in the tree area.
    EXPECT_GT(count_near(img, kTreeArea, Rgb{255, 255, 255}, 8), 100u);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), 0u);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeRed, 40), 0u);
}

TEST_F(Screenshot, ForeignFileShowsItsErrorAndExits2) {
    fs::path p = dir_ / "foreign.trace";
    std::ofstream(p) << "GIF89a: certainly not an epscope trace\n";
    png::Image img;
    GuiRun run = shoot(p, "foreign", img);
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find(p.string()), std::string::npos) << run.err;
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(img, kTreeArea, view::kErrorBanner), 5000u);
    EXPECT_GT(count_near(img, kTreeArea, Rgb{255, 255, 255}, 8), 100u);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), 0u);
}

TEST_F(Screenshot, DamagedTraceShowsTheRecordsBeforeTheDamage) {
    fs::path p = dir_ / "damaged.trace";
    write_damaged_trace(p);
    ASSERT_EQ(trace::TraceReader(p).chunks().size(), 3u);
    png::Image img;
    GuiRun run = shoot(p, "damaged", img);
    EXPECT_EQ(run.status, 2) << run.err;
    EXPECT_NE(run.err.find(p.string()), std::string::npos) << run.err;
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    // The first chunk: create + 3 inserts of ascending keys: 2(B) / 1(R) 3(R).
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), 1u);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeRed, 40), 2u);
    // The damage line is drawn in the error colour above the tree.
    EXPECT_GT(count_pixels(img, kTreeArea, view::kErrorBanner), 20u);
}

TEST_F(Screenshot, BenchPrintsFrameTimes) {
    fs::path out = dir_ / "bench.out";
    std::vector<std::string> args{"--bench", "--frames", "20", kHostTrace.string()};
    // stdout goes to the test's own stdout; check the exit status and that
    // nothing went wrong on stderr.
    GuiRun run = run_gui(args, dir_ / "bench.err");
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
}

TEST_F(Screenshot, BenchPlayPlaysThroughTheTrace) {
    // --play: the cursor plays from the first record to the last over the
    // frames; the figures go to the test's stdout.
    std::vector<std::string> args{"--bench", "--play", "--frames", "20",
                                  (kData / "poller-basic-tracepoint.trace").string()};
    GuiRun run = run_gui(args, dir_ / "bench-play.err");
    EXPECT_EQ(run.status, 0) << run.err;
    EXPECT_TRUE(run.err.empty()) << run.err;
    // --play without --bench is a usage error naming --bench.
    GuiRun alone = run_gui({"--play", kHostTrace.string()}, dir_ / "play-alone.err");
    EXPECT_NE(alone.status, 0);
    EXPECT_NE(alone.err.find("--bench"), std::string::npos) << alone.err;
}

TEST(NoDisplay, SaysWhichVariablesAndExits1) {
    const epscope::testing::ScratchDir dir("epscope-gui-nodisplay");
    GuiRun run = run_gui({kHostTrace.string()}, dir / "gui.err", true);
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("DISPLAY"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("WAYLAND_DISPLAY"), std::string::npos) << run.err;
    // One line.
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

}  // namespace
}  // namespace epscope::gui_test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
