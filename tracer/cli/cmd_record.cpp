#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "capture/capture_loop.hpp"
#include "cli/commands.hpp"
#include "cli/format.hpp"
#include "cli/live_stream.hpp"
#include "cli/options.hpp"
#include "cli/session_plan.hpp"
#include "serve/stream_publisher.hpp"
#include "stream/abi.hpp"
#include "trace/trace_error.hpp"
#include "trace/writer.hpp"

namespace epscope::cli {
namespace {

// Passes records on, noting whether any showed epoll at work: a trace of the
// wrong process (a master whose workers run the event loop) says so.
class ActivityWatch : public stream::RecordSink {
public:
    explicit ActivityWatch(stream::RecordSink& next) : next_(next) {}
    void on_record(const stream::Record& rec) override {
        seen_ |= abi::is_epoll_activity(rec.kind());
        next_.on_record(rec);
    }
    bool seen() const { return seen_; }

private:
    stream::RecordSink& next_;
    bool seen_ = false;
};

// How far behind the kernel the collector ran (-v): bounds what a live view lags.
void print_ring_delay(const capture::RingDelay& d) {
    std::fprintf(
        stderr, "epscope: ring delay over %llu drains: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
        static_cast<unsigned long long>(d.batches), d.p50_ns / 1e6, d.p99_ns / 1e6, d.max_ns / 1e6);
}

}  // namespace

int run_record(const RecordOptions& opts) {
    std::filesystem::path discard;
    try {
        const CaptureArgs& args = opts.capture;
        const PlannedSession planned = plan_session(args);
        capture::CaptureOptions cap = capture_options(args, planned);

        const trace::TraceHeader header = header_for(planned, args.invocation, args.verify);
        // The stream first: a bad --serve/--stream-to path leaves no trace file.
        StreamOutOptions out = opts.stream;
        // Next to the trace file by default: the disk the user chose for it.
        if (out.spool_dir.empty())
            out.spool_dir = std::filesystem::absolute(opts.output).parent_path().string();
        out.force = opts.force;
        LiveStream live(header, out);
        trace::WriterOptions wo;
        wo.force = opts.force;
        trace::TraceWriter writer(opts.output, header, wo);
        if (live.active()) cap.poll_interval = serve::kLiveChunkInterval;
        serve::TeeSink tee(writer, live.active() ? live.sink() : writer);
        ActivityWatch sink(live.active() ? static_cast<stream::RecordSink&>(tee) : writer);
        capture::CaptureResult result;
        try {
            result = capture::run_capture(cap, sink, [&] {
                writer.flush_if_due();
                live.tick();
                return true;
            });
        } catch (...) {
            // Nothing was captured (bad pid, BPF refused): leave no file behind.
            if (writer.records_written() == 0) discard = writer.partial_path();
            throw;
        }
        live.finish();
        writer.close();
        std::fprintf(stderr, "epscope: %llu records (%llu lost) written to %s; stopped: %s\n",
                     static_cast<unsigned long long>(writer.records_written()),
                     static_cast<unsigned long long>(result.lost), opts.output.c_str(),
                     result.stopped_by.c_str());
        if (!writer.kept_note().empty())
            std::fprintf(stderr, "epscope: %s\n", writer.kept_note().c_str());
        if (!result.children.empty())
            std::fprintf(stderr,
                         "epscope: followed %zu processes already started by -p (--no-children "
                         "to trace only the given ones)\n",
                         result.children.size());
        if (!sink.seen()) std::fprintf(stderr, "epscope: %s\n", kNoEpollActivity);
        if (args.verbose) print_ring_delay(result.ring_delay);
        if (args.verify)
            std::fprintf(
                stderr,
                "epscope: verify: %llu fdinfo snapshots, %llu given up (instance never idle)\n",
                static_cast<unsigned long long>(result.fdinfo_snapshots),
                static_cast<unsigned long long>(result.fdinfo_busy));
        if (result.lost > result.lost_skipped)
            std::fprintf(stderr,
                         "epscope: %llu records were lost (ring buffer full): try --ring-mb %u\n",
                         static_cast<unsigned long long>(result.lost - result.lost_skipped),
                         args.ring_mb * 4);
        if (result.lost_skipped)
            std::fprintf(stderr, "epscope: %s\n",
                         capture::describe_skipped_runs(result.skipped_programs).c_str());
        // The command's own status (128+N for a death by signal N), as
        // strace and perf do: scripts can tell its failure from ours. A
        // capture the user stopped (Ctrl-C, -d) succeeded: 0.
        return result.command_ended ? result.command_status.value_or(0) : 0;
    } catch (const std::runtime_error& e) {
        // CaptureError, PlanError, ServeError, TraceError: each says what and why.
        std::fprintf(stderr, "epscope record: %s\n", e.what());
    }
    if (!discard.empty()) std::filesystem::remove(discard);
    return 1;
}

CLI::App* add_record_command(CLI::App& app, RecordOptions& o) {
    auto* cmd = app.add_subcommand("record", "Record epoll events of processes into a trace file");
    add_capture_options(cmd, o.capture, "-- CMD ARGS...: launch and trace a command");
    cmd->add_option("-o,--output", o.output, "Trace file to write")
        ->check(kPath)
        ->capture_default_str();
    cmd->add_flag("--force", o.force, "Replace an existing output (else it is kept as FILE.old)");
    add_stream_out_options(cmd, o.stream, "the trace file's directory");
    return cmd;
}

}  // namespace epscope::cli
