#include "serve/output_queue.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace epscope::serve {

OutputQueue::OutputQueue(int fd, std::size_t limit) : fd_(fd), limit_(limit) {}

OutputQueue::~OutputQueue() {
    if (fd_ >= 0) ::close(fd_);
}

bool OutputQueue::push(SharedBytes b) {
    if (queued_ + b->size() > limit_) return false;
    push_unbounded(std::move(b));
    return true;
}

void OutputQueue::push_unbounded(SharedBytes b) {
    if (b->empty()) return;
    queued_ += b->size();
    q_.push_back(std::move(b));
}

OutputQueue::Drain OutputQueue::drain() {
    while (!q_.empty()) {
        const Bytes& front = *q_.front();
        const std::byte* p = front.data() + front_off_;
        const std::size_t left = front.size() - front_off_;
        // send() on sockets so a reader that went away is EPIPE, not SIGPIPE;
        // write() for anything else (a character device, a pipe, a file).
        ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == ENOTSOCK) n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return Drain::Pending;
            errno_ = errno;
            return Drain::Closed;
        }
        front_off_ += static_cast<std::size_t>(n);
        queued_ -= static_cast<std::size_t>(n);
        sent_ += static_cast<std::uint64_t>(n);
        if (front_off_ == front.size()) {
            q_.pop_front();
            front_off_ = 0;
        }
    }
    return Drain::Done;
}

}  // namespace epscope::serve
