// The instance browser: processes -> epoll instances, sortable and filterable.
#include <algorithm>
#include <string>

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "imgui.h"
#include "view/search.hpp"
#include "view/tree_layout.hpp"

namespace epscope::gui {
namespace {

// The search box: Enter or ">" selects the next hit, "<" the previous one,
// in every window (its instance, its item; the tree scrolls to it). Searched
// on demand, not every frame: a hundred instances of 10,000 items each.
void search_row(const view::Replay& r, UiState& ui) {
    ImGui::SetNextItemWidth(-60);
    const bool enter = ImGui::InputTextWithHint(
        "##search", "search: fd name, fd, process, pid, tid", ui.search.data(), ui.search.size(),
        ImGuiInputTextFlags_EnterReturnsTrue);
    if (ui.report != nullptr)
        ui.report->gutter("search_box", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    ImGui::SameLine();
    const bool prev = ImGui::SmallButton("<");
    if (ui.report != nullptr)
        ui.report->gutter("search_prev", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    ImGui::SameLine();
    const bool next = ImGui::SmallButton(">");
    if (ui.report != nullptr)
        ui.report->gutter("search_next", ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
    if (ui.search_hits == 0) ImGui::TextDisabled("nothing found");
    if (ui.search_hits > 0)
        ImGui::TextDisabled("hit %d of %d", ui.search_index + 1, ui.search_hits);
    if (!enter && !prev && !next) return;
    const std::vector<view::SearchHit> hits = view::search(r.model(), ui.search.data());
    ui.search_hits = static_cast<int>(hits.size());
    if (hits.empty()) {
        ui.search_index = -1;
        return;
    }
    const int n = ui.search_hits;
    ui.search_index = prev ? (ui.search_index + n - 1) % n : (ui.search_index + 1) % n;
    const view::SearchHit& h = hits[static_cast<std::size_t>(ui.search_index)];
    ui.selected = h.inst;
    ui.select(h.fd >= 0 ? view::item_of_fd(r.model(), h.inst, h.fd) : view::ItemSel{});
    if (h.fd >= 0) {
        ui.find_fd = h.fd;
        ui.scroll_to_find = true;
    }
}

}  // namespace

void draw_browser(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    place_window(l.browser());
    ImGui::Begin("Instances", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    ImGui::SetNextItemWidth(-1);
    ImGui::InputTextWithHint("##filter", "filter: process name or pid", ui.filter.data(),
                             ui.filter.size());
    ui.query.filter = ui.filter.data();
    search_row(r, ui);

    const model::Model& m = r.model();
    const std::vector<view::InstanceRow>& rows = v.rows(r, ui.query);
    // Keep a valid selection: the first shown instance when the old one is gone.
    bool selected_live = false;
    for (model::InstanceRef i : m.instances()) selected_live |= i == ui.selected;
    if (!selected_live) ui.selected = rows.empty() ? model::kNil : rows.front().inst;
    // The selected fd: which instances of the same process hold it (a square
    // in the selection colour before their epfd).
    const std::vector<model::InstanceRef>* holding = nullptr;
    if (ui.selected_fd >= 0 && ui.selected != model::kNil) {
        holding = &v.holding_fd(r, view::instance_owner(m.instance(ui.selected)), ui.selected_fd);
        ImGui::Text("fd %d is an item of %zu instance%s", ui.selected_fd, holding->size(),
                    holding->size() == 1 ? "" : "s");
        ImGui::SameLine();
        if (ImGui::SmallButton("clear##fd")) ui.selected_fd = -1;
    }

    constexpr ImGuiTableFlags kFlags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                                       ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                       ImGuiTableFlags_SizingFixedFit;
    if (ImGui::BeginTable("instances", 6, kFlags)) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("pid", ImGuiTableColumnFlags_DefaultSort, 0, 0);
        ImGui::TableSetupColumn("comm", ImGuiTableColumnFlags_WidthStretch, 0, 1);
        ImGui::TableSetupColumn("epfd", 0, 0, 2);
        ImGui::TableSetupColumn("items", 0, 0, 3);
        ImGui::TableSetupColumn("ready", 0, 0, 4);
        ImGui::TableSetupColumn("waiters", 0, 0, 5);
        ImGui::TableHeadersRow();
        if (ImGuiTableSortSpecs* s = ImGui::TableGetSortSpecs(); s && s->SpecsCount > 0) {
            ui.query.key = static_cast<view::SortKey>(s->Specs[0].ColumnUserID);
            ui.query.descending = s->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        }
        for (const view::InstanceRow& row : rows) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::PushID(static_cast<int>(row.inst));
            std::string pid = std::to_string(row.pid);
            if (ImGui::Selectable(pid.c_str(), row.inst == ui.selected,
                                  ImGuiSelectableFlags_SpanAllColumns)) {
                ui.selected = row.inst;
            }
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.comm.empty() ? "?" : row.comm.c_str());
            ImGui::TableNextColumn();
            if (holding != nullptr &&
                std::find(holding->begin(), holding->end(), row.inst) != holding->end()) {
                const ImVec2 p = ImGui::GetCursorScreenPos();
                const float s = ImGui::GetTextLineHeight();
                ImGui::GetWindowDrawList()->AddRectFilled(
                    ImVec2(p.x, p.y + 2), ImVec2(p.x + s - 4, p.y + s - 2), col(view::kSelection));
                ImGui::Dummy(ImVec2(s - 2, s));
                ImGui::SameLine(0, 2);
            }
            ImGui::TextUnformatted(row.epfds.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%u", row.items);
            ImGui::TableNextColumn();
            ImGui::Text("%u%s", row.ready, row.harvesting ? " (harvest)" : "");
            ImGui::TableNextColumn();
            ImGui::Text("%u", row.waiters);
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

}  // namespace epscope::gui
