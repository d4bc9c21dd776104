#include "capture/counting.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

namespace epscope::capture {
namespace {

bool plans_program(const SessionConfig& config, const char* part) {
    return std::any_of(config.programs.begin(), config.programs.end(), [&](const ProgramChoice& p) {
        return p.program.find(part) != std::string::npos;
    });
}

CountHistogram from_bpf(const ep_count_hist& h) {
    CountHistogram out;
    out.count = h.count;
    out.sum_ns = h.sum_ns;
    std::copy(std::begin(h.buckets), std::end(h.buckets), out.buckets.begin());
    return out;
}

InstanceCounts from_bpf(std::uint64_t ep, const ep_count_instance& c) {
    InstanceCounts out;
    out.ep = ep;
    out.tgid = c.tgid;
    out.epfd = c.epfd;
    out.comm.assign(c.comm, strnlen(c.comm, sizeof(c.comm)));
    out.ctl_add = c.ctl_add;
    out.ctl_mod = c.ctl_mod;
    out.ctl_del = c.ctl_del;
    out.ctl_failed = c.ctl_failed;
    out.waits = c.waits;
    out.waits_slept = c.waits_slept;
    out.timeouts = c.timeouts;
    out.wait_errors = c.wait_errors;
    out.deliveries = c.deliveries;
    out.harvests = c.harvests;
    out.wakeups = c.wakeups;
    std::copy(std::begin(c.callbacks), std::end(c.callbacks), out.callbacks.begin());
    out.wait_time = from_bpf(c.wait_time);
    out.latency = from_bpf(c.latency);
    return out;
}

// Every key of a hash map, then each value: BPF may add or evict entries
// meanwhile, so a key whose value is gone by the lookup is skipped.
template <typename Key, typename Value, typename Fn>
void for_each_entry(int fd, const char* what, Fn&& fn) {
    Key key{}, next{};
    const Key* prev = nullptr;
    Value value{};
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        key = next;
        prev = &key;
        if (bpf_map_lookup_elem(fd, &key, &value) == 0)
            fn(key, value);
        else if (errno != ENOENT)
            throw CaptureError(std::string("cannot read the counting map of ") + what + ": " +
                               std::strerror(errno));
    }
}

}  // namespace

CountingVisibility CountingVisibility::of(const SessionConfig& config) {
    CountingVisibility v;
    v.callbacks = plans_program(config, "ep_poll_callback");
    v.harvests = plans_program(config, "ep_done_scan") || plans_program(config, "ep_send_events");
    v.wakeups = plans_program(config, "ep_autoremove_wake_function");
    v.sleeps = plans_program(config, "sched_switch");
    return v;
}

std::string CountingVisibility::unseen() const {
    std::string out;
    auto add = [&](bool seen, const char* what) {
        if (seen) return;
        if (!out.empty()) out += ", ";
        out += what;
    };
    add(callbacks, "callbacks, callback-to-delivery latency");
    add(harvests, "harvests");
    add(wakeups, "wakeups");
    add(sleeps, "which waits blocked");
    return out;
}

std::uint64_t CountHistogram::quantile_bound_ns(double q) const {
    std::uint64_t total = 0;
    for (auto b : buckets) total += b;
    if (total == 0) return 0;
    const double want = q * static_cast<double>(total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        seen += buckets[i];
        if (static_cast<double>(seen) >= want && buckets[i]) return 2ull << i;
    }
    return 2ull << (buckets.size() - 1);
}

void CountHistogram::add(const CountHistogram& other) {
    count += other.count;
    sum_ns += other.sum_ns;
    for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += other.buckets[i];
}

void InstanceCounts::add(const InstanceCounts& c) {
    ctl_add += c.ctl_add;
    ctl_mod += c.ctl_mod;
    ctl_del += c.ctl_del;
    ctl_failed += c.ctl_failed;
    waits += c.waits;
    waits_slept += c.waits_slept;
    timeouts += c.timeouts;
    wait_errors += c.wait_errors;
    deliveries += c.deliveries;
    harvests += c.harvests;
    wakeups += c.wakeups;
    for (std::size_t o = 0; o < callbacks.size(); ++o) callbacks[o] += c.callbacks[o];
    wait_time.add(c.wait_time);
    latency.add(c.latency);
}

std::uint64_t InstanceCounts::total_callbacks() const {
    std::uint64_t n = 0;
    for (auto c : callbacks) n += c;
    return n;
}

CountingSession::CountingSession(const BpfSession& session, const SessionConfig& config)
    : session_(session),
      maps_(session.counting_maps()),
      visibility_(CountingVisibility::of(config)),
      max_instances_(config.counting_instances),
      max_items_(config.counting_items) {}

std::vector<InstanceCounts> CountingSession::read_instances() const {
    std::vector<InstanceCounts> out;
    for_each_entry<std::uint64_t, ep_count_instance>(
        maps_.instances, "instances",
        [&](std::uint64_t ep, const ep_count_instance& c) { out.push_back(from_bpf(ep, c)); });
    std::sort(out.begin(), out.end(), [](const InstanceCounts& a, const InstanceCounts& b) {
        return a.tgid != b.tgid ? a.tgid < b.tgid : a.epfd < b.epfd;
    });
    return out;
}

std::vector<ItemCounts> CountingSession::read_items() const {
    std::vector<ItemCounts> out;
    for_each_entry<ep_count_item_key, ep_count_item>(
        maps_.items, "items", [&](const ep_count_item_key& k, const ep_count_item& c) {
            ItemCounts it;
            it.ep = k.ep;
            it.data = k.data;
            it.tgid = c.tgid;
            it.fd = c.fd;
            it.deliveries = c.deliveries;
            std::copy(std::begin(c.callbacks), std::end(c.callbacks), it.callbacks.begin());
            out.push_back(it);
        });
    std::sort(out.begin(), out.end(), [](const ItemCounts& a, const ItemCounts& b) {
        return a.deliveries != b.deliveries ? a.deliveries > b.deliveries : a.fd < b.fd;
    });
    return out;
}

void CountingSession::read_totals(CountingSnapshot& out) const {
    const int ncpu = libbpf_num_possible_cpus();
    std::vector<ep_count_totals> per_cpu(ncpu > 0 ? ncpu : 1);
    const std::uint32_t zero = 0;
    if (bpf_map_lookup_elem(maps_.totals, &zero, per_cpu.data()) != 0)
        throw CaptureError(std::string("cannot read the counting totals: ") + std::strerror(errno));
    std::uint64_t instances = 0, items = 0;
    for (const auto& t : per_cpu) {
        instances += t.instances_created;
        items += t.items_created;
        out.failed_updates += t.failed_updates;
    }
    out.max_instances = max_instances_;
    out.max_items = max_items_;
    // Never negative: an entry created between the totals read and the map
    // walk is present but not yet counted.
    instances -= std::min(instances, forgotten_instances_);
    items -= std::min(items, forgotten_items_);
    out.instances_evicted = instances > out.instances.size() ? instances - out.instances.size() : 0;
    out.items_evicted = items > out.items.size() ? items - out.items.size() : 0;
}

void CountingSession::forget(const std::vector<std::uint32_t>& tgids) {
    if (tgids.empty()) return;
    auto gone = [&](std::uint32_t tgid) {
        return std::find(tgids.begin(), tgids.end(), tgid) != tgids.end();
    };
    std::vector<std::uint64_t> instances;
    for_each_entry<std::uint64_t, ep_count_instance>(
        maps_.instances, "instances", [&](std::uint64_t ep, const ep_count_instance& c) {
            if (gone(c.tgid)) instances.push_back(ep);
        });
    std::vector<ep_count_item_key> items;
    for_each_entry<ep_count_item_key, ep_count_item>(
        maps_.items, "items", [&](const ep_count_item_key& k, const ep_count_item& c) {
            if (gone(c.tgid)) items.push_back(k);
        });
    // Collected first: deleting while walking would restart the walk.
    for (std::uint64_t ep : instances)
        if (bpf_map_delete_elem(maps_.instances, &ep) == 0) ++forgotten_instances_;
    for (const ep_count_item_key& k : items)
        if (bpf_map_delete_elem(maps_.items, &k) == 0) ++forgotten_items_;
}

void CountingSession::group_by_process(CountingSnapshot& out) {
    std::map<std::uint32_t, ProcessCounts> by_tgid;
    for (std::size_t i = 0; i < out.instances.size(); ++i) {
        const InstanceCounts& c = out.instances[i];
        ProcessCounts& p = by_tgid[c.tgid];
        p.tgid = c.tgid;
        if (p.comm.empty()) p.comm = c.comm;
        p.instances.push_back(i);
        p.total.add(c);
    }
    for (auto& [tgid, p] : by_tgid) {
        p.total.tgid = tgid;
        out.processes.push_back(std::move(p));
    }
}

CountingSnapshot CountingSession::snapshot() {
    CountingSnapshot out;
    out.instances = read_instances();
    out.items = read_items();
    read_totals(out);
    group_by_process(out);
    out.skipped_runs = session_.skipped_runs();
    return out;
}

void SnapshotItemFds::on_record(const stream::Record& rec) {
    if (rec.kind() != EP_KIND_SNAPSHOT_ITEM) return;
    const auto& it = rec.as<ep_snapshot_item>();
    fds_[{it.h.tgid, it.epfd, it.data}] = it.tfd;
}

void SnapshotItemFds::fill(CountingSnapshot& snap) const {
    if (fds_.empty()) return;
    std::map<std::uint64_t, std::int32_t> epfd_of;
    for (const auto& c : snap.instances) epfd_of[c.ep] = c.epfd;
    for (auto& it : snap.items) {
        auto e = epfd_of.find(it.ep);
        if (it.fd >= 0 || e == epfd_of.end()) continue;
        auto f = fds_.find({it.tgid, e->second, it.data});
        if (f != fds_.end()) it.fd = f->second;
    }
}

void SnapshotItemFds::forget(const std::vector<std::uint32_t>& tgids) {
    for (auto it = fds_.begin(); it != fds_.end();)
        it = std::find(tgids.begin(), tgids.end(), std::get<0>(it->first)) != tgids.end()
                 ? fds_.erase(it)
                 : std::next(it);
}

}  // namespace epscope::capture
