#include "cli/counting_view.hpp"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

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

using Json = nlohmann::ordered_json;

Json hist_json(const CountHistogram& h) {
    return {{"count", h.count}, {"sum_ns", h.sum_ns}, {"log2_buckets", h.buckets}};
}

Json callbacks_json(const std::array<std::uint64_t, EP_COUNT_OUTCOMES>& cbs) {
    Json out = Json::object();
    for (std::size_t o = 0; o < cbs.size(); ++o)
        out[stream::callback_outcome_name(static_cast<std::uint32_t>(o))] = cbs[o];
    return out;
}

// What the backend cannot see is null, never zero.
Json seen_or_null(bool seen, Json v) { return seen ? std::move(v) : Json(nullptr); }

Json instance_json(const InstanceCounts& c, const CountingVisibility& seen) {
    return {{"epfd", c.epfd},
            {"ctl_add", c.ctl_add},
            {"ctl_mod", c.ctl_mod},
            {"ctl_del", c.ctl_del},
            {"ctl_failed", c.ctl_failed},
            {"waits", c.waits},
            {"waits_slept", seen_or_null(seen.sleeps, c.waits_slept)},
            {"timeouts", c.timeouts},
            {"wait_errors", c.wait_errors},
            {"deliveries", c.deliveries},
            {"harvests", seen_or_null(seen.harvests, c.harvests)},
            {"wakeups", seen_or_null(seen.wakeups, c.wakeups)},
            {"callbacks", seen_or_null(seen.callbacks, callbacks_json(c.callbacks))},
            {"wait_time", hist_json(c.wait_time)},
            {"latency", seen_or_null(seen.callbacks, hist_json(c.latency))}};
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
    if (snap.skipped_runs)
        out += "program runs skipped by the kernel: " + std::to_string(snap.skipped_runs) +
               " (the calls they would have counted are missing; `epscope doctor` says why "
               "on this kernel)\n";
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
    Json processes = Json::array();
    for (const auto& p : snap.processes) {
        Json instances = Json::array();
        for (std::size_t i : p.instances)
            instances.push_back(instance_json(snap.instances[i], seen));
        processes.push_back({{"tgid", p.tgid},
                             {"comm", p.comm},
                             {"total", instance_json(p.total, seen)},
                             {"instances", std::move(instances)}});
    }
    Json items = Json::array();
    for (const ItemCounts& it : snap.items) {
        auto e = epfd_of.find(it.ep);
        items.push_back(
            {{"tgid", it.tgid},
             {"epfd", e == epfd_of.end() ? -1 : e->second},
             {"fd", it.fd},
             {"data", it.data},
             {"deliveries", it.deliveries},
             {"callbacks", seen_or_null(seen.callbacks, callbacks_json(it.callbacks))}});
    }
    const Json out = {{"backend", info.backend},
                      {"unseen", seen.unseen()},
                      {"instances_evicted", snap.instances_evicted},
                      {"items_evicted", snap.items_evicted},
                      {"failed_updates", snap.failed_updates},
                      {"skipped_runs", snap.skipped_runs},
                      {"processes", std::move(processes)},
                      {"items", std::move(items)}};
    return stream::json_text(out) + "\n";
}

}  // namespace epscope::cli
