#include "plan/doctor.hpp"

#include <gtest/gtest.h>

#include "test_data.hpp"

namespace epscope::plan {
namespace {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

TEST(Doctor, HostReportSaysTracepointsOnlyAndWhy) {
    const auto d = test::recorded("6.18");
    const std::string r = format_doctor(d, plan_for(d));
    EXPECT_TRUE(contains(r, "kernel 6.18.44-fc-v669 (x86_64)\n")) << r;
    EXPECT_TRUE(contains(r, "trial fentry on do_epoll_ctl: failed (load EPERM)")) << r;
    EXPECT_TRUE(contains(r, "\n  callback  none        callback: not visible")) << r;
    EXPECT_TRUE(contains(r, "  - no kprobes (CONFIG_KPROBES is not set)\n")) << r;
    EXPECT_TRUE(contains(r, "capability: syscall tracepoints only")) << r;
}

TEST(Doctor, LabReportShowsKernelHooks) {
    const auto d = test::recorded("6.1");
    const std::string r = format_doctor(d, plan_for(d));
    EXPECT_TRUE(contains(r,
                         "\n  insert    fentry      insert: ep_insert is inlined here -> fexit "
                         "do_epoll_ctl + fentry ep_ptable_queue_proc"))
        << r;
    EXPECT_TRUE(contains(r, "missing: nothing\n")) << r;
    EXPECT_TRUE(contains(r, "capability: full kernel hooks")) << r;
}

// A trace header keeps the plan as text; stat shows it back as doctor does:
// the same lines as doctor's for the plan itself, on every recorded kernel.
TEST(Doctor, PlanFromATraceHeaderRendersAsDoctorDoes) {
    for (const char* kernel : {"5.10", "6.1", "6.12", "6.18", "7.2"}) {
        const auto d = test::recorded(kernel);
        const Plan plan = plan_for(d);
        const std::string shown = format_plan(Plan::from_text(plan.to_text()));
        EXPECT_EQ(shown, format_plan(plan)) << kernel;
        EXPECT_TRUE(contains(format_doctor(d, plan), shown)) << kernel;
        EXPECT_EQ(Plan::from_text(plan.to_text()).to_text(), plan.to_text()) << kernel;
    }
}

// 7.2: ep_remove_epi is out of line again (no clone), and both scan functions exist.
TEST(Doctor, Lab72ReportUsesEpRemoveEpiAndBothScanFunctions) {
    const auto d = test::recorded("7.2");
    const std::string r = format_doctor(d, plan_for(d, BackendChoice::Fentry));
    EXPECT_TRUE(contains(r, "kernel 7.2.12+deb14-cloud-amd64 (x86_64)\n")) << r;
    EXPECT_TRUE(contains(r,
                         "\n  remove    fentry      remove: fentry ep_remove_epi (unlinks the "
                         "epitem)"))
        << r;
    EXPECT_TRUE(contains(r,
                         "\n  harvest   fentry      harvest: fentry ep_start_scan + fentry "
                         "ep_done_scan;"))
        << r;
    EXPECT_TRUE(contains(r, "capability: full kernel hooks")) << r;
}

// 7.2 is PREEMPT_LAZY: doctor names the preemption model and why kprobes are chosen.
TEST(Doctor, Lab72ReportSaysPreemptionMakesKprobesTheBackend) {
    const auto d = test::recorded("7.2");
    const std::string r = format_doctor(d, plan_for(d));
    EXPECT_TRUE(contains(r,
                         "\n  preemption: lazy (kernel code is preemptible: a fentry program "
                         "preempted mid-run is skipped for the next thread; kprobe handlers "
                         "are not preempted)\n"))
        << r;
    EXPECT_TRUE(contains(r,
                         "plan (requested auto): backend kprobe: fentry: kernel preemption "
                         "is lazy"))
        << r;
    EXPECT_TRUE(contains(r, "\n  callback  kprobe      ")) << r;
    const auto v = test::recorded("6.12");
    EXPECT_TRUE(contains(format_doctor(v, plan_for(v)), "\n  preemption: voluntary\n"));
}

TEST(Doctor, UnprivilegedReportNamesTheCapability) {
    auto d = test::recorded("6.12");
    d.root = d.cap_bpf = d.cap_perfmon = d.cap_sys_admin = false;
    const std::string r = format_doctor(d, plan_for(d));
    EXPECT_TRUE(contains(r, "needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root")) << r;
    EXPECT_TRUE(contains(r, "  - no CAP_BPF\n")) << r;
    EXPECT_TRUE(contains(r, "capability: nothing")) << r;
}

}  // namespace
}  // namespace epscope::plan
