// From the running kernel to a loadable session: describe, plan, and turn
// the plan's programs into the loader's choices. Shared by record and live.
#pragma once

#include <string>

#include "capture/bpf_session.hpp"
#include "plan/plan.hpp"

namespace epscope::cli {

struct PlannedSession {
    plan::Plan plan;
    capture::SessionConfig config;
};

// Throws plan::PlanError if the forced backend cannot work, or
// capture::CaptureError if nothing can be traced here (one line: why).
PlannedSession plan_session(const std::string& backend, bool verbose);

}  // namespace epscope::cli
