#include "app/ui_report.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "app/ui_state.hpp"

namespace epscope::gui {

void UiReport::target(const char* window, std::int32_t fd, ImVec2 min, ImVec2 max) {
    targets_.push_back(Target{window, fd, min.x, min.y, max.x, max.y});
}

void UiReport::counter(const char* table, const std::string& name, const std::string& value) {
    std::string n = name.substr(name.find_first_not_of(' '));
    for (char& c : n) {
        if (c == ' ') c = '_';
    }
    counters_.push_back(std::string(table) + ' ' + n + ' ' + value);
}

void UiReport::counter_group(ImVec2 min, ImVec2 max, std::size_t shown, std::size_t total,
                             bool collapsed) {
    std::ostringstream s;
    s << "counter_group " << min.x << ' ' << min.y << ' ' << max.x << ' ' << max.y << ' ' << shown
      << ' ' << total << ' ' << (collapsed ? 1 : 0);
    counter_rows_.push_back(s.str());
}

void UiReport::counter_track(std::uint64_t serial, ImVec2 min, ImVec2 max,
                             const std::string& name) {
    std::ostringstream s;
    s << "counter_track " << serial << ' ' << min.x << ' ' << min.y << ' ' << max.x << ' ' << max.y
      << ' ' << name;
    counter_rows_.push_back(s.str());
}

void UiReport::finding(int index, std::string_view kind, ImVec2 min, ImVec2 max) {
    std::ostringstream s;
    s << index << ' ' << kind << ' ' << min.x << ' ' << min.y << ' ' << max.x << ' ' << max.y;
    finding_rows_.push_back(s.str());
}

void UiReport::gutter(const char* name, ImVec2 min, ImVec2 max) {
    std::ostringstream s;
    s << name << ' ' << min.x << ' ' << min.y << ' ' << max.x << ' ' << max.y;
    gutters_.push_back(s.str());
}

void UiReport::end_frame(const UiState& ui, std::uint64_t first_ts) {
    const ImGuiIO& io = ImGui::GetIO();
    std::ostringstream s;
    s << "mouse " << io.MousePos.x << ' ' << io.MousePos.y << ' ' << (io.MouseDown[0] ? 1 : 0)
      << '\n';
    s << "selected_fd " << ui.selected_fd << '\n';
    s << "instance " << ui.selected << '\n';
    s << "timeline " << (ui.tl_t0 > first_ts ? ui.tl_t0 - first_ts : 0) << ' '
      << (ui.tl_t1 > first_ts ? ui.tl_t1 - first_ts : 0) << '\n';
    s << "cursor " << ui.rel_ns << '\n';
    s << "playing " << (ui.playing ? 1 : 0) << '\n';
    s << "keys_overlay " << overlay_rows_ << '\n';
    s << "font " << ImGui::GetFontSize() << '\n';
    s << "text_input " << (io.WantTextInput ? 1 : 0) << '\n';
    s << "lanes " << lanes_.x0 << ' ' << lanes_.y0 << ' ' << lanes_.x1 << ' ' << lanes_.y1 << '\n';
    s << "axis " << axis_.x0 << ' ' << axis_.y0 << ' ' << axis_.x1 << ' ' << axis_.y1 << '\n';
    if (ui.has_span() && !ui.span_dragging)
        s << "span " << ui.span_t0 - std::min(ui.span_t0, first_ts) << ' '
          << ui.span_t1 - std::min(ui.span_t1, first_ts) << '\n';
    for (const std::string& row : span_rows_) s << "span_row " << row << '\n';
    for (const std::string& c : counters_) s << "counter " << c << '\n';
    for (const std::string& c : counter_rows_) s << c << '\n';
    if (!tooltip_.empty()) {
        std::string t = tooltip_;
        for (std::size_t i = t.find('\n'); i != std::string::npos; i = t.find('\n', i))
            t.replace(i, 1, " | ");
        s << "tooltip " << t << '\n';
    }
    s << "shares " << ui.shares.side << ' ' << ui.shares.details << ' ' << ui.shares.timeline << ' '
      << ui.shares.browser << ' ' << ui.shares.findings << '\n';
    for (const std::string& g : gutters_) s << "gutter " << g << '\n';
    for (const std::string& e : legend_) s << "legend " << e << '\n';
    if (!wall_.empty()) s << "wall_clock " << wall_ << '\n';
    s << "search " << ui.search_index << ' ' << ui.search_hits << '\n';
    s << "findings " << findings_ << '\n';
    s << "finding_selected " << ui.finding << '\n';
    for (const std::string& f : finding_rows_) s << "finding " << f << '\n';
    if (span_.shown) s << "finding_span " << span_.t0 << ' ' << span_.t1 << '\n';
    for (const Target& t : targets_) {
        s << "target " << t.window << ' ' << t.fd << ' ' << t.x0 << ' ' << t.y0 << ' ' << t.x1
          << ' ' << t.y1 << '\n';
    }
    std::string text = s.str();
    if (text == last_) return;
    // Written whole, then renamed: a reader never sees half a report.
    const std::string tmp = path_ + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << text;
        if (!f.flush()) throw std::runtime_error("cannot write the UI report " + tmp);
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path_, ec);
    if (ec) throw std::runtime_error("cannot write the UI report " + path_ + ": " + ec.message());
    last_ = std::move(text);
}

bool UiReport::screenshot_requested() const {
    std::error_code ec;
    return std::filesystem::exists(path_ + ".request", ec);
}

void UiReport::save_screenshot(const png::Image& img) const {
    const std::string tmp = path_ + ".png.tmp";
    png::write_png(tmp, img);
    std::filesystem::rename(tmp, path_ + ".png");
    std::filesystem::remove(path_ + ".request");
}

}  // namespace epscope::gui
