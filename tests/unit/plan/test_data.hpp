// Recorded kernel descriptions in tests/unit/plan/data (see data/README).
#pragma once

#include <string>

#include "plan/kernel_description.hpp"

namespace epscope::plan::test {

std::string read_data_file(const std::string& name);
// Parses data/<kernel>.txt ("6.1", "6.12", "6.18").
KernelDescription recorded(const std::string& kernel);

}  // namespace epscope::plan::test
