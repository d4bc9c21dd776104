// Which of the model's figures the trace's backend could see, read from the
// attach plan in its header ("hook callback none": ep_poll_callback was not
// hooked). A figure the backend cannot see is not zero: `stat`, `live` and
// the GUI say "not seen by the tracepoint backend" instead of printing 0.
#pragma once

#include <string>

#include "trace/trace_header.hpp"

namespace epscope::trace {

struct Visibility {
    // ep_poll_callback: callbacks by outcome, and what needs them (the
    // callback -> harvest and queued -> delivered latencies).
    bool callbacks = true;
    // The waiter's wakeup: wakeups, spurious wakeups.
    bool wakeups = true;
    // The kernel's harvest passes (ep_start_scan/ep_done_scan): harvests and
    // items dropped unready. The syscall tracepoints see only the events an
    // epoll_wait returned (deliveries), not the passes.
    bool harvests = true;
    // Herds are callbacks that woke several waiters: both must be seen.
    bool herds() const { return callbacks && wakeups; }
    std::string backend;  // "tracepoint", ... (empty: the header does not say)
    // Reads of edge-triggered items' fds (FD_READ): not attached where syscall
    // tracepoint programs run preemptible (plan/plan.cpp, add_reads).
    bool reads = true;
    // "not seen by the tracepoint backend": what to show instead of a figure.
    std::string not_seen() const;
};

// Everything is visible when the header has no attach plan (traces written
// by tests or by older builds): nothing is hidden on a guess.
Visibility visibility_of(const TraceHeader& h);

}  // namespace epscope::trace
