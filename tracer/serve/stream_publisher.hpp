// The live stream's producer: a record sink that cuts the records into
// trace-format chunks often (every `flush_interval` or `chunk_records`
// records, whichever comes first) so viewers see events promptly, and hands
// the header and each chunk to its outputs. Everything is non-blocking; the
// capture loop calls tick() after each poll.
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "serve/stream_output.hpp"
#include "stream/record.hpp"
#include "trace/chunk_encoder.hpp"
#include "trace/trace_header.hpp"

namespace epscope::serve {

// How often a live stream's pending records become a chunk: what a live
// reader lags by. A capture that feeds one drains its ring buffer this often too.
inline constexpr std::chrono::milliseconds kLiveChunkInterval{50};

struct PublisherOptions {
    std::chrono::milliseconds flush_interval = kLiveChunkInterval;
    std::size_t chunk_records = 1024;
    int zstd_level = 1;  // cheap: the stream is read now, not stored
};

class StreamPublisher : public stream::RecordSink {
public:
    // Sends the file header to every output right away. The outputs must
    // outlive the publisher.
    StreamPublisher(const trace::TraceHeader& header, std::vector<StreamOutput*> outputs,
                    PublisherOptions opts = {});

    void on_record(const stream::Record& rec) override;
    // Publishes the pending records if they are older than flush_interval,
    // then lets the outputs do their I/O.
    void tick();
    // Publishes what is pending now.
    void flush();
    // Last chunk, then each output finishes (bounded by `timeout_ms` each).
    void finish(int timeout_ms);

    std::uint64_t chunks() const { return chunks_; }
    std::uint64_t records() const { return records_; }

private:
    std::vector<StreamOutput*> outputs_;
    PublisherOptions opts_;
    trace::ChunkEncoder encoder_;
    std::chrono::steady_clock::time_point pending_since_;
    std::uint64_t chunks_ = 0;
    std::uint64_t records_ = 0;
    bool finished_ = false;
};

// Passes every record to two sinks (the trace file or model, and the stream).
class TeeSink : public stream::RecordSink {
public:
    TeeSink(stream::RecordSink& a, stream::RecordSink& b) : a_(a), b_(b) {}
    void on_record(const stream::Record& rec) override {
        a_.on_record(rec);
        b_.on_record(rec);
    }

private:
    stream::RecordSink& a_;
    stream::RecordSink& b_;
};

}  // namespace epscope::serve
