// The queue between poller threads and handler threads (workflow's msgqueue): pollers put
// completed I/O, handlers get it. set_nonblock() wakes every blocked get() for shutdown.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>

namespace epscope::poller {

template <typename T>
class MsgQueue {
public:
    void put(T msg) {
        {
            std::lock_guard lock(mu_);
            queue_.push_back(std::move(msg));
        }
        cv_.notify_one();
    }

    // Blocks until a message arrives; false once set_nonblock() was called and the queue is
    // empty.
    bool get(T& out) {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !queue_.empty() || nonblock_; });
        if (queue_.empty()) return false;
        out = std::move(queue_.front());
        queue_.pop_front();
        return true;
    }

    void set_nonblock() {
        {
            std::lock_guard lock(mu_);
            nonblock_ = true;
        }
        cv_.notify_all();
    }

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<T> queue_;
    bool nonblock_ = false;
};

}  // namespace epscope::poller
