#include "capture/fd_namer.hpp"

#include "stream/sock_name.hpp"

namespace epscope::capture {

FdNamer::FdNamer(stream::RecordSink& next, std::size_t queue_limit)
    : next_(next), queue_limit_(queue_limit), thread_([this] { run(); }) {}

FdNamer::~FdNamer() { stop_thread(false); }

void FdNamer::on_record(const stream::Record& rec) {
    if (rec.header().ts > last_ts_) last_ts_ = rec.header().ts;
    next_.on_record(rec);
    switch (rec.kind()) {
        case EP_KIND_INSTANCE_CREATE: {
            // An epoll fd needs no /proc read to be named.
            const auto& r = rec.as<ep_instance_create>();
            Current& cur = current_[{r.h.tgid, r.epfd}];
            if (r.epfd >= 0 && !(cur.file == r.file && cur.named)) {
                cur = {r.file, false, true};
                emit(r.h.tgid, r.epfd, FdName{EP_FD_EPOLL, 0, "epoll"});
            }
            break;
        }
        case EP_KIND_SOCK_NAME:
            on_sock_name(rec.as<ep_sock_name>());
            break;
        case EP_KIND_ITEM_INSERT: {
            const auto& r = rec.as<ep_item_ctl>();
            if (r.result == 0) on_insert(r.h.tgid, r.fd, r.file, r.ino);
            break;
        }
        case EP_KIND_PROCESS:
            if (rec.as<ep_process>().what == EP_PROC_EXIT) on_process_exit(rec.header().tgid);
            break;
        default:
            break;
    }
    flush();
}

void FdNamer::on_sock_name(const ep_sock_name& r) {
    const stream::SockNameText t = stream::sock_name_text(r);
    // An unconnected stream socket or a unix socket: /proc may say more.
    current_[{r.h.tgid, r.fd}] = {r.file, true, t.complete};
    emit(r.h.tgid, r.fd, FdName{t.type, r.ino, t.name});
    ++stats_.from_bpf;
}

void FdNamer::on_insert(std::uint32_t tgid, int fd, std::uint64_t file, std::uint64_t ino) {
    Current& cur = current_[{tgid, fd}];
    if (cur.file != file) cur = {file, false, false};
    if (cur.named) return;
    cur.named = true;
    enqueue(Request{tgid, fd, file, ino});
}

void FdNamer::on_process_exit(std::uint32_t tgid) {
    // A process that exits frees its fd numbers for reuse elsewhere.
    std::erase_if(current_, [tgid](const auto& kv) { return kv.first.first == tgid; });
}

void FdNamer::enqueue(const Request& req) {
    {
        std::lock_guard lock(mu_);
        if (todo_.size() < queue_limit_) {
            todo_.push_back(req);
            cv_.notify_one();
            return;
        }
    }
    ++stats_.dropped;
}

void FdNamer::flush() {
    if (!have_done_.load(std::memory_order_acquire)) return;
    std::vector<Result> done;
    {
        std::lock_guard lock(mu_);
        if (done_.empty()) return;
        done.swap(done_);
        have_done_.store(false, std::memory_order_relaxed);
    }
    for (const Result& r : done) {
        auto cur = current_.find({r.req.tgid, r.req.fd});
        // The fd now names another file, or /proc showed another inode: the
        // name would belong to the wrong item.
        const bool reused = cur == current_.end() || cur->second.file != r.req.file;
        const bool moved = r.name.ino != 0 && r.req.ino != 0 && r.name.ino != r.req.ino;
        const bool vaguer = !reused && cur->second.sock_name && r.name.type == EP_FD_SOCKET;
        if (reused || moved || vaguer || r.name.type == EP_FD_UNKNOWN) {
            ++stats_.stale;
            continue;
        }
        emit(r.req.tgid, r.req.fd, r.name);
        ++stats_.from_proc;
    }
}

void FdNamer::emit(std::uint32_t tgid, int fd, const FdName& name) {
    // Later than the record it names: the newest ts seen keeps the stream's order.
    next_.on_record(
        stream::Record::of(fd_name_record(static_cast<pid_t>(tgid), fd, last_ts_, name)));
}

void FdNamer::run() {
    std::unique_lock lock(mu_);
    while (true) {
        cv_.wait(lock, [this] { return stop_ || !todo_.empty(); });
        if (stop_ && (!finish_queue_ || todo_.empty())) return;
        const Request req = todo_.front();
        todo_.pop_front();
        lock.unlock();
        FdName name = name_fd(static_cast<pid_t>(req.tgid), req.fd);
        lock.lock();
        done_.push_back(Result{req, std::move(name)});
        have_done_.store(true, std::memory_order_release);
    }
}

void FdNamer::stop_thread(bool finish_queue) {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        finish_queue_ = finish_queue;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void FdNamer::finish() {
    stop_thread(true);
    flush();
}

FdNamerStats FdNamer::stats() const {
    std::lock_guard lock(mu_);
    FdNamerStats s = stats_;
    s.dropped += todo_.size();  // left by a stop without finish
    return s;
}

}  // namespace epscope::capture
