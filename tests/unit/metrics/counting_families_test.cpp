// counting_families (the exporter's families from counting mode's maps):
// what counting mode cannot count is said as a series, so a fleet sees it.
#include "metrics/counting_families.hpp"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <string>

namespace epscope::metrics {
namespace {

std::string text_of(const capture::CountingSnapshot& snap) {
    capture::CountingVisibility seen;
    CountingNames names{[](std::uint64_t) { return std::string("ep#1"); },
                        [](std::uint32_t, std::int32_t) { return std::string(); }};
    return prometheus::TextSerializer().Serialize(
        counting_families(snap, seen, names, CountingLimits{}, {"tracepoint", 1}));
}

capture::CountingSnapshot one_instance() {
    capture::CountingSnapshot snap;
    capture::InstanceCounts c;
    c.ep = 0xffff888000010000ull;
    c.tgid = 42;
    c.epfd = 3;
    c.comm = "srv";
    c.waits = 10;
    c.deliveries = 7;
    snap.instances.push_back(c);
    capture::ProcessCounts p;
    p.tgid = 42;
    p.comm = "srv";
    p.instances = {0};
    p.total = c;
    snap.processes.push_back(p);
    return snap;
}

// Program runs the kernel skipped (a preempted map syscall on a preemptible
// kernel) lose calls from the counts: the exporter says how many.
TEST(CountingFamilies, SkippedProgramRunsAreACounter) {
    capture::CountingSnapshot snap = one_instance();
    EXPECT_NE(text_of(snap).find("\nepscope_skipped_runs_total 0\n"), std::string::npos);
    snap.skipped_runs = 7;
    const std::string text = text_of(snap);
    EXPECT_NE(text.find("\nepscope_skipped_runs_total 7\n"), std::string::npos) << text;
    EXPECT_NE(text.find("# TYPE epscope_skipped_runs_total counter"), std::string::npos);
}

}  // namespace
}  // namespace epscope::metrics
