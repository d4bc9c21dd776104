// The findings engine on synthetic record streams: each rule fires on the
// kernel behaviour it describes, with its evidence, and stays silent just
// below its threshold or when the program does the right thing.
#include "findings/findings.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "record_builder.hpp"
#include "stream/abi.hpp"

namespace epscope::findings {
namespace {

using stream::Record;

constexpr std::uint64_t kEp = 0xffff888000100000ull;
constexpr std::uint64_t kMs = 1'000'000;
constexpr std::uint32_t kIn = 0x1, kOut = 0x4, kOneshot = 1u << 30, kEt = 1u << 31;

using testing::file_of;

// Feeds records with explicit times to an engine.
class Stream {
public:
    explicit Stream(Engine& e) : e_(e) {}
    std::uint64_t ts = 1'000'000'000;
    std::uint32_t tgid = 100;
    bool kernel = true;  // false: the tracepoint backend (no ep addresses)
    int epfd = 3;        // the instance of the next records (ep() follows it)

    template <class T>
    void feed(ep_kind kind, T body, std::uint32_t tid = 0) {
        testing::stamp(body, kind, ts, tgid, tid ? tid : tgid,
                       kernel ? EP_SOURCE_FENTRY : EP_SOURCE_TRACEPOINT);
        e_.on_record(Record::of(body));
    }
    std::uint64_t ep() const {
        return kernel ? kEp + 0x1000ull * static_cast<unsigned>(epfd - 3) : 0;
    }

    void ctl(ep_kind kind, int fd, std::uint32_t events, std::uint32_t tid = 0) {
        ep_item_ctl r{};
        r.ep = ep();
        r.file = kernel ? file_of(fd) : 0;
        r.data = 0x100 + fd;
        r.epfd = epfd;
        r.fd = fd;
        r.events = events;
        feed(kind, r, tid);
    }
    void insert(int fd, std::uint32_t events) { ctl(EP_KIND_ITEM_INSERT, fd, events); }
    void modify(int fd, std::uint32_t events) { ctl(EP_KIND_ITEM_MODIFY, fd, events); }
    void remove(int fd) {
        ep_item_remove r{};
        r.ep = ep();
        r.epfd = epfd;
        r.fd = fd;
        feed(EP_KIND_ITEM_REMOVE, r);
    }
    void wait_begin(std::uint32_t tid, std::int64_t timeout_ns = -1, int maxevents = 64) {
        ep_wait_begin r{};
        r.ep = ep();
        r.epfd = epfd;
        r.timeout_ns = timeout_ns;
        r.maxevents = maxevents;
        feed(EP_KIND_WAIT_BEGIN, r, tid);
    }
    void wait_end(std::uint32_t tid, int result) {
        ep_wait_end r{};
        r.ep = ep();
        r.epfd = epfd;
        r.result = result;
        feed(EP_KIND_WAIT_END, r, tid);
    }
    void harvest_begin(std::uint32_t tid) {
        ep_harvest_begin r{};
        r.ep = ep();
        feed(EP_KIND_HARVEST_BEGIN, r, tid);
    }
    void deliver(std::uint32_t tid, int fd, std::uint32_t revents = kIn) {
        ep_harvest_item r{};
        r.ep = ep();
        r.data = 0x100 + fd;
        r.revents = revents;
        feed(EP_KIND_HARVEST_ITEM, r, tid);
    }
    void harvest_end(std::uint32_t tid, std::uint32_t ready, std::uint32_t overflow = 0) {
        ep_harvest_end r{};
        r.ep = ep();
        r.ready = ready;
        r.overflow = overflow;
        feed(EP_KIND_HARVEST_END, r, tid);
    }
    void callback(std::uint32_t waker, int fd, std::uint8_t outcome, std::uint64_t ep = kEp) {
        ep_callback r{};
        r.ep = ep;
        r.file = file_of(fd);
        r.fd = fd;
        r.outcome = outcome;
        feed(EP_KIND_CALLBACK, r, waker);
    }
    void wakeup(std::uint32_t waker, std::uint32_t woken, std::uint64_t ep = kEp) {
        ep_wakeup r{};
        r.ep = ep;
        r.woken_tid = woken;
        feed(EP_KIND_WAKEUP, r, waker);
    }
    void snapshot_item(int tfd, std::uint32_t events) {
        ep_snapshot_item r{};
        r.epfd = epfd;
        r.tfd = tfd;
        r.events = events;
        feed(EP_KIND_SNAPSHOT_ITEM, r);
    }
    // One whole epoll_wait of `tid` delivering `fds`.
    void turn(std::uint32_t tid, std::vector<int> fds, std::uint32_t revents = kIn) {
        wait_begin(tid);
        harvest_begin(tid);
        for (int fd : fds) deliver(tid, fd, revents);
        harvest_end(tid, 0);
        wait_end(tid, static_cast<int>(fds.size()));
    }

private:
    Engine& e_;
};

Options opts(const char* backend = "fentry") {
    Options o;
    o.backend = backend;
    return o;
}

std::vector<Finding> of_kind(Engine& e, Kind k) {
    e.finish();
    std::vector<Finding> out;
    for (const auto& f : e.findings())
        if (f.kind == k) out.push_back(f);
    return out;
}

bool unjudged(const Engine& e, Kind k) {
    const auto& u = e.unjudged();
    return std::any_of(u.begin(), u.end(), [&](const Unjudged& x) { return x.kind == k; });
}

// ---- busy polling -----------------------------------------------------------

void busy_loop(Stream& s, int polls, int every_nth_nonempty = 0) {
    for (int i = 0; i < polls; ++i) {
        s.wait_begin(101, 0);
        s.ts += 10'000;
        s.wait_end(101, every_nth_nonempty && i % every_nth_nonempty == 0 ? 1 : 0);
        s.ts += 10'000;
    }
}

TEST(Findings, BusyPollingReportedPerThread) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    busy_loop(s, 2000);
    auto f = of_kind(e, Kind::BusyPolling);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Warning);
    EXPECT_EQ(f[0].count, 2000u);
    EXPECT_EQ(f[0].threads, std::vector<std::uint32_t>{101});
    EXPECT_EQ(f[0].epfd, 3);
    ASSERT_FALSE(f[0].evidence.empty());
    EXPECT_EQ(f[0].evidence[0].record, 2u);  // the first WAIT_END
    EXPECT_NE(f[0].evidence[0].text.find("2000 epoll_wait calls"), std::string::npos);
}

TEST(Findings, BusyPollingNotBelowItsThresholds) {
    Engine few(opts());
    Stream s1(few);
    busy_loop(s1, 999);  // one below busy_min_polls
    EXPECT_TRUE(of_kind(few, Kind::BusyPolling).empty());

    Engine mostly_busy(opts());
    Stream s2(mostly_busy);
    busy_loop(s2, 4000, 5);  // 20% return events: below the 90% empty share
    EXPECT_TRUE(of_kind(mostly_busy, Kind::BusyPolling).empty());

    Engine blocking(opts());
    Stream s3(blocking);
    for (int i = 0; i < 3000; ++i) {  // timeout -1: sleeps in the kernel
        s3.wait_begin(101, -1);
        s3.wait_end(101, 0);
        s3.ts += 10'000;
    }
    EXPECT_TRUE(of_kind(blocking, Kind::BusyPolling).empty());
}

TEST(Findings, WindowLimitsWhatCounts) {
    Options o = opts();
    o.from_ns = 10'000 * kMs;  // 10 s after the first record: after the loop
    Engine e(o);
    Stream s(e);
    busy_loop(s, 2000);
    s.ts += 20'000 * kMs;
    s.wait_begin(101, -1);
    EXPECT_TRUE(of_kind(e, Kind::BusyPolling).empty());
}

// ---- one-shot never re-armed --------------------------------------------------

void oneshot_fired(Stream& s) {
    s.insert(7, kIn | kOneshot);
    s.ts += kMs;
    s.turn(101, {7});
}

TEST(Findings, OneshotNotRearmedWhileCallbacksArrive) {
    Engine e(opts());
    Stream s(e);
    oneshot_fired(s);
    for (int i = 0; i < 3; ++i) {
        s.ts += 500 * kMs;
        s.callback(200, 7, EP_CB_IGNORED_DISARMED);
    }
    s.ts += 500 * kMs;
    s.wait_begin(101);
    auto f = of_kind(e, Kind::OneshotNotRearmed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].fds, std::vector<std::int32_t>{7});
    EXPECT_EQ(f[0].count, 1u);
    ASSERT_FALSE(f[0].evidence.empty());
    EXPECT_EQ(f[0].evidence[0].record, 4u);  // the delivery that disarmed it
    EXPECT_NE(f[0].evidence[0].text.find("3 callbacks ignored"), std::string::npos);
    EXPECT_NE(f[0].evidence[0].text.find("2000 ms"), std::string::npos);
}

TEST(Findings, OneshotRearmedInTimeOrIdleIsHealthy) {
    Engine rearmed(opts());
    Stream s1(rearmed);
    oneshot_fired(s1);
    s1.ts += 5 * kMs;
    s1.callback(200, 7, EP_CB_IGNORED_DISARMED);
    s1.ts += 5 * kMs;
    s1.modify(7, kIn | kOneshot);
    s1.ts += 5000 * kMs;
    s1.wait_begin(101);
    EXPECT_TRUE(of_kind(rearmed, Kind::OneshotNotRearmed).empty());

    // Disarmed for long but nothing arrived: an idle connection, not a stuck one.
    Engine idle(opts());
    Stream s2(idle);
    oneshot_fired(s2);
    s2.ts += 5000 * kMs;
    s2.wait_begin(101);
    EXPECT_TRUE(of_kind(idle, Kind::OneshotNotRearmed).empty());
}

TEST(Findings, OneshotOnTracepointNeedsFdinfo) {
    Engine seen(opts("tracepoint"));
    Stream s1(seen);
    s1.kernel = false;
    oneshot_fired(s1);
    s1.ts += 1500 * kMs;
    s1.snapshot_item(7, kOneshot);  // still registered, disarmed
    s1.ts += 100 * kMs;
    s1.wait_begin(101);
    auto f = of_kind(seen, Kind::OneshotNotRearmed);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].confidence.find("fdinfo"), std::string::npos);

    // No checkpoint: closed or stuck cannot be told apart; said, not reported.
    Engine unseen(opts("tracepoint"));
    Stream s2(unseen);
    s2.kernel = false;
    oneshot_fired(s2);
    s2.ts += 1500 * kMs;
    s2.wait_begin(101);
    EXPECT_TRUE(of_kind(unseen, Kind::OneshotNotRearmed).empty());
    EXPECT_TRUE(unjudged(unseen, Kind::OneshotNotRearmed));
    EXPECT_TRUE(unjudged(unseen, Kind::LoopBlocked));
}

TEST(Findings, FreedInstancesKeepTheirFindings) {
    Engine e(opts());
    Stream s(e);
    busy_loop(s, 2000);
    ep_instance_free r{};
    r.ep = kEp;
    s.feed(EP_KIND_INSTANCE_FREE, r);
    auto f = of_kind(e, Kind::BusyPolling);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].count, 2000u);
    EXPECT_EQ(f[0].ep, kEp);

    // A new instance at the same address starts clean: its own one-shot item
    // is not mixed with the freed instance's.
    Engine reuse(opts());
    Stream s2(reuse);
    oneshot_fired(s2);
    s2.ts += 500 * kMs;
    s2.callback(200, 7, EP_CB_IGNORED_DISARMED);
    s2.feed(EP_KIND_INSTANCE_FREE, r);  // freed 0.5 s after disarming: not stuck long
    s2.insert(7, kIn);
    s2.ts += 5000 * kMs;
    s2.callback(200, 7, EP_CB_QUEUED_READY);
    EXPECT_TRUE(of_kind(reuse, Kind::OneshotNotRearmed).empty());
}

TEST(Findings, KernelBackendsJudgeWithoutCallbacks) {
    // No callback in the trace: on fentry there were none, on tracepoint none
    // could be seen.
    Engine fentry(opts("fentry"));
    Stream s1(fentry);
    busy_loop(s1, 10);
    fentry.finish();
    EXPECT_FALSE(unjudged(fentry, Kind::LoopBlocked));
    Engine tp(opts("tracepoint"));
    Stream s2(tp);
    s2.kernel = false;
    busy_loop(s2, 10);
    tp.finish();
    EXPECT_TRUE(unjudged(tp, Kind::LoopBlocked));
    // Reads are recorded on every backend (FD_READ, ABI 5).
    EXPECT_FALSE(unjudged(tp, Kind::EdgeUndrained));
    EXPECT_FALSE(unjudged(fentry, Kind::EdgeUndrained));
}

// ---- event loop blocked -------------------------------------------------------

// `n` turns of 200 ms while items 7 and 8 wait.
void stalls(Stream& s, int n) {
    s.insert(7, kIn);
    s.insert(8, kIn);
    for (int i = 0; i < n; ++i) {
        s.turn(101, {});
        s.ts += kMs;
        s.callback(200, 7, EP_CB_QUEUED_READY);
        s.callback(200, 8, EP_CB_QUEUED_READY);
        s.ts += 199 * kMs;
        s.wait_begin(101);  // 200 ms turn, both items waited
        s.harvest_begin(101);
        s.deliver(101, 7);
        s.deliver(101, 8);
        s.harvest_end(101, 2);
        s.wait_end(101, 2);
    }
}

TEST(Findings, LoopBlockedWhileItemsWait) {
    Engine e(opts());
    Stream s(e);
    stalls(s, 3);
    auto f = of_kind(e, Kind::LoopBlocked);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].count, 3u);
    EXPECT_EQ(f[0].severity, Severity::Warning);
    EXPECT_EQ(f[0].threads, std::vector<std::uint32_t>{101});
    EXPECT_EQ(f[0].fds.size(), 2u);
    EXPECT_NE(f[0].evidence[0].text.find("took 200 ms"), std::string::npos);
    EXPECT_NE(f[0].evidence[0].text.find("2 items waited"), std::string::npos);
}

TEST(Findings, LoopBlockedOnceIsNotAPattern) {
    Engine e(opts());
    Stream s(e);
    stalls(s, 2);  // below blocked_min_stalls: may be the machine, not the loop
    EXPECT_TRUE(of_kind(e, Kind::LoopBlocked).empty());
}

TEST(Findings, LoopBlockedNeedsWaitingItemsAndALongTurn) {
    Engine nothing_waits(opts());
    Stream s1(nothing_waits);
    s1.insert(7, kIn);
    s1.turn(101, {});
    s1.ts += 500 * kMs;
    s1.wait_begin(101);
    EXPECT_TRUE(of_kind(nothing_waits, Kind::LoopBlocked).empty());

    Engine short_turn(opts());
    Stream s2(short_turn);
    s2.insert(7, kIn);
    s2.turn(101, {});
    s2.callback(200, 7, EP_CB_QUEUED_READY);
    s2.ts += 49 * kMs;
    s2.wait_begin(101);
    EXPECT_TRUE(of_kind(short_turn, Kind::LoopBlocked).empty());
}

TEST(Findings, LoopBlockedCountsOnlyEventsThatWaitedLong) {
    // Long turns, but the events came just before the thread returned: they
    // waited 10 ms, not the turn.
    Engine late(opts());
    Stream s1(late);
    s1.insert(7, kIn);
    for (int i = 0; i < 5; ++i) {
        s1.turn(101, {});
        s1.ts += 190 * kMs;
        s1.callback(200, 7, EP_CB_QUEUED_READY);
        s1.ts += 10 * kMs;
        s1.wait_begin(101);
        s1.wait_end(101, 1);
    }
    EXPECT_TRUE(of_kind(late, Kind::LoopBlocked).empty());

    // A level-triggered item on the ready list whose re-poll found nothing:
    // the harvest dropped it; its old callback does not make later turns stalls.
    Engine dropped(opts());
    Stream s2(dropped);
    s2.insert(7, kIn);
    s2.callback(200, 7, EP_CB_ALREADY_READY);
    s2.turn(101, {});  // harvest begins after the callback, delivers nothing
    for (int i = 0; i < 5; ++i) {
        s2.ts += 200 * kMs;
        s2.turn(101, {});
    }
    EXPECT_TRUE(of_kind(dropped, Kind::LoopBlocked).empty());
}

TEST(Findings, LoopBlockedOverASecondIsAnError) {
    Engine e(opts());
    Stream s(e);
    s.insert(7, kIn);
    s.turn(101, {});
    s.callback(200, 7, EP_CB_QUEUED_READY);
    s.ts += 1500 * kMs;
    s.wait_begin(101);
    auto f = of_kind(e, Kind::LoopBlocked);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Error);
}

// ---- herds and spurious wakeups ----------------------------------------------

// A callback of fd 5 on two instances (a listener in each) wakes one waiter
// of each; `empty` of them return nothing.
void herd_round(Stream& s, bool second_empty) {
    constexpr std::uint64_t kEp2 = kEp + 0x1000;
    s.callback(200, 5, EP_CB_QUEUED_READY, kEp);
    s.wakeup(200, 101, kEp);
    s.callback(200, 5, EP_CB_QUEUED_READY, kEp2);
    s.wakeup(200, 102, kEp2);
    s.ts += kMs;
    s.deliver(101, 5);
    s.wait_end(101, 1);
    ep_wait_end r{};
    r.ep = kEp2;
    r.epfd = 4;
    r.result = second_empty ? 0 : 1;
    s.feed(EP_KIND_WAIT_END, r, 102);
    s.wait_begin(101);
    ep_wait_begin b{};
    b.ep = kEp2;
    b.epfd = 4;
    b.timeout_ns = -1;
    s.feed(EP_KIND_WAIT_BEGIN, b, 102);
    s.ts += 10 * kMs;
}

void two_listeners(Stream& s) {
    s.insert(5, kIn);
    ep_item_ctl r{};
    r.ep = kEp + 0x1000;
    r.file = file_of(5);
    r.data = 0x105;
    r.epfd = 4;
    r.fd = 5;
    r.events = kIn;
    s.feed(EP_KIND_ITEM_INSERT, r);
    s.wait_begin(101);
    ep_wait_begin b{};
    b.ep = kEp + 0x1000;
    b.epfd = 4;
    b.timeout_ns = -1;
    s.feed(EP_KIND_WAIT_BEGIN, b, 102);
}

TEST(Findings, ThunderingHerdAndItsSpuriousWakeups) {
    Engine e(opts());
    Stream s(e);
    two_listeners(s);
    for (int i = 0; i < 25; ++i) herd_round(s, true);
    auto herd = of_kind(e, Kind::ThunderingHerd);
    ASSERT_EQ(herd.size(), 1u);
    EXPECT_EQ(herd[0].count, 25u);
    EXPECT_EQ(herd[0].fds, std::vector<std::int32_t>{5});
    EXPECT_EQ(herd[0].threads.size(), 2u);
    EXPECT_NE(herd[0].advice.find("EPOLLEXCLUSIVE"), std::string::npos);
    EXPECT_NE(herd[0].evidence.back().text.find("25 of them returned no event"), std::string::npos);
    auto spur = of_kind(e, Kind::SpuriousWakeups);
    ASSERT_EQ(spur.size(), 1u);  // the second instance: 25 of 25 wakeups empty
    EXPECT_EQ(spur[0].count, 25u);
    EXPECT_EQ(spur[0].threads, std::vector<std::uint32_t>{102});
}

TEST(Findings, HerdBelowThresholdAndUsefulWakeupsAreHealthy) {
    Engine few(opts());
    Stream s1(few);
    two_listeners(s1);
    for (int i = 0; i < 9; ++i) herd_round(s1, true);
    EXPECT_TRUE(of_kind(few, Kind::ThunderingHerd).empty());

    Engine useful(opts());
    Stream s2(useful);
    two_listeners(s2);
    for (int i = 0; i < 25; ++i) herd_round(s2, false);
    EXPECT_TRUE(of_kind(useful, Kind::SpuriousWakeups).empty());
}

// ---- maxevents ----------------------------------------------------------------

TEST(Findings, MaxeventsStarvedCountsTxlistLeftoversOnly) {
    auto run = [](std::uint32_t events, int harvests) {
        auto e = std::make_unique<Engine>(opts());
        Stream s(*e);
        for (int fd = 10; fd < 14; ++fd) s.insert(fd, events);
        for (int i = 0; i < harvests; ++i) {
            s.wait_begin(101, -1, 2);
            s.harvest_begin(101);
            s.deliver(101, 10);
            s.deliver(101, 11);
            s.harvest_end(101, 2);  // two ready items left, or the two requeued LT ones
            s.wait_end(101, 2);
            s.ts += kMs;
        }
        return of_kind(*e, Kind::MaxeventsStarved);
    };
    auto et = run(kIn | kEt, 10);
    ASSERT_EQ(et.size(), 1u);
    EXPECT_EQ(et[0].count, 10u);
    EXPECT_TRUE(run(kIn | kEt, 9).empty());  // below starved_min_harvests
    EXPECT_TRUE(run(kIn, 20).empty());       // level-triggered: the two are requeued
}

// A kernel backend hooks ep_done_scan at its entry: the items maxevents left
// are on the txlist (its walk counts them), the ready list holds only the
// level-triggered items requeued. The txlist count is what starved.
TEST(Findings, MaxeventsStarvedFromTheTxlistWalk) {
    auto run = [](std::uint32_t txlist) {
        auto e = std::make_unique<Engine>(opts());
        Stream s(*e);
        for (int fd = 10; fd < 74; ++fd) s.insert(fd, kIn);
        for (int i = 0; i < 10; ++i) {
            s.wait_begin(101, -1, 4);
            s.harvest_begin(101);
            ep_walk_end w{};
            w.ep = kEp;
            w.list = EP_WALK_TXLIST;
            w.count = txlist;
            s.feed(EP_KIND_WALK_END, w, 101);
            s.harvest_end(101, 4);
            for (int fd = 10; fd < 14; ++fd) s.deliver(101, fd);
            s.wait_end(101, 4);
            s.ts += kMs;
        }
        return of_kind(*e, Kind::MaxeventsStarved);
    };
    auto f = run(60);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].count, 10u);
    EXPECT_NE(f[0].title.find("10 full harvests left up to 60 items"), std::string::npos);
    EXPECT_TRUE(run(0).empty());  // exactly maxevents were ready: nothing left
}

// Without --verify a kernel backend does not walk the ready list after a
// harvest (HARVEST_END ready = -1u): full harvests are listed as not judged.
TEST(Findings, MaxeventsStarvedUnjudgedWithoutReadyWalk) {
    Engine e(opts());
    Stream s(e);
    for (int fd = 10; fd < 14; ++fd) s.insert(fd, kIn | kEt);
    for (int i = 0; i < 10; ++i) {
        s.wait_begin(101, -1, 2);
        s.harvest_begin(101);
        s.deliver(101, 10);
        s.deliver(101, 11);
        s.harvest_end(101, ~0u);
        s.wait_end(101, 2);
        s.ts += kMs;
    }
    EXPECT_TRUE(of_kind(e, Kind::MaxeventsStarved).empty());
    ASSERT_TRUE(unjudged(e, Kind::MaxeventsStarved));
    const auto& u = e.unjudged();
    const auto it = std::find_if(
        u.begin(), u.end(), [](const Unjudged& x) { return x.kind == Kind::MaxeventsStarved; });
    EXPECT_NE(it->reason.find("10 epoll_wait calls returned maxevents"), std::string::npos);
    EXPECT_NE(it->reason.find("--verify"), std::string::npos);
}

// ---- churn, spin, overflow ------------------------------------------------------

TEST(Findings, RegistrationChurn) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    for (int i = 0; i < 1500; ++i) {
        s.insert(9, kIn);
        s.remove(9);
        s.ts += kMs / 2;
    }
    auto f = of_kind(e, Kind::RegistrationChurn);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].count, 2998u);  // 1499 re-ADDs, each with the DEL before it

    // A one-shot server re-arms once per event: one call per delivery is the design.
    Engine rearm(opts("tracepoint"));
    Stream s2(rearm);
    s2.kernel = false;
    s2.insert(9, kIn | kOneshot);
    for (int i = 0; i < 3000; ++i) {
        s2.turn(101, {9});
        s2.modify(9, kIn | kOneshot);
        s2.ts += kMs / 4;
    }
    EXPECT_TRUE(of_kind(rearm, Kind::RegistrationChurn).empty());

    // Setup is not churn: three thousand items added once.
    Engine setup(opts("tracepoint"));
    Stream s3(setup);
    s3.kernel = false;
    for (int fd = 10; fd < 3010; ++fd) s3.insert(fd, kIn);
    EXPECT_TRUE(of_kind(setup, Kind::RegistrationChurn).empty());

    // Short connections: an ADD and a DEL around one event each.
    Engine short_conns(opts("tracepoint"));
    Stream s4(short_conns);
    s4.kernel = false;
    for (int i = 0; i < 3000; ++i) {
        s4.insert(9, kIn);
        s4.turn(101, {9});
        s4.remove(9);
        s4.ts += kMs / 4;
    }
    EXPECT_TRUE(of_kind(short_conns, Kind::RegistrationChurn).empty());

    // Teardown is not churn: 1500 items removed once, after 1000 events
    // (many-fds; counted as 3 per event when a DEL alone counted 2).
    Engine teardown(opts("tracepoint"));
    Stream s5(teardown);
    s5.kernel = false;
    for (int fd = 10; fd < 3010; ++fd) s5.insert(fd, kIn | kEt);
    for (int i = 0; i < 1000; ++i) s5.turn(101, {10 + 3 * i});
    s5.ts += kMs;
    for (int fd = 10; fd < 3010; fd += 2) s5.remove(fd);
    EXPECT_TRUE(of_kind(teardown, Kind::RegistrationChurn).empty());
}

TEST(Findings, LevelTriggeredEpolloutSpin) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    s.insert(9, kIn | kOut);
    for (int i = 0; i < 1200; ++i) {
        s.turn(101, {9}, kOut);
        s.ts += kMs;
    }
    const std::uint64_t last = s.ts - kMs;
    auto f = of_kind(e, Kind::LevelSpin);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].fds, std::vector<std::int32_t>{9});
    // The spin spans its deliveries: from the first to the last.
    EXPECT_EQ(f[0].first_ts, 1'000'000'000u);
    EXPECT_EQ(f[0].last_ts, last);

    // The same deliveries on an edge-triggered item, or interrupted by input: no spin.
    Engine et(opts("tracepoint"));
    Stream s2(et);
    s2.kernel = false;
    s2.insert(9, kIn | kOut | kEt);
    for (int i = 0; i < 1200; ++i) s2.turn(101, {9}, kOut);
    EXPECT_TRUE(of_kind(et, Kind::LevelSpin).empty());
    Engine busy(opts("tracepoint"));
    Stream s3(busy);
    s3.kernel = false;
    s3.insert(9, kIn | kOut);
    for (int i = 0; i < 1200; ++i) s3.turn(101, {9}, i % 500 == 499 ? kIn | kOut : kOut);
    EXPECT_TRUE(of_kind(busy, Kind::LevelSpin).empty());
}

TEST(Findings, OverflowPressureIsInfo) {
    Engine e(opts());
    Stream s(e);
    s.insert(7, kIn);
    for (int i = 0; i < 100; ++i) {
        s.callback(200, 7, EP_CB_QUEUED_READY);
        s.callback(201, 7, EP_CB_QUEUED_OVERFLOW);
    }
    auto f = of_kind(e, Kind::OverflowPressure);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Info);
    EXPECT_EQ(f[0].count, 100u);

    Engine low(opts());
    Stream s2(low);
    s2.insert(7, kIn);
    for (int i = 0; i < 100; ++i) {
        s2.callback(200, 7, EP_CB_QUEUED_READY);
        s2.callback(200, 7, EP_CB_QUEUED_READY);
        s2.callback(200, 7, EP_CB_QUEUED_READY);
        s2.callback(200, 7, EP_CB_QUEUED_READY);
        s2.callback(201, 7, EP_CB_QUEUED_OVERFLOW);
    }
    EXPECT_TRUE(of_kind(low, Kind::OverflowPressure).empty());  // 20% < 25%
}

// ---- order --------------------------------------------------------------------

TEST(Findings, WorstFirst) {
    Engine e(opts());
    Stream s(e);
    s.insert(7, kIn);
    for (int i = 0; i < 100; ++i) {
        s.callback(200, 7, EP_CB_QUEUED_READY);
        s.callback(201, 7, EP_CB_QUEUED_OVERFLOW);
    }
    busy_loop(s, 2000);
    s.turn(101, {});
    s.callback(200, 7, EP_CB_QUEUED_READY);
    s.ts += 2000 * kMs;
    s.wait_begin(101);
    e.finish();
    const auto& f = e.findings();
    ASSERT_GE(f.size(), 3u);
    EXPECT_EQ(f[0].kind, Kind::LoopBlocked);
    EXPECT_EQ(f[0].severity, Severity::Error);
    EXPECT_EQ(f.back().severity, Severity::Info);
}

// ---- closed fd still registered -------------------------------------------------

constexpr std::uint64_t kFileB = 0xffff888000b00000ull;

// ADD of fd with its own file and data (the number may be reused for another file).
void add_file(Stream& s, int fd, std::uint64_t file, std::uint64_t data) {
    ep_item_ctl r{};
    r.ep = s.ep();
    r.file = file;
    r.data = data;
    r.ino = file & 0xffff;
    r.epfd = 3;
    r.fd = fd;
    r.events = kIn;
    s.feed(EP_KIND_ITEM_INSERT, r);
}

void close_fd(Stream& s, int fd, std::uint64_t file, std::uint8_t shared) {
    ep_fd_close r{};
    r.file = file;
    r.ino = file & 0xffff;
    r.fd = fd;
    r.shared = shared;
    s.feed(EP_KIND_FD_CLOSE, r);
}

void name_fd(Stream& s, int fd, std::uint64_t file, const char* name) {
    ep_fd_name r{};
    r.fd = fd;
    r.ino = file & 0xffff;
    std::snprintf(r.name, sizeof r.name, "%s", name);
    s.feed(EP_KIND_FD_NAME, r);
}

void deliver_data(Stream& s, std::uint32_t tid, std::uint64_t data) {
    s.wait_begin(tid);
    ep_harvest_item r{};
    r.ep = s.ep();
    r.data = data;
    r.revents = kIn;
    s.feed(EP_KIND_HARVEST_ITEM, r, tid);
    s.wait_end(tid, 1);
}

// fd 11 (pipe A) registered, closed while a dup holds A, reused for pipe B and
// registered: A's callbacks and deliveries after the close are the finding,
// B's are not.
void stale_and_reused(Stream& s, int stale_events) {
    name_fd(s, 11, file_of(11), "pipe A");
    add_file(s, 11, file_of(11), 0xa);
    s.ts += kMs;
    close_fd(s, 11, file_of(11), 1);
    name_fd(s, 11, kFileB, "pipe B");
    add_file(s, 11, kFileB, 0xb);
    for (int i = 0; i < stale_events; ++i) {
        s.ts += kMs;
        if (s.kernel) s.callback(200, 11, EP_CB_QUEUED_READY);  // file_of(11): A
        deliver_data(s, 101, 0xa);
    }
    for (int i = 0; i < 4; ++i) {
        s.ts += kMs;
        if (s.kernel) {
            ep_callback r{};
            r.ep = kEp;
            r.file = kFileB;
            r.fd = 11;
            r.outcome = EP_CB_QUEUED_READY;
            s.feed(EP_KIND_CALLBACK, r, 200);
        }
        deliver_data(s, 101, 0xb);
    }
}

TEST(Findings, ClosedFdRegisteredWhileEventsArrive) {
    Engine e(opts());
    Stream s(e);
    stale_and_reused(s, 3);
    const auto f = of_kind(e, Kind::ClosedFdRegistered);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Warning);
    EXPECT_EQ(f[0].count, 6u);  // 3 callbacks and 3 deliveries of A, none of B's
    ASSERT_EQ(f[0].fds, std::vector<std::int32_t>{11});
    EXPECT_EQ(f[0].fd_names, std::vector<std::string>{"pipe A"});
    ASSERT_GE(f[0].evidence.size(), 3u);
    EXPECT_NE(f[0].evidence[0].text.find("fd 11 (pipe A) was closed at record #3"),
              std::string::npos)
        << f[0].evidence[0].text;
    EXPECT_EQ(f[0].evidence[0].record, 3u);
    EXPECT_NE(f[0].evidence[1].text.find("3 callbacks and 3 deliveries"), std::string::npos)
        << f[0].evidence[1].text;
    EXPECT_NE(f[0].evidence[2].text.find("fd 11 now names pipe B"), std::string::npos);
    EXPECT_NE(f[0].advice.find("EPOLL_CTL_DEL before close()"), std::string::npos);
    EXPECT_FALSE(unjudged(e, Kind::ClosedFdRegistered));
}

TEST(Findings, ClosedFdOnTracepointCountsDeliveriesByData) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    stale_and_reused(s, 2);
    const auto f = of_kind(e, Kind::ClosedFdRegistered);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].count, 2u);
    EXPECT_NE(f[0].confidence.find("deliveries, not callbacks"), std::string::npos);
}

// Healthy: the close released the file (no dup), or the stale item got no
// event before the file's last close removed it.
TEST(Findings, ClosedFdReleasedOrSilentIsHealthy) {
    Engine e(opts());
    Stream s(e);
    add_file(s, 11, file_of(11), 0xa);
    close_fd(s, 11, file_of(11), 0);
    s.callback(200, 11, EP_CB_QUEUED_READY);  // between close() and __fput
    add_file(s, 12, file_of(12), 0xc);
    close_fd(s, 12, file_of(12), 1);
    close_fd(s, 13, file_of(12), 0);  // the dup: the last reference
    ep_item_remove r{};
    r.ep = kEp;
    r.file = file_of(12);
    r.epfd = -1;
    r.fd = 12;
    r.reason = EP_REMOVE_FILE_CLOSE;
    s.feed(EP_KIND_ITEM_REMOVE, r);
    s.callback(200, 12, EP_CB_QUEUED_READY);
    EXPECT_TRUE(of_kind(e, Kind::ClosedFdRegistered).empty());
}

TEST(Findings, ClosedFdNotJudgedOnTracesBeforeAbi4) {
    Options o = opts();
    o.abi_version = 3;
    Engine e(o);
    e.finish();
    EXPECT_TRUE(unjudged(e, Kind::ClosedFdRegistered));
}

}  // namespace
}  // namespace epscope::findings

namespace epscope::findings {
namespace {

// ---- unbalanced pollers -------------------------------------------------------

// `tid` waits `waits` times on instance `epfd`, each wait lasting wait_ns and
// returning `events`, then works turn_ns.
void poll_loop(Stream& s, std::uint32_t tid, int epfd, int waits, int events, std::uint64_t wait_ns,
               std::uint64_t turn_ns) {
    s.epfd = epfd;
    for (int i = 0; i < waits; ++i) {
        s.wait_begin(tid, 100 * kMs);
        s.ts += wait_ns;
        s.wait_end(tid, events);
        s.ts += turn_ns;
    }
}

TEST(Findings, UnbalancedPollersOneBusyThreadOthersAsleep) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    poll_loop(s, 102, 4, 1, 0, 100 * kMs, 0);  // the idle pollers' waits
    poll_loop(s, 103, 5, 1, 0, 100 * kMs, 0);
    poll_loop(s, 101, 3, 300, 8, 10'000, kMs);
    auto f = of_kind(e, Kind::UnbalancedPollers);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Warning);
    EXPECT_EQ(f[0].count, 2400u);
    EXPECT_EQ(f[0].epfd, 3);
    EXPECT_EQ(f[0].threads, (std::vector<std::uint32_t>{101, 102, 103}));
    EXPECT_NE(f[0].title.find("one of 3 threads delivered 100% of the events, outside "
                              "epoll_wait 99%"),
              std::string::npos)
        << f[0].title;
    ASSERT_GE(f[0].evidence.size(), 1u);
    EXPECT_NE(f[0].evidence[0].text.find("thread 101 (epfd 3): 2400 events (100%) in 300"),
              std::string::npos)
        << f[0].evidence[0].text;
    EXPECT_EQ(f[0].evidence[0].record, 5u);  // its first WAIT_BEGIN
}

TEST(Findings, UnbalancedPollersIdleBusiestIsInfo) {
    Engine e(opts());
    Stream s(e);
    poll_loop(s, 102, 4, 1, 0, 100 * kMs, 0);
    poll_loop(s, 101, 3, 300, 8, kMs, 10'000);  // asleep most of its time
    auto f = of_kind(e, Kind::UnbalancedPollers);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].severity, Severity::Info);
}

TEST(Findings, BalancedOrSharedPollersAreHealthy) {
    Engine balanced(opts());
    Stream s1(balanced);
    for (int i = 0; i < 150; ++i) {  // two threads, 4:3 (57%), both busy
        poll_loop(s1, 101, 3, 1, 8, 10'000, kMs);
        poll_loop(s1, 102, 4, 1, 6, 10'000, kMs);
    }
    EXPECT_TRUE(of_kind(balanced, Kind::UnbalancedPollers).empty());

    Engine shared(opts());  // one instance: the herd and spurious rules judge it
    Stream s2(shared);
    poll_loop(s2, 102, 3, 1, 0, 100 * kMs, 0);
    poll_loop(s2, 101, 3, 300, 8, 10'000, kMs);
    EXPECT_TRUE(of_kind(shared, Kind::UnbalancedPollers).empty());

    Engine few(opts());  // 999 events: below unbalanced_min_deliveries
    Stream s3(few);
    poll_loop(s3, 102, 4, 1, 0, 100 * kMs, 0);
    poll_loop(s3, 101, 3, 333, 3, 10'000, kMs);
    EXPECT_TRUE(of_kind(few, Kind::UnbalancedPollers).empty());

    Engine busy_polls(opts());  // timeout-0 polls are not pollers that sleep
    Stream s4(busy_polls);
    s4.epfd = 4;
    s4.wait_begin(102, 0);
    s4.wait_end(102, 0);
    poll_loop(s4, 101, 3, 300, 8, 10'000, kMs);
    EXPECT_TRUE(of_kind(busy_polls, Kind::UnbalancedPollers).empty());
}

}  // namespace
}  // namespace epscope::findings

namespace epscope::findings {
namespace {

// ---- edge-triggered item left undrained ----------------------------------------

void read_fd(Stream& s, std::uint32_t tid, int fd, std::int64_t result, std::uint64_t requested) {
    ep_fd_read r{};
    r.fd = fd;
    r.result = result;
    r.requested = requested;
    r.via = EP_FD_READ_READ;
    s.feed(EP_KIND_FD_READ, r, tid);
}

void type_fd(Stream& s, int fd, std::uint32_t type, const char* name) {
    ep_fd_name r{};
    r.fd = fd;
    r.type = type;
    std::snprintf(r.name, sizeof r.name, "%s", name);
    s.feed(EP_KIND_FD_NAME, r);
}

// fd 7, EPOLLET, delivered to thread 101, which reads it as `reads` says
// (results of reads of 1 KiB buffers), then waits silent_ns with no event.
void edge_turn(Stream& s, std::vector<std::int64_t> reads, std::uint64_t silent_ns,
               std::uint32_t events = kIn | kEt) {
    type_fd(s, 7, EP_FD_TCP, "TCP 127.0.0.1:8080->127.0.0.1:40000");
    s.insert(7, events);
    s.ts += kMs;
    s.turn(101, {7});
    for (auto r : reads) {
        s.ts += 10'000;
        read_fd(s, 101, 7, r, 1024);
    }
    s.ts += 10'000;
    s.wait_begin(101);
    s.ts += silent_ns;
    s.wait_end(101, 0);
}

TEST(Findings, EdgeUndrainedAfterPartialReads) {
    for (const char* backend : {"fentry", "tracepoint"}) {
        Engine e(opts(backend));
        Stream s(e);
        s.kernel = std::string(backend) != "tracepoint";
        edge_turn(s, {1024, 1024}, 1500 * kMs);
        const auto f = of_kind(e, Kind::EdgeUndrained);
        ASSERT_EQ(f.size(), 1u) << backend;
        EXPECT_EQ(f[0].severity, Severity::Warning);
        EXPECT_EQ(f[0].count, 1u);
        EXPECT_EQ(f[0].fds, std::vector<std::int32_t>{7});
        EXPECT_EQ(f[0].threads, std::vector<std::uint32_t>{101});
        ASSERT_FALSE(f[0].evidence.empty());
        const std::string& t = f[0].evidence[0].text;
        EXPECT_NE(t.find("fd 7 (TCP 127.0.0.1:8080->127.0.0.1:40000) delivered EPOLLIN at record "
                         "#5 to thread 101, which read it 2 times (2048 bytes, the last at "
                         "record #9) without reaching EAGAIN, then entered epoll_wait at "
                         "record #10; no new event for it for 1500 ms (still silent at the end "
                         "of the trace)"),
                  std::string::npos)
            << t;
        EXPECT_EQ(f[0].evidence[0].record, 5u);
        EXPECT_NE(f[0].title.find("up to 1.5 s"), std::string::npos) << f[0].title;
        EXPECT_NE(f[0].advice.find("until it returns EAGAIN"), std::string::npos);
        EXPECT_FALSE(unjudged(e, Kind::EdgeUndrained));
    }
}

// Read to EAGAIN, to end of file, or short of the buffer (the queue is empty
// then): drained, whatever the silence after.
TEST(Findings, EdgeDrainedIsHealthy) {
    for (std::vector<std::int64_t> reads :
         {std::vector<std::int64_t>{1024, 1024, -11}, {1024, 0}, {1024, 300}, {-104}}) {
        Engine e(opts());
        Stream s(e);
        edge_turn(s, reads, 5000 * kMs);
        EXPECT_TRUE(of_kind(e, Kind::EdgeUndrained).empty()) << reads.size();
    }
}

// Below the threshold; level-triggered; one-shot; not read at all (a
// listener that accepts); a callback that queued it again (new data: a new
// edge) before the threshold.
TEST(Findings, EdgeUndrainedNeedsItsConditions) {
    auto none = [](auto setup) {
        Engine e(opts());
        Stream s(e);
        setup(s);
        return of_kind(e, Kind::EdgeUndrained).empty();
    };
    EXPECT_TRUE(none([](Stream& s) { edge_turn(s, {1024}, 900 * kMs); }));
    EXPECT_TRUE(none([](Stream& s) { edge_turn(s, {1024}, 1500 * kMs, kIn); }));
    EXPECT_TRUE(none([](Stream& s) { edge_turn(s, {1024}, 1500 * kMs, kIn | kEt | kOneshot); }));
    EXPECT_TRUE(none([](Stream& s) { edge_turn(s, {}, 1500 * kMs); }));
    EXPECT_TRUE(none([](Stream& s) {
        edge_turn(s, {1024}, 100 * kMs);
        s.callback(200, 7, EP_CB_QUEUED_READY);
        s.ts += 1500 * kMs;
        s.wait_begin(101);
    }));
    // An eventfd read takes the whole counter: one read drains it.
    EXPECT_TRUE(none([](Stream& s) {
        type_fd(s, 7, EP_FD_EVENTFD, "eventfd");
        s.insert(7, kIn | kEt);
        s.turn(101, {7});
        ep_fd_read r{};
        r.fd = 7, r.result = 8, r.requested = 8;
        s.feed(EP_KIND_FD_READ, r, 101);
        s.wait_begin(101);
        s.ts += 1500 * kMs;
        s.wait_end(101, 0);
    }));
}

// The silence ends when the program comes back to the fd (a read, a MOD, a
// close): reported with how it ended if it lasted; a UDP read of one datagram
// shorter than the buffer does not drain the queue.
TEST(Findings, EdgeUndrainedEndsWhenTheProgramComesBack) {
    Engine e(opts("tracepoint"));
    Stream s(e);
    s.kernel = false;
    edge_turn(s, {1024}, 1200 * kMs);
    read_fd(s, 101, 7, 3072, 8192);  // the rest, at last
    s.ts += 5000 * kMs;
    s.wait_begin(101);
    const auto f = of_kind(e, Kind::EdgeUndrained);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].evidence[0].text.find("for 1200 ms (until the program read it again)"),
              std::string::npos)
        << f[0].evidence[0].text;

    Engine u(opts("tracepoint"));
    Stream su(u);
    su.kernel = false;
    type_fd(su, 7, EP_FD_UDP, "UDP 127.0.0.1:53");
    su.insert(7, kIn | kEt);
    su.turn(101, {7});
    read_fd(su, 101, 7, 100, 1500);  // one datagram: more may be queued
    su.wait_begin(101);
    su.ts += 1500 * kMs;
    su.modify(7, kIn | kEt);
    const auto g = of_kind(u, Kind::EdgeUndrained);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_NE(g[0].evidence[0].text.find("(until epoll_ctl changed it)"), std::string::npos)
        << g[0].evidence[0].text;
}

TEST(Findings, EdgeUndrainedNotJudgedOnTracesBeforeAbi5) {
    Options o = opts();
    o.abi_version = 4;
    Engine e(o);
    e.finish();
    EXPECT_TRUE(unjudged(e, Kind::EdgeUndrained));
    Engine now(opts());
    now.finish();
    EXPECT_FALSE(unjudged(now, Kind::EdgeUndrained));
}

}  // namespace
}  // namespace epscope::findings
