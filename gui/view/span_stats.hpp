// The statistics of a span of the timeline (a range the user dragged): per
// epoll instance what `epscope stat --from/--to` prints for that window, its
// waits, harvests, callbacks, deliveries, wakeups and the percentiles of the
// callback-to-delivery latency and of the time blocked in epoll_wait. The
// figures come from stat's own collector (tracer/stat/window_stat.hpp) fed
// the span's records from the replay's nearest checkpoint, so the GUI and
// the CLI cannot disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "stat/window_stat.hpp"
#include "view/replay.hpp"

namespace epscope::view {

struct SpanRow {
    std::uint32_t tgid = 0;
    std::string comm;                 // the process's name when the model knows it
    std::vector<std::int32_t> epfds;  // the fds that reach the instance
    std::uint64_t callbacks = 0;      // every outcome
    stat::InstanceSummary summary;    // counts since the span opened, state at its end
};

struct SpanStats {
    std::uint64_t t0 = 0;       // absolute ts (CLOCK_MONOTONIC), inclusive
    std::uint64_t t1 = 0;       // ... inclusive, as --to
    std::vector<SpanRow> rows;  // by process, then instance serial (stat's order)
    std::uint64_t records = 0;  // records fed to the collector (checkpoint to span end)
};

// The statistics of [t0, t1] (absolute ts). Costs the records from the
// nearest checkpoint before t0 to the span's end, not the whole trace.
SpanStats span_stats(const Replay& r, std::uint64_t t0, std::uint64_t t1);

// "12.5 ms", "3 us", "1.25 s" for a span in ns (the timeline's axis, the measure).
std::string span_text(double ns);

}  // namespace epscope::view
