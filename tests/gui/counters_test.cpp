// Counter tracks (view/counters.hpp): the items, ready-list length and
// waiters of each instance sampled while the replay reads the trace equal
// the model's values at the sample times, and the steps drawn for a window
// show those values.
#include "view/counters.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../scratch_dir.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"
#include "view/replay.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;

// Two instances: the first grows to 12 items, its ready list fills with
// callbacks and drains with harvests while 1 or 2 threads wait; the second
// holds 3 items. Records 5 us apart: each has a bucket of its own at first.
void busy(Synth& s) {
    s.process("counted");
    s.create(ep_of(1), 3);
    s.create(ep_of(2), 4);
    for (int fd = 10; fd < 13; ++fd) s.insert(ep_of(2), 4, fd);
    for (int round = 0; round < 6; ++round) {
        for (int fd = 20 + round * 2; fd < 22 + round * 2; ++fd) s.insert(ep_of(1), 3, fd);
        s.wait_begin(ep_of(1), 3, 101);
        if (round % 2 == 1) s.wait_begin(ep_of(1), 3, 102);
        for (int fd = 20; fd < 20 + round + 1; ++fd)
            s.callback(ep_of(1), fd, EP_CB_QUEUED_READY, 1, 200);
        s.harvest_begin(ep_of(1), 101);
        for (int fd = 20, i = 0; fd < 20 + round + 1; ++fd, ++i)
            s.harvest_item(ep_of(1), fd, static_cast<std::uint32_t>(i), 101);
        s.harvest_end(ep_of(1), 101, 0);
        s.wait_end(ep_of(1), 3, round + 1, 101);
        if (round % 2 == 1) s.wait_end(ep_of(1), 3, 0, 102);
    }
}

// Forwards to the writer and spaces the records 2.5 us apart (more than the
// first bucket width, 1024 ns).
struct Spaced : stream::RecordSink {
    trace::TraceWriter& w;
    Synth* s = nullptr;
    explicit Spaced(trace::TraceWriter& w) : w(w) {}
    void on_record(const stream::Record& r) override {
        w.on_record(r);
        s->ts += 1500;
    }
};

// The records of `fill` in a trace file `p` (fentry backend), spaced 2.5 us apart.
template <typename Fill>
void write_trace(const std::filesystem::path& p, Fill fill) {
    trace::TraceHeader h;
    h.set(trace::kMetaBackend, "fentry");
    trace::TraceWriter w(p, h);
    Spaced sp(w);
    Synth s(sp);
    sp.s = &s;
    fill(s);
    w.close();
}

TEST(Counters, SamplesEqualTheModelAtTheirTimesAndStepsShowThem) {
    const epscope::testing::ScratchDir dir("epscope-counters");
    const std::filesystem::path p = dir / "counters.trace";
    write_trace(p, busy);
    Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    const CounterIndex& idx = r.counters();

    std::size_t samples = 0;
    std::uint32_t max_ready = 0, max_waiters = 0, max_items = 0;
    for (model::InstanceRef ref : r.model().instances()) {
        const std::uint64_t serial = r.model().instance(ref).serial;
        const CounterTrack* t = idx.track(serial);
        ASSERT_NE(t, nullptr);
        for (const CounterBucket& b : t->buckets) {
            if (!b.sampled) continue;
            r.seek(b.ts);  // the state after every record up to the sample's
            model::InstanceRef now = model::kNil;
            for (model::InstanceRef i : r.model().instances())
                if (r.model().instance(i).serial == serial) now = i;
            ASSERT_NE(now, model::kNil);
            EXPECT_EQ(b.last, counters_of(r.model(), now)) << "at " << b.ts;
            EXPECT_EQ(b.max, b.last);  // one record per bucket
            EXPECT_EQ(t->name, "pid 100 counted, epfd " + std::to_string(serial == 1 ? 3 : 4));
            max_items = std::max(max_items, b.last[0]);
            max_ready = std::max(max_ready, b.last[1]);
            max_waiters = std::max(max_waiters, b.last[2]);
            ++samples;
        }
    }
    EXPECT_GT(samples, 50u);
    for (const CounterTrack& t : idx.tracks()) EXPECT_EQ(t.activity, counter_activity(t));
    EXPECT_EQ(max_items, 12u);
    EXPECT_EQ(max_ready, 6u);
    EXPECT_EQ(max_waiters, 2u);

    // The whole trace on 1,000,000 px: a step per sample, at its value.
    r.seek(r.last_ts());
    const model::InstanceRef first = r.model().instances().front();
    const CounterTrack* t = idx.track(r.model().instance(first).serial);
    const TimeWindow w{r.first_ts(), r.last_ts() + 1, 1'000'000};
    for (TrackCounter c : {TrackCounter::Items, TrackCounter::Ready, TrackCounter::Waiters}) {
        const std::vector<CounterStep> steps = counter_steps(idx, *t, c, w);
        ASSERT_FALSE(steps.empty());
        for (const CounterBucket& b : t->buckets) {
            if (!b.sampled) continue;
            const float x = w.x_of(b.ts);
            auto s = std::find_if(steps.begin(), steps.end(),
                                  [&](const CounterStep& st) { return x >= st.x0 && x < st.x1; });
            ASSERT_NE(s, steps.end()) << counter_name(c) << " at " << b.ts;
            EXPECT_EQ(s->value, b.last[static_cast<std::size_t>(c)]) << counter_name(c);
        }
    }
}

// Ten instances of one process, created in order (epfd 10..19); instance k
// ends with kReady[k] items on its ready list, then a long idle stretch:
// the busiest (most area under its ready list) is the one with 9 ready.
constexpr int kReady[10] = {3, 9, 1, 7, 5, 0, 8, 2, 6, 4};

void ten_instances(Synth& s) {
    s.process("many");
    for (int k = 0; k < 10; ++k) s.create(ep_of(k + 1), 10 + k);
    for (int k = 0; k < 10; ++k) {
        for (int j = 0; j < 10; ++j) s.insert(ep_of(k + 1), 10 + k, 100 * (k + 1) + j);
        for (int j = 0; j < kReady[k]; ++j)
            s.callback(ep_of(k + 1), 100 * (k + 1) + j, EP_CB_QUEUED_READY, 0, 200);
    }
    for (int i = 0; i < 600; ++i) s.process("many");  // idle: the ready lists stay
}

// The serials (1..10 in creation order) of the tracks listed.
std::vector<std::uint64_t> serials(const CounterTrackList& l) {
    std::vector<std::uint64_t> out;
    for (const CounterTrack* t : l.shown) out.push_back(t->serial);
    return out;
}

TEST(CounterTracks, OnePerInstanceInTheOrderTheyAppeared) {
    const epscope::testing::ScratchDir dir("epscope-counter-tracks");
    write_trace(dir / "tracks.trace", ten_instances);
    Replay r(dir / "tracks.trace");
    ASSERT_TRUE(r.opened()) << r.open_error();
    const CounterIndex& idx = r.counters();
    ASSERT_EQ(idx.tracks().size(), 10u);
    for (std::size_t k = 0; k < 10; ++k) {
        EXPECT_EQ(idx.tracks()[k].serial, k + 1);
        EXPECT_EQ(idx.tracks()[k].name, "pid 100 many, epfd " + std::to_string(10 + k));
        EXPECT_EQ(idx.tracks()[k].label, "epfd " + std::to_string(10 + k) + " many");
        EXPECT_EQ(idx.tracks()[k].activity, counter_activity(idx.tracks()[k]));
    }
    // At most `limit` instances: all, whatever is selected.
    const CounterTrackList all = counter_track_list(idx, 6, false, 10);
    EXPECT_EQ(serials(all), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    EXPECT_FALSE(all.folded);
    EXPECT_EQ(all.elided(), 0u);
    EXPECT_EQ(counter_group_title(all), "[-] counter tracks: 10 instances");
    // Collapsed: the header only.
    const CounterTrackList none = counter_track_list(idx, 6, true, 10);
    EXPECT_TRUE(none.shown.empty());
    EXPECT_EQ(none.total, 10u);
    EXPECT_EQ(counter_group_title(none), "[+] counter tracks: 10 instances (click to show)");
}

TEST(CounterTracks, ManyFoldToTheSelectedAndTheBusiest) {
    const epscope::testing::ScratchDir dir("epscope-counter-fold");
    write_trace(dir / "fold.trace", ten_instances);
    Replay r(dir / "fold.trace");
    ASSERT_TRUE(r.opened()) << r.open_error();
    const CounterIndex& idx = r.counters();
    ASSERT_EQ(idx.tracks().size(), 10u);
    // Busiest first: 9 ready (serial 2), 8 (7), 7 (4), 6 (9), 5 (5)...
    for (std::size_t k = 0; k + 1 < 10; ++k) {
        for (std::size_t j = 0; j < 10; ++j) {
            if (kReady[k] > kReady[j]) {
                EXPECT_GT(idx.tracks()[k].activity, idx.tracks()[j].activity) << k << " " << j;
            }
        }
    }
    // Nothing selected: the four busiest, in the order they appeared.
    const CounterTrackList busiest = counter_track_list(idx, 0, false, 4);
    EXPECT_EQ(serials(busiest), (std::vector<std::uint64_t>{2, 4, 7, 9}));
    EXPECT_TRUE(busiest.folded);
    EXPECT_EQ(busiest.elided(), 6u);
    EXPECT_EQ(counter_group_title(busiest),
              "[-] counter tracks: 4 of 10 instances (6 elided: the selected and the busiest "
              "shown)");
    // The idle instance 6 selected: it and the three busiest.
    EXPECT_EQ(serials(counter_track_list(idx, 6, false, 4)),
              (std::vector<std::uint64_t>{2, 4, 6, 7}));
    // A busy one selected: no duplicate, the next busiest joins.
    EXPECT_EQ(serials(counter_track_list(idx, 4, false, 4)),
              (std::vector<std::uint64_t>{2, 4, 7, 9}));
    // The default fold.
    EXPECT_EQ(counter_track_list(idx, 0, false).shown.size(), kFoldedCounterTracks);
    EXPECT_TRUE(counter_track_list(idx, 0, true).shown.empty());
}

}  // namespace
}  // namespace epscope::view
