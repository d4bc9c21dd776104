#include "app/input.hpp"
#include "app/splitters.hpp"
#include "app/windows.hpp"

namespace epscope::gui {

void draw_frame(view::Replay& r, ViewCache& v, UiState& ui, const Layout& l, double frame_dt) {
    app_keys(ui);
    // Findings first: a click there moves the cursor and the selection that
    // every other window then shows in this same frame.
    if (draw_findings(r, v, ui, l)) {
        r.seek(r.first_ts() + ui.rel_ns);
        select_finding_instance(r, v, ui);
    }
    draw_browser(r, v, ui, l);
    if (ui.select_fd_pending >= 0 && ui.selected != model::kNil) {
        ui.select(view::item_of_fd(r.model(), ui.selected, ui.select_fd_pending));
        ui.select_fd_pending = -1;
    }
    draw_tree(r, v, ui, l);
    draw_queues(r, v, ui, l);
    draw_details(r, v, ui, l);
    if (draw_timeline(r, v, ui, l, frame_dt)) r.seek(r.first_ts() + ui.rel_ns);
    draw_span(r, v, ui, l);
    draw_status_bar(r, ui, l);
    draw_splitters(ui, l);
    draw_keys_overlay(ui, l);
}

}  // namespace epscope::gui
