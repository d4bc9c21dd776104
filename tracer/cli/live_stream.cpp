#include "cli/live_stream.hpp"

#include <cstdio>
#include <vector>

namespace epscope::cli {

trace::TraceHeader header_for(const PlannedSession& planned, const std::string& invocation,
                              bool verify) {
    trace::TraceHeader header = trace::TraceHeader::for_this_host();
    header.attach_plan = planned.plan.to_text();
    header.set(trace::kMetaBackend, plan::to_string(planned.plan.backend));
    header.set(trace::kMetaCommandLine, invocation);
    header.set(trace::kMetaVerify, verify ? "yes" : "no");
    return header;
}

LiveStream::LiveStream(const trace::TraceHeader& header, const std::string& serve_path,
                       const std::string& stream_to, const ServeSpool& spool) {
    std::vector<serve::StreamOutput*> outs;
    if (!serve_path.empty()) {
        serve::ServerOptions o;
        serve::owner_from_sudo(o);
        o.spool_dir = spool.dir;
        o.spool_bytes = spool.cap_bytes;
        o.history_bytes = spool.history_bytes;
        server_ = std::make_unique<serve::StreamServer>(serve_path, o);
        outs.push_back(server_.get());
        std::fprintf(stderr, "epscope: serving the live stream on %s (epscope-gui --connect %s)\n",
                     serve_path.c_str(), serve_path.c_str());
    }
    if (!stream_to.empty()) {
        file_ = std::make_unique<serve::StreamFile>(stream_to);
        outs.push_back(file_.get());
    }
    if (!outs.empty()) publisher_ = std::make_unique<serve::StreamPublisher>(header, outs);
}

}  // namespace epscope::cli
