#include "cli/counting_view.hpp"

#include <cstdio>
#include <map>

#include "cli/format.hpp"
#include "stream/record_text.hpp"

namespace epscope::cli {
namespace {

using capture::CountHistogram;
using capture::CountingSnapshot;
using capture::CountingVisibility;
using capture::InstanceCounts;
using capture::ItemCounts;

std::string num(std::uint64_t v) { return std::to_string(v); }
std::string num_or_na(bool seen, std::uint64_t v) { return seen ? num(v) : "n/a"; }

// A log2 bucket's bound: the quantile is below it.
std::string bound(const CountHistogram& h, double q) {
    const std::uint64_t b = h.quantile_bound_ns(q);
    return b ? "<" + format_duration(b) : "-";
}

std::string instance_row(const InstanceCounts& c, const CountingVisibility& seen) {
    char line[320];
    const std::string ctl = num(c.ctl_add) + "/" + num(c.ctl_mod) + "/" + num(c.ctl_del);
    std::snprintf(
        line, sizeof line, "  %-6s %8llu %8s %8llu %10llu %-13s %10s %9s %8s %9s %9s %9s %9s\n",
        c.epfd >= 0 ? std::to_string(c.epfd).c_str() : "-",
        static_cast<unsigned long long>(c.waits), num_or_na(seen.sleeps, c.waits_slept).c_str(),
        static_cast<unsigned long long>(c.timeouts), static_cast<unsigned long long>(c.deliveries),
        ctl.c_str(), num_or_na(seen.callbacks, c.total_callbacks()).c_str(),
        num_or_na(seen.harvests, c.harvests).c_str(), num_or_na(seen.wakeups, c.wakeups).c_str(),
        format_duration(c.wait_time.mean_ns()).c_str(), bound(c.wait_time, 0.99).c_str(),
        seen.callbacks ? format_duration(c.latency.mean_ns()).c_str() : "n/a",
        seen.callbacks ? bound(c.latency, 0.99).c_str() : "n/a");
    std::string out = line;
    if (seen.callbacks && c.total_callbacks()) {
        out += "           callbacks:";
        for (std::size_t o = 0; o < c.callbacks.size(); ++o)
            if (c.callbacks[o])
                out += " " + stream::callback_outcome_name(static_cast<std::uint32_t>(o)) + " " +
                       num(c.callbacks[o]);
        out += '\n';
    }
    return out;
}

std::string busiest_line(const CountingSnapshot& snap, std::uint32_t tgid, std::size_t n) {
    std::string out;
    std::size_t shown = 0;
    for (const ItemCounts& it : snap.items) {
        if (it.tgid != tgid || it.deliveries == 0 || shown == n) continue;
        out += shown++ ? ", " : "  busiest items (delivered): ";
        out += (it.fd >= 0 ? "fd " + std::to_string(it.fd) : "data " + num(it.data)) + " " +
               num(it.deliveries);
    }
    return out.empty() ? out : out + "\n";
}

std::string hist_json(const CountHistogram& h) {
    std::string out =
        "{\"count\":" + num(h.count) + ",\"sum_ns\":" + num(h.sum_ns) + ",\"log2_buckets\":[";
    for (std::size_t i = 0; i < h.buckets.size(); ++i) out += (i ? "," : "") + num(h.buckets[i]);
    return out + "]}";
}

std::string callbacks_json(const std::array<std::uint64_t, EP_COUNT_OUTCOMES>& cbs) {
    std::string out = "{";
    for (std::size_t o = 0; o < cbs.size(); ++o)
        out += std::string(o ? "," : "") + "\"" +
               stream::callback_outcome_name(static_cast<std::uint32_t>(o)) + "\":" + num(cbs[o]);
    return out + "}";
}

std::string instance_json(const InstanceCounts& c, const CountingVisibility& seen) {
    auto opt = [](bool s, const std::string& v) { return s ? v : std::string("null"); };
    return "{\"epfd\":" + std::to_string(c.epfd) + ",\"ctl_add\":" + num(c.ctl_add) +
           ",\"ctl_mod\":" + num(c.ctl_mod) + ",\"ctl_del\":" + num(c.ctl_del) +
           ",\"ctl_failed\":" + num(c.ctl_failed) + ",\"waits\":" + num(c.waits) +
           ",\"waits_slept\":" + opt(seen.sleeps, num(c.waits_slept)) +
           ",\"timeouts\":" + num(c.timeouts) + ",\"wait_errors\":" + num(c.wait_errors) +
           ",\"deliveries\":" + num(c.deliveries) +
           ",\"harvests\":" + opt(seen.harvests, num(c.harvests)) +
           ",\"wakeups\":" + opt(seen.wakeups, num(c.wakeups)) +
           ",\"callbacks\":" + opt(seen.callbacks, callbacks_json(c.callbacks)) +
           ",\"wait_time\":" + hist_json(c.wait_time) +
           ",\"latency\":" + opt(seen.callbacks, hist_json(c.latency)) + "}";
}

}  // namespace

std::string counting_text(const CountingSnapshot& snap, const CountingVisibility& seen,
                          const CountingViewInfo& info) {
    std::string out = "epscope live --counting  backend " + info.backend +
                      "  (counted in BPF maps, no records)\n";
    char line[320];
    for (const auto& p : snap.processes) {
        out += "\nprocess " + std::to_string(p.tgid) + " " + p.comm + "\n";
        std::snprintf(line, sizeof line,
                      "  %-6s %8s %8s %8s %10s %-13s %10s %9s %8s %9s %9s %9s %9s\n", "epfd",
                      "waits", "blocked", "timeouts", "delivered", "add/mod/del", "callbacks",
                      "harvests", "wakeups", "wait avg", "wait p99", "lat avg", "lat p99");
        out += line;
        for (std::size_t i : p.instances) out += instance_row(snap.instances[i], seen);
        out += busiest_line(snap, p.tgid, info.busiest_items);
    }
    if (snap.processes.empty()) out += "\nno epoll activity counted yet\n";
    const std::string unseen = seen.unseen();
    if (!unseen.empty())
        out += "\nnot seen by the " + info.backend + " backend (n/a): " + unseen +
               " (kernel hooks see them: `epscope doctor`)\n";
    std::snprintf(line, sizeof line,
                  "counted: %zu instances (at most %u, %llu evicted), %zu items (at most %u, %llu "
                  "evicted)%s\n",
                  snap.instances.size(), snap.max_instances,
                  static_cast<unsigned long long>(snap.instances_evicted), snap.items.size(),
                  snap.max_items, static_cast<unsigned long long>(snap.items_evicted),
                  snap.failed_updates ? ", entries not created: out of memory" : "");
    out += line;
    if (snap.items_evicted)
        out +=
            "items were evicted: their counts are gone (the instance totals are whole); "
            "raise --counting-items\n";
    return out;
}

std::string counting_json(const CountingSnapshot& snap, const CountingVisibility& seen,
                          const CountingViewInfo& info) {
    std::map<std::uint64_t, std::int32_t> epfd_of;
    for (const auto& c : snap.instances) epfd_of[c.ep] = c.epfd;
    std::string out = "{\"backend\":\"" + stream::json_escape(info.backend) + "\",\"unseen\":\"" +
                      stream::json_escape(seen.unseen()) +
                      "\",\"instances_evicted\":" + num(snap.instances_evicted) +
                      ",\"items_evicted\":" + num(snap.items_evicted) +
                      ",\"failed_updates\":" + num(snap.failed_updates) + ",\"processes\":[";
    for (std::size_t k = 0; k < snap.processes.size(); ++k) {
        const auto& p = snap.processes[k];
        out += std::string(k ? "," : "") + "{\"tgid\":" + std::to_string(p.tgid) + ",\"comm\":\"" +
               stream::json_escape(p.comm) + "\",\"total\":" + instance_json(p.total, seen) +
               ",\"instances\":[";
        for (std::size_t j = 0; j < p.instances.size(); ++j)
            out += (j ? "," : "") + instance_json(snap.instances[p.instances[j]], seen);
        out += "]}";
    }
    out += "],\"items\":[";
    for (std::size_t k = 0; k < snap.items.size(); ++k) {
        const ItemCounts& it = snap.items[k];
        auto e = epfd_of.find(it.ep);
        out += std::string(k ? "," : "") + "{\"tgid\":" + std::to_string(it.tgid) +
               ",\"epfd\":" + std::to_string(e == epfd_of.end() ? -1 : e->second) +
               ",\"fd\":" + std::to_string(it.fd) + ",\"data\":" + num(it.data) +
               ",\"deliveries\":" + num(it.deliveries) + ",\"callbacks\":" +
               (seen.callbacks ? callbacks_json(it.callbacks) : std::string("null")) + "}";
    }
    return out + "]}\n";
}

}  // namespace epscope::cli
