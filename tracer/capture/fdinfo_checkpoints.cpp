#include "capture/fdinfo_checkpoints.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "stream/abi.hpp"

namespace epscope::capture {

void FdinfoCheckpoints::on_record(const stream::Record& rec) {
    if (!verify_) {
        next_.on_record(rec);
        return;
    }
    auto learn = [this](std::uint32_t tgid, std::int32_t epfd, std::uint64_t ep) {
        if (epfd < 0) return;
        auto& slot = epfds_[{tgid, epfd}];
        if (ep != 0) slot = ep;
    };
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_CREATE: {
            const auto& r = rec.as<ep_instance_create>();
            // A new instance on a reused fd number: forget the old one.
            if (r.epfd >= 0) epfds_[{r.h.tgid, r.epfd}] = r.ep;
            break;
        }
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY: {
            const auto& r = rec.as<ep_item_ctl>();
            if (r.result == 0) learn(r.h.tgid, r.epfd, r.ep);
            // A new item under the fd number of one still closing.
            if (r.result == 0 && rec.kind() == EP_KIND_ITEM_INSERT && r.ep != 0) {
                auto c = closing_.find(r.ep);
                if (c != closing_.end()) c->second.erase(r.fd);
            }
            break;
        }
        case EP_KIND_ITEM_REMOVE: {
            const auto& r = rec.as<ep_item_remove>();
            if (r.reason == EP_REMOVE_FILE_CLOSE && r.ep != 0) closing_[r.ep].insert(r.fd);
            break;
        }
        case EP_KIND_INSTANCE_FREE:
            closing_.erase(rec.as<ep_instance_free>().ep);
            break;
        case EP_KIND_WAIT_BEGIN: {
            const auto& r = rec.as<ep_wait_begin>();
            if (r.ep != 0) learn(r.h.tgid, r.epfd, r.ep);
            break;
        }
        case EP_KIND_SNAPSHOT_INSTANCE: {
            const auto& r = rec.as<ep_snapshot_instance>();
            learn(r.h.tgid, r.epfd, r.ep);
            break;
        }
        case EP_KIND_PROCESS: {
            const auto& r = rec.as<ep_process>();
            if (r.what == EP_PROC_EXIT) {
                std::erase_if(epfds_, [&](const auto& e) { return e.first.first == r.h.tgid; });
            } else if (r.what == EP_PROC_FORK) {
                // The child has the parent's fds: the same instances.
                std::vector<std::pair<std::int32_t, std::uint64_t>> inherited;
                for (const auto& [key, ep] : epfds_)
                    if (key.first == r.parent_tgid) inherited.emplace_back(key.second, ep);
                for (const auto& [epfd, ep] : inherited) epfds_[{r.h.tgid, epfd}] = ep;
            }
            break;
        }
        default:
            break;
    }
    next_.on_record(rec);
}

void FdinfoCheckpoints::checkpoint(const char* label, std::uint32_t tgid) {
    ep_checkpoint c{};
    c.h.ts = monotonic_ns();
    c.h.tgid = tgid;
    c.h.tid = tgid;
    c.h.kind = EP_KIND_CHECKPOINT;
    c.h.size = sizeof(c);
    c.h.source = EP_SOURCE_USER;
    c.id = rounds_;
    std::strncpy(c.label, label, sizeof(c.label) - 1);
    next_.on_record(stream::Record::of(c));
}

void FdinfoCheckpoints::run(CheckpointReads& reads, ProcSnapshot& snapshot) {
    ++rounds_;
    reads.drain_through(reads.ring_reserved());
    checkpoint("verify: fdinfo", static_cast<std::uint32_t>(getpid()));
    // Draining below may add or drop entries: walk a copy.
    const auto epfds = epfds_;
    for (const auto& [key, ep_seen] : epfds) {
        Read r = read_settled(reads, key);
        if (r.outcome == Read::Gone) {
            epfds_.erase(key);
        } else if (r.outcome == Read::Settled) {
            emit(snapshot, key, r);
        } else {
            ++busy_;
            const std::string label = std::string(abi::kFdinfoBusyLabel) + ": pid " +
                                      std::to_string(key.first) + " fd " +
                                      std::to_string(key.second);
            checkpoint(label.c_str(), key.first);
        }
    }
}

// The interest set seeds the model, which applies every record before it in
// the stream to the state before the read and every record after it to the
// state after: the seed needs its place in the stream as much as a
// checkpoint does. Describing a process takes a while (a server's hundreds of
// fds named), and the traced processes run meanwhile: a read put in the
// stream at once would precede records of operations the read already shows
// (redis attached under load, 6.1: an item removed before the read, its
// earlier callbacks and deliveries then applied after the seed, to an item
// the model no longer had). A seed cannot be given up: if the instance never
// settles it is read after a drain, the in-flight operation's records
// following it (the model keeps what records told it about items the read
// lacks, and an ADD or MOD after it re-applies its own change).
void FdinfoCheckpoints::seed(CheckpointReads& reads, ProcSnapshot& snapshot, pid_t tgid,
                             const std::vector<int>& epolls) {
    for (int epfd : epolls) {
        const Key key{static_cast<std::uint32_t>(tgid), epfd};
        Read r;
        if (verify_) {
            epfds_.try_emplace(key, 0);  // then checked at every checkpoint
            r = read_settled(reads, key);
        }
        if (r.outcome == Read::Busy) r = read_drained(reads, key);
        if (r.outcome == Read::Gone) {
            epfds_.erase(key);
            continue;
        }
        emit(snapshot, key, r);
    }
}

// A read that shows the state the records before it describe, or Busy after
// kAttempts tries. Only verify mode counts activity; the instance (ep) is the
// one the stream named for this fd so far, 0 when none did.
FdinfoCheckpoints::Read FdinfoCheckpoints::read_settled(CheckpointReads& reads, const Key& key) {
    constexpr int kAttempts = 20;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (attempt > 0) usleep(250);
        auto found = epfds_.find(key);
        if (found == epfds_.end()) return Read{Read::Gone, 0, {}};
        const std::uint64_t ep = found->second;
        const BpfSession::Activity before = reads.activity(ep);
        if (ep != 0 && before.busy != 0) continue;
        // Read after the look: an operation that ended before it
        // submitted its records first, so they were reserved by now.
        if (!reads.drain_through(reads.ring_reserved())) continue;
        // The drain named the instance (or gave the fd number to another):
        // its activity was not looked at.
        found = epfds_.find(key);
        if (found == epfds_.end() || found->second != ep) continue;
        auto items = reads.read_epoll(static_cast<pid_t>(key.first), key.second);
        if (!items) return Read{Read::Gone, 0, {}};
        const BpfSession::Activity after = reads.activity(ep);
        if (ep != 0 && !(after == before)) continue;
        if (auto c = closing_.find(ep); ep != 0 && c != closing_.end()) {
            const bool still_listed = std::any_of(items->begin(), items->end(), [&](const auto& i) {
                return c->second.count(i.tfd) != 0;
            });
            if (still_listed) continue;  // the close is still unlinking the item
            closing_.erase(c);
        }
        return Read{Read::Settled, ep, std::move(*items)};
    }
    return Read{Read::Busy, 0, {}};
}

// A read after a drain, whatever is in flight.
FdinfoCheckpoints::Read FdinfoCheckpoints::read_drained(CheckpointReads& reads, const Key& key) {
    reads.drain_through(reads.ring_reserved());
    auto items = reads.read_epoll(static_cast<pid_t>(key.first), key.second);
    if (!items) return Read{Read::Gone, 0, {}};
    auto found = epfds_.find(key);
    return Read{Read::Settled, found == epfds_.end() ? 0 : found->second, std::move(*items)};
}

void FdinfoCheckpoints::emit(ProcSnapshot& snapshot, const Key& key, const Read& r) {
    snapshot.emit_epoll(static_cast<pid_t>(key.first), key.second, r.ep, r.items);
    ++snapshots_;
}

}  // namespace epscope::capture
