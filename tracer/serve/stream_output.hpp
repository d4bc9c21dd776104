// Where a live stream goes: readers of a unix socket, or one file or
// character device. The publisher hands every output the same shared buffers
// (the file header once, then each chunk); outputs never block the caller.
#pragma once

#include "serve/output_queue.hpp"

namespace epscope::serve {

class StreamOutput {
public:
    virtual ~StreamOutput() = default;
    // The stream's file header, before any chunk.
    virtual void start(SharedBytes header) = 0;
    virtual void publish(SharedBytes chunk) = 0;
    // Non-blocking I/O: accept readers, write what the fds take now.
    virtual void service() = 0;
    // End of the stream: a last attempt to send what is queued, waiting at
    // most `timeout_ms`, then close (readers see EOF).
    virtual void finish(int timeout_ms) = 0;
};

}  // namespace epscope::serve
