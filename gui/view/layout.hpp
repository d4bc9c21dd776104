// Window rectangles for a given framebuffer size: a fixed layout, so a
// screenshot always shows every window in the same place (the screenshot
// tests compute the regions they check from this same struct).
//
//   +-----------+---------------------------+-----------+
//   | instances |                           |           |
//   +-----------+          rb-tree          |  details  |
//   |  queues   |                           |           |
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

struct Layout {
    float w = 0;
    float h = 0;
    float side_w() const { return w * 0.30f; }
    float details_w() const { return w * 0.22f; }
    float status_h() const { return 26.0f; }
    float timeline_h() const { return std::clamp(h * 0.30f, 150.0f, 320.0f); }
    float bottom_h() const { return timeline_h() + status_h(); }
    float top_h() const { return h - bottom_h(); }
    float browser_h() const { return top_h() * 0.40f; }

    Rect browser() const { return {0, 0, side_w(), browser_h()}; }
    Rect queues() const { return {0, browser_h(), side_w(), top_h()}; }
    Rect tree() const { return {side_w(), 0, w - details_w(), top_h()}; }
    Rect details() const { return {w - details_w(), 0, w, top_h()}; }
    Rect timeline() const { return {0, top_h(), w, top_h() + timeline_h()}; }
    Rect status() const { return {0, h - status_h(), w, h}; }
};

}  // namespace epscope::view
