// Kprobes and kretprobes made through tracefs's kprobe_events (the interface
// perf probe and libbpf's legacy path use) and attached to a BPF program by a
// perf event, instead of libbpf's default perf_kprobe PMU. Two things only
// this way offers on every kernel the tracer runs on (5.10 to 7.x):
//  - a kretprobe's instance count (maxactive). A thread holds one instance
//    from the function's call to its return, so a function threads sleep in
//    (epoll_wait) needs one per thread asleep there, machine-wide; the PMU
//    takes the kernel's default (max(10, 2 x CPUs)) and beyond it the kernel
//    runs nothing at the return and tells nobody (docs/KERNEL-NOTES.md);
//  - the count of runs the kernel missed, per probe, in kprobe_profile (a
//    kretprobe out of instances, a kprobe hit while another kprobe ran on that
//    CPU): read as lost records, so no loss is silent.
// Events live in the group "epscope", named after the owning process, so a
// crashed epscope's events are recognised and removed by the next one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

struct bpf_program;
struct bpf_link;

namespace epscope::capture {

inline constexpr const char* kKprobeGroup = "epscope";

// Does this tracefs root (the kernel description's, plan/probe.cpp, which
// mounts it when missing) take kprobe events from us?
bool takes_kprobe_events(const std::string& tracefs);

struct KprobeSpec {
    bool retprobe = false;
    std::string function;         // as in kallsyms, e.g. "ep_scan_ready_list.constprop.0"
    std::uint32_t maxactive = 0;  // kretprobe instances; 0: the kernel's default
};

// "e1234_7_do_epoll_wait": owner pid, a per-process index (one function may
// carry a kprobe and a kretprobe), the function (non [A-Za-z0-9_] as '_'),
// cut to the kernel's 63 characters.
std::string kprobe_event_name(pid_t owner, unsigned index, const std::string& function);
// The line written to kprobe_events: "r4096:epscope/NAME FUNCTION", "p:epscope/NAME FUNCTION".
std::string kprobe_event_definition(const std::string& name, const KprobeSpec& spec);
// The owner of one of our event names, or 0 when the name is not ours.
pid_t kprobe_event_owner(std::string_view name);
// Our group's event names in kprobe_events' text ("r4096:epscope/NAME FUNC" lines).
std::vector<std::string> our_kprobe_events(std::string_view kprobe_events);
// kprobe_profile's text ("  NAME HITS MISSED" lines) as name -> missed.
std::map<std::string, std::uint64_t> parse_kprobe_profile(std::string_view text);

// Removes the events of our group whose owner is no longer an epscope process
// (one killed before it could remove them), once per process. Best effort: an
// event still in use by another tool stays.
void remove_stale_kprobe_events(const std::string& tracefs);

// One event, created and attached at construction (throws CaptureError with
// one line), detached and removed at destruction.
class KprobeEvent {
public:
    KprobeEvent(const std::string& tracefs, bpf_program* prog, const KprobeSpec& spec);
    ~KprobeEvent();
    KprobeEvent(const KprobeEvent&) = delete;
    KprobeEvent& operator=(const KprobeEvent&) = delete;

    const std::string& name() const { return name_; }

private:
    std::string tracefs_, name_;
    bpf_link* link_ = nullptr;
};

// Missed runs of our events (kprobe_profile), by event name; empty if it
// cannot be read. One read of one file, for all probes.
std::map<std::string, std::uint64_t> read_kprobe_missed(const std::string& tracefs);

}  // namespace epscope::capture
