#include "cli/live_stream.hpp"

#include <cstdio>
#include <vector>

namespace epscope::cli {

trace::TraceHeader header_for(const PlannedSession& planned, const std::string& invocation,
                              bool verify) {
    trace::TraceHeader header = trace::TraceHeader::for_this_host();
    header.attach_plan = planned.plan.to_text();
    // Verify mode's exit programs (see plan_session), named in the plan text.
    for (const capture::ProgramChoice& c : planned.config.programs) {
        const bool fexit = c.program.rfind("fexit_", 0) == 0;
        if (!fexit && c.program.rfind("kretprobe_", 0) != 0) continue;
        if (c.target != "ep_poll_callback" && c.target != "ep_done_scan") continue;
        std::string& text = header.attach_plan;
        text += "verify: ";
        text += fexit ? "fexit " : "kretprobe ";
        text += c.target;
        text += c.target == "ep_done_scan"
                    ? " (harvest ends in flight: callbacks meanwhile are marked)\n"
                    : " (callbacks in flight and the list each chose: harvests that raced one "
                      "are marked)\n";
    }
    header.set(trace::kMetaBackend, plan::to_string(planned.plan.backend));
    header.set(trace::kMetaCommandLine, invocation);
    header.set(trace::kMetaVerify, verify ? "yes" : "no");
    return header;
}

LiveStream::LiveStream(const trace::TraceHeader& header, const StreamOutOptions& out) {
    const std::string& serve_path = out.serve_path;
    const std::string& stream_to = out.stream_to;
    std::vector<serve::StreamOutput*> outs;
    if (!serve_path.empty()) {
        serve::ServerOptions o;
        serve::owner_from_sudo(o);
        o.spool_dir = out.spool_dir;
        o.spool_bytes = std::uint64_t{out.spool_mb} << 20;
        o.history_bytes = std::size_t{out.history_kb} << 10;
        o.reader_queue_bytes = std::size_t{out.queue_kb} << 10;
        server_ = std::make_unique<serve::StreamServer>(serve_path, o);
        outs.push_back(server_.get());
        std::fprintf(stderr, "epscope: serving the live stream on %s (epscope-gui --connect %s)\n",
                     serve_path.c_str(), serve_path.c_str());
    }
    if (!stream_to.empty()) {
        file_ = std::make_unique<serve::StreamFile>(stream_to, 32u << 20, nullptr, out.force);
        outs.push_back(file_.get());
    }
    if (!outs.empty()) publisher_ = std::make_unique<serve::StreamPublisher>(header, outs);
}

}  // namespace epscope::cli
