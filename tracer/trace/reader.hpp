// Reads a trace file back into the event stream. Opening checks the header
// and locates every chunk (from the index, or by walking the chunks when the
// file has none because its writer died); records are decoded chunk by chunk,
// each chunk's checksum verified before use. Damage is a TraceError naming
// the file and offset, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "stream/id_map.hpp"
#include "stream/record.hpp"
#include "stream/record_filter.hpp"
#include "trace/format.hpp"
#include "trace/trace_error.hpp"
#include "trace/trace_header.hpp"

struct ZSTD_DCtx_s;  // zstd's decompression context (zstd.h stays out of this header)

namespace epscope::trace {

// Where the bytes come from: a file, or memory (fuzzing, tests, sockets).
class ByteSource {
public:
    virtual ~ByteSource() = default;
    virtual std::uint64_t size() const = 0;
    // Fills `out` from `offset`; throws TraceError(Io) on failure. Callers
    // never ask beyond size(). Called by one thread at a time, not always the
    // same one (TraceReader::read_all decodes ahead on a second thread).
    virtual void read_at(std::uint64_t offset, std::span<std::byte> out) const = 0;
    virtual const std::string& name() const = 0;
};

class TraceReader {
public:
    // Throws TraceError: NotATrace, NewerVersion, Truncated (header cut off),
    // Corrupt, Io.
    explicit TraceReader(const std::filesystem::path& path);
    explicit TraceReader(std::unique_ptr<ByteSource> source);
    static TraceReader from_memory(std::vector<std::byte> bytes, std::string name = "<memory>");

    TraceReader(TraceReader&&) noexcept;
    TraceReader& operator=(TraceReader&&) noexcept;
    ~TraceReader();

    const TraceHeader& header() const { return header_; }
    // True if the file has no valid index and trailer (its writer did not
    // close it): only the whole chunks before the cut are readable.
    bool truncated() const { return truncated_; }
    // Bytes after the last whole chunk that were not readable (0 if complete).
    std::uint64_t unreadable_tail() const { return unreadable_tail_; }
    // True if the file was closed (index and trailer written) but they are
    // damaged: the chunks were found by scanning, as for a truncated file
    // (truncated() is true too), and unreadable_tail() is the index and trailer.
    bool index_damaged() const { return index_damaged_; }
    // One line for the user when the file is not whole ("" if it is): what
    // was read and why the rest was not.
    std::string incomplete_note() const;
    const std::vector<ChunkInfo>& chunks() const { return chunks_; }
    std::uint64_t record_count() const;
    const std::string& name() const;

    // Next record in file order; false at the end. Throws TraceError(Corrupt)
    // on a damaged chunk (the records before it have been delivered).
    bool next(stream::Record& out);
    // Delivers every remaining record to `sink`; returns how many.
    std::uint64_t read_all(stream::RecordSink& sink);
    // Positions on the first record with ts >= `ts` in the first chunk whose
    // time range reaches `ts` (end of trace if none does).
    void seek(std::uint64_t ts);
    void rewind();
    // Positions on the first record of chunks()[i] (end of trace if i is
    // past the last): random access for a viewer that keeps only an index of
    // the chunks and reads back the ones it shows.
    void seek_chunk(std::size_t i);

private:
    void open();
    bool try_index();
    void scan_chunks();
    bool read_end_marker(std::uint64_t pos, std::uint64_t left);
    // A chunk read back: its header, decompressed records and their number.
    struct DecodedChunk {
        ChunkInfo header;
        std::vector<std::byte> raw;
        std::uint32_t count = 0;
    };
    // Kept across chunks: a ZSTD_decompress() per chunk would allocate and
    // fault in a fresh context (~100 KiB) every time, a quarter of a replay.
    struct DctxFree {
        void operator()(ZSTD_DCtx_s* d) const;
    };
    struct ZstdBuffers {
        std::unique_ptr<ZSTD_DCtx_s, DctxFree> dctx;
        std::vector<std::byte> payload;  // compressed bytes of the chunk being decoded
    };
    void decode_chunk(std::size_t i, ZstdBuffers& z, DecodedChunk& out) const;
    // read_all()'s decoding thread (reader.cpp).
    class AheadDecoder;
    std::uint32_t check_records(std::uint64_t offset, const ChunkInfo& h,
                                std::span<const std::byte> raw) const;
    void adopt_chunk(std::size_t i, DecodedChunk& d);
    void load_chunk(std::size_t i);
    std::uint64_t deliver_current(stream::RecordSink& sink);
    [[noreturn]] void fail(TraceErrorKind kind, std::uint64_t offset, const std::string& d) const;

    std::unique_ptr<ByteSource> src_;
    TraceHeader header_;
    std::uint64_t data_start_ = 0;
    std::vector<ChunkInfo> chunks_;
    bool truncated_ = false;
    std::uint64_t unreadable_tail_ = 0;
    bool index_damaged_ = false;

    ZstdBuffers zstd_;        // next() and seeks
    ZstdBuffers ahead_zstd_;  // read_all()'s decoding thread, a few chunks ahead

    // Iteration state: the decoded chunk and the position in it.
    std::size_t next_chunk_ = 0;
    std::size_t cur_chunk_ = 0;
    std::vector<std::byte> raw_;
    std::size_t raw_pos_ = 0;
    std::uint32_t raw_left_ = 0;
};

// The ts of the trace's first record with one (the origin of --from/--to
// in seconds), read ahead; the reader is rewound. 0 for an empty trace.
std::uint64_t first_record_ts(TraceReader& reader);

// Delivers the remaining records of `reader` that `filter` selects to `sink`
// (the others to sink.on_unselected), their addresses named in `ids` in file
// order. Returns how many were selected. Throws std::invalid_argument (one
// line) for a window that does not fit the trace.
std::uint64_t read_selected(TraceReader& reader, const stream::FilterArgs& filter,
                            stream::RecordSink& sink, stream::IdMap& ids);

}  // namespace epscope::trace
