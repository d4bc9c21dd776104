// One capture run: attach, describe already-running processes, release a
// launched command, then move records from the ring buffer to the sink until
// Ctrl-C/SIGTERM, the time limit, or the traced processes are gone.
// Used by `epscope record` (sink: trace writer) and `epscope live`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "capture/bpf_session.hpp"
#include "capture/ring_consumer.hpp"
#include "stream/record.hpp"

namespace epscope::capture {

struct CaptureOptions {
    SessionConfig session;                  // programs to load and their config
    std::vector<pid_t> pids;                // -p PID...
    std::vector<std::string> command;       // -- CMD ARGS...
    std::string run_as;                     // -u USER: the command runs as USER (else root)
    std::optional<std::chrono::milliseconds> duration;
    std::chrono::milliseconds poll_interval{100};
    // How often the ring is drained when BPF wakes nobody (below its fill
    // threshold, see SessionConfig::wake_on_threshold): the oldest record a
    // live view can miss. Well under the live stream's 50 ms chunks.
    std::chrono::milliseconds drain_interval{10};
    // Verify mode (session.verify): /proc fdinfo checkpoints this often and
    // once more at the end while the processes live.
    std::chrono::milliseconds verify_interval{200};
    // A launched command: stop when it exits (First), or when the last
    // process it left behind (a daemon's double fork) has exited too (All).
    enum class FollowExit { First, All } follow_exit = FollowExit::All;
    // -p PID: also trace the processes it had already started (a master's
    // workers); forked later, they follow anyway (BPF, at fork).
    bool follow_children = true;
    // The exporter: processes come and go (selected at exec), so the capture
    // runs until a signal or the duration even when every -p process exited.
    bool until_stopped = false;
    // Counting mode's readers: the session once attached, and once more
    // after the last drain, before it is detached (a final snapshot).
    // The session is not const for readers that add processes to the
    // filter as they appear (the exporter's /proc scan).
    std::function<void(BpfSession&)> on_attached;
    std::function<void(const BpfSession&)> on_stopping;
};

struct CaptureResult {
    std::uint64_t records = 0;
    std::uint64_t lost = 0;
    std::uint64_t lost_skipped = 0;  // of lost: program runs the kernel skipped
    // The same by program (describe_skipped_runs names them to the user).
    std::vector<ProgramSkips> skipped_programs;
    std::uint64_t rejected = 0;
    std::optional<int> command_status;  // exit status of a launched command
    // The command exited on its own (not terminated by us at the end of a
    // capture stopped by a signal, the duration or the viewer).
    bool command_ended = false;
    std::string stopped_by;             // "signal", "duration", "processes exited"
    std::uint64_t fdinfo_snapshots = 0;  // verify mode: fdinfo reads put in the stream
    std::uint64_t fdinfo_busy = 0;       // verify mode: reads given up (instance never idle)
    std::vector<pid_t> children;         // -p: existing descendants found at attach
    RingDelay ring_delay;                // how old records were when drained
};

// `on_tick` runs after each poll (e.g. a writer's flush_if_due, a live view's
// redraw); it may return false to stop.
CaptureResult run_capture(const CaptureOptions& options, stream::RecordSink& sink,
                          const std::function<bool()>& on_tick = {});

}  // namespace epscope::capture
