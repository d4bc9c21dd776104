// The live stream of a capture (--serve PATH, --stream-to PATH): the outputs
// and the publisher, built together and torn down in order. Shared by record,
// live and gui.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/session_plan.hpp"
#include "serve/stream_file.hpp"
#include "serve/stream_publisher.hpp"
#include "serve/stream_server.hpp"
#include "trace/trace_header.hpp"

namespace epscope::cli {

// The header every trace and stream of this run carries.
trace::TraceHeader header_for(const PlannedSession& planned, const std::string& invocation,
                              bool verify);

class LiveStream {
public:
    // Serves on `out.serve_path` and/or writes to `out.stream_to` (either
    // may be empty), the server spooling to `out.spool_dir`. Throws
    // serve::ServeError with one line.
    LiveStream(const trace::TraceHeader& header, const StreamOutOptions& out);
    bool active() const { return publisher_ != nullptr; }
    stream::RecordSink& sink() { return *publisher_; }
    void tick() {
        if (publisher_) publisher_->tick();
    }
    // Sends what is pending and closes the outputs (readers see EOF).
    void finish() {
        if (publisher_) publisher_->finish(2000);
    }

private:
    std::unique_ptr<serve::StreamServer> server_;
    std::unique_ptr<serve::StreamFile> file_;
    std::unique_ptr<serve::StreamPublisher> publisher_;
};

}  // namespace epscope::cli
