// Which tree nodes and edges to draw for a horizontal window of the canvas:
// only the in-order range that is visible (plus the edges crossing it), and
// when zoomed out so far that several nodes share a pixel column, one node
// per column and depth (level of detail): drawing costs pixels, not items.
#pragma once

#include <cstdint>
#include <vector>

#include "view/tree_layout.hpp"

namespace epscope::view {

struct TreeDrawList {
    std::vector<std::uint32_t> nodes;  // indexes into TreeLayout::nodes, discs to draw
    std::vector<std::uint32_t> edges;  // children whose edge to their parent is drawn
    bool merged = false;               // some nodes stood for others in their pixel
};

// Node i sits at x = margin + dx * (i + 0.5) on the canvas; [clip0, clip1)
// is the visible canvas range.
TreeDrawList tree_draw_list(const TreeLayout& t, float dx, float margin, float clip0, float clip1);

}  // namespace epscope::view
