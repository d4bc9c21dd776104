// The timeline: replay controls (play, pause, speed, step to the next record
// of a kind, a slider over the trace) and, under them, a counter track per
// instance (items, ready-list length, waiters; a header folds them) and a
// lane per thread: the time it was blocked in epoll_wait (awake, then
// asleep), the wakeups it received and sent (a line joins waker and woken),
// the harvests it ran with their counts, and the callbacks it caused on items. The mouse wheel
// zooms (seconds down to microseconds) around the pointer, dragging pans, a click moves the cursor
// or selects the item under a mark.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "app/draw_util.hpp"
#include "app/input.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "trace/visibility.hpp"
#include "view/counters.hpp"
#include "view/span_stats.hpp"

namespace epscope::gui {
namespace {

constexpr const char* kKindNames[] = {
    "invalid",       "instance_create", "instance_free", "item_insert",
    "item_modify",   "item_remove",     "callback",      "wakeup",
    "wait_begin",    "wait_sleep",      "wait_end",      "harvest_begin",
    "harvest_item",  "harvest_end",     "kernel_node",   "walk_end",
    "lost",          "process",         "fd_name",       "snapshot_instance",
    "snapshot_item", "checkpoint",      "sock_name",     "fd_close",
    "fd_read"};
static_assert(std::size(kKindNames) == EP_KIND_COUNT);

constexpr float kLabelW = 170.0f;  // lane names
constexpr float kLaneH = 22.0f;
constexpr float kAxisH = 16.0f;
// The three at this frame's scale (monitor content scale x zoom): the
// constants are scale 1.
float label_w(const UiState& ui) { return kLabelW * ui.scale; }
float lane_h(const UiState& ui) { return kLaneH * ui.scale; }
float axis_h(const UiState& ui) { return kAxisH * ui.scale; }
constexpr std::uint64_t kMinSpan = 2000;  // 2 us across the lanes at the deepest zoom

// Where things sit inside the axis and a lane, in pixels. Mark widths are
// those view::mark_merge_px() merges by, so merged marks are one shape.
constexpr float kTextInset = 4;       // a lane's name from its top-left corner
constexpr float kTickPx = 110;        // axis ticks about this far apart
constexpr float kTickH = 4;           // tick length, up from the axis's bottom
constexpr float kTickTextDx = 2;      // a tick's time, right of it
constexpr float kFindingBarH = 5;     // the finding's span, up from the axis's bottom
constexpr float kMinFindingW = 3;     // ... at least this wide
constexpr float kEvidenceH = 6;       // an evidence tick (triangle) above the span
constexpr float kEvidenceHalfW = 4;   // ... half its width
constexpr float kBarInset = 6;        // a wait's bar: this far inside the lane's top and bottom
constexpr float kCallbackTop = 1;     // callback tick: from the lane's top...
constexpr float kCallbackBottom = 8;  // ... to here
constexpr float kCallbackHalfW = 1;   // ... half its width (2 px: kMarkMergePx)
constexpr float kItemTickInset = 3;   // the item lane's callback ticks inside the lane
constexpr float kWokenH = 6;          // woken: a triangle under the lane's top
constexpr float kWokenHalfW = 4;      // ... 8 px wide
constexpr float kWokenRunH = 3;       // a merged run of woken: a bar this high
constexpr float kWokeTop = 6;         // woke: a square from this far above the lane's bottom
constexpr float kWokeBottom = 2;      // ... to this far above it
constexpr float kWokeHalfW = 2;       // ... 4 px wide
constexpr float kHarvestH = 5;        // harvest: a bar on the lane's bottom, this high
constexpr float kHarvestLeft = 2;     // ... from this far left of the harvest
constexpr float kHarvestRight = 3;    // ... to this far right (5 px)
constexpr float kHarvestTextDx = 4;   // its count, right of it
constexpr float kHarvestTextDy = 5;   // ... below the lane's top
constexpr std::uint64_t kHarvestTextSpan = 50'000'000;  // counts shown below this window
constexpr float kCounterInset = 3;       // a counter's plot inside its track, top and bottom
constexpr float kSelectedMarkW = 4;      // the selected instance's mark before its track's name
constexpr float kHitSlop = 3;            // a mark answers the pointer this far around it
constexpr float kShiftWheelLanes = 3;    // lanes scrolled per notch of Shift+wheel
constexpr double kWheelZoom = 0.8;       // span kept per notch of the wheel
constexpr std::uint8_t kSpanAlpha = 60;  // the dragged span over the lanes
constexpr std::uint8_t kWakeLineAlpha = 110;  // waker-to-woken line

std::uint64_t rel_of(const view::Replay& r, std::size_t i) {
    std::uint64_t ts = r.record(i).header().ts;
    return ts > r.first_ts() ? ts - r.first_ts() : 0;
}

// Axis tick spacing: 1, 2 or 5 times a power of ten, about `px` pixels apart.
double tick_step(double span_ns, float width, float px) {
    const double raw = span_ns * px / std::max(1.0f, width);
    const double p = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        if (p * m >= raw) return p * m;
    }
    return p * 10;
}

const char* outcome_name(std::uint8_t o) {
    static constexpr const char* kNames[] = {"queued ready",   "queued overflow",
                                             "already ready",  "already overflow",
                                             "ignored (mask)", "ignored (disarmed)"};
    return o < std::size(kNames) ? kNames[o] : "?";
}

using view::span_text;

// The cursor to the previous or next record's time (the buttons and the
// arrow keys); records with the same time are one step. Records can be a
// little out of time order (each CPU's buffer is in order, not their merge):
// records_until() counts by the running maximum, so a step back always goes
// back, and a step forward takes the first later time after the cursor's
// records (looking a bounded way ahead).
void step_back(const view::Replay& r, UiState& ui) {
    if (ui.rel_ns == 0) return;
    const std::size_t k = r.records_until(r.first_ts() + ui.rel_ns - 1);
    if (k > 0) ui.rel_ns = std::min(rel_of(r, k - 1), ui.rel_ns - 1);
}
void step_forward(const view::Replay& r, UiState& ui) {
    const std::size_t n = r.record_count();
    const std::size_t from = r.records_until(r.first_ts() + ui.rel_ns);
    for (std::size_t i = from; i < n && i < from + 4096; ++i) {
        if (rel_of(r, i) > ui.rel_ns) {
            ui.rel_ns = rel_of(r, i);
            return;
        }
    }
}

void control_row(const view::Replay& r, UiState& ui, double frame_dt) {
    const std::uint64_t span = r.last_ts() - r.first_ts();
    const std::size_t n = r.record_count();
    if (ImGui::Button("|<")) ui.rel_ns = 0;
    ImGui::SameLine();
    if (ImGui::Button("<")) step_back(r, ui);
    ImGui::SameLine();
    if (ImGui::Button(ui.playing ? "pause" : "play")) ui.playing = !ui.playing;
    ImGui::SameLine();
    if (ImGui::Button(">")) step_forward(r, ui);
    ImGui::SameLine();
    if (ImGui::Button(">|")) ui.rel_ns = span;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    ImGui::SliderFloat("speed", &ui.speed, 0.001f, 10.0f, "%.3fx", ImGuiSliderFlags_Logarithmic);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(150);
    if (ui.step_kind < 0 && n != 0) ui.step_kind = static_cast<int>(view::default_step_kind(r));
    ImGui::Combo("##kind", &ui.step_kind, kKindNames, static_cast<int>(std::size(kKindNames)));
    ImGui::SameLine();
    if (ImGui::Button("next of kind")) {
        for (std::size_t i = r.applied(); i < n; ++i) {
            if (r.record(i).kind() == ui.step_kind) {
                ui.rel_ns = rel_of(r, i);
                break;
            }
        }
    }
    ImGui::SameLine();
    ImGui::Text("record %zu / %zu   t = %s", r.applied(), n, seconds(ui.rel_ns).c_str());
    // The wall clock beside it, when the trace says how its clock maps to it.
    const std::string wall =
        view::wall_clock(r.header().realtime_offset_ns, r.first_ts() + ui.rel_ns);
    if (!wall.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", wall.c_str());
    }
    if (ui.report != nullptr) ui.report->wall_clock(wall);
    if (ui.playing) {
        ui.rel_ns += static_cast<std::uint64_t>(frame_dt * ui.speed * 1e9);
        if (ui.rel_ns >= span) {
            ui.rel_ns = span;
            ui.playing = false;
        }
    }
    ImGui::SetNextItemWidth(-1);
    ImGui::SliderScalar("##time", ImGuiDataType_U64, &ui.rel_ns, &(const std::uint64_t&)0ull, &span,
                        "");
}

// The timeline's keys (view/keys.hpp): Space plays or pauses, the arrows
// step a record, Home/End jump to the ends, W/S zoom around the cursor (the
// middle when the cursor is out of view), A/D pan. Acts on the cursor and on
// the lanes' window `w`, before the window draws them.
void timeline_keys(const view::Replay& r, UiState& ui, view::TimeWindow& w, std::uint64_t lo,
                   std::uint64_t hi) {
    using view::KeyAction;
    if (r.record_count() == 0) return;
    if (key_pressed(KeyAction::PlayPause)) ui.playing = !ui.playing;
    if (key_pressed(KeyAction::StepBack)) step_back(r, ui);
    if (key_pressed(KeyAction::StepForward)) step_forward(r, ui);
    if (key_pressed(KeyAction::ToStart)) ui.rel_ns = 0;
    if (key_pressed(KeyAction::ToEnd)) ui.rel_ns = r.last_ts() - r.first_ts();
    const std::uint64_t cursor = lo + ui.rel_ns;
    const std::uint64_t anchor =
        cursor >= w.t0 && cursor <= w.t1 ? cursor : w.t0 + (w.t1 - w.t0) / 2;
    if (key_pressed(KeyAction::ZoomIn))
        w = view::zoom_window(w, anchor, view::kKeyZoomFactor, lo, hi, kMinSpan);
    if (key_pressed(KeyAction::ZoomOut))
        w = view::zoom_window(w, anchor, 1 / view::kKeyZoomFactor, lo, hi, kMinSpan);
    const float pan_px = static_cast<float>(view::kKeyPanShare) * w.width;
    if (key_pressed(KeyAction::PanEarlier)) w = view::pan_window(w, -pan_px, lo, hi);
    if (key_pressed(KeyAction::PanLater)) w = view::pan_window(w, pan_px, lo, hi);
}

std::string lane_name(const view::Replay& r, const view::Lane& lane) {
    std::string s = "tid " + std::to_string(lane.tid);
    auto p = r.model().processes().find(lane.tgid);
    if (p != r.model().processes().end() && !p->second.comm.empty()) s += "  " + p->second.comm;
    return s;
}

// The selected finding on the axis: its span (first to last occurrence) as a
// bar under the ticks, at least 3 pixels wide, and its evidence records as
// ticks above it.
void finding_on_axis(const view::Replay& r, ViewCache& v, const UiState& ui,
                     const view::TimeWindow& w, ImVec2 axis, float x_lanes) {
    const findings::Finding* f = selected_finding(v, ui);
    if (f == nullptr) return;
    const std::uint64_t lo = r.first_ts();
    if (ui.report != nullptr)
        ui.report->finding_span(f->first_ts > lo ? f->first_ts - lo : 0,
                                f->last_ts > lo ? f->last_ts - lo : 0);
    if (f->last_ts < w.t0 || f->first_ts > w.t1) return;
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const float a = x_lanes + w.x_of(std::max(f->first_ts, w.t0));
    const float b = std::max(x_lanes + w.x_of(std::min(f->last_ts, w.t1)), a + kMinFindingW);
    const float bar_top = axis.y + axis_h(ui) - kFindingBarH;
    dl->AddRectFilled(ImVec2(a, bar_top), ImVec2(b, axis.y + axis_h(ui)), col(view::kFindingSpan));
    for (const findings::Evidence& e : f->evidence) {
        if (e.ts < w.t0 || e.ts > w.t1) continue;
        const float x = x_lanes + w.x_of(e.ts);
        dl->AddTriangleFilled(ImVec2(x - kEvidenceHalfW, bar_top - kEvidenceH),
                              ImVec2(x + kEvidenceHalfW, bar_top - kEvidenceH), ImVec2(x, bar_top),
                              col(view::kFindingSpan));
    }
}

// ---- layout ------------------------------------------------------------------

// The lanes' time window: the whole trace (growing with a live stream) until
// the user zooms or pans.
view::TimeWindow window_of(const view::Replay& r, UiState& ui, float lanes_w) {
    const std::uint64_t lo = r.first_ts();
    const std::uint64_t hi = std::max(r.last_ts(), lo) + 1;
    if (ui.tl_whole || ui.tl_t1 <= ui.tl_t0 || ui.tl_t0 < lo || ui.tl_t1 > hi) {
        ui.tl_t0 = lo;
        ui.tl_t1 = hi;
    }
    return view::TimeWindow{ui.tl_t0, ui.tl_t1, lanes_w};
}

// The zoom buttons (around the cursor when it is visible, else the middle),
// "whole trace", "follow cursor" and the window's length.
void window_row(UiState& ui, view::TimeWindow& w, std::uint64_t lo, std::uint64_t hi,
                std::uint64_t cursor) {
    const std::uint64_t anchor =
        cursor >= w.t0 && cursor <= w.t1 ? cursor : w.t0 + (w.t1 - w.t0) / 2;
    if (ImGui::Button("zoom in")) w = view::zoom_window(w, anchor, 0.25, lo, hi, kMinSpan);
    ImGui::SameLine();
    if (ImGui::Button("zoom out")) w = view::zoom_window(w, anchor, 4.0, lo, hi, kMinSpan);
    ImGui::SameLine();
    if (ImGui::Button("whole trace")) {
        w = view::TimeWindow{lo, hi, w.width};
        ui.tl_whole = true;
    }
    ImGui::SameLine();
    ImGui::Checkbox("follow cursor", &ui.tl_follow);
    ImGui::SameLine();
    ImGui::TextDisabled(
        "window %s   wheel: zoom, drag: pan, click: cursor or item, drag the axis (or "
        "Shift+drag): span",
        span_text(static_cast<double>(w.t1 - w.t0)).c_str());
}

// Keeps a cursor that moved (playing, stepping, a live stream) in view.
void follow_cursor(UiState& ui, view::TimeWindow& w, std::uint64_t cursor, std::uint64_t lo,
                   std::uint64_t hi) {
    const bool cursor_moved = cursor != ui.tl_cursor_seen;
    ui.tl_cursor_seen = cursor;
    if (ui.tl_follow && cursor_moved && (cursor < w.t0 || cursor > w.t1)) {
        const std::uint64_t s = w.t1 - w.t0;
        w.t0 = std::clamp(cursor - std::min(cursor, s / 10), lo, hi - s);
        w.t1 = w.t0 + s;
    }
}

// What one frame of the lanes is laid out as: shared by input, painting
// and tooltips, so they agree on where everything is.
struct LanesFrame {
    const view::Replay& r;
    ViewCache& v;
    UiState& ui;
    view::TimeWindow w;
    std::uint64_t lo = 0, hi = 0;
    ImDrawList* dl = nullptr;
    float x_lanes = 0;      // screen x of the lanes' left edge
    float lane_h = kLaneH;  // a lane's height at this frame's scale
    ImVec2 origin{};        // screen position of row 0
    float scroll = 0, view_h = 0;
    std::size_t rows = 0, first_row = 0, last_row = 0;
    // Rows above the thread lanes: the selected item's callbacks, then the
    // counter tracks' header (when the trace has an instance) and a track
    // per instance shown (view::counter_track_list).
    view::CounterTrackList tracks{};
    std::uint64_t selected_serial = 0;  // the selected instance's (0: none)
    bool item_lane = false;
    std::size_t header_row() const { return item_lane ? 1 : 0; }
    std::size_t counter_rows() const { return tracks.total == 0 ? 0 : 1 + tracks.shown.size(); }
    std::size_t fixed_rows() const { return counter_rows() + (item_lane ? 1 : 0); }
    bool row_shown(std::size_t row) const { return row >= first_row && row < last_row; }
    bool hovered = false;
    ImVec2 mouse{};
    float row_y(std::size_t row) const { return origin.y + lane_h * static_cast<float>(row); }
    bool near(float x, float xe, float y0) const {
        return hovered && mouse.x >= x - kHitSlop && mouse.x <= xe + kHitSlop && mouse.y >= y0 &&
               mouse.y < y0 + lane_h;
    }
};

// What the pointer is over: a tooltip and, for a mark, the item a click selects.
struct Hit {
    std::string tip;
    bool has_item = false;
    view::ItemSel item;
};

// ---- input -------------------------------------------------------------------

// The range selection: a drag from where the button went down to the pointer
// selects [earlier, later]; a press without a drag selects nothing.
void span_drag(UiState& ui, const view::TimeWindow& w, float x_lanes, bool begin, bool active) {
    const float x = std::clamp(ImGui::GetIO().MousePos.x - x_lanes, 0.0f, w.width);
    const std::uint64_t at = w.ts_of(x);
    if (begin) {
        ui.span_anchor = at;
        ui.span_dragging = true;
    }
    if (!ui.span_dragging) return;
    ui.span_t0 = std::min(ui.span_anchor, at);
    ui.span_t1 = std::max(ui.span_anchor, at);
    if (!active) ui.span_dragging = false;
}

// The lanes' mouse: Shift+wheel scrolls the lanes, the wheel zooms around
// the pointer, a drag pans (Shift+drag selects a span instead).
void lanes_input(LanesFrame& f) {
    ImGuiIO& io = ImGui::GetIO();
    if (f.hovered && io.KeyShift && io.MouseWheel != 0)
        ImGui::SetScrollY(ImGui::GetScrollY() - io.MouseWheel * f.lane_h * kShiftWheelLanes);
    if (ImGui::IsItemActivated() && io.KeyShift) span_drag(f.ui, f.w, f.x_lanes, true, true);
    if (f.ui.span_dragging && (ImGui::IsItemActive() || ImGui::IsItemDeactivated())) {
        span_drag(f.ui, f.w, f.x_lanes, false, ImGui::IsItemActive());
    } else if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left) &&
               io.MouseDelta.x != 0) {
        f.w = view::pan_window(f.w, -io.MouseDelta.x, f.lo, f.hi);
    }
    if (f.hovered && !io.KeyShift && io.MouseWheel != 0 && f.mouse.x >= f.x_lanes) {
        const std::uint64_t at = f.w.ts_of(f.mouse.x - f.x_lanes);
        f.w = view::zoom_window(f.w, at, std::pow(kWheelZoom, io.MouseWheel), f.lo, f.hi, kMinSpan);
    }
}

// A click on the lanes that did not drag: selects the item of the mark under
// the pointer, else moves the cursor there.
void lanes_click(const LanesFrame& f, const Hit& hit) {
    const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);
    const bool clicked = ImGui::IsItemDeactivated() && drag.x == 0 && drag.y == 0;
    if (!clicked) return;
    const float header_y = f.row_y(f.header_row());
    if (f.tracks.total != 0 && f.mouse.y >= header_y && f.mouse.y < header_y + f.lane_h) {
        f.ui.counters_collapsed = !f.ui.counters_collapsed;  // the counter group's header
        return;
    }
    if (f.mouse.x < f.x_lanes) return;
    if (hit.has_item) {
        f.ui.select(hit.item);
    } else {
        const std::uint64_t at = f.w.ts_of(f.mouse.x - f.x_lanes);
        f.ui.rel_ns = at > f.lo ? at - f.lo : 0;
    }
}

// ---- the axis ------------------------------------------------------------------

void axis_ticks(ImDrawList* dl, const view::TimeWindow& w, std::uint64_t lo, ImVec2 axis,
                float x_lanes, float axis_height) {
    const double span = static_cast<double>(w.t1 - w.t0);
    const double step = tick_step(span, w.width, kTickPx);
    const double rel0 = static_cast<double>(w.t0 - lo);
    for (double t = std::ceil(rel0 / step) * step; t <= rel0 + span; t += step) {
        const float x = x_lanes + w.x_of(lo + static_cast<std::uint64_t>(t));
        dl->AddLine(ImVec2(x, axis.y + axis_height - kTickH), ImVec2(x, axis.y + axis_height),
                    col(view::kAxisText));
        dl->AddText(ImVec2(x + kTickTextDx, axis.y), col(view::kAxisText), span_text(t).c_str());
    }
}

// The span on the axis: a band with its length in the middle (the measure).
void span_on_axis(ImDrawList* dl, const UiState& ui, const view::TimeWindow& w, ImVec2 axis,
                  float x_lanes) {
    if (!ui.has_span() || ui.span_t1 < w.t0 || ui.span_t0 > w.t1) return;
    const float a = x_lanes + w.x_of(std::max(ui.span_t0, w.t0));
    const float b = x_lanes + w.x_of(std::min(ui.span_t1, w.t1));
    dl->AddRectFilled(ImVec2(a, axis.y), ImVec2(b, axis.y + axis_h(ui)),
                      col(view::kSpanSelection, kSpanAlpha));
    const std::string len = span_text(static_cast<double>(ui.span_t1 - ui.span_t0));
    const float text_w = ImGui::CalcTextSize(len.c_str()).x;
    dl->AddText(ImVec2((a + b - text_w) / 2, axis.y), col(view::kSpanSelection), len.c_str());
}

// The time axis: ticks, the selected finding, the span; dragging on it
// selects a span, a click on it clears the span.
void draw_axis(const view::Replay& r, ViewCache& v, UiState& ui, const view::TimeWindow& w) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    const ImVec2 axis = ImGui::GetCursorScreenPos();
    const float x_lanes = axis.x + label_w(ui);
    ImGui::InvisibleButton("axis", ImVec2(label_w(ui) + w.width, axis_h(ui)));
    if (ImGui::IsItemActivated()) span_drag(ui, w, x_lanes, true, true);
    if (ImGui::IsItemActive() || ImGui::IsItemDeactivated())
        span_drag(ui, w, x_lanes, false, ImGui::IsItemActive());
    if (ui.report != nullptr)
        ui.report->axis(ImVec2(x_lanes, axis.y), ImVec2(x_lanes + w.width, axis.y + axis_h(ui)));
    axis_ticks(dl, w, r.first_ts(), axis, x_lanes, axis_h(ui));
    finding_on_axis(r, v, ui, w, axis, x_lanes);
    span_on_axis(dl, ui, w, axis, x_lanes);
}

// ---- painting and tooltips, per element ------------------------------------------

// A hairline between lanes: shading every other lane would blend ~80k pixels
// a frame, which a software rasteriser feels.
void paint_rules(const LanesFrame& f) {
    for (std::size_t row = std::max<std::size_t>(f.first_row, 1); row < f.last_row; ++row) {
        const float y0 = f.row_y(row);
        f.dl->AddLine(ImVec2(f.origin.x, y0), ImVec2(f.x_lanes + f.w.width, y0),
                      col(view::kLaneRule));
    }
}

constexpr view::Rgb kCounterColours[view::kCounterCount] = {
    view::kCounterItems, view::kCounterReady, view::kCounterWaiters};

// The counter group's header, across the row: what is shown and what is
// elided; a click on it folds or unfolds the group (lanes_click).
void paint_counter_header(const LanesFrame& f) {
    if (f.tracks.total == 0 || !f.row_shown(f.header_row())) return;
    const float y0 = f.row_y(f.header_row());
    f.dl->AddText(ImVec2(f.origin.x + kTextInset, y0 + kTextInset), col(view::kLaneText),
                  view::counter_group_title(f.tracks).c_str());
    if (f.ui.report != nullptr)
        f.ui.report->counter_group(ImVec2(f.origin.x, y0),
                                   ImVec2(f.x_lanes + f.w.width, y0 + f.lane_h),
                                   f.tracks.shown.size(), f.tracks.total, f.tracks.collapsed);
}

// One counter of a track as drawn: its steps in the window and the largest.
struct CounterPlot {
    std::vector<view::CounterStep> steps;
    std::uint32_t top = 0;
    bool unseen = false;  // the trace's backend cannot see it
};

CounterPlot counter_plot(const LanesFrame& f, const view::CounterTrack& t, view::TrackCounter c) {
    CounterPlot p;
    // The ready list fills by callbacks: a backend that cannot see them
    // cannot see it either (not a list that stays empty).
    p.unseen = c == view::TrackCounter::Ready && !f.r.visibility().callbacks;
    if (p.unseen) return p;
    p.steps = view::counter_steps(f.r.counters(), t, c, f.w);
    for (const view::CounterStep& st : p.steps) p.top = std::max(p.top, st.value);
    return p;
}

// A counter as Perfetto draws one: a step line scaled to its largest value
// in the window, and for the items the area under it.
void paint_counter(const LanesFrame& f, const CounterPlot& p, float y0, view::Rgb line,
                   const view::Rgb* area) {
    const float bottom = y0 + f.lane_h - kCounterInset;
    const float scale = (f.lane_h - 2 * kCounterInset) / static_cast<float>(std::max(p.top, 1u));
    float prev_y = -1;
    for (const view::CounterStep& st : p.steps) {
        const float x0 = f.x_lanes + st.x0, x1 = f.x_lanes + st.x1;
        const float y = bottom - scale * static_cast<float>(st.value);
        if (area != nullptr && st.value > 0)
            f.dl->AddRectFilled(ImVec2(x0, y), ImVec2(x1, bottom), col(*area));
        if (prev_y >= 0) f.dl->AddLine(ImVec2(x0, prev_y), ImVec2(x0, y), col(line));
        f.dl->AddLine(ImVec2(x0, y), ImVec2(x1, y), col(line));
        prev_y = y;
    }
}

// The counters' value at screen x: the step drawn there ("-" outside the
// instance's life), or "unseen".
std::string counter_value_at(const CounterPlot& p, float x) {
    if (p.unseen) return "unseen";
    for (const view::CounterStep& st : p.steps) {
        if (x >= st.x0 && x < st.x1) return std::to_string(st.value);
    }
    return "-";
}

// Pointer over a track: its instance, the time, each counter's value there
// (the largest of the stretch a pixel covers) and its largest in view.
std::string counter_tip(const LanesFrame& f, const view::CounterTrack& t,
                        const std::array<CounterPlot, view::kCounterCount>& plots) {
    const float x = f.mouse.x - f.x_lanes;
    std::string tip = t.name + "\nat " + seconds(f.w.ts_of(std::max(x, 0.0f)) - f.lo);
    for (std::size_t k = 0; k < view::kCounterCount; ++k) {
        const CounterPlot& p = plots[k];
        tip += std::string("\n") + view::counter_name(static_cast<view::TrackCounter>(k)) + ": " +
               counter_value_at(p, x);
        if (!p.unseen) tip += " (largest in view " + std::to_string(p.top) + ")";
    }
    return tip;
}

// The largest values in view, right-aligned at the track's top as Perfetto
// labels a counter's scale: "items 12  ready list 6  waiters 2" (short of
// the lanes' scrollbar).
void paint_counter_scale(const LanesFrame& f,
                         const std::array<CounterPlot, view::kCounterCount>& plots, float y0) {
    std::array<std::string, view::kCounterCount> parts;
    float width = 0;
    for (std::size_t k = 0; k < view::kCounterCount; ++k) {
        parts[k] = std::string(k == 0 ? "" : "  ") +
                   view::counter_name(static_cast<view::TrackCounter>(k)) + " " +
                   (plots[k].unseen ? "unseen" : std::to_string(plots[k].top));
        width += ImGui::CalcTextSize(parts[k].c_str()).x;
    }
    const float right = std::min(f.x_lanes + f.w.width, f.dl->GetClipRectMax().x);
    float x = std::max(f.x_lanes, right - width - kTextInset);
    for (std::size_t k = 0; k < view::kCounterCount; ++k) {
        f.dl->AddText(ImVec2(x, y0), col(kCounterColours[k]), parts[k].c_str());
        x += ImGui::CalcTextSize(parts[k].c_str()).x;
    }
}

// One instance's counter track: its name in the label column (a mark when
// it is the selected instance), then items as an area, ready-list length
// and waiters as step lines over it.
void paint_counter_track(const LanesFrame& f, const view::CounterTrack& t, float y0, Hit& hit) {
    float name_x = f.origin.x + kTextInset;
    if (t.serial == f.selected_serial) {
        f.dl->AddRectFilled(ImVec2(name_x, y0 + kCounterInset),
                            ImVec2(name_x + kSelectedMarkW, y0 + f.lane_h - kCounterInset),
                            col(view::kSelectedInstance));
        name_x += kSelectedMarkW + kTextInset;
    }
    // The label is clipped to the label column, never over the plot: by
    // glyph on the CPU (a clip rectangle per track would cost a draw call
    // each, which a software rasteriser feels).
    const ImVec4 clip(f.origin.x, y0, f.x_lanes - kTextInset, y0 + f.lane_h);
    f.dl->AddText(nullptr, 0.0f, ImVec2(name_x, y0 + kTextInset), col(view::kLaneText),
                  t.label.c_str(), nullptr, 0.0f, &clip);
    std::array<CounterPlot, view::kCounterCount> plots;
    for (std::size_t k = 0; k < view::kCounterCount; ++k)
        plots[k] = counter_plot(f, t, static_cast<view::TrackCounter>(k));
    paint_counter(f, plots[0], y0, view::kCounterItems, &view::kCounterItemsArea);
    paint_counter(f, plots[1], y0, view::kCounterReady, nullptr);
    paint_counter(f, plots[2], y0, view::kCounterWaiters, nullptr);
    paint_counter_scale(f, plots, y0);
    if (f.ui.report != nullptr)
        f.ui.report->counter_track(t.serial, ImVec2(f.x_lanes, y0),
                                   ImVec2(f.x_lanes + f.w.width, y0 + f.lane_h), t.name);
    if (f.hovered && f.mouse.y >= y0 && f.mouse.y < y0 + f.lane_h)
        hit.tip = counter_tip(f, t, plots);
}

// The counter tracks under their header, those scrolled into view.
void paint_counter_tracks(const LanesFrame& f, Hit& hit) {
    paint_counter_header(f);
    for (std::size_t i = 0; i < f.tracks.shown.size(); ++i) {
        const std::size_t row = f.header_row() + 1 + i;
        if (f.row_shown(row)) paint_counter_track(f, *f.tracks.shown[i], f.row_y(row), hit);
    }
}

// Row 0 when an item is selected: that item's callbacks (stale or not).
void paint_item_lane(const LanesFrame& f, Hit& hit) {
    if (!f.item_lane || !f.row_shown(0)) return;
    const UiState& ui = f.ui;
    const float y0 = f.row_y(0);
    std::string name = "fd " + std::to_string(ui.selected_fd) +
                       (ui.selected_stale ? " closed (stale item)" : "") + " callbacks";
    const trace::Visibility& seen = f.r.visibility();
    if (!seen.callbacks) name += ": " + seen.not_seen();
    f.dl->AddText(ImVec2(f.origin.x + kTextInset, y0 + kTextInset), col(view::kMarkCallback),
                  name.c_str());
    for (const view::LaneMark& m :
         f.v.item_callbacks(f.r, ui.selected_fd, f.w, ui.selected_stale)) {
        const float x = f.x_lanes + m.x;
        const float xe = f.x_lanes + m.x_end;
        f.dl->AddRectFilled(ImVec2(x - kCallbackHalfW, y0 + kItemTickInset),
                            ImVec2(xe + kCallbackHalfW + 1, y0 + f.lane_h - kItemTickInset),
                            col(view::kSelection));
        if (f.near(x, xe, y0)) {
            hit.tip = "fd " + std::to_string(m.fd) + ": " + std::to_string(m.n) + " callback" +
                      (m.n > 1 ? "s" : "") + "\nfirst " + outcome_name(m.outcome) + " at " +
                      seconds(m.ts - f.lo);
        }
    }
}

std::string segment_tip(const view::LaneSegment& s) {
    if (s.waits > 1) return std::to_string(s.waits) + " waits (zoom in)";
    return "epoll_wait on epfd " + std::to_string(s.epfd) +
           (s.open ? ": still blocked" : ": returned " + std::to_string(s.result));
}

// Blocked in epoll_wait: the awake part, then the part asleep.
void paint_segments(const LanesFrame& f, const view::Lane& lane, float y0, Hit& hit) {
    const float top = y0 + kBarInset;
    const float bottom = y0 + f.lane_h - kBarInset;
    for (const view::LaneSegment& s : lane.segments) {
        const float a = f.x_lanes + s.x0;
        const float b = f.x_lanes + std::max(s.x1, s.x0 + 1);
        const float sl = f.x_lanes + std::min(std::max(s.x_sleep, s.x0), s.x1);
        if (sl > a)
            f.dl->AddRectFilled(ImVec2(a, top), ImVec2(sl, bottom), col(view::kLaneBlocked));
        if (b > sl)
            f.dl->AddRectFilled(ImVec2(std::max(a, sl), top), ImVec2(b, bottom),
                                col(view::kLaneAsleep));
        if (hit.tip.empty() && f.hovered && f.mouse.x >= a && f.mouse.x < b && f.mouse.y >= y0 &&
            f.mouse.y < y0 + f.lane_h)
            hit.tip = segment_tip(s);
    }
}

std::string mark_tip(const view::LaneMark& m, std::uint64_t lo) {
    char buf[160];
    switch (m.kind) {
        case view::MarkKind::Callback:
            std::snprintf(buf, sizeof buf, "callback on fd %d%s: %s%s", m.fd,
                          m.stale ? " closed (stale item)" : "", outcome_name(m.outcome),
                          m.n > 1 ? " (first of a run: zoom in)" : "");
            break;
        case view::MarkKind::Woken:
            std::snprintf(buf, sizeof buf, "woken by tid %u (fd %d)", m.other_tid, m.fd);
            break;
        case view::MarkKind::Woke:
            std::snprintf(buf, sizeof buf, "woke tid %u (fd %d)", m.other_tid, m.fd);
            break;
        case view::MarkKind::Harvest:
            std::snprintf(buf, sizeof buf, "harvest: %u event%s%s", m.count,
                          m.count == 1 ? "" : "s", m.n > 1 ? " (merged)" : "");
            break;
    }
    return std::string(buf) + "\nat " + seconds(m.ts - lo);
}

using LaneMids = std::unordered_map<std::uint32_t, float>;  // tid -> y of its lane's middle

void paint_callback(const LanesFrame& f, const view::LaneMark& m, float x, float xe, float y0) {
    const bool sel = m.fd >= 0 && f.ui.is_selected(m.sel());
    const ImVec2 a(x - kCallbackHalfW, y0 + kCallbackTop);
    const ImVec2 b(xe + kCallbackHalfW, y0 + kCallbackBottom);
    f.dl->AddRectFilled(a, b, col(sel ? view::kSelection : view::kMarkCallback));
    if (f.ui.report != nullptr && m.fd >= 0) f.ui.report->target("timeline", m.fd, a, b);
}

void paint_woken(const LanesFrame& f, float x, float xe, float y0) {
    f.dl->AddTriangleFilled(ImVec2(x - kWokenHalfW, y0 + kCallbackTop),
                            ImVec2(x + kWokenHalfW, y0 + kCallbackTop),
                            ImVec2(x, y0 + kCallbackTop + kWokenH), col(view::kMarkWakeup));
    if (xe > x + kWokenHalfW)
        f.dl->AddRectFilled(ImVec2(x, y0 + kCallbackTop),
                            ImVec2(xe, y0 + kCallbackTop + kWokenRunH), col(view::kMarkWakeup));
}

// Who woke whom: a square, and a line to the woken thread's lane when it is in view.
void paint_woke(const LanesFrame& f, const view::LaneMark& m, float x, float xe, float y0,
                const LaneMids& mids) {
    f.dl->AddRectFilled(ImVec2(x - kWokeHalfW, y0 + f.lane_h - kWokeTop),
                        ImVec2(xe + kWokeHalfW, y0 + f.lane_h - kWokeBottom),
                        col(view::kMarkWakeup));
    auto to = mids.find(m.other_tid);
    if (to != mids.end())
        f.dl->AddLine(ImVec2(x, y0 + f.lane_h / 2), ImVec2(x, to->second),
                      col(view::kMarkWakeup, kWakeLineAlpha), 1.0f);
}

void paint_harvest(const LanesFrame& f, const view::LaneMark& m, float x, float xe, float y0) {
    f.dl->AddRectFilled(ImVec2(x - kHarvestLeft, y0 + f.lane_h - kHarvestH),
                        ImVec2(xe + kHarvestRight, y0 + f.lane_h), col(view::kMarkHarvest));
    if (m.n == 1 && (f.w.t1 - f.w.t0) < kHarvestTextSpan) {
        f.dl->AddText(ImVec2(x + kHarvestTextDx, y0 + kHarvestTextDy), col(view::kMarkHarvest),
                      std::to_string(m.count).c_str());
    }
}

void paint_mark(const LanesFrame& f, const view::LaneMark& m, float y0, const LaneMids& mids,
                Hit& hit) {
    const float x = f.x_lanes + m.x;
    const float xe = f.x_lanes + m.x_end;  // a merged run ends here
    switch (m.kind) {
        case view::MarkKind::Callback:
            paint_callback(f, m, x, xe, y0);
            break;
        case view::MarkKind::Woken:
            paint_woken(f, x, xe, y0);
            break;
        case view::MarkKind::Woke:
            paint_woke(f, m, x, xe, y0, mids);
            break;
        case view::MarkKind::Harvest:
            paint_harvest(f, m, x, xe, y0);
            break;
    }
    if (f.near(x, xe, y0)) {
        hit.has_item = m.fd >= 0;
        hit.item = m.sel();
        hit.tip = mark_tip(m, f.lo);
    }
}

// The thread lanes scrolled into view: name, waits, marks.
void paint_lanes(const LanesFrame& f, Hit& hit) {
    const std::size_t thread0 = f.first_row > f.fixed_rows() ? f.first_row - f.fixed_rows() : 0;
    const std::vector<view::Lane>& lanes = f.v.lanes(f.r, f.w, thread0, f.last_row - f.first_row);
    const std::size_t lane_row0 = thread0 + f.fixed_rows();
    LaneMids mids;
    for (std::size_t i = 0; i < lanes.size(); ++i)
        mids[lanes[i].tid] = f.row_y(lane_row0 + i) + f.lane_h / 2;
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const float y0 = f.row_y(lane_row0 + i);
        f.dl->AddText(ImVec2(f.origin.x + kTextInset, y0 + kTextInset), col(view::kLaneText),
                      lane_name(f.r, lanes[i]).c_str());
        paint_segments(f, lanes[i], y0, hit);
        for (const view::LaneMark& m : lanes[i].marks) paint_mark(f, m, y0, mids, hit);
    }
}

// Over the lanes: the span (translucent) and the cursor.
void paint_span_and_cursor(const LanesFrame& f, std::uint64_t cursor) {
    const float top = f.origin.y + f.scroll;
    const float bottom = top + f.view_h;
    const UiState& ui = f.ui;
    if (ui.has_span() && ui.span_t1 >= f.w.t0 && ui.span_t0 <= f.w.t1) {
        const float a = f.x_lanes + f.w.x_of(std::max(ui.span_t0, f.w.t0));
        const float b = f.x_lanes + f.w.x_of(std::min(ui.span_t1, f.w.t1));
        f.dl->AddRectFilled(ImVec2(a, top), ImVec2(std::max(b, a + 1), bottom),
                            col(view::kSpanSelection, kSpanAlpha));
    }
    if (cursor >= f.w.t0 && cursor <= f.w.t1) {
        const float x = f.x_lanes + f.w.x_of(cursor);
        f.dl->AddLine(ImVec2(x, top), ImVec2(x, bottom), col(view::kCursorLine), 1.0f);
    }
}

// The lanes: the selected item's callbacks first (when one is selected), the
// counter tracks of the instances, then one lane per thread; only the lanes scrolled into view are
// cut.
void draw_lanes(const view::Replay& r, ViewCache& v, UiState& ui, view::TimeWindow& w) {
    const std::uint64_t lo = r.first_ts();
    LanesFrame f{r, v, ui, w};
    f.lo = lo;
    f.hi = std::max(r.last_ts(), lo) + 1;
    f.item_lane = ui.selected_fd >= 0;
    if (ui.selected != model::kNil) f.selected_serial = r.model().instance(ui.selected).serial;
    f.tracks = view::counter_track_list(r.counters(), f.selected_serial, ui.counters_collapsed);
    f.rows = v.timeline(r).threads().size() + f.fixed_rows();
    ImGui::BeginChild("lanes", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollWithMouse);
    f.dl = ImGui::GetWindowDrawList();
    f.origin = ImGui::GetCursorScreenPos();
    f.x_lanes = f.origin.x + label_w(ui);
    f.lane_h = lane_h(ui);
    f.scroll = ImGui::GetScrollY();
    f.view_h = ImGui::GetWindowHeight();
    const float rows_h = f.lane_h * static_cast<float>(std::max<std::size_t>(f.rows, 1));
    ImGui::InvisibleButton("lanes_area", ImVec2(label_w(ui) + w.width, rows_h));
    f.hovered = ImGui::IsItemHovered();
    f.mouse = ImGui::GetIO().MousePos;
    if (ui.report != nullptr)
        ui.report->lanes(
            ImVec2(f.x_lanes, f.origin.y + f.scroll),
            ImVec2(f.x_lanes + w.width, f.origin.y + std::min(f.scroll + f.view_h, rows_h)));
    lanes_input(f);
    w = f.w;  // the window as zoomed and panned, for this frame's painting too
    f.first_row = static_cast<std::size_t>(std::max(0.0f, f.scroll / f.lane_h));
    f.last_row = std::min(f.rows, static_cast<std::size_t>((f.scroll + f.view_h) / f.lane_h) + 1);
    Hit hit;
    paint_rules(f);
    paint_counter_tracks(f, hit);
    paint_item_lane(f, hit);
    paint_lanes(f, hit);
    paint_span_and_cursor(f, lo + ui.rel_ns);
    if (!hit.tip.empty()) ImGui::SetTooltip("%s", hit.tip.c_str());
    if (ui.report != nullptr) ui.report->tooltip(hit.tip);
    lanes_click(f, hit);
    ImGui::EndChild();
}

}  // namespace

bool draw_timeline(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l,
                   double frame_dt) {
    place_window(l.timeline());
    ImGui::Begin("Timeline", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoTitleBar |
                     ImGuiWindowFlags_NoScrollbar);
    const std::uint64_t before = ui.rel_ns;
    ImGui::BeginDisabled(r.record_count() == 0);
    control_row(r, ui, frame_dt);
    const std::uint64_t lo = r.first_ts();
    const std::uint64_t hi = std::max(r.last_ts(), lo) + 1;
    view::TimeWindow w =
        window_of(r, ui, std::max(10.0f, ImGui::GetContentRegionAvail().x - label_w(ui)));
    timeline_keys(r, ui, w, lo, hi);
    const std::uint64_t cursor = lo + ui.rel_ns;
    window_row(ui, w, lo, hi, cursor);
    follow_cursor(ui, w, cursor, lo, hi);
    draw_axis(r, v, ui, w);
    draw_lanes(r, v, ui, w);
    // Any zoom or pan leaves the whole-trace view.
    if (w.t0 != lo || w.t1 != hi) ui.tl_whole = false;
    ui.tl_t0 = w.t0;
    ui.tl_t1 = w.t1;
    ImGui::EndDisabled();
    ImGui::End();
    return ui.rel_ns != before;
}

}  // namespace epscope::gui
