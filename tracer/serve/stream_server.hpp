// Serves a live stream on a unix socket. Any number of readers connect at
// any time; each gets the file header, then every chunk from the first one:
// the chunks are spooled to an unnamed file on disk and only a bounded tail
// stays in memory, so a reader that joins late is served from the spool
// (a bounded amount per tick: capture never waits for the disk), then from
// the tail, then switches to the live chunks with no gap and no duplicate.
// Past the spool's cap (or without a spool, once the tail let chunks go), a
// reader that joins gets the stream from the tail on, and its header says
// so (metadata stream_incomplete): never a silently partial state.
// The socket is mode 0600 and, when the tracer runs via sudo, owned by the
// invoking user: only that user and root can read the stream. Each reader
// has a bounded queue; one that falls behind is dropped with one line on the
// log, so a slow reader never stalls capture or the trace file.
#pragma once

#include <sys/types.h>
#include <sys/un.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "serve/chunk_tail.hpp"
#include "serve/stream_output.hpp"
#include "serve/stream_spool.hpp"
#include "trace/safe_path.hpp"
#include "trace/format.hpp"

namespace epscope::serve {

class ServeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ServerOptions {
    // Owner of the socket file (SUDO_UID/SUDO_GID); unset: the caller's.
    std::optional<uid_t> owner_uid;
    std::optional<gid_t> owner_gid;
    // Bytes a live reader may have queued; one that falls further behind is
    // dropped.
    std::size_t reader_queue_bytes = 8u << 20;
    // The newest chunks, kept in memory for readers that are close behind.
    std::size_t history_bytes = 16u << 20;
    // Where the spool of every chunk goes (an unnamed file); empty: no spool,
    // late joiners past the history get a stream marked incomplete.
    std::string spool_dir;
    // The spool's cap on disk. Past it the spool stops (and its space goes
    // once no reader still catching up needs it).
    std::uint64_t spool_bytes = std::uint64_t{2} << 30;
    // A reader catching up is refilled while it has less than this queued,
    // and a tick reads at most catch_up_tick_bytes from the spool in all.
    std::size_t catch_up_queue_bytes = 4u << 20;
    std::size_t catch_up_tick_bytes = 8u << 20;
    // Socket send buffer of a reader that starts behind (forced as root), so
    // each tick moves megabytes; 0 leaves the system's default.
    std::size_t catch_up_send_buffer = 4u << 20;
    std::size_t max_readers = 64;
    // One line per event worth telling (reader joined, dropped).
    std::function<void(const std::string&)> log;
};

// SUDO_UID/SUDO_GID of the environment, when both are set and numeric.
void owner_from_sudo(ServerOptions& o);

class StreamServer : public StreamOutput {
public:
    // Creates and listens on `path`. A stale socket left by a dead tracer is
    // replaced; a live one (something accepts on it) or a non-socket file is
    // an error, and so is a spool directory where no file can be created.
    // Throws ServeError with one line.
    StreamServer(std::string path, ServerOptions opts);
    ~StreamServer() override;  // closes every reader, removes the socket

    void start(SharedBytes header) override;
    void publish(SharedBytes chunk) override;
    void service() override;
    void finish(int timeout_ms) override;

    const std::string& path() const { return path_; }
    int listen_fd() const { return listen_fd_; }
    // Readers served (a dropped one still taking its end marker excluded).
    std::size_t readers() const;
    std::uint64_t readers_accepted() const { return accepted_; }
    std::uint64_t readers_dropped() const { return dropped_; }
    // Readers still being served from the spool or the tail.
    std::size_t readers_catching_up() const;
    // Bytes in the spool (0 without one); whether it stopped at its cap.
    std::uint64_t spool_size() const;
    bool spool_stopped() const;

private:
    // Refuses a name at the path that is not a stale socket of ours; removes a stale one.
    void remove_stale(const sockaddr_un& addr);
    void remove_socket();
    struct Reader {
        std::unique_ptr<OutputQueue> q;
        std::uint64_t id;
        // Stream offset (chunk bytes, header excluded) of the next byte to
        // queue while catching up; once it reaches the end of what was
        // published, the reader is live and publish() queues each chunk.
        std::uint64_t pos = 0;
        bool live = false;
        // For the "caught up" line: when it joined and how far behind.
        std::chrono::steady_clock::time_point joined{};
        std::uint64_t behind = 0;
        // Dropped: gets nothing more but its end marker, closed once that
        // is out or at close_by. end_sent: its end marker is queued.
        bool closing = false;
        bool end_sent = false;
        std::chrono::steady_clock::time_point close_by{};
    };
    void accept_new();
    // Queues more of the stream for a reader behind (spool reads count
    // against `budget`). False: the reader cannot be served whole any more
    // (`why` says why).
    bool catch_up(Reader& r, std::size_t& budget, std::string& why);
    void catch_up_all(std::size_t budget);
    void release_spool_if_unneeded();
    // Tells reader i why (its end marker) and closes it once that is out.
    void drop(std::size_t i, const std::string& why, trace::EndOfStream end);
    // Drains the dropped readers; closes those done or out of time.
    void close_dropped();
    void say(const std::string& line) const;

    std::string path_;
    ServerOptions opts_;
    int listen_fd_ = -1;
    std::optional<trace::UserIds> owner_;  // whose rights the socket's path is used with
    bool finished_ = false;
    SharedBytes header_;
    ChunkTail tail_;
    std::unique_ptr<StreamSpool> spool_;
    bool said_incomplete_ = false;
    std::size_t next_catch_up_ = 0;  // round robin: every reader behind gets its turn
    std::vector<Reader> readers_;
    std::uint64_t accepted_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace epscope::serve
