// Writes a live stream to one path: a file, a FIFO or a character device such
// as a virtio-serial port (how the kernel lab sends a stream out of the VM).
// Non-blocking like a socket reader: if the other end stops taking bytes for
// longer than the queue holds, the output is dropped with one line, and
// capture goes on.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "serve/stream_output.hpp"

namespace epscope::serve {

class StreamFile : public StreamOutput {
public:
    // Opens (see trace::open_stream_target: a FIFO or device as it is, else a
    // new regular file 0600, an older one kept as PATH.old unless `force`).
    // Throws ServeError.
    StreamFile(std::string path, std::size_t queue_bytes = 32u << 20,
               std::function<void(const std::string&)> log = {}, bool force = false);

    void start(SharedBytes header) override;
    void publish(SharedBytes chunk) override;
    void service() override;
    void finish(int timeout_ms) override;

    bool dropped() const { return dropped_; }
    std::uint64_t sent() const { return sent_; }

private:
    void drop(const std::string& why);

    std::string path_;
    std::unique_ptr<OutputQueue> q_;
    std::uint64_t sent_ = 0;
    bool dropped_ = false;
    std::function<void(const std::string&)> log_;
};

}  // namespace epscope::serve
