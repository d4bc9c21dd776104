// How findings read in the terminal and in JSON: `epscope check` prints the
// whole block, `stat` and `live` one line each (findings_text.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "findings/findings.hpp"
#include "stream/id_map.hpp"

namespace epscope::cli {

// "ep#2 (epfd 4)", or "epfd 4" when the backend knows no address.
std::string finding_instance(const findings::Finding& f, stream::IdMap& ids);
// "WARNING busy-polling: Busy polling: ... [pid 12 poller, epfd 3]"
std::string finding_line(const findings::Finding& f, stream::IdMap& ids);
// The block of `epscope check`: title, who, when, evidence, confidence, advice.
// t0: the trace's first record time (times are printed relative to it too).
std::string finding_block(const findings::Finding& f, stream::IdMap& ids, std::uint64_t t0);
nlohmann::ordered_json finding_json(const findings::Finding& f, stream::IdMap& ids,
                                    std::uint64_t t0);

}  // namespace epscope::cli
