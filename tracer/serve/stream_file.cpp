#include "serve/stream_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "serve/stream_server.hpp"
#include "trace/format.hpp"
#include "trace/safe_path.hpp"
#include "trace/trace_error.hpp"

namespace epscope::serve {

StreamFile::StreamFile(std::string path, std::size_t queue_bytes,
                       std::function<void(const std::string&)> log, bool force)
    : path_(std::move(path)), log_(std::move(log)) {
    int fd = -1;
    try {
        fd = trace::open_stream_target(path_, force);
    } catch (const trace::TraceError& e) {
        throw ServeError(std::string("--stream-to ") + e.what());
    }
    q_ = std::make_unique<OutputQueue>(fd, queue_bytes);
}

void StreamFile::drop(const std::string& why) {
    if (!q_) return;
    sent_ = q_->sent();
    q_.reset();
    dropped_ = true;
    const std::string line = path_ + ": " + why + "; stopped streaming to it (capture goes on)";
    if (log_)
        log_(line);
    else
        std::fprintf(stderr, "epscope: %s\n", line.c_str());
}

void StreamFile::start(SharedBytes header) {
    if (q_) q_->push_unbounded(std::move(header));
    service();
}

void StreamFile::publish(SharedBytes chunk) {
    if (q_ && !q_->push(std::move(chunk))) drop("the reader fell behind");
}

void StreamFile::service() {
    if (q_ && q_->drain() == OutputQueue::Drain::Closed)
        drop(std::string("write failed: ") + std::strerror(q_->errno_value()));
    if (q_) sent_ = q_->sent();
}

void StreamFile::finish(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    // The stream ends as a served one does: its reader (a GUI on the other
    // end of a virtio port, a saved copy) learns it is whole, not cut off.
    if (q_)
        q_->push_unbounded(std::make_shared<const Bytes>(
            trace::encode_end_marker({trace::EndReason::Stopped, 0, "the tracer stopped"})));
    while (q_) {
        service();
        if (!q_ || q_->queued() == 0) break;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            drop(std::to_string(q_->queued()) + " bytes not taken in time at the end");
            break;
        }
        pollfd p{q_->fd(), POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(left));
    }
    if (q_) {
        sent_ = q_->sent();
        q_.reset();
    }
}

}  // namespace epscope::serve
