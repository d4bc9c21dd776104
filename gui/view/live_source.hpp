// Feeds a Replay from a live stream on a unix socket (epscope-gui --connect
// PATH): connects, retries with backoff while nothing listens, reads what
// arrived each frame, and starts over when the tracer restarts. Never throws:
// every failure becomes a status line and, while nothing is shown, the
// replay's error message. No ImGui here: tested headless.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "trace/stream_reader.hpp"
#include "view/replay.hpp"

namespace epscope::view {

struct LiveSourceOptions {
    std::chrono::milliseconds first_retry{200};
    std::chrono::milliseconds max_retry{2000};
    bool reconnect_after_end = true;            // false: a screenshot of one stream
    std::size_t max_bytes_per_poll = 8u << 20;  // keeps a frame short
};

class LiveSource {
public:
    LiveSource(std::string path, Replay& replay, LiveSourceOptions opts = {});
    ~LiveSource();

    // One frame's I/O. Returns true if the replay changed (records arrived,
    // a new stream started).
    bool poll();
    bool connected() const { return client_ != nullptr; }
    // The stream that was read has ended (EOF) and none has replaced it yet.
    bool ended() const { return ended_; }
    // Why the last stream ended, in words ("the tracer stopped", "dropped:
    // fell 9 MiB behind"); empty before the first end.
    const std::string& end_reason() const { return end_reason_; }
    // Streams whose header arrived (1 + restarts of the tracer).
    std::uint64_t streams() const { return streams_; }
    const std::string& last_error() const { return last_error_; }

private:
    void try_connect();
    void disconnect(std::string why, bool error);
    void status();

    std::string path_;
    Replay& replay_;
    LiveSourceOptions opts_;
    std::unique_ptr<trace::StreamClient> client_;
    std::chrono::steady_clock::time_point next_try_{};
    std::chrono::milliseconds backoff_;
    bool header_seen_ = false;
    bool ended_ = false;
    std::string end_reason_;
    bool end_whole_ = false;  // the last stream ended with "the tracer stopped"
    std::uint64_t streams_ = 0;
    std::string last_error_;
};

}  // namespace epscope::view
