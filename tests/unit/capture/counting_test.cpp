// Counting mode's pure parts: the log2 histogram's quantile bound and sums,
// and which figures a plan cannot see (said, never shown as zeros).
#include "capture/counting.hpp"

#include <gtest/gtest.h>

namespace epscope::capture {
namespace {

TEST(CountHistogramTest, QuantileIsTheUpperBoundOfItsBucket) {
    CountHistogram h;
    EXPECT_EQ(h.quantile_bound_ns(0.99), 0u);  // empty: nothing measured
    h.buckets[3] = 98;                         // [8, 16) ns
    h.buckets[10] = 2;                         // [1024, 2048) ns
    EXPECT_EQ(h.quantile_bound_ns(0.5), 16u);
    EXPECT_EQ(h.quantile_bound_ns(0.98), 16u);
    EXPECT_EQ(h.quantile_bound_ns(0.99), 2048u);
    EXPECT_EQ(h.quantile_bound_ns(1.0), 2048u);
}

TEST(CountHistogramTest, AddSumsCountsSumsAndBuckets) {
    CountHistogram a, b;
    a.count = 2, a.sum_ns = 30, a.buckets[4] = 2;
    b.count = 1, b.sum_ns = 3000, b.buckets[11] = 1;
    a.add(b);
    EXPECT_EQ(a.count, 3u);
    EXPECT_EQ(a.sum_ns, 3030u);
    EXPECT_EQ(a.mean_ns(), 1010u);
    EXPECT_EQ(a.buckets[4], 2u);
    EXPECT_EQ(a.buckets[11], 1u);
}

SessionConfig plan_of(std::initializer_list<const char*> programs) {
    SessionConfig c;
    for (const char* p : programs) c.programs.push_back({p, AttachVia::Section, ""});
    return c;
}

TEST(CountingVisibilityTest, TheTracepointPlanSeesNoCallbacksHarvestsOrWakeups) {
    auto v = CountingVisibility::of(plan_of({"tp_sys_enter_epoll_ctl", "tp_sys_exit_epoll_ctl",
                                             "tp_sys_enter_epoll_wait", "tp_sys_exit_epoll_wait"}));
    EXPECT_FALSE(v.callbacks);
    EXPECT_FALSE(v.harvests);
    EXPECT_FALSE(v.wakeups);
    EXPECT_EQ(v.unseen(),
              "callbacks, callback-to-delivery latency, harvests, wakeups, which waits blocked");
}

TEST(CountingVisibilityTest, KernelHooksSeeEverything) {
    auto v = CountingVisibility::of(
        plan_of({"fentry_ep_poll_callback", "fentry_ep_done_scan",
                 "fentry_ep_autoremove_wake_function", "tp_btf_sched_switch"}));
    EXPECT_TRUE(v.callbacks && v.harvests && v.wakeups && v.sleeps);
    EXPECT_EQ(v.unseen(), "");
    // 5.10: harvests through ep_send_events_proc's return.
    EXPECT_TRUE(CountingVisibility::of(plan_of({"kretprobe_ep_send_events_proc"})).harvests);
}

}  // namespace
}  // namespace epscope::capture
