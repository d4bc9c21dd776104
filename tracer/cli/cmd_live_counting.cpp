// `epscope live --counting`: counting mode. The same hooks as `live`, but BPF
// adds to per-instance and per-item maps instead of submitting records
// (bpf/epscope_counting.h); this command reads them every interval through a
// capture::CountingSession and prints a table like stat's, or JSON.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "capture/capture_loop.hpp"
#include "capture/counting.hpp"
#include "cli/commands.hpp"
#include "cli/counting_view.hpp"
#include "cli/session_plan.hpp"
#include "stream/record.hpp"

namespace epscope::cli {
namespace {

// Options that need the record stream: refused with one line each.
const char* stream_only_option(const LiveOptions& opts) {
    if (opts.capture.verify) return "--verify";
    if (!opts.metrics.empty()) return "--metrics";  // served from the model's figures
    if (!opts.stream.serve_path.empty()) return "--serve";
    if (!opts.stream.stream_to.empty()) return "--stream-to";
    return nullptr;
}

void draw(capture::CountingSession& counting, const capture::SnapshotItemFds& proc_fds,
          const CountingViewInfo& info, bool json, bool tty) {
    capture::CountingSnapshot snap = counting.snapshot();
    proc_fds.fill(snap);
    std::string out = json ? counting_json(snap, counting.visibility(), info)
                           : (tty ? "\033[H\033[2J" : "----\n") +
                                 counting_text(snap, counting.visibility(), info);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

int run_live_counting(const LiveOptions& opts) {
    if (const char* opt = stream_only_option(opts)) {
        std::fprintf(stderr,
                     "epscope live: %s needs the record stream, which --counting does not "
                     "produce (drop one of them)\n",
                     opt);
        return 2;
    }
    try {
        const PlannedSession planned = plan_session(opts.capture);
        capture::CaptureOptions cap = capture_options(opts.capture, planned);
        cap.session.counting = true;
        cap.session.counting_items = opts.counting_items;
        // No record is submitted: the smallest ring the kernel accepts.
        cap.session.ring_bytes = static_cast<std::uint32_t>(sysconf(_SC_PAGESIZE));
        // Nothing to drain: wake only to refresh and to notice the end.
        const auto interval = std::chrono::duration<double>(opts.interval_s);
        cap.poll_interval =
            std::min(std::chrono::milliseconds(100),
                     std::chrono::duration_cast<std::chrono::milliseconds>(interval));
        cap.drain_interval = cap.poll_interval;

        CountingViewInfo info;
        info.backend = plan::to_string(planned.plan.backend);
        info.interval_s = opts.interval_s;
        const bool tty = isatty(STDOUT_FILENO);
        capture::SnapshotItemFds sink;
        std::optional<capture::CountingSession> counting;
        cap.on_attached = [&](const capture::BpfSession& s) { counting.emplace(s, cap.session); };
        // The final figures, before the maps go: the processes' last calls
        // are counted (unlike the model, counters forget nothing at exit).
        cap.on_stopping = [&](const capture::BpfSession&) {
            draw(*counting, sink, info, opts.json, tty);
        };
        auto last = std::chrono::steady_clock::now();
        auto result = capture::run_capture(cap, sink, [&] {
            auto now = std::chrono::steady_clock::now();
            if (now - last < interval) return true;
            draw(*counting, sink, info, opts.json, tty);
            last = now;
            return true;
        });
        std::fprintf(stderr, "epscope live: stopped (%s)\n", result.stopped_by.c_str());
        if (result.lost_skipped)
            std::fprintf(stderr, "epscope live: %s\n",
                         capture::describe_skipped_runs(result.skipped_programs).c_str());
        return 0;
    } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "epscope live: %s\n", e.what());
    }
    return 1;
}

}  // namespace epscope::cli
