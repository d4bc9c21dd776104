// Serves a live stream on a unix socket. Any number of readers connect at
// any time; each gets the file header, then the chunks published so far
// (while they fit in the history bound), then every chunk from then on.
// The socket is mode 0600 and, when the tracer runs via sudo, owned by the
// invoking user: only that user and root can read the stream. Each reader
// has a bounded queue; one that falls behind is dropped with one line on the
// log, so a slow reader never stalls capture or the trace file.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "serve/stream_output.hpp"

namespace epscope::serve {

class ServeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ServerOptions {
    // Owner of the socket file (SUDO_UID/SUDO_GID); unset: the caller's.
    std::optional<uid_t> owner_uid;
    std::optional<gid_t> owner_gid;
    // Bytes a reader may have queued beyond its initial history.
    std::size_t reader_queue_bytes = 8u << 20;
    // Chunks kept for readers that join later, so they build the same model;
    // once the stream outgrows it, later readers start from when they join.
    std::size_t history_bytes = 16u << 20;
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
    // an error. Throws ServeError with one line.
    StreamServer(std::string path, ServerOptions opts);
    ~StreamServer() override;  // closes every reader, removes the socket

    void start(SharedBytes header) override;
    void publish(SharedBytes chunk) override;
    void service() override;
    void finish(int timeout_ms) override;

    const std::string& path() const { return path_; }
    int listen_fd() const { return listen_fd_; }
    std::size_t readers() const { return readers_.size(); }
    std::uint64_t readers_accepted() const { return accepted_; }
    std::uint64_t readers_dropped() const { return dropped_; }

private:
    struct Reader {
        std::unique_ptr<OutputQueue> q;
        std::uint64_t id;
    };
    void accept_new();
    void drop(std::size_t i, const std::string& why);
    void say(const std::string& line) const;

    std::string path_;
    ServerOptions opts_;
    int listen_fd_ = -1;
    bool finished_ = false;
    SharedBytes header_;
    std::vector<SharedBytes> history_;
    std::size_t history_size_ = 0;
    bool history_complete_ = true;
    std::vector<Reader> readers_;
    std::uint64_t accepted_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace epscope::serve
