// Tree drawing culls to the visible in-order range (keeping every edge that
// crosses it) and, zoomed out, draws one node per pixel column and depth.
#include "view/tree_lod.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "model/model.hpp"
#include "synthetic_stream.hpp"

namespace epscope::view {
namespace {

using gui_test::ep_of;
using gui_test::Synth;

TreeLayout big_tree(int items) {
    model::Model m;
    Synth s(m);
    s.create(ep_of(1), 3);
    for (int fd = 1; fd <= items; ++fd) s.insert(ep_of(1), 3, fd);
    return layout_tree(m, m.find_instance(ep_of(1)));
}

TEST(TreeLod, DrawsOnlyTheVisibleRangeAndTheEdgesCrossingIt) {
    const TreeLayout t = big_tree(1000);
    ASSERT_EQ(t.nodes.size(), 1000u);
    const float margin = 30;
    const float dx = 20;
    // Nodes 100..149 are on screen (one node of slack each side).
    const TreeDrawList d = tree_draw_list(t, dx, margin, margin + dx * 100, margin + dx * 150);
    EXPECT_FALSE(d.merged);
    ASSERT_EQ(d.nodes.size(), 53u);
    EXPECT_EQ(d.nodes.front(), 99u);
    EXPECT_EQ(d.nodes.back(), 151u);
    // Every edge with a part in [99, 152) is drawn, and no other.
    std::set<std::uint32_t> want;
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        const std::int32_t p = t.nodes[i].parent;
        if (p < 0) continue;
        const std::size_t lo = std::min<std::size_t>(i, static_cast<std::size_t>(p));
        const std::size_t hi = std::max<std::size_t>(i, static_cast<std::size_t>(p));
        if (hi >= 99 && lo < 152) want.insert(static_cast<std::uint32_t>(i));
    }
    const std::set<std::uint32_t> got(d.edges.begin(), d.edges.end());
    EXPECT_EQ(got.size(), d.edges.size());  // none twice
    // Edges from a visible parent to a child beyond the slack node are off
    // screen and may be left out; all others must be there.
    for (std::uint32_t c : want) {
        const auto p = static_cast<std::uint32_t>(t.nodes[c].parent);
        const bool child_beyond = (c < 99 && p == 99) || (c >= 152 && p == 151);
        if (!child_beyond) {
            EXPECT_TRUE(got.count(c)) << "edge of node " << c;
        }
    }
    for (std::uint32_t c : got) EXPECT_TRUE(want.count(c)) << "extra edge of node " << c;
    EXPECT_LT(d.edges.size(), 80u);  // not the whole tree
    // Nothing on screen: nothing drawn.
    EXPECT_TRUE(
        tree_draw_list(t, dx, margin, margin + dx * 2000, margin + dx * 2100).nodes.empty());
}

TEST(TreeLod, ZoomedOutDenseDepthsBecomeBands) {
    const TreeLayout t = big_tree(10000);
    const float margin = 10;
    const float dx = 0.05f;  // 20 nodes per pixel: the tree is 500 px wide
    const TreeDrawList d = tree_draw_list(t, dx, margin, 0, 1000);
    EXPECT_TRUE(d.merged);
    auto col = [&](std::size_t i) {
        return static_cast<long>(std::floor(margin + dx * (static_cast<float>(i) + 0.5f)));
    };
    // A depth is dense when two of its nodes share a column.
    std::vector<std::set<long>> cols(t.max_depth + 1);
    std::vector<std::size_t> per_depth(t.max_depth + 1, 0);
    for (std::size_t i = 0; i < t.nodes.size(); ++i) {
        cols[t.nodes[i].depth].insert(col(i));
        ++per_depth[t.nodes[i].depth];
    }
    std::size_t sparse_nodes = 0;
    std::size_t dense_nodes = 0;
    for (std::size_t k = 0; k <= t.max_depth; ++k) {
        (cols[k].size() == per_depth[k] ? sparse_nodes : dense_nodes) += per_depth[k];
    }
    ASSERT_GT(dense_nodes, 0u);
    // Sparse depths: every node itself, with its edge.
    EXPECT_EQ(d.nodes.size(), sparse_nodes);
    EXPECT_EQ(d.edges.size(), sparse_nodes - 1);  // all but the root's
    for (std::uint32_t i : d.nodes)
        EXPECT_EQ(cols[t.nodes[i].depth].size(), per_depth[t.nodes[i].depth]);
    // Dense depths: colour bands covering exactly the columns of their nodes,
    // standing for every node once; ready marks (every 4th item) as bands.
    std::vector<std::set<long>> covered(t.max_depth + 1);
    std::size_t colour_nodes = 0;
    std::size_t ready_nodes = 0;
    for (const TreeBand& b : d.bands) {
        if (b.kind == BandKind::Ready) ready_nodes += b.nodes;
        if (b.kind != BandKind::Black && b.kind != BandKind::Red) continue;
        colour_nodes += b.nodes;
        for (long c = b.x0; c <= b.x1; ++c) covered[b.depth].insert(c);
    }
    EXPECT_EQ(colour_nodes, dense_nodes);
    for (std::size_t k = 0; k <= t.max_depth; ++k) {
        if (cols[k].size() != per_depth[k]) {
            EXPECT_EQ(covered[k], cols[k]) << "depth " << k;
        }
    }
    EXPECT_EQ(ready_nodes, 0u);  // big_tree has nothing queued
    // Few shapes in all: bands are runs, not nodes.
    EXPECT_LT(d.nodes.size() + d.bands.size(), 1500u);
}

}  // namespace
}  // namespace epscope::view
