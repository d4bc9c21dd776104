// The gutters between the panes: dragging one moves the border it stands
// for (the shares of view/layout.hpp). Each gutter is a small borderless
// window of its own, so it never overlaps a pane and whichever window has
// the focus cannot cover it.
#include "app/splitters.hpp"

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "imgui_internal.h"

namespace epscope::gui {
namespace {

// One gutter; `across`: it moves left-right (a vertical gutter). Returns the
// pointer's move while the gutter is dragged, in pixels along its axis.
float gutter(const char* id, const view::Rect& r, bool across, UiReport* report) {
    ImGui::SetNextWindowPos(ImVec2(r.x0, r.y0), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(r.w(), r.h()), ImGuiCond_Always);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowMinSize, ImVec2(1, 1));
    ImGui::Begin(id, nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                     ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoNav);
    ImGui::InvisibleButton("##drag", ImVec2(r.w(), r.h()));
    const bool hot = ImGui::IsItemHovered() || ImGui::IsItemActive();
    if (hot) ImGui::SetMouseCursor(across ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
    if (hot) {
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(r.x0, r.y0), ImVec2(r.x1, r.y1),
                                                  col(view::kSplitter));
    }
    const float moved = ImGui::IsItemActive()
                            ? (across ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y)
                            : 0.0f;
    if (report != nullptr) report->gutter(id, ImVec2(r.x0, r.y0), ImVec2(r.x1, r.y1));
    ImGui::End();
    ImGui::PopStyleVar(3);
    return moved;
}

}  // namespace

void draw_splitters(UiState& ui, const Layout& l) {
    view::Shares s = ui.shares;
    const float w = std::max(1.0f, l.w);
    const float top = std::max(1.0f, l.top_h());
    s.side += gutter("side_gutter", l.side_gutter(), true, ui.report) / w;
    s.details -= gutter("details_gutter", l.details_gutter(), true, ui.report) / w;
    s.timeline -=
        gutter("timeline_gutter", l.timeline_gutter(), false, ui.report) / std::max(1.0f, l.h);
    s.browser += gutter("browser_gutter", l.browser_gutter(), false, ui.report) / top;
    s.findings -= gutter("findings_gutter", l.findings_gutter(), false, ui.report) / top;
    s = s.clamped();
    if (s == ui.shares) return;
    ui.shares = s;
    ImGui::MarkIniSettingsDirty();  // kept between runs (layout_store.cpp)
}

void reset_layout(UiState& ui) {
    if (ui.shares == view::Shares{}) return;
    ui.shares = view::Shares{};
    ImGui::MarkIniSettingsDirty();
}

}  // namespace epscope::gui
