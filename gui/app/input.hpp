// Keyboard input: whether a key of view/keys.hpp's table was pressed this
// frame, and the keys that belong to the whole application (the `?` overlay,
// Ctrl+F). The windows handle their own keys in their own input functions
// (the timeline: timeline_keys in window_timeline.cpp), before they draw.
#pragma once

#include "app/ui_state.hpp"
#include "view/keys.hpp"

namespace epscope::gui {

// The binding of `a` was pressed this frame. Never while a text box takes the
// keyboard (typing "w" into "find fd" does not zoom).
bool key_pressed(view::KeyAction a);

// The application's keys: `?` toggles the overlay, Ctrl+F asks the tree to
// focus its "find fd" box.
void app_keys(UiState& ui);

// The `?` overlay: every key of the table and what it does, and the legend of
// every colour (view/legend.hpp).
void draw_keys_overlay(const UiState& ui, const Layout& l);

}  // namespace epscope::gui
