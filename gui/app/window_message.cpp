// The banner that replaces the tree when there is nothing to draw: the file
// could not be read (red) or holds no records (amber). Damage after some
// readable records shows as a red line above the tree instead.
#include <string>

#include "app/draw_util.hpp"
#include "app/windows.hpp"

namespace epscope::gui {
namespace {

void banner(view::Rgb fill, const std::string& title, const std::string& text) {
    const float w = ImGui::GetContentRegionAvail().x;
    const float wrap = w - 24;
    ImVec2 title_size = ImGui::CalcTextSize(title.c_str());
    ImVec2 text_size = ImGui::CalcTextSize(text.c_str(), nullptr, false, wrap);
    const float h = title_size.y + text_size.y + 36;
    ImVec2 p = ImGui::GetCursorScreenPos();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + h), col(fill));
    dl->AddText(ImVec2(p.x + 12, p.y + 12), col(view::kBannerText), title.c_str());
    dl->AddText(nullptr, 0.0f, ImVec2(p.x + 12, p.y + 24 + title_size.y), col(view::kBannerText),
                text.c_str(), nullptr, wrap);
    ImGui::Dummy(ImVec2(w, h));
}

}  // namespace

bool draw_message(const view::Replay& r, const Layout&) {
    if (!r.opened() && r.live()) {
        banner(view::kErrorBanner, "No live stream",
               r.open_error() + "\n\nStart the tracer with `sudo epscope live -p PID --serve " +
                   r.source() + "` (or `sudo epscope gui -p PID`).");
        return true;
    }
    if (r.live() && r.record_count() == 0) {
        banner(view::kInfoBanner, "Waiting for events", r.source_label());
        return true;
    }
    if (!r.opened()) {
        banner(view::kErrorBanner, "This file cannot be shown",
               r.open_error() + "\n\nOpen a trace written by `epscope record -o FILE`.");
        return true;
    }
    if (!r.damage().empty()) {
        if (r.record_count() == 0) {
            banner(view::kErrorBanner, "This trace is damaged and has no readable records",
                   r.damage());
            return true;
        }
        ImGui::PushStyleColor(ImGuiCol_Text, col4(view::kErrorBanner));
        ImGui::TextWrapped("damaged trace: showing the %zu records before the damage: %s",
                           r.record_count(), r.damage().c_str());
        ImGui::PopStyleColor();
    }
    if (r.record_count() == 0) {
        banner(view::kInfoBanner, "This trace holds no records",
               r.source() +
                   ": nothing was traced. Was the program using epoll, and did "
                   "`epscope record` select it?");
        return true;
    }
    return false;
}

}  // namespace epscope::gui
