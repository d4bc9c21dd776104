#include "capture/skipped_runs.hpp"

#include <gtest/gtest.h>

namespace epscope::capture {
namespace {

TEST(SkippedRuns, GrowthIsCountedFromTheFirstReadingPerProgram) {
    // Counters are the kernel's since load: what was there at the start is
    // not this capture's loss.
    SkippedRuns runs({{"kprobe_ep_poll_callback", 4}, {"tp_sys_enter_close", 0}});
    EXPECT_EQ(runs.update({{"kprobe_ep_poll_callback", 4}, {"tp_sys_enter_close", 2}}), 2u);
    EXPECT_EQ(runs.update({{"kprobe_ep_poll_callback", 5}, {"tp_sys_enter_close", 2}}), 1u);
    EXPECT_EQ(runs.update({{"kprobe_ep_poll_callback", 5}, {"tp_sys_enter_close", 2}}), 0u);
    const std::vector<ProgramSkips> want{{"kprobe_ep_poll_callback", 1}, {"tp_sys_enter_close", 2}};
    EXPECT_EQ(runs.since_first(), want);
}

TEST(SkippedRuns, NothingSkippedNamesNothing) {
    SkippedRuns runs({{"kprobe_ep_poll_callback", 3}});
    EXPECT_EQ(runs.update({{"kprobe_ep_poll_callback", 3}}), 0u);
    EXPECT_TRUE(runs.since_first().empty());
    EXPECT_EQ(describe_skipped_runs(runs.since_first()), "");
    EXPECT_EQ(describe_skipped_runs({{"kprobe_ep_poll_callback", 0}}), "");
}

TEST(SkippedRuns, KprobeAndTracepointProgramsBlameTheSharedCounter) {
    EXPECT_EQ(describe_skipped_runs({{"kprobe_ep_poll_callback", 1}, {"tp_sys_enter_close", 2}}),
              "kernel skipped program runs: kprobe_ep_poll_callback 1, tp_sys_enter_close 2 "
              "(another BPF program held this CPU; these records are lost)");
}

TEST(SkippedRuns, TrampolineProgramsBlameTheirOwnPreemptedRun) {
    EXPECT_EQ(describe_skipped_runs({{"fentry_do_epoll_wait", 3}, {"tp_btf_sched_switch", 1}}),
              "kernel skipped program runs: fentry_do_epoll_wait 3, tp_btf_sched_switch 1 "
              "(fentry/fexit: the program itself was preempted mid-run on this CPU, try "
              "--backend kprobe; these records are lost)");
    const std::string both =
        describe_skipped_runs({{"fexit_do_epoll_wait", 1}, {"kretprobe_ep_poll_callback", 1}});
    EXPECT_NE(both.find("another BPF program held this CPU; fentry/fexit:"), std::string::npos)
        << both;
}

}  // namespace
}  // namespace epscope::capture
