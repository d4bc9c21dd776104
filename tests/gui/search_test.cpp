// The search box's view-model: hits by fd name, fd number, process name or
// pid, and a waiting thread's tid, in browser order (by pid).
#include "view/search.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "../scratch_dir.hpp"
#include "search_trace.hpp"
#include "view/replay.hpp"

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;

TEST(Search, FindsItemsByNameNumberProcessAndThread) {
    const epscope::testing::ScratchDir dir("epscope-search");
    view::Replay r(write_search_trace(dir / "search.trace"));
    const model::Model& m = r.model();
    const model::InstanceRef web = m.find_instance(ep_of(1));
    const model::InstanceRef redis = m.find_instance(ep_of(2));
    ASSERT_NE(web, model::kNil);
    ASSERT_NE(redis, model::kNil);

    auto hits = view::search(m, "127.0.0.1:6379");
    ASSERT_EQ(hits.size(), 2u);
    EXPECT_EQ(hits[0].inst, web);
    EXPECT_EQ(hits[0].fd, 6);
    EXPECT_EQ(hits[1].inst, redis);
    EXPECT_EQ(hits[1].fd, 9);
    EXPECT_NE(hits[1].label.find("pid 200 redis"), std::string::npos) << hits[1].label;
    EXPECT_NE(hits[1].label.find("(127.0.0.1:6379->127.0.0.1:50000)"), std::string::npos);

    hits = view::search(m, "REDIS");  // a process, case-insensitive: its instance
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].inst, redis);
    EXPECT_EQ(hits[0].fd, -1);
    hits = view::search(m, "11");  // fd 11 of web only (no name holds "11")
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].inst, web);
    EXPECT_EQ(hits[0].fd, 11);
    hits = view::search(m, "201");  // the waiting thread
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].inst, redis);
    EXPECT_TRUE(view::search(m, "").empty());
    EXPECT_TRUE(view::search(m, "10.0.0.1").empty());
}

}  // namespace
}  // namespace epscope::gui_test
