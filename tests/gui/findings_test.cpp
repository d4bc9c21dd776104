// The Findings window's view-model headless: the engine run over a replay
// (at once, a frame's budget at a time, and over a live stream), the rows it
// lists, and where a click on a finding takes the user.
#include "view/findings.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

#include "../scratch_dir.hpp"
#include "findings_trace.hpp"
#include "trace/reader.hpp"
#include "view/replay.hpp"
#include "view/timeline.hpp"

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;

class FindingsView : public ::testing::Test {
protected:
    epscope::testing::ScratchDir scratch_{"epscope-gui-findings"};
    const fs::path dir_ = scratch_.path();
};

TEST_F(FindingsView, ReportsTheStuckOneshotWithWhereToGo) {
    view::Replay r(write_findings_trace(dir_ / "f.trace"));
    view::FindingsRun run;
    EXPECT_FALSE(run.done(r));
    run.advance(r, -1);
    ASSERT_TRUE(run.done(r));
    ASSERT_EQ(run.findings().size(), 1u);
    const findings::Finding& f = run.findings()[0];
    EXPECT_EQ(f.kind, findings::Kind::OneshotNotRearmed);
    EXPECT_EQ(f.tgid, 200u);
    EXPECT_EQ(f.fds, std::vector<std::int32_t>{7});

    // The jump: the cursor to the disarming delivery, fd 7.
    const view::FindingJump j = view::finding_jump(r, f);
    EXPECT_EQ(j.rel_ns, kStuckDeliveryTs + 2000 - r.first_ts());  // harvest_item: 3rd record there
    EXPECT_EQ(j.fd, 7);
    // There the finding's instance is pid 200's, holding fd 7; at the end too.
    r.seek(r.first_ts() + j.rel_ns);
    const model::InstanceRef inst = view::finding_instance(r.model(), f);
    ASSERT_NE(inst, model::kNil);
    EXPECT_EQ(inst, r.model().find_instance(ep_of(2)));
    EXPECT_NE(inst, r.model().find_instance(ep_of(1)));
    EXPECT_NE(r.model().find_item(inst, file_of(7), 7), model::kNil);

    // The row: who, when, evidence naming its record, advice.
    const view::FindingRow row = view::finding_row(f, r.first_ts());
    EXPECT_EQ(row.severity, "warning");
    EXPECT_NE(row.who.find("pid 200 stuck"), std::string::npos) << row.who;
    EXPECT_NE(row.who.find("epfd 5"), std::string::npos) << row.who;
    EXPECT_NE(row.who.find("fd 7"), std::string::npos) << row.who;
    EXPECT_TRUE(row.when.starts_with("+0.099")) << row.when;
    ASSERT_FALSE(row.evidence.empty());
    EXPECT_NE(row.evidence[0].find("record"), std::string::npos) << row.evidence[0];
    EXPECT_FALSE(row.advice.empty());
}

// The tracepoint backend names no instance address: the instance is found
// by its process and epfd.
TEST_F(FindingsView, InstanceByProcessAndEpfdWithoutAddress) {
    view::Replay r(write_findings_trace(dir_ / "f.trace"));
    findings::Finding f;
    f.tgid = 200;
    f.epfd = 5;
    EXPECT_EQ(view::finding_instance(r.model(), f), r.model().find_instance(ep_of(2)));
    f.epfd = 6;
    EXPECT_EQ(view::finding_instance(r.model(), f), model::kNil);
}

// A frame's budget at a time: a zero budget feeds one batch per call; the
// findings come once every record is in, the same as at once.
TEST_F(FindingsView, JudgedAFrameAtATime) {
    view::Replay r(write_findings_trace(dir_ / "long.trace", 5000));
    ASSERT_GT(r.record_count(), 5000u);
    view::FindingsRun run;
    int calls = 0;
    while (!run.done(r) && calls < 100) {
        run.advance(r, 0);
        ++calls;
        if (!run.done(r)) {
            EXPECT_TRUE(run.findings().empty());
        }
    }
    ASSERT_TRUE(run.done(r));
    EXPECT_EQ(calls, 3);  // 2048 records a call
    EXPECT_EQ(run.judged(), r.record_count());
    ASSERT_EQ(run.findings().size(), 1u);
    EXPECT_EQ(run.findings()[0].kind, findings::Kind::OneshotNotRearmed);
}

// A live stream: the findings of the records so far, judged anew after a restart.
TEST_F(FindingsView, LiveStreamSnapshotsAndRestarts) {
    const fs::path p = write_findings_trace(dir_ / "f.trace");
    view::Replay live(view::Replay::LiveTag{}, "test");
    trace::TraceReader reader(p);
    live.restart(reader.header());
    stream::Record rec;
    while (reader.next(rec)) live.append(rec);
    view::FindingsRun run;
    run.advance(live, -1);
    EXPECT_TRUE(run.done(live));
    ASSERT_EQ(run.findings().size(), 1u);
    EXPECT_EQ(run.findings()[0].kind, findings::Kind::OneshotNotRearmed);
    const std::uint64_t gen = run.generation();
    live.restart(reader.header());
    run.advance(live, -1);
    EXPECT_EQ(run.judged(), 0u);
    EXPECT_TRUE(run.findings().empty());
    EXPECT_NE(run.generation(), gen);
}

// The wall clock of a record time from the header's offset; none without one.
TEST(WallClock, FromTheHeadersRealtimeOffset) {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    EXPECT_EQ(view::wall_clock(kRealtimeOffsetNs, 100'002'345), "2026-12-05 00:00:00.100002 UTC");
    EXPECT_EQ(view::wall_clock(kRealtimeOffsetNs, 3'723'000'000'000),
              "2026-12-05 01:02:03.000000 UTC");
    EXPECT_EQ(view::wall_clock(0, 100'002'345), "");
}

}  // namespace
}  // namespace epscope::gui_test
