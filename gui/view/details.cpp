#include "view/details.hpp"

#include <algorithm>
#include <cstdio>

#include "view/tree_layout.hpp"

namespace epscope::view {

std::string short_duration(std::uint64_t ns) {
    char buf[32];
    const double d = static_cast<double>(ns);
    if (ns >= 1'000'000'000) {
        std::snprintf(buf, sizeof buf, "%.3g s", d / 1e9);
    } else if (ns >= 1'000'000) {
        std::snprintf(buf, sizeof buf, "%.3g ms", d / 1e6);
    } else if (ns >= 1'000) {
        std::snprintf(buf, sizeof buf, "%.3g us", d / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%llu ns", static_cast<unsigned long long>(ns));
    }
    return buf;
}

const char* callback_outcome_name(std::size_t outcome) {
    static constexpr const char* kNames[model::kOutcomes] = {
        "queued ready",     "queued overflow", "already ready",
        "already overflow", "ignored (mask)",  "ignored (disarmed)"};
    return outcome < model::kOutcomes ? kNames[outcome] : "?";
}

namespace {

void outcome_counters(std::vector<Counter>& out,
                      const std::array<std::uint64_t, model::kOutcomes>& cb, bool seen) {
    std::uint64_t all = 0;
    for (std::uint64_t c : cb) all += c;
    out.push_back({"callbacks", all, seen});
    for (std::size_t o = 0; o < model::kOutcomes; ++o) {
        out.push_back({std::string("  ") + callback_outcome_name(o), cb[o], seen});
    }
}

}  // namespace

InstanceDetails instance_details(const model::Model& m, model::InstanceRef inst,
                                 const trace::Visibility& seen, std::size_t busiest) {
    InstanceDetails d;
    if (inst == model::kNil) return d;
    const model::Instance& in = m.instance(inst);
    const model::InstanceStats& s = in.stats;
    d.valid = true;
    d.not_seen = seen.not_seen();
    outcome_counters(d.counters, s.callbacks, seen.callbacks);
    d.counters.push_back({"deliveries", s.deliveries});
    d.counters.push_back({"harvests", s.harvests, seen.harvests});
    d.counters.push_back({"waits", s.waits});
    d.counters.push_back({"wakeups", s.wakeups, seen.wakeups});
    d.counters.push_back({"spurious wakeups", s.spurious_wakeups, seen.wakeups});
    d.counters.push_back({"herds", s.herds, seen.herds()});
    d.counters.push_back({"dropped unready", s.dropped_unready, seen.harvests});
    if (s.desyncs != 0) d.counters.push_back({"desyncs", s.desyncs});
    if (s.callbacks_after_close != 0)
        d.counters.push_back({"callbacks after close", s.callbacks_after_close});
    d.latency = histogram_bars(s.latency);
    d.latency_seen = seen.callbacks;
    d.callbacks_seen = seen.callbacks;
    d.wait_time = histogram_bars(s.wait_time);
    std::vector<ItemRank> all;
    for (model::ItemRef i : m.items_in_order(inst)) {
        const model::Item& it = m.item(i);
        ItemRank r{it.fd, it.file, it.stale(), 0, it.stats.deliveries};
        for (std::uint64_t c : it.stats.callbacks) r.callbacks += c;
        if (r.callbacks != 0 || r.deliveries != 0) all.push_back(r);
    }
    const std::size_t k = std::min(busiest, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(),
                      [](const ItemRank& a, const ItemRank& b) {
                          if (a.activity() != b.activity()) return a.activity() > b.activity();
                          return a.fd != b.fd ? a.fd < b.fd : a.stale < b.stale;
                      });
    all.resize(k);
    d.busiest = std::move(all);
    return d;
}

ItemDetails item_details(const model::Model& m, model::InstanceRef inst, std::int32_t fd,
                         const trace::Visibility& seen) {
    return item_details(m, inst, ItemSel{fd, 0, false}, seen);
}

ItemDetails item_details(const model::Model& m, model::InstanceRef inst, const ItemSel& sel,
                         const trace::Visibility& seen) {
    ItemDetails d;
    d.fd = sel.fd;
    d.not_seen = seen.not_seen();
    d.latency_seen = seen.callbacks;
    if (inst == model::kNil || sel.fd < 0) return d;
    for (model::ItemRef i : m.items_in_order(inst)) {
        const model::Item& it = m.item(i);
        if (!sel.matches(it)) continue;
        d.valid = true;
        d.stale = it.stale();
        d.label = item_label(m, instance_owner(m.instance(inst)), i);
        d.events = it.events;
        outcome_counters(d.counters, it.stats.callbacks, seen.callbacks);
        d.counters.push_back({"deliveries", it.stats.deliveries});
        d.counters.push_back({"spurious wakeups", it.stats.spurious_wakeups, seen.wakeups});
        d.counters.push_back({"herds", it.stats.herds, seen.herds()});
        d.latency = histogram_bars(it.stats.latency);
        break;
    }
    return d;
}

}  // namespace epscope::view
