// epscope-gui --bench: renders frames of a trace as fast as it can (vsync
// off) and prints where a frame's time goes. With --play the cursor plays
// through the trace meanwhile, as the timeline's play button moves it: each
// frame the model applies the records of its share of the trace and the view
// caches recompute, as in a live session.
#pragma once

#include "app/backend.hpp"
#include "app/ui_state.hpp"
#include "app/view_cache.hpp"
#include "view/replay.hpp"

namespace epscope::gui {

// Renders `frames` frames (after a warm-up) and prints the frame time p50/p99
// and its parts; returns 0. `play`: the warm-up and the frames play the
// trace from its first record to its last, the same share of trace time each.
// First it prints what opening cost (`open_s`, the process's RSS now and at
// its peak, what the replay says it holds) and the time of random seeks.
int run_bench(Backend& b, view::Replay& r, ViewCache& v, UiState& ui, int frames, bool play,
              double open_s);

}  // namespace epscope::gui
