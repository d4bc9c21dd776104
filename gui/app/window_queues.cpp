// The ready list, the txlist of a running harvest and the overflow list as
// ordered queues, and the threads waiting on the instance.
#include <string>

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "view/queues.hpp"

namespace epscope::gui {
namespace {

void queue_row(const char* title, const std::vector<view::QueueEntry>& q, view::Rgb fill,
               UiState& ui) {
    ImGui::Text("%s (%zu)", title, q.size());
    ImGui::PushID(title);
    float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
    for (std::size_t i = 0; i < q.size(); ++i) {
        // Mark the items that will not be re-queued after delivery.
        std::string text = "fd " + std::to_string(q[i].fd);
        if (q[i].stale) text += " closed";
        if (q[i].events & EPOLLONESHOT) {
            text += " oneshot";
        } else if (q[i].events & EPOLLET) {
            text += " et";
        }
        if (i > 0) {
            // Wrap when the next box would not fit.
            float next = ImGui::GetItemRectMax().x + 6 + ImGui::CalcTextSize(text.c_str()).x + 16;
            if (next < right) ImGui::SameLine(0, 6);
        }
        if (ImGui::GetCursorScreenPos().y > ImGui::GetWindowPos().y + ImGui::GetWindowHeight()) {
            // Below the window: the rest would be clipped anyway.
            ImGui::Text("... %zu more", q.size() - i);
            break;
        }
        ImGui::PushID(static_cast<int>(i));
        const view::ItemSel sel{q[i].fd, q[i].file, q[i].stale};
        if (queue_box("##q", text, fill, ui.is_selected(sel))) ui.select(sel);
        if (ui.report != nullptr)
            ui.report->target("queues", q[i].fd, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
        if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", q[i].label.c_str());
        ImGui::PopID();
    }
    if (q.empty()) ImGui::TextDisabled("empty");
    ImGui::PopID();
    ImGui::Spacing();
}

}  // namespace

void draw_queues(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    place_window(l.queues());
    ImGui::Begin("Queues", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    if (ui.selected == model::kNil) {
        ImGui::TextDisabled("no instance selected");
        ImGui::End();
        return;
    }
    const view::Queues& q = v.queues(r, ui.selected);
    queue_row("ready list", q.ready, view::kQueueReady, ui);
    if (!q.txlist.empty()) queue_row("txlist (being harvested)", q.txlist, view::kQueueTxlist, ui);
    if (q.harvesting || !q.overflow.empty()) {
        queue_row("overflow list (newest first)", q.overflow, view::kQueueOverflow, ui);
    }

    ImGui::Separator();
    const std::vector<view::WaiterRow>& waiters = v.waiters(r, ui.selected);
    ImGui::Text("waiters (%zu)", waiters.size());
    if (!waiters.empty() &&
        ImGui::BeginTable("waiters", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
        ImGui::TableSetupColumn("tid");
        ImGui::TableSetupColumn("epfd");
        ImGui::TableSetupColumn("max");
        ImGui::TableSetupColumn("state");
        ImGui::TableSetupColumn("waiting for");
        ImGui::TableHeadersRow();
        for (const view::WaiterRow& w : waiters) {
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::Text("%u", w.tid);
            ImGui::TableNextColumn();
            ImGui::Text("%d", w.epfd);
            ImGui::TableNextColumn();
            ImGui::Text("%d", w.maxevents);
            ImGui::TableNextColumn();
            if (w.woken_by.fd >= 0) {
                // The fd is a link: it selects the item that woke the waiter.
                std::string text = std::string(view::waiter_state_name(w.state)) + " by fd " +
                                   std::to_string(w.woken_by.fd);
                ImGui::PushID(static_cast<int>(w.tid));
                if (ImGui::Selectable(text.c_str(), ui.is_selected(w.woken_by))) {
                    ui.select(w.woken_by);
                }
                ImGui::PopID();
            } else {
                ImGui::TextUnformatted(view::waiter_state_name(w.state));
            }
            ImGui::TableNextColumn();
            std::uint64_t cur = r.cursor_ts();
            ImGui::TextUnformatted(seconds(cur > w.since ? cur - w.since : 0).c_str());
        }
        ImGui::EndTable();
    }
    ImGui::End();
}

}  // namespace epscope::gui
