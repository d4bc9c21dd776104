// From the running kernel to a loadable session: describe, plan, and turn
// the plan's programs into the loader's choices. Shared by record, live and gui.
#pragma once

#include <string>

#include "capture/bpf_session.hpp"
#include "capture/capture_loop.hpp"
#include "cli/commands.hpp"
#include "plan/plan.hpp"

namespace epscope::cli {

struct PlannedSession {
    plan::Plan plan;
    capture::SessionConfig config;
};

// Throws plan::PlanError if the forced backend cannot work, or
// capture::CaptureError if nothing can be traced here (one line: why).
// verify: also the callback's exit program (BPF counts callbacks in flight,
// see EP_FLAG_RACED), attached before its entry so every exit it sees was
// entered under the same programs.
PlannedSession plan_session(const CaptureArgs& args);

// The capture loop's options from the command line's: targets, duration,
// ring, verify mode, following children and exits (record, live, gui alike).
capture::CaptureOptions capture_options(const CaptureArgs& args, const PlannedSession& planned);

}  // namespace epscope::cli
