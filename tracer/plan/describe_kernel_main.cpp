// epscope-describe-kernel: prints the running kernel's description (the planner's input) or
// the BTF prototypes of epoll's functions. Used to record the descriptions the planner's unit
// tests run on, on the host and inside the kernel lab.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "plan/doctor.hpp"
#include "plan/plan.hpp"
#include "plan/probe.hpp"

namespace {

const std::vector<std::string> kPrototypeNames = {"ep_remove",
                                                  "ep_remove_epi",
                                                  "ep_remove_safe",
                                                  "ep_remove_file",
                                                  "__ep_remove",
                                                  "ep_clear_and_put",
                                                  "ep_free",
                                                  "eventpoll_release_file",
                                                  "ep_done_scan",
                                                  "ep_start_scan",
                                                  "ep_poll_callback",
                                                  "ep_ptable_queue_proc",
                                                  "ep_autoremove_wake_function",
                                                  "do_epoll_ctl",
                                                  "do_epoll_wait",
                                                  "do_epoll_create",
                                                  "ep_insert",
                                                  "ep_send_events",
                                                  "ep_item_poll",
                                                  "ep_poll"};

int usage(const char* why) {
    std::fprintf(stderr,
                 "epscope-describe-kernel: %s (usage: epscope-describe-kernel [--protos | "
                 "--doctor [--from DESCRIPTION-FILE] [--backend auto|fentry|kprobe|tracepoint]] "
                 "[-v])\n",
                 why);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    namespace plan = epscope::plan;
    enum class Mode { Describe, Protos, Doctor } mode = Mode::Describe;
    plan::ProbeOptions options;
    std::string from;
    plan::BackendChoice backend = plan::BackendChoice::Auto;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--protos") {
            mode = Mode::Protos;
        } else if (a == "--doctor") {
            mode = Mode::Doctor;
        } else if (a == "-v") {
            options.verbose = true;
        } else if ((a == "--from" || a == "--backend") && i + 1 < argc) {
            if (a == "--from") {
                from = argv[++i];
                continue;
            }
            try {
                backend = plan::parse_backend_choice(argv[++i]);
            } catch (const plan::PlanError& e) {
                return usage(e.what());
            }
        } else {
            return usage(("unknown or incomplete argument '" + a + "'").c_str());
        }
    }
    if ((!from.empty() || backend != plan::BackendChoice::Auto) && mode != Mode::Doctor)
        return usage("--from and --backend go with --doctor");
    if (mode == Mode::Protos) {
        for (const auto& line : plan::btf_prototypes(kPrototypeNames, options))
            std::printf("%s\n", line.c_str());
        return 0;
    }
    plan::KernelDescription d;
    if (from.empty()) {
        d = plan::describe_running_kernel(options);
    } else {
        std::ifstream in(from);
        if (!in) return usage(("cannot read " + from).c_str());
        std::ostringstream text;
        text << in.rdbuf();
        try {
            d = plan::KernelDescription::parse(text.str());
        } catch (const plan::DescriptionError& e) {
            std::fprintf(stderr, "epscope-describe-kernel: %s: %s\n", from.c_str(), e.what());
            return 1;
        }
    }
    if (mode == Mode::Describe) {
        std::fputs(d.to_text().c_str(), stdout);
        return 0;
    }
    try {
        const auto p = plan::plan_for(d, backend);
        std::fputs(plan::format_doctor(d, p).c_str(), stdout);
        return p.level == plan::Level::Nothing ? 1 : 0;
    } catch (const plan::PlanError& e) {
        std::fprintf(stderr, "epscope-describe-kernel: %s\n", e.what());
        return 1;
    }
}
