#include "view/tree_lod.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace epscope::view {
namespace {

// Per depth, the last pixel column something was drawn in.
class ColumnFilter {
public:
    explicit ColumnFilter(std::uint32_t depths) : last_(depths + 1, INT64_MIN) {}
    bool first_in_column(std::uint32_t depth, float x) {
        const auto col = static_cast<std::int64_t>(std::floor(x));
        if (last_[depth] == col) return false;
        last_[depth] = col;
        return true;
    }

private:
    std::vector<std::int64_t> last_;
};

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

    ColumnFilter discs(t.max_depth);
    ColumnFilter edges(t.max_depth);
    for (std::size_t i = first; i < last; ++i) {
        const TreeNodeLayout& node = t.nodes[i];
        const float x = x_of(i);
        if (discs.first_in_column(node.depth, x)) {
            out.nodes.push_back(static_cast<std::uint32_t>(i));
        } else {
            out.merged = true;
        }
        if (node.parent >= 0 && edges.first_in_column(node.depth, x)) {
            out.edges.push_back(static_cast<std::uint32_t>(i));
        }
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
            if (!child_in && crosses && seen.insert(static_cast<std::uint32_t>(ci)).second) {
                out.edges.push_back(static_cast<std::uint32_t>(ci));
            }
        }
    }
    return out;
}

}  // namespace epscope::view
