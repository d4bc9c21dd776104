// A pass-through sink that names fds as the stream first shows them, without
// ever making the thread that drains the ring buffer wait for /proc:
//  - an epoll fd (INSTANCE_CREATE) is "epoll", named at once;
//  - a socket item comes with a SOCK_NAME that BPF read from struct sock at
//    insert time: its FD_NAME is formatted at once;
//  - any other new item (pipe, eventfd, file, unix socket, a TCP socket not
//    yet connected) is queued, as (process, fd, inode), to a naming thread
//    that reads /proc. The queue is bounded: when it is full the fd goes
//    unnamed (counted) rather than stalling the drain. Names the thread finds
//    are emitted by the drain thread at its next record or flush(), later
//    than the insert they name: FD_NAME is keyed by (process, fd), so the
//    model attaches them whenever they arrive. A name found after the fd
//    already names another file (its inode differs) is dropped.
// Each (process, fd, file) is named once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "capture/proc_snapshot.hpp"
#include "stream/record.hpp"

namespace epscope::capture {

struct FdNamerStats {
    std::uint64_t from_bpf = 0;   // named from SOCK_NAME
    std::uint64_t from_proc = 0;  // named by the naming thread
    std::uint64_t dropped = 0;    // queue full: left unnamed
    std::uint64_t stale = 0;      // the fd was reused or closed before /proc was read
};

class FdNamer : public stream::RecordSink {
public:
    static constexpr std::size_t kDefaultQueueLimit = 8192;
    explicit FdNamer(stream::RecordSink& next, std::size_t queue_limit = kDefaultQueueLimit);
    // Stops the naming thread at once, dropping what it had not named.
    ~FdNamer() override;
    FdNamer(const FdNamer&) = delete;
    FdNamer& operator=(const FdNamer&) = delete;

    void on_record(const stream::Record& rec) override;
    // Drain thread: emits the names found since the last call. Never waits.
    void flush();
    // End of capture: lets the naming thread finish its queue, joins it and
    // emits the last names. Deterministic: every queued fd is looked up.
    void finish();
    FdNamerStats stats() const;

private:
    struct Request {
        std::uint32_t tgid;
        int fd;
        std::uint64_t file;
        std::uint64_t ino;
    };
    struct Result {
        Request req;
        FdName name;
    };
    using FdKey = std::pair<std::uint32_t, int>;

    void on_insert(std::uint32_t tgid, int fd, std::uint64_t file, std::uint64_t ino);
    void on_sock_name(const ep_sock_name& r);
    void on_process_exit(std::uint32_t tgid);
    void enqueue(const Request& req);
    void emit(std::uint32_t tgid, int fd, const FdName& name);
    void run();  // the naming thread
    void stop_thread(bool finish_queue);

    stream::RecordSink& next_;
    const std::size_t queue_limit_;
    // Drain thread only.
    struct Current {
        std::uint64_t file = 0;
        bool sock_name = false;  // BPF named it: a bare "socket" from /proc says less
        bool named = false;      // named for good, or its /proc lookup is queued
    };
    // The file each fd of each process names now: one entry per live fd, so
    // the map stays as small as the traced processes' fd tables.
    std::map<FdKey, Current> current_;
    std::uint64_t last_ts_ = 0;
    FdNamerStats stats_;
    // Shared with the naming thread, under mu_.
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<Request> todo_;
    std::vector<Result> done_;
    bool stop_ = false;
    bool finish_queue_ = false;
    std::atomic<bool> have_done_{false};  // done_ is not empty: lets on_record skip the lock
    std::thread thread_;
};

}  // namespace epscope::capture
