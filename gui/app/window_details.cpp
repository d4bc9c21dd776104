// Per instance and per item: the model's counters (callbacks by outcome,
// deliveries, harvests, waits, wakeups, spurious wakeups, herds) and latency
// histograms (callback -> harvest, wait durations), and the busiest items,
// whose fds select the item everywhere when clicked.
#include <string>

#include "app/draw_util.hpp"
#include "app/font.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "view/details.hpp"

namespace epscope::gui {
namespace {

constexpr float kBarsH = 40.0f;

// Two counters a row, and outcomes (indented) that never happened left out:
// the panel stays short enough to show the histograms under it. Counters the
// backend cannot see are listed greyed under the table with why, not as 0.
void counters(const char* id, const std::vector<view::Counter>& cs, const std::string& not_seen,
              UiReport* report) {
    std::string unseen;
    if (ImGui::BeginTable(id, 4, ImGuiTableFlags_SizingStretchProp)) {
        for (const view::Counter& c : cs) {
            if (!c.seen) {
                if (!c.name.starts_with("  ")) unseen += (unseen.empty() ? "" : ", ") + c.name;
                if (report != nullptr) report->counter(id, c.name, "unseen");
                continue;
            }
            if (c.value == 0 && c.name.starts_with("  ")) continue;
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(c.name.c_str());
            ImGui::TableNextColumn();
            ImGui::Text("%llu", static_cast<unsigned long long>(c.value));
            if (report != nullptr) report->counter(id, c.name, std::to_string(c.value));
        }
        ImGui::EndTable();
    }
    if (!unseen.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("%s: %s", unseen.c_str(), not_seen.c_str());
        ImGui::PopTextWrapPos();
    }
}

// The count axis (the tallest bar's count at its top, "count" under it)
// inside the plot, and the duration axis under it: the ends' bounds and its
// name (one bucket per octave or two: a log scale).
void axes(const view::HistogramView& h, ImVec2 p, float w) {
    const ImU32 grey = ImGui::GetColorU32(ImGuiCol_TextDisabled);
    const std::string top = std::to_string(h.tallest) + " (count)";
    ImGui::GetWindowDrawList()->AddText(ImVec2(p.x + 2, p.y), grey, top.c_str());
    const std::string lo = view::short_duration(h.bars.front().lo_ns);
    const std::string hi = view::short_duration(h.bars.back().hi_ns);
    constexpr const char* kName = "duration (log)";
    ImGui::TextDisabled("%s", lo.c_str());
    ImGui::SameLine((w - ImGui::CalcTextSize(kName).x) / 2);
    ImGui::TextDisabled("%s", kName);
    ImGui::SameLine(w - ImGui::CalcTextSize(hi.c_str()).x);
    ImGui::TextDisabled("%s", hi.c_str());
}

// Bars from the first to the last used bucket, heights relative to the
// tallest; the range under the ends, the bucket and count on hover.
void histogram(const char* title, const view::HistogramView& h, view::Rgb colour,
               const std::string& not_seen = {}) {
    ImGui::Text("%s", title);
    if (!not_seen.empty()) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextDisabled("  %s", not_seen.c_str());
        ImGui::PopTextWrapPos();
        return;
    }
    if (h.total == 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("(none yet)");
        return;
    }
    ImGui::TextDisabled("  n %llu  p50 %s  p99 %s", static_cast<unsigned long long>(h.total),
                        view::short_duration(h.p50_ns).c_str(),
                        view::short_duration(h.p99_ns).c_str());
    const float w = ImGui::GetContentRegionAvail().x;
    const ImVec2 p = ImGui::GetCursorScreenPos();
    // kBarsH is at the scale-1 font size: the bars grow with the text.
    const float bars_h = kBarsH * ImGui::GetFontSize() / kFontPx;
    ImGui::PushID(title);
    ImGui::InvisibleButton("bars", ImVec2(w, bars_h));
    ImGui::PopID();
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(p, ImVec2(p.x + w, p.y + bars_h), col(view::kHistogramBackground));
    const float bw = w / static_cast<float>(h.bars.size());
    const ImVec2 mouse = ImGui::GetIO().MousePos;
    for (std::size_t i = 0; i < h.bars.size(); ++i) {
        const view::HistogramBar& b = h.bars[i];
        const float x0 = p.x + bw * static_cast<float>(i) + 1;
        const float x1 = p.x + bw * static_cast<float>(i + 1) - 1;
        // A used bucket is never invisible: at least 2 pixels tall.
        const float bh = b.count == 0 ? 0 : std::max(2.0f, b.height * (bars_h - 4));
        if (bh > 0) {
            dl->AddRectFilled(ImVec2(x0, p.y + bars_h - bh), ImVec2(x1, p.y + bars_h), col(colour));
        }
        if (ImGui::IsItemHovered() && mouse.x >= x0 - 1 && mouse.x < x1 + 1) {
            ImGui::SetTooltip("%s .. %s: %u", view::short_duration(b.lo_ns).c_str(),
                              view::short_duration(b.hi_ns).c_str(), b.count);
        }
    }
    axes(h, p, w);
}

}  // namespace

void draw_details(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    place_window(l.details());
    ImGui::Begin("Details", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    if (ui.selected == model::kNil) {
        ImGui::TextDisabled("no instance selected");
        ImGui::End();
        return;
    }
    // The selected item first: it is what the user clicked.
    if (ui.selected_fd >= 0) {
        const view::ItemDetails& it = v.item_details(r, ui.selected, ui.selection());
        ImGui::PushStyleColor(ImGuiCol_Text, col4(view::kItemTitleText));
        ImGui::Text(it.stale ? "item fd %d, closed: a stale item (its file still registered)"
                             : "item fd %d",
                    ui.selected_fd);
        ImGui::PopStyleColor();
        ImGui::SameLine();
        if (ImGui::SmallButton("clear")) ui.select(view::ItemSel{});
        if (!it.valid) {
            ImGui::TextDisabled("not an item of this instance at the cursor");
        } else {
            ImGui::TextUnformatted(it.label.c_str());
            ImGui::TextDisabled("events 0x%x", it.events);
            counters("item_counters", it.counters, it.not_seen, ui.report);
            histogram("queued -> delivered", it.latency, view::kHistogramBar,
                      it.latency_seen ? std::string() : it.not_seen);
        }
        ImGui::Separator();
    }
    const view::InstanceDetails& d = v.instance_details(r, ui.selected);
    ImGui::Text("instance");
    counters("instance_counters", d.counters, d.not_seen, ui.report);
    histogram("callback -> harvest", d.latency, view::kHistogramBar,
              d.latency_seen ? std::string() : d.not_seen);
    histogram("wait time", d.wait_time, view::kHistogramWaitBar);
    if (!d.busiest.empty()) {
        ImGui::Text(d.callbacks_seen ? "busiest items (callbacks / deliveries)"
                                     : "busiest items (deliveries)");
        for (const view::ItemRank& b : d.busiest) {
            ImGui::PushID(b.fd * 2 + (b.stale ? 1 : 0));
            // A stale item (its fd closed, its file still registered) is its own row.
            std::string text = "fd " + std::to_string(b.fd) + (b.stale ? " closed" : "");
            const view::ItemSel sel{b.fd, b.file, b.stale};
            if (ImGui::Selectable(text.c_str(), ui.is_selected(sel), 0, ImVec2(70, 0))) {
                ui.select(sel);
            }
            if (ui.report != nullptr) {
                ui.report->target("details", b.fd, ImGui::GetItemRectMin(),
                                  ImGui::GetItemRectMax());
            }
            ImGui::SameLine();
            if (d.callbacks_seen) {
                ImGui::Text("%llu / %llu", static_cast<unsigned long long>(b.callbacks),
                            static_cast<unsigned long long>(b.deliveries));
            } else {
                ImGui::Text("%llu", static_cast<unsigned long long>(b.deliveries));
            }
            ImGui::PopID();
        }
    }
    ImGui::End();
}

}  // namespace epscope::gui
