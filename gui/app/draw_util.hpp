// Small drawing helpers shared by the windows.
#pragma once

#include <cstdint>
#include <string>

#include "imgui.h"
#include "view/layout.hpp"
#include "view/palette.hpp"

namespace epscope::gui {

inline ImU32 col(view::Rgb c, std::uint8_t a = 255) { return IM_COL32(c.r, c.g, c.b, a); }
inline ImVec4 col4(view::Rgb c) { return ImVec4(c.r / 255.f, c.g / 255.f, c.b / 255.f, 1.f); }

// "1.234567 s" for a duration in ns.
std::string seconds(std::uint64_t ns);

// Places the next window on a layout rectangle.
inline void place_window(const view::Rect& r) {
    ImGui::SetNextWindowPos(ImVec2(r.x0, r.y0), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(r.w(), r.h()), ImGuiCond_Always);
}

// A filled box with centred text; returns true when clicked.
bool queue_box(const char* id, const std::string& text, view::Rgb fill, bool selected);

}  // namespace epscope::gui
