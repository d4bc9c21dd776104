#include "plan/plan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "plan/doctor.hpp"
#include "test_data.hpp"
#include "trace/visibility.hpp"

namespace epscope::plan {
namespace {

using test::recorded;

const ProgramAttach* find_program(const Plan& p, const std::string& name) {
    static std::vector<ProgramAttach> all;
    all = p.programs();
    auto it =
        std::find_if(all.begin(), all.end(), [&](const auto& a) { return a.program == name; });
    return it == all.end() ? nullptr : &*it;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

std::string plan_error(const KernelDescription& d, BackendChoice c) {
    try {
        plan_for(d, c);
    } catch (const PlanError& e) {
        return e.what();
    }
    return "";
}

// --- the host: 6.18 in a Firecracker guest, fentry EPERM, no kprobes -------------------------

TEST(PlanHost618, FallsBackToSyscallTracepoints) {
    const Plan p = plan_for(recorded("6.18"));
    EXPECT_EQ(p.backend, Backend::Tracepoint);
    EXPECT_EQ(p.level, Level::SyscallOnly);
    EXPECT_TRUE(
        contains(p.backend_reason, "fentry: trial fentry on do_epoll_ctl failed (load EPERM)"))
        << p.backend_reason;
    EXPECT_TRUE(contains(p.backend_reason, "kprobe: no kprobes")) << p.backend_reason;
    for (Hook h : {Hook::Create, Hook::Insert, Hook::Remove, Hook::Wait, Hook::Harvest})
        EXPECT_EQ(p.hook(h).backend, Backend::Tracepoint) << to_string(h);
    for (Hook h : {Hook::Callback, Hook::Wakeup, Hook::Free}) {
        EXPECT_EQ(p.hook(h).backend, Backend::None) << to_string(h);
        EXPECT_TRUE(p.hook(h).programs.empty());
        EXPECT_TRUE(contains(p.hook(h).reason, "not visible")) << p.hook(h).reason;
    }
    EXPECT_TRUE(contains(p.hook(Hook::Remove).reason, "file close")) << p.hook(Hook::Remove).reason;
}

TEST(PlanHost618, ProgramsAreTracepointsOnly) {
    const Plan p = plan_for(recorded("6.18"));
    for (const auto& prog : p.programs()) {
        // Process tracking is tp_btf; everything else a syscall tracepoint.
        const bool process = prog.program.rfind("tp_sched_process_", 0) == 0;
        EXPECT_EQ(prog.kind, process ? AttachKind::TpBtf : AttachKind::Tracepoint) << prog.program;
        EXPECT_EQ(prog.program.rfind("tp_", 0), 0u) << prog.program;
    }
    const ProgramAttach* ctl = find_program(p, "tp_sys_enter_epoll_ctl");
    ASSERT_NE(ctl, nullptr);
    EXPECT_EQ(ctl->target, "syscalls/sys_enter_epoll_ctl");
    for (const char* name :
         {"tp_sys_exit_epoll_create1", "tp_sys_exit_epoll_create",  "tp_sys_exit_epoll_ctl",
          "tp_sys_enter_epoll_wait",   "tp_sys_exit_epoll_wait",    "tp_sys_enter_epoll_pwait",
          "tp_sys_exit_epoll_pwait",   "tp_sys_enter_epoll_pwait2", "tp_sys_exit_epoll_pwait2",
          "tp_sched_process_fork",     "tp_sched_process_exec",     "tp_sched_process_exit",
          "tp_sys_enter_close",        "tp_sys_exit_close",         "tp_sys_enter_dup2",
          "tp_sys_exit_dup2",          "tp_sys_enter_dup3",         "tp_sys_exit_dup3",
          "tp_sys_enter_read",         "tp_sys_exit_read",          "tp_sys_enter_readv",
          "tp_sys_exit_readv",         "tp_sys_enter_recvfrom",     "tp_sys_exit_recvfrom",
          "tp_sys_enter_recvmsg",      "tp_sys_exit_recvmsg",       "tp_sys_enter_recvmmsg",
          "tp_sys_exit_recvmmsg"})
        EXPECT_NE(find_program(p, name), nullptr) << name;
    EXPECT_EQ(p.programs().size(), 29u);
}

// Where kernel code is preemptible (7.2: lazy) a preempted read-syscall program would make
// the kernel skip the epoll hooks' programs (lost records in the lab): reads are left out,
// and said to be, in the form the trace's Visibility reads back.
TEST(PlanPreemptible, ReadsAreLeftOutAndSaidToBe) {
    const Plan p = plan_for(recorded("7.2"));
    for (const char* sc : kReadSyscalls)
        EXPECT_EQ(find_program(p, std::string("tp_sys_exit_") + sc), nullptr) << sc;
    bool said = false;
    for (const auto& m : p.missing) said = said || m.rfind(kReadsNotRecorded, 0) == 0;
    EXPECT_TRUE(said);
    auto d = recorded("7.2");
    d.preempt = "voluntary";
    EXPECT_NE(find_program(plan_for(d), "tp_sys_exit_read"), nullptr);
    trace::TraceHeader h;
    h.attach_plan = p.to_text();
    EXPECT_FALSE(trace::visibility_of(h).reads);
    h.attach_plan = plan_for(d).to_text();
    EXPECT_TRUE(trace::visibility_of(h).reads);
}

TEST(PlanHost618, MissingNamesLockdownFentryAndKprobes) {
    const Plan p = plan_for(recorded("6.18"));
    const std::vector<std::string> expect = {
        "lockdown is integrity",
        "fentry not permitted: trial fentry on do_epoll_ctl failed (load EPERM)",
        "no kprobes (CONFIG_KPROBES is not set)"};
    EXPECT_EQ(p.missing, expect);
}

TEST(PlanHost618, ForcedKernelBackendsFailWithTheReason) {
    const auto d = recorded("6.18");
    EXPECT_EQ(plan_error(d, BackendChoice::Fentry),
              "backend fentry cannot work on kernel 6.18.44-fc-v669: trial fentry on "
              "do_epoll_ctl failed (load EPERM)");
    EXPECT_TRUE(contains(plan_error(d, BackendChoice::Kprobe),
                         "backend kprobe cannot work on kernel 6.18.44-fc-v669: no kprobes"));
    const Plan p = plan_for(d, BackendChoice::Tracepoint);
    EXPECT_EQ(p.backend, Backend::Tracepoint);
    EXPECT_EQ(p.backend_reason, "forced tracepoint");
}

// If fentry were permitted on the host, 6.18 has ep_start_scan and ep_send_events out of line.
TEST(PlanHost618, WithFentryPermittedUsesKernelHooks) {
    auto d = recorded("6.18");
    d.fentry_trial = {TrialResult::Outcome::Ok, ""};
    const Plan p = plan_for(d);
    EXPECT_EQ(p.backend, Backend::Fentry);
    EXPECT_EQ(p.level, Level::Full);
    EXPECT_NE(find_program(p, "fentry_ep_start_scan"), nullptr);
    EXPECT_EQ(find_program(p, "fentry_ep_remove")->target, "ep_remove");
    EXPECT_TRUE(p.hook(Hook::Remove).release_file_reports_items);
}

// A clone has another calling convention: never a target, and the reason says so.
TEST(PlanHost618, CloneOnlyRemovalFunctionsLeaveRemoveNotVisible) {
    auto d = recorded("6.18");
    d.fentry_trial = {TrialResult::Outcome::Ok, ""};
    d.kallsyms.erase("ep_remove");
    d.kallsyms.insert("ep_remove.isra.0");
    const Plan p = plan_for(d);
    EXPECT_EQ(p.level, Level::Partial);
    EXPECT_EQ(p.hook(Hook::Remove).backend, Backend::None);
    EXPECT_EQ(p.hook(Hook::Remove).reason,
              "remove: not visible: no function that unlinks an epitem is hookable (ep_remove_epi "
              "exists only as ep_remove_epi.isra.0 (changed calling convention); ep_remove exists "
              "only as ep_remove.isra.0 (changed calling convention))");
}

// --- the lab kernels: stock Debian 6.1 and 6.12 ----------------------------------------------

class LabKernel : public ::testing::TestWithParam<std::string> {};

// The lab kernels' own plans, fentry forced: 7.2's auto plan is kprobe (its preemption).
Plan fentry_plan(const std::string& kernel) {
    return plan_for(recorded(kernel), BackendChoice::Fentry);
}

TEST_P(LabKernel, AutoChoosesFentryForEveryHookUnlessPreemptible) {
    const KernelDescription d = recorded(GetParam());
    const Plan p = plan_for(d);
    if (d.preemptible()) {
        EXPECT_EQ(p.backend, Backend::Kprobe);
        EXPECT_EQ(p.level, Level::Full);
        for (Hook h : kAllHooks) EXPECT_EQ(p.hook(h).backend, Backend::Kprobe) << to_string(h);
        return;
    }
    EXPECT_EQ(p.backend, Backend::Fentry);
    EXPECT_EQ(p.level, Level::Full);
    EXPECT_EQ(p.backend_reason, "fentry is the best backend that works here");
    for (Hook h : kAllHooks) EXPECT_EQ(p.hook(h).backend, Backend::Fentry) << to_string(h);
    EXPECT_TRUE(p.missing.empty()) << p.missing.front();
}

TEST_P(LabKernel, InsertGoesThroughDoEpollCtlBecauseEpInsertIsInlined) {
    const Plan p = fentry_plan(GetParam());
    EXPECT_EQ(p.hook(Hook::Insert).reason,
              "insert: ep_insert is inlined here -> fexit do_epoll_ctl + fentry "
              "ep_ptable_queue_proc (the new epitem); modify from do_epoll_ctl");
    std::vector<ProgramAttach> expect = {
        {"fentry_do_epoll_ctl", AttachKind::Fentry, "do_epoll_ctl"},
        {"fexit_do_epoll_ctl", AttachKind::Fexit, "do_epoll_ctl"},
        {"fentry_ep_ptable_queue_proc", AttachKind::Fentry, "ep_ptable_queue_proc"}};
    EXPECT_EQ(p.hook(Hook::Insert).programs, expect);
}

TEST_P(LabKernel, CallbackWaitAndWakeupUseTheirFunctions) {
    const Plan p = fentry_plan(GetParam());
    EXPECT_EQ(p.hook(Hook::Callback).programs,
              (std::vector<ProgramAttach>{
                  {"fentry_ep_poll_callback", AttachKind::Fentry, "ep_poll_callback"}}));
    EXPECT_EQ(p.hook(Hook::Wakeup).programs,
              (std::vector<ProgramAttach>{{"fentry_ep_autoremove_wake_function", AttachKind::Fentry,
                                           "ep_autoremove_wake_function"}}));
    EXPECT_EQ(
        p.hook(Hook::Wait).programs,
        (std::vector<ProgramAttach>{{"fentry_do_epoll_wait", AttachKind::Fentry, "do_epoll_wait"},
                                    {"fexit_do_epoll_wait", AttachKind::Fexit, "do_epoll_wait"},
                                    {"tp_btf_sched_switch", AttachKind::TpBtf, "sched_switch"}}));
    EXPECT_TRUE(contains(p.hook(Hook::Wait).reason, "wait: ep_poll is inlined here -> "))
        << p.hook(Hook::Wait).reason;
}

TEST_P(LabKernel, ProgramsAreUniqueAndNoTracepointSyscalls) {
    const Plan p = fentry_plan(GetParam());
    const auto all = p.programs();
    for (size_t i = 0; i < all.size(); ++i) {
        for (size_t j = i + 1; j < all.size(); ++j) EXPECT_NE(all[i].program, all[j].program);
        // (The fds going away come from syscall tracepoints on every backend.)
        EXPECT_FALSE(contains(all[i].program, "tp_sys_") && contains(all[i].program, "epoll"))
            << all[i].program;
    }
    // fexit_do_epoll_wait serves both wait and harvest, listed once.
    EXPECT_EQ(std::count_if(all.begin(), all.end(),
                            [](const auto& a) { return a.program == "fexit_do_epoll_wait"; }),
              1);
}

TEST_P(LabKernel, ForcedKprobeUsesKprobesEverywhere) {
    const Plan p = plan_for(recorded(GetParam()), BackendChoice::Kprobe);
    EXPECT_EQ(p.backend, Backend::Kprobe);
    EXPECT_EQ(p.level, Level::Full);
    for (Hook h : kAllHooks) EXPECT_EQ(p.hook(h).backend, Backend::Kprobe) << to_string(h);
    for (const auto& prog : p.programs()) {
        const bool kernel = prog.kind == AttachKind::Kprobe || prog.kind == AttachKind::Kretprobe;
        const bool tracepoint = prog.kind == AttachKind::Tracepoint;
        const bool process = prog.kind == AttachKind::TpBtf;
        EXPECT_TRUE(kernel || tracepoint || process) << prog.program;
        if (tracepoint && prog.target != "sched/sched_switch") {
            // fds going away (FD_CLOSE): close, dup2, dup3 on every backend.
            EXPECT_TRUE(prog.target.rfind("syscalls/sys_enter_", 0) == 0 ||
                        prog.target.rfind("syscalls/sys_exit_", 0) == 0)
                << prog.program;
            EXPECT_FALSE(contains(prog.target, "epoll")) << prog.program;
        }
        if (process) {
            EXPECT_EQ(prog.target.rfind("sched_process_", 0), 0u) << prog.program;
        }
    }
    EXPECT_NE(find_program(p, "kretprobe_do_epoll_ctl"), nullptr);
    EXPECT_NE(find_program(p, "kprobe_ep_poll_callback"), nullptr);
    const ProgramAttach* sw = find_program(p, "tp_sched_switch");
    ASSERT_NE(sw, nullptr);
    EXPECT_EQ(sw->target, "sched/sched_switch");
}

// A kretprobe instance is held from call to return: where threads sleep (the wait, a
// contended instance's mutex) the kretprobe gets the kernel's most instances, elsewhere the
// default (a thread inside holds its CPU).
TEST_P(LabKernel, KretprobesWhereThreadsSleepGetAnInstancePerSleeper) {
    const Plan p = plan_for(recorded(GetParam()), BackendChoice::Kprobe);
    for (const char* sleeps : {"kretprobe_do_epoll_wait", "kretprobe_do_epoll_ctl"}) {
        const ProgramAttach* r = find_program(p, sleeps);
        ASSERT_NE(r, nullptr) << sleeps;
        EXPECT_EQ(r->maxactive, kMaxKretprobeInstances) << sleeps;
    }
    for (const auto& prog : p.programs()) {
        if (prog.kind != AttachKind::Kretprobe) continue;
        // 5.10: ep_scan_ready_list (a clone) takes the instance's mutex inside.
        const bool sleeps = prog.target == "do_epoll_wait" || prog.target == "do_epoll_ctl" ||
                            prog.target.starts_with("ep_scan_ready_list");
        EXPECT_EQ(prog.maxactive, sleeps ? kMaxKretprobeInstances : 0u) << prog.target;
    }
    // With fentry the kretprobes are 5.10's clone (fexit cannot reach it) and, on a
    // preemptible kernel, process tracking's and the closing syscalls'.
    for (const auto& prog : plan_for(recorded(GetParam()), BackendChoice::Fentry).programs()) {
        if (prog.kind != AttachKind::Kretprobe) continue;
        const bool sleeps = prog.target.starts_with("ep_scan_ready_list");
        EXPECT_EQ(prog.maxactive, sleeps ? kMaxKretprobeInstances : 0u) << prog.target;
    }
}

TEST_P(LabKernel, ForcedTracepointWorksToo) {
    const Plan p = plan_for(recorded(GetParam()), BackendChoice::Tracepoint);
    EXPECT_EQ(p.level, Level::SyscallOnly);
    EXPECT_EQ(p.hook(Hook::Callback).backend, Backend::None);
}

TEST_P(LabKernel, FentryDeniedFallsBackToKprobe) {
    auto d = recorded(GetParam());
    d.fentry_trial = {TrialResult::Outcome::Failed, "load EPERM"};
    const Plan p = plan_for(d);
    EXPECT_EQ(p.backend, Backend::Kprobe);
    EXPECT_EQ(p.level, Level::Full);
    EXPECT_TRUE(contains(p.backend_reason, "fentry: trial fentry on do_epoll_ctl failed"))
        << p.backend_reason;
    EXPECT_EQ(plan_error(d, BackendChoice::Fentry),
              "backend fentry cannot work on kernel " + d.release +
                  ": trial fentry on do_epoll_ctl failed (load EPERM)");
}

TEST_P(LabKernel, AFunctionWithoutBtfIsKprobedInAnFentryPlan) {
    auto d = recorded(GetParam());
    d.preempt = "voluntary";  // (7.2's lazy preemption makes auto take kprobes)
    d.btf_funcs.erase("ep_poll_callback");
    const Plan p = plan_for(d);
    EXPECT_EQ(p.backend, Backend::Fentry);
    EXPECT_EQ(p.hook(Hook::Callback).backend, Backend::Kprobe);
    EXPECT_TRUE(
        contains(p.hook(Hook::Callback).reason, "(ep_poll_callback has no BTF record for fentry)"))
        << p.hook(Hook::Callback).reason;
    // Without kprobes the callback is simply not visible: partial.
    d.kprobes = false;
    const Plan q = plan_for(d);
    EXPECT_EQ(q.hook(Hook::Callback).backend, Backend::None);
    EXPECT_EQ(q.level, Level::Partial);
    EXPECT_THROW(plan_for(d, BackendChoice::Kprobe), PlanError);
}

TEST_P(LabKernel, CoreFunctionMissingRulesOutTheKernelBackend) {
    auto d = recorded(GetParam());
    d.kallsyms.erase("do_epoll_ctl");
    const Plan p = plan_for(d);
    EXPECT_EQ(p.backend, Backend::Tracepoint);
    EXPECT_TRUE(contains(p.backend_reason, "fentry: insert: do_epoll_ctl is inlined here"))
        << p.backend_reason;
    EXPECT_TRUE(contains(plan_error(d, BackendChoice::Fentry), "insert: do_epoll_ctl"));
}

TEST_P(LabKernel, UnprivilegedGetsNothingAndSaysWhichCapability) {
    auto d = recorded(GetParam());
    d.root = d.cap_bpf = d.cap_perfmon = d.cap_sys_admin = false;
    const Plan p = plan_for(d);
    EXPECT_EQ(p.level, Level::Nothing);
    EXPECT_TRUE(p.programs().empty());
    EXPECT_NE(std::find(p.missing.begin(), p.missing.end(), "no CAP_BPF"), p.missing.end());
    EXPECT_TRUE(
        contains(plan_error(d, BackendChoice::Tracepoint), "needs CAP_BPF and CAP_PERFMON"));
}

INSTANTIATE_TEST_SUITE_P(Kernels, LabKernel, ::testing::Values("5.10", "6.1", "6.12", "7.2"),
                         [](const auto& info) {
                             std::string n = "k" + info.param;
                             std::replace(n.begin(), n.end(), '.', '_');
                             return n;
                         });

// --- per-kernel differences --------------------------------------------------------------------

TEST(Plan61, HarvestBeginIsInferredWithoutEpStartScan) {
    const Plan p = plan_for(recorded("6.1"));
    const HookPlan& h = p.hook(Hook::Harvest);
    EXPECT_EQ(h.backend, Backend::Fentry);
    EXPECT_EQ(h.programs, (std::vector<ProgramAttach>{
                              {"fentry_ep_done_scan", AttachKind::Fentry, "ep_done_scan"},
                              {"fexit_do_epoll_wait", AttachKind::Fexit, "do_epoll_wait"}}));
    EXPECT_EQ(h.reason,
              "harvest: ep_send_events is inlined here; ep_start_scan is inlined here -> fentry "
              "ep_done_scan (begin inferred at ep_done_scan); items from the user buffer at fexit "
              "do_epoll_wait");
}

TEST(Plan612, HarvestHasEpStartScan) {
    const Plan p = plan_for(recorded("6.12"));
    const HookPlan& h = p.hook(Hook::Harvest);
    EXPECT_EQ(h.programs, (std::vector<ProgramAttach>{
                              {"fentry_ep_start_scan", AttachKind::Fentry, "ep_start_scan"},
                              {"fentry_ep_done_scan", AttachKind::Fentry, "ep_done_scan"},
                              {"fexit_do_epoll_wait", AttachKind::Fexit, "do_epoll_wait"}}));
    EXPECT_FALSE(contains(h.reason, "inferred")) << h.reason;
}

// Up to 5.10: no ep_start_scan/ep_done_scan; a harvest is ep_scan_ready_list (a clone on
// Debian's 5.10) around ep_send_events_proc, whose entry and return stand in for them.
TEST(Plan510, HarvestIsEpSendEventsProc) {
    const Plan p = plan_for(recorded("5.10"));
    EXPECT_EQ(p.level, Level::Full);
    const HookPlan& h = p.hook(Hook::Harvest);
    EXPECT_EQ(h.backend, Backend::Fentry);
    EXPECT_EQ(h.programs,
              (std::vector<ProgramAttach>{
                  {"fentry_ep_start_scan", AttachKind::Fentry, "ep_send_events_proc"},
                  {"fexit_ep_send_events_proc", AttachKind::Fexit, "ep_send_events_proc"},
                  {"kretprobe_ep_done_scan", AttachKind::Kretprobe,
                   "ep_scan_ready_list.constprop.0", kMaxKretprobeInstances},
                  {"fexit_do_epoll_wait", AttachKind::Fexit, "do_epoll_wait"}}));
    EXPECT_TRUE(contains(h.reason,
                         "harvest: ep_done_scan is not in this kernel (a harvest is "
                         "ep_scan_ready_list here)"))
        << h.reason;
    const Plan k = plan_for(recorded("5.10"), BackendChoice::Kprobe);
    EXPECT_EQ(k.hook(Hook::Harvest).programs[0].program, "kprobe_ep_send_events_proc");
    EXPECT_EQ(k.hook(Hook::Harvest).programs[1].program, "kretprobe_ep_send_events_proc");
}

TEST(Plan510, RemoveAndFreeUseEpRemoveAndEpFree) {
    const Plan p = plan_for(recorded("5.10"));
    EXPECT_EQ(find_program(p, "fentry_ep_remove")->target, "ep_remove");
    EXPECT_FALSE(p.hook(Hook::Remove).release_file_reports_items);
    EXPECT_EQ(find_program(p, "fentry_ep_clear_and_put")->target, "ep_free");
    EXPECT_EQ(find_program(p, "fexit_ep_clear_and_put")->target, "ep_free");
}

// A kernel newer than any description, its functions renamed: the plan comes from what is
// there (BTF and kallsyms), each missing hook says why, and nothing throws.
TEST(PlanUnknownKernel, RenamedFunctionsGiveAPartialPlanWithReasons) {
    auto d = recorded("7.2");
    d.release = "9.0.0-synthetic";
    d.preempt = "voluntary";  // (a preemptible one would prefer kprobes)
    for (const char* fn : {"ep_start_scan", "ep_done_scan", "ep_send_events", "ep_poll_callback",
                           "ep_remove_epi", "ep_remove"}) {
        d.btf_funcs.erase(fn);
        d.kallsyms.erase(fn);
        d.kallsyms.insert(std::string("epoll_") + fn);
    }
    Plan p;
    ASSERT_NO_THROW(p = plan_for(d));
    EXPECT_EQ(p.backend, Backend::Fentry);
    EXPECT_EQ(p.level, Level::Partial);
    EXPECT_EQ(p.hook(Hook::Callback).backend, Backend::None);
    EXPECT_TRUE(contains(p.hook(Hook::Callback).reason, "ep_poll_callback is inlined here"))
        << p.hook(Hook::Callback).reason;
    EXPECT_EQ(p.hook(Hook::Harvest).backend, Backend::None);
    EXPECT_EQ(p.hook(Hook::Insert).backend, Backend::Fentry);
    EXPECT_EQ(p.hook(Hook::Wait).backend, Backend::Fentry);
    const std::string r = format_doctor(d, p);
    EXPECT_TRUE(contains(r, "kernel 9.0.0-synthetic")) << r;
}

// A kernel older than any description: 5.10's functions without BTF (before 5.2 no
// BTF FUNC records; fentry needs them) and with ep_free inlined. The plan takes kprobes
// from kallsyms, says why, and nothing throws.
TEST(PlanUnknownKernel, OlderKernelWithoutBtfGetsAKprobePlan) {
    auto d = recorded("5.10");
    d.release = "4.19.0-synthetic";
    d.btf = false;
    d.btf_funcs.clear();
    d.btf_tracepoints.clear();
    d.fentry_trial = {TrialResult::Outcome::NotTried, "no BTF"};
    d.kallsyms.erase("ep_free");
    Plan p;
    ASSERT_NO_THROW(p = plan_for(d));
    EXPECT_EQ(p.backend, Backend::Kprobe);
    EXPECT_EQ(p.hook(Hook::Callback).backend, Backend::Kprobe);
    EXPECT_EQ(p.hook(Hook::Harvest).backend, Backend::Kprobe);
    const ProgramAttach* harvest = find_program(p, "kprobe_ep_send_events_proc");
    ASSERT_NE(harvest, nullptr);
    EXPECT_EQ(harvest->target, "ep_send_events_proc");
    const std::string r = format_doctor(d, p);
    EXPECT_TRUE(contains(r, "kernel 4.19.0-synthetic")) << r;
    EXPECT_TRUE(contains(r, "ep_free")) << r;
}

TEST(Plan61, RemoveAndFreeTargets) {
    const Plan p = plan_for(recorded("6.1"));
    EXPECT_EQ(p.hook(Hook::Remove).programs,
              (std::vector<ProgramAttach>{
                  {"fentry_ep_remove", AttachKind::Fentry, "ep_remove_epi"},
                  {"fentry_eventpoll_release_file", AttachKind::Fentry, "eventpoll_release_file"},
                  {"fentry_ep_clear_and_put", AttachKind::Fentry, "ep_clear_and_put"}}));
    // The instance is freed where its last reference drops: at process exit its items can
    // outlive ep_clear_and_put (data/6.1-remove-paths.txt, exit_teardown).
    EXPECT_EQ(p.hook(Hook::Free).programs,
              (std::vector<ProgramAttach>{{"fexit_ep_refcount_dec_and_test", AttachKind::Fexit,
                                           "ep_refcount_dec_and_test"}}));
    // ep_remove_epi is out of line on 6.1 and every removal path enters it.
    EXPECT_FALSE(p.hook(Hook::Remove).release_file_reports_items);
    EXPECT_EQ(p.hook(Hook::Remove).reason,
              "remove: fentry ep_remove_epi (unlinks the epitem) + fentry eventpoll_release_file "
              "(reason file close) + fentry ep_clear_and_put (reason teardown)");
}

TEST(Plan612, RemoveTargetTakesEventpollAndEpitem) {
    const Plan p = plan_for(recorded("6.12"));
    const ProgramAttach* r = find_program(p, "fentry_ep_remove");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->target, "ep_remove");
    // eventpoll_release_file calls ep_remove_file/ep_remove_epi (clones) itself on 6.12.
    EXPECT_TRUE(p.hook(Hook::Remove).release_file_reports_items);
    EXPECT_EQ(p.hook(Hook::Remove).reason,
              "remove: ep_remove_epi exists only as ep_remove_epi.isra.0 (changed calling "
              "convention) -> fentry ep_remove (unlinks the epitem on ctl and teardown) + fentry "
              "eventpoll_release_file (reason file close; it bypasses ep_remove, so this program "
              "reports each item on file->f_ep) + fentry ep_clear_and_put (reason teardown)");
}

// The measured call paths (data/<kernel>-remove-paths.txt) and the plan agree: the removal
// target is entered on ctl and teardown, and on file close unless the plan makes the
// eventpoll_release_file program report the items itself.
class RemovePaths : public ::testing::TestWithParam<std::string> {};

TEST_P(RemovePaths, TargetSeesEveryRemovalOrReleaseFileReportsThem) {
    const Plan p = fentry_plan(GetParam());
    const std::string target = find_program(p, "fentry_ep_remove")->target;
    std::istringstream in(test::read_data_file(GetParam() + "-remove-paths.txt"));
    std::string line;
    std::map<std::string, std::vector<std::string>> steps;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream words(line);
        std::string step, fn;
        words >> step;
        while (words >> fn) steps[step].push_back(fn);
    }
    ASSERT_GE(steps.size(), 3u);
    auto enters = [&](const std::string& step) {
        const auto& fns = steps.at(step + ":");
        return std::find(fns.begin(), fns.end(), target) != fns.end();
    };
    EXPECT_TRUE(enters("ctl_del"));
    EXPECT_TRUE(enters("teardown"));
    EXPECT_NE(enters("file_close"), p.hook(Hook::Remove).release_file_reports_items);
    // A process exiting with its epoll fd above its targets: ep_remove leaves the items of
    // the files being released to eventpoll_release_file, and the instance is freed after
    // them, where its last reference drops. The free program is there, not at the exit of
    // ep_clear_and_put. (Measured where the kernel has ep_refcount_dec_and_test: 6.1, 6.12.)
    if (!steps.count("exit_teardown:")) return;
    const auto& exit_fns = steps.at("exit_teardown:");
    const std::string free_target = p.hook(Hook::Free).programs.back().target;
    ASSERT_FALSE(exit_fns.empty());
    EXPECT_EQ(exit_fns.back(), free_target);
    const auto release = std::find(exit_fns.begin(), exit_fns.end(), "eventpoll_release_file");
    EXPECT_NE(release, exit_fns.end());
    EXPECT_NE(std::find(release, exit_fns.end(), free_target), exit_fns.end());
}

INSTANTIATE_TEST_SUITE_P(Kernels, RemovePaths, ::testing::Values("5.10", "6.1", "6.12", "7.2"),
                         [](const auto& info) {
                             std::string n = "k" + info.param;
                             std::replace(n.begin(), n.end(), '.', '_');
                             return n;
                         });

TEST(PlanRemove, PrefersUnderscoreEpRemoveWhenItExists) {
    auto d = recorded("6.12");
    d.btf_funcs["__ep_remove"] = "bool (struct eventpoll *ep, struct epitem *epi, bool force)";
    d.kallsyms.insert("__ep_remove");
    const Plan p = plan_for(d);
    EXPECT_EQ(find_program(p, "fentry_ep_remove")->target, "__ep_remove");
    EXPECT_FALSE(p.hook(Hook::Remove).release_file_reports_items);
}

TEST(PlanRemove, SkipsAFunctionWithTheWrongPrototype) {
    auto d = recorded("6.12");
    d.btf_funcs["__ep_remove"] = "bool (struct epitem *epi)";
    d.kallsyms.insert("__ep_remove");
    const Plan p = plan_for(d);
    EXPECT_EQ(find_program(p, "fentry_ep_remove")->target, "ep_remove");
    EXPECT_TRUE(contains(p.hook(Hook::Remove).reason,
                         "__ep_remove does not take (struct eventpoll *, struct epitem *)"))
        << p.hook(Hook::Remove).reason;
}

TEST(PlanFree, KprobesReadTheInstanceAtEntryAndTheResultAtReturn) {
    const Plan p = plan_for(recorded("6.12"), BackendChoice::Kprobe);
    EXPECT_EQ(p.hook(Hook::Free).programs,
              (std::vector<ProgramAttach>{{"kprobe_ep_refcount_dec_and_test", AttachKind::Kprobe,
                                           "ep_refcount_dec_and_test"},
                                          {"kretprobe_ep_refcount_dec_and_test",
                                           AttachKind::Kretprobe, "ep_refcount_dec_and_test"}}));
    EXPECT_TRUE(contains(p.hook(Hook::Free).reason,
                         "free: kretprobe ep_refcount_dec_and_test returns true"))
        << p.hook(Hook::Free).reason;
}

// 7.x names the refcount's put ep_put (bool (struct eventpoll *), the caller frees on true):
// the free is there, as at ep_refcount_dec_and_test on 6.x, for fentry and kprobes.
TEST(PlanFree, Lab72FreesWhereEpPutReturnsTrue) {
    const Plan p = fentry_plan("7.2");
    EXPECT_EQ(p.hook(Hook::Free).programs,
              (std::vector<ProgramAttach>{
                  {"fexit_ep_refcount_dec_and_test", AttachKind::Fexit, "ep_put"}}));
    const Plan k = plan_for(recorded("7.2"), BackendChoice::Kprobe);
    EXPECT_EQ(k.hook(Hook::Free).programs,
              (std::vector<ProgramAttach>{
                  {"kprobe_ep_refcount_dec_and_test", AttachKind::Kprobe, "ep_put"},
                  {"kretprobe_ep_refcount_dec_and_test", AttachKind::Kretprobe, "ep_put"}}));
}

TEST(PlanFree, WithoutTheRefcountTheTeardownExitFrees) {
    auto d = recorded("6.1");
    d.btf_funcs["ep_refcount_dec_and_test"] = "bool (struct epitem *epi)";
    const Plan p = plan_for(d);
    EXPECT_EQ(p.hook(Hook::Free).programs,
              (std::vector<ProgramAttach>{
                  {"fexit_ep_clear_and_put", AttachKind::Fexit, "ep_clear_and_put"}}));
}

TEST(PlanFree, FallsBackToEpFreeOnOlderKernels) {
    auto d = recorded("6.1");
    d.btf_funcs.erase("ep_refcount_dec_and_test");
    d.kallsyms.erase("ep_refcount_dec_and_test");
    d.btf_funcs.erase("ep_clear_and_put");
    d.kallsyms.erase("ep_clear_and_put");
    d.btf_funcs["ep_free"] = "void (struct eventpoll *ep)";
    d.kallsyms.insert("ep_free");
    const Plan p = plan_for(d);
    EXPECT_EQ(find_program(p, "fentry_ep_clear_and_put")->target, "ep_free");
    EXPECT_EQ(find_program(p, "fexit_ep_clear_and_put")->target, "ep_free");
    EXPECT_EQ(p.hook(Hook::Free).backend, Backend::Fentry);
}

TEST(PlanNothing, NoBtfNoKprobesNoTracefs) {
    auto d = recorded("6.18");
    d.btf = false;
    d.btf_funcs.clear();
    d.tracefs.clear();
    d.tracepoints.clear();
    const Plan p = plan_for(d);
    EXPECT_EQ(p.level, Level::Nothing);
    EXPECT_EQ(p.backend, Backend::None);
    EXPECT_TRUE(contains(p.backend_reason, "fentry: no vmlinux BTF")) << p.backend_reason;
    EXPECT_TRUE(contains(p.backend_reason, "tracepoint: tracefs is not mounted"))
        << p.backend_reason;
    EXPECT_TRUE(contains(plan_error(d, BackendChoice::Tracepoint), "tracefs is not mounted"));
}

TEST(PlanText, RecordsBackendHooksAndPrograms) {
    const std::string t = plan_for(recorded("6.1")).to_text();
    EXPECT_TRUE(contains(t, "requested auto\nbackend fentry\n")) << t;
    EXPECT_TRUE(contains(t, "level full\n")) << t;
    EXPECT_TRUE(contains(t, "hook insert fentry\nreason insert: ep_insert is inlined here")) << t;
    EXPECT_TRUE(contains(t, "program fentry_ep_remove fentry ep_remove_epi\n")) << t;
    EXPECT_TRUE(contains(t, "release_file_reports_items no\n")) << t;
    EXPECT_TRUE(contains(t, "program tp_sched_process_fork tp_btf sched_process_fork\n")) << t;
    // fds going away, on every backend (FD_CLOSE).
    EXPECT_TRUE(contains(t, "program tp_sys_enter_close tracepoint syscalls/sys_enter_close\n"))
        << t;
    EXPECT_TRUE(contains(t, "program tp_sys_exit_dup3 tracepoint syscalls/sys_exit_dup3\n")) << t;
}

TEST(PlanText, SaysWhenCloseIsNotSeen) {
    auto d = recorded("6.12");
    d.tracepoints.erase("syscalls:sys_exit_close");
    const Plan p = plan_for(d, BackendChoice::Tracepoint);
    for (const auto& prog : p.programs()) EXPECT_NE(prog.program, "tp_sys_enter_close");
    EXPECT_NE(
        std::find_if(p.missing.begin(), p.missing.end(),
                     [](const std::string& m) { return contains(m, "sys_enter/exit_close"); }),
        p.missing.end());
}

// Reads of edge-triggered items' fds (FD_READ): on every backend, and a
// missing tracepoint is said, not silently skipped.
TEST(PlanText, ReadsOnEveryBackendAndSaysWhenOneIsNotSeen) {
    for (auto choice : {BackendChoice::Fentry, BackendChoice::Kprobe, BackendChoice::Tracepoint}) {
        const Plan p = plan_for(recorded("6.12"), choice);
        EXPECT_NE(find_program(p, "tp_sys_exit_recvmsg"), nullptr) << to_string(choice);
        EXPECT_NE(find_program(p, "tp_sys_enter_read"), nullptr) << to_string(choice);
    }
    auto d = recorded("6.12");
    d.tracepoints.erase("syscalls:sys_exit_recvmmsg");
    const Plan p = plan_for(d, BackendChoice::Tracepoint);
    EXPECT_EQ(find_program(p, "tp_sys_enter_recvmmsg"), nullptr);
    EXPECT_NE(std::find(p.missing.begin(), p.missing.end(),
                        "no syscalls tracepoints of recvmmsg(): reads of edge-triggered items "
                        "through them are not seen"),
              p.missing.end());
}

TEST(BackendChoiceWords, ParseAndReject) {
    EXPECT_EQ(parse_backend_choice("auto"), BackendChoice::Auto);
    EXPECT_EQ(parse_backend_choice("kprobe"), BackendChoice::Kprobe);
    try {
        parse_backend_choice("ebpf");
        FAIL();
    } catch (const PlanError& e) {
        EXPECT_STREQ(e.what(), "unknown backend 'ebpf': use auto, fentry, kprobe or tracepoint");
    }
}

}  // namespace
}  // namespace epscope::plan

namespace epscope::plan {
namespace {

TEST(PlanProcessTracking, NeedsBtfTracepointsAndSaysSoWhenMissing) {
    auto d = test::recorded("6.18");
    d.btf_tracepoints.erase("sched_process_exec");
    const Plan p = plan_for(d);
    EXPECT_EQ(std::count_if(p.always.begin(), p.always.end(),
                            [](const ProgramAttach& a) { return a.kind == AttachKind::TpBtf; }),
              2);
    EXPECT_NE(std::find(p.missing.begin(), p.missing.end(),
                        "no BTF tracepoint sched_process_exec: process tracking misses it"),
              p.missing.end());
    for (const auto& prog : p.programs()) EXPECT_NE(prog.program, "tp_sched_process_exec");
}

}  // namespace
}  // namespace epscope::plan

namespace epscope::plan {
namespace {

// 7.2 is PREEMPT_LAZY: a fentry program preempted mid-run is skipped for the next thread on
// its CPU (lost records), kprobe handlers run with preemption off: auto takes kprobes, says why.
TEST(PlanPreemption, PreemptibleKernelPrefersKprobesAndSaysWhy) {
    const KernelDescription d = recorded("7.2");
    EXPECT_EQ(d.preempt, "lazy");
    const Plan p = plan_for(d);
    EXPECT_EQ(p.backend, Backend::Kprobe);
    EXPECT_EQ(p.level, Level::Full);
    EXPECT_TRUE(contains(p.backend_reason,
                         "fentry: kernel preemption is lazy: a trampoline "
                         "program preempted mid-run"))
        << p.backend_reason;
    EXPECT_TRUE(p.backend_reason.ends_with("-> kprobe")) << p.backend_reason;
    for (const char* model : {"full", "rt"}) {
        KernelDescription m = d;
        m.preempt = model;
        EXPECT_EQ(plan_for(m).backend, Backend::Kprobe) << model;
    }
    for (const char* model : {"voluntary", "none", "unknown"}) {
        KernelDescription m = d;
        m.preempt = model;
        EXPECT_EQ(plan_for(m).backend, Backend::Fentry) << model;
    }
    // Without kprobes, fentry still beats the syscall tracepoints.
    KernelDescription no_kprobes = d;
    no_kprobes.kprobes = false;
    EXPECT_EQ(plan_for(no_kprobes).backend, Backend::Fentry);
    // Forced fentry stays fentry.
    EXPECT_EQ(plan_for(d, BackendChoice::Fentry).backend, Backend::Fentry);
    // Kprobes failing there (do_epoll_ctl inlined), fentry is tried next, then tracepoints.
    KernelDescription no_ctl = d;
    no_ctl.kallsyms.erase("do_epoll_ctl");
    const Plan f = plan_for(no_ctl);
    EXPECT_EQ(f.backend, Backend::Tracepoint);
    EXPECT_TRUE(contains(f.backend_reason, "; kprobe: insert: do_epoll_ctl is inlined here"))
        << f.backend_reason;
    EXPECT_TRUE(contains(f.backend_reason, "; fentry: insert: do_epoll_ctl is inlined here"))
        << f.backend_reason;
}

// 7.2 runs tracepoint programs preemptible (lab: tp_sched_process_exit skipped for other
// threads' exits; 429,480 close programs skipped in 5 s of 4 threads closing): process
// tracking and the fd-closing syscalls attach by kprobe there, and the plan says why.
TEST(PlanPreemption, ProcessTrackingAndClosesByKprobeWhereTracepointsArePreemptible) {
    const Plan p = plan_for(recorded("7.2"));
    for (const char* tp :
         {"tp_sched_process_fork", "tp_sched_process_exec", "tp_sched_process_exit",
          "tp_sys_enter_close", "tp_sys_exit_close", "tp_sys_enter_dup2", "tp_sys_exit_dup2",
          "tp_sys_enter_dup3", "tp_sys_exit_dup3"})
        EXPECT_EQ(find_program(p, tp), nullptr) << tp;
    const std::pair<const char*, const char*> by_kprobe[] = {
        {"kprobe_wake_up_new_task", "wake_up_new_task"},
        {"kretprobe_begin_new_exec", "begin_new_exec"},
        {"kprobe_do_exit", "do_exit"},
        {"kprobe_sys_close", "__x64_sys_close"},
        {"kretprobe_sys_close", "__x64_sys_close"},
        {"kprobe_sys_dup2", "__x64_sys_dup2"},
        {"kretprobe_sys_dup2", "__x64_sys_dup2"},
        {"kprobe_sys_dup3", "__x64_sys_dup3"},
        {"kretprobe_sys_dup3", "__x64_sys_dup3"}};
    for (const auto& [program, target] : by_kprobe) {
        const ProgramAttach* a = find_program(p, program);
        ASSERT_NE(a, nullptr) << program;
        EXPECT_EQ(a->target, target) << program;
    }
    ASSERT_EQ(p.notes.size(), 2u);
    EXPECT_TRUE(
        p.notes[0].starts_with("process tracking by kprobe wake_up_new_task + "
                               "kretprobe begin_new_exec + kprobe do_exit: kernel "
                               "preemption is lazy"))
        << p.notes[0];
    EXPECT_TRUE(p.notes[1].starts_with("fds closed by kprobe __x64_sys_close")) << p.notes[1];
    EXPECT_TRUE(contains(format_plan(p), "\nnote: process tracking by kprobe"));
    EXPECT_EQ(Plan::from_text(p.to_text()).notes, p.notes);
    // Not preemptible (6.12's voluntary), or no kprobes: the tracepoints, no note.
    for (auto d : {recorded("6.12"), recorded("7.2")}) {
        if (d.preemptible()) d.kprobes = false;
        const Plan t = plan_for(d);
        EXPECT_NE(find_program(t, "tp_sched_process_exit"), nullptr) << d.release;
        EXPECT_NE(find_program(t, "tp_sys_enter_close"), nullptr) << d.release;
        EXPECT_TRUE(t.notes.empty()) << d.release;
    }
    // A function missing: that family stays on its tracepoints, the other does not.
    auto no_exit = recorded("7.2");
    no_exit.kallsyms.erase("do_exit");
    const Plan e = plan_for(no_exit);
    EXPECT_NE(find_program(e, "tp_sched_process_exit"), nullptr);
    EXPECT_EQ(find_program(e, "kprobe_wake_up_new_task"), nullptr);
    EXPECT_NE(find_program(e, "kprobe_sys_close"), nullptr);
}

}  // namespace
}  // namespace epscope::plan
