#include "stat/window_stat.hpp"

#include <algorithm>
#include <cstring>

#include "findings/findings.hpp"
#include "stream/abi.hpp"
#include "stream/record_text.hpp"

namespace epscope::stat {

namespace {

// What a histogram counted since `base` was taken from it. Percentiles are
// interpolated from bucket counts alone, so one duration per count at the
// bucket's lower bound gives the window's percentiles exactly (not its sum).
model::WideHistogram since(const model::WideHistogram& now, const model::WideHistogram& base) {
    model::WideHistogram out;
    for (std::size_t b = 0; b < model::WideHistogram::buckets(); ++b) {
        const std::uint64_t lower = b == 0 ? 0 : model::WideHistogram::upper_bound(b - 1);
        for (std::uint32_t n = now.count(b) - base.count(b); n > 0; --n) out.add(lower);
    }
    return out;
}

}  // namespace

model::InstanceStats since(const model::InstanceStats& now, const model::InstanceStats& base) {
    model::InstanceStats d = now;
    for (std::size_t o = 0; o < model::kOutcomes; ++o) d.callbacks[o] -= base.callbacks[o];
    d.deliveries -= base.deliveries;
    d.harvests -= base.harvests;
    d.waits -= base.waits;
    d.wakeups -= base.wakeups;
    d.spurious_wakeups -= base.spurious_wakeups;
    d.herds -= base.herds;
    d.dropped_unready -= base.dropped_unready;
    d.unexplained_deliveries -= base.unexplained_deliveries;
    d.desyncs -= base.desyncs;
    d.callbacks_after_close -= base.callbacks_after_close;
    d.latency = since(now.latency, base.latency);
    d.wait_time = since(now.wait_time, base.wait_time);
    return d;
}

void StatCollector::on_record(const stream::Record& rec) {
    stream::name_addresses(rec, ids_);  // ids in first-seen order, as dump's
    if (first_ts_ == 0) first_ts_ = rec.header().ts;
    last_ts_ = std::max<std::uint64_t>(last_ts_, rec.header().ts);
    if (findings_) findings_->on_record(rec);  // the engine has its own window
    if (rec.header().ts > window_.to) return;  // the state at the window's end
    if (!opened_ && rec.header().ts >= window_.from) open_window();
    activity_ |= abi::is_epoll_activity(rec.kind());
    if (rec.kind() == EP_KIND_PROCESS) {
        const auto& p = rec.as<ep_process>();
        comms_[p.h.tgid] = std::string(p.comm, strnlen(p.comm, sizeof(p.comm)));
    }
    if (rec.kind() == EP_KIND_ITEM_REMOVE || rec.kind() == EP_KIND_FD_CLOSE ||
        rec.kind() == EP_KIND_INSTANCE_FREE || rec.kind() == EP_KIND_PROCESS)
        note_stale();  // before the record may remove them
    if (rec.kind() == EP_KIND_INSTANCE_FREE) {
        auto ref = model_.find_instance(rec.as<ep_instance_free>().ep);
        if (ref != model::kNil) summarise(ref, true);
    } else if (rec.kind() == EP_KIND_PROCESS && rec.as<ep_process>().what == EP_PROC_EXIT) {
        for (auto ref : model_.instances()) summarise(ref, false);
    }
    model_.on_record(rec);
}

void StatCollector::finish() {
    model_.flush_all_deferred();
    note_stale();
    for (auto& [serial, s] : summaries_)
        for (StaleSummary& st : s.stale) st.removed = true;
    for (auto ref : model_.instances()) summarise(ref, false);
}

void StatCollector::note_stale() {
    for (model::ItemRef i : model_.stale_items()) {
        const model::Item& x = model_.item(i);
        const model::Instance& in = model_.instance(x.instance);
        const model::StaleItem* st = model_.stale_item(i);
        StaleSummary s{x.fd,
                       x.file,
                       st->closed_ts,
                       std::string(model_.item_fd_name(0, i)),
                       0,
                       x.stats.deliveries,
                       false};
        for (auto c : x.stats.callbacks) s.callbacks += c;
        auto& list = summaries_[in.serial].stale;
        auto same = std::find_if(list.begin(), list.end(), [&](const StaleSummary& o) {
            return o.fd == s.fd && o.file == s.file && o.closed_ts == s.closed_ts;
        });
        if (same == list.end()) {
            list.push_back(std::move(s));
        } else {
            *same = std::move(s);
        }
    }
}

void StatCollector::open_window() {
    opened_ = true;
    for (auto ref : model_.instances())
        baseline_[model_.instance(ref).serial] = model_.instance(ref).stats;
}

void StatCollector::summarise(model::InstanceRef ref, bool freed) {
    if (!opened_) return;  // gone before the window
    const auto& in = model_.instance(ref);
    InstanceSummary s;
    s.ep = in.ep;
    s.tgid = in.fds.empty() ? in.creator_tgid : in.fds.front().tgid;
    for (const auto& f : in.fds) s.epfds.push_back(f.fd);
    s.items = in.items;
    s.ready = in.ready.count;
    s.waiters = static_cast<std::uint32_t>(in.waiters.size());
    s.freed = freed;
    auto base = baseline_.find(in.serial);
    s.stats = base == baseline_.end() ? in.stats : since(in.stats, base->second);
    // Keyed by the model's serial: a later instance can reuse the same
    // address, and instances known only by fd (snapshots, tracepoints)
    // have none.
    InstanceSummary& kept = summaries_[in.serial];
    // The fds that reached it at any summary: at the end of a process
    // they are gone from the model, not from the story.
    std::vector<std::int32_t> fds = kept.epfds;
    for (auto fd : s.epfds)
        if (std::find(fds.begin(), fds.end(), fd) == fds.end()) fds.push_back(fd);
    s.epfds = std::move(fds);
    if (in.fds.empty() && kept.tgid != 0) s.tgid = kept.tgid;
    // Stale items still in the model now are not removed (finish() said
    // all were, before this last look).
    for (StaleSummary& st : kept.stale)
        for (model::ItemRef i : model_.stale_items())
            if (model_.item(i).instance == ref && model_.item(i).fd == st.fd &&
                model_.item(i).file == st.file)
                st.removed = false;
    s.stale = std::move(kept.stale);
    kept = s;
}

}  // namespace epscope::stat
