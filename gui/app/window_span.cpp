// The span's statistics: when a span of the timeline is dragged, a window
// over the tree lists per epoll instance what `epscope stat --from/--to`
// says for that span (the same collector, view/span_stats.hpp): waits,
// harvests, callbacks, deliveries, wakeups and the callback-to-delivery and
// wait-time percentiles, with the span's bounds and length (the measure).
// Closing the window clears the span.
#include <string>

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "cli/format.hpp"
#include "trace/visibility.hpp"
#include "view/span_stats.hpp"

namespace epscope::gui {
namespace {

constexpr float kSpanWindowW = 760.0f;
constexpr float kSpanWindowH = 220.0f;
constexpr float kSpanWindowInset = 12.0f;  // from the tree pane's top-left corner

constexpr const char* kColumns[] = {"process",   "epfd",      "waits",   "harvests",
                                    "callbacks", "delivered", "wakeups", "lat p50",
                                    "lat p99",   "wait p50",  "wait p99"};

std::string epfds_text(const std::vector<std::int32_t>& fds) {
    std::string s;
    for (std::int32_t fd : fds) s += (s.empty() ? "" : ",") + std::to_string(fd);
    return s.empty() ? "-" : s;
}

// The row as the table shows it (stat's cells: "unseen" for what the
// backend cannot see).
std::vector<std::string> row_cells(const view::SpanRow& row, const trace::Visibility& seen) {
    const model::InstanceStats& st = row.summary.stats;
    return {std::to_string(row.tgid) + (row.comm.empty() ? "" : " " + row.comm),
            epfds_text(row.epfds),
            std::to_string(st.waits),
            cli::count_cell(st.harvests, seen.harvests),
            cli::count_cell(row.callbacks, seen.callbacks),
            std::to_string(st.deliveries),
            cli::count_cell(st.wakeups, seen.wakeups),
            cli::duration_cell(st.latency.quantile(0.5), seen.callbacks),
            cli::duration_cell(st.latency.quantile(0.99), seen.callbacks),
            cli::format_duration(st.wait_time.quantile(0.5)),
            cli::format_duration(st.wait_time.quantile(0.99))};
}

// The row's figures for --ui-report, in ns (the input test compares them
// with `epscope stat --json`).
std::string report_row(const view::SpanRow& row) {
    const model::InstanceStats& st = row.summary.stats;
    return std::to_string(row.tgid) + ' ' + epfds_text(row.epfds) + ' ' + std::to_string(st.waits) +
           ' ' + std::to_string(st.harvests) + ' ' + std::to_string(row.callbacks) + ' ' +
           std::to_string(st.deliveries) + ' ' + std::to_string(st.wakeups) + ' ' +
           std::to_string(st.latency.quantile(0.5)) + ' ' +
           std::to_string(st.latency.quantile(0.99)) + ' ' +
           std::to_string(st.wait_time.quantile(0.5)) + ' ' +
           std::to_string(st.wait_time.quantile(0.99));
}

void span_table(const view::SpanStats& s, const trace::Visibility& seen, UiReport* report) {
    constexpr int kCols = static_cast<int>(std::size(kColumns));
    if (!ImGui::BeginTable("span_stats", kCols,
                           ImGuiTableFlags_RowBg | ImGuiTableFlags_Borders |
                               ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit))
        return;
    ImGui::TableSetupScrollFreeze(0, 1);
    for (const char* c : kColumns) ImGui::TableSetupColumn(c);
    ImGui::TableHeadersRow();
    for (const view::SpanRow& row : s.rows) {
        ImGui::TableNextRow();
        for (const std::string& cell : row_cells(row, seen)) {
            ImGui::TableNextColumn();
            if (cell == cli::kUnseen) {
                ImGui::TextDisabled("%s", cell.c_str());
            } else {
                ImGui::TextUnformatted(cell.c_str());
            }
        }
        if (report != nullptr) report->span_row(report_row(row));
    }
    ImGui::EndTable();
}

}  // namespace

void draw_span(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    if (!ui.has_span() || ui.span_dragging) return;
    const view::Rect tree = l.tree();
    ImGui::SetNextWindowPos(ImVec2(tree.x0 + kSpanWindowInset, tree.y0 + kSpanWindowInset),
                            ImGuiCond_Appearing);
    ImGui::SetNextWindowSize(ImVec2(kSpanWindowW, kSpanWindowH), ImGuiCond_Appearing);
    bool open = true;
    if (ImGui::Begin("Span statistics", &open, ImGuiWindowFlags_NoSavedSettings)) {
        const std::uint64_t lo = r.first_ts();
        ImGui::Text("from %s to %s: %s", seconds(ui.span_t0 - lo).c_str(),
                    seconds(ui.span_t1 - lo).c_str(),
                    view::span_text(static_cast<double>(ui.span_t1 - ui.span_t0)).c_str());
        ImGui::SameLine();
        ImGui::TextDisabled("(as `epscope stat --from %.9f --to %.9f`)",
                            static_cast<double>(ui.span_t0 - lo) / 1e9,
                            static_cast<double>(ui.span_t1 - lo) / 1e9);
        const trace::Visibility& seen = r.visibility();
        const view::SpanStats& s = v.span_stats(r, ui.span_t0, ui.span_t1);
        if (s.rows.empty()) ImGui::TextDisabled("no epoll instance was live in the span");
        span_table(s, seen, ui.report);
        if (const std::string note = cli::unseen_note(seen); !note.empty())
            ImGui::TextDisabled("%s", note.c_str());
    }
    ImGui::End();
    if (!open) ui.span_t0 = ui.span_t1 = 0;
}

}  // namespace epscope::gui
