// The timeline: replay controls (play, pause, speed, step to the next record
// of a kind, a slider over the trace) and, under them, a lane per thread:
// the time it was blocked in epoll_wait (awake, then asleep), the wakeups it
// received and sent (a line joins waker and woken), the harvests it ran with
// their counts, and the callbacks it caused on items. The mouse wheel zooms
// (seconds down to microseconds) around the pointer, dragging pans, a click
// moves the cursor or selects the item under a mark.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "app/draw_util.hpp"
#include "app/input.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "trace/visibility.hpp"

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
constexpr std::uint64_t kMinSpan = 2000;  // 2 us across the lanes at the deepest zoom

std::uint64_t rel_of(const view::Replay& r, std::size_t i) {
    std::uint64_t ts = r.record(i).header().ts;
    return ts > r.first_ts() ? ts - r.first_ts() : 0;
}

// "12.5 ms", "3 us", "1.25 s" for a span in ns.
std::string span_text(double ns) {
    char buf[32];
    if (ns >= 1e9) {
        std::snprintf(buf, sizeof buf, "%.3g s", ns / 1e9);
    } else if (ns >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.3g ms", ns / 1e6);
    } else if (ns >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.3g us", ns / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f ns", ns);
    }
    return buf;
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
    const float b = std::max(x_lanes + w.x_of(std::min(f->last_ts, w.t1)), a + 3);
    dl->AddRectFilled(ImVec2(a, axis.y + kAxisH - 5), ImVec2(b, axis.y + kAxisH),
                      col(view::kFindingSpan));
    for (const findings::Evidence& e : f->evidence) {
        if (e.ts < w.t0 || e.ts > w.t1) continue;
        const float x = x_lanes + w.x_of(e.ts);
        dl->AddTriangleFilled(ImVec2(x - 4, axis.y + kAxisH - 11),
                              ImVec2(x + 4, axis.y + kAxisH - 11), ImVec2(x, axis.y + kAxisH - 5),
                              col(view::kFindingSpan));
    }
}

}  // namespace

bool draw_timeline(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l,
                   double frame_dt) {
    place_window(l.timeline());
    ImGui::Begin("Timeline", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoTitleBar |
                     ImGuiWindowFlags_NoScrollbar);
    const std::uint64_t before = ui.rel_ns;
    const std::size_t n = r.record_count();
    ImGui::BeginDisabled(n == 0);
    control_row(r, ui, frame_dt);

    // The lanes' time window: the whole trace (growing with a live stream)
    // until the user zooms or pans.
    const std::uint64_t lo = r.first_ts();
    const std::uint64_t hi = std::max(r.last_ts(), lo) + 1;
    if (ui.tl_whole || ui.tl_t1 <= ui.tl_t0 || ui.tl_t0 < lo || ui.tl_t1 > hi) {
        ui.tl_t0 = lo;
        ui.tl_t1 = hi;
    }
    const float lanes_w = std::max(10.0f, ImGui::GetContentRegionAvail().x - kLabelW);
    view::TimeWindow w{ui.tl_t0, ui.tl_t1, lanes_w};
    timeline_keys(r, ui, w, lo, hi);
    const std::uint64_t cursor = lo + ui.rel_ns;
    // Zoom buttons act around the cursor when it is visible, else the middle.
    const std::uint64_t anchor =
        cursor >= w.t0 && cursor <= w.t1 ? cursor : w.t0 + (w.t1 - w.t0) / 2;
    if (ImGui::Button("zoom in")) w = view::zoom_window(w, anchor, 0.25, lo, hi, kMinSpan);
    ImGui::SameLine();
    if (ImGui::Button("zoom out")) w = view::zoom_window(w, anchor, 4.0, lo, hi, kMinSpan);
    ImGui::SameLine();
    if (ImGui::Button("whole trace")) {
        w = view::TimeWindow{lo, hi, lanes_w};
        ui.tl_whole = true;
    }
    ImGui::SameLine();
    ImGui::Checkbox("follow cursor", &ui.tl_follow);
    ImGui::SameLine();
    ImGui::TextDisabled("window %s   wheel: zoom, drag: pan, click: cursor or item",
                        span_text(static_cast<double>(w.t1 - w.t0)).c_str());
    // Follow a cursor that moved (playing, stepping, a live stream) out of view.
    const bool cursor_moved = cursor != ui.tl_cursor_seen;
    ui.tl_cursor_seen = cursor;
    if (ui.tl_follow && cursor_moved && (cursor < w.t0 || cursor > w.t1)) {
        const std::uint64_t s = w.t1 - w.t0;
        w.t0 = std::clamp(cursor - std::min(cursor, s / 10), lo, hi - s);
        w.t1 = w.t0 + s;
    }

    const view::TimelineIndex& idx = v.timeline(r);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    // Time axis.
    ImVec2 axis = ImGui::GetCursorScreenPos();
    const float x_lanes = axis.x + kLabelW;
    {
        const double span = static_cast<double>(w.t1 - w.t0);
        const double step = tick_step(span, lanes_w, 110);
        const double rel0 = static_cast<double>(w.t0 - lo);
        for (double t = std::ceil(rel0 / step) * step; t <= rel0 + span; t += step) {
            const float x = x_lanes + w.x_of(lo + static_cast<std::uint64_t>(t));
            dl->AddLine(ImVec2(x, axis.y + kAxisH - 4), ImVec2(x, axis.y + kAxisH),
                        IM_COL32(90, 90, 90, 255));
            std::string text = span_text(t);
            dl->AddText(ImVec2(x + 2, axis.y), IM_COL32(90, 90, 90, 255), text.c_str());
        }
        finding_on_axis(r, v, ui, w, axis, x_lanes);
        ImGui::Dummy(ImVec2(kLabelW + lanes_w, kAxisH));
    }

    // Lanes: the selected item's callbacks first (when an fd is selected),
    // then one lane per thread; only the lanes scrolled into view are cut.
    const std::size_t threads = idx.threads().size();
    const bool item_lane = ui.selected_fd >= 0;
    const std::size_t rows = threads + (item_lane ? 1 : 0);
    ImGui::BeginChild("lanes", ImVec2(0, 0), false, ImGuiWindowFlags_NoScrollWithMouse);
    // Scrolling the lanes: the wheel zooms, so scroll with the scrollbar or
    // shift+wheel.
    if (ImGui::IsWindowHovered() && ImGui::GetIO().KeyShift && ImGui::GetIO().MouseWheel != 0) {
        ImGui::SetScrollY(ImGui::GetScrollY() - ImGui::GetIO().MouseWheel * kLaneH * 3);
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float scroll = ImGui::GetScrollY();
    const float view_h = ImGui::GetWindowHeight();
    ImGui::InvisibleButton(
        "lanes_area",
        ImVec2(kLabelW + lanes_w, kLaneH * static_cast<float>(std::max<std::size_t>(rows, 1))));
    const bool hovered = ImGui::IsItemHovered();
    if (ui.report != nullptr) {
        ui.report->lanes(ImVec2(x_lanes, origin.y + scroll),
                         ImVec2(x_lanes + lanes_w,
                                origin.y + std::min(scroll + view_h, ImGui::GetItemRectSize().y)));
    }
    const ImVec2 drag = ImGui::GetMouseDragDelta(ImGuiMouseButton_Left);
    const bool clicked = ImGui::IsItemDeactivated() && drag.x == 0 && drag.y == 0;
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
        const float dx = ImGui::GetIO().MouseDelta.x;
        if (dx != 0) w = view::pan_window(w, -dx, lo, hi);
    }
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    if (hovered && !ImGui::GetIO().KeyShift && ImGui::GetIO().MouseWheel != 0 &&
        mouse.x >= origin.x + kLabelW) {
        const std::uint64_t at = w.ts_of(mouse.x - origin.x - kLabelW);
        w = view::zoom_window(w, at, std::pow(0.8, ImGui::GetIO().MouseWheel), lo, hi, kMinSpan);
    }
    // Any zoom or pan leaves the whole-trace view.
    if (w.t0 != lo || w.t1 != hi) ui.tl_whole = false;
    ui.tl_t0 = w.t0;
    ui.tl_t1 = w.t1;

    const std::size_t first_row = static_cast<std::size_t>(std::max(0.0f, scroll / kLaneH));
    const std::size_t last_row =
        std::min(rows, static_cast<std::size_t>((scroll + view_h) / kLaneH) + 1);
    auto row_y = [&](std::size_t row) { return origin.y + kLaneH * static_cast<float>(row); };
    const std::size_t thread0 = item_lane ? (first_row == 0 ? 0 : first_row - 1) : first_row;
    const std::size_t thread_rows = last_row - first_row;
    const std::vector<view::Lane>& lanes = v.lanes(r, w, thread0, thread_rows);
    std::unordered_map<std::uint32_t, float> lane_mid;  // tid -> y of its lane's middle
    const std::size_t lane_row0 = thread0 + (item_lane ? 1 : 0);
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        lane_mid[lanes[i].tid] = row_y(lane_row0 + i) + kLaneH / 2;
    }
    std::int32_t hit_fd = -1;
    std::string tip;
    auto near = [&](float x, float xe, float y0) {
        return hovered && mouse.x >= x - 3 && mouse.x <= xe + 3 && mouse.y >= y0 &&
               mouse.y < y0 + kLaneH;
    };
    for (std::size_t row = first_row; row < last_row; ++row) {
        const float y0 = row_y(row);
        // A hairline between lanes: shading every other lane would blend
        // ~80k pixels a frame, which a software rasteriser feels.
        if (row > 0) {
            dl->AddLine(ImVec2(origin.x, y0), ImVec2(x_lanes + lanes_w, y0),
                        IM_COL32(215, 215, 215, 255));
        }
    }
    if (item_lane && first_row == 0) {
        const float y0 = row_y(0);
        std::string name = "fd " + std::to_string(ui.selected_fd) +
                           (ui.selected_stale ? " closed (stale item)" : "") + " callbacks";
        const trace::Visibility seen = trace::visibility_of(r.header());
        if (!seen.callbacks) name += ": " + seen.not_seen();
        dl->AddText(ImVec2(origin.x + 4, y0 + 4), col(view::kMarkCallback), name.c_str());
        for (const view::LaneMark& m : v.item_callbacks(r, ui.selected_fd, w, ui.selected_stale)) {
            const float x = x_lanes + m.x;
            const float xe = x_lanes + m.x_end;
            dl->AddRectFilled(ImVec2(x - 1, y0 + 3), ImVec2(xe + 2, y0 + kLaneH - 3),
                              col(view::kSelection));
            if (near(x, xe, y0)) {
                tip = "fd " + std::to_string(m.fd) + ": " + std::to_string(m.n) + " callback" +
                      (m.n > 1 ? "s" : "") + "\nfirst " + outcome_name(m.outcome) + " at " +
                      seconds(m.ts - lo);
            }
        }
    }
    for (std::size_t i = 0; i < lanes.size(); ++i) {
        const view::Lane& lane = lanes[i];
        const float y0 = row_y(lane_row0 + i);
        const std::string name = lane_name(r, lane);
        dl->AddText(ImVec2(origin.x + 4, y0 + 4), IM_COL32(30, 30, 30, 255), name.c_str());
        // Blocked in epoll_wait: the awake part, then the part asleep.
        for (const view::LaneSegment& s : lane.segments) {
            const float a = x_lanes + s.x0;
            const float b = x_lanes + std::max(s.x1, s.x0 + 1);
            const float sl = x_lanes + std::min(std::max(s.x_sleep, s.x0), s.x1);
            if (sl > a)
                dl->AddRectFilled(ImVec2(a, y0 + 6), ImVec2(sl, y0 + kLaneH - 6),
                                  col(view::kLaneBlocked));
            if (b > sl)
                dl->AddRectFilled(ImVec2(std::max(a, sl), y0 + 6), ImVec2(b, y0 + kLaneH - 6),
                                  col(view::kLaneAsleep));
            if (hovered && mouse.x >= a && mouse.x < b && mouse.y >= y0 && mouse.y < y0 + kLaneH &&
                tip.empty()) {
                tip = s.waits > 1 ? std::to_string(s.waits) + " waits (zoom in)"
                                  : "epoll_wait on epfd " + std::to_string(s.epfd) +
                                        (s.open ? ": still blocked"
                                                : ": returned " + std::to_string(s.result));
            }
        }
        for (const view::LaneMark& m : lane.marks) {
            const float x = x_lanes + m.x;
            const float xe = x_lanes + m.x_end;  // a merged run ends here
            const bool sel = m.fd >= 0 && m.fd == ui.selected_fd;
            switch (m.kind) {
                case view::MarkKind::Callback:
                    dl->AddRectFilled(ImVec2(x - 1, y0 + 1), ImVec2(xe + 1, y0 + 8),
                                      col(sel ? view::kSelection : view::kMarkCallback));
                    if (ui.report != nullptr && m.fd >= 0)
                        ui.report->target("timeline", m.fd, ImVec2(x - 1, y0 + 1),
                                          ImVec2(xe + 1, y0 + 8));
                    break;
                case view::MarkKind::Woken:
                    dl->AddTriangleFilled(ImVec2(x - 4, y0 + 1), ImVec2(x + 4, y0 + 1),
                                          ImVec2(x, y0 + 7), col(view::kMarkWakeup));
                    if (xe > x + 4) {
                        dl->AddRectFilled(ImVec2(x, y0 + 1), ImVec2(xe, y0 + 4),
                                          col(view::kMarkWakeup));
                    }
                    break;
                case view::MarkKind::Woke: {
                    dl->AddRectFilled(ImVec2(x - 2, y0 + kLaneH - 6),
                                      ImVec2(xe + 2, y0 + kLaneH - 2), col(view::kMarkWakeup));
                    // Who woke whom: a line to the woken thread's lane when it is in view.
                    auto to = lane_mid.find(m.other_tid);
                    if (to != lane_mid.end()) {
                        dl->AddLine(ImVec2(x, y0 + kLaneH / 2), ImVec2(x, to->second),
                                    col(view::kMarkWakeup, 110), 1.0f);
                    }
                    break;
                }
                case view::MarkKind::Harvest: {
                    dl->AddRectFilled(ImVec2(x - 2, y0 + kLaneH - 5), ImVec2(xe + 3, y0 + kLaneH),
                                      col(view::kMarkHarvest));
                    if (m.n == 1 && (w.t1 - w.t0) < 50'000'000) {
                        std::string c = std::to_string(m.count);
                        dl->AddText(ImVec2(x + 4, y0 + 5), col(view::kMarkHarvest), c.c_str());
                    }
                    break;
                }
            }
            if (near(x, xe, y0)) {
                hit_fd = m.fd;
                char buf[160];
                switch (m.kind) {
                    case view::MarkKind::Callback:
                        std::snprintf(buf, sizeof buf, "callback on fd %d: %s%s", m.fd,
                                      outcome_name(m.outcome),
                                      m.n > 1 ? " (first of a run: zoom in)" : "");
                        break;
                    case view::MarkKind::Woken:
                        std::snprintf(buf, sizeof buf, "woken by tid %u (fd %d)", m.other_tid,
                                      m.fd);
                        break;
                    case view::MarkKind::Woke:
                        std::snprintf(buf, sizeof buf, "woke tid %u (fd %d)", m.other_tid, m.fd);
                        break;
                    case view::MarkKind::Harvest:
                        std::snprintf(buf, sizeof buf, "harvest: %u event%s%s", m.count,
                                      m.count == 1 ? "" : "s", m.n > 1 ? " (merged)" : "");
                        break;
                }
                tip = std::string(buf) + "\nat " + seconds(m.ts - lo);
            }
        }
    }
    // The cursor.
    if (cursor >= w.t0 && cursor <= w.t1) {
        const float x = x_lanes + w.x_of(cursor);
        dl->AddLine(ImVec2(x, origin.y + scroll), ImVec2(x, origin.y + scroll + view_h),
                    col(view::kCursorLine), 1.0f);
    }
    if (!tip.empty()) ImGui::SetTooltip("%s", tip.c_str());
    if (clicked && mouse.x >= x_lanes) {
        if (hit_fd >= 0) {
            ui.select(view::ItemSel{hit_fd});
        } else {
            const std::uint64_t at = w.ts_of(mouse.x - x_lanes);
            ui.rel_ns = at > lo ? at - lo : 0;
        }
    }
    ImGui::EndChild();
    ImGui::EndDisabled();
    ImGui::End();
    return ui.rel_ns != before;
}

}  // namespace epscope::gui
