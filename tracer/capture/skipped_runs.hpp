// Program runs the kernel skipped (bpf_prog_info.recursion_misses), per
// program: each is a record or more never made. Counted here, named to the
// user at the end of a capture, so a loss says where it happened.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace epscope::capture {

// One loaded program's skipped runs, named as in the skeleton: `runs` the BPF
// side's (recursion_misses), `missed` its kprobe's (kprobe_profile: a kretprobe
// out of instances, a kprobe hit while another ran on that CPU).
struct ProgramSkips {
    std::string program;
    std::uint64_t runs = 0;
    std::uint64_t missed = 0;
    std::uint64_t total() const { return runs + missed; }
    bool operator==(const ProgramSkips&) const = default;
};

// The runs of a reading, all programs together.
std::uint64_t total_runs(const std::vector<ProgramSkips>& reading);

// What each program's count grew by since the first reading (the counters are
// the kernel's since load; a program's name may appear once per reading).
class SkippedRuns {
public:
    explicit SkippedRuns(std::vector<ProgramSkips> first);
    // Takes a new reading; returns the growth of the sum since the last one.
    std::uint64_t update(const std::vector<ProgramSkips>& now);
    // Programs whose count grew since the first reading, in reading order.
    std::vector<ProgramSkips> since_first() const;

private:
    std::vector<ProgramSkips> first_, last_;
};

// One line for stderr: "kernel skipped program runs: kprobe_ep_poll_callback 1,
// tp_sys_enter_close 2 (why; these records are lost)". Empty when nothing was
// skipped. The why depends on the programs' kinds: a trampoline program
// (fentry/fexit/tp_btf) is skipped only by its own run preempted on that CPU,
// a kprobe or classic tracepoint program by any BPF program holding the CPU's
// bpf_prog_active, and a kprobe's miss is the kprobe's own (machine-wide).
std::string describe_skipped_runs(const std::vector<ProgramSkips>& skipped);

}  // namespace epscope::capture
