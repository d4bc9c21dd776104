// Window rectangles for a given framebuffer size and the shares the user gave
// the panes; with the default shares every screenshot shows every window in
// the same place (the screenshot tests compute the regions they check from
// this same struct).
//
//   +-----------+---------------------------+-----------+
//   | instances |                           |           |
//   +-----------+                           |           |
//   |  queues   |          rb-tree          |  details  |
//   +-----------+                           |           |
//   | findings  |                           |           |
//   +-----------+---------------------------+-----------+
//   | timeline: controls, a lane per thread                |
//   +-----------------------------------------------------+
//   | status bar                                          |
#pragma once

#include <algorithm>

namespace epscope::view {

struct Rect {
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    float w() const { return x1 - x0; }
    float h() const { return y1 - y0; }
};

// How the panes share the window; the user drags the gutters between them
// (app/splitters.cpp) and the shares are kept between runs in ImGui's ini
// (app/layout_store.cpp). The defaults are the layout every screenshot uses.
struct Shares {
    float side = 0.30f;      // the left column (instances, queues, findings), of the width
    float details = 0.22f;   // the right column, of the width
    float timeline = 0.30f;  // the timeline, of the height
    float browser = 0.30f;   // instances, of the top area's height
    float findings = 0.30f;  // findings, of the top area's height
    bool operator==(const Shares&) const = default;
    // Every pane keeps a usable size: the columns and the tree at least 10%
    // of the width, the top area's three panes at least 10% of it.
    Shares clamped() const {
        Shares s = *this;
        s.side = std::clamp(s.side, 0.10f, 0.60f);
        s.details = std::clamp(s.details, 0.10f, 0.90f - s.side);
        s.timeline = std::clamp(s.timeline, 0.10f, 0.75f);
        s.browser = std::clamp(s.browser, 0.10f, 0.80f);
        s.findings = std::clamp(s.findings, 0.10f, 0.90f - s.browser);
        return s;
    }
};

// Between panes a gutter the user drags to resize them.
inline constexpr float kGutter = 6.0f;

struct Layout {
    float w = 0;
    float h = 0;
    Shares s{};
    float scale = 1;  // text and widgets' scale (monitor content scale x zoom)
    float side_w() const { return w * s.side; }
    float details_w() const { return w * s.details; }
    float status_h() const { return 26.0f * scale; }
    float timeline_h() const {
        return std::clamp(h * s.timeline, std::min(120.0f * scale, h * 0.75f), h * 0.75f);
    }
    float bottom_h() const { return timeline_h() + status_h(); }
    float top_h() const { return h - bottom_h(); }
    float browser_h() const { return top_h() * s.browser; }
    float findings_y() const { return top_h() * (1 - s.findings); }

    // Each pane stops half a gutter short of a border it shares.
    static constexpr float g = kGutter / 2;
    Rect browser() const { return {0, 0, side_w() - g, browser_h() - g}; }
    Rect queues() const { return {0, browser_h() + g, side_w() - g, findings_y() - g}; }
    Rect findings() const { return {0, findings_y() + g, side_w() - g, top_h() - g}; }
    Rect tree() const { return {side_w() + g, 0, w - details_w() - g, top_h() - g}; }
    Rect details() const { return {w - details_w() + g, 0, w, top_h() - g}; }
    Rect timeline() const { return {0, top_h() + g, w, top_h() + timeline_h()}; }
    Rect status() const { return {0, h - status_h(), w, h}; }

    // The gutters, where the splitters are.
    Rect side_gutter() const { return {side_w() - g, 0, side_w() + g, top_h() - g}; }
    Rect details_gutter() const {
        return {w - details_w() - g, 0, w - details_w() + g, top_h() - g};
    }
    Rect timeline_gutter() const { return {0, top_h() - g, w, top_h() + g}; }
    Rect browser_gutter() const { return {0, browser_h() - g, side_w() - g, browser_h() + g}; }
    Rect findings_gutter() const { return {0, findings_y() - g, side_w() - g, findings_y() + g}; }
};

}  // namespace epscope::view
