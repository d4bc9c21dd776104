// The selected instance's rb-tree as the kernel holds it: nodes by in-order
// position (x) and depth (y), red and black discs, rings for ready, overflow
// and seeded items, a halo when a callback just fired, a ring for the
// selected fd. Wheel or buttons zoom, dragging pans, a right click folds a
// subtree, "find fd" unfolds and scrolls to an item. Only the visible part is
// drawn, one node per pixel column and depth when zoomed out (view/tree_lod).
//
// Split as Tracy splits its timeline: the toolbar and the canvas's input
// (zoom, pan, clicks), the layout (TreeGeom: where node i is at this zoom),
// painting per element (edges, marks, discs, labels, dense bands), and the
// hovered node's tooltip. Sizes are at scale 1, multiplied by ui.scale.
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

constexpr float kMargin = 30.0f;  // around the tree inside the canvas
constexpr float kLevel = 64.0f;   // vertical distance between depths at zoom >= 1
constexpr float kMinZoom = 0.001f;
constexpr float kMaxZoom = 8.0f;
constexpr float kWheelZoom = 1.25f;       // per wheel notch
constexpr float kButtonZoom = 2.0f;       // "+" and "-"
constexpr float kMinDx = 16.0f;           // node spacing at zoom 1: at least...
constexpr float kMaxDx = 110.0f;          // ... and at most
constexpr float kMaxRadius = 12.0f;       // disc radius cap
constexpr float kDetailDx = 6.0f;         // rings drawn from this spacing on
constexpr float kLabelDx = 28.0f;         // "fd NN" labels from this spacing on
constexpr float kReadyGap = 4.0f;         // ready / seeded ring: radius + this
constexpr float kOverflowGap = 8.0f;      // overflow ring
constexpr float kSelectGap = 12.0f;       // selection ring
constexpr float kMinSelectRing = 8.0f;    // ... never smaller than this
constexpr float kFlashGap = 16.0f;        // callback halo
constexpr float kCull = 20.0f;            // rows this far outside the clip are still drawn
constexpr float kHitGap = 4.0f;           // a node answers the pointer within radius + this
constexpr float kMinHit = 5.0f;           // ... and at least this
constexpr float kLabelGap = 6.0f;         // label under the disc
constexpr float kFoldedLabelGap = 14.0f;  // ... under the fold triangle
constexpr float kFoldHalfW = 6.0f;        // fold triangle: half width
constexpr float kFoldTop = 4.0f;          // ... its top under the disc
constexpr float kFoldTip = 12.0f;         // ... its tip under the disc
constexpr float kFoldTextX = 3.0f;        // "+N" right of the disc
constexpr float kFoldTextUp = 7.0f;       // ... and up
constexpr float kFindBoxW = 70.0f;        // "find fd" box
constexpr float kNoteInset = 4.0f;        // "zoomed out" note from the canvas corner
constexpr float kEdgeW = 1.0f;
constexpr float kRingW = 3.0f;
constexpr float kSeededRingW = 2.0f;
constexpr float kMinSquare = 3.0f;  // below this radius a node is a square (4 vertices)
// Zoomed out: a small square under the node says "look here".
constexpr float kHintTop = 1.0f;
constexpr float kHintBottom = 4.0f;
constexpr float kHintHalfW = 1.0f;
constexpr std::uint8_t kFlashAlpha = 90;

// Where things are on the canvas at this zoom, in screen pixels.
struct TreeGeom {
    float s = 1;  // ui.scale
    ImVec2 origin;
    float margin = 0;
    float dx = 0;  // between neighbouring nodes (in-order)
    float level = 0;
    float radius = 0;
    float width = 0;  // the canvas
    float height = 0;
    float y_of(std::uint32_t depth) const {
        return origin.y + margin + level * static_cast<float>(depth);
    }
    ImVec2 center(const view::TreeNodeLayout& n) const {
        return ImVec2(origin.x + margin + dx * (static_cast<float>(n.x) + 0.5f), y_of(n.depth));
    }
    float reach() const { return std::max(radius + kHitGap * s, kMinHit * s); }
};

// The rows inside the clip rectangle (and a little beyond).
struct Rows {
    float lo = 0;
    float hi = 0;
    bool contains(float y) const { return y >= lo && y <= hi; }
};

// What the toolbar asked for this frame.
struct Toolbar {
    bool fit = false;
    float zoom_by = 1.0f;
};

// What the pointer did on the canvas this frame.
struct CanvasInput {
    ImVec2 mouse;
    bool hovered = false;
    bool left_click = false;  // released without dragging
    bool right_click = false;
};

// "find fd": empty until the user types a number (Enter finds it); Ctrl+F
// gives it the keyboard.
void find_box(UiState& ui) {
    if (ui.focus_find) {
        ImGui::SetKeyboardFocusHere();
        ui.focus_find = false;
    }
    ImGui::SetNextItemWidth(kFindBoxW * ui.scale);
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

// Input: the line above the canvas (counts, zoom buttons, find, unfold all).
Toolbar toolbar(const view::TreeLayout& whole, UiState& ui) {
    Toolbar tb;
    ImGui::Text("%zu items: %u black, %u red%s", whole.nodes.size(), whole.black, whole.red,
                whole.exact ? "" : "  (shape partly from a /proc snapshot)");
    ImGui::SameLine();
    if (ImGui::SmallButton("-")) tb.zoom_by = 1 / kButtonZoom;
    ImGui::SameLine();
    if (ImGui::SmallButton("+")) tb.zoom_by = kButtonZoom;
    ImGui::SameLine();
    if (ImGui::SmallButton("fit")) tb.fit = true;
    ImGui::SameLine();
    ImGui::Text("%.3gx", ui.zoom);
    ImGui::SameLine();
    find_box(ui);
    if (!ui.collapsed.empty()) {
        ImGui::SameLine();
        if (ImGui::SmallButton("unfold all")) ui.collapsed.clear();
    }
    return tb;
}

// Finding an item inside a folded subtree unfolds its ancestors.
void unfold_for_find(const view::TreeLayout& whole, UiState& ui) {
    if (!ui.scroll_to_find) return;
    std::vector<std::int32_t> path;
    if (view::find_node(whole, ui.find_fd, &path) >= 0) {
        for (std::int32_t p : path) ui.collapsed.erase(whole.nodes[static_cast<std::size_t>(p)].fd);
    }
}

// Input and layout: fits a new instance, zooms around the pointer (wheel) or
// the middle (buttons), scrolls to a found node; where the nodes go.
TreeGeom zoom_and_place(const view::TreeLayout& t, UiState& ui, Toolbar tb,
                        std::int32_t find_index) {
    TreeGeom g;
    g.s = ui.scale;
    g.margin = kMargin * g.s;
    const ImVec2 win = ImGui::GetWindowPos();
    const ImVec2 view_size = ImGui::GetWindowSize();
    const float avail = ImGui::GetContentRegionAvail().x - 2 * g.margin;
    const std::size_t n = std::max<std::size_t>(t.nodes.size(), 1);
    // At zoom 1 the tree fits the window, within readable spacing.
    const float base = std::clamp(avail / static_cast<float>(n), kMinDx * g.s, kMaxDx * g.s);
    if (ui.fitted_for != ui.selected) {
        // A large tree opens whole (zoomed out), a small one at zoom 1.
        tb.fit = true;
        ui.fitted_for = ui.selected;
        ImGui::SetScrollX(0);
        ImGui::SetScrollY(0);
    }
    if (tb.fit) ui.zoom = std::clamp(avail / (base * static_cast<float>(n)), kMinZoom, 1.0f);
    const ImGuiIO& io = ImGui::GetIO();
    const bool over_canvas = ImGui::IsWindowHovered();
    if (over_canvas && io.MouseWheel != 0) tb.zoom_by = std::pow(kWheelZoom, io.MouseWheel);
    if (tb.zoom_by != 1.0f) {
        // Keep the point under the mouse (or the middle) where it is.
        const float new_zoom = std::clamp(ui.zoom * tb.zoom_by, kMinZoom, kMaxZoom);
        const float ax = over_canvas ? io.MousePos.x - win.x : view_size.x / 2;
        const float content_x = ImGui::GetScrollX() + ax;
        const float k = new_zoom / ui.zoom;
        ImGui::SetScrollX(std::max(0.0f, g.margin + (content_x - g.margin) * k - ax));
        ui.zoom = new_zoom;
    }
    g.dx = base * ui.zoom;
    // Depths squeeze a little when zoomed out, so more of a deep tree fits.
    g.level = kLevel * g.s * std::clamp(ui.zoom, 0.4f, 1.0f);
    g.radius = std::clamp(g.dx * 0.3f, 1.0f, kMaxRadius * g.s);
    g.width = g.margin * 2 + g.dx * static_cast<float>(n);
    g.height = g.margin * 2 + g.level * static_cast<float>(t.max_depth + 1);
    if (find_index >= 0) {
        const view::TreeNodeLayout& node = t.nodes[static_cast<std::size_t>(find_index)];
        ImGui::SetScrollX(std::max(0.0f, g.margin + g.dx * static_cast<float>(node.x) - avail / 2));
        ImGui::SetScrollY(
            std::max(0.0f, g.margin + g.level * static_cast<float>(node.depth) - view_size.y / 2));
    }
    ui.scroll_to_find = false;
    g.origin = ImGui::GetCursorScreenPos();
    return g;
}

// Input: the canvas as one button; dragging pans, a click without a drag
// selects, a right click folds (acted on by node_actions).
CanvasInput canvas_input(const TreeGeom& g) {
    ImGui::InvisibleButton("tree", ImVec2(g.width, g.height),
                           ImGuiButtonFlags_MouseButtonLeft | ImGuiButtonFlags_MouseButtonRight);
    CanvasInput in;
    in.mouse = ImGui::GetIO().MousePos;
    in.hovered = ImGui::IsItemHovered();
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
        const ImVec2 d = ImGui::GetIO().MouseDelta;
        ImGui::SetScrollX(ImGui::GetScrollX() - d.x);
        ImGui::SetScrollY(ImGui::GetScrollY() - d.y);
    }
    const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);
    in.left_click = ImGui::IsItemDeactivated() && drag.x == 0 && drag.y == 0;
    in.right_click = in.hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Right);
    return in;
}

void paint_edges(ImDrawList* dl, const view::TreeLayout& t, const view::TreeDrawList& draw,
                 const TreeGeom& g, Rows rows) {
    for (std::uint32_t i : draw.edges) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const ImVec2 a = g.center(t.nodes[static_cast<std::size_t>(node.parent)]);
        const ImVec2 b = g.center(node);
        if (std::max(a.y, b.y) < rows.lo || std::min(a.y, b.y) > rows.hi) continue;
        dl->AddLine(a, b, col(view::kTreeEdge), kEdgeW * g.s);
    }
}

// The colour of a node's most urgent mark: a callback's flash, the overflow
// list, the ready list, seeded.
view::Rgb mark_colour(bool flash, bool overflow, bool ready) {
    return flash      ? view::kFlash
           : overflow ? view::kOverflowMark
           : ready    ? view::kReadyMark
                      : view::kSeededMark;
}

// Rings (or, zoomed out, a hint square) and the selection ring. Marks first,
// discs after: a mark never covers a neighbour's disc, so every disc stays
// one solid colour (the screenshot tests count them).
void paint_marks(ImDrawList* dl, const view::TreeLayout& t, const view::TreeDrawList& draw,
                 const TreeGeom& g, Rows rows, const UiState& ui) {
    const bool detail = g.dx >= kDetailDx * g.s;  // rings only when there is room
    const float s = g.s;
    const float r = g.radius;
    for (std::uint32_t i : draw.nodes) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const ImVec2 c = g.center(node);
        if (!rows.contains(c.y)) continue;
        if (detail) {
            if (node.flash)
                dl->AddCircleFilled(c, r + kFlashGap * s, col(view::kFlash, kFlashAlpha));
            if (node.ready)
                dl->AddCircle(c, r + kReadyGap * s, col(view::kReadyMark), 0, kRingW * s);
            if (node.overflow)
                dl->AddCircle(c, r + kOverflowGap * s, col(view::kOverflowMark), 0, kRingW * s);
            if (node.seeded)
                dl->AddCircle(c, r + kReadyGap * s, col(view::kSeededMark), 0, kSeededRingW * s);
        } else if (node.ready || node.flash || node.seeded || node.overflow) {
            dl->AddRectFilled(ImVec2(c.x - kHintHalfW * s, c.y + r + kHintTop * s),
                              ImVec2(c.x + (kHintHalfW + 1) * s, c.y + r + kHintBottom * s),
                              col(mark_colour(node.flash, node.overflow, node.ready)));
        }
        if (ui.is_selected(node.sel()))
            dl->AddCircle(c, std::max(r + kSelectGap * s, kMinSelectRing * s),
                          col(view::kSelection), 0, kRingW * s);
    }
}

// A folded subtree: a triangle below the disc and how many it hides.
void paint_fold(ImDrawList* dl, const view::TreeNodeLayout& node, ImVec2 c, const TreeGeom& g) {
    const float s = g.s;
    const float r = g.radius;
    dl->AddTriangleFilled(ImVec2(c.x - kFoldHalfW * s, c.y + r + kFoldTop * s),
                          ImVec2(c.x + kFoldHalfW * s, c.y + r + kFoldTop * s),
                          ImVec2(c.x, c.y + r + kFoldTip * s), col(view::kTreeEdge));
    const std::string h = "+" + std::to_string(node.hidden);
    dl->AddText(ImVec2(c.x + r + kFoldTextX * s, c.y - kFoldTextUp * s), col(view::kTreeFoldText),
                h.c_str());
}

// Below the disc, so the disc stays one solid colour; the name as far as it
// fits between neighbours (elided; the font is monospaced).
void paint_label(ImDrawList* dl, const view::TreeNodeLayout& node, ImVec2 c, const TreeGeom& g,
                 float char_w) {
    const std::string text = view::elide_label(
        node.label, node.fd, static_cast<std::size_t>(std::max(0.0f, g.dx - 4 * g.s) / char_w));
    const ImVec2 ts = ImGui::CalcTextSize(text.c_str());
    const float below = (node.hidden != 0 ? kFoldedLabelGap : kLabelGap) * g.s;
    dl->AddText(ImVec2(c.x - ts.x / 2, c.y + g.radius + below), col(view::kTreeText), text.c_str());
}

void paint_disc(ImDrawList* dl, const view::TreeNodeLayout& node, ImVec2 c, float r) {
    const ImU32 fill = col(node.color == model::RbColor::Red ? view::kNodeRed : view::kNodeBlack);
    if (r >= kMinSquare) {
        dl->AddCircleFilled(c, r, fill);
    } else {
        // Level of detail: a square of a few pixels costs 4 vertices, not 20.
        dl->AddRectFilled(ImVec2(c.x - r, c.y - r), ImVec2(c.x + r, c.y + r), fill);
    }
}

// Discs, fold markers and labels; reports each visible node as a click
// target; returns the node under the pointer (-1: none).
std::int32_t paint_nodes(ImDrawList* dl, const view::TreeLayout& t, const view::TreeDrawList& draw,
                         const TreeGeom& g, Rows rows, const CanvasInput& in, UiReport* report) {
    const bool labels = g.dx >= kLabelDx * g.s;  // "fd NN" fits; the name only when there is room
    const float char_w = ImGui::CalcTextSize("0").x;
    const ImVec2 clip_min = dl->GetClipRectMin();
    const ImVec2 clip_max = dl->GetClipRectMax();
    const float reach = g.reach();
    std::int32_t hovered = -1;
    for (std::uint32_t i : draw.nodes) {
        const view::TreeNodeLayout& node = t.nodes[i];
        const ImVec2 c = g.center(node);
        if (!rows.contains(c.y)) continue;
        paint_disc(dl, node, c, g.radius);
        if (node.hidden != 0) paint_fold(dl, node, c, g);
        if (labels) paint_label(dl, node, c, g, char_w);
        if (report != nullptr && c.x >= clip_min.x && c.x < clip_max.x && c.y >= clip_min.y &&
            c.y < clip_max.y) {
            report->target("tree", node.fd, ImVec2(c.x - reach, c.y - reach),
                           ImVec2(c.x + reach, c.y + reach));
        }
        const float hx = in.mouse.x - c.x;
        const float hy = in.mouse.y - c.y;
        if (in.hovered && hx * hx + hy * hy <= reach * reach)
            hovered = static_cast<std::int32_t>(i);
    }
    return hovered;
}

// Dense depths (zoomed out): runs of columns as one rectangle each; marks as
// a strip under the row.
void paint_bands(ImDrawList* dl, const view::TreeDrawList& draw, const TreeGeom& g, Rows rows) {
    const float r = std::max(g.radius, 1.0f);
    for (const view::TreeBand& b : draw.bands) {
        const float y = g.y_of(b.depth);
        if (!rows.contains(y)) continue;
        const float x0 = g.origin.x + static_cast<float>(b.x0);
        const float x1 = g.origin.x + static_cast<float>(b.x1) + 1;
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
                c = mark_colour(b.kind == view::BandKind::Flash, b.kind == view::BandKind::Overflow,
                                b.kind == view::BandKind::Ready);
                top = y + r + kHintTop * g.s;
                bottom = y + r + kHintBottom * g.s;
                break;
        }
        dl->AddRectFilled(ImVec2(x0, top), ImVec2(x1, bottom), col(c));
    }
}

// Tooltip: the hovered node's item, with what the backend could not see
// said so rather than shown as 0.
void node_tooltip(const view::Replay& r, const view::TreeNodeLayout& node) {
    const model::Item& it = r.model().item(node.item);
    std::uint64_t cbs = 0;
    for (std::uint64_t c : it.stats.callbacks) cbs += c;
    const trace::Visibility& seen = r.visibility();
    const std::string callbacks =
        seen.callbacks ? std::to_string(cbs) : "(" + seen.not_seen() + ")";
    ImGui::SetTooltip(
        "%s\nevents 0x%x  data 0x%llx\ncallbacks %s  deliveries %llu%s%s%s\n"
        "click: select   right click: %s subtree",
        node.label.c_str(), it.events, static_cast<unsigned long long>(it.data), callbacks.c_str(),
        static_cast<unsigned long long>(it.stats.deliveries),
        node.ready ? "\non the ready list" : "", node.seeded ? "\nseeded from /proc" : "",
        node.hidden ? ("\nfolded: hides " + std::to_string(node.hidden)).c_str() : "",
        node.hidden ? "unfold" : "fold");
}

// Input on the hovered node: a click selects it, a right click folds or
// unfolds its subtree.
void node_actions(const view::TreeNodeLayout& node, const CanvasInput& in, UiState& ui) {
    if (in.left_click) ui.select(node.sel());
    if (!in.right_click) return;
    if (node.hidden != 0 || ui.collapsed.count(node.fd) != 0) {
        ui.collapsed.erase(node.fd);
    } else {
        ui.collapsed.insert(node.fd);
    }
}

// The canvas: input, layout, then each element painted, then the tooltip.
void draw_canvas(const view::Replay& r, const view::TreeLayout& t, UiState& ui, Toolbar tb,
                 std::int32_t find_index) {
    ImGui::BeginChild("canvas", ImVec2(0, 0), false,
                      ImGuiWindowFlags_HorizontalScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
    const ImVec2 win = ImGui::GetWindowPos();
    const TreeGeom g = zoom_and_place(t, ui, tb, find_index);
    const CanvasInput in = canvas_input(g);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const Rows rows{dl->GetClipRectMin().y - kCull * g.s, dl->GetClipRectMax().y + kCull * g.s};
    // Canvas x of node i: margin + dx * (i + 0.5), as tree_draw_list places it.
    const view::TreeDrawList draw =
        view::tree_draw_list(t, g.dx, g.margin, dl->GetClipRectMin().x - g.origin.x,
                             dl->GetClipRectMax().x - g.origin.x);
    paint_edges(dl, t, draw, g, rows);
    paint_marks(dl, t, draw, g, rows, ui);
    const std::int32_t hovered = paint_nodes(dl, t, draw, g, rows, in, ui.report);
    paint_bands(dl, draw, g, rows);
    if (hovered >= 0) {
        const view::TreeNodeLayout& node = t.nodes[static_cast<std::size_t>(hovered)];
        node_tooltip(r, node);
        node_actions(node, in, ui);
    }
    if (draw.merged) {
        ImGui::SetCursorScreenPos(ImVec2(win.x + kNoteInset * g.s, win.y + kNoteInset * g.s));
        ImGui::TextDisabled("zoomed out: one node per pixel and depth");
    }
    ImGui::EndChild();
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
    const view::TreeLayout& whole = v.tree(r, ui.selected);
    const Toolbar tb = toolbar(whole, ui);
    unfold_for_find(whole, ui);
    const view::TreeLayout& t = v.folded_tree(r, ui.selected, ui.collapsed);
    std::int32_t find_index = -1;
    if (ui.scroll_to_find) find_index = view::find_node(t, ui.find_fd, nullptr);
    if (ui.scroll_to_find && find_index < 0) {
        ImGui::TextColored(col4(view::kErrorBanner), "fd %d is not an item of this instance",
                           ui.find_fd);
    }
    draw_canvas(r, t, ui, tb, find_index);
    ImGui::End();
}

}  // namespace epscope::gui
