// The view-model on synthetic streams fed into the real model: tree layout of
// a known insert sequence, queue contents and order, waiters, browser
// filter/sort, and the replay of trace files (good, empty, foreign, damaged).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "../scratch_dir.hpp"
#include "damaged_trace.hpp"
#include "model/model.hpp"
#include "synthetic_stream.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"
#include "view/activity.hpp"
#include "view/browser.hpp"
#include "view/details.hpp"
#include "view/queues.hpp"
#include "view/replay.hpp"
#include "view/timeline.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;
using gui_test::write_damaged_trace;

std::vector<int> fds_of(const std::vector<QueueEntry>& q) {
    std::vector<int> out;
    for (const QueueEntry& e : q) out.push_back(e.fd);
    return out;
}

TEST(TreeLayout, AscendingInsertsGiveTheKernelShape) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    // Keys ascend with fd (file_of grows with fd): lib/rbtree.c turns inserts
    // 1..7 into 2(B) / 1(B) 4(R) / 3(B) 6(B) / 5(R) 7(R).
    for (int fd = 1; fd <= 7; ++fd) s.insert(ep_of(1), 3, fd);
    model::InstanceRef inst = m.find_instance(ep_of(1));
    ASSERT_NE(inst, model::kNil);
    TreeLayout t = layout_tree(m, inst);
    ASSERT_EQ(t.nodes.size(), 7u);
    struct Want {
        std::uint32_t depth;
        int parent_fd;
        model::RbColor color;
    };
    using model::RbColor;
    const std::map<int, Want> want = {{1, {1, 2, RbColor::Black}}, {2, {0, -1, RbColor::Black}},
                                      {3, {2, 4, RbColor::Black}}, {4, {1, 2, RbColor::Red}},
                                      {5, {3, 6, RbColor::Red}},   {6, {2, 4, RbColor::Black}},
                                      {7, {3, 6, RbColor::Red}}};
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const TreeNodeLayout& n = t.nodes[i];
        SCOPED_TRACE("fd " + std::to_string(n.fd));
        EXPECT_EQ(n.x, i);
        EXPECT_EQ(n.fd, static_cast<int>(i) + 1);  // in-order = key order
        const Want& w = want.at(n.fd);
        EXPECT_EQ(n.depth, w.depth);
        EXPECT_EQ(n.color, w.color);
        if (w.parent_fd < 0) {
            EXPECT_EQ(n.parent, -1);
        } else {
            ASSERT_GE(n.parent, 0);
            EXPECT_EQ(t.nodes[static_cast<std::size_t>(n.parent)].fd, w.parent_fd);
        }
        EXPECT_EQ(n.label, "fd " + std::to_string(n.fd));
        EXPECT_FALSE(n.ready);
    }
    EXPECT_EQ(t.max_depth, 3u);
    EXPECT_EQ(t.red, 3u);
    EXPECT_EQ(t.black, 4u);
    EXPECT_TRUE(t.exact);
}

TEST(TreeLayout, EraseAndMarksFollowTheModel) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    for (int fd = 1; fd <= 3; ++fd) s.insert(ep_of(1), 3, fd);
    s.fd_name(2, "pipe:[4242]");
    s.callback(ep_of(1), 3, EP_CB_QUEUED_READY);
    s.remove(ep_of(1), 3, 1);
    TreeLayout t = layout_tree(m, m.find_instance(ep_of(1)));
    // Erasing the red leaf 1 from 2(B) / 1(R) 3(R) leaves 2(B) with 3(R).
    ASSERT_EQ(t.nodes.size(), 2u);
    EXPECT_EQ(t.nodes[0].fd, 2);
    EXPECT_EQ(t.nodes[0].depth, 0u);
    EXPECT_EQ(t.nodes[0].color, model::RbColor::Black);
    EXPECT_EQ(t.nodes[0].label, "fd 2  pipe:[4242]");
    EXPECT_FALSE(t.nodes[0].ready);
    EXPECT_EQ(t.nodes[1].fd, 3);
    EXPECT_EQ(t.nodes[1].color, model::RbColor::Red);
    EXPECT_EQ(t.nodes[1].parent, 0);
    EXPECT_TRUE(t.nodes[1].ready);
    EXPECT_EQ(t.red, 1u);
    EXPECT_EQ(t.black, 1u);
}

TEST(TreeLayout, FoldedSubtreesCollapseIntoTheirRoot) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    // 2(B) / 1(B) 4(R) / 3(B) 6(B) / 5(R) 7(R), as above.
    for (int fd = 1; fd <= 7; ++fd) s.insert(ep_of(1), 3, fd);
    const TreeLayout t = layout_tree(m, m.find_instance(ep_of(1)));
    ASSERT_EQ(t.nodes.size(), 7u);
    auto fds = [](const TreeLayout& l) {
        std::vector<int> out;
        for (const TreeNodeLayout& n : l.nodes) out.push_back(n.fd);
        return out;
    };

    TreeLayout f4 = fold_tree(t, {4});
    EXPECT_EQ(fds(f4), (std::vector<int>{1, 2, 4}));
    for (std::size_t i = 0; i < f4.nodes.size(); ++i) EXPECT_EQ(f4.nodes[i].x, i);
    EXPECT_EQ(f4.nodes[2].hidden, 4u);  // 3, 6, 5, 7
    EXPECT_EQ(f4.nodes[0].hidden, 0u);
    EXPECT_EQ(f4.nodes[2].parent, 1);  // still the root's child
    EXPECT_EQ(f4.nodes[0].parent, 1);
    EXPECT_EQ(f4.max_depth, 1u);
    EXPECT_EQ(f4.red, 1u);
    EXPECT_EQ(f4.black, 2u);

    TreeLayout f6 = fold_tree(t, {6});
    EXPECT_EQ(fds(f6), (std::vector<int>{1, 2, 3, 4, 6}));
    EXPECT_EQ(f6.nodes[4].hidden, 2u);
    EXPECT_EQ(f6.nodes[4].parent, 3);  // 6's parent is 4
    EXPECT_EQ(f6.max_depth, 2u);

    // Nested folds: the outer one hides everything below it.
    TreeLayout both = fold_tree(t, {4, 6});
    EXPECT_EQ(fds(both), (std::vector<int>{1, 2, 4}));
    EXPECT_EQ(both.nodes[2].hidden, 4u);
    // Folding a leaf or an unknown fd changes nothing.
    EXPECT_EQ(fds(fold_tree(t, {7, 99})), fds(t));
    EXPECT_EQ(fold_tree(t, {7}).nodes[6].hidden, 0u);

    std::vector<std::int32_t> path;
    const std::int32_t at = find_node(t, 5, &path);
    ASSERT_GE(at, 0);
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(at)].fd, 5);
    ASSERT_EQ(path.size(), 3u);
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(path[0])].fd, 2);
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(path[1])].fd, 4);
    EXPECT_EQ(t.nodes[static_cast<std::size_t>(path[2])].fd, 6);
    EXPECT_EQ(find_node(t, 42, &path), -1);
}

TEST(TreeLayout, NoInstanceIsEmpty) {
    model::Model m;
    EXPECT_TRUE(layout_tree(m, model::kNil).nodes.empty());
}

TEST(Queues, ReadyTxlistAndOverflowInKernelOrder) {
    model::Model m;
    Synth s(m);
    const std::uint64_t ep = ep_of(1);
    s.create(ep, 3);
    for (int fd = 1; fd <= 5; ++fd) s.insert(ep, 3, fd);
    s.fd_name(3, "pipe:[7]");
    s.callback(ep, 3, EP_CB_QUEUED_READY);
    s.callback(ep, 1, EP_CB_QUEUED_READY);
    s.callback(ep, 3, EP_CB_ALREADY_READY);
    model::InstanceRef inst = m.find_instance(ep);
    Queues q = queues_of(m, inst);
    EXPECT_EQ(fds_of(q.ready), (std::vector<int>{3, 1}));  // tail appends
    EXPECT_EQ(q.ready[0].label, "fd 3  pipe:[7]");
    EXPECT_TRUE(q.ready[0].level_triggered);
    EXPECT_EQ(q.ready[0].events, 1u);
    EXPECT_TRUE(q.overflow.empty());
    EXPECT_FALSE(q.harvesting);

    // A harvest splices the ready list out; callbacks meanwhile chain on the
    // overflow list, newest first.
    s.harvest_begin(ep);
    s.callback(ep, 2, EP_CB_QUEUED_OVERFLOW);
    s.callback(ep, 5, EP_CB_QUEUED_OVERFLOW);
    q = queues_of(m, inst);
    EXPECT_TRUE(q.ready.empty());
    EXPECT_EQ(fds_of(q.txlist), (std::vector<int>{3, 1}));
    EXPECT_EQ(fds_of(q.overflow), (std::vector<int>{5, 2}));
    EXPECT_TRUE(q.harvesting);
}

TEST(Queues, WaitersAndWhoWokeThem) {
    model::Model m;
    Synth s(m);
    const std::uint64_t ep = ep_of(1);
    s.create(ep, 3);
    s.insert(ep, 3, 4);
    s.wait_begin(ep, 3, 101);
    s.wait_begin(ep, 3, 102);
    s.wait_sleep(ep, 101);
    model::InstanceRef inst = m.find_instance(ep);
    std::vector<WaiterRow> w = waiter_rows(m, inst);
    ASSERT_EQ(w.size(), 2u);
    std::map<std::uint32_t, WaiterRow> by_tid;
    for (const WaiterRow& r : w) by_tid[r.tid] = r;
    EXPECT_EQ(by_tid.at(101).state, WaiterState::Sleeping);
    EXPECT_EQ(by_tid.at(102).state, WaiterState::Running);
    EXPECT_EQ(by_tid.at(101).epfd, 3);
    EXPECT_EQ(by_tid.at(101).maxevents, 16);

    s.callback(ep, 4, EP_CB_QUEUED_READY, 1);
    s.wakeup(ep, 4, 101);
    w = waiter_rows(m, inst);
    for (const WaiterRow& r : w) by_tid[r.tid] = r;
    EXPECT_EQ(by_tid.at(101).state, WaiterState::Woken);
    EXPECT_EQ(by_tid.at(101).woken_by.fd, 4);
    EXPECT_STREQ(waiter_state_name(WaiterState::Woken), "woken");
}

// Two processes: nginx (pid 100) with instances of 3 and 1 items, redis-server
// (pid 200) with one instance of 2 items.
void two_processes(model::Model& m) {
    Synth s(m);
    s.tgid = 100;
    s.process("nginx");
    s.create(ep_of(1), 5);
    for (int fd = 10; fd < 13; ++fd) s.insert(ep_of(1), 5, fd);
    s.create(ep_of(2), 6);
    s.insert(ep_of(2), 6, 20);
    s.tgid = 200;
    s.process("redis-server");
    s.create(ep_of(3), 4);
    s.insert(ep_of(3), 4, 30);
    s.insert(ep_of(3), 4, 31);
    s.callback(ep_of(3), 30, EP_CB_QUEUED_READY);
}

TEST(Browser, RowsCarryTheInstanceCounts) {
    model::Model m;
    two_processes(m);
    std::vector<InstanceRow> rows = browser_rows(m, BrowserQuery{});
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].pid, 100u);
    EXPECT_EQ(rows[0].comm, "nginx");
    EXPECT_EQ(rows[0].epfds, "5");
    EXPECT_EQ(rows[0].items, 3u);
    EXPECT_EQ(rows[2].pid, 200u);
    EXPECT_EQ(rows[2].comm, "redis-server");
    EXPECT_EQ(rows[2].items, 2u);
    EXPECT_EQ(rows[2].ready, 1u);
    EXPECT_EQ(rows[2].callbacks, 1u);
}

TEST(Browser, InstancesHoldingTheSelectedFd) {
    model::Model m;
    Synth s(m);
    s.process("holder");
    s.create(ep_of(1), 3);
    s.create(ep_of(2), 4);
    s.create(ep_of(3), 5);
    s.insert(ep_of(1), 3, 10);
    s.insert(ep_of(1), 3, 11);
    s.insert(ep_of(3), 5, 10);
    s.insert(ep_of(2), 4, 12);
    const std::vector<model::InstanceRef> want{m.find_instance(ep_of(1)),
                                               m.find_instance(ep_of(3))};
    EXPECT_EQ(instances_holding_fd(m, 100, 10), want);
    EXPECT_EQ(instances_holding_fd(m, 100, 12),
              std::vector<model::InstanceRef>{m.find_instance(ep_of(2))});
    EXPECT_TRUE(instances_holding_fd(m, 100, 99).empty());
    EXPECT_TRUE(instances_holding_fd(m, 101, 10).empty());  // another process's fd 10
    EXPECT_TRUE(instances_holding_fd(m, 100, -1).empty());
}

TEST(Browser, FilterByNameOrPid) {
    model::Model m;
    two_processes(m);
    BrowserQuery q;
    q.filter = "REDIS";  // names match case-insensitively
    std::vector<InstanceRow> rows = browser_rows(m, q);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].pid, 200u);
    q.filter = "100";  // digits: the pid
    rows = browser_rows(m, q);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].comm, "nginx");
    EXPECT_EQ(rows[1].comm, "nginx");
    q.filter = "10";  // not a prefix match
    EXPECT_TRUE(browser_rows(m, q).empty());
    q.filter = "postgres";
    EXPECT_TRUE(browser_rows(m, q).empty());
}

TEST(Browser, SortByAnyColumn) {
    model::Model m;
    two_processes(m);
    BrowserQuery q;
    q.key = SortKey::Items;
    q.descending = true;
    std::vector<InstanceRow> rows = browser_rows(m, q);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].items, 3u);
    EXPECT_EQ(rows[1].items, 2u);
    EXPECT_EQ(rows[2].items, 1u);
    q.key = SortKey::Epfd;
    q.descending = false;
    rows = browser_rows(m, q);
    EXPECT_EQ(rows[0].epfds, "4");
    EXPECT_EQ(rows[1].epfds, "5");
    EXPECT_EQ(rows[2].epfds, "6");
    q.key = SortKey::Comm;
    q.descending = true;
    rows = browser_rows(m, q);
    EXPECT_EQ(rows[0].comm, "redis-server");
    q.key = SortKey::Ready;
    rows = browser_rows(m, q);
    EXPECT_EQ(rows[0].ready, 1u);
}

// Playing, the GUI keeps a tree's layout while the model's shape_version
// stays and only refreshes its marks: that must equal a fresh layout.
TEST(TreeLayout, MarksRefreshedOnAnUnchangedShapeEqualAFreshLayout) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    for (int fd = 4; fd < 40; ++fd) s.insert(ep_of(1), 3, fd);
    s.fd_name(7, "pipe:[7]");
    const model::InstanceRef inst = m.find_instance(ep_of(1));
    TreeLayout kept = layout_tree(m, inst);
    const std::uint64_t v = m.shape_version();
    // Callbacks, a wakeup, a harvest and waits: marks change, the shape does not.
    s.wait_begin(ep_of(1), 3, 200);
    for (int fd : {5, 9, 30, 12}) s.callback(ep_of(1), fd, EP_CB_QUEUED_READY, 1, 300);
    s.wakeup(ep_of(1), 5, 200, 300);
    s.harvest_begin(ep_of(1), 200);
    s.callback(ep_of(1), 20, EP_CB_QUEUED_OVERFLOW, 0, 300);
    ASSERT_EQ(m.shape_version(), v);
    refresh_marks(m, inst, kept);
    auto same = [](const TreeLayout& a, const TreeLayout& b) {
        ASSERT_EQ(a.nodes.size(), b.nodes.size());
        EXPECT_EQ(a.exact, b.exact);
        for (std::size_t i = 0; i < a.nodes.size(); ++i) {
            const TreeNodeLayout& x = a.nodes[i];
            const TreeNodeLayout& y = b.nodes[i];
            EXPECT_EQ(x.item, y.item);
            EXPECT_EQ(x.fd, y.fd);
            EXPECT_EQ(x.parent, y.parent);
            EXPECT_EQ(x.depth, y.depth);
            EXPECT_EQ(x.color, y.color);
            EXPECT_EQ(x.label, y.label);
            EXPECT_EQ(x.ready, y.ready) << "fd " << x.fd;
            EXPECT_EQ(x.overflow, y.overflow) << "fd " << x.fd;
            EXPECT_EQ(x.seeded, y.seeded);
            EXPECT_EQ(x.disarmed, y.disarmed);
        }
    };
    TreeLayout fresh = layout_tree(m, inst);
    same(kept, fresh);
    std::size_t ready = 0;
    std::size_t overflow = 0;
    for (const TreeNodeLayout& n : fresh.nodes) {
        ready += n.ready;
        overflow += n.overflow;
    }
    EXPECT_EQ(ready, 4u);  // on the txlist of the running harvest
    EXPECT_EQ(overflow, 1u);
    // Whatever changes the shape or a label moves the version.
    s.insert(ep_of(1), 3, 50);
    EXPECT_GT(m.shape_version(), v);
    const std::uint64_t v2 = m.shape_version();
    s.remove(ep_of(1), 3, 6);
    EXPECT_GT(m.shape_version(), v2);
    const std::uint64_t v3 = m.shape_version();
    s.fd_name(8, "pipe:[8]");
    EXPECT_GT(m.shape_version(), v3);
}

class ReplayFiles : public ::testing::Test {
protected:
    epscope::testing::ScratchDir scratch_{"epscope-view-test"};
    const std::filesystem::path dir_ = scratch_.path();
};

TEST_F(ReplayFiles, SeekRebuildsTheStateAtTheCursor) {
    std::filesystem::path p = dir_ / "t.trace";
    {
        trace::TraceHeader h;
        h.set(trace::kMetaBackend, "fentry");
        trace::TraceWriter w(p, h);
        Synth s(w);
        s.create(ep_of(1), 3);
        for (int fd = 1; fd <= 4; ++fd) s.insert(ep_of(1), 3, fd);  // ts 1001000..1004000
        s.remove(ep_of(1), 3, 2);
        ep_lost lost{};
        lost.count = 7;
        s.feed(EP_KIND_LOST, lost);
        w.close();
    }
    Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    EXPECT_TRUE(r.damage().empty());
    EXPECT_EQ(r.record_count(), 7u);
    EXPECT_EQ(r.backend(), "fentry");
    EXPECT_EQ(r.lost_total(), 7u);
    EXPECT_EQ(r.first_ts(), 1000000u);
    EXPECT_EQ(r.last_ts(), 1006000u);
    EXPECT_EQ(r.busiest_prefix(), 5u);  // after the fourth insert
    r.seek(1002000);                    // create + 2 inserts
    EXPECT_EQ(r.applied(), 3u);
    EXPECT_EQ(r.model().live_items(), 2u);
    r.seek(1005000);
    EXPECT_EQ(r.model().live_items(), 3u);
    r.seek(1001500);  // backwards: rebuilt from the start
    EXPECT_EQ(r.applied(), 2u);
    EXPECT_EQ(r.model().live_items(), 1u);
    r.seek_records(100);  // clamped
    EXPECT_EQ(r.applied(), 7u);
}

// Records out of timestamp order (the capture's per-CPU buffers interleave):
// seek(t) applies every record up to the first one later than t, in file
// order, exactly as a scan from the start would.
TEST_F(ReplayFiles, SeekStopsAtTheFirstRecordLaterThanTheTimeInFileOrder) {
    std::filesystem::path p = dir_ / "unordered.trace";
    const std::vector<std::uint64_t> ts = {1000, 3000, 2000, 2500, 5000, 4000, 4000, 9000, 6000};
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.ts = ts[0];
        s.create(ep_of(1), 3);
        for (std::size_t i = 1; i < ts.size(); ++i) {
            // Synth stamps the next record with s.ts.
            s.ts = ts[i];
            s.insert(ep_of(1), 3, static_cast<int>(10 + i));
        }
        w.close();
    }
    Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    ASSERT_EQ(r.record_count(), ts.size());
    for (std::uint64_t t = 0; t <= 10000; t += 250) {
        std::size_t expect = 0;
        while (expect < ts.size() && ts[expect] <= t) ++expect;
        r.seek(t);
        EXPECT_EQ(r.applied(), expect) << "t " << t;
    }
    r.seek(3500);  // backwards from the end
    EXPECT_EQ(r.applied(), 4u);
}

// Churn on one instance over 200 fds: the tree keeps changing shape.
void churn(Synth& s, int records) {
    s.create(ep_of(1), 3);
    for (int i = 0; i < records; ++i) {
        int fd = 10 + (i * 37) % 200;
        if ((i / 200) % 2 == 0)
            s.insert(ep_of(1), 3, fd);
        else
            s.remove(ep_of(1), 3, fd);
    }
}

// The tree of that instance in preorder: (fd, colour) per node.
std::vector<std::pair<int, int>> tree_state(const model::Model& m) {
    std::vector<std::pair<int, int>> out;
    auto inst = m.find_instance(ep_of(1));
    if (inst == model::kNil) return out;
    for (const auto& n : m.tree_preorder(inst))
        out.emplace_back(m.item(n.item).fd, static_cast<int>(n.color));
    return out;
}

// Backward seeks start from the nearest checkpoint: the state is the same as
// a fresh model fed the same prefix, wherever the cursor lands.
TEST_F(ReplayFiles, BackwardSeeksFromCheckpointsEqualAReplayFromTheStart) {
    std::filesystem::path p = dir_ / "long.trace";
    std::vector<stream::Record> all;
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        struct Both : stream::RecordSink {
            trace::TraceWriter& w;
            std::vector<stream::Record>& all;
            Both(trace::TraceWriter& w, std::vector<stream::Record>& all) : w(w), all(all) {}
            void on_record(const stream::Record& r) override {
                w.on_record(r);
                all.push_back(r);
            }
        } both(w, all);
        Synth s(both);
        churn(s, 60000);
        w.close();
    }
    Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    ASSERT_EQ(r.record_count(), all.size());
    EXPECT_EQ(r.checkpoint_count(), all.size() / r.checkpoint_every());
    for (std::size_t n : {std::size_t{50000}, std::size_t{16384}, std::size_t{16383},
                          std::size_t{33000}, std::size_t{1}, std::size_t{0}, std::size_t{59999}}) {
        r.seek_records(n);
        model::Model fresh;
        for (std::size_t i = 0; i < n; ++i) fresh.on_record(all[i]);
        EXPECT_EQ(r.applied(), n);
        EXPECT_EQ(r.model().live_items(), fresh.live_items()) << "at " << n;
        EXPECT_EQ(tree_state(r.model()), tree_state(fresh)) << "at " << n;
    }
}

// A live stream keeps its whole history (in the GUI's spool file, not in
// memory) and every state, however old, is the true one.
TEST(ReplayLive, WholeHistoryKeptInTheSpoolAndEveryStateExact) {
    struct Collect : stream::RecordSink {
        std::vector<stream::Record> all;
        void on_record(const stream::Record& r) override { all.push_back(r); }
    } c;
    Synth s(c);
    churn(s, 100000);
    Replay r(Replay::LiveTag{}, "test.sock", ReplayLimits{std::size_t{1} << 20, 20000});
    r.restart(trace::TraceHeader{});
    for (const auto& rec : c.all) r.append(rec);
    EXPECT_EQ(r.record_count(), c.all.size());
    EXPECT_EQ(r.applied(), r.record_count());  // still following the stream
    EXPECT_EQ(r.source_label().find("no spool"), std::string::npos) << r.source_label();
    for (std::size_t i : {std::size_t{0}, std::size_t{12345}, c.all.size() - 1}) {
        const stream::Record back = r.record(i);
        ASSERT_TRUE(std::ranges::equal(back.bytes(), c.all[i].bytes())) << "record " << i;
    }
    auto fresh_after = [&](std::size_t n) {
        model::Model m;
        for (std::size_t i = 0; i < n; ++i) m.on_record(c.all[i]);
        return tree_state(m);
    };
    EXPECT_EQ(tree_state(r.model()), fresh_after(c.all.size()));
    for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{20000}, r.record_count()}) {
        r.seek_records(n);
        EXPECT_EQ(tree_state(r.model()), fresh_after(n)) << "at " << n;
    }
    // The records are in the spool: memory holds the index, the checkpoints
    // (1 MiB here) and a few blocks, not 100,000 records (~14 MB).
    EXPECT_LT(r.memory_bytes(), std::size_t{6} << 20);
}

// What a replay holds stays bounded while the trace grows tenfold: the
// records stay in the file, the timeline keeps summaries, the checkpoints a
// budget. Only the block index grows (a few dozen bytes per 4096 records).
TEST_F(ReplayFiles, MemoryStaysBoundedAsTheTraceGrowsTenfold) {
    auto held = [&](int records) {
        std::filesystem::path p = dir_ / ("grow" + std::to_string(records) + ".trace");
        {
            trace::TraceWriter w(p, trace::TraceHeader{});
            Synth s(w);
            churn(s, records);
            w.close();
        }
        const ReplayLimits small{std::size_t{1} << 20, 20000};
        Replay r(p, small);
        EXPECT_EQ(r.record_count(), static_cast<std::size_t>(records) + 1);
        r.seek_records(records / 3);  // a seek back reads blocks back: still bounded
        EXPECT_LE(r.checkpoint_bytes(), small.checkpoint_bytes);
        // Beside the checkpoints (at most their budget, seen above).
        // Both read-back slots in use, as after any seek of a longer trace.
        (void)r.record(0);
        (void)r.record(static_cast<std::size_t>(records) / 2);
        return r.memory_bytes() - r.checkpoint_bytes();
    };
    const std::size_t one = held(60000);
    const std::size_t ten = held(600000);
    // Slack: the two blocks held are whichever chunks were read last (their
    // sizes vary by a few hundred KiB); 540,000 more records held in memory
    // would be ~70 MB.
    EXPECT_LT(ten, one + (std::size_t{512} << 10)) << "1x: " << one << " bytes, 10x: " << ten;
    EXPECT_LT(ten, std::size_t{4} << 20);
}

TEST_F(ReplayFiles, RecentCallbacksFlashTheirNodes) {
    std::filesystem::path p = dir_ / "cb.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        Synth s(w);
        s.create(ep_of(1), 3);
        s.create(ep_of(2), 4);
        for (int fd = 1; fd <= 4; ++fd) s.insert(ep_of(1), 3, fd);
        s.insert(ep_of(2), 4, 9);
        s.callback(ep_of(1), 1, EP_CB_QUEUED_READY);  // ts 1007000
        s.ts += 50000;
        s.callback(ep_of(1), 3, EP_CB_QUEUED_READY);  // ts 1058000
        s.callback(ep_of(2), 9, EP_CB_QUEUED_READY);  // other instance
        s.callback(ep_of(1), 4, EP_CB_IGNORED_MASK);
        s.callback(ep_of(1), 3, EP_CB_ALREADY_READY);  // ts 1061000
        w.close();
    }
    Replay r(p);
    r.seek_records(r.record_count());
    const model::InstanceRef inst = r.model().find_instance(ep_of(1));
    ASSERT_NE(inst, model::kNil);
    auto fds = [&](const std::vector<model::ItemRef>& items) {
        std::vector<int> out;
        for (model::ItemRef i : items) out.push_back(r.model().item(i).fd);
        return out;
    };
    // Most recent first, each item once, only this instance's.
    EXPECT_EQ(fds(recent_callbacks(r, inst, 10000)), (std::vector<int>{3, 4}));
    EXPECT_EQ(fds(recent_callbacks(r, inst, 100000)), (std::vector<int>{3, 4, 1}));
    EXPECT_TRUE(recent_callbacks(r, model::kNil, 100000).empty());
    TreeLayout t = layout_tree(r.model(), inst);
    mark_flash(t, recent_callbacks(r, inst, 10000));
    std::vector<int> flashing;
    for (const TreeNodeLayout& n : t.nodes) {
        if (n.flash) flashing.push_back(n.fd);
    }
    EXPECT_EQ(flashing, (std::vector<int>{3, 4}));
    // Before the callbacks: nothing flashes.
    r.seek(1006000);
    EXPECT_TRUE(recent_callbacks(r, inst, 100000).empty());
}

TEST_F(ReplayFiles, EmptyTraceOpensWithNoRecords) {
    std::filesystem::path p = dir_ / "empty.trace";
    {
        trace::TraceWriter w(p, trace::TraceHeader{});
        w.close();
    }
    Replay r(p);
    EXPECT_TRUE(r.opened()) << r.open_error();
    EXPECT_EQ(r.record_count(), 0u);
    EXPECT_EQ(r.backend(), "unknown");
    r.seek(123);
    EXPECT_EQ(r.applied(), 0u);
}

TEST_F(ReplayFiles, ForeignAndMissingFilesAreMessagesNotCrashes) {
    std::filesystem::path p = dir_ / "foreign.trace";
    std::ofstream(p) << "this is not a trace at all, just text\n";
    Replay r(p);
    EXPECT_FALSE(r.opened());
    EXPECT_NE(r.open_error().find(p.string()), std::string::npos) << r.open_error();
    EXPECT_EQ(r.record_count(), 0u);

    Replay missing(dir_ / "missing.trace");
    EXPECT_FALSE(missing.opened());
    EXPECT_FALSE(missing.open_error().empty());
}

TEST_F(ReplayFiles, DamageKeepsTheRecordsBeforeIt) {
    std::filesystem::path p = dir_ / "damaged.trace";
    write_damaged_trace(p);
    ASSERT_EQ(trace::TraceReader(p).chunks().size(), 3u);
    Replay r(p);
    ASSERT_TRUE(r.opened()) << r.open_error();
    EXPECT_FALSE(r.damage().empty());
    EXPECT_EQ(r.record_count(), 4u);  // the first chunk only
}

// A tree node's label under it: whole when it fits, the fd name's start with
// ".." when some of it fits, "fd N" when too little would.
TEST(TreeLabel, ElidedToTheRoomUnderANode) {
    const std::string l = "fd 22  TCP 127.0.0.1:43413->127.0.0.1:6379";
    EXPECT_EQ(elide_label(l, 22, 200), l);
    EXPECT_EQ(elide_label(l, 22, l.size()), l);
    EXPECT_EQ(elide_label(l, 22, 16), "fd 22  TCP 127..");
    EXPECT_EQ(elide_label(l, 22, 16).size(), 16u);
    EXPECT_EQ(elide_label(l, 22, 13), "fd 22  TCP ..");
    EXPECT_EQ(elide_label(l, 22, 12), "fd 22");
    EXPECT_EQ(elide_label(l, 22, 3), "fd 22");
    EXPECT_EQ(elide_label("fd 7", 7, 3), "fd 7");  // no name: nothing to cut
}

// ---- a stale item beside the file its fd number names now --------------------

// Feeds the model and the timeline index the same stream.
struct ModelAndTimeline : stream::RecordSink {
    model::Model m;
    TimelineIndex idx;
    void on_record(const stream::Record& r) override {
        m.on_record(r);
        idx.add(r);
    }
};

// fd 11 (pipe A) registered, closed while a dup keeps A open, reused for pipe
// B and registered: two items under fd 11, A's stale. Callbacks: 2 on A's, 1 on B's.
void stale_and_reused(Synth& s) {
    constexpr std::uint64_t kFileB = 0xffff888000b00000ull;
    s.create(ep_of(1), 3);
    s.fd_name(11, "pipe:[A]");
    s.insert(ep_of(1), 3, 11);
    ep_fd_close c{};
    c.file = gui_test::file_of(11);
    c.fd = 11;
    c.shared = 1;
    s.feed(EP_KIND_FD_CLOSE, c);
    s.fd_name(11, "pipe:[B]");
    ep_item_ctl b{};
    b.ep = ep_of(1);
    b.epi = kFileB + 0x40;
    b.file = kFileB;
    b.data = 0xb;
    b.epfd = 3;
    b.fd = 11;
    b.events = 1;
    s.feed(EP_KIND_ITEM_INSERT, b);
    s.callback(ep_of(1), 11, EP_CB_QUEUED_READY);
    s.callback(ep_of(1), 11, EP_CB_ALREADY_READY);
    ep_callback cb{};
    cb.ep = ep_of(1);
    cb.epi = kFileB + 0x40;
    cb.file = kFileB;
    cb.fd = 11;
    cb.events = 1;
    cb.outcome = EP_CB_QUEUED_READY;
    s.feed(EP_KIND_CALLBACK, cb);
}

TEST(StaleItem, TreeDetailsQueuesAndTimelineKeepItApartAndLabelIt) {
    ModelAndTimeline both;
    Synth s(both);
    stale_and_reused(s);
    const model::Model& m = both.m;
    const model::InstanceRef inst = m.find_instance(ep_of(1));
    const TreeLayout t = layout_tree(m, inst);
    ASSERT_EQ(t.nodes.size(), 2u);
    const int stale = t.nodes[0].stale ? 0 : 1;
    const TreeNodeLayout& a = t.nodes[static_cast<std::size_t>(stale)];
    const TreeNodeLayout& b = t.nodes[static_cast<std::size_t>(1 - stale)];
    EXPECT_TRUE(a.stale);
    EXPECT_FALSE(b.stale);
    EXPECT_EQ(a.fd, 11);
    EXPECT_EQ(b.fd, 11);
    EXPECT_EQ(a.label, "fd 11 closed  pipe:[A]");
    EXPECT_EQ(b.label, "fd 11  pipe:[B]");
    // A selection names one item: the number alone is the file it names now.
    EXPECT_EQ(find_node(t, 11, nullptr), 1 - stale);
    EXPECT_EQ(find_node(t, a.sel(), nullptr), stale);
    EXPECT_EQ(find_node(t, b.sel(), nullptr), 1 - stale);

    const InstanceDetails d = instance_details(m, inst);
    ASSERT_EQ(d.busiest.size(), 2u);
    EXPECT_TRUE(d.busiest[0].stale);  // 2 callbacks
    EXPECT_EQ(d.busiest[0].callbacks, 2u);
    EXPECT_FALSE(d.busiest[1].stale);
    EXPECT_EQ(d.busiest[1].callbacks, 1u);

    const ItemDetails ia = item_details(m, inst, a.sel());
    ASSERT_TRUE(ia.valid);
    EXPECT_TRUE(ia.stale);
    EXPECT_EQ(ia.label, "fd 11 closed  pipe:[A]");
    const ItemDetails ib = item_details(m, inst, 11);
    ASSERT_TRUE(ib.valid);
    EXPECT_FALSE(ib.stale);
    EXPECT_EQ(ib.label, "fd 11  pipe:[B]");

    const Queues q = queues_of(m, inst);
    ASSERT_EQ(q.ready.size(), 2u);
    EXPECT_EQ(q.ready[0].label, "fd 11 closed  pipe:[A]");
    EXPECT_TRUE(q.ready[0].stale);
    EXPECT_FALSE(q.ready[1].stale);

    // The item lane of the timeline: each item's own callbacks.
    const TimeWindow w{0, s.ts + 1000, 100000};
    std::uint32_t on_a = 0, on_b = 0;
    for (const LaneMark& mk : item_callbacks(both.idx, 11, w, true)) on_a += mk.n;
    for (const LaneMark& mk : item_callbacks(both.idx, 11, w)) on_b += mk.n;
    EXPECT_EQ(on_a, 2u);
    EXPECT_EQ(on_b, 1u);
}

// A click on a waiter's "woken by fd N", on a callback mark in a thread's
// lane, and --select-fd N each select an item: under fd 11 the stale item
// (pipe A) and the new file's (pipe B) are two, and the number alone names B.
TEST(StaleItem, WaiterMarkAndNumberClicksSelectTheItemNotTheNumber) {
    ModelAndTimeline both;
    Synth s(both);
    stale_and_reused(s);
    const model::Model& m = both.m;
    const model::InstanceRef inst = m.find_instance(ep_of(1));
    model::ItemRef a = model::kNil, b = model::kNil;
    for (model::ItemRef i : m.items_in_order(inst)) (m.item(i).stale() ? a : b) = i;
    ASSERT_NE(a, model::kNil);
    ASSERT_NE(b, model::kNil);

    // Thread 101 sleeps and the stale item's callback wakes it.
    s.wait_begin(ep_of(1), 3, 101);
    s.wait_sleep(ep_of(1), 101);
    s.callback(ep_of(1), 11, EP_CB_ALREADY_READY, 1, 7);
    s.wakeup(ep_of(1), 11, 101, 7);
    const std::vector<WaiterRow> rows = waiter_rows(m, inst);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].woken_by.fd, 11);
    EXPECT_TRUE(rows[0].woken_by.matches(m.item(a)));
    EXPECT_FALSE(rows[0].woken_by.matches(m.item(b)));

    // The callback marks: the stale item's select it, the new file's select B.
    const TimeWindow w{0, s.ts + 1000, 100000};
    std::uint32_t on_a = 0, on_b = 0;
    for (const Lane& lane : timeline_lanes(both.idx, w)) {
        for (const LaneMark& mk : lane.marks) {
            if (mk.kind != MarkKind::Callback) continue;
            ASSERT_EQ(mk.n, 1u);
            if (mk.sel().matches(m.item(a))) ++on_a;
            if (mk.sel().matches(m.item(b))) ++on_b;
        }
    }
    EXPECT_EQ(on_a, 3u);
    EXPECT_EQ(on_b, 1u);

    // A number names the new file's item while there is one, else the stale one.
    EXPECT_EQ(item_of_fd(m, inst, 11), ItemSel::of(m.item(b)));
    EXPECT_EQ(item_of_fd(m, inst, 12).fd, 12);
    EXPECT_FALSE(item_of_fd(m, inst, 12).matches(m.item(b)));
}

TEST(StaleItem, ANumberWhoseOnlyItemIsStaleSelectsIt) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    s.insert(ep_of(1), 3, 11);
    ep_fd_close c{};
    c.file = gui_test::file_of(11);
    c.fd = 11;
    c.shared = 1;
    s.feed(EP_KIND_FD_CLOSE, c);
    const model::InstanceRef inst = m.find_instance(ep_of(1));
    const ItemSel sel = item_of_fd(m, inst, 11);
    ASSERT_EQ(m.items_in_order(inst).size(), 1u);
    EXPECT_TRUE(sel.matches(m.item(m.items_in_order(inst)[0])));
    EXPECT_TRUE(sel.stale);
}

}  // namespace
}  // namespace epscope::view
