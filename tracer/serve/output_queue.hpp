// Bytes waiting to go out on one non-blocking fd (a stream reader's socket,
// a virtio-serial port). Buffers are shared between readers, so a chunk sent
// to ten readers is held once. The queue is bounded: when a reader does not
// keep up, push() says so and the owner drops the reader instead of waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

namespace epscope::serve {

using Bytes = std::vector<std::byte>;
using SharedBytes = std::shared_ptr<const Bytes>;

class OutputQueue {
public:
    // Takes ownership of `fd` (closed by the destructor). `limit` bounds the
    // queued bytes.
    OutputQueue(int fd, std::size_t limit);
    ~OutputQueue();
    OutputQueue(const OutputQueue&) = delete;
    OutputQueue& operator=(const OutputQueue&) = delete;

    int fd() const { return fd_; }
    // Queues a whole buffer. False (nothing queued) if it would pass the limit.
    bool push(SharedBytes b);
    // Queues without checking the limit (the header and history a new reader
    // must get before anything else).
    void push_unbounded(SharedBytes b);

    enum class Drain { Done, Pending, Closed };
    // Writes as much as the fd takes now. Closed: the other end went away or
    // the write failed (errno_value() says why).
    Drain drain();
    std::size_t queued() const { return queued_; }
    std::uint64_t sent() const { return sent_; }
    int errno_value() const { return errno_; }
    void raise_limit(std::size_t extra) { limit_ += extra; }
    // Forgets the buffers not yet begun, keeping the one partly written: what
    // follows on the fd then still starts on a block boundary.
    void discard_unstarted();

private:
    int fd_;
    std::size_t limit_;
    std::deque<SharedBytes> q_;
    std::size_t front_off_ = 0;
    std::size_t queued_ = 0;
    std::uint64_t sent_ = 0;
    int errno_ = 0;
};

}  // namespace epscope::serve
