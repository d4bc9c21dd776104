// The human report of `epscope doctor`: what this kernel offers, the plan, what is missing.
#pragma once

#include <string>

#include "plan/kernel_description.hpp"
#include "plan/plan.hpp"

namespace epscope::plan {

std::string format_doctor(const KernelDescription&, const Plan&);

// The plan part of doctor's report: backend and why, one line per hook, the
// programs, what is missing, the capability. `epscope stat` shows a trace's
// plan (Plan::from_text of its header) with it too.
std::string format_plan(const Plan&);

// One line: the capability level in words, e.g. "full kernel hooks".
const char* describe_level(Level);

}  // namespace epscope::plan
