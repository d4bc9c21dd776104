// Reads a live stream: the trace format's file header followed by chunks,
// arriving a few bytes at a time from a socket (or a pipe, or QEMU's
// virtio-serial socket). Nothing new to parse: the same header, the same
// chunks, checked the same way as a file. A stream has no index or trailer;
// a served one ends with an end marker saying why (format.hpp: the tracer
// stopped, this reader was dropped), then EOF; EOF without it is a cut. Should
// a whole trace file be sent down a socket, its index marks the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stream/record.hpp"
#include "trace/format.hpp"
#include "trace/trace_error.hpp"
#include "trace/trace_header.hpp"

namespace epscope::trace {

// The framing, without any I/O: feed bytes, take records.
class StreamParser {
public:
    explicit StreamParser(std::string name) : name_(std::move(name)) {}

    // Appends received bytes. Throws TraceError as soon as they show the
    // stream is not one this build reads: NotATrace (no EPSCOPE magic),
    // NewerVersion (format or ABI of a newer epscope), OlderVersion (an event
    // ABI this build no longer reads), Corrupt (a checksum or
    // a length does not hold). After an error the parser stays failed.
    void feed(std::span<const std::byte> bytes);

    bool has_header() const { return header_.has_value(); }
    const TraceHeader& header() const { return *header_; }

    // Next record of the chunks received so far; false until more arrive.
    bool next(stream::Record& out);

    // True once an index block (the sender was a whole trace file) or the
    // end marker of a live stream arrived.
    bool ended() const { return ended_; }
    // Why the stream ended, once its end marker arrived (format.hpp). None at
    // EOF: the connection was cut, or the server predates end markers.
    const std::optional<EndOfStream>& end() const { return end_; }
    // Bytes received that do not yet form a whole header or chunk. At EOF
    // they are a block cut off by the writer stopping mid-send.
    std::size_t partial_bytes() const { return buf_.size() - pos_; }
    std::uint64_t bytes_received() const { return received_; }
    std::uint64_t chunks() const { return chunks_; }
    std::uint64_t records() const { return records_; }
    const std::string& name() const { return name_; }

private:
    void parse();
    bool parse_header();
    bool parse_chunk();
    bool parse_end(std::span<const std::byte> b, std::uint64_t at);
    [[noreturn]] void fail(TraceErrorKind kind, std::uint64_t offset, const std::string& d);

    std::string name_;
    std::vector<std::byte> buf_;
    std::size_t pos_ = 0;         // first unparsed byte in buf_
    std::uint64_t buf_base_ = 0;  // stream offset of buf_[0]
    std::uint64_t received_ = 0;
    std::optional<TraceHeader> header_;
    std::optional<std::string> failed_;
    bool ended_ = false;
    std::optional<EndOfStream> end_;
    std::uint64_t chunks_ = 0;
    std::uint64_t records_ = 0;
    // Records of the chunks parsed and not yet taken.
    std::vector<std::byte> raw_;
    std::size_t raw_pos_ = 0;
};

// A client of a stream served on a unix socket (`epscope live --serve PATH`).
class StreamClient {
public:
    // Connects (non-blocking socket). Throws TraceError(Io) naming the path
    // and the reason: no such socket, nothing listening, permission denied.
    explicit StreamClient(const std::string& path);
    ~StreamClient();
    StreamClient(const StreamClient&) = delete;
    StreamClient& operator=(const StreamClient&) = delete;

    int fd() const { return fd_; }
    StreamParser& parser() { return parser_; }

    enum class Read { Data, Idle, Eof };
    // Reads what the socket holds without blocking (at most `max_bytes`) and
    // feeds the parser. Eof: the server closed the stream (the tracer
    // stopped). Throws TraceError from the parser or Io on a read error.
    Read pump(std::size_t max_bytes = 4u << 20);
    // Waits up to `timeout_ms` (-1: forever) for bytes, then pump().
    Read wait_and_pump(int timeout_ms);

private:
    int fd_ = -1;
    StreamParser parser_;
    std::vector<std::byte> scratch_;
};

}  // namespace epscope::trace
