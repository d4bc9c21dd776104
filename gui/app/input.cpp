#include "app/input.hpp"

#include <algorithm>

#include "app/backend.hpp"
#include "app/draw_util.hpp"
#include "app/splitters.hpp"
#include "app/ui_report.hpp"
#include "imgui.h"
#include "view/legend.hpp"

namespace epscope::gui {
namespace {

const view::KeyBinding& binding(view::KeyAction a) {
    for (const view::KeyBinding& b : view::kKeys) {
        if (b.action == a) return b;
    }
    return view::kKeys[0];  // unreachable: every action has a row (view_test checks)
}

// `?` is a character (shift+/ on a US keyboard, elsewhere on others): read
// from the typed characters, so it works whatever the layout.
bool typed(char c) {
    for (ImWchar w : ImGui::GetIO().InputQueueCharacters) {
        if (w == static_cast<ImWchar>(c)) return true;
    }
    return false;
}

// A legend row's sample, drawn as the pane draws that colour.
void swatch(const view::LegendEntry& e) {
    const float s = ImGui::GetTextLineHeight();
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 c(p.x + s, p.y + s / 2);
    switch (e.swatch) {
        case view::Swatch::Disc:
            dl->AddCircleFilled(c, s / 2 - 1, col(e.colour));
            break;
        case view::Swatch::Ring:
            dl->AddCircle(c, s / 2 - 2, col(e.colour), 0, 3);
            break;
        case view::Swatch::Box:
            dl->AddRectFilled(ImVec2(p.x + 2, p.y + 2), ImVec2(p.x + 2 * s - 2, p.y + s - 2),
                              col(e.colour));
            break;
        case view::Swatch::Bar:
            dl->AddRectFilled(ImVec2(p.x, p.y + s / 4), ImVec2(p.x + 2 * s, p.y + s * 3 / 4),
                              col(e.colour));
            break;
        case view::Swatch::Line:
            dl->AddLine(ImVec2(p.x, c.y), ImVec2(p.x + 2 * s, c.y), col(e.colour), 2.0f);
            break;
    }
    ImGui::Dummy(ImVec2(2 * s, s));
}

// Every colour of the tree, queues, timeline and findings, from view/legend.hpp.
void legend(UiReport* report) {
    ImGui::TextUnformatted("Colours");
    if (!ImGui::BeginTable(
            "legend", 3,
            ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit))
        return;
    for (const view::LegendEntry& e : view::kLegend) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", e.pane);
        ImGui::TableNextColumn();
        swatch(e);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(e.what);
        if (report != nullptr) report->legend_row(e.pane, e.colour);
    }
    ImGui::EndTable();
}

}  // namespace

bool key_pressed(view::KeyAction a) {
    const ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return false;
    const view::KeyBinding& b = binding(a);
    if (b.key == view::Key::Question) return typed('?');
    return key_went_down(b.key, b.ctrl, b.repeats);
}

void app_keys(UiState& ui) {
    if (key_pressed(view::KeyAction::Help)) ui.keys_overlay = !ui.keys_overlay;
    if (key_pressed(view::KeyAction::FindFd)) ui.focus_find = true;
    if (key_pressed(view::KeyAction::ResetLayout)) reset_layout(ui);
    // The next frame's font is rebuilt at the new size (Backend::begin_frame).
    if (key_pressed(view::KeyAction::TextLarger)) ui.font_zoom *= view::kTextZoomStep;
    if (key_pressed(view::KeyAction::TextSmaller)) ui.font_zoom /= view::kTextZoomStep;
    if (key_pressed(view::KeyAction::TextReset)) ui.font_zoom = 1.0f;
    ui.font_zoom = std::clamp(ui.font_zoom, view::kTextZoomMin, view::kTextZoomMax);
}

void draw_keys_overlay(const UiState& ui, const Layout& l) {
    if (!ui.keys_overlay) return;
    // Centred over the tree, in front of every window, with its own
    // background (the windows draw none: backend_glfw.cpp).
    const view::Rect t = l.tree();
    ImGui::SetNextWindowPos(ImVec2((t.x0 + t.x1) / 2, (t.y0 + t.y1) / 2), ImGuiCond_Always,
                            ImVec2(0.5f, 0.5f));
    ImGui::SetNextWindowBgAlpha(1.0f);
    ImGui::SetNextWindowFocus();
    ImGui::Begin("Keys", nullptr,
                 ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
    // Keys on the left, colours on the right: both fit over the tree.
    ImGui::BeginGroup();
    if (ImGui::BeginTable("keys", 2,
                          ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                              ImGuiTableFlags_SizingFixedFit)) {
        for (const view::KeyBinding& b : view::kKeys) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(b.label);
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(b.what);
            if (ui.report != nullptr) ui.report->keys_overlay_row();
        }
        ImGui::EndTable();
    }
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + 300 * ui.scale);
    ImGui::TextDisabled("mouse: wheel zooms, drag pans, click selects, drag a gutter resizes");
    ImGui::PopTextWrapPos();
    ImGui::EndGroup();
    ImGui::SameLine(0, 16 * ui.scale);
    ImGui::BeginGroup();
    legend(ui.report);
    ImGui::EndGroup();
    ImGui::End();
}

}  // namespace epscope::gui
