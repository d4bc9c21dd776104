// The selected instance's rb-tree as the kernel holds it: nodes by in-order
// position (x) and depth (y), red and black discs, rings for ready, overflow
// and seeded items, a halo when a callback just fired, a ring for the
// selected fd. Wheel or buttons zoom, dragging pans, a right click folds a
// subtree, "find fd" unfolds and scrolls to an item. Only the visible part is
// drawn, one node per pixel column and depth when zoomed out (view/tree_lod).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "trace/visibility.hpp"
#include "view/tree_layout.hpp"
#include "view/tree_lod.hpp"

namespace epscope::gui {
namespace {

constexpr float kMargin = 30.0f;
constexpr float kLevel = 64.0f;  // vertical distance between depths at zoom >= 1
constexpr float kMinZoom = 0.001f;
constexpr float kMaxZoom = 8.0f;

// "find fd": empty until the user types a number (Enter finds it); Ctrl+F
// gives it the keyboard.
void find_box(UiState& ui) {
    if (ui.focus_find) {
        ImGui::SetKeyboardFocusHere();
        ui.focus_find = false;
    }
    ImGui::SetNextItemWidth(70);
    if (ImGui::InputTextWithHint(
            "find fd", "fd", ui.find_text.data(), ui.find_text.size(),
            ImGuiInputTextFlags_CharsDecimal | ImGuiInputTextFlags_EnterReturnsTrue)) {
        char* end = nullptr;
        const long fd = std::strtol(ui.find_text.data(), &end, 10);
        if (end != ui.find_text.data() && *end == '\0' && fd >= 0 && fd <= INT32_MAX) {
            ui.find_fd = static_cast<std::int32_t>(fd);
            ui.scroll_to_find = true;
            ui.select(view::ItemSel{ui.find_fd});
        }
    }
}

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
    if (ui.collapsed_of != ui.selected) {
        ui.collapsed.clear();
        ui.collapsed_of = ui.selected;
    }
    const model::Model& m = r.model();
    const view::TreeLayout& whole = v.tree(r, ui.selected);
    ImGui::Text("%zu items: %u black, %u red%s", whole.nodes.size(), whole.black, whole.red,
                whole.exact ? "" : "  (shape partly from a /proc snapshot)");
    ImGui::SameLine();
    bool fit = false;
    float zoom_by = 1.0f;
    if (ImGui::SmallButton("-")) zoom_by = 0.5f;
    ImGui::SameLine();
    if (ImGui::SmallButton("+")) zoom_by = 2.0f;
    ImGui::SameLine();
    if (ImGui::SmallButton("fit")) fit = true;
    ImGui::SameLine();
    ImGui::Text("%.3gx", ui.zoom);
    ImGui::SameLine();
    find_box(ui);
    if (!ui.collapsed.empty()) {
        ImGui::SameLine();
        if (ImGui::SmallButton("unfold all")) ui.collapsed.clear();
    }
    // Finding an item inside a folded subtree unfolds its ancestors.
    std::int32_t find_index = -1;
    if (ui.scroll_to_find) {
        std::vector<std::int32_t> path;
        if (view::find_node(whole, ui.find_fd, &path) >= 0) {
            for (std::int32_t p : path)
                ui.collapsed.erase(whole.nodes[static_cast<std::size_t>(p)].fd);
        }
    }
    const view::TreeLayout& t = v.folded_tree(r, ui.selected, ui.collapsed);
    if (ui.scroll_to_find) find_index = view::find_node(t, ui.find_fd, nullptr);
    if (ui.scroll_to_find && find_index < 0) {
        ImGui::TextColored(col4(view::kErrorBanner), "fd %d is not an item of this instance",
                           ui.find_fd);
    }

    ImGui::BeginChild("canvas", ImVec2(0, 0), false,
                      ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    const ImVec2 win = ImGui::GetWindowPos();
    const ImVec2 view_size = ImGui::GetWindowSize();
    const float avail = ImGui::GetContentRegionAvail().x - 2 * kMargin;
    const std::size_t n = std::max<std::size_t>(t.nodes.size(), 1);
    // At zoom 1 the tree fits the window, within readable spacing.
    const float base = std::clamp(avail / static_cast<float>(n), 16.0f, 110.0f);
    if (ui.fitted_for != ui.selected) {
        // A large tree opens whole (zoomed out), a small one at zoom 1.
        fit = true;
        ui.fitted_for = ui.selected;
        ImGui::SetScrollX(0);
        ImGui::SetScrollY(0);
    }
    if (fit) ui.zoom = std::clamp(avail / (base * static_cast<float>(n)), kMinZoom, 1.0f);
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    const bool over_canvas = ImGui::IsWindowHovered();
    if (over_canvas && ImGui::GetIO().MouseWheel != 0) {
        zoom_by = std::pow(1.25f, ImGui::GetIO().MouseWheel);
    }
    if (zoom_by != 1.0f) {
        // Keep the point under the mouse (or the middle) where it is.
        const float old_dx = base * ui.zoom;
        const float new_zoom = std::clamp(ui.zoom * zoom_by, kMinZoom, kMaxZoom);
        const float ax = over_canvas ? mouse.x - win.x : view_size.x / 2;
        const float content_x = ImGui::GetScrollX() + ax;
        const float k = base * new_zoom / old_dx;
        ImGui::SetScrollX(std::max(0.0f, kMargin + (content_x - kMargin) * k - ax));
        ui.zoom = new_zoom;
    }
    const float dx = base * ui.zoom;
    // Depths squeeze a little when zoomed out, so more of a deep tree fits.
    const float level = kLevel * std::clamp(ui.zoom, 0.4f, 1.0f);
    const float radius = std::clamp(dx * 0.3f, 1.0f, 12.0f);
    const float width = kMargin * 2 + dx * static_cast<float>(n);
    const float height = kMargin * 2 + level * static_cast<float>(t.max_depth + 1);
    if (find_index >= 0) {
        const view::TreeNodeLayout& node = t.nodes[static_cast<std::size_t>(find_index)];
        ImGui::SetScrollX(std::max(0.0f, kMargin + dx * static_cast<float>(node.x) - avail / 2));
        ImGui::SetScrollY(
            std::max(0.0f, kMargin + level * static_cast<float>(node.depth) - view_size.y / 2));
    }
    ui.scroll_to_find = false;
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    ImGui::InvisibleButton("tree", ImVec2(width, height),
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    const bool hovered = ImGui::IsItemHovered();
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
        const ImVec2 d = ImGui::GetIO().MouseDelta;
        ImGui::SetScrollX(ImGui::GetScrollX() - d.x);
        ImGui::SetScrollY(ImGui::GetScrollY() - d.y);
    }
    const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);
    const bool left_click = ImGui::IsItemDeactivated() && drag.x == 0 && drag.y == 0;
    const bool right_click = hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Right);

    auto center = [&](const view::TreeNodeLayout& node) {
        return ImVec2(origin.x + kMargin + dx * (static_cast<float>(node.x) + 0.5f),
                      origin.y + kMargin + level * static_cast<float>(node.depth));
    };
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 clip_min = dl->GetClipRectMin();
    const ImVec2 clip_max = dl->GetClipRectMax();
    // Canvas x of node i: kMargin + dx * (i + 0.5), as tree_draw_list places it.
    const view::TreeDrawList draw =
        view::tree_draw_list(t, dx, kMargin, clip_min.x - origin.x, clip_max.x - origin.x);
    const float y_lo = clip_min.y - 20;
    const float y_hi = clip_max.y + 20;
    for (std::uint32_t i : draw.edges) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const view::TreeNodeLayout& p = t.nodes[static_cast<std::size_t>(node.parent)];
        const ImVec2 a = center(p);
        const ImVec2 b = center(node);
        if (std::max(a.y, b.y) < y_lo || std::min(a.y, b.y) > y_hi) continue;
        dl->AddLine(a, b, col(view::kTreeEdge), 1.0f);
    }
    const bool detail = dx >= 6;   // rings and labels only when there is room for them
    const bool labels = dx >= 28;  // "fd NN" fits; the name only when there is room
    const float char_w = ImGui::CalcTextSize("0").x;  // the font is monospaced
    std::int32_t hovered_node = -1;
    // Marks first, discs after: a mark never covers a neighbour's disc, so
    // every disc stays one solid colour (the screenshot tests count them).
    for (std::uint32_t i : draw.nodes) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const ImVec2 c = center(node);
        if (c.y < y_lo || c.y > y_hi) continue;
        const bool selected = ui.is_selected(node.sel());
        if (detail) {
            if (node.flash) dl->AddCircleFilled(c, radius + 16, col(view::kFlash, 90));
            if (node.ready) dl->AddCircle(c, radius + 4, col(view::kReadyMark), 0, 3);
            if (node.overflow) dl->AddCircle(c, radius + 8, col(view::kOverflowMark), 0, 3);
            if (node.seeded) dl->AddCircle(c, radius + 4, col(view::kSeededMark), 0, 2);
        } else if (node.ready || node.flash || node.seeded || node.overflow) {
            // Zoomed out: one small square under the node says "look here".
            const view::Rgb m = node.flash      ? view::kFlash
                                : node.overflow ? view::kOverflowMark
                                : node.ready    ? view::kReadyMark
                                                : view::kSeededMark;
            dl->AddRectFilled(ImVec2(c.x - 1, c.y + radius + 1), ImVec2(c.x + 2, c.y + radius + 4),
                              col(m));
        }
        if (selected) dl->AddCircle(c, std::max(radius + 12, 8.0f), col(view::kSelection), 0, 3);
    }
    for (std::uint32_t i : draw.nodes) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const ImVec2 c = center(node);
        if (c.y < y_lo || c.y > y_hi) continue;
        const ImU32 fill =
            col(node.color == model::RbColor::Red ? view::kNodeRed : view::kNodeBlack);
        if (radius >= 3) {
            dl->AddCircleFilled(c, radius, fill);
        } else {
            // Level of detail: a square of a few pixels costs 4 vertices, not 20.
            dl->AddRectFilled(ImVec2(c.x - radius, c.y - radius),
                              ImVec2(c.x + radius, c.y + radius), fill);
        }
        if (node.hidden != 0) {
            // A folded subtree: a triangle below and how many it hides.
            dl->AddTriangleFilled(ImVec2(c.x - 6, c.y + radius + 4),
                                  ImVec2(c.x + 6, c.y + radius + 4), ImVec2(c.x, c.y + radius + 12),
                                  col(view::kTreeEdge));
            const std::string h = "+" + std::to_string(node.hidden);
            dl->AddText(ImVec2(c.x + radius + 3, c.y - 7), IM_COL32(60, 60, 60, 255), h.c_str());
        }
        if (labels) {
            // Below the disc, so the disc stays one solid colour; the name
            // as far as it fits between neighbours (elided).
            const std::string text = view::elide_label(
                node.label, node.fd, static_cast<std::size_t>(std::max(0.0f, dx - 4) / char_w));
            const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
            const float below = node.hidden != 0 ? 14 : 6;
            dl->AddText(ImVec2(c.x - ts.x / 2, c.y + radius + below), IM_COL32(0, 0, 0, 255),
                        text.c_str());
        }
        if (ui.report != nullptr && c.x >= clip_min.x && c.x < clip_max.x && c.y >= clip_min.y &&
            c.y < clip_max.y) {
            const float reach = std::max(radius + 4, 5.0f);
            ui.report->target("tree", node.fd, ImVec2(c.x - reach, c.y - reach),
                              ImVec2(c.x + reach, c.y + reach));
        }
        if (hovered) {
            const float hx = mouse.x - c.x;
            const float hy = mouse.y - c.y;
            const float reach = std::max(radius + 4, 5.0f);
            if (hx * hx + hy * hy <= reach * reach) hovered_node = static_cast<std::int32_t>(i);
        }
    }
    // Dense depths (zoomed out): runs of columns as one rectangle each.
    for (const view::TreeBand& b : draw.bands) {
        const float y = origin.y + kMargin + level * static_cast<float>(b.depth);
        if (y < y_lo || y > y_hi) continue;
        const float x0 = origin.x + static_cast<float>(b.x0);
        const float x1 = origin.x + static_cast<float>(b.x1) + 1;
        const float r = std::max(radius, 1.0f);
        view::Rgb c = view::kNodeBlack;
        float top = y - r;
        float bottom = y + r;
        switch (b.kind) {
            case view::BandKind::Black:
                break;
            case view::BandKind::Red:
                c = view::kNodeRed;
                break;
            default:
                // Marks: a strip under the row, in the mark's colour.
                c = b.kind == view::BandKind::Flash      ? view::kFlash
                    : b.kind == view::BandKind::Overflow ? view::kOverflowMark
                    : b.kind == view::BandKind::Ready    ? view::kReadyMark
                                                         : view::kSeededMark;
                top = y + r + 1;
                bottom = y + r + 4;
                break;
        }
        dl->AddRectFilled(ImVec2(x0, top), ImVec2(x1, bottom), col(c));
    }
    if (hovered_node >= 0) {
        const view::TreeNodeLayout& node = t.nodes[static_cast<std::size_t>(hovered_node)];
        const model::Item& it = m.item(node.item);
        std::uint64_t cbs = 0;
        for (std::uint64_t c : it.stats.callbacks) cbs += c;
        const trace::Visibility seen = trace::visibility_of(r.header());
        const std::string callbacks =
            seen.callbacks ? std::to_string(cbs) : "(" + seen.not_seen() + ")";
        ImGui::SetTooltip(
            "%s\nevents 0x%x  data 0x%llx\ncallbacks %s  deliveries %llu%s%s%s\n"
            "click: select   right click: %s subtree",
            node.label.c_str(), it.events, static_cast<unsigned long long>(it.data),
            callbacks.c_str(), static_cast<unsigned long long>(it.stats.deliveries),
            node.ready ? "\non the ready list" : "", node.seeded ? "\nseeded from /proc" : "",
            node.hidden ? ("\nfolded: hides " + std::to_string(node.hidden)).c_str() : "",
            node.hidden ? "unfold" : "fold");
        if (left_click) ui.select(node.sel());
        if (right_click) {
            if (node.hidden != 0 || ui.collapsed.count(node.fd) != 0) {
                ui.collapsed.erase(node.fd);
            } else {
                ui.collapsed.insert(node.fd);
            }
        }
    }
    if (draw.merged) {
        ImGui::SetCursorScreenPos(ImVec2(win.x + 4, win.y + 4));
        ImGui::TextDisabled("zoomed out: one node per pixel and depth");
    }
    ImGui::EndChild();
    ImGui::End();
}

}  // namespace epscope::gui
