// Verify mode's /proc fdinfo checkpoints. A pass-through sink that learns
// from the stream which instance (ep) each (process, epoll fd) reaches, and,
// at each checkpoint, reads /proc/PID/fdinfo/EPFD of every such fd and puts
// SNAPSHOT_INSTANCE/ITEM records in the stream for the model to compare.
//
// A read is only put in the stream when it shows the state the records
// before it describe: epoll_ctl and one-shot disarms change fdinfo under
// ep->mtx but are reported at the syscall's exit, so BPF counts what is in
// flight per instance (BpfSession::activity). The read is kept only if
// nothing was in flight before it and nothing started or ended during it;
// between the first look and the read the ring buffer is drained through its
// producer position as it was after that look, so every record of an
// operation finished by then is in the stream before the snapshot. Draining
// "what libbpf hands out" is not enough: it stops at the first record still
// being written (any program, any instance, any CPU), and a finished
// operation's records committed behind it would follow the snapshot.
//
// The interest sets of processes running before the attach (the model's
// seeds, in every mode) are read the same way, so that each sits at its
// place in the stream too.
//
// A file's last close is reported at eventpoll_release_file's entry, before
// it takes ep->mtx and unlinks the item (there is no exit hook), so a read in
// between still lists an item the stream has removed: such items are held as
// closing until a read no longer shows them, and a read that does is retried.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "capture/bpf_session.hpp"
#include "capture/proc_snapshot.hpp"
#include "capture/ring_consumer.hpp"
#include "stream/record.hpp"

namespace epscope::capture {

// What a checkpoint reads: BPF's activity counts, the ring buffer and /proc.
// LiveCheckpointReads is the tracer's; a test plays a ring whose finished
// operation's record waits behind one still being written.
class CheckpointReads {
public:
    virtual ~CheckpointReads() = default;
    virtual BpfSession::Activity activity(std::uint64_t ep) const = 0;
    virtual std::uint64_t ring_reserved() const = 0;
    // True once every record reserved before pos is in the stream.
    virtual bool drain_through(std::uint64_t pos) = 0;
    virtual std::optional<std::vector<FdinfoItem>> read_epoll(pid_t tgid, int epfd) = 0;
};

class LiveCheckpointReads : public CheckpointReads {
public:
    LiveCheckpointReads(const BpfSession& session, RingConsumer& ring)
        : session_(session), ring_(ring) {}
    BpfSession::Activity activity(std::uint64_t ep) const override { return session_.activity(ep); }
    std::uint64_t ring_reserved() const override { return ring_.reserved(); }
    // A record still being written is a program's few microseconds, or its
    // vCPU's time off the host (the lab's QEMU is one host thread): a
    // checkpoint waits a few milliseconds for it, then retries the read.
    bool drain_through(std::uint64_t pos) override {
        return ring_.drain_through(pos, std::chrono::milliseconds(5));
    }
    std::optional<std::vector<FdinfoItem>> read_epoll(pid_t tgid, int epfd) override {
        return ProcSnapshot::read_epoll(tgid, epfd);
    }

private:
    const BpfSession& session_;
    RingConsumer& ring_;
};

class FdinfoCheckpoints : public stream::RecordSink {
public:
    // Without verify mode it only passes records on: nothing is learned on
    // the record path for checkpoints that will never run.
    FdinfoCheckpoints(stream::RecordSink& next, bool verify) : next_(next), verify_(verify) {}
    void on_record(const stream::Record& rec) override;

    // One checkpoint: a CHECKPOINT record, then a snapshot of every known
    // epoll fd, or a CHECKPOINT "fdinfo busy ..." for one that never settled.
    void run(CheckpointReads& reads, ProcSnapshot& snapshot);
    // The interest sets of a process running before the attach (its epoll
    // fds, ProcSnapshot::describe_process), each read and put in the stream
    // where a checkpoint's would be: the model seeds the instance from it.
    void seed(CheckpointReads& reads, ProcSnapshot& snapshot, pid_t tgid,
              const std::vector<int>& epolls);

    std::uint64_t snapshots() const { return snapshots_; }
    std::uint64_t busy() const { return busy_; }

private:
    using Key = std::pair<std::uint32_t, std::int32_t>;  // (tgid, epoll fd)
    struct Read {
        enum Outcome { Settled, Busy, Gone } outcome = Busy;
        std::uint64_t ep = 0;
        std::vector<FdinfoItem> items;
    };
    Read read_settled(CheckpointReads& reads, const Key& key);
    Read read_drained(CheckpointReads& reads, const Key& key);
    void emit(ProcSnapshot& snapshot, const Key& key, const Read& r);
    void checkpoint(const char* label, std::uint32_t tgid);
    stream::RecordSink& next_;
    bool verify_;
    std::map<Key, std::uint64_t> epfds_;                       // -> ep (0: unknown)
    std::map<std::uint64_t, std::set<std::int32_t>> closing_;  // ep -> fds removed at file close
    std::uint32_t rounds_ = 0;
    std::uint64_t snapshots_ = 0;
    std::uint64_t busy_ = 0;
};

}  // namespace epscope::capture
