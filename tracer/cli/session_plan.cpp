#include "cli/session_plan.hpp"

#include "plan/probe.hpp"

namespace epscope::cli {

PlannedSession plan_session(const std::string& backend, bool verbose, bool verify) {
    capture::set_libbpf_verbose(verbose);
    plan::ProbeOptions probe;
    probe.verbose = verbose;
    const auto desc = plan::describe_running_kernel(probe);

    PlannedSession out;
    out.plan = plan::plan_for(desc, plan::parse_backend_choice(backend));
    if (out.plan.level == plan::Level::Nothing) {
        std::string why = out.plan.missing.empty() ? "no hook is usable" : out.plan.missing.front();
        throw capture::CaptureError("nothing can be traced on this kernel: " + why +
                                    " (see `epscope doctor`)");
    }
    for (const auto& p : out.plan.programs()) {
        capture::ProgramChoice c{p.program, capture::AttachVia::Section, ""};
        switch (p.kind) {
            case plan::AttachKind::Fentry:
            case plan::AttachKind::Fexit:
                c.via = capture::AttachVia::Trampoline;
                c.target = p.target;
                break;
            case plan::AttachKind::Kprobe:
                c.via = capture::AttachVia::Kprobe;
                c.target = p.target;
                break;
            case plan::AttachKind::Kretprobe:
                c.via = capture::AttachVia::Kretprobe;
                c.target = p.target;
                break;
            case plan::AttachKind::Tracepoint:
            case plan::AttachKind::TpBtf:
                break;
        }
        if (p.program == "fentry_ep_start_scan" || p.program == "kprobe_ep_start_scan" ||
            p.program == "kprobe_ep_send_events_proc")
            out.config.have_start_scan = true;
        // Verify mode's exit programs (callbacks and ep_done_scan calls in
        // flight), each attached before its entry program.
        struct ExitOf {
            const char* entry;
            const char* exit;
            capture::AttachVia via;
        };
        static const ExitOf kVerifyExits[] = {
            {"fentry_ep_poll_callback", "fexit_ep_poll_callback", capture::AttachVia::Trampoline},
            {"kprobe_ep_poll_callback", "kretprobe_ep_poll_callback",
             capture::AttachVia::Kretprobe},
            {"fentry_ep_done_scan", "fexit_ep_done_scan", capture::AttachVia::Trampoline},
            {"kprobe_ep_done_scan", "kretprobe_ep_done_scan", capture::AttachVia::Kretprobe},
        };
        for (const ExitOf& e : kVerifyExits)
            if (verify && p.program == e.entry)
                out.config.programs.push_back({e.exit, e.via, p.target});
        out.config.programs.push_back(std::move(c));
    }
    return out;
}

}  // namespace epscope::cli
