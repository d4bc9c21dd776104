// The views of a counting-mode snapshot (`epscope live --counting`): a text
// table like stat's, and one JSON object for scripts. Figures the backend
// cannot see are "n/a" (text) or null (JSON), never zeros.
#pragma once

#include <string>

#include "capture/counting.hpp"

namespace epscope::cli {

struct CountingViewInfo {
    std::string backend;
    double interval_s = 1.0;
    std::size_t busiest_items = 5;  // per process, in the text view
};

std::string counting_text(const capture::CountingSnapshot& snap,
                          const capture::CountingVisibility& seen, const CountingViewInfo& info);
std::string counting_json(const capture::CountingSnapshot& snap,
                          const capture::CountingVisibility& seen, const CountingViewInfo& info);

}  // namespace epscope::cli
