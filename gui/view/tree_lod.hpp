// Which tree nodes and edges to draw for a horizontal window of the canvas:
// only the in-order range that is visible (plus the edges crossing it), and,
// at depths where zooming out puts several nodes in one pixel column, runs of
// same-coloured columns as one band instead of one shape per node (level of
// detail): drawing costs pixels, not items.
#pragma once

#include <cstdint>
#include <vector>

#include "view/tree_layout.hpp"

namespace epscope::view {

enum class BandKind : std::uint8_t { Black, Red, Flash, Overflow, Ready, Seeded };

// Columns [x0, x1] (whole pixels of the canvas) at `depth` hold nodes of
// `kind` (a colour) or, for the mark kinds, nodes carrying that mark.
struct TreeBand {
    std::uint32_t depth = 0;
    std::int64_t x0 = 0;
    std::int64_t x1 = 0;
    BandKind kind = BandKind::Black;
    std::uint32_t nodes = 0;  // how many it stands for
};

struct TreeDrawList {
    // Nodes drawn one by one: those at depths where no two share a pixel.
    std::vector<std::uint32_t> nodes;
    std::vector<TreeBand> bands;  // the dense depths
    // Children whose edge to their parent is drawn: all that cross the range,
    // except into dense depths (there they would only paint the band grey).
    std::vector<std::uint32_t> edges;
    bool merged = false;  // some depth is dense
};

// Node i sits at canvas x = margin + dx * (i + 0.5); [clip0, clip1) is the
// visible canvas range.
TreeDrawList tree_draw_list(const TreeLayout& t, float dx, float margin, float clip0, float clip1);

}  // namespace epscope::view
