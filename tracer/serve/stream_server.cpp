#include "serve/stream_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "trace/format.hpp"
#include "trace/safe_path.hpp"
#include "trace/trace_error.hpp"

namespace epscope::serve {
using trace::errno_text;

namespace {

// A dropped reader gets this long to take its end marker (and the rest of
// the block it was in): a reader stalled (stopped, swapped out) long enough
// to be dropped may wake late; what waits for it is one block at most.
constexpr auto kDroppedGrace = std::chrono::seconds(30);

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw ServeError(path + ": a socket path must be 1 to " +
                         std::to_string(sizeof addr.sun_path - 1) + " bytes long");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// True if something accepts connections on `path` right now.
bool someone_listens(const sockaddr_un& addr) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    bool yes = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return yes;
}

// Readers send nothing; a read tells whether one has gone away while the
// stream was idle (else it would hold its slot until the next chunk).
bool still_there(int fd) {
    char buf[256];
    for (int i = 0; i < 16; ++i) {  // bounded: a chatty reader cannot hold the loop
        const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n > 0) continue;  // discarded
        if (n == 0) return false;
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    return true;
}

// The stream's header with a note that it does not start at the capture's
// start, for a reader that cannot be served the whole stream.
SharedBytes incomplete_header(const SharedBytes& header, const std::string& note) {
    const Bytes& b = *header;
    trace::HeaderPrefix p;
    trace::TraceHeader h;
    if (b.size() < trace::kFilePrefixSize ||
        trace::parse_header_prefix({b.data(), trace::kFilePrefixSize}, p, "stream") ||
        b.size() < p.header_end() ||
        trace::parse_header_rest({b.data(), static_cast<std::size_t>(p.header_end())}, p, h,
                                 "stream"))
        return header;  // cannot happen: the publisher encoded it
    h.set(trace::kMetaStreamIncomplete, note);
    return std::make_shared<const Bytes>(trace::encode_file_header(h));
}

// A reader catching up from the spool gets a larger socket buffer (forced
// when the tracer runs as root), so each tick moves megabytes, not the
// default few hundred KiB.
void widen_send_buffer(int fd, std::size_t size) {
    int bytes = static_cast<int>(size);
    if (::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof bytes) != 0)
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

}  // namespace

void StreamServer::remove_stale(const sockaddr_un& addr) {
    struct stat st;
    if (::lstat(path_.c_str(), &st) != 0) return;
    if (!S_ISSOCK(st.st_mode))
        throw ServeError(path_ + " exists and is not a socket: choose another --serve path");
    if (!trace::trusted_owner(st.st_uid))
        throw ServeError(path_ + " is a socket of uid " + std::to_string(st.st_uid) +
                         ", another user: choose another --serve path");
    if (someone_listens(addr))
        throw ServeError(path_ + ": another tracer is serving on this socket");
    trace::FsIdentity as_owner(owner_);
    ::unlink(path_.c_str());  // stale, from a tracer that died
}

void StreamServer::remove_socket() {
    // With the owner's rights: whatever the name is by now, removing it does
    // nothing its owner could not do.
    trace::FsIdentity as_owner(owner_);
    struct stat st;
    if (::lstat(path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path_.c_str());
}

void owner_from_sudo(ServerOptions& o) {
    if (const auto user = trace::invoking_user()) {
        o.owner_uid = user->uid;
        o.owner_gid = user->gid;
    }
}

StreamServer::StreamServer(std::string path, ServerOptions opts)
    : path_(std::move(path)), opts_(std::move(opts)), tail_(opts_.history_bytes) {
    const sockaddr_un addr = address_of(path_);
    if (!opts_.spool_dir.empty())
        spool_ = std::make_unique<StreamSpool>(opts_.spool_dir, opts_.spool_bytes);
    // Every operation on the path runs with the rights of the socket's owner
    // (the user who ran sudo): the kernel creates the socket theirs, and a
    // name swapped in their directory never reaches a file of root's.
    owner_ = opts_.owner_uid ? std::optional<trace::UserIds>(trace::UserIds{
                                   *opts_.owner_uid, opts_.owner_gid.value_or(getegid())})
                             : std::nullopt;
    remove_stale(addr);
    listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw ServeError(errno_text("socket"));
    // The socket file is born 0600 (no window in which others could connect);
    // the tracer is single-threaded here, so the umask change is contained.
    int b, bind_errno;
    {
        trace::FsIdentity as_owner(owner_);
        const mode_t old = ::umask(0177);
        b = ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
        bind_errno = errno;
        ::umask(old);
    }
    if (b != 0) {
        ::close(listen_fd_);
        errno = bind_errno;
        if (owner_ && (bind_errno == EACCES || bind_errno == EPERM))
            throw ServeError(errno_text("cannot create socket " + path_ + " as uid " +
                                        std::to_string(owner_->uid) +
                                        " (who ran sudo; the socket is theirs): choose a "
                                        "directory they can write"));
        throw ServeError(errno_text("cannot create socket " + path_));
    }
    if (::listen(listen_fd_, 16) != 0) {
        const std::string e = errno_text("listen on " + path_);
        remove_socket();
        ::close(listen_fd_);
        throw ServeError(e);
    }
}

StreamServer::~StreamServer() {
    readers_.clear();
    if (listen_fd_ >= 0) {
        remove_socket();
        ::close(listen_fd_);
    }
}

void StreamServer::say(const std::string& line) const {
    if (opts_.log)
        opts_.log(line);
    else
        std::fprintf(stderr, "epscope: %s\n", line.c_str());
}

void StreamServer::start(SharedBytes header) { header_ = std::move(header); }

void StreamServer::publish(SharedBytes chunk) {
    if (finished_) return;
    // The spool first, in the same thread as the readers' catch-up: a chunk
    // is either in the spool (and the tail) before a reader behind looks for
    // it, or the reader is live and gets it queued below. Never both.
    if (spool_ && !spool_->stopped() && !spool_->append(*chunk))
        say(path_ + ": " + spool_->stop_reason() +
            ": readers that connect from now on get the stream from then on, marked incomplete");
    trace::ChunkInfo info;
    std::uint32_t records = 0;
    if (chunk->size() >= trace::kChunkHeaderSize &&
        trace::decode_chunk_header({chunk->data(), trace::kChunkHeaderSize}, info))
        records = info.record_count;
    const bool evicted = tail_.push(chunk, records);
    if (evicted && !spool_ && !said_incomplete_) {
        said_incomplete_ = true;
        say(path_ + ": the stream outgrew its " + std::to_string(opts_.history_bytes >> 10) +
            " KiB history and has no spool: readers that connect from now on get it marked "
            "incomplete");
    }
    for (std::size_t i = 0; i < readers_.size(); ++i) {
        Reader& r = readers_[i];
        if (r.live && !r.closing && !r.q->push(chunk)) {
            trace::EndOfStream end{trace::EndReason::Dropped, r.q->queued() + chunk->size(), ""};
            end.text = trace::end_reason_text(end) + " (the queue holds " +
                       std::to_string(opts_.reader_queue_bytes >> 10) + " KiB)";
            drop(i,
                 "fell more than " + std::to_string(opts_.reader_queue_bytes >> 10) +
                     " KiB behind; dropped it (capture and the trace file go on)",
                 std::move(end));
        }
    }
}

std::size_t StreamServer::readers() const {
    std::size_t n = 0;
    for (const auto& r : readers_) n += r.closing ? 0 : 1;
    return n;
}

std::size_t StreamServer::readers_catching_up() const {
    std::size_t n = 0;
    for (const auto& r : readers_) n += r.live ? 0 : 1;
    return n;
}

std::uint64_t StreamServer::spool_size() const { return spool_ ? spool_->size() : 0; }

bool StreamServer::spool_stopped() const { return spool_ && spool_->stopped(); }

bool StreamServer::catch_up(Reader& r, std::size_t& budget, std::string& why) {
    // Chunks between the spool's end and the tail's start are gone for good:
    // a reader that still needs them cannot be served whole, now or later.
    const std::uint64_t spooled = spool_ && !spool_->released() ? spool_->size() : 0;
    if (!r.live && r.pos < tail_.start() && spooled < tail_.start()) {
        why = "could not be served the whole stream: " +
              (spool_ ? spool_->stop_reason() : std::string("no spool")) +
              " and the chunks it still needed left the memory history; dropped it "
              "(reconnecting gets a stream marked incomplete)";
        return false;
    }
    while (!r.live) {
        if (r.pos == tail_.end()) {
            r.live = true;  // from the next publish() on, chunks are queued as they come
            if (r.behind > tail_.limit()) {
                const double secs =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - r.joined)
                        .count();
                char line[160];
                std::snprintf(line, sizeof line,
                              ": reader %llu caught up (%s from the spool and history in "
                              "%.2f s); now live",
                              static_cast<unsigned long long>(r.id), size_text(r.pos).c_str(),
                              secs);
                say(path_ + line);
            }
            break;
        }
        if (r.q->queued() >= opts_.catch_up_queue_bytes) break;
        if (r.pos >= tail_.start()) {
            SharedBytes b = tail_.from(r.pos);
            r.pos += b->size();
            r.q->push_unbounded(std::move(b));
            continue;
        }
        if (budget == 0) break;
        const std::size_t n = static_cast<std::size_t>(
            std::min<std::uint64_t>({std::uint64_t{1} << 20, budget, spool_->size() - r.pos}));
        Bytes b;
        std::string err;
        if (!spool_->read(r.pos, n, b, err)) {
            why = err + "; dropped it";
            return false;
        }
        r.pos += n;
        budget -= n;
        r.q->push_unbounded(std::make_shared<const Bytes>(std::move(b)));
    }
    return true;
}

void StreamServer::catch_up_all(std::size_t budget) {
    if (readers_.empty()) return;
    const std::size_t n = readers_.size();
    const std::size_t first = next_catch_up_ % n;
    next_catch_up_ = first + 1;
    std::vector<std::pair<std::uint64_t, std::string>> failed;
    for (std::size_t k = 0; k < n; ++k) {
        Reader& r = readers_[(first + k) % n];
        std::string why;
        if (!r.live && !catch_up(r, budget, why)) failed.emplace_back(r.id, std::move(why));
    }
    for (const auto& [id, why] : failed)
        for (std::size_t i = 0; i < readers_.size(); ++i)
            if (readers_[i].id == id) {
                drop(i, why, {trace::EndReason::NotServed, 0, why});
                break;
            }
}

void StreamServer::release_spool_if_unneeded() {
    if (!spool_ || !spool_->stopped() || spool_->released()) return;
    for (const auto& r : readers_)
        if (!r.live && r.pos < spool_->size()) return;
    spool_->release();
    say(path_ + ": released the spool's " + size_text(spool_->size()) +
        " on disk (no reader needs it)");
}

void StreamServer::accept_new() {
    while (true) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;  // EAGAIN, or a transient resource error: try again next tick
        }
        if (readers_.size() >= opts_.max_readers) {
            ::close(fd);
            say(path_ + ": refused a reader: already " + std::to_string(readers_.size()) +
                " connected");
            continue;
        }
        Reader r{std::make_unique<OutputQueue>(fd, opts_.reader_queue_bytes), ++accepted_};
        // Whole: every chunk since the first is in the tail or the spool.
        const bool whole = tail_.start() == 0 || (spool_ && !spool_->stopped());
        std::string joined = " connected";
        r.joined = std::chrono::steady_clock::now();
        if (whole) {
            r.pos = 0;
            r.behind = tail_.end();
            if (r.pos < tail_.start()) {
                if (opts_.catch_up_send_buffer != 0)
                    widen_send_buffer(fd, opts_.catch_up_send_buffer);
                joined += " (" + std::to_string(tail_.end() >> 10) +
                          " KiB behind: served from the spool first)";
            }
            if (header_) r.q->push_unbounded(header_);
        } else {
            r.pos = tail_.start();
            const std::string note =
                "the stream starts at record " + std::to_string(tail_.records_before_start() + 1) +
                " of the capture, not at its start (" +
                (spool_ ? spool_->stop_reason() : std::string("the tracer keeps no spool")) +
                "): earlier records and the /proc snapshot are missing, so the state shown "
                "is incomplete";
            if (header_) r.q->push_unbounded(incomplete_header(header_, note));
            joined += " too late for the whole stream: " + note;
        }
        say(path_ + ": reader " + std::to_string(r.id) + joined);
        readers_.push_back(std::move(r));
    }
}

void StreamServer::drop(std::size_t i, const std::string& why, trace::EndOfStream end) {
    Reader& r = readers_[i];
    say(path_ + ": reader " + std::to_string(r.id) + " " + why);
    ++dropped_;
    // The chunks queued are not sent: the reader learns why at once, after
    // the block it is in the middle of.
    r.q->discard_unstarted();
    r.q->push_unbounded(std::make_shared<const Bytes>(trace::encode_end_marker(end)));
    r.closing = true;
    r.end_sent = true;
    r.live = true;  // out of the catch-up
    r.close_by = std::chrono::steady_clock::now() + kDroppedGrace;
}

void StreamServer::close_dropped() {
    const auto now = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < readers_.size();) {
        Reader& r = readers_[i];
        if (r.closing) {
            const auto d = r.q->drain();
            if (d == OutputQueue::Drain::Done) ::shutdown(r.q->fd(), SHUT_WR);
            if (d != OutputQueue::Drain::Pending || now >= r.close_by) {
                readers_.erase(readers_.begin() + static_cast<std::ptrdiff_t>(i));
                continue;
            }
        }
        ++i;
    }
}

void StreamServer::service() {
    if (finished_) return;
    accept_new();
    catch_up_all(opts_.catch_up_tick_bytes);
    release_spool_if_unneeded();
    close_dropped();
    for (std::size_t i = 0; i < readers_.size();) {
        if (!still_there(readers_[i].q->fd()) ||
            readers_[i].q->drain() == OutputQueue::Drain::Closed) {
            const std::uint64_t id = readers_[i].id;
            readers_.erase(readers_.begin() + static_cast<std::ptrdiff_t>(i));
            say(path_ + ": reader " + std::to_string(id) + " disconnected");
            continue;
        }
        ++i;
    }
}

void StreamServer::finish(int timeout_ms) {
    if (finished_) return;
    service();
    finished_ = true;
    // Stop taking readers, then give the connected ones a bounded time to
    // take what is queued for them.
    remove_socket();
    ::close(listen_fd_);
    listen_fd_ = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    const SharedBytes stopped = std::make_shared<const Bytes>(
        trace::encode_end_marker({trace::EndReason::Stopped, 0, "the tracer stopped"}));
    while (true) {
        catch_up_all(opts_.catch_up_tick_bytes);
        std::vector<pollfd> pending;
        for (std::size_t i = 0; i < readers_.size();) {
            Reader& r = readers_[i];
            // The whole stream is queued: then the end marker, once.
            if (r.live && !r.end_sent) {
                r.q->push_unbounded(stopped);
                r.end_sent = true;
            }
            auto d = r.q->drain();
            if (d == OutputQueue::Drain::Closed || (d == OutputQueue::Drain::Done && r.live)) {
                if (d == OutputQueue::Drain::Done) ::shutdown(r.q->fd(), SHUT_WR);
                ++i;
                continue;
            }
            pending.push_back({r.q->fd(), POLLOUT, 0});
            ++i;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (pending.empty() || left <= 0) break;
        ::poll(pending.data(), pending.size(), static_cast<int>(left));
    }
    for (const auto& r : readers_)
        if (!r.closing && (!r.live || r.q->queued() != 0))
            say(path_ + ": reader " + std::to_string(r.id) + " had not taken the rest of the " +
                "stream when the tracer stopped (" +
                std::to_string(((r.live ? 0 : tail_.end() - r.pos) + r.q->queued()) >> 10) +
                " KiB left); closed it");
    readers_.clear();
}

}  // namespace epscope::serve
