// epscope-gui --bench: renders frames of a trace as fast as it can (vsync
// off) and prints where a frame's time goes.
#pragma once

#include "app/backend.hpp"
#include "app/ui_state.hpp"
#include "app/view_cache.hpp"
#include "view/replay.hpp"

namespace epscope::gui {

// Renders `frames` frames (after a warm-up) and prints the frame time p50/p99
// and its parts; returns 0.
int run_bench(Backend& b, view::Replay& r, ViewCache& v, UiState& ui, int frames);

}  // namespace epscope::gui
