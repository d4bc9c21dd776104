// The timeline: a slider over the trace's time, play/pause with a speed, and
// stepping record by record or to the next record of a kind.
#include <algorithm>
#include <string>

#include "app/draw_util.hpp"
#include "app/windows.hpp"

namespace epscope::gui {
namespace {

constexpr const char* kKindNames[] = {
    "invalid",       "instance_create", "instance_free", "item_insert",
    "item_modify",   "item_remove",     "callback",      "wakeup",
    "wait_begin",    "wait_sleep",      "wait_end",      "harvest_begin",
    "harvest_item",  "harvest_end",     "kernel_node",   "walk_end",
    "lost",          "process",         "fd_name",       "snapshot_instance",
    "snapshot_item", "checkpoint"};
static_assert(std::size(kKindNames) == EP_KIND_COUNT);

std::uint64_t rel_of(const view::Replay& r, std::size_t i) {
    std::uint64_t ts = r.record(i).header().ts;
    return ts > r.first_ts() ? ts - r.first_ts() : 0;
}

}  // namespace

bool draw_timeline(const view::Replay& r, UiState& ui, const Layout& l, double frame_dt) {
    ImGui::SetNextWindowPos(ImVec2(0, l.top_h()), ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(l.w, l.bottom_h() - l.status_h()), ImGuiCond_Always);
    ImGui::Begin("Timeline", nullptr,
                 ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoTitleBar |
                     ImGuiWindowFlags_NoScrollbar);
    const std::uint64_t span = r.last_ts() - r.first_ts();
    const std::uint64_t before = ui.rel_ns;
    const std::size_t n = r.record_count();
    ImGui::BeginDisabled(n == 0);
    if (ImGui::Button("|<")) ui.rel_ns = 0;
    ImGui::SameLine();
    if (ImGui::Button("<") && r.applied() > 1) ui.rel_ns = rel_of(r, r.applied() - 2);
    ImGui::SameLine();
    if (ImGui::Button(ui.playing ? "pause" : "play")) ui.playing = !ui.playing;
    ImGui::SameLine();
    if (ImGui::Button(">") && r.applied() < n) ui.rel_ns = rel_of(r, r.applied());
    ImGui::SameLine();
    if (ImGui::Button(">|")) ui.rel_ns = span;
    ImGui::SameLine();
    ImGui::SetNextItemWidth(90);
    ImGui::SliderFloat("speed", &ui.speed, 0.001f, 10.0f, "%.3fx", ImGuiSliderFlags_Logarithmic);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(150);
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
    ImGui::EndDisabled();
    ImGui::End();
    return ui.rel_ns != before;
}

}  // namespace epscope::gui
