#include "view/counters.hpp"

#include <algorithm>

#include "view/search.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {

const char* counter_name(TrackCounter c) {
    switch (c) {
        case TrackCounter::Items:
            return "items";
        case TrackCounter::Ready:
            return "ready list";
        case TrackCounter::Waiters:
            return "waiters";
    }
    return "?";
}

CounterValues counters_of(const model::Model& m, model::InstanceRef inst) {
    const model::Instance& in = m.instance(inst);
    return {in.items, in.ready.count, static_cast<std::uint32_t>(in.waiters.size())};
}

namespace {

std::uint64_t bucket_activity(const CounterBucket& b) {
    if (!b.sampled) return 0;
    return std::uint64_t{b.max[static_cast<std::size_t>(TrackCounter::Ready)]} +
           b.max[static_cast<std::size_t>(TrackCounter::Waiters)];
}

CounterBucket merged(const CounterBucket& a, const CounterBucket& b) {
    if (!a.sampled) return b;
    if (!b.sampled) return a;
    CounterBucket m = b;
    for (std::size_t c = 0; c < kCounterCount; ++c) m.max[c] = std::max(a.max[c], b.max[c]);
    return m;
}

}  // namespace

void CounterIndex::fit(std::uint64_t ts) {
    if (!have_origin_) {
        origin_ = ts;
        have_origin_ = true;
    }
    while (ts >= origin_ && ts - origin_ >= bucket_ns_ * kBuckets) {
        for (CounterTrack& t : tracks_) {
            for (std::size_t i = 0; i < kBuckets / 2; ++i)
                t.buckets[i] = merged(t.buckets[2 * i], t.buckets[2 * i + 1]);
            std::fill(t.buckets.begin() + kBuckets / 2, t.buckets.end(), CounterBucket{});
            t.activity = counter_activity(t);
        }
        if (sampled_bucket_ != SIZE_MAX) sampled_bucket_ /= 2;
        bucket_ns_ *= 2;
    }
}

void CounterIndex::sample(const model::Model& m, std::uint64_t ts) {
    fit(ts);
    const std::size_t b =
        std::min<std::size_t>(ts > origin_ ? (ts - origin_) / bucket_ns_ : 0, kBuckets - 1);
    if (b == sampled_bucket_) return;
    sampled_bucket_ = b;
    for (model::InstanceRef ref : m.instances()) {
        const std::uint64_t serial = m.instance(ref).serial;
        auto [it, added] = by_serial_.try_emplace(serial, tracks_.size());
        if (added) {
            tracks_.emplace_back();
            tracks_.back().serial = serial;
            tracks_.back().buckets.resize(kBuckets);
        }
        CounterTrack& t = tracks_[it->second];
        if (!t.named) name(t, m, ref);
        CounterBucket& k = t.buckets[b];
        const CounterValues v = counters_of(m, ref);
        t.activity -= bucket_activity(k);
        for (std::size_t c = 0; c < kCounterCount; ++c)
            k.max[c] = k.sampled ? std::max(k.max[c], v[c]) : v[c];
        k.sampled = true;
        t.activity += bucket_activity(k);
        k.ts = ts;
        k.last = v;
    }
}

void CounterIndex::name(CounterTrack& t, const model::Model& m, model::InstanceRef ref) {
    const model::Instance& in = m.instance(ref);
    const std::uint32_t owner = instance_owner(in);
    auto p = m.processes().find(owner);
    const bool comm = p != m.processes().end() && !p->second.comm.empty();
    t.named = !in.fds.empty() && comm;
    t.name = instance_label(m, ref, owner);
    t.label = in.fds.empty() ? "instance " + std::to_string(in.serial)
                             : "epfd " + std::to_string(in.fds.front().fd);
    if (comm) t.label += " " + p->second.comm;
}

const CounterTrack* CounterIndex::track(std::uint64_t serial) const {
    auto it = by_serial_.find(serial);
    return it == by_serial_.end() ? nullptr : &tracks_[it->second];
}

namespace {

void put_step(std::vector<CounterStep>& out, float x0, float x1, std::uint32_t value) {
    if (x1 <= x0) x1 = x0 + 1;
    if (!out.empty() && out.back().value == value && x0 <= out.back().x1) {
        out.back().x1 = std::max(out.back().x1, x1);
        return;
    }
    out.push_back({x0, x1, value});
}

}  // namespace

std::vector<CounterStep> counter_steps(const CounterIndex& idx, const CounterTrack& t,
                                       TrackCounter c, const TimeWindow& w) {
    std::vector<CounterStep> out;
    const std::size_t k = static_cast<std::size_t>(c);
    const std::uint64_t o = idx.origin(), bn = idx.bucket_ns();
    std::size_t first = SIZE_MAX, last = 0;  // the track's sampled buckets
    for (std::size_t i = 0; i < t.buckets.size(); ++i) {
        if (!t.buckets[i].sampled) continue;
        first = std::min(first, i);
        last = i;
    }
    if (first == SIZE_MAX) return out;
    std::uint32_t level = 0;  // the last value before bucket i
    for (std::size_t i = first; i <= last; ++i) {
        const CounterBucket& b = t.buckets[i];
        const std::uint64_t start = o + i * bn, end = start + bn;
        if (end <= w.t0 || start > w.t1) {
            if (b.sampled) level = b.last[k];
            continue;
        }
        const float x0 = std::clamp(w.x_of(std::max(start, w.t0)), 0.0f, w.width);
        const float x1 = std::clamp(w.x_of(std::min(end, w.t1)), 0.0f, w.width);
        put_step(out, x0, x1, b.sampled ? b.max[k] : level);
        if (b.sampled) level = b.last[k];
    }
    return out;
}

std::uint64_t counter_activity(const CounterTrack& t) {
    std::uint64_t a = 0;
    for (const CounterBucket& b : t.buckets) a += bucket_activity(b);
    return a;
}

CounterTrackList counter_track_list(const CounterIndex& idx, std::uint64_t selected, bool collapsed,
                                    std::size_t limit) {
    CounterTrackList l;
    const std::vector<CounterTrack>& all = idx.tracks();
    l.total = all.size();
    l.collapsed = collapsed;
    l.folded = all.size() > limit;
    if (collapsed) return l;
    std::vector<std::size_t> pick;  // indices into `all`
    if (!l.folded) {
        for (std::size_t i = 0; i < all.size(); ++i) pick.push_back(i);
    } else {
        // The selected first, then by activity, then by first appearance.
        std::vector<std::pair<std::uint64_t, std::size_t>> rank;
        for (std::size_t i = 0; i < all.size(); ++i) {
            const std::uint64_t key =
                all[i].serial == selected && selected != 0 ? UINT64_MAX : all[i].activity;
            rank.push_back({key, i});
        }
        std::stable_sort(rank.begin(), rank.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (std::size_t k = 0; k < limit; ++k) pick.push_back(rank[k].second);
        std::sort(pick.begin(), pick.end());
    }
    for (std::size_t i : pick) l.shown.push_back(&all[i]);
    return l;
}

std::string counter_group_title(const CounterTrackList& l) {
    const std::string n = std::to_string(l.total) + (l.total == 1 ? " instance" : " instances");
    std::string s = l.collapsed ? "[+] counter tracks: " : "[-] counter tracks: ";
    if (l.collapsed) return s + n + " (click to show)";
    if (!l.folded) return s + n;
    return s + std::to_string(l.shown.size()) + " of " + n + " (" + std::to_string(l.elided()) +
           " elided: the selected and the busiest shown)";
}

}  // namespace epscope::view
