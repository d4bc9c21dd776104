#include "app/draw_util.hpp"

#include <cstdio>

namespace epscope::gui {

std::string seconds(std::uint64_t ns) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%llu.%06llu s",
                  static_cast<unsigned long long>(ns / 1000000000),
                  static_cast<unsigned long long>((ns % 1000000000) / 1000));
    return buf;
}

bool queue_box(const char* id, const std::string& text, view::Rgb fill, bool selected) {
    ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    ImVec2 size(ts.x + 16, ts.y + 12);
    ImVec2 p = ImGui::GetCursorScreenPos();
    bool clicked = ImGui::InvisibleButton(id, size);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + size.x, p.y + size.y), col(fill));
    if (selected)
        dl->AddRect(p, ImVec2(p.x + size.x, p.y + size.y), col(view::kSelection), 0, 0, 3);
    dl->AddText(ImVec2(p.x + 8, p.y + 6), col(view::kQueueBoxText), text.c_str());
    return clicked;
}

}  // namespace epscope::gui
