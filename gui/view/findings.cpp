#include "view/findings.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "findings/header_options.hpp"
#include "view/replay.hpp"

namespace epscope::view {
namespace {

// "+1.002345 s" after the first record.
std::string rel_text(std::uint64_t ts, std::uint64_t t0) {
    char buf[40];
    const std::uint64_t ns = ts > t0 ? ts - t0 : 0;
    std::snprintf(buf, sizeof buf, "+%llu.%06llu s",
                  static_cast<unsigned long long>(ns / 1'000'000'000),
                  static_cast<unsigned long long>(ns % 1'000'000'000 / 1000));
    return buf;
}

// Snapshots of a live stream's findings: at most this often (wall time), as
// `epscope live` does.
constexpr double kLiveSnapshotS = 1.0;

}  // namespace

void FindingsRun::reset(const Replay& r) {
    engine_ = std::make_unique<findings::Engine>(findings::options_for(r.header()));
    replay_ = &r;
    first_ts_ = r.first_ts();
    fed_ = 0;
    finished_ = false;
    snapshot_at_ = {};  // the first snapshot comes at once
    findings_.clear();
    unjudged_.clear();
    ++generation_;
}

void FindingsRun::publish() {
    findings_ = engine_->findings();
    unjudged_ = engine_->unjudged();
    ++generation_;
}

bool FindingsRun::done(const Replay& r) const {
    return engine_ != nullptr && replay_ == &r && fed_ == r.record_count() &&
           (finished_ || r.live());
}

void FindingsRun::advance(const Replay& r, double budget_s) {
    // A live stream that restarted holds other records than the engine saw.
    if (engine_ == nullptr || replay_ != &r || r.record_count() < fed_ ||
        (fed_ != 0 && r.first_ts() != first_ts_))
        reset(r);
    if (finished_) return;
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const std::size_t n = r.record_count();
    // Read the clock every so many records: a record costs well under a microsecond.
    constexpr std::size_t kBatch = 2048;
    // At least one batch a call: judging always advances.
    while (fed_ < n) {
        const std::size_t end = std::min(n, fed_ + kBatch);
        for (; fed_ < end; ++fed_) engine_->on_record(r.record(fed_));
        if (budget_s >= 0 &&
            std::chrono::duration<double>(Clock::now() - start).count() >= budget_s)
            break;
    }
    if (fed_ < n) return;
    if (!r.live()) {
        engine_->finish();
        finished_ = true;
        publish();
        return;
    }
    const auto now = Clock::now();
    if (std::chrono::duration<double>(now - snapshot_at_).count() < kLiveSnapshotS) return;
    snapshot_at_ = now;
    engine_->snapshot();
    publish();
}

FindingRow finding_row(const findings::Finding& f, std::uint64_t t0) {
    FindingRow row;
    row.severity = std::string(findings::severity_name(f.severity));
    row.title = f.title;
    row.who = "pid " + std::to_string(f.tgid) + (f.comm.empty() ? "" : " " + f.comm);
    if (f.epfd >= 0) row.who += ", epfd " + std::to_string(f.epfd);
    for (std::size_t i = 0; i < f.fds.size(); ++i) {
        row.who +=
            (i == 0 ? (f.fds.size() == 1 ? ", fd " : ", fds ") : ", ") + std::to_string(f.fds[i]);
        if (i < f.fd_names.size() && !f.fd_names[i].empty()) row.who += " (" + f.fd_names[i] + ")";
    }
    for (std::size_t i = 0; i < f.threads.size(); ++i)
        row.who += (i == 0 ? ", tid " : ", ") + std::to_string(f.threads[i]);
    row.when = rel_text(f.first_ts, t0);
    if (f.last_ts > f.first_ts) row.when += " .. " + rel_text(f.last_ts, t0);
    row.when += ", " + std::to_string(f.count) + (f.count == 1 ? " time" : " times");
    for (const findings::Evidence& e : f.evidence) {
        // The text names its records (as `epscope dump` numbers them).
        row.evidence.push_back((e.ts != 0 ? rel_text(e.ts, t0) + ": " : "") + e.text);
    }
    row.confidence = f.confidence;
    row.advice = f.advice;
    return row;
}

FindingJump finding_jump(const Replay& r, const findings::Finding& f) {
    FindingJump j;
    std::uint64_t first = 0;  // the earliest evidence record (1-based)
    for (const findings::Evidence& e : f.evidence) {
        if (e.record != 0 && (first == 0 || e.record < first)) first = e.record;
    }
    const std::uint64_t ts =
        first != 0 && first <= r.record_count() ? r.record(first - 1).header().ts : f.first_ts;
    j.rel_ns = ts > r.first_ts() ? ts - r.first_ts() : 0;
    if (!f.fds.empty()) j.fd = f.fds.front();
    return j;
}

model::InstanceRef finding_instance(const model::Model& m, const findings::Finding& f) {
    // The kernel backends name the instance by address; the tracepoint one by
    // its process and epfd only.
    if (f.ep != 0) {
        const model::InstanceRef i = m.find_instance(f.ep);
        if (i != model::kNil) return i;
    }
    return f.epfd >= 0 ? m.find_instance_by_fd(f.tgid, f.epfd) : model::kNil;
}

}  // namespace epscope::view
