// The findings engine: turns a stream of records into diagnoses of the traced
// event loops ("a thread polls with timeout 0 and gets nothing", "a one-shot
// item was never re-armed"), each with the evidence behind it. A RecordSink
// like the model, beside it: no libbpf, no GUI. Every rule is defined from what
// the kernel does (docs/FINDINGS.md) and fires only on what the backend
// recorded; what this backend cannot see is said as such (unjudged()), never
// reported as health.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stream/record.hpp"

namespace epscope::findings {

enum class Severity : std::uint8_t { Info = 0, Warning = 1, Error = 2 };
std::string_view severity_name(Severity s);  // "info", "warning", "error"
bool parse_severity(std::string_view text, Severity& out);

// The catalogue of issue 14, in its order. Kinds the engine does not check yet
// are listed by unjudged() with the reason.
enum class Kind : std::uint8_t {
    LoopBlocked,
    MaxeventsStarved,
    ThunderingHerd,
    SpuriousWakeups,
    BusyPolling,
    OneshotNotRearmed,
    LevelSpin,
    EdgeUndrained,
    ClosedFdRegistered,
    RegistrationChurn,
    UnbalancedPollers,
    OverflowPressure,
};
inline constexpr std::size_t kKinds = 12;
std::string_view kind_name(Kind k);  // "busy-polling", ...

// Every threshold, with its default and the reason for it in docs/FINDINGS.md.
// `epscope check` has one option per field.
struct Thresholds {
    // Event loop blocked: a turn (WAIT_END to the next WAIT_BEGIN of a thread)
    // this long while items it waits for sit queued.
    std::uint64_t blocked_turn_ns = 50'000'000;
    std::uint64_t blocked_error_ns = 1'000'000'000;  // a stall this long is an error
    // ... at least this many such turns (one can be the machine's doing: a
    // preempted thread, a VM's stolen time), unless one reaches blocked_error_ns.
    std::uint64_t blocked_min_stalls = 3;
    // Busy polling: empty timeout-0 waits of one thread, at least this many at
    // this rate, and this share of its timeout-0 waits.
    std::uint64_t busy_min_polls = 1000;
    double busy_min_rate = 1000;  // per second
    double busy_min_empty_share = 0.9;
    // One-shot never re-armed: disarmed at least this long.
    std::uint64_t oneshot_stuck_ns = 1'000'000'000;
    // Edge-triggered item left undrained: after partial reads, no new event
    // (callback, or delivery where callbacks are unseen) for this long.
    std::uint64_t edge_stall_ns = 1'000'000'000;
    // Thundering herd: callbacks that woke several waiters, at least this many.
    std::uint64_t herd_min_events = 10;
    // Spurious wakeups: woken waits that returned nothing: this many, this
    // share of the instance's wakeups.
    std::uint64_t spurious_min = 20;
    double spurious_min_share = 0.2;
    // Ready items starved by maxevents: full harvests with items left behind.
    std::uint64_t starved_min_harvests = 10;
    // Registration churn: epoll_ctl calls that change or undo a registration
    // (MOD, and DEL with the ADD it undoes: 2), per second and per delivered
    // event. A short connection costs an ADD and a DEL for at least one event
    // (2 per delivery): more than 3 is toggling masks or items per event.
    double churn_min_rate = 1000;
    double churn_min_per_delivery = 3;
    // Level-triggered spin: EPOLLOUT-only deliveries of one level-triggered
    // item, unchanged, this many at this rate.
    std::uint64_t spin_min_deliveries = 1000;
    double spin_min_rate = 100;
    // Overflow pressure: share of queueing callbacks that landed on the
    // overflow list, over at least overflow_min_callbacks.
    double overflow_min_share = 0.25;
    std::uint64_t overflow_min_callbacks = 100;
    // Unbalanced pollers: in one process, threads blocking in epoll_wait on
    // at least two instances, and one of them delivered this share of at
    // least unbalanced_min_deliveries events (a fair share is 1/threads:
    // 0.5 for two). A warning when that thread also spent this share of its
    // time outside epoll_wait (saturated while the others slept), else info.
    std::uint64_t unbalanced_min_deliveries = 1000;
    double unbalanced_min_share = 0.8;
    double unbalanced_busy_share = 0.5;
};

struct Options {
    Thresholds thresholds;
    // The backend's name from the trace header: "tracepoint" sees syscalls
    // only (no callbacks, wakeups, harvest ends or removals at file close).
    std::string backend;
    // The trace's event ABI (0: the current one). Before 4, close() of
    // registered fds was not recorded: closed-fd-registered is not judged;
    // before 5, reads were not (edge-undrained).
    std::uint32_t abi_version = 0;
    // The capture recorded reads (FD_READ); false where the plan left them out.
    bool reads_recorded = true;
    // Only events in [from_ns, to_ns] (relative to the first record) count; 0/0: all.
    std::uint64_t from_ns = 0;
    std::uint64_t to_ns = 0;
};

// One fact behind a finding: text with its figures, and where to find it.
struct Evidence {
    std::string text;
    std::uint64_t record = 0;  // 1-based, the line of `epscope dump` (0: none)
    std::uint64_t ts = 0;
};

struct Finding {
    Kind kind{};
    Severity severity = Severity::Warning;
    std::string title;
    std::uint32_t tgid = 0;
    std::string comm;
    std::uint64_t ep = 0;  // kernel address (0 on the tracepoint backend)
    std::int32_t epfd = -1;
    std::vector<std::int32_t> fds;  // items concerned
    std::vector<std::string> fd_names;
    std::vector<std::uint32_t> threads;
    std::uint64_t first_ts = 0, last_ts = 0;
    std::uint64_t count = 0;  // occurrences (stalls, empty polls, herds...)
    std::vector<Evidence> evidence;
    std::string confidence;  // what the backend could and could not see
    std::string advice;
};

struct Unjudged {
    Kind kind{};
    std::string reason;
};

class Engine : public stream::RecordSink {
public:
    explicit Engine(Options opts);
    ~Engine() override;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void on_record(const stream::Record& rec) override;
    // Ends open spans (disarmed items, bursts) at the last record and builds
    // the findings, worst first. Call once, after the last record.
    void finish();
    // Findings so far (finish() or snapshot()).
    const std::vector<Finding>& findings() const { return findings_; }
    // Builds the findings of the records so far without ending the stream
    // (`epscope live`); cheap enough once a second.
    const std::vector<Finding>& snapshot();
    const std::vector<Unjudged>& unjudged() const { return unjudged_; }
    std::uint64_t first_ts() const;
    std::uint64_t last_ts() const;
    std::uint64_t records() const;
    std::uint64_t lost() const;   // records the ring buffer dropped
    bool sees_callbacks() const;  // CALLBACK or WAKEUP records were seen

    // The state between records: internal to tracer/findings (engine_state.hpp).
    struct State;

private:
    std::unique_ptr<State> s_;
    Options opts_;
    std::vector<Finding> findings_;
    std::vector<Unjudged> unjudged_;
    void build();
    void build_unjudged(std::uint64_t unconfirmed_oneshots, std::uint64_t full_harvests,
                        std::uint64_t full_unwalked);
};

}  // namespace epscope::findings
