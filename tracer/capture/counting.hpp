// Counting mode: what BPF counted per instance and per item in its maps
// (bpf/epscope_counting.h), read as snapshots. No record is streamed, so a
// long-running view (`epscope live --counting`) or a metrics exporter costs
// the traced program a map update per hook instead of a record.
//
// A reader keeps a CountingSession on the capture's BpfSession
// (CaptureOptions::on_attached) and calls snapshot() whenever it wants the
// figures: counters only grow (until an instance's address is reused by a
// new instance), histograms keep their count and sum, so rates, averages and
// Prometheus histograms can be derived from two snapshots.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "capture/bpf_session.hpp"
#include "epscope_counting.h"
#include "stream/record.hpp"

namespace epscope::capture {

// Which figures the attached hooks can see at all: a backend without
// ep_poll_callback has no callbacks to count, which is not zero callbacks.
struct CountingVisibility {
    bool callbacks = false;  // ep_poll_callback (and the latency that starts there)
    bool harvests = false;   // ep_done_scan / ep_send_events_proc
    bool wakeups = false;    // ep_autoremove_wake_function
    bool sleeps = false;     // sched_switch: whether a wait blocked

    static CountingVisibility of(const SessionConfig& config);
    // The figures not seen, in words, comma-separated ("" when all are).
    std::string unseen() const;
};

struct CountHistogram {
    std::uint64_t count = 0;
    std::uint64_t sum_ns = 0;
    std::array<std::uint64_t, EP_COUNT_BUCKETS> buckets{};  // [2^i, 2^(i+1)) ns

    std::uint64_t mean_ns() const { return count ? sum_ns / count : 0; }
    // The upper bound of the bucket holding quantile q (0 when empty).
    std::uint64_t quantile_bound_ns(double q) const;
    void add(const CountHistogram& other);
};

struct InstanceCounts {
    std::uint64_t ep = 0;  // struct eventpoll *: the key, never printed raw
    std::uint32_t tgid = 0;
    std::int32_t epfd = -1;
    std::string comm;  // the process's name when BPF first counted the instance
    std::uint64_t ctl_add = 0, ctl_mod = 0, ctl_del = 0, ctl_failed = 0;
    std::uint64_t waits = 0, waits_slept = 0, timeouts = 0, wait_errors = 0;
    std::uint64_t deliveries = 0, harvests = 0, wakeups = 0;
    std::array<std::uint64_t, EP_COUNT_OUTCOMES> callbacks{};
    CountHistogram wait_time, latency;

    std::uint64_t total_callbacks() const;
    // Adds another instance's counts (a process's total, "other" in metrics).
    void add(const InstanceCounts& other);
};

struct ItemCounts {
    std::uint64_t ep = 0;
    std::uint64_t data = 0;  // the data cookie user space registered
    std::uint32_t tgid = 0;
    std::int32_t fd = -1;  // -1: delivered before any epoll_ctl of it was seen
    std::uint64_t deliveries = 0;
    std::array<std::uint64_t, EP_COUNT_OUTCOMES> callbacks{};
};

struct ProcessCounts {
    std::uint32_t tgid = 0;
    std::string comm;                    // as BPF saw it at its first instance
    std::vector<std::size_t> instances;  // indexes into CountingSnapshot::instances
    InstanceCounts total;                // the sums of its instances (ep, epfd unset)
};

struct CountingSnapshot {
    std::vector<InstanceCounts> instances;  // by tgid, then epfd
    std::vector<ItemCounts> items;          // by deliveries, busiest first
    std::vector<ProcessCounts> processes;   // by tgid
    // The maps' bounds and what they cost: entries ever created minus those
    // present are the ones the LRU maps evicted to make room.
    std::uint32_t max_instances = 0, max_items = 0;
    std::uint64_t instances_evicted = 0, items_evicted = 0;
    std::uint64_t failed_updates = 0;  // entries BPF could not create at all
    // Runs of the programs the kernel skipped (BpfSession::skipped_runs): a
    // call made in one is not counted. Where kernel code is preemptible, a
    // map syscall (this session's own reads of the maps, or any other BPF
    // user's) preempted on a CPU makes the kernel skip that CPU's next runs.
    std::uint64_t skipped_runs = 0;
};

class CountingSession {
public:
    CountingSession(const BpfSession& session, const SessionConfig& config);
    // Reads the maps now. Throws CaptureError when a map cannot be read.
    CountingSnapshot snapshot();
    const CountingVisibility& visibility() const { return visibility_; }
    // Deletes the instances and items of processes that are gone (the
    // exporter drops them), so the bounded maps keep room for live ones;
    // what is deleted here is not counted as evicted.
    void forget(const std::vector<std::uint32_t>& tgids);

private:
    std::vector<InstanceCounts> read_instances() const;
    std::vector<ItemCounts> read_items() const;
    void read_totals(CountingSnapshot& out) const;
    static void group_by_process(CountingSnapshot& out);

    const BpfSession& session_;
    BpfSession::CountingMaps maps_;
    CountingVisibility visibility_;
    std::uint32_t max_instances_, max_items_;
    std::uint64_t forgotten_instances_ = 0, forgotten_items_ = 0;
};

// Counting mode streams no epoll records; the /proc description of the
// processes traced by -p (or found by the exporter's scan) still comes as
// records. Its fdinfo lines give the fd of each item registered before the
// attach, which BPF, seeing only its deliveries, knows by data cookie alone.
class SnapshotItemFds : public stream::RecordSink {
public:
    void on_record(const stream::Record& rec) override;
    // Items of unknown fd get the one fdinfo showed for their cookie.
    void fill(CountingSnapshot& snap) const;
    // The processes that are gone: their items are not looked up again.
    void forget(const std::vector<std::uint32_t>& tgids);

private:
    std::map<std::tuple<std::uint32_t, std::int32_t, std::uint64_t>, std::int32_t> fds_;
};

}  // namespace epscope::capture
