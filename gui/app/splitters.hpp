// Resizable panes: the gutters between them are dragged, and the layout is
// reset to its defaults by a key or the status bar's View menu.
#pragma once

#include "app/ui_state.hpp"

namespace epscope::gui {

// Draws the gutters of layout `l` and applies a drag to ui.shares (for the
// next frame's layout), marking ImGui's ini dirty so the layout is kept.
void draw_splitters(UiState& ui, const Layout& l);
// The default shares (every pane where a new user finds it).
void reset_layout(UiState& ui);

}  // namespace epscope::gui
