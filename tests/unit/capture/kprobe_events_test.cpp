#include "capture/kprobe_events.hpp"

#include <gtest/gtest.h>

#include "capture/skipped_runs.hpp"

namespace epscope::capture {
namespace {

TEST(KprobeEvents, NamesCarryTheOwnerAndFitTheKernelsLimit) {
    EXPECT_EQ(kprobe_event_name(1234, 7, "do_epoll_wait"), "e1234_7_do_epoll_wait");
    // kallsyms names of compiler clones have dots; event names may not.
    EXPECT_EQ(kprobe_event_name(5, 0, "ep_scan_ready_list.constprop.0"),
              "e5_0_ep_scan_ready_list_constprop_0");
    const std::string longest = kprobe_event_name(4194304, 99, std::string(80, 'f'));
    EXPECT_EQ(longest.size(), 63u);
    EXPECT_EQ(kprobe_event_owner(longest), 4194304);
    EXPECT_EQ(kprobe_event_owner("e1234_7_do_epoll_wait"), 1234);
    for (const char* other : {"", "e", "e_1_x", "p1234_0_f", "e12x_0_f", "e0_1_f", "e99"})
        EXPECT_EQ(kprobe_event_owner(other), 0) << other;
}

TEST(KprobeEvents, DefinitionsGiveKretprobesTheirInstances) {
    EXPECT_EQ(kprobe_event_definition("e1_0_do_epoll_wait", {true, "do_epoll_wait", 4096}),
              "r4096:epscope/e1_0_do_epoll_wait do_epoll_wait");
    EXPECT_EQ(kprobe_event_definition("e1_1_ep_done_scan", {true, "ep_done_scan", 0}),
              "r:epscope/e1_1_ep_done_scan ep_done_scan");
    // An entry probe has no instances: a count given to it is not written.
    EXPECT_EQ(kprobe_event_definition("e1_2_ep_insert", {false, "ep_insert", 4096}),
              "p:epscope/e1_2_ep_insert ep_insert");
}

TEST(KprobeEvents, OnlyOurGroupsEventsAreOurs) {
    const std::string text =
        "r4096:epscope/e1234_0_do_epoll_wait do_epoll_wait\n"
        "p:epscope/e1234_1_ep_insert ep_insert\n"
        "p:kprobes/epscope_lookalike do_sys_open\n"
        "r:perf_probe/epscope/x vfs_read\n"
        "p:epscopefoo/e1_0_x x\n"
        "\n";
    const std::vector<std::string> want{"e1234_0_do_epoll_wait", "e1234_1_ep_insert"};
    EXPECT_EQ(our_kprobe_events(text), want);
}

TEST(KprobeEvents, ProfileGivesMissedByEventAndSkipsDamagedLines) {
    const std::string text =
        "  e1234_0_do_epoll_wait                                     3609            609\n"
        "  e1234_1_ep_insert                                           12              0\n"
        "  broken line\n"
        "  p_vfs_read_0                                              100              1\n";
    const auto missed = parse_kprobe_profile(text);
    ASSERT_EQ(missed.size(), 3u);
    EXPECT_EQ(missed.at("e1234_0_do_epoll_wait"), 609u);
    EXPECT_EQ(missed.at("e1234_1_ep_insert"), 0u);
}

TEST(KprobeEvents, MissedRunsAreLostAndSaidAsTheKprobes) {
    SkippedRuns runs({{"kretprobe_do_epoll_wait", 0, 5}});
    EXPECT_EQ(runs.update({{"kretprobe_do_epoll_wait", 1, 9}}), 5u);
    const std::vector<ProgramSkips> want{{"kretprobe_do_epoll_wait", 1, 4}};
    EXPECT_EQ(runs.since_first(), want);
    const std::string line = describe_skipped_runs({{"kretprobe_do_epoll_wait", 0, 4}});
    EXPECT_EQ(line,
              "kernel skipped program runs: kretprobe_do_epoll_wait 4 (kprobe missed: more "
              "threads inside a kretprobe's function at once than its instances, or a kprobe "
              "hit inside another (counted machine-wide); these records are lost)");
}

}  // namespace
}  // namespace epscope::capture
