// Turns records into one self-contained chunk of the trace format (header +
// zstd payload). Shared by the trace file writer and the live stream, so the
// bytes on a socket are exactly the bytes of a file's chunks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "stream/record.hpp"
#include "trace/format.hpp"

namespace epscope::trace {

class ChunkEncoder {
public:
    explicit ChunkEncoder(int zstd_level = 3);
    ~ChunkEncoder();
    ChunkEncoder(const ChunkEncoder&) = delete;
    ChunkEncoder& operator=(const ChunkEncoder&) = delete;

    // Appends one record's bytes. Throws std::invalid_argument for a record
    // whose kind/size is not of the ABI: it would make the chunk unreadable.
    void add(const stream::Record& rec);
    std::uint32_t count() const { return count_; }
    std::size_t raw_size() const { return pending_.size(); }

    // Compresses the pending records into `out` (chunk header then payload,
    // replacing its contents), fills `info` (offset left as it is) and
    // empties the encoder. Returns false, touching nothing, when there are no
    // records. Throws TraceError(Io) if zstd fails, naming `name`.
    bool encode(std::vector<std::byte>& out, ChunkInfo& info, const std::string& name);

private:
    int level_;
    void* cctx_ = nullptr;  // ZSTD_CCtx, reused across chunks
    std::vector<std::byte> pending_;
    std::vector<std::byte> compressed_;
    std::uint32_t count_ = 0;
    std::uint64_t min_ts_ = 0;
    std::uint64_t max_ts_ = 0;
};

}  // namespace epscope::trace
