// The selected instance's rb-tree as the kernel holds it: nodes by in-order
// position (x) and depth (y), red and black discs, rings for ready, overflow
// and seeded items. Only the visible part is drawn, so large trees stay fast.
#include <algorithm>
#include <cmath>
#include <string>

#include "app/draw_util.hpp"
#include "app/windows.hpp"
#include "view/tree_layout.hpp"

namespace epscope::gui {
namespace {

constexpr float kMargin = 30.0f;
constexpr float kLevel = 64.0f;  // vertical distance between depths

}  // namespace

void draw_tree(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    place_window(l.tree());
    ImGui::Begin("Tree", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    if (draw_message(r, l) || ui.selected == model::kNil) {
        if (r.opened() && r.record_count() > 0)
            ImGui::TextDisabled("no live instance at the cursor");
        ImGui::End();
        return;
    }
    const model::Model& m = r.model();
    const view::TreeLayout& t = v.tree(r, ui.selected);
    ImGui::Text("%zu items: %u black, %u red%s", t.nodes.size(), t.black, t.red,
                t.exact ? "" : "   (shape partly from a /proc snapshot)");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(120);
    ImGui::SliderFloat("zoom", &ui.zoom, 0.05f, 4.0f, "%.2fx", ImGuiSliderFlags_Logarithmic);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    if (ImGui::InputInt("find fd", &ui.find_fd, 0, 0, ImGuiInputTextFlags_EnterReturnsTrue)) {
        ui.scroll_to_find = true;
        ui.selected_fd = ui.find_fd;
    }

    ImGui::BeginChild("canvas", ImVec2(0, 0), false, ImGuiWindowFlags_HorizontalScrollbar);
    const float avail = ImGui::GetContentRegionAvail().x - 2 * kMargin;
    const std::size_t n = std::max<std::size_t>(t.nodes.size(), 1);
    // Fit the tree to the window at zoom 1, within readable bounds.
    const float dx = std::clamp(avail / static_cast<float>(n), 16.0f, 110.0f) * ui.zoom;
    const float radius = std::clamp(dx * 0.3f, 2.0f, 12.0f);
    const float width = kMargin * 2 + dx * static_cast<float>(n);
    const float height = kMargin * 2 + kLevel * static_cast<float>(t.max_depth + 1);
    if (ui.scroll_to_find) {
        for (const view::TreeNodeLayout& node : t.nodes) {
            if (node.fd == ui.find_fd) {
                ImGui::SetScrollX(std::max(0.0f, kMargin + dx * node.x - avail / 2));
            }
        }
        ui.scroll_to_find = false;
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("tree", ImVec2(width, height));
    const bool hovered = ImGui::IsItemHovered();
    if (hovered && ImGui::GetIO().KeyCtrl && ImGui::GetIO().MouseWheel != 0) {
        ui.zoom = std::clamp(ui.zoom * std::pow(1.15f, ImGui::GetIO().MouseWheel), 0.05f, 4.0f);
    }

    auto center = [&](const view::TreeNodeLayout& node) {
        return ImVec2(origin.x + kMargin + dx * (static_cast<float>(node.x) + 0.5f),
                      origin.y + kMargin + kLevel * static_cast<float>(node.depth));
    };
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 clip_min = dl->GetClipRectMin();
    const ImVec2 clip_max = dl->GetClipRectMax();
    // Visible in-order range (plus one node each side for the edges leaving it).
    const float first_f = (clip_min.x - origin.x - kMargin) / dx - 1;
    const float last_f = (clip_max.x - origin.x - kMargin) / dx + 1;
    const std::size_t first = first_f < 0 ? 0 : static_cast<std::size_t>(first_f);
    const std::size_t last =
        std::min(t.nodes.size(), static_cast<std::size_t>(std::max(0.0f, last_f)) + 1);

    // Edges first, so the discs cover their ends. An edge is drawn if it
    // crosses the visible range.
    for (const view::TreeNodeLayout& node : t.nodes) {
        if (node.parent < 0) continue;
        const view::TreeNodeLayout& p = t.nodes[static_cast<std::size_t>(node.parent)];
        std::size_t lo = std::min(node.x, p.x);
        std::size_t hi = std::max(node.x, p.x);
        if (hi < first || lo >= last) continue;
        dl->AddLine(center(p), center(node), col(view::kTreeEdge), 1.0f);
    }
    const model::ItemRef none = model::kNil;
    model::ItemRef hovered_item = none;
    const bool labels = dx >= 40;
    // Marks first, discs after: a mark never covers a neighbour's disc, so
    // every disc stays one solid colour (the screenshot tests count them).
    for (std::size_t i = first; i < last; ++i) {
        const view::TreeNodeLayout& node = t.nodes[i];
        ImVec2 c = center(node);
        if (node.flash) dl->AddCircleFilled(c, radius + 16, col(view::kFlash, 90));
        if (node.ready) dl->AddCircle(c, radius + 4, col(view::kReadyMark), 0, 3);
        if (node.overflow) dl->AddCircle(c, radius + 8, col(view::kOverflowMark), 0, 3);
        if (node.seeded) dl->AddCircle(c, radius + 4, col(view::kSeededMark), 0, 2);
        if (node.fd == ui.selected_fd) dl->AddCircle(c, radius + 12, col(view::kSelection), 0, 3);
    }
    for (std::size_t i = first; i < last; ++i) {
        const view::TreeNodeLayout& node = t.nodes[i];
        ImVec2 c = center(node);
        dl->AddCircleFilled(
            c, radius, col(node.color == model::RbColor::Red ? view::kNodeRed : view::kNodeBlack));
        if (labels) {
            // Below the disc, so the disc stays one solid colour; the name
            // only when it fits between neighbours.
            std::string text = node.label;
            if (ImGui::CalcTextSize(text.c_str()).x > dx - 4)
                text = "fd " + std::to_string(node.fd);
            ImVec2 ts = ImGui::CalcTextSize(text.c_str());
            dl->AddText(ImVec2(c.x - ts.x / 2, c.y + radius + 6), IM_COL32(0, 0, 0, 255),
                        text.c_str());
        }
        if (hovered) {
            ImVec2 mp = ImGui::GetIO().MousePos;
            float ddx = mp.x - c.x;
            float ddy = mp.y - c.y;
            if (ddx * ddx + ddy * ddy <= (radius + 4) * (radius + 4)) hovered_item = node.item;
        }
    }
    if (hovered_item != none) {
        const model::Item& it = m.item(hovered_item);
        for (const view::TreeNodeLayout& node : t.nodes) {
            if (node.item != hovered_item) continue;
            ImGui::SetTooltip(
                "%s\nevents 0x%x  data 0x%llx\ncallbacks %llu  deliveries %llu%s%s",
                node.label.c_str(), it.events, static_cast<unsigned long long>(it.data),
                static_cast<unsigned long long>(it.stats.callbacks[0] + it.stats.callbacks[1]),
                static_cast<unsigned long long>(it.stats.deliveries),
                node.ready ? "\non the ready list" : "", node.seeded ? "\nseeded from /proc" : "");
            if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) ui.selected_fd = node.fd;
        }
    }
    ImGui::EndChild();
    ImGui::End();
}

}  // namespace epscope::gui
