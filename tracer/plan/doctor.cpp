#include "plan/doctor.hpp"

#include <sstream>

namespace epscope::plan {
namespace {

const char* yes_no(bool b) { return b ? "yes" : "no"; }

std::string trial(const TrialResult& t) {
    switch (t.outcome) {
        case TrialResult::Outcome::Ok:
            return "ok";
        case TrialResult::Outcome::Failed:
            return "failed (" + t.detail + ")";
        case TrialResult::Outcome::NotTried:
            return "not tried (" + t.detail + ")";
    }
    return "?";
}

}  // namespace

const char* describe_level(Level l) {
    switch (l) {
        case Level::Full:
            return "full kernel hooks: every logical event, with kernel identities";
        case Level::Partial:
            return "partial kernel hooks: some logical events are not visible";
        case Level::SyscallOnly:
            return "syscall tracepoints only: epoll calls and their results, no callbacks, "
                   "no ready list, no kernel identities";
        case Level::Nothing:
            return "nothing: epscope cannot trace on this kernel/session";
    }
    return "?";
}

std::string format_doctor(const KernelDescription& d, const Plan& plan) {
    std::ostringstream o;
    o << "kernel " << d.release << " (" << d.machine << ")\n";
    o << "  BTF: " << yes_no(d.btf) << "   kprobes: " << yes_no(d.kprobes)
      << "   lockdown: " << d.lockdown
      << "   tracefs: " << (d.tracefs.empty() ? "not mounted" : d.tracefs) << "\n";
    o << "  preemption: " << d.preempt
      << (d.preemptible() ? " (kernel code is preemptible: a fentry program preempted "
                            "mid-run is skipped for the next thread; kprobe handlers are not "
                            "preempted)"
                          : "")
      << "\n";
    o << "  trial fentry on do_epoll_ctl: " << trial(d.fentry_trial) << "\n";
    o << "  trial kprobe on do_epoll_ctl: " << trial(d.kprobe_trial) << "\n";
    o << "  privileges: root " << yes_no(d.root) << ", CAP_BPF " << yes_no(d.cap_bpf)
      << ", CAP_PERFMON " << yes_no(d.cap_perfmon) << ", CAP_SYS_ADMIN " << yes_no(d.cap_sys_admin)
      << "\n";
    return o.str() + format_plan(plan);
}

std::string format_plan(const Plan& plan) {
    std::ostringstream o;
    o << "plan (requested " << to_string(plan.requested) << "): backend " << to_string(plan.backend)
      << ": " << plan.backend_reason << "\n";
    // Columns: hook, backend, reason (names are short; pad() never truncates).
    auto pad = [](std::string s, size_t width) {
        if (s.size() < width) s.resize(width, ' ');
        return s;
    };
    for (const auto& h : plan.hooks)
        o << "  " << pad(to_string(h.hook), 10) << pad(to_string(h.backend), 12) << h.reason
          << "\n";
    o << "programs:";
    for (const auto& p : plan.programs()) o << " " << p.program;
    o << "\n";
    if (plan.missing.empty()) {
        o << "missing: nothing\n";
    } else {
        o << "missing:\n";
        for (const auto& m : plan.missing) o << "  - " << m << "\n";
    }
    for (const auto& n : plan.notes) o << "note: " << n << "\n";
    o << "capability: " << describe_level(plan.level) << "\n";
    return o.str();
}

}  // namespace epscope::plan
