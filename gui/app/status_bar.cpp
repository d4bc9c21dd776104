// The status bar: where the records come from, how many, the losses (red
// when any), and how the kernel was hooked.
#include <string>

#include "app/draw_util.hpp"
#include "app/splitters.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"

namespace epscope::gui {

namespace {

// The View menu: the actions that have a key, for who does not know it.
void view_menu(UiState& ui) {
    if (ImGui::SmallButton("View")) ImGui::OpenPopup("view_menu");
    if (!ImGui::BeginPopup("view_menu")) return;
    if (ImGui::MenuItem("Reset layout", "Ctrl+L")) reset_layout(ui);
    if (ui.report != nullptr)
        ui.report->gutter("reset_layout_item", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    if (ImGui::MenuItem("Keys and colours", "?", ui.keys_overlay))
        ui.keys_overlay = !ui.keys_overlay;
    ImGui::EndPopup();
}

}  // namespace

void draw_status_bar(const view::Replay& r, UiState& ui, const Layout& l) {
    place_window(l.status());
    ImGui::Begin(
        "status", nullptr,
        ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    view_menu(ui);
    if (ui.report != nullptr)
        ui.report->gutter("view_menu", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    ImGui::SameLine(0, 20);
    if (r.live() && (r.live_alarm() || r.header().get(trace::kMetaStreamIncomplete))) {
        // Joined too late for the whole stream, dropped, or cut off: the
        // state shown lacks records.
        ImGui::TextColored(col4(view::kLostText), "source: %s", r.source_label().c_str());
    } else {
        ImGui::Text("source: %s", r.source_label().c_str());
    }
    ImGui::SameLine(0, 20);
    const std::uint64_t span = r.last_ts() - r.first_ts();
    const double rate =
        span > 0 ? static_cast<double>(r.record_count()) * 1e9 / static_cast<double>(span) : 0;
    ImGui::Text("events: %zu (%.0f/s)", r.record_count(), rate);
    ImGui::SameLine(0, 20);
    if (r.lost_total() != 0) {
        ImGui::TextColored(col4(view::kLostText), "lost: %llu",
                           static_cast<unsigned long long>(r.lost_total()));
    } else {
        ImGui::Text("lost: 0");
    }
    ImGui::SameLine(0, 20);
    ImGui::Text("backend: %s", r.backend().c_str());
    if (!r.header().kernel_release.empty()) {
        ImGui::SameLine(0, 20);
        ImGui::Text("kernel: %s", r.header().kernel_release.c_str());
    }
    const model::VerifyStats& v = r.model().stats().verify;
    if (v.total_checks() != 0) {
        ImGui::SameLine(0, 20);
        ImGui::Text("verify: %llu checks, %llu mismatches",
                    static_cast<unsigned long long>(v.total_checks()),
                    static_cast<unsigned long long>(v.total_mismatches()));
    }
    if (ImGui::IsWindowHovered() && !r.header().attach_plan.empty()) {
        ImGui::SetTooltip("%s", r.header().attach_plan.c_str());
    }
    ImGui::End();
}

}  // namespace epscope::gui
