// From the engine's Aggs to findings: each rule's threshold test, its title,
// figures and advice (the catalogue's words, docs/FINDINGS.md), then the
// list of what this backend could not judge.
#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "findings/engine_state.hpp"

namespace epscope::findings {
namespace {

constexpr std::string_view kKindNames[kKinds] = {
    "loop-blocked",         "maxevents-starved",   "thundering-herd",    "spurious-wakeups",
    "busy-polling",         "oneshot-not-rearmed", "level-spin",         "edge-undrained",
    "closed-fd-registered", "registration-churn",  "unbalanced-pollers", "overflow-pressure"};

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
    char buf[256];
    std::snprintf(buf, sizeof buf, f, a, b, c);
    return buf;
}

// Over the span the events took (at least 1 ms, so a burst is not infinitely fast).
double per_second(std::uint64_t n, std::uint64_t span_ns) {
    return static_cast<double>(n) * 1e9 /
           static_cast<double>(std::max<std::uint64_t>(span_ns, 1'000'000));
}

struct Builder {
    Engine::State& s;
    const Options& o;
    std::vector<Finding>& out;

    // The instance under key: live, or the latest freed one that had it.
    const InstState* inst(std::uint64_t key) const {
        auto in = s.insts.find(key);
        if (in != s.insts.end()) return &in->second;
        for (auto r = s.retired.rbegin(); r != s.retired.rend(); ++r)
            if (r->key == key) return &*r;
        return nullptr;
    }

    Finding& make(Kind k, Severity sev, const InstState& in, const Agg& a) {
        Finding f;
        f.kind = k;
        f.severity = sev;
        f.tgid = in.tgid;
        auto c = s.comms.find(in.tgid);
        if (c != s.comms.end()) f.comm = c->second;
        f.ep = in.ep;
        f.epfd = in.epfd;
        f.fds = a.fds;
        f.fd_names = a.names;
        f.threads = a.threads;
        f.first_ts = a.first_ts;
        f.last_ts = a.last_ts;
        f.count = a.count;
        for (const auto& [metric, e] : a.top) f.evidence.push_back(e);
        if (!s.sees_callbacks && o.backend == "tracepoint")
            f.confidence = "the tracepoint backend sees syscalls only (no callbacks)";
        out.push_back(std::move(f));
        return out.back();
    }

    void blocked(const InstState& in) {
        const Agg& a = in.blocked;
        const bool error = a.worst >= o.thresholds.blocked_error_ns;
        if (!a.count || (a.count < o.thresholds.blocked_min_stalls && !error)) return;
        const auto sev = error ? Severity::Error : Severity::Warning;
        Finding& f = make(Kind::LoopBlocked, sev, in, a);
        f.title =
            fmt("Event loop blocked: %.0f turns longer than %.0f ms with items waiting (longest "
                "%.0f ms)",
                a.count, o.thresholds.blocked_turn_ns / 1e6, a.worst / 1e6);
        f.advice =
            "The thread's work between two epoll_wait calls delays every ready item of the "
            "instance: move slow work (disk, DNS, large computations) off the loop, or "
            "bound the work done per turn.";
    }

    void starved(const InstState& in) {
        const Agg& a = in.starved;
        if (a.count < o.thresholds.starved_min_harvests) return;
        Finding& f = make(Kind::MaxeventsStarved, Severity::Warning, in, a);
        f.title =
            fmt("Ready items starved by maxevents: %.0f full harvests left up to %.0f items "
                "on the ready list",
                a.count, a.worst);
        f.advice =
            "Each epoll_wait returned as many events as maxevents allows while more were "
            "ready: raise maxevents, or make sure the loop returns to epoll_wait promptly "
            "so the items left behind are not delayed.";
    }

    void spurious(const InstState& in) {
        const Agg& a = in.spurious;
        if (a.count < o.thresholds.spurious_min || !in.wakeups) return;
        const double share = static_cast<double>(a.count) / static_cast<double>(in.wakeups);
        if (share < o.thresholds.spurious_min_share) return;
        Finding& f = make(Kind::SpuriousWakeups, Severity::Warning, in, a);
        f.title = fmt("Spurious wakeups: %.0f of %.0f wakeups (%.0f%%) returned no event", a.count,
                      in.wakeups, share * 100);
        f.evidence.push_back({fmt("by cause: %.0f woken together with other waiters (herd), %.0f "
                                  "woken alone (the event was taken by another thread or was "
                                  "gone when re-polled)",
                                  in.spurious_herd, a.count - in.spurious_herd),
                              0, 0});
        f.advice =
            "A waiter woke, found nothing and went back to sleep: a context switch for "
            "nothing. With several threads on one instance, use one instance per thread or "
            "EPOLLEXCLUSIVE on shared files.";
    }

    void busy(std::uint32_t tid, const ThreadState& th) {
        if (th.zero_empty < o.thresholds.busy_min_polls) return;
        const std::uint64_t span = th.zero_last_ts - th.zero_first_ts;
        const double rate = per_second(th.zero_empty, span);
        const double share =
            static_cast<double>(th.zero_empty) / static_cast<double>(th.zero_polls);
        if (rate < o.thresholds.busy_min_rate || share < o.thresholds.busy_min_empty_share) return;
        const InstState* in = inst(th.zero_inst);
        if (!in) return;
        Agg a;
        a.add(th.zero_first_ts, 0,
              {fmt("%.0f epoll_wait calls with timeout 0 returned no event in %.2f s (%.0f/s)",
                   th.zero_empty, span / 1e9, rate) +
                   ", the first at record #" + std::to_string(th.zero_first_rec),
               th.zero_first_rec, th.zero_first_ts});
        a.last_ts = th.zero_last_ts;
        a.count = th.zero_empty;
        a.thread(tid);
        Finding& f = make(Kind::BusyPolling, Severity::Warning, *in, a);
        f.confidence.clear();  // syscalls are what every backend sees
        f.title =
            fmt("Busy polling: thread polls with timeout 0 at %.0f/s, %.0f%% of the calls empty",
                rate, share * 100);
        f.evidence.push_back(
            {fmt("%.0f of its %.0f timeout-0 calls returned nothing", th.zero_empty, th.zero_polls),
             0, 0});
        f.advice =
            "A zero timeout returns at once even when nothing is ready, so the thread spins "
            "on a CPU: give epoll_wait a timeout (-1, or until the next timer) and let the "
            "kernel wake it when an item becomes ready.";
    }

    void oneshot(const InstState& in, const InstState& open) {
        const Agg& a = open.oneshot;
        if (!a.count) return;
        Finding& f = make(Kind::OneshotNotRearmed, Severity::Warning, in, a);
        f.title =
            fmt("One-shot item never re-armed: %.0f disarmed items stayed so for up to %.1f s",
                a.count, a.worst / 1e9);
        f.confidence = s.sees_callbacks
                           ? "callbacks ignored as disarmed show that events kept arriving"
                           : "this backend sees no callbacks: fdinfo checkpoints show the items "
                             "registered and disarmed, not whether events arrived meanwhile";
        f.advice =
            "An EPOLLONESHOT item is disarmed by its delivery and stays silent until "
            "EPOLL_CTL_MOD re-arms it: re-arm it when the handler is done (or remove it "
            "with EPOLL_CTL_DEL when the connection ends).";
    }

    void spin(const InstState& in, const InstState& open) {
        const Agg& a = open.spin;
        if (!a.count) return;
        Finding& f = make(Kind::LevelSpin, Severity::Warning, in, a);
        f.confidence.clear();
        f.title =
            fmt("Level-triggered spin: items delivered EPOLLOUT only, up to %.0f times in a row",
                a.worst);
        f.advice =
            "A level-triggered EPOLLOUT item is ready whenever the socket can take data, so "
            "every epoll_wait returns it: ask for EPOLLOUT (EPOLL_CTL_MOD) only while there "
            "is something to write, or use EPOLLET.";
    }

    void edge(const InstState& in, const InstState& open) {
        const Agg& a = open.edge;
        if (!a.count) return;
        Finding& f = make(Kind::EdgeUndrained, Severity::Warning, in, a);
        f.title =
            fmt("Edge-triggered item left undrained: read short of EAGAIN, then no event for up to "
                "%.1f s (stalls: %.0f)",
                a.worst / 1e9, a.count);
        f.confidence =
            s.sees_callbacks
                ? "reads of the fd and callbacks are seen: data was left and no callback came"
                : "this backend sees no callbacks: the silence is measured until the item's next "
                  "delivery";
        f.confidence +=
            "; a read that exactly filled its buffer may have emptied the queue by chance";
        f.advice =
            "An EPOLLET item is queued only when new data arrives: read (or recv) until it "
            "returns EAGAIN before going back to epoll_wait, or keep a list of fds with data "
            "left and serve it with a zero timeout; or register the fd level-triggered.";
    }

    void churn(const InstState& in) {
        if (in.ctl_calls < o.thresholds.churn_min_rate) return;
        const double rate = per_second(in.ctl_calls, in.ctl_last_ts - in.ctl_first_ts);
        const double per = static_cast<double>(in.ctl_calls) /
                           static_cast<double>(std::max<std::uint64_t>(in.deliveries, 1));
        if (rate < o.thresholds.churn_min_rate || per < o.thresholds.churn_min_per_delivery) return;
        Agg a;
        a.add(in.ctl_first_ts, 0,
              {fmt("%.0f epoll_ctl calls changing or redoing registrations (MOD, and DEL "
                   "with the ADD after it) at %.0f/s for %.0f delivered events",
                   in.ctl_calls, rate, in.deliveries) +
                   ", the first at record #" + std::to_string(in.ctl_first_rec),
               in.ctl_first_rec, in.ctl_first_ts});
        a.count = in.ctl_calls;
        a.last_ts = in.ctl_last_ts;
        Finding& f = make(Kind::RegistrationChurn, Severity::Warning, in, a);
        f.confidence.clear();
        f.title =
            fmt("Registration churn: %.1f epoll_ctl calls per delivered event (%.0f/s)", per, rate);
        f.advice =
            "Each epoll_ctl takes the instance's mutex and walks its tree: keep items "
            "registered and change their mask only when it must change (HAProxy's "
            "speculative epoll), rather than adding and removing per event.";
    }

    void overflow(const InstState& in) {
        if (in.cb_queued < o.thresholds.overflow_min_callbacks) return;
        const double share =
            static_cast<double>(in.cb_overflow) / static_cast<double>(in.cb_queued);
        if (share < o.thresholds.overflow_min_share) return;
        Agg a = in.overflow;
        a.count = in.cb_overflow;
        Finding& f = make(Kind::OverflowPressure, Severity::Info, in, a);
        f.title =
            fmt("Overflow pressure: %.0f%% of queueing callbacks (%.0f of %.0f) landed on the "
                "overflow list",
                share * 100, in.cb_overflow, in.cb_queued);
        f.evidence.push_back(
            {fmt("%.0f harvests, mean %.1f us, longest %.1f us", in.harvests,
                 in.harvests ? in.harvest_ns_sum / 1e3 / in.harvests : 0, in.harvest_ns_max / 1e3),
             0, 0});
        f.advice =
            "Callbacks that arrive while a harvest copies events out are chained on the "
            "overflow list and requeued when it ends: harmless, but a sign of long harvests "
            "(large maxevents, slow user buffers) under a high event rate.";
    }

    void closed_fd(const StaleState& st) {
        const std::uint64_t events = st.callbacks + st.deliveries;
        if (!events) return;
        const InstState* in = inst(st.inst);
        if (!in) return;
        const std::string fd = "fd " + std::to_string(st.fd);
        const std::string named = st.name.empty() ? "" : " (" + st.name + ")";
        Agg a;
        a.add(st.closed_ts, events,
              {fd + named + " was closed at record #" + std::to_string(st.closed_rec) +
                   " while its file stayed open elsewhere (a dup, a child or a passed copy "
                   "holds it): its item stayed registered" +
                   (st.ended ? " until the file's last close" : ""),
               st.closed_rec, st.closed_ts});
        a.add(st.first_ts, 0,
              {fmt("%.0f callbacks and %.0f deliveries for it after the close", st.callbacks,
                   st.deliveries) +
                   ", the first at record #" + std::to_string(st.first_rec) + ", the last at #" +
                   std::to_string(st.last_rec),
               st.first_rec, st.first_ts});
        a.count = events;
        a.first_ts = st.first_ts;
        a.last_ts = st.last_ts;
        a.fd(st.fd, st.name);
        Finding& f = make(Kind::ClosedFdRegistered, Severity::Warning, *in, a);
        const auto now =
            s.fd_names.find((std::uint64_t{st.tgid} << 32) | static_cast<std::uint32_t>(st.fd));
        if (now != s.fd_names.end() && !now->second.empty() && now->second != st.name)
            f.evidence.push_back({fd + " now names " + now->second +
                                      ": the events come under a number the program uses for "
                                      "another file",
                                  0, 0});
        f.title =
            fmt("Closed fd still registered: fd %.0f closed with its file open elsewhere, "
                "%.0f events for it after",
                st.fd, events);
        f.confidence.clear();
        if (!s.sees_callbacks)
            f.confidence =
                "this backend sees deliveries, not callbacks: events that arrived "
                "without being delivered are not counted";
        if (st.data_shared)
            f.confidence += std::string(f.confidence.empty() ? "" : "; ") +
                            "the number's new item has the same data, so its deliveries are not "
                            "counted here";
        f.advice =
            "epoll keys an item by file and fd, and close() removes it only when the file's "
            "last reference goes: call EPOLL_CTL_DEL before close() whenever the file may be "
            "open elsewhere (dup, fork, SCM_RIGHTS), or the loop keeps getting events for an "
            "fd it no longer owns, under a number that may now name another file.";
    }

    // One process's threads that blocked in epoll_wait (its pollers): the
    // busiest one's share of their deliveries, and of its own time at work.
    using Poller = std::pair<std::uint32_t, const ThreadState*>;
    void unbalanced(std::vector<Poller> ps) {
        std::vector<std::uint64_t> insts;
        std::uint64_t total = 0;
        for (const auto& [tid, th] : ps) {
            total += th->delivered;
            if (std::find(insts.begin(), insts.end(), th->inst) == insts.end())
                insts.push_back(th->inst);
        }
        const auto& t = o.thresholds;
        if (ps.size() < 2 || insts.size() < 2 || total < t.unbalanced_min_deliveries) return;
        std::sort(ps.begin(), ps.end(), [](const Poller& a, const Poller& b) {
            return a.second->delivered != b.second->delivered
                       ? a.second->delivered > b.second->delivered
                       : a.first < b.first;
        });
        const ThreadState& top = *ps.front().second;
        const double share = static_cast<double>(top.delivered) / static_cast<double>(total);
        const InstState* in = inst(top.inst);
        if (share < t.unbalanced_min_share || !in) return;
        const double busy = busy_share(top);
        Agg a;
        for (const auto& [tid, th] : ps) {
            a.thread(tid);
            a.first_ts = a.first_ts ? std::min(a.first_ts, th->first_wait_ts) : th->first_wait_ts;
            a.last_ts = std::max(a.last_ts, th->last_end_ts);
            if (a.top.size() < Agg::kTop)
                a.top.push_back({th->delivered, poller_evidence(tid, *th, total)});
        }
        a.count = top.delivered;
        const auto sev = busy >= t.unbalanced_busy_share ? Severity::Warning : Severity::Info;
        Finding& f = make(Kind::UnbalancedPollers, sev, *in, a);
        f.confidence.clear();  // syscalls are what every backend sees
        f.title =
            fmt("Unbalanced pollers: one of %.0f threads delivered %.0f%% of the events, "
                "outside epoll_wait %.0f%% of its time",
                ps.size(), share * 100, busy * 100);
        if (ps.size() > Agg::kTop)
            f.evidence.push_back(
                {fmt("%.0f more pollers, %.0f events in all", ps.size() - Agg::kTop, total), 0, 0});
        f.advice =
            "The other threads sleep while this one works through the events: spread the "
            "connections over the instances (accept in each thread with SO_REUSEPORT, or hand "
            "new connections out round-robin); EPOLLEXCLUSIVE on a shared listener favours "
            "the first idle waiter.";
    }

    static double busy_share(const ThreadState& th) {
        const std::uint64_t span = th.last_end_ts - th.first_wait_ts;
        if (!span) return 0;
        return 1.0 - static_cast<double>(std::min(th.wait_ns, span)) / static_cast<double>(span);
    }

    static Evidence poller_evidence(std::uint32_t tid, const ThreadState& th, std::uint64_t total) {
        const double pct = 100.0 * static_cast<double>(th.delivered) /
                           static_cast<double>(std::max<std::uint64_t>(total, 1));
        return {"thread " + std::to_string(tid) + " (epfd " + std::to_string(th.epfd) + "): " +
                    fmt("%.0f events (%.0f%%) in %.0f blocking waits", th.delivered, pct,
                        th.blocking_waits) +
                    fmt(", outside epoll_wait %.0f%% of its time", busy_share(th) * 100) +
                    ", first wait at record #" + std::to_string(th.first_wait_rec),
                th.first_wait_rec, th.first_wait_ts};
    }

    void herd(const HerdAgg& h) {
        if (h.agg.count < o.thresholds.herd_min_events || h.insts.empty()) return;
        const InstState* in = inst(h.insts.front());
        if (!in) return;
        Finding& f = make(Kind::ThunderingHerd, Severity::Warning, *in, h.agg);
        const std::uint64_t span = h.agg.last_ts - h.agg.first_ts;
        f.title = fmt("Thundering herd: %.0f wakeups each woke several waiters (%.0f wasted/s)",
                      h.agg.count, per_second(h.wasted, span));
        f.evidence.push_back(
            {fmt("%.0f waiters woken in %.0f instances; %.0f of them returned no event", h.woken,
                 h.insts.size(), h.wasted),
             0, 0});
        f.advice = h.exclusive
                       ? std::string(
                             "Several waiters share one instance: give each thread its own "
                             "instance (the mpoller shape).")
                       : std::string(
                             "Register the shared file with EPOLLEXCLUSIVE in each instance, "
                             "or give each thread its own instance and listener "
                             "(SO_REUSEPORT).");
    }
};

}  // namespace

std::string_view kind_name(Kind k) { return kKindNames[static_cast<std::size_t>(k)]; }

std::string_view severity_name(Severity s) {
    switch (s) {
        case Severity::Info:
            return "info";
        case Severity::Warning:
            return "warning";
        case Severity::Error:
            return "error";
    }
    return "?";
}

bool parse_severity(std::string_view text, Severity& out) {
    for (auto s : {Severity::Info, Severity::Warning, Severity::Error})
        if (text == severity_name(s)) {
            out = s;
            return true;
        }
    return false;
}

void Engine::finish() {
    close_bursts(*s_, opts_);
    build();
}
const std::vector<Finding>& Engine::snapshot() {
    build();
    return findings_;
}

void Engine::build() {
    State& s = *s_;
    findings_.clear();
    Builder b{s, opts_, findings_};
    std::uint64_t unconfirmed = 0, full_harvests = 0, full_unwalked = 0;
    auto judge = [&](const InstState& in) {
        const InstState open = open_episodes(s, opts_, in);
        unconfirmed += open.oneshot_unconfirmed;
        full_harvests += in.full_harvests;
        full_unwalked += in.full_unwalked;
        b.blocked(in);
        b.starved(in);
        b.spurious(in);
        b.oneshot(in, open);
        b.spin(in, open);
        b.edge(in, open);
        b.churn(in);
        b.overflow(in);
    };
    for (const auto& [key, in] : s.insts) judge(in);
    for (const auto& in : s.retired) judge(in);
    for (const auto& [tid, th] : s.threads) b.busy(tid, th);
    for (const auto& [file, h] : s.herds) b.herd(h);
    for (const auto& st : s.stale) b.closed_fd(st);
    std::unordered_map<std::uint32_t, std::vector<Builder::Poller>> pollers;
    for (const auto& [tid, th] : s.threads)
        if (th.blocking_waits) pollers[th.tgid].push_back({tid, &th});
    for (auto& [tgid, ps] : pollers) b.unbalanced(std::move(ps));
    std::stable_sort(findings_.begin(), findings_.end(), [](const Finding& x, const Finding& y) {
        if (x.severity != y.severity) return x.severity > y.severity;
        if (x.count != y.count) return x.count > y.count;
        return x.first_ts < y.first_ts;
    });
    build_unjudged(unconfirmed, full_harvests, full_unwalked);
}

void Engine::build_unjudged(std::uint64_t unconfirmed, std::uint64_t full_harvests,
                            std::uint64_t full_unwalked) {
    const State& s = *s_;
    unjudged_.clear();
    if (!s.sees_callbacks) {
        const std::string why = "the " +
                                (opts_.backend.empty() ? std::string("recording") : opts_.backend) +
                                " backend records no callbacks or wakeups";
        unjudged_.push_back(
            {Kind::LoopBlocked, why + ": items waiting on the ready list are not seen"});
        unjudged_.push_back(
            {Kind::MaxeventsStarved,
             why + (full_harvests ? ": " + std::to_string(full_harvests) +
                                        " epoll_wait calls returned maxevents; whether items were "
                                        "left on the ready list is not seen"
                                  : std::string(": items left on the ready list are not seen"))});
        unjudged_.push_back({Kind::ThunderingHerd, why});
        unjudged_.push_back({Kind::SpuriousWakeups, why});
        unjudged_.push_back({Kind::OverflowPressure, why});
        if (unconfirmed)
            unjudged_.push_back(
                {Kind::OneshotNotRearmed,
                 std::to_string(unconfirmed) +
                     " one-shot items stayed disarmed longer than the threshold, and this backend "
                     "cannot tell whether their fds were closed: record with --verify (fdinfo "
                     "checkpoints show them still registered)"});
    }
    // A kernel backend counts the ready list after a harvest by walking it,
    // which `record --verify` turns on: without it full harvests say nothing.
    if (s.sees_callbacks && full_unwalked)
        unjudged_.push_back({Kind::MaxeventsStarved,
                             std::to_string(full_unwalked) +
                                 " epoll_wait calls returned maxevents and the ready list after "
                                 "them was not walked: record with --verify to see the items "
                                 "left behind"});
    if (opts_.abi_version != 0 && opts_.abi_version < 5)
        unjudged_.push_back(
            {Kind::EdgeUndrained, "the trace's event ABI " + std::to_string(opts_.abi_version) +
                                      " predates the records of reads: record it again"});
    else if (!opts_.reads_recorded)
        unjudged_.push_back({Kind::EdgeUndrained,
                             "reads were not recorded on this kernel (its syscall tracepoint "
                             "programs can be preempted: `epscope doctor` says why)"});
    if (opts_.abi_version != 0 && opts_.abi_version < 4)
        unjudged_.push_back({Kind::ClosedFdRegistered,
                             "the trace's event ABI " + std::to_string(opts_.abi_version) +
                                 " predates the records of close(): record it again"});
}

}  // namespace epscope::findings
