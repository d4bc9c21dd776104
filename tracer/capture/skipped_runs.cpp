#include "capture/skipped_runs.hpp"

#include <algorithm>
#include <utility>

namespace epscope::capture {
namespace {

std::uint64_t count_of(const std::vector<ProgramSkips>& reading, const std::string& program) {
    auto it = std::find_if(reading.begin(), reading.end(),
                           [&](const ProgramSkips& p) { return p.program == program; });
    return it == reading.end() ? 0 : it->runs;
}

// fentry/fexit and tp_btf programs guard recursion per program (prog->active).
bool trampoline_program(const std::string& program) {
    return program.starts_with("fentry_") || program.starts_with("fexit_") ||
           program.starts_with("tp_btf_");
}

}  // namespace

std::uint64_t total_runs(const std::vector<ProgramSkips>& reading) {
    std::uint64_t total = 0;
    for (const auto& p : reading) total += p.runs;
    return total;
}

SkippedRuns::SkippedRuns(std::vector<ProgramSkips> first)
    : first_(std::move(first)), last_(first_) {}

std::uint64_t SkippedRuns::update(const std::vector<ProgramSkips>& now) {
    const std::uint64_t before = total_runs(last_), after = total_runs(now);
    last_ = now;
    return after > before ? after - before : 0;
}

std::vector<ProgramSkips> SkippedRuns::since_first() const {
    std::vector<ProgramSkips> grown;
    for (const auto& p : last_) {
        const std::uint64_t base = count_of(first_, p.program);
        if (p.runs > base) grown.push_back({p.program, p.runs - base});
    }
    return grown;
}

std::string describe_skipped_runs(const std::vector<ProgramSkips>& skipped) {
    std::string line;
    bool trampoline = false, shared = false;
    for (const auto& p : skipped) {
        if (!p.runs) continue;
        line += (line.empty() ? "" : ", ") + p.program + " " + std::to_string(p.runs);
        (trampoline_program(p.program) ? trampoline : shared) = true;
    }
    if (line.empty()) return line;
    std::string why;
    if (shared) why = "another BPF program held this CPU";
    if (trampoline)
        why += std::string(why.empty() ? "" : "; ") +
               "fentry/fexit: the program itself was preempted mid-run on this CPU, try "
               "--backend kprobe";
    return "kernel skipped program runs: " + line + " (" + why + "; these records are lost)";
}

}  // namespace epscope::capture
