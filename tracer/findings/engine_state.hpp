// The engine's state between records (internal to tracer/findings): per
// thread, per instance and per item, only what the rules need, updated in
// O(1) per record (a stall scans its instance's items once).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "findings/findings.hpp"
#include "stream/epoll_bits.hpp"

namespace epscope::findings {

// Occurrences of one rule on one subject: counts, span, the worst few with
// their evidence, the fds and threads involved (each list capped).
struct Agg {
    static constexpr std::size_t kTop = 3, kMaxFds = 16, kMaxThreads = 16;
    std::uint64_t count = 0, first_ts = 0, last_ts = 0;
    std::uint64_t worst = 0;
    std::vector<std::pair<std::uint64_t, Evidence>> top;  // worst first
    std::vector<std::int32_t> fds;
    std::vector<std::string> names;
    std::vector<std::uint32_t> threads;

    // One occurrence at ts (lasting until end_ts, if later), measured by metric.
    void add(std::uint64_t ts, std::uint64_t metric, Evidence e, std::uint64_t end_ts = 0);
    void fd(std::int32_t fd, const std::string& name);
    void thread(std::uint32_t tid);
};

struct ItemState {
    std::uint32_t events = 0;
    std::uint64_t data = 0;
    std::uint64_t pending_since = 0;  // queued by a callback, not delivered yet
    // One-shot: disarmed by the delivery at disarm_ts (0: armed).
    std::uint64_t disarm_ts = 0, disarm_rec = 0;
    std::uint64_t ignored = 0, first_ignored_rec = 0;   // callbacks ignored while disarmed
    std::uint64_t confirmed_ts = 0, confirmed_rec = 0;  // fdinfo showed it still disarmed
    // Level-triggered spin: EPOLLOUT-only deliveries since the last change.
    std::uint64_t spin = 0, spin_first_ts = 0, spin_last_ts = 0, spin_first_rec = 0;
    std::string name;  // the fd's name when registered
};

struct InstState {
    std::uint64_t key = 0;  // in Engine::State::insts
    std::uint64_t ep = 0;
    std::uint32_t tgid = 0;
    std::int32_t epfd = -1;
    std::unordered_map<std::int32_t, ItemState> items;
    std::unordered_map<std::uint64_t, std::int32_t> by_data;  // epoll_event.data -> fd
    std::uint64_t ctl_calls = 0, ctl_first_ts = 0, ctl_last_ts = 0, ctl_first_rec = 0;
    // fds removed by EPOLL_CTL_DEL: adding one again redoes a registration.
    std::unordered_set<std::int32_t> deleted;
    std::uint64_t deliveries = 0;
    std::uint64_t wakeups = 0, spurious_herd = 0;
    std::uint64_t cb_queued = 0, cb_overflow = 0;
    std::uint64_t harvests = 0, harvest_ns_sum = 0, harvest_ns_max = 0, harvest_begin_ts = 0;
    // The last harvest's start: an item queued before it was delivered or
    // dropped by it (a level-triggered re-poll that found nothing) unless
    // maxevents stopped it, so it no longer waits.
    std::uint64_t last_harvest_ts = 0;
    std::uint64_t full_harvests = 0;  // returned maxevents
    std::uint64_t full_unwalked = 0;  // ... with the ready list after them not walked
    Agg blocked, starved, spurious, oneshot, spin, overflow, edge;
    std::uint64_t oneshot_unconfirmed = 0;  // long disarmed; the backend cannot tell more
};

struct ThreadState {
    std::uint32_t tgid = 0;
    std::uint64_t inst = 0;  // key of the instance of its current or last wait
    bool in_wait = false;
    std::uint64_t begin_ts = 0;
    std::int64_t timeout_ns = -1;
    std::int32_t maxevents = 0;
    std::uint64_t last_end_ts = 0, last_end_rec = 0, last_end_inst = 0;
    bool woken = false;
    std::uint64_t herd_file = 0;  // woken by a herd on this file (0: not)
    std::uint32_t lt_delivered = 0;
    std::int64_t harvest_end_ready = -1;
    // Items the harvest did not reach (maxevents): the txlist walk at
    // ep_done_scan's entry, before they are spliced back (-1: not walked).
    std::int64_t txlist_left = -1;
    std::uint32_t harvest_end_overflow = 0;
    // Busy polling: timeout-0 waits, and those that returned nothing.
    std::uint64_t zero_polls = 0, zero_empty = 0, zero_first_ts = 0, zero_last_ts = 0;
    std::uint64_t zero_first_rec = 0, zero_inst = 0;
    // Unbalanced pollers: its blocking waits (timeout not 0), the events they
    // returned and the time spent inside them, from the first one on.
    std::uint64_t blocking_waits = 0, delivered = 0, wait_ns = 0;
    std::uint64_t first_wait_ts = 0, first_wait_rec = 0, begin_rec = 0;
    std::int32_t epfd = -1;  // of its current or last wait
    // Edge-triggered items delivered to it with EPOLLIN in this turn (keys of
    // State::edge): its next epoll_wait ends their reading.
    std::vector<std::uint64_t> edge_reading;
};

// An edge-triggered item delivered with EPOLLIN (edge-undrained): the reads
// of its fd until the delivering thread's next epoll_wait, then, if they
// stopped before the queue was empty, the silence that follows. The kernel
// queues such an item only from a callback (new data), so data left behind
// waits for the peer to send more.
struct EdgeEpisode {
    std::uint64_t inst = 0;  // key in State::insts
    std::uint32_t tid = 0;   // the thread it was delivered to (or that read it last)
    bool waiting = false;    // that thread entered epoll_wait with the item undrained
    std::uint64_t deliver_ts = 0, deliver_rec = 0;
    std::uint64_t reads = 0, bytes = 0, last_read_rec = 0;
    std::uint64_t since_ts = 0, since_rec = 0;  // the epoll_wait it was left undrained at
};

// Callbacks of one waker thread on one file, and the waiters they woke: one
// wake_up of the file's wait queue runs ep_poll_callback for each of its items.
struct Burst {
    std::uint64_t file = 0, ts = 0, rec = 0;
    std::uint32_t tgid = 0;
    std::int32_t fd = -1;
    std::uint32_t events = 0;
    std::vector<std::uint64_t> insts;
    std::vector<std::uint32_t> woken;
};

struct HerdAgg {
    Agg agg;
    std::uint64_t woken = 0, wasted = 0;
    std::vector<std::uint64_t> insts;
    std::uint32_t tgid = 0;
    bool exclusive = false;
};

// An item whose fd its process closed while the file stayed open elsewhere
// (FD_CLOSE, shared): still registered, so events for it keep coming under a
// number the program no longer owns (closed-fd-registered).
struct StaleState {
    std::uint64_t inst = 0;  // key in State::insts
    std::uint64_t file = 0, ino = 0, data = 0;
    std::int32_t fd = -1;
    std::uint32_t tgid = 0;
    std::uint64_t closed_ts = 0, closed_rec = 0;
    std::uint64_t callbacks = 0, deliveries = 0;  // after the close, in the window
    std::uint64_t first_ts = 0, last_ts = 0, first_rec = 0, last_rec = 0;
    bool ended = false;        // removed (the file's last close) or its instance gone
    bool data_shared = false;  // the number's new item has the same data: deliveries ambiguous
    std::string name;          // what the fd named when closed
};

struct Engine::State {
    std::uint64_t records = 0;
    std::uint64_t first_ts = 0, last_ts = 0, last_rec = 0;
    std::uint64_t lost = 0;
    bool sees_callbacks = false;  // a kernel-hook backend, or CALLBACK/WAKEUP records seen
    std::unordered_map<std::uint64_t, InstState> insts;
    // Freed instances, kept for their findings: a later instance may reuse
    // the address.
    std::vector<InstState> retired;
    std::unordered_map<std::uint64_t, std::uint64_t> by_fdref;  // tgid << 32 | epfd -> key
    std::unordered_map<std::uint32_t, ThreadState> threads;
    std::unordered_map<std::uint32_t, Burst> bursts;   // by waker tid
    std::unordered_map<std::uint64_t, HerdAgg> herds;  // by file
    std::unordered_map<std::uint32_t, std::string> comms;
    std::unordered_map<std::uint64_t, std::string> fd_names;  // tgid << 32 | fd
    // Stale items, in order of their close (capped: kMaxStale).
    static constexpr std::size_t kMaxStale = 4096;
    std::vector<StaleState> stale;
    std::size_t stale_live = 0;       // not ended: events are matched against them
    std::uint64_t stale_dropped = 0;  // beyond kMaxStale
    std::unordered_map<std::uint64_t, std::uint32_t> fd_types;  // tgid << 32 | fd -> ep_fd_type
    std::unordered_map<std::uint64_t, EdgeEpisode> edge;        // tgid << 32 | fd
};

// closed-fd-registered (engine.cpp): a callback (file, fd) or a delivery (data)
// of a stale item of instance `inst`; true if it was one (counted).
bool stale_event(Engine::State& s, const Options& o, const ep_header& h, std::uint64_t inst,
                 std::uint64_t file, std::int32_t fd, std::uint64_t data, bool delivery);

// Ends the wakeup bursts still open at the end of the stream (engine.cpp).
void close_bursts(Engine::State& s, const Options& o);
// The instance's one-shot, spin and edge-undrained Aggs with its still-open
// episodes judged as of the last record (engine.cpp), for build.cpp.
InstState open_episodes(Engine::State& s, const Options& o, const InstState& in);

}  // namespace epscope::findings
