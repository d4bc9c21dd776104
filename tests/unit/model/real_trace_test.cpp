// The model on real kernel traces: tests/host/epoll_script recorded with the
// fentry backend in the kernel lab on stock Debian 6.1 (ep_start_scan inlined:
// HARVEST_BEGIN inferred) and 6.12. Every kernel walk and HARVEST_END count
// must agree with the model, and everything the script created must be gone.
#include <gtest/gtest.h>

#include <string>

#include "model/model.hpp"
#include "trace/reader.hpp"

namespace epscope::model {
namespace {

// Feeds the model and keeps each instance's counters as they were just before
// its INSTANCE_FREE (the model drops the instance then).
class Replay : public stream::RecordSink {
public:
    void on_record(const stream::Record& rec) override {
        if (rec.kind() == EP_KIND_INSTANCE_FREE) {
            InstanceRef i = model.find_instance(rec.as<ep_instance_free>().ep);
            if (i != kNil) {
                const InstanceStats& s = model.instance(i).stats;
                desyncs += s.desyncs;
                unexplained += s.unexplained_deliveries;
                deliveries += s.deliveries;
                harvests += s.harvests;
                ++freed;
            }
        }
        model.on_record(rec);
    }

    Model model;
    std::uint64_t desyncs = 0;
    std::uint64_t unexplained = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t harvests = 0;
    std::uint64_t freed = 0;
};

void replay_script_trace(const std::string& name) {
    trace::TraceReader reader(std::string(EPSCOPE_MODEL_DATA_DIR) + "/" + name);
    Replay r;
    ASSERT_GT(reader.read_all(r), 0u);
    const VerifyStats& v = r.model.stats().verify;
    EXPECT_GT(v.total_checks(), 0u);
    // Each harvest: three list walks and the HARVEST_END counts.
    EXPECT_EQ(v.checks[VerifyStats::HarvestEnd], r.harvests);
    EXPECT_EQ(v.checks[VerifyStats::Ready], r.harvests);
    EXPECT_EQ(v.total_mismatches(), 0u) << "last: " << v.last_mismatch;
    EXPECT_EQ(r.model.stats().malformed, 0u);
    // The script: epfd (4 harvests: 1 + 3 + 1 events) and epfd2 (1 harvest, 1 event).
    EXPECT_EQ(r.freed, 2u);
    EXPECT_EQ(r.harvests, 4u);
    EXPECT_EQ(r.deliveries, 6u);
    // The EPOLL_CTL_MOD that found c writable queued it (queued=ready): an
    // explained delivery, not a model gap.
    EXPECT_EQ(r.unexplained, 0u);
    EXPECT_EQ(r.desyncs, 0u);
    EXPECT_TRUE(r.model.instances().empty());
    EXPECT_EQ(r.model.live_items(), 0u);
}

TEST(ModelRealTrace, EpollScriptFentryDebian61) {
    replay_script_trace("epoll_script-6.1-fentry.trace");
}

TEST(ModelRealTrace, EpollScriptFentryDebian612) {
    replay_script_trace("epoll_script-6.12-fentry.trace");
}

}  // namespace
}  // namespace epscope::model
