// Records for tests and fuzz seeds: one of each kind with distinct, non-zero
// field values, so a field lost or swapped in a round trip shows up.
#pragma once

#include <cstring>
#include <vector>

#include "record_builder.hpp"
#include "stream/record.hpp"

namespace epscope::testing {

template <class T>
T make(ep_kind kind, std::uint64_t ts, std::uint32_t tgid = 100, std::uint32_t tid = 101) {
    T r{};
    stamp(r, kind, ts, tgid, tid);
    r.h.cpu = static_cast<std::uint16_t>(kind % 4);
    r.h.flags = (kind % 2) ? EP_FLAG_INFERRED : 0;
    return r;
}

namespace sample {
constexpr std::uint64_t kEp = 0xffff888100001000, kEpi = 0xffff888100002000,
                        kFile = 0xffff888100003000;
using stream::Record;

// The instance made, an item inserted and modified, a callback and the wakeup it caused.
inline void add_instance_and_ctl_records(std::vector<Record>& v, std::uint64_t& ts) {
    {
        auto r = make<ep_instance_create>(EP_KIND_INSTANCE_CREATE, ts += 10);
        r.ep = kEp, r.file = kFile + 0x100, r.epfd = 3, r.flags = 0x80000;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_item_ctl>(EP_KIND_ITEM_INSERT, ts += 10);
        r.ep = kEp, r.epi = kEpi, r.file = kFile, r.data = 0x1122334455667788, r.ino = 4242;
        r.epfd = 3, r.fd = 5, r.events = 0x80000001u, r.result = 0;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_item_ctl>(EP_KIND_ITEM_MODIFY, ts += 10);
        r.ep = kEp, r.epi = kEpi, r.file = kFile, r.data = 77, r.ino = 4242;
        r.epfd = 3, r.fd = 5, r.events = 0x40000005u, r.result = -2;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_callback>(EP_KIND_CALLBACK, ts += 10, 200, 201);
        r.ep = kEp, r.epi = kEpi, r.file = kFile, r.fd = 5, r.key = 0x41, r.events = 0x80000001u;
        r.outcome = EP_CB_QUEUED_OVERFLOW, r.waiters = 1;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_wakeup>(EP_KIND_WAKEUP, ts += 10, 200, 201);
        r.ep = kEp, r.epi = kEpi, r.woken_tid = 101;
        v.push_back(Record::of(r));
    }
}

// A wait: its begin, sleep, harvest (begin, item, end) and end.
inline void add_wait_records(std::vector<Record>& v, std::uint64_t& ts) {
    {
        auto r = make<ep_wait_begin>(EP_KIND_WAIT_BEGIN, ts += 10);
        r.ep = kEp, r.timeout_ns = -1, r.events_uaddr = 0x7ffd00001000, r.epfd = 3,
        r.maxevents = 64;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_wait_sleep>(EP_KIND_WAIT_SLEEP, ts += 10);
        r.ep = kEp;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_harvest_begin>(EP_KIND_HARVEST_BEGIN, ts += 10);
        r.ep = kEp;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_harvest_item>(EP_KIND_HARVEST_ITEM, ts += 10);
        r.ep = kEp, r.data = 0x1122334455667788, r.revents = 0x1, r.index = 0;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_harvest_end>(EP_KIND_HARVEST_END, ts += 10);
        r.ep = kEp, r.ready = 2, r.overflow = 1;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_wait_end>(EP_KIND_WAIT_END, ts += 10);
        r.ep = kEp, r.epfd = 3, r.result = 1;
        v.push_back(Record::of(r));
    }
}

// A kernel walk (a node and its end), lost records, a process and an fd's name.
inline void add_walk_and_process_records(std::vector<Record>& v, std::uint64_t& ts) {
    {
        auto r = make<ep_kernel_node>(EP_KIND_KERNEL_NODE, ts += 10);
        r.ep = kEp, r.epi = kEpi, r.file = kFile, r.parent = kEpi + 0x80, r.walk_id = 9, r.fd = 5,
        r.events = 0x19, r.index = 3, r.list = EP_WALK_TREE, r.color = EP_RB_BLACK;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_walk_end>(EP_KIND_WALK_END, ts += 10);
        r.ep = kEp, r.walk_id = 9, r.count = 4, r.list = EP_WALK_TREE, r.truncated = 1;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_lost>(EP_KIND_LOST, ts += 10);
        r.count = 12345;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_process>(EP_KIND_PROCESS, ts += 10);
        r.what = EP_PROC_EXEC, r.parent_tgid = 99;
        std::memcpy(r.comm, "poller\"x,y", 10);
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_fd_name>(EP_KIND_FD_NAME, ts += 10);
        r.ino = 4242, r.fd = 5, r.type = EP_FD_TCP;
        std::memcpy(r.name, "TCP 127.0.0.1:8080->127.0.0.1:51234", 36);
        v.push_back(Record::of(r));
    }
}

// A /proc snapshot, the item removed at close, a checkpoint, a socket's name, the
// fd's close and read, and the instance freed.
inline void add_snapshot_and_teardown_records(std::vector<Record>& v, std::uint64_t& ts) {
    {
        auto r = make<ep_snapshot_instance>(EP_KIND_SNAPSHOT_INSTANCE, ts += 10);
        r.ep = kEp, r.ino = 777, r.epfd = 3, r.items = 1, r.snapshot_id = 4;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_snapshot_item>(EP_KIND_SNAPSHOT_ITEM, ts += 10);
        r.data = 0xabc, r.pos = 17, r.ino = 4242, r.epfd = 3, r.tfd = 5, r.events = 0x2019,
        r.sdev = 0x8, r.snapshot_id = 4;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_item_remove>(EP_KIND_ITEM_REMOVE, ts += 10);
        r.ep = kEp, r.epi = kEpi, r.file = kFile, r.epfd = -1, r.fd = 5,
        r.reason = EP_REMOVE_FILE_CLOSE, r.result = 0;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_checkpoint>(EP_KIND_CHECKPOINT, ts += 10);
        r.id = 31;
        std::memcpy(r.label, "after-accept", 12);
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_sock_name>(EP_KIND_SOCK_NAME, ts += 10);
        r.file = kFile, r.ino = 4242, r.fd = 5, r.family = 2 /* AF_INET */, r.type = 1;
        r.state = 1, r.local_port = 8080, r.peer_port = 51234;
        const std::uint8_t lo[4] = {127, 0, 0, 1};
        std::memcpy(r.local_addr, lo, 4);
        std::memcpy(r.peer_addr, lo, 4);
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_fd_close>(EP_KIND_FD_CLOSE, ts += 10);
        r.file = kFile, r.ino = 4242, r.fd = 5, r.result = 0, r.via = EP_FD_CLOSE_CLOSE;
        r.shared = 1;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_fd_read>(EP_KIND_FD_READ, ts += 10);
        r.fd = 5, r.result = 1024, r.requested = 1024, r.via = EP_FD_READ_RECVFROM;
        v.push_back(Record::of(r));
    }
    {
        auto r = make<ep_instance_free>(EP_KIND_INSTANCE_FREE, ts += 10);
        r.ep = kEp;
        v.push_back(Record::of(r));
    }
}

}  // namespace sample

inline std::vector<stream::Record> one_of_each_kind(std::uint64_t ts0 = 1'000'000'000) {
    std::vector<stream::Record> v;
    std::uint64_t ts = ts0;
    sample::add_instance_and_ctl_records(v, ts);
    sample::add_wait_records(v, ts);
    sample::add_walk_and_process_records(v, ts);
    sample::add_snapshot_and_teardown_records(v, ts);
    return v;
}

}  // namespace epscope::testing
