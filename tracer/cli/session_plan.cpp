#include "cli/session_plan.hpp"

#include <algorithm>
#include <filesystem>

#include "plan/probe.hpp"

namespace epscope::cli {

PlannedSession plan_session(const CaptureArgs& args) {
    const bool verify = args.verify;
    capture::set_libbpf_verbose(args.verbose);
    plan::ProbeOptions probe;
    probe.verbose = args.verbose;
    const auto desc = plan::describe_running_kernel(probe);

    PlannedSession out;
    out.plan = plan::plan_for(desc, plan::parse_backend_choice(args.backend));
    // The probe found (or mounted) tracefs for its tracepoints: kprobes are made there too.
    if (!desc.tracefs.empty())
        out.config.tracefs = std::filesystem::path(desc.tracefs).parent_path().string();
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
                c.maxactive = p.maxactive;
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

capture::CaptureOptions capture_options(const CaptureArgs& a, const PlannedSession& planned) {
    capture::CaptureOptions cap;
    cap.session = planned.config;
    cap.session.all_processes = a.all_processes;
    cap.session.ring_bytes = a.ring_mb << 20;
    cap.session.verify = a.verify;
    cap.pids = a.pids;
    cap.command = a.command;
    cap.run_as = a.run_as;
    cap.follow_children = !a.no_children;
    cap.follow_exit = a.follow_exit == "first" ? capture::CaptureOptions::FollowExit::First
                                               : capture::CaptureOptions::FollowExit::All;
    if (a.duration_s > 0)
        cap.duration = std::chrono::milliseconds(static_cast<long>(a.duration_s * 1000));
    cap.verify_interval = std::chrono::milliseconds(a.verify_interval_ms);
    if (a.verify) cap.poll_interval = std::min(cap.poll_interval, cap.verify_interval);
    return cap;
}

}  // namespace epscope::cli
