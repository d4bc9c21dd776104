#include "serve/output_queue.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>

namespace epscope::serve {
namespace {

// write() to a pipe whose reader has gone raises SIGPIPE, which would kill the
// tracer. Ignoring it process-wide would leak into the traced command (an
// ignored signal stays ignored across exec), so it is held blocked around the
// write and one it raised is taken back.
ssize_t write_no_sigpipe(int fd, const void* p, std::size_t n) {
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    const ssize_t r = ::write(fd, p, n);
    const int e = errno;
    if (r < 0 && e == EPIPE) {
        const timespec zero{};
        sigtimedwait(&pipe_set, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = e;
    return r;
}

}  // namespace

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

void OutputQueue::discard_unstarted() {
    const std::size_t keep = front_off_ > 0 ? 1 : 0;
    while (q_.size() > keep) {
        queued_ -= q_.back()->size();
        q_.pop_back();
    }
}

OutputQueue::Drain OutputQueue::drain() {
    while (!q_.empty()) {
        const Bytes& front = *q_.front();
        const std::byte* p = front.data() + front_off_;
        const std::size_t left = front.size() - front_off_;
        // send() on sockets so a reader that went away is EPIPE, not SIGPIPE;
        // write() for anything else (a character device, a pipe, a file).
        ssize_t n = ::send(fd_, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == ENOTSOCK) n = write_no_sigpipe(fd_, p, left);
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
