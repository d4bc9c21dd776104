// Records a stream into a trace file. The file is written as FILE.partial
// and renamed to FILE only by a successful close(), so a half-written file
// never poses as complete; the .partial of a crashed run is still readable
// up to its last whole chunk (TraceReader reports it as truncated).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "stream/record.hpp"
#include "trace/chunk_encoder.hpp"
#include "trace/format.hpp"
#include "trace/trace_header.hpp"

namespace epscope::trace {

struct WriterOptions {
    // A chunk is written when it holds this many records ...
    std::size_t chunk_records = 4096;
    // ... or when its first record is this old (checked on each record and by
    // flush_if_due(), which a capture loop calls when the stream is idle).
    std::chrono::milliseconds flush_interval{1000};
    int zstd_level = 3;
    // An existing FILE is replaced, not kept as FILE.old.
    bool force = false;
};

class TraceWriter : public stream::RecordSink {
public:
    // Creates FILE.partial and writes the file header (format and ABI versions
    // of this build, whatever `header` says). Throws TraceError(Io).
    TraceWriter(std::filesystem::path path, const TraceHeader& header, WriterOptions opts = {});
    // Without close(): writes the pending records as a last chunk (best effort)
    // and leaves FILE.partial, like a crash would, but with nothing lost.
    ~TraceWriter() override;
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    // Appends one record; writes a chunk when it holds chunk_records (its age
    // is flush_if_due's to judge). Throws TraceError(Io), or
    // std::invalid_argument for a record whose kind/size is not of the ABI.
    void on_record(const stream::Record& rec) override;
    // Writes the pending records as a chunk now (no-op when there are none).
    void flush();
    // Writes a chunk if the pending one is older than flush_interval: call it
    // on a timer (the capture loop's tick) for chunks to reach the disk in time.
    void flush_if_due();
    // Last chunk, index, trailer, fsync, rename FILE.partial -> FILE.
    void close();

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path partial_path() const;
    std::uint64_t records_written() const { return total_records_; }
    std::size_t chunks_written() const { return chunks_.size(); }
    std::uint64_t bytes_written() const { return offset_; }
    // After close(): what became of an older FILE ("kept ... as FILE.old"), or "".
    const std::string& kept_note() const { return kept_note_; }

private:
    void write_all(std::span<const std::byte> b);
    void write_chunk();

    std::filesystem::path path_;
    WriterOptions opts_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    ChunkEncoder encoder_;
    std::chrono::steady_clock::time_point pending_since_;
    std::vector<std::byte> chunk_bytes_;
    std::string kept_note_;
    std::vector<ChunkInfo> chunks_;
    std::uint64_t total_records_ = 0;
    bool closed_ = false;
};

}  // namespace epscope::trace
