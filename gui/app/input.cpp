#include "app/input.hpp"

#include "app/backend.hpp"
#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "imgui.h"

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
    if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV)) {
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
    ImGui::TextDisabled("mouse: wheel zooms, drag pans, click selects");
    ImGui::End();
}

}  // namespace epscope::gui
