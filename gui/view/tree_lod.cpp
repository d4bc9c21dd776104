#include "view/tree_lod.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace epscope::view {
namespace {

std::int64_t column(float x) { return static_cast<std::int64_t>(std::floor(x)); }

// Extends the last band of (depth, kind) when `col` touches it, else starts one.
void put(std::vector<TreeBand>& bands, std::vector<std::int64_t>& last, std::uint32_t depth,
         BandKind kind, std::int64_t col) {
    const std::size_t key = depth * 6u + static_cast<std::size_t>(kind);
    if (last[key] >= 0) {
        TreeBand& b = bands[static_cast<std::size_t>(last[key])];
        if (col <= b.x1 + 1) {
            b.x1 = std::max(b.x1, col);
            ++b.nodes;
            return;
        }
    }
    last[key] = static_cast<std::int64_t>(bands.size());
    bands.push_back(TreeBand{depth, col, col, kind, 1});
}

}  // namespace

TreeDrawList tree_draw_list(const TreeLayout& t, float dx, float margin, float clip0, float clip1) {
    TreeDrawList out;
    const std::size_t n = t.nodes.size();
    if (n == 0 || dx <= 0) return out;
    auto x_of = [&](std::size_t i) { return margin + dx * (static_cast<float>(i) + 0.5f); };
    // Visible in-order range, one node of slack each side.
    const float f = (clip0 - margin) / dx - 1;
    const float l = (clip1 - margin) / dx + 1;
    const std::size_t first = f <= 0 ? 0 : std::min(n, static_cast<std::size_t>(f));
    const std::size_t last = l <= 0 ? 0 : std::min(n, static_cast<std::size_t>(l) + 1);
    if (first >= last) return out;

    // Dense depths: two nodes of the depth in one pixel column.
    std::vector<std::uint8_t> dense(t.max_depth + 1, 0);
    std::vector<std::int64_t> last_col(t.max_depth + 1, INT64_MIN);
    for (std::size_t i = first; i < last; ++i) {
        const std::uint32_t d = t.nodes[i].depth;
        const std::int64_t c = column(x_of(i));
        if (last_col[d] == c) dense[d] = 1;
        last_col[d] = c;
    }
    std::vector<std::int64_t> last_band((t.max_depth + 1) * 6u, -1);
    for (std::size_t i = first; i < last; ++i) {
        const TreeNodeLayout& node = t.nodes[i];
        if (!dense[node.depth]) {
            out.nodes.push_back(static_cast<std::uint32_t>(i));
            if (node.parent >= 0) out.edges.push_back(static_cast<std::uint32_t>(i));
            continue;
        }
        out.merged = true;
        const std::int64_t c = column(x_of(i));
        put(out.bands, last_band, node.depth,
            node.color == model::RbColor::Red ? BandKind::Red : BandKind::Black, c);
        if (node.flash) put(out.bands, last_band, node.depth, BandKind::Flash, c);
        if (node.overflow) put(out.bands, last_band, node.depth, BandKind::Overflow, c);
        if (node.ready) put(out.bands, last_band, node.depth, BandKind::Ready, c);
        if (node.seeded) put(out.bands, last_band, node.depth, BandKind::Seeded, c);
    }
    // Edges crossing the range with both ends outside it: such a child is an
    // ancestor of the first or the last visible node (everything between a
    // node and its child in in-order lies in the child's subtree).
    std::unordered_set<std::uint32_t> seen;
    for (std::size_t end : {first, last - 1}) {
        for (std::int32_t c = static_cast<std::int32_t>(end); c >= 0;
             c = t.nodes[static_cast<std::size_t>(c)].parent) {
            const auto ci = static_cast<std::size_t>(c);
            const std::int32_t p = t.nodes[ci].parent;
            if (p < 0) break;
            const auto pi = static_cast<std::size_t>(p);
            const bool child_in = ci >= first && ci < last;
            const bool crosses = std::max(ci, pi) >= first && std::min(ci, pi) < last;
            if (!child_in && crosses && !dense[t.nodes[ci].depth] &&
                seen.insert(static_cast<std::uint32_t>(ci)).second) {
                out.edges.push_back(static_cast<std::uint32_t>(ci));
            }
        }
    }
    return out;
}

}  // namespace epscope::view
