#include "capture/skipped_runs.hpp"

#include <algorithm>
#include <utility>

namespace epscope::capture {
namespace {

ProgramSkips count_of(const std::vector<ProgramSkips>& reading, const std::string& program) {
    auto it = std::find_if(reading.begin(), reading.end(),
                           [&](const ProgramSkips& p) { return p.program == program; });
    return it == reading.end() ? ProgramSkips{program} : *it;
}

std::uint64_t growth(std::uint64_t now, std::uint64_t base) { return now > base ? now - base : 0; }

// fentry/fexit and tp_btf programs guard recursion per program (prog->active).
bool trampoline_program(const std::string& program) {
    return program.starts_with("fentry_") || program.starts_with("fexit_") ||
           program.starts_with("tp_btf_");
}

}  // namespace

std::uint64_t total_runs(const std::vector<ProgramSkips>& reading) {
    std::uint64_t total = 0;
    for (const auto& p : reading) total += p.total();
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
        const ProgramSkips base = count_of(first_, p.program);
        const ProgramSkips g{p.program, growth(p.runs, base.runs), growth(p.missed, base.missed)};
        if (g.total()) grown.push_back(g);
    }
    return grown;
}

std::string describe_skipped_runs(const std::vector<ProgramSkips>& skipped) {
    std::string line;
    bool trampoline = false, shared = false, kprobe = false;
    for (const auto& p : skipped) {
        if (!p.total()) continue;
        line += (line.empty() ? "" : ", ") + p.program + " " + std::to_string(p.total());
        if (p.runs) (trampoline_program(p.program) ? trampoline : shared) = true;
        kprobe = kprobe || p.missed;
    }
    if (line.empty()) return line;
    std::string why;
    if (shared) why = "another BPF program held this CPU";
    if (trampoline)
        why += std::string(why.empty() ? "" : "; ") +
               "fentry/fexit: the program itself was preempted mid-run on this CPU, try "
               "--backend kprobe";
    if (kprobe)
        why += std::string(why.empty() ? "" : "; ") +
               "kprobe missed: more threads inside a kretprobe's function at once than its "
               "instances, or a kprobe hit inside another (counted machine-wide)";
    return "kernel skipped program runs: " + line + " (" + why + "; these records are lost)";
}

}  // namespace epscope::capture
