// The fidelity line of verify mode, for `epscope stat` (text and --json) and
// `epscope live`: checks and mismatches by what the model was compared with.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/model.hpp"

namespace epscope::cli {

// "fidelity: 491 checks, 0 mismatches (ready 0/51, overflow 0/51, txlist 0/51, tree 0/287, ...)"
// `verified`: the trace was recorded with --verify (then an empty count
// means nothing was there to check, not a missing option).
std::string fidelity_line(const model::VerifyStats& v, bool verified = false);
// The same as one JSON object.
nlohmann::ordered_json fidelity_json(const model::VerifyStats& v);

}  // namespace epscope::cli
