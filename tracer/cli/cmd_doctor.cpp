#include <cstdio>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "plan/doctor.hpp"
#include "plan/plan.hpp"
#include "plan/probe.hpp"

namespace epscope::cli {

int run_doctor(const DoctorOptions& opts) {
    plan::ProbeOptions probe;
    probe.verbose = opts.verbose;
    const plan::KernelDescription desc = plan::describe_running_kernel(probe);
    if (opts.describe) {
        std::fputs(desc.to_text().c_str(), stdout);
        return 0;
    }
    plan::Plan p;
    try {
        p = plan::plan_for(desc, plan::parse_backend_choice(opts.backend));
    } catch (const plan::PlanError& e) {
        std::fprintf(stderr, "epscope doctor: %s\n", e.what());
        return 1;
    }
    std::fputs(plan::format_doctor(desc, p).c_str(), stdout);
    // Nothing can be traced (typically: not root / no CAP_BPF): the report
    // above says which capability is missing; the exit code says it failed.
    return p.level == plan::Level::Nothing ? 1 : 0;
}

CLI::App* add_doctor_command(CLI::App& app, DoctorOptions& o) {
    auto* cmd = app.add_subcommand("doctor", "Show how each epoll hook is attached on this kernel");
    cmd->add_flag("-v,--verbose", o.verbose, "Show libbpf's own messages");
    cmd->add_flag("--describe", o.describe,
                  "Print the raw kernel description (for the planner's tests)");
    cmd->add_option("--backend", o.backend, "Plan for a forced backend")
        ->check(CLI::IsMember({"auto", "fentry", "kprobe", "tracepoint"}));
    return cmd;
}

}  // namespace epscope::cli
