// epscope-gui --ui-report FILE: what a frame laid out and what the UI state
// is, as text, for tests that drive the real window with X input events
// (tests/gui/input_test.cpp). The windows add the screen rectangle of every
// fd they draw as clickable while they lay it out, so the report describes
// the frame as drawn, not a second computation of it. After each frame the
// text replaces FILE when it changed; FILE.request (created by the test) asks
// for a screenshot of the next frame into FILE.png.
//
//   mouse X Y DOWN                 ImGui's pointer and left button as this frame saw them
//   selected_fd FD                 -1 when none
//   instance REF                   the instance in the tree and queues
//   timeline T0 T1                 the lanes' time window, ns after the first record
//   cursor NS                      the timeline's cursor, ns after the first record
//   playing 0|1                    the replay is playing
//   keys_overlay ROWS              the `?` list of keys as drawn: its rows (0: hidden)
//   font PX                        the font's size in pixels (scale x zoom x 15)
//   text_input 0|1                 a text box has the keyboard (Ctrl+F: "find fd")
//   lanes X0 Y0 X1 Y1              where the lanes are (wheel zooms, drag pans)
//   counter_group X0 Y0 X1 Y1 SHOWN TOTAL COLLAPSED   the counter tracks' header (a
//                                  click folds them): tracks shown, instances, 0|1
//   counter_track SERIAL X0 Y0 X1 Y1 NAME   an instance's counter track as drawn (its
//                                  plot), by model::Instance::serial
//   tooltip TEXT                   the timeline's tooltip, lines joined by " | "
//   counter TABLE NAME VALUE       a counter the details panel shows ("unseen": greyed,
//                                  not seen by the trace's backend; NAME with _ for spaces)
//   findings N                     the Findings window's count (-1: still judging)
//   finding_selected I             the selected finding's row (-1: none)
//   finding I KIND X0 Y0 X1 Y1     a clickable finding row (KIND as `epscope check` names it)
//   finding_span T0 T1             the span the timeline marks, ns after the first record
//   shares SIDE DETAILS TIMELINE BROWSER FINDINGS   the panes' shares (view/layout.hpp)
//   gutter NAME X0 Y0 X1 Y1        a gutter to drag (NAME as in view::Layout), and the
//                                  status bar's View menu button (view_menu), the
//                                  search box and its buttons (search_box, _prev, _next)
//   legend PANE R G B              a row of the overlay's legend as drawn
//   wall_clock TEXT                the cursor's wall-clock time as shown (absent: unknown)
//   search INDEX HITS              the search box's selected hit and hits (-1: none yet)
//   axis X0 Y0 X1 Y1               the time axis (drag on it: a span)
//   span T0 T1                     the dragged span, ns after the first record (absent: none)
//   span_row TGID EPFDS WAITS HARVESTS CALLBACKS DELIVERIES WAKEUPS LAT_P50 LAT_P99
//            WAIT_P50 WAIT_P99    a row of the span's statistics as shown (EPFDS: "4,7" or
//                                  "-"; latencies in ns), one per instance
//   target WINDOW FD X0 Y0 X1 Y1   a clickable fd: tree, queues, details, timeline
//                                  (a callback mark in a thread's lane)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "imgui.h"
#include "png/png.hpp"
#include "view/palette.hpp"

namespace epscope::gui {

struct UiState;

class UiReport {
public:
    explicit UiReport(std::string path) : path_(std::move(path)) {}

    // Called by the windows while they lay out a frame.
    void target(const char* window, std::int32_t fd, ImVec2 min, ImVec2 max);
    void lanes(ImVec2 min, ImVec2 max) { lanes_ = {min.x, min.y, max.x, max.y}; }
    void axis(ImVec2 min, ImVec2 max) { axis_ = {min.x, min.y, max.x, max.y}; }
    void counter_group(ImVec2 min, ImVec2 max, std::size_t shown, std::size_t total,
                       bool collapsed);
    void counter_track(std::uint64_t serial, ImVec2 min, ImVec2 max, const std::string& name);
    void tooltip(std::string text) { tooltip_ = std::move(text); }
    void span_row(std::string row) { span_rows_.push_back(std::move(row)); }
    void keys_overlay_row() { ++overlay_rows_; }
    void legend_row(const char* pane, view::Rgb c) {
        legend_.push_back(std::string(pane) + ' ' + std::to_string(c.r) + ' ' +
                          std::to_string(c.g) + ' ' + std::to_string(c.b));
    }
    void counter(const char* table, const std::string& name, const std::string& value);
    void findings(int n) { findings_ = n; }
    void wall_clock(std::string text) { wall_ = std::move(text); }
    void gutter(const char* name, ImVec2 min, ImVec2 max);
    void finding(int index, std::string_view kind, ImVec2 min, ImVec2 max);
    void finding_span(std::uint64_t t0, std::uint64_t t1) { span_ = {t0, t1, true}; }

    // Before a frame: forget the previous frame's rectangles.
    void begin_frame() {
        targets_.clear();
        counters_.clear();
        span_rows_.clear();
        counter_rows_.clear();
        tooltip_.clear();
        overlay_rows_ = 0;
        findings_ = -1;
        finding_rows_.clear();
        gutters_.clear();
        legend_.clear();
        wall_.clear();
        span_ = {};
    }
    // After a frame: replaces the file when the text changed. Throws on an I/O error.
    void end_frame(const UiState& ui, std::uint64_t first_ts);
    // FILE.request exists: the caller passes this frame's pixels to save_screenshot().
    bool screenshot_requested() const;
    // Writes FILE.png (whole, then renamed) and removes FILE.request. Throws on an I/O error.
    void save_screenshot(const png::Image& img) const;

private:
    struct Target {
        std::string window;
        std::int32_t fd;
        float x0, y0, x1, y1;
    };
    std::string path_;
    std::vector<Target> targets_;
    struct {
        float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    } lanes_, axis_;
    std::vector<std::string> span_rows_;     // span_row lines, without the key
    std::vector<std::string> counters_;      // "TABLE NAME VALUE"
    std::vector<std::string> counter_rows_;  // counter_group and counter_track lines, whole
    std::string tooltip_;
    int overlay_rows_ = 0;
    int findings_ = -1;
    std::vector<std::string> finding_rows_;  // "I KIND X0 Y0 X1 Y1"
    std::vector<std::string> gutters_;       // "NAME X0 Y0 X1 Y1"
    std::vector<std::string> legend_;        // "PANE R G B"
    std::string wall_;
    struct {
        std::uint64_t t0 = 0, t1 = 0;
        bool shown = false;
    } span_;
    std::string last_;
};

}  // namespace epscope::gui
