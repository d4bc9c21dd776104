// The one builder of synthetic records for the tests: the header stamping
// (ts/tgid/tid/kind/size/source), the fake kernel identities of an fd (ep,
// file, epi as a fentry backend would report them) and one method per record
// kind, fed to any stream::RecordSink (a model, a replay, a trace writer).
// Test-local helpers (the model tests' Stream, sample_records' make<T>) only
// add their defaults and forward here.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "stream/record.hpp"

namespace epscope::testing {

// Fake kernel addresses: instance n, and the file and epitem of fd.
inline std::uint64_t ep_of(int n) { return 0xffff888000100000ull + 0x1000ull * n; }
inline std::uint64_t file_of(int fd) { return 0xffff888000200000ull + 0x100ull * fd; }
inline std::uint64_t epi_of(int fd) { return 0xffff888000300000ull + 0x80ull * fd; }

// Fills the header fields every record carries; cpu and flags are left as the
// caller set them (a flag such as EP_FLAG_INFERRED belongs to the record).
template <class T>
void stamp(T& body, ep_kind kind, std::uint64_t ts, std::uint32_t tgid, std::uint32_t tid,
           std::uint8_t source = EP_SOURCE_FENTRY) {
    body.h.ts = ts;
    body.h.tgid = tgid;
    body.h.tid = tid;
    body.h.kind = kind;
    body.h.size = sizeof(T);
    body.h.source = source;
}

// Builds records 1 us apart (from ts) in process tgid and feeds them to a sink.
// tid 0 in a method: the process's main thread (tid == tgid).
class RecordBuilder {
public:
    explicit RecordBuilder(stream::RecordSink& sink) : sink_(sink) {}

    std::uint64_t ts = 1000000;
    std::uint32_t tgid = 100;
    std::uint8_t source = EP_SOURCE_FENTRY;

    template <class T>
    void feed(ep_kind kind, T body, std::uint32_t tid = 0) {
        stamp(body, kind, ts, tgid, tid != 0 ? tid : tgid, source);
        ts += 1000;
        sink_.on_record(stream::Record::of(body));
    }

    void process(const std::string& comm, std::uint32_t what = EP_PROC_FOUND) {
        ep_process r{};
        r.what = what;
        std::strncpy(r.comm, comm.c_str(), sizeof r.comm - 1);
        feed(EP_KIND_PROCESS, r);
    }
    void fd_name(int fd, const std::string& name, std::uint32_t type = EP_FD_PIPE) {
        ep_fd_name r{};
        r.fd = fd;
        r.type = type;
        std::strncpy(r.name, name.c_str(), sizeof r.name - 1);
        feed(EP_KIND_FD_NAME, r);
    }
    void create(std::uint64_t ep, int epfd) {
        ep_instance_create r{};
        r.ep = ep;
        r.file = ep + 1;
        r.epfd = epfd;
        feed(EP_KIND_INSTANCE_CREATE, r);
    }

    // ITEM_INSERT / ITEM_MODIFY: what epoll_ctl passed and what it returned.
    struct Ctl {
        std::uint64_t data;
        std::uint64_t ino = 0;
        int result = 0;
        bool with_file = true;  // false: the item was not found (epi, file 0)
        std::uint32_t queued = EP_CTL_QUEUED_NO;
    };
    void ctl(ep_kind kind, std::uint64_t ep, int epfd, int fd, std::uint32_t events, const Ctl& c) {
        ep_item_ctl r{};
        r.ep = ep;
        r.epi = c.with_file ? epi_of(fd) : 0;
        r.file = c.with_file ? file_of(fd) : 0;
        r.data = c.data;
        r.ino = c.ino;
        r.epfd = epfd;
        r.fd = fd;
        r.events = events;
        r.result = c.result;
        r.queued = c.queued;
        feed(kind, r);
    }
    void insert(std::uint64_t ep, int epfd, int fd, std::uint32_t events = 1) {
        ctl(EP_KIND_ITEM_INSERT, ep, epfd, fd, events, Ctl{0x100ull + fd});
    }
    void remove(std::uint64_t ep, int epfd, int fd, std::uint32_t reason = EP_REMOVE_CTL,
                int result = 0) {
        ep_item_remove r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.file = file_of(fd);
        r.epfd = epfd;
        r.fd = fd;
        r.reason = reason;
        r.result = result;
        feed(EP_KIND_ITEM_REMOVE, r);
    }

    // events: the item's mask as the kernel reports it in the callback.
    void callback(std::uint64_t ep, int fd, std::uint8_t outcome, std::uint8_t waiters = 0,
                  std::uint32_t tid = 0, std::uint32_t events = 1) {
        ep_callback r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.file = file_of(fd);
        r.fd = fd;
        r.key = 1;
        r.events = events;
        r.outcome = outcome;
        r.waiters = waiters;
        feed(EP_KIND_CALLBACK, r, tid);
    }
    void wakeup(std::uint64_t ep, int fd, std::uint32_t woken, std::uint32_t tid = 0) {
        ep_wakeup r{};
        r.ep = ep;
        r.epi = epi_of(fd);
        r.woken_tid = woken;
        feed(EP_KIND_WAKEUP, r, tid);
    }

    void wait_begin(std::uint64_t ep, int epfd, std::uint32_t tid, std::int32_t maxevents = 16) {
        ep_wait_begin r{};
        r.ep = ep;
        r.timeout_ns = -1;
        r.epfd = epfd;
        r.maxevents = maxevents;
        feed(EP_KIND_WAIT_BEGIN, r, tid);
    }
    void wait_sleep(std::uint64_t ep, std::uint32_t tid) {
        ep_wait_sleep r{};
        r.ep = ep;
        feed(EP_KIND_WAIT_SLEEP, r, tid);
    }
    void wait_end(std::uint64_t ep, int epfd, int result, std::uint32_t tid) {
        ep_wait_end r{};
        r.ep = ep;
        r.epfd = epfd;
        r.result = result;
        feed(EP_KIND_WAIT_END, r, tid);
    }

    void harvest_begin(std::uint64_t ep, std::uint32_t tid = 0, std::uint8_t flags = 0) {
        ep_harvest_begin r{};
        r.ep = ep;
        r.h.flags = flags;
        feed(EP_KIND_HARVEST_BEGIN, r, tid);
    }
    void harvest_item(std::uint64_t ep, int fd, std::uint32_t index, std::uint32_t tid) {
        ep_harvest_item r{};
        r.ep = ep;
        r.data = 0x100ull + fd;
        r.revents = 1;
        r.index = index;
        feed(EP_KIND_HARVEST_ITEM, r, tid);
    }
    // ready ~0u: the ready list was not walked.
    void harvest_end(std::uint64_t ep, std::uint32_t tid, std::uint32_t ready = ~0u,
                     std::uint32_t overflow = 0) {
        ep_harvest_end r{};
        r.ep = ep;
        r.ready = ready;
        r.overflow = overflow;
        feed(EP_KIND_HARVEST_END, r, tid);
    }

    // A BPF walk of one list (tree: with parent fd and colour), then its end.
    struct WalkNode {
        int fd;
        int parent_fd;  // -1: root
        std::uint8_t color;
        std::uint32_t events = 1;
    };
    void walk(std::uint64_t ep, std::uint8_t list, const std::vector<WalkNode>& nodes,
              std::uint32_t id, bool truncated = false) {
        std::uint16_t index = 0;
        for (const WalkNode& n : nodes) {
            ep_kernel_node r{};
            r.ep = ep;
            r.epi = epi_of(n.fd);
            r.file = file_of(n.fd);
            r.parent = n.parent_fd < 0 ? 0 : epi_of(n.parent_fd);
            r.walk_id = id;
            r.fd = n.fd;
            r.events = n.events;
            r.index = index++;
            r.list = list;
            r.color = n.color;
            feed(EP_KIND_KERNEL_NODE, r);
        }
        ep_walk_end e{};
        e.ep = ep;
        e.walk_id = id;
        e.count = static_cast<std::uint32_t>(nodes.size());
        e.list = list;
        e.truncated = truncated ? 1 : 0;
        feed(EP_KIND_WALK_END, e);
    }

    // A /proc fdinfo snapshot of one instance: (fd, events) per item; inode
    // numbers 77 for the instance and ino_base + fd for an item.
    void snapshot(std::uint64_t ep, int epfd, const std::vector<std::pair<int, std::uint32_t>>& fds,
                  std::uint32_t id, std::uint64_t ino_base = 5000) {
        ep_snapshot_instance s{};
        s.ep = ep;
        s.ino = 77;
        s.epfd = epfd;
        s.items = static_cast<std::uint32_t>(fds.size());
        s.snapshot_id = id;
        feed(EP_KIND_SNAPSHOT_INSTANCE, s);
        for (auto [fd, events] : fds) {
            ep_snapshot_item i{};
            i.data = 0x100ull + fd;
            i.ino = ino_base + fd;
            i.epfd = epfd;
            i.tfd = fd;
            i.events = events;
            i.snapshot_id = id;
            feed(EP_KIND_SNAPSHOT_ITEM, i);
        }
    }

private:
    stream::RecordSink& sink_;
};

}  // namespace epscope::testing
