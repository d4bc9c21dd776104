// One function per window; each draws from the replay (the model at the
// cursor) and the UI state, and changes only the UI state.
#pragma once

#include "app/ui_state.hpp"
#include "app/view_cache.hpp"
#include "view/replay.hpp"

namespace epscope::gui {

void draw_browser(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
void draw_tree(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
void draw_details(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
void draw_queues(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
// Returns true if the cursor moved (the caller re-seeks the replay).
bool draw_timeline(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l,
                   double frame_dt);
// Returns true if a click on a finding moved the cursor (the caller re-seeks
// the replay, then select_finding_instance()).
// The dragged span's statistics (window_span.cpp); nothing when no span.
void draw_span(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
bool draw_findings(const view::Replay& r, ViewCache& v, UiState& ui, const Layout& l);
// After the seek to the selected finding: its instance and item selected.
void select_finding_instance(const view::Replay& r, ViewCache& v, UiState& ui);
// The selected finding, null when none (or the findings changed since).
const findings::Finding* selected_finding(ViewCache& v, const UiState& ui);
// The status bar, with the View menu (reset the layout, the keys).
void draw_status_bar(const view::Replay& r, UiState& ui, const Layout& l);
// A banner over the tree area when the trace could not be read or holds
// nothing; returns true if it drew one that replaces the tree.
bool draw_message(const view::Replay& r, const Layout& l);

// The whole frame: every window, then re-seek the replay if the timeline moved.
void draw_frame(view::Replay& r, ViewCache& v, UiState& ui, const Layout& l, double frame_dt);

}  // namespace epscope::gui
