// The Findings window: what the findings engine (the one `epscope check`
// runs) says is wrong with the traced event loops, worst first. A click on a
// finding selects its instance and first item and moves the cursor to its
// first evidence record; the timeline marks its span. The selected finding's
// people, times, evidence and advice are shown under its title.
#include <string>

#include "app/draw_util.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "view/findings.hpp"

namespace epscope::gui {
namespace {

view::Rgb severity_colour(findings::Severity s) {
    switch (s) {
        case findings::Severity::Error:
            return view::kSeverityError;
        case findings::Severity::Warning:
            return view::kSeverityWarning;
        case findings::Severity::Info:
            break;
    }
    return view::kSeverityInfo;
}

// A live stream's findings are rebuilt every second: the selection stays on
// the same finding (kind, process, instance) when it is still in the list.
void keep_selection(const view::FindingsRun& run, UiState& ui, const findings::Finding* before) {
    if (ui.finding_gen == run.generation()) return;
    ui.finding_gen = run.generation();
    const int was = ui.finding;
    ui.finding = -1;
    if (was < 0 || before == nullptr) return;
    const auto& fs = run.findings();
    for (std::size_t i = 0; i < fs.size(); ++i) {
        if (fs[i].kind == before->kind && fs[i].tgid == before->tgid && fs[i].ep == before->ep &&
            fs[i].epfd == before->epfd)
            ui.finding = static_cast<int>(i);
    }
}

// "3 findings: 1 error, 2 warnings", or how far judging has come.
void summary(const view::Replay& r, const view::FindingsRun& run) {
    if (!run.done(r)) {
        const double share = r.record_count() == 0 ? 0
                                                   : static_cast<double>(run.judged()) * 100.0 /
                                                         static_cast<double>(r.record_count());
        ImGui::TextDisabled("judging the trace: %.0f%% of the records", share);
        return;
    }
    const auto& fs = run.findings();
    if (fs.empty()) {
        ImGui::TextDisabled("no findings%s", run.unjudged().empty() ? "" : " (see below)");
        return;
    }
    std::size_t by[3] = {};
    for (const findings::Finding& f : fs) ++by[static_cast<int>(f.severity)];
    ImGui::Text("%zu finding%s: %zu error%s, %zu warning%s, %zu info", fs.size(),
                fs.size() == 1 ? "" : "s", by[2], by[2] == 1 ? "" : "s", by[1],
                by[1] == 1 ? "" : "s", by[0]);
}

// One finding: a tag in its severity's colour, then its title; true when clicked.
bool finding_title(const findings::Finding& f, int index, bool selected, UiReport* report) {
    ImGui::PushID(index);
    const std::string tag(findings::severity_name(f.severity));
    const ImVec2 p = ImGui::GetCursorScreenPos();
    const ImVec2 ts = ImGui::CalcTextSize("warning");
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + ts.x + 8, p.y + ts.y),
                                              col(severity_colour(f.severity)));
    ImGui::GetWindowDrawList()->AddText(ImVec2(p.x + 4, p.y), col(view::kSeverityTagText),
                                        tag.c_str());
    ImGui::Dummy(ImVec2(ts.x + 8, ts.y));
    ImGui::SameLine();
    const bool clicked = ImGui::Selectable(f.title.c_str(), selected);
    if (report != nullptr)
        report->finding(index, findings::kind_name(f.kind), ImGui::GetItemRectMin(),
                        ImGui::GetItemRectMax());
    if (ImGui::IsItemHovered())
        ImGui::SetTooltip("%s\nclick: select its instance and item, cursor to its evidence",
                          std::string(findings::kind_name(f.kind)).c_str());
    ImGui::PopID();
    return clicked;
}

// Who, when, the evidence with its record numbers, and what to do.
void finding_body(const view::FindingRow& row) {
    ImGui::Indent();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(row.who.c_str());
    ImGui::TextDisabled("%s", row.when.c_str());
    // Bullet then wrapped text: BulletText() would not wrap a long line.
    for (const std::string& e : row.evidence) {
        ImGui::Bullet();
        ImGui::TextUnformatted(e.c_str());
    }
    if (!row.confidence.empty()) ImGui::TextDisabled("confidence: %s", row.confidence.c_str());
    ImGui::Text("what to do: %s", row.advice.c_str());
    ImGui::PopTextWrapPos();
    ImGui::Unindent();
}

// What this backend cannot judge, said as such (never silence that looks like health).
void unjudged(const view::FindingsRun& run) {
    if (run.unjudged().empty()) return;
    const std::string title =
        "not judged on this trace (" + std::to_string(run.unjudged().size()) + ")###unjudged";
    if (!ImGui::TreeNode(title.c_str())) return;
    ImGui::PushTextWrapPos(0.0f);
    for (const findings::Unjudged& u : run.unjudged())
        ImGui::TextDisabled("%s: %s", std::string(findings::kind_name(u.kind)).c_str(),
                            u.reason.c_str());
    ImGui::PopTextWrapPos();
    ImGui::TreePop();
}

}  // namespace

const findings::Finding* selected_finding(ViewCache& v, const UiState& ui) {
    const auto& fs = v.findings().findings();
    if (ui.finding < 0 || ui.finding_gen != v.findings().generation() ||
        static_cast<std::size_t>(ui.finding) >= fs.size())
        return nullptr;
    return &fs[static_cast<std::size_t>(ui.finding)];
}

bool draw_findings(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l) {
    view::FindingsRun& run = v.findings();
    // The selected finding as it was, to find it again in new findings.
    const findings::Finding* before = selected_finding(v, ui);
    const findings::Finding kept = before != nullptr ? *before : findings::Finding{};
    run.advance(r, v.findings_budget_s);
    keep_selection(run, ui, before != nullptr ? &kept : nullptr);

    place_window(l.findings());
    ImGui::Begin("Findings", nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize);
    summary(r, run);
    if (ui.report != nullptr)
        ui.report->findings(run.done(r) ? static_cast<int>(run.findings().size()) : -1);
    bool moved = false;
    const auto& fs = run.findings();
    for (std::size_t i = 0; i < fs.size(); ++i) {
        const int index = static_cast<int>(i);
        if (finding_title(fs[i], index, index == ui.finding, ui.report)) {
            ui.finding = index;
            ui.finding_gen = run.generation();
            ui.rel_ns = view::finding_jump(r, fs[i]).rel_ns;
            moved = true;
        }
        if (index == ui.finding) finding_body(view::finding_row(fs[i], r.first_ts()));
    }
    unjudged(run);
    ImGui::End();
    return moved;
}

void select_finding_instance(const view::Replay& r, ViewCache& v, UiState& ui) {
    const findings::Finding* f = selected_finding(v, ui);
    if (f == nullptr) return;
    const model::InstanceRef inst = view::finding_instance(r.model(), *f);
    if (inst != model::kNil) ui.selected = inst;
    ui.selected_fd = view::finding_jump(r, *f).fd;
}

}  // namespace epscope::gui
