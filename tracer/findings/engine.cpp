// The engine's record handling: each record updates the state the rules read
// (engine_state.hpp); occurrences go to their Agg as they happen. build.cpp
// turns the Aggs into findings.
#include <algorithm>
#include <cstring>

#include "findings/engine_state.hpp"
#include "stream/abi.hpp"

namespace epscope::findings {
namespace {

std::uint64_t fdref(std::uint32_t tgid, std::int32_t fd) {
    return (std::uint64_t{tgid} << 32) | static_cast<std::uint32_t>(fd);
}

std::string rec_text(std::uint64_t rec) { return "record #" + std::to_string(rec); }
std::string ms_text(std::uint64_t ns) { return std::to_string((ns + 500'000) / 1'000'000) + " ms"; }

}  // namespace

void Agg::add(std::uint64_t ts, std::uint64_t metric, Evidence e, std::uint64_t end_ts) {
    if (count++ == 0) first_ts = ts;
    first_ts = std::min(first_ts, ts);
    last_ts = std::max({last_ts, ts, end_ts});
    worst = std::max(worst, metric);
    auto at = std::find_if(top.begin(), top.end(), [&](const auto& p) { return p.first < metric; });
    if (top.size() < kTop || at != top.end()) {
        top.insert(at, {metric, std::move(e)});
        if (top.size() > kTop) top.pop_back();
    }
}

void Agg::fd(std::int32_t f, const std::string& name) {
    if (fds.size() >= kMaxFds || std::find(fds.begin(), fds.end(), f) != fds.end()) return;
    fds.push_back(f);
    names.push_back(name);
}

void Agg::thread(std::uint32_t tid) {
    if (threads.size() < kMaxThreads &&
        std::find(threads.begin(), threads.end(), tid) == threads.end())
        threads.push_back(tid);
}

// ---- small helpers over the state ------------------------------------------

namespace {

using State = Engine::State;

struct Ctx {
    State& s;
    const Options& o;
    const ep_header& h;
    bool in_window() const {
        const std::uint64_t rel = h.ts - s.first_ts;
        return rel >= o.from_ns && (o.to_ns == 0 || rel <= o.to_ns);
    }
    // The instance of (ep, tgid, epfd): by address when the backend knows it,
    // else by the fd that reached it (tracepoint backend).
    std::uint64_t key(std::uint64_t ep, std::uint32_t tgid, std::int32_t epfd) {
        if (ep) {
            if (epfd >= 0) s.by_fdref[fdref(tgid, epfd)] = ep;
            return ep;
        }
        if (epfd < 0) return 0;
        auto it = s.by_fdref.find(fdref(tgid, epfd));
        if (it != s.by_fdref.end()) return it->second;
        const std::uint64_t k = (1ull << 63) | fdref(tgid, epfd);
        s.by_fdref[fdref(tgid, epfd)] = k;
        return k;
    }
    InstState& inst(std::uint64_t k, std::uint64_t ep, std::uint32_t tgid, std::int32_t epfd) {
        InstState& in = s.insts[k];
        in.key = k;
        if (!in.tgid) in.tgid = tgid;
        if (ep) in.ep = ep;
        if (in.epfd < 0) in.epfd = epfd;
        return in;
    }
    std::string name(std::uint32_t tgid, std::int32_t fd) const {
        auto it = s.fd_names.find(fdref(tgid, fd));
        return it == s.fd_names.end() ? std::string() : it->second;
    }
};

// A one-shot item disarmed since disarm_ts, re-armed, removed or still
// disarmed at end_ts: stuck if long enough and events did arrive (ignored
// callbacks) or fdinfo confirmed it registered and disarmed.
void close_oneshot(Ctx& c, InstState& in, std::int32_t fd, ItemState& it, std::uint64_t end_ts,
                   const char* how) {
    if (!it.disarm_ts) return;
    const std::uint64_t dur = end_ts - it.disarm_ts;
    const std::uint64_t th = c.o.thresholds.oneshot_stuck_ns;
    const bool confirmed = it.confirmed_ts && it.confirmed_ts - it.disarm_ts >= th;
    if (dur >= th && it.ignored > 0) {
        std::string text = "fd " + std::to_string(fd) + " disarmed by its delivery at " +
                           rec_text(it.disarm_rec) + ", not re-armed for " + ms_text(dur) + " (" +
                           how + "); " + std::to_string(it.ignored) +
                           " callbacks ignored as disarmed meanwhile, the first at " +
                           rec_text(it.first_ignored_rec);
        in.oneshot.add(it.disarm_ts, dur, {text, it.disarm_rec, it.disarm_ts}, end_ts);
        in.oneshot.fd(fd, it.name);
    } else if (confirmed && !c.s.sees_callbacks) {
        // The backend sees no callbacks and no close: the stuck time is what fdinfo vouches for.
        const std::uint64_t seen = it.confirmed_ts - it.disarm_ts;
        std::string text = "fd " + std::to_string(fd) + " disarmed by its delivery at " +
                           rec_text(it.disarm_rec) + ", not re-armed for at least " +
                           ms_text(seen) + ": fdinfo at " + rec_text(it.confirmed_rec) +
                           " still lists it registered and disarmed";
        in.oneshot.add(it.disarm_ts, seen, {text, it.disarm_rec, it.disarm_ts}, it.confirmed_ts);
        in.oneshot.fd(fd, it.name);
    } else if (dur >= th && !c.s.sees_callbacks) {
        ++in.oneshot_unconfirmed;
    }
    it.disarm_ts = 0;
    it.ignored = 0;
    it.confirmed_ts = 0;
}

void close_spin(Ctx& c, InstState& in, std::int32_t fd, ItemState& it) {
    if (it.spin >= c.o.thresholds.spin_min_deliveries) {
        const std::uint64_t span = std::max<std::uint64_t>(it.spin_last_ts - it.spin_first_ts, 1);
        const double rate = static_cast<double>(it.spin) * 1e9 / static_cast<double>(span);
        if (rate >= c.o.thresholds.spin_min_rate) {
            std::string text =
                "fd " + std::to_string(fd) + " delivered " + std::to_string(it.spin) +
                " times with EPOLLOUT only in " + std::to_string(span / 1'000'000) + " ms (" +
                std::to_string(static_cast<std::uint64_t>(rate)) +
                "/s) without an epoll_ctl changing it, from " + rec_text(it.spin_first_rec);
            in.spin.add(it.spin_first_ts, it.spin, {text, it.spin_first_rec, it.spin_first_ts},
                        it.spin_last_ts);
            in.spin.fd(fd, it.name);
        }
    }
    it.spin = 0;
}

void count_ctl(Ctx& c, InstState& in, std::uint64_t calls) {
    if (!c.in_window()) return;
    const bool first = in.ctl_calls == 0;
    in.ctl_calls += calls;
    if (first) {
        in.ctl_first_ts = c.h.ts;
        in.ctl_first_rec = c.s.records;
    }
    in.ctl_last_ts = c.h.ts;
}

// Queued at ts, unless already waiting since a time no harvest has passed
// (a harvest since then delivered or dropped it).
void mark_pending(const InstState& in, ItemState& it, std::uint64_t ts) {
    if (!it.pending_since || it.pending_since < in.last_harvest_ts) it.pending_since = ts;
}

// ---- edge-undrained ------------------------------------------------------------

// An edge-triggered item left undrained at since_ts and silent until end_ts:
// an occurrence if that reached the threshold.
// Into agg: the instance's own, or a copy's (open_episodes).
void judge_edge(Ctx& c, const InstState& in, Agg& agg, std::int32_t fd, const EdgeEpisode& ep,
                std::uint64_t end_ts, const char* how) {
    if (!ep.waiting || end_ts < ep.since_ts) return;
    const std::uint64_t dur = end_ts - ep.since_ts;
    if (dur < c.o.thresholds.edge_stall_ns) return;
    auto it = in.items.find(fd);
    const std::string name = it == in.items.end() ? c.name(in.tgid, fd) : it->second.name;
    std::string text = "fd " + std::to_string(fd) + (name.empty() ? "" : " (" + name + ")") +
                       " delivered EPOLLIN at " + rec_text(ep.deliver_rec) + " to thread " +
                       std::to_string(ep.tid) + ", which read it " + std::to_string(ep.reads) +
                       (ep.reads == 1 ? " time (" : " times (") + std::to_string(ep.bytes) +
                       " bytes, the last at " + rec_text(ep.last_read_rec) +
                       ") without reaching EAGAIN, then entered epoll_wait at " +
                       rec_text(ep.since_rec) + "; no new event for it for " + ms_text(dur) + " (" +
                       how + ")";
    agg.add(ep.since_ts, dur, {text, ep.deliver_rec, ep.deliver_ts}, end_ts);
    agg.fd(fd, name);
    agg.thread(ep.tid);
}

// The episode of (tgid, fd) ends: the item got a new event, or the program
// changed, removed, closed or read it again. Left undrained (waiting) for at
// least the threshold, it is one occurrence.
void end_edge(Ctx& c, std::uint32_t tgid, std::int32_t fd, std::uint64_t end_ts, const char* how) {
    if (c.s.edge.empty()) return;
    auto e = c.s.edge.find(fdref(tgid, fd));
    if (e == c.s.edge.end()) return;
    const EdgeEpisode ep = e->second;
    c.s.edge.erase(e);
    auto ii = c.s.insts.find(ep.inst);
    if (ii != c.s.insts.end()) judge_edge(c, ii->second, ii->second.edge, fd, ep, end_ts, how);
}

// A successful read that left nothing behind. -EAGAIN says the queue is
// empty, 0 the end of the file, another error a dead connection. An eventfd
// or timerfd read takes the whole counter; a stream read shorter than its
// buffer emptied the receive queue (tcp_recvmsg and pipe_read return as
// soon as it is empty); a datagram read takes one message, whatever is left.
bool read_drains(const State& s, const ep_fd_read& r) {
    if (r.result <= 0) return true;
    auto t = s.fd_types.find(fdref(r.h.tgid, r.fd));
    const std::uint32_t type = t == s.fd_types.end() ? std::uint32_t{EP_FD_UNKNOWN} : t->second;
    if (type == EP_FD_EVENTFD || type == EP_FD_TIMERFD) return true;
    if (type == EP_FD_UDP || r.via == EP_FD_READ_RECVMMSG) return false;
    return r.requested && static_cast<std::uint64_t>(r.result) < r.requested;
}

void on_fd_read(Ctx& c, const ep_fd_read& r) {
    auto e = c.s.edge.find(fdref(r.h.tgid, r.fd));
    if (e == c.s.edge.end()) return;
    EdgeEpisode& ep = e->second;
    const bool drains = read_drains(c.s, r);
    if (ep.waiting) {
        // The program came back to it: the silence ends here. A read that
        // still left data starts the reader's own turn with it.
        const EdgeEpisode old = ep;
        end_edge(c, r.h.tgid, r.fd, r.h.ts, "until the program read it again");
        if (drains) return;
        EdgeEpisode next{old.inst, r.h.tid, false, old.deliver_ts, old.deliver_rec, 0, 0, 0, 0, 0};
        e = c.s.edge.emplace(fdref(r.h.tgid, r.fd), next).first;
        c.s.threads[r.h.tid].edge_reading.push_back(e->first);
    }
    if (drains) {
        c.s.edge.erase(e);
        return;
    }
    ++e->second.reads;
    e->second.bytes += static_cast<std::uint64_t>(r.result);
    e->second.last_read_rec = c.s.records;
}

// An EPOLLIN delivery of an edge-triggered item (not one-shot: that one is
// disarmed, oneshot-not-rearmed's case) starts its reading by this thread.
void edge_delivery(Ctx& c, InstState& in, std::int32_t fd, const ItemState& it,
                   const ep_harvest_item& r) {
    end_edge(c, in.tgid, fd, r.h.ts, "until its next delivery");
    if ((it.events & (EPOLLET | EPOLLONESHOT)) != EPOLLET || !(r.revents & EPOLLIN) ||
        !c.in_window())
        return;
    EdgeEpisode ep;
    ep.inst = in.key;
    ep.tid = r.h.tid;
    ep.deliver_ts = r.h.ts;
    ep.deliver_rec = c.s.records;
    auto e = c.s.edge.insert_or_assign(fdref(in.tgid, fd), ep).first;
    c.s.threads[r.h.tid].edge_reading.push_back(e->first);
}

// The thread enters epoll_wait: the items delivered to it that it read
// without draining (at least one read: an fd it did not read at all, such as
// a listening socket it accepts on, says nothing) now wait for new data.
void edge_turn_over(Ctx& c, ThreadState& th, std::uint32_t tid) {
    for (std::uint64_t key : th.edge_reading) {
        auto e = c.s.edge.find(key);
        if (e == c.s.edge.end() || e->second.waiting || e->second.tid != tid) continue;
        if (!e->second.reads) {
            c.s.edge.erase(e);
            continue;
        }
        e->second.waiting = true;
        e->second.since_ts = c.h.ts;
        e->second.since_rec = c.s.records;
    }
    th.edge_reading.clear();
}

// Every episode of a process, or of an instance, ends (exit, instance freed).
void end_edges_where(Ctx& c, std::uint32_t tgid, std::uint64_t inst, const char* how) {
    std::vector<std::uint64_t> keys;
    for (const auto& [key, ep] : c.s.edge)
        if ((tgid && key >> 32 == tgid) || (inst && ep.inst == inst)) keys.push_back(key);
    for (std::uint64_t key : keys)
        end_edge(c, static_cast<std::uint32_t>(key >> 32), static_cast<std::int32_t>(key), c.h.ts,
                 how);
}

// ---- closed-fd-registered -----------------------------------------------------

// The stale item (instance k, file, fd) was removed: its file's last
// reference went. True if there was one (the removal was not the fd's new item's).
bool end_stale(Ctx& c, std::uint64_t k, std::uint64_t file, std::int32_t fd) {
    if (!c.s.stale_live || !file) return false;
    bool found = false;
    for (StaleState& st : c.s.stale)
        if (!st.ended && st.inst == k && st.file == file && st.fd == fd) {
            st.ended = true;
            --c.s.stale_live;
            found = true;
        }
    return found;
}

// A new item with the data of a stale one: its deliveries can no longer be told apart.
void note_reused_data(Ctx& c, std::uint64_t k, std::uint64_t data) {
    if (!c.s.stale_live) return;
    for (StaleState& st : c.s.stale)
        if (!st.ended && st.inst == k && st.data == data) st.data_shared = true;
}

// A name /proc gave after the close for the closed file (its ino) is the stale item's.
bool name_stale(Ctx& c, const ep_fd_name& r, const std::string& name) {
    if (!c.s.stale_live || !r.ino) return false;
    bool found = false;
    for (StaleState& st : c.s.stale)
        if (!st.ended && st.tgid == r.h.tgid && st.fd == r.fd && st.ino == r.ino) {
            if (st.name.empty()) st.name = name;
            found = true;
        }
    return found;
}

// The process closed an fd epoll watches (close, or dup2/dup3 over it). The
// kernel keys items by (file, fd) and removes them only at the file's last
// close: with the file open elsewhere (shared) its items stay, stale.
void on_fd_close(Ctx& c, const ep_fd_close& r) {
    end_edge(c, r.h.tgid, r.fd, r.h.ts, "until its fd was closed");
    c.s.fd_names.erase(fdref(r.h.tgid, r.fd));
    c.s.fd_types.erase(fdref(r.h.tgid, r.fd));
    if (r.shared != 1) {
        // The last reference (or unknown): the kernel releases the file's items.
        for (StaleState& st : c.s.stale)
            if (!st.ended && st.tgid == r.h.tgid && r.shared == 0 &&
                ((r.file && st.file == r.file) || (r.ino && st.ino == r.ino))) {
                st.ended = true;
                --c.s.stale_live;
            }
        return;
    }
    for (auto& [k, in] : c.s.insts) {
        if (in.tgid != r.h.tgid) continue;
        auto itx = in.items.find(r.fd);
        if (itx == in.items.end()) continue;
        if (c.s.stale.size() >= State::kMaxStale) {
            ++c.s.stale_dropped;
            continue;
        }
        StaleState st;
        st.inst = k;
        st.file = r.file;
        st.ino = r.ino;
        st.data = itx->second.data;
        st.fd = r.fd;
        st.tgid = r.h.tgid;
        st.closed_ts = r.h.ts;
        st.closed_rec = c.s.records;
        st.name = itx->second.name;
        close_oneshot(c, in, r.fd, itx->second, r.h.ts, "its fd was closed then");
        close_spin(c, in, r.fd, itx->second);
        auto d = in.by_data.find(st.data);
        if (d != in.by_data.end() && d->second == r.fd) in.by_data.erase(d);
        in.items.erase(itx);
        c.s.stale.push_back(std::move(st));
        ++c.s.stale_live;
    }
}

// ---- per kind ---------------------------------------------------------------

void on_ctl(Ctx& c, const ep_item_ctl& r, bool insert) {
    if (r.result != 0) return;
    const std::uint64_t k = c.key(r.ep, r.h.tgid, r.epfd);
    InstState& in = c.inst(k, r.ep, r.h.tgid, r.epfd);
    ItemState& it = in.items[r.fd];
    if (insert) it = ItemState{};
    // A MOD polls the file again and queues the item if data is left.
    end_edge(c, r.h.tgid, r.fd, r.h.ts, "until epoll_ctl changed it");
    close_oneshot(c, in, r.fd, it, r.h.ts, "re-armed by EPOLL_CTL_MOD then");
    close_spin(c, in, r.fd, it);
    it.events = r.events;
    it.data = r.data;
    if (insert || it.name.empty()) it.name = c.name(r.h.tgid, r.fd);
    if (insert) note_reused_data(c, k, r.data);
    in.by_data[r.data] = r.fd;
    if (r.queued == EP_CTL_QUEUED_READY || r.queued == EP_CTL_QUEUED_OVERFLOW)
        mark_pending(in, it, r.h.ts);
    // A first ADD is setup and a DEL alone teardown, not churn; an ADD of an
    // fd the program deleted redoes a registration: it and its DEL count.
    if (!insert)
        count_ctl(c, in, 1);
    else if (in.deleted.erase(r.fd))
        count_ctl(c, in, 2);
}

void on_remove(Ctx& c, const ep_item_remove& r) {
    if (r.result != 0) return;
    const std::uint64_t k = c.key(r.ep, r.h.tgid, r.epfd);
    if (r.reason == EP_REMOVE_FILE_CLOSE && end_stale(c, k, r.file, r.fd)) return;
    auto ii = c.s.insts.find(k);
    if (ii == c.s.insts.end()) return;
    InstState& in = ii->second;
    end_edge(c, in.tgid, r.fd, r.h.ts, "until it was removed");
    auto it = in.items.find(r.fd);
    if (it != in.items.end()) {
        close_oneshot(c, in, r.fd, it->second, r.h.ts, "removed then");
        close_spin(c, in, r.fd, it->second);
        in.items.erase(it);
    }
    if (r.reason == EP_REMOVE_CTL) in.deleted.insert(r.fd);
}

void on_wait_begin(Ctx& c, const ep_wait_begin& r) {
    ThreadState& th = c.s.threads[r.h.tid];
    edge_turn_over(c, th, r.h.tid);
    th.tgid = r.h.tgid;
    th.inst = c.key(r.ep, r.h.tgid, r.epfd);
    InstState& in = c.inst(th.inst, r.ep, r.h.tgid, r.epfd);
    th.in_wait = true;
    th.begin_ts = r.h.ts;
    th.begin_rec = c.s.records;
    th.epfd = r.epfd;
    th.timeout_ns = r.timeout_ns;
    th.maxevents = r.maxevents;
    th.woken = false;
    th.herd_file = 0;
    th.harvest_end_ready = -1;
    th.txlist_left = -1;
    th.lt_delivered = 0;
    if (!th.last_end_ts || th.last_end_inst != th.inst || !c.in_window()) return;
    // Event loop blocked: the turn just ended was long and an event queued
    // during it waited as long for this thread (no harvest took it meanwhile).
    const std::uint64_t turn = r.h.ts - th.last_end_ts;
    const std::uint64_t th_ns = c.o.thresholds.blocked_turn_ns;
    if (turn < th_ns) return;
    const std::uint64_t since = std::max(th.last_end_ts, in.last_harvest_ts);
    std::uint64_t waiting = 0, oldest = r.h.ts;
    std::vector<std::int32_t> fds;
    for (auto& [fd, it] : in.items)
        if (it.pending_since >= since && it.pending_since <= r.h.ts) {
            ++waiting;
            oldest = std::min(oldest, it.pending_since);
            if (fds.size() < Agg::kMaxFds) fds.push_back(fd);
        }
    if (r.h.ts - oldest < th_ns) return;
    std::string text = "thread " + std::to_string(r.h.tid) + " took " +
                       std::to_string(turn / 1'000'000) + " ms between leaving epoll_wait (" +
                       rec_text(th.last_end_rec) + ") and entering it again (" +
                       rec_text(c.s.records) + ") while " + std::to_string(waiting) +
                       " items waited on the ready list, the oldest for " +
                       std::to_string((r.h.ts - oldest) / 1'000'000) + " ms";
    in.blocked.add(th.last_end_ts, turn, {text, th.last_end_rec, th.last_end_ts});
    in.blocked.thread(r.h.tid);
    for (auto fd : fds) in.blocked.fd(fd, in.items[fd].name);
}

void count_busy(Ctx& c, ThreadState& th, const ep_wait_end& r) {
    if (th.timeout_ns != 0 || !c.in_window()) return;
    ++th.zero_polls;
    if (r.result != 0) return;
    if (th.zero_empty++ == 0) {
        th.zero_first_ts = r.h.ts;
        th.zero_first_rec = c.s.records;
    }
    th.zero_last_ts = r.h.ts;
    th.zero_inst = th.inst;
}

void count_poller(Ctx& c, ThreadState& th, const ep_wait_end& r) {
    if (th.timeout_ns == 0 || !c.in_window()) return;
    if (th.blocking_waits++ == 0) {
        th.first_wait_ts = th.begin_ts;
        th.first_wait_rec = th.begin_rec;
    }
    if (r.result > 0) th.delivered += static_cast<std::uint64_t>(r.result);
    th.wait_ns += r.h.ts - th.begin_ts;
}

void count_wakeup_outcome(Ctx& c, ThreadState& th, InstState& in, const ep_wait_end& r) {
    if (!th.woken || r.result != 0 || !c.in_window()) return;
    if (th.herd_file) {
        ++in.spurious_herd;
        auto h = c.s.herds.find(th.herd_file);
        if (h != c.s.herds.end()) ++h->second.wasted;
    }
    std::string text = "thread " + std::to_string(r.h.tid) +
                       " was woken and its epoll_wait returned no event (" + rec_text(c.s.records) +
                       ")";
    in.spurious.add(r.h.ts, 0, {text, c.s.records, r.h.ts});
    in.spurious.thread(r.h.tid);
}

void count_starved(Ctx& c, ThreadState& th, InstState& in, const ep_wait_end& r) {
    if (r.result <= 0 || r.result != th.maxevents || !c.in_window()) return;
    ++in.full_harvests;
    if (th.harvest_end_ready < 0 && th.txlist_left < 0) {  // kernel backends walk with --verify
        ++in.full_unwalked;
        return;
    }
    // The txlist walk counts the items the harvest did not reach. Without
    // it: after ep_done_scan the ready list holds those, level-triggered
    // items it delivered (requeued), and what came through the overflow list.
    const std::int64_t left =
        th.txlist_left >= 0 ? th.txlist_left
                            : th.harvest_end_ready - th.lt_delivered - th.harvest_end_overflow;
    if (left <= 0) return;
    std::string text = "epoll_wait returned maxevents=" + std::to_string(r.result) + " (" +
                       rec_text(c.s.records) + ") and left " + std::to_string(left) +
                       " items on the ready list";
    in.starved.add(r.h.ts, static_cast<std::uint64_t>(left), {text, c.s.records, r.h.ts});
    in.starved.thread(r.h.tid);
}

void on_wait_end(Ctx& c, const ep_wait_end& r) {
    auto t = c.s.threads.find(r.h.tid);
    if (t == c.s.threads.end() || !t->second.in_wait) return;
    ThreadState& th = t->second;
    th.in_wait = false;
    th.last_end_ts = r.h.ts;
    th.last_end_rec = c.s.records;
    th.last_end_inst = th.inst;
    count_busy(c, th, r);
    count_poller(c, th, r);
    auto ii = c.s.insts.find(th.inst);
    if (ii == c.s.insts.end()) return;
    count_wakeup_outcome(c, th, ii->second, r);
    count_starved(c, th, ii->second, r);
}

std::uint64_t thread_inst(Ctx& c, std::uint64_t ep) {
    if (ep) return ep;
    auto t = c.s.threads.find(c.h.tid);
    return t == c.s.threads.end() ? 0 : t->second.inst;
}

void on_harvest_item(Ctx& c, const ep_harvest_item& r) {
    auto ii = c.s.insts.find(thread_inst(c, r.ep));
    if (ii == c.s.insts.end()) return;
    InstState& in = ii->second;
    if (c.in_window()) ++in.deliveries;
    if (stale_event(c.s, c.o, c.h, in.key, 0, -1, r.data, true)) return;
    auto d = in.by_data.find(r.data);
    if (d == in.by_data.end()) return;
    auto itx = in.items.find(d->second);
    if (itx == in.items.end()) return;
    ItemState& it = itx->second;
    it.pending_since = 0;
    edge_delivery(c, in, d->second, it, r);
    if (it.events & EPOLLONESHOT) {
        it.disarm_ts = r.h.ts;
        it.disarm_rec = c.s.records;
        it.ignored = 0;
        it.confirmed_ts = 0;
    }
    if (it.events & (EPOLLET | EPOLLONESHOT)) return;
    auto t = c.s.threads.find(r.h.tid);
    if (t != c.s.threads.end()) ++t->second.lt_delivered;
    const bool out_only = (r.revents & EPOLLOUT) &&
                          !(r.revents & (EPOLLIN | EPOLLPRI | EPOLLERR | EPOLLHUP | EPOLLRDHUP));
    if (!out_only || !c.in_window()) {
        close_spin(c, in, d->second, it);
        return;
    }
    if (it.spin++ == 0) {
        it.spin_first_ts = r.h.ts;
        it.spin_first_rec = c.s.records;
    }
    it.spin_last_ts = r.h.ts;
}

void on_harvest_begin(Ctx& c, const ep_harvest_begin& r) {
    auto ii = c.s.insts.find(thread_inst(c, r.ep));
    if (ii != c.s.insts.end()) ii->second.harvest_begin_ts = ii->second.last_harvest_ts = r.h.ts;
    auto t = c.s.threads.find(r.h.tid);
    if (t != c.s.threads.end()) t->second.lt_delivered = 0;
}

void on_walk_end(Ctx& c, const ep_walk_end& r) {
    if (r.list != EP_WALK_TXLIST || r.truncated) return;
    auto t = c.s.threads.find(r.h.tid);
    if (t != c.s.threads.end() && t->second.in_wait) t->second.txlist_left = r.count;
}

void on_harvest_end(Ctx& c, const ep_harvest_end& r) {
    auto t = c.s.threads.find(r.h.tid);
    if (t != c.s.threads.end()) {
        t->second.harvest_end_ready = r.ready == ~0u ? -1 : std::int64_t{r.ready};
        t->second.harvest_end_overflow = r.overflow;
    }
    auto ii = c.s.insts.find(thread_inst(c, r.ep));
    if (ii == c.s.insts.end() || !ii->second.harvest_begin_ts) return;
    InstState& in = ii->second;
    const std::uint64_t d = r.h.ts - in.harvest_begin_ts;
    ++in.harvests;
    in.harvest_ns_sum += d;
    in.harvest_ns_max = std::max(in.harvest_ns_max, d);
    in.harvest_begin_ts = 0;
}

void close_burst(Ctx& c, std::uint32_t waker) {
    auto b = c.s.bursts.find(waker);
    if (b == c.s.bursts.end()) return;
    Burst& burst = b->second;
    if (burst.woken.size() >= 2) {
        HerdAgg& herd = c.s.herds[burst.file];
        herd.tgid = burst.tgid;
        herd.woken += burst.woken.size();
        herd.exclusive = herd.exclusive || (burst.events & EPOLLEXCLUSIVE);
        for (auto k : burst.insts)
            if (std::find(herd.insts.begin(), herd.insts.end(), k) == herd.insts.end())
                herd.insts.push_back(k);
        std::string text = "one wakeup of fd " + std::to_string(burst.fd) + " (" +
                           rec_text(burst.rec) + ") woke " + std::to_string(burst.woken.size()) +
                           " waiters in " + std::to_string(burst.insts.size()) + " instances";
        herd.agg.add(burst.ts, burst.woken.size(), {text, burst.rec, burst.ts});
        herd.agg.fd(burst.fd, c.name(burst.tgid, burst.fd));
        for (auto tid : burst.woken) herd.agg.thread(tid);
    }
    c.s.bursts.erase(b);
}

void on_callback(Ctx& c, const ep_callback& r) {
    c.s.sees_callbacks = true;
    const std::uint64_t k = c.key(r.ep, r.h.tgid, -1);
    auto ii = c.s.insts.find(k);
    if (ii == c.s.insts.end()) return;
    InstState& in = ii->second;
    // One wake_up of a file calls each of its items once: the same file again
    // on an instance already called, or another file, is the next wake_up.
    auto b = c.s.bursts.find(r.h.tid);
    if (b != c.s.bursts.end() &&
        (b->second.file != r.file ||
         std::find(b->second.insts.begin(), b->second.insts.end(), k) != b->second.insts.end()))
        close_burst(c, r.h.tid);
    Burst& burst = c.s.bursts[r.h.tid];
    if (!burst.file) {
        burst = Burst{r.file, r.h.ts, c.s.records, in.tgid, r.fd, r.events, {}, {}};
    }
    if (std::find(burst.insts.begin(), burst.insts.end(), k) == burst.insts.end())
        burst.insts.push_back(k);
    auto itx = in.items.find(r.fd);
    const bool queued = r.outcome == EP_CB_QUEUED_READY || r.outcome == EP_CB_QUEUED_OVERFLOW;
    if (queued && c.in_window()) {
        ++in.cb_queued;
        if (r.outcome == EP_CB_QUEUED_OVERFLOW) ++in.cb_overflow;
    }
    if (stale_event(c.s, c.o, c.h, k, r.file, r.fd, 0, false)) return;
    if (itx == in.items.end()) return;
    ItemState& it = itx->second;
    if (r.outcome <= EP_CB_ALREADY_OVERFLOW) {
        mark_pending(in, it, r.h.ts);
        end_edge(c, in.tgid, r.fd, r.h.ts, "until a callback queued it again");
    }
    if (r.outcome == EP_CB_IGNORED_DISARMED && it.disarm_ts && it.ignored++ == 0)
        it.first_ignored_rec = c.s.records;
}

void on_wakeup(Ctx& c, const ep_wakeup& r) {
    c.s.sees_callbacks = true;
    ThreadState& th = c.s.threads[r.woken_tid];
    th.woken = true;
    auto ii = c.s.insts.find(r.ep ? r.ep : th.inst);
    if (ii != c.s.insts.end() && c.in_window()) ++ii->second.wakeups;
    auto b = c.s.bursts.find(r.h.tid);
    if (b == c.s.bursts.end()) return;
    Burst& burst = b->second;
    burst.woken.push_back(r.woken_tid);
    // From the second waiter on this wakeup is a herd: the waiters' epoll_wait
    // may return before the burst is known to be over.
    if (burst.woken.size() == 2) {
        c.s.threads[burst.woken[0]].herd_file = burst.file;
        c.s.herds.try_emplace(burst.file);  // counts its wasted wakeups from now on
    }
    if (burst.woken.size() >= 2) th.herd_file = burst.file;
}

void on_snapshot_item(Ctx& c, const ep_snapshot_item& r) {
    auto k = c.s.by_fdref.find(fdref(r.h.tgid, r.epfd));
    if (k == c.s.by_fdref.end()) return;
    auto ii = c.s.insts.find(k->second);
    if (ii == c.s.insts.end()) return;
    auto itx = ii->second.items.find(r.tfd);
    if (itx == ii->second.items.end()) return;
    ItemState& it = itx->second;
    if (it.disarm_ts && !(r.events & ~kEpPrivateBits)) {
        it.confirmed_ts = r.h.ts;
        it.confirmed_rec = c.s.records;
    }
}

// Names come from /proc a few records after the insert: items named late.
void on_fd_name(Ctx& c, const ep_fd_name& r) {
    std::string name(r.name, strnlen(r.name, sizeof r.name));
    if (name_stale(c, r, name)) return;
    for (auto& [k, in] : c.s.insts) {
        if (in.tgid != r.h.tgid) continue;
        auto it = in.items.find(r.fd);
        if (it != in.items.end() && it->second.name.empty()) it->second.name = name;
    }
    c.s.fd_names[fdref(r.h.tgid, r.fd)] = std::move(name);
    c.s.fd_types[fdref(r.h.tgid, r.fd)] = r.type;
}

// The instance is gone (freed, or its process exited): its disarmed items end here.
void close_instance(Ctx& c, InstState& in, const char* how) {
    for (auto& [fd, it] : in.items) {
        close_oneshot(c, in, fd, it, c.h.ts, how);
        close_spin(c, in, fd, it);
    }
    for (StaleState& st : c.s.stale)
        if (st.inst == in.key && !st.ended) {
            st.ended = true;
            --c.s.stale_live;
        }
    in.items.clear();
    in.by_data.clear();
}

void on_process(Ctx& c, const ep_process& r) {
    if (r.what == EP_PROC_EXIT) {
        end_edges_where(c, r.h.tgid, 0, "until the process exited");
        for (auto& [k, in] : c.s.insts)
            if (in.tgid == r.h.tgid && !in.items.empty())
                close_instance(c, in, "the process exited then");
        return;
    }
    if (r.what == EP_PROC_THREAD || r.what == EP_PROC_THREAD_EXIT) return;
    c.s.comms[r.h.tgid] = std::string(r.comm, strnlen(r.comm, sizeof r.comm));
}

}  // namespace

bool stale_event(Engine::State& s, const Options& o, const ep_header& h, std::uint64_t inst,
                 std::uint64_t file, std::int32_t fd, std::uint64_t data, bool delivery) {
    if (!s.stale_live) return false;
    for (auto st = s.stale.rbegin(); st != s.stale.rend(); ++st) {
        if (st->ended || st->inst != inst) continue;
        const bool match = delivery ? st->data == data && !st->data_shared
                                    : file != 0 && st->file == file && st->fd == fd;
        if (!match) continue;
        Ctx c{s, o, h};
        if (!c.in_window()) return true;
        if (st->callbacks + st->deliveries == 0) {
            st->first_ts = h.ts;
            st->first_rec = s.records;
        }
        ++(delivery ? st->deliveries : st->callbacks);
        st->last_ts = h.ts;
        st->last_rec = s.records;
        return true;
    }
    return false;
}

void close_bursts(Engine::State& s, const Options& o) {
    ep_header h{};
    h.ts = s.last_ts;
    Ctx c{s, o, h};
    while (!s.bursts.empty()) close_burst(c, s.bursts.begin()->first);
}

// Open episodes (disarmed or spinning items) judged as of the last record,
// into a copy of the instance's Aggs: the state itself goes on unchanged.
InstState open_episodes(Engine::State& s, const Options& o, const InstState& in) {
    InstState tmp;
    tmp.oneshot = in.oneshot;
    tmp.spin = in.spin;
    tmp.oneshot_unconfirmed = in.oneshot_unconfirmed;
    tmp.edge = in.edge;
    ep_header h{};
    h.ts = s.last_ts;
    Ctx c{s, o, h};
    for (const auto& [key, ep] : s.edge)
        if (ep.inst == in.key && ep.waiting)
            judge_edge(c, in, tmp.edge, static_cast<std::int32_t>(key), ep, s.last_ts,
                       "still silent at the end of the trace");
    for (const auto& [fd, it] : in.items) {
        if (!it.disarm_ts && !it.spin) continue;
        ItemState copy = it;
        close_oneshot(c, tmp, fd, copy, s.last_ts, "still disarmed at the end of the trace");
        close_spin(c, tmp, fd, copy);
    }
    return tmp;
}

Engine::Engine(Options opts) : s_(std::make_unique<State>()), opts_(std::move(opts)) {
    // The kernel-hook backends record every callback: a trace without any had none.
    s_->sees_callbacks = opts_.backend == "fentry" || opts_.backend == "kprobe";
}
Engine::~Engine() = default;

std::uint64_t Engine::first_ts() const { return s_->first_ts; }
std::uint64_t Engine::last_ts() const { return s_->last_ts; }
std::uint64_t Engine::records() const { return s_->records; }
std::uint64_t Engine::lost() const { return s_->lost; }
bool Engine::sees_callbacks() const { return s_->sees_callbacks; }

void Engine::on_record(const stream::Record& rec) {
    State& s = *s_;
    const ep_header& h = rec.header();
    ++s.records;
    if (!s.first_ts && h.ts) s.first_ts = h.ts;
    if (h.ts > s.last_ts) {
        s.last_ts = h.ts;
        s.last_rec = s.records;
    }
    Ctx c{s, opts_, h};
    const auto kind = rec.kind();
    if (kind != EP_KIND_CALLBACK && kind != EP_KIND_WAKEUP && !s.bursts.empty())
        close_burst(c, h.tid);
    switch (kind) {
        case EP_KIND_ITEM_INSERT:
            on_ctl(c, rec.as<ep_item_ctl>(), true);
            break;
        case EP_KIND_ITEM_MODIFY:
            on_ctl(c, rec.as<ep_item_ctl>(), false);
            break;
        case EP_KIND_ITEM_REMOVE:
            on_remove(c, rec.as<ep_item_remove>());
            break;
        case EP_KIND_CALLBACK:
            on_callback(c, rec.as<ep_callback>());
            break;
        case EP_KIND_WAKEUP:
            on_wakeup(c, rec.as<ep_wakeup>());
            break;
        case EP_KIND_WAIT_BEGIN:
            on_wait_begin(c, rec.as<ep_wait_begin>());
            break;
        case EP_KIND_WAIT_END:
            on_wait_end(c, rec.as<ep_wait_end>());
            break;
        case EP_KIND_HARVEST_BEGIN:
            on_harvest_begin(c, rec.as<ep_harvest_begin>());
            break;
        case EP_KIND_HARVEST_ITEM:
            on_harvest_item(c, rec.as<ep_harvest_item>());
            break;
        case EP_KIND_HARVEST_END:
            on_harvest_end(c, rec.as<ep_harvest_end>());
            break;
        case EP_KIND_WALK_END:
            on_walk_end(c, rec.as<ep_walk_end>());
            break;
        case EP_KIND_SNAPSHOT_ITEM:
            on_snapshot_item(c, rec.as<ep_snapshot_item>());
            break;
        case EP_KIND_PROCESS:
            on_process(c, rec.as<ep_process>());
            break;
        case EP_KIND_FD_NAME: {
            on_fd_name(c, rec.as<ep_fd_name>());
            break;
        }
        case EP_KIND_FD_CLOSE:
            on_fd_close(c, rec.as<ep_fd_close>());
            break;
        case EP_KIND_FD_READ:
            on_fd_read(c, rec.as<ep_fd_read>());
            break;
        case EP_KIND_INSTANCE_FREE: {
            auto ii = s.insts.find(rec.as<ep_instance_free>().ep);
            if (ii != s.insts.end()) {
                end_edges_where(c, 0, ii->first, "until its instance was freed");
                close_instance(c, ii->second, "the instance was freed then");
                s.retired.push_back(std::move(ii->second));
                s.insts.erase(ii);
            }
            break;
        }
        case EP_KIND_LOST:
            s.lost += rec.as<ep_lost>().count;
            break;
        default:
            break;
    }
}

}  // namespace epscope::findings
