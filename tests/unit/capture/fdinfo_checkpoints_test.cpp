// Verify mode's fdinfo checkpoints against a ring buffer whose finished
// operation's record waits behind a record still being written: the snapshot
// must follow that record in the stream (or the checkpoint says busy), never
// precede it (docs/KERNEL-NOTES.md, 7.2's rare fdinfo mismatch). The seeds of
// processes found running follow the records reserved before their read.
#include "capture/fdinfo_checkpoints.hpp"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <deque>
#include <string>
#include <vector>

#include "record_builder.hpp"
#include "stream/abi.hpp"

namespace epscope::capture {
namespace {

using testing::ep_of;
using testing::stamp;

constexpr std::uint32_t kTgid = 100;
constexpr int kEpfd = 4;
constexpr int kFd = 16;
constexpr std::uint32_t kArmed = EPOLLONESHOT | EPOLLIN;

struct Collect : stream::RecordSink {
    std::vector<stream::Record> records;
    void on_record(const stream::Record& r) override { records.push_back(r); }
    // Position of the first record of kind, or -1.
    long first(ep_kind kind) const {
        for (std::size_t i = 0; i < records.size(); ++i)
            if (records[i].kind() == kind) return static_cast<long>(i);
        return -1;
    }
    bool has_checkpoint(const std::string& prefix) const {
        for (const auto& r : records)
            if (r.kind() == EP_KIND_CHECKPOINT &&
                std::string(r.as<ep_checkpoint>().label).rfind(prefix, 0) == 0)
                return true;
        return false;
    }
};

stream::Record create_record() {
    ep_instance_create r{};
    r.ep = ep_of(1);
    r.epfd = kEpfd;
    stamp(r, EP_KIND_INSTANCE_CREATE, 1000, kTgid, kTgid);
    return stream::Record::of(r);
}

// The EPOLL_CTL_MOD that re-armed the item: finished (its activity ended).
stream::Record rearm_record() {
    ep_item_ctl r{};
    r.ep = ep_of(1);
    r.epfd = kEpfd;
    r.fd = kFd;
    r.events = kArmed;
    stamp(r, EP_KIND_ITEM_MODIFY, 3000, kTgid, kTgid + 1);
    return stream::Record::of(r);
}

// Another thread's record on another instance, reserved before the MOD's and
// not yet committed.
stream::Record other_record() {
    ep_callback r{};
    r.ep = ep_of(2);
    stamp(r, EP_KIND_CALLBACK, 2000, 200, 201);
    return stream::Record::of(r);
}

// A ring as libbpf consumes it: records in reservation order, delivered up to
// the first one not committed. Just before the checkpoint's first look at the
// instance, another thread reserves a record, then the MOD runs and ends (its
// record committed behind that one, its activity over). The pending record
// commits at the commit_after-th drain from then (the other CPU finishing its
// program), or never (commit_after < 0). fdinfo shows the item re-armed.
class FakeReads : public CheckpointReads {
public:
    FakeReads(stream::RecordSink& sink, int commit_after)
        : sink_(sink), commit_after_(commit_after) {}
    BpfSession::Activity activity(std::uint64_t) const override {
        if (!started_) {
            started_ = true;
            ring_.push_back({other_record(), false});
            ring_.push_back({rearm_record(), true});
        }
        return {7, 0};
    }
    std::uint64_t ring_reserved() const override { return consumed_ + ring_.size(); }
    bool drain_through(std::uint64_t pos) override {
        for (int call = 0; call < kPatience; ++call) {
            if (started_ && commit_after_ >= 0 && ++drains_ >= commit_after_ && !ring_.empty())
                ring_.front().committed = true;
            while (!ring_.empty() && ring_.front().committed) {
                sink_.on_record(ring_.front().rec);
                ring_.pop_front();
                ++consumed_;
            }
            if (consumed_ >= pos) return true;
        }
        return false;
    }
    std::optional<std::vector<FdinfoItem>> read_epoll(pid_t, int) override {
        FdinfoItem item;
        item.tfd = kFd;
        item.events = kArmed;
        return std::vector<FdinfoItem>{item};
    }

private:
    static constexpr int kPatience = 3;  // drains per call, as the live one's 5 ms
    struct Slot {
        stream::Record rec;
        bool committed;
    };
    stream::RecordSink& sink_;
    mutable std::deque<Slot> ring_;
    mutable bool started_ = false;
    std::uint64_t consumed_ = 0;
    int commit_after_;
    int drains_ = 0;
};

TEST(FdinfoCheckpoints, SnapshotFollowsRecordCommittedBehindOneBeingWritten) {
    Collect out;
    FdinfoCheckpoints checkpoints(out, true);
    checkpoints.on_record(create_record());
    FakeReads reads(checkpoints, 2);
    ProcSnapshot snapshot(checkpoints);
    checkpoints.run(reads, snapshot);

    ASSERT_EQ(checkpoints.snapshots(), 1u);
    const long mod = out.first(EP_KIND_ITEM_MODIFY);
    const long snap = out.first(EP_KIND_SNAPSHOT_INSTANCE);
    ASSERT_GE(mod, 0);
    ASSERT_GE(snap, 0);
    EXPECT_LT(mod, snap) << "the snapshot shows the MOD's effect before the stream has the MOD";
}

TEST(FdinfoCheckpoints, BusyWhenARecordBeforeTheLookNeverCommits) {
    Collect out;
    FdinfoCheckpoints checkpoints(out, true);
    checkpoints.on_record(create_record());
    FakeReads reads(checkpoints, -1);
    ProcSnapshot snapshot(checkpoints);
    checkpoints.run(reads, snapshot);

    EXPECT_EQ(checkpoints.snapshots(), 0u);
    EXPECT_EQ(out.first(EP_KIND_SNAPSHOT_INSTANCE), -1);
    EXPECT_EQ(checkpoints.busy(), 1u);
    EXPECT_TRUE(out.has_checkpoint(std::string(abi::kFdinfoBusyLabel)));
}

// A ring holding one committed record, reserved before the seed reads the
// interest set: the removal of an item the read no longer shows.
class SeedReads : public CheckpointReads {
public:
    SeedReads(stream::RecordSink& sink, int epfd) : sink_(sink) {
        ep_item_remove r{};
        r.ep = ep_of(1);
        r.epfd = epfd;
        r.fd = kFd;
        r.reason = EP_REMOVE_CTL;
        stamp(r, EP_KIND_ITEM_REMOVE, 2000, static_cast<std::uint32_t>(getpid()), 1);
        ring_.push_back(stream::Record::of(r));
    }
    BpfSession::Activity activity(std::uint64_t) const override { return {}; }
    std::uint64_t ring_reserved() const override { return consumed_ + ring_.size(); }
    bool drain_through(std::uint64_t pos) override {
        for (; !ring_.empty() && consumed_ < pos; ++consumed_) {
            sink_.on_record(ring_.front());
            ring_.pop_front();
        }
        return consumed_ >= pos;
    }
    std::optional<std::vector<FdinfoItem>> read_epoll(pid_t, int) override {
        return std::vector<FdinfoItem>{};
    }

private:
    stream::RecordSink& sink_;
    std::deque<stream::Record> ring_;
    std::uint64_t consumed_ = 0;
};

// The model applies the records before a seed to the state before its read:
// the removal the read already shows must come first, in every mode (redis
// attached under load: the item's deliveries after a seed that lacked it).
TEST(FdinfoCheckpoints, SeedFollowsTheRecordsReservedBeforeItsRead) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(epfd, 0);
    for (bool verify : {false, true}) {
        Collect out;
        FdinfoCheckpoints checkpoints(out, verify);
        SeedReads reads(checkpoints, epfd);
        ProcSnapshot snapshot(checkpoints);
        const auto epolls = snapshot.describe_process(getpid());
        ASSERT_TRUE(epolls);
        std::vector<int> ours;
        for (int e : *epolls)
            if (e == epfd) ours.push_back(e);
        ASSERT_EQ(ours.size(), 1u) << "describe_process did not find the test's epoll fd";
        EXPECT_EQ(out.first(EP_KIND_PROCESS), 0);
        checkpoints.seed(reads, snapshot, getpid(), ours);

        const long removal = out.first(EP_KIND_ITEM_REMOVE);
        const long seed = out.first(EP_KIND_SNAPSHOT_INSTANCE);
        ASSERT_GE(removal, 0);
        ASSERT_GE(seed, 0);
        EXPECT_LT(removal, seed) << "verify " << verify;
        EXPECT_EQ(out.records[seed].as<ep_snapshot_instance>().epfd, epfd);
        EXPECT_EQ(checkpoints.snapshots(), 1u);
    }
    close(epfd);
}

}  // namespace
}  // namespace epscope::capture
