// UI-only state: what the user selected, zoomed, filtered and where the
// timeline cursor is. The model never sees it; the view-model reads it.
#pragma once

#include <array>
#include <cstdint>

#include "model/model.hpp"
#include "view/browser.hpp"

namespace epscope::gui {

struct UiState {
    model::InstanceRef selected = model::kNil;  // instance shown in the tree and queues
    std::int32_t selected_fd = -1;              // item selected by a click anywhere
    float zoom = 1.0f;                          // tree spacing multiplier
    std::int32_t find_fd = -1;                  // "find fd": scroll the tree to it
    bool scroll_to_find = false;
    std::array<char, 64> filter{};  // browser filter text
    view::BrowserQuery query;
    // Timeline.
    bool playing = false;
    float speed = 1.0f;        // trace seconds per wall second
    int step_kind = 6;         // EP_KIND_CALLBACK: "next event of this kind"
    std::uint64_t rel_ns = 0;  // cursor, ns after the first record
};

// Window rectangles for a given framebuffer size: a fixed layout, so a
// screenshot always shows every window in the same place.
struct Layout {
    float w = 0;
    float h = 0;
    float side_w() const { return w * 0.34f; }
    float bottom_h() const { return 86.0f; }  // timeline + status bar
    float status_h() const { return 26.0f; }
    float top_h() const { return h - bottom_h(); }
};

}  // namespace epscope::gui
