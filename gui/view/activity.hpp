// Recent activity at the cursor, for the tree's "callback fired" flash: the
// items of an instance whose ep_poll_callback ran shortly before the cursor.
#pragma once

#include <cstdint>
#include <vector>

#include "model/model.hpp"
#include "view/replay.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {

// Items of `inst` with a CALLBACK record in (cursor - window_ns, cursor], in
// the replayed prefix; each item once, most recent first.
std::vector<model::ItemRef> recent_callbacks(const Replay& r, model::InstanceRef inst,
                                             std::uint64_t window_ns);

// Sets TreeNodeLayout::flash on the nodes of `items`.
void mark_flash(TreeLayout& t, const std::vector<model::ItemRef>& items);

}  // namespace epscope::view
