// The findings engine's options a trace's header implies, for every place
// that judges a trace or a live stream (check, stat, live, the GUI): the
// backend, the event ABI and whether reads were recorded, read one way.
// Header-only: the engine itself knows the event stream, not the file.
#pragma once

#include <string>

#include "findings/findings.hpp"
#include "trace/trace_header.hpp"
#include "trace/visibility.hpp"

namespace epscope::findings {

inline Options options_for(const trace::TraceHeader& h) {
    Options o;
    o.backend = std::string(h.get(trace::kMetaBackend).value_or(""));
    o.abi_version = h.abi_version;  // 0 (a live capture's own header): this build's
    o.reads_recorded = trace::visibility_of(h).reads;
    return o;
}

}  // namespace epscope::findings
