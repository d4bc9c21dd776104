// The Findings window's view-model: the findings engine (tracer/findings, the
// one `epscope check` runs) fed the replay's records a frame's budget at a
// time, so a long trace is judged without stalling the window; the rows the
// window lists; and where a click on a finding takes the user (its instance,
// its first item, its first evidence record).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "findings/findings.hpp"
#include "model/model.hpp"

namespace epscope::view {

class Replay;

class FindingsRun {
public:
    // Feeds the records the engine has not seen for at most `budget_s`
    // seconds (a negative budget: all of them). A file's findings are built
    // once its last record is in; a live stream's at most once a second of
    // wall time. A stream that restarted is judged anew.
    void advance(const Replay& r, double budget_s);
    // Every record of the replay was judged (a live stream: so far).
    bool done(const Replay& r) const;
    std::size_t judged() const { return fed_; }
    const std::vector<findings::Finding>& findings() const { return findings_; }
    const std::vector<findings::Unjudged>& unjudged() const { return unjudged_; }
    // Bumped whenever findings() changes (the window keeps its selection by it).
    std::uint64_t generation() const { return generation_; }

private:
    void reset(const Replay& r);
    void publish();
    std::unique_ptr<findings::Engine> engine_;
    const Replay* replay_ = nullptr;
    std::uint64_t first_ts_ = 0;
    std::size_t fed_ = 0;
    bool finished_ = false;
    std::chrono::steady_clock::time_point snapshot_at_{};  // a live stream's last snapshot
    std::vector<findings::Finding> findings_;
    std::vector<findings::Unjudged> unjudged_;
    std::uint64_t generation_ = 0;
};

// A finding as the window lists it.
struct FindingRow {
    std::string severity;  // "error", "warning", "info"
    std::string title;
    std::string who;                    // "pid 12 poller, epfd 3, fd 7 (127.0.0.1:80), tid 13"
    std::string when;                   // "+1.002 s .. +3.004 s, 4 times"
    std::vector<std::string> evidence;  // "+1.002000 s: fd 7 disarmed by ... record 14 ..."
    std::string confidence;
    std::string advice;
};
// `t0`: the trace's first record time (times are written relative to it, as
// the timeline's are).
FindingRow finding_row(const findings::Finding& f, std::uint64_t t0);

// Where a click on finding `f` goes: the cursor to its first evidence record
// (the earliest; its first time when it has none), its instance and item.
struct FindingJump {
    std::uint64_t rel_ns = 0;  // cursor, ns after the first record
    std::int32_t fd = -1;      // the first item concerned, -1: none
};
FindingJump finding_jump(const Replay& r, const findings::Finding& f);
// The finding's instance in the model at the cursor (kNil: not live there).
model::InstanceRef finding_instance(const model::Model& m, const findings::Finding& f);

}  // namespace epscope::view
