// The last chunks of a live stream, held in memory up to a byte bound, each
// with its place in the stream: the byte offset of its first byte (counting
// chunks only, not the file header) and the number of records before it.
// Readers near the end are served from here without touching the spool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "serve/output_queue.hpp"

namespace epscope::serve {

class ChunkTail {
public:
    explicit ChunkTail(std::size_t limit_bytes) : limit_(limit_bytes) {}

    // Appends the next chunk of the stream (`records` in it), then lets the
    // oldest go while the tail holds more than the limit. Returns true if
    // any chunk went.
    bool push(SharedBytes chunk, std::uint32_t records);

    // Stream offset of the oldest chunk held (== end() when empty).
    std::uint64_t start() const { return entries_.empty() ? end_ : entries_.front().offset; }
    // Stream offset just past the newest chunk: the bytes published so far.
    std::uint64_t end() const { return end_; }
    // Records in the chunks before start() / before end().
    std::uint64_t records_before_start() const {
        return entries_.empty() ? records_end_ : entries_.front().records_before;
    }
    std::uint64_t records_end() const { return records_end_; }
    std::size_t limit() const { return limit_; }

    // The bytes from `offset` (start() <= offset < end()) to the end of the
    // chunk that holds it: the shared chunk itself at a chunk boundary, else
    // a copy of its rest.
    SharedBytes from(std::uint64_t offset) const;

private:
    struct Entry {
        std::uint64_t offset;
        std::uint64_t records_before;
        SharedBytes bytes;
    };
    std::size_t limit_;
    std::deque<Entry> entries_;
    std::size_t held_ = 0;
    std::uint64_t end_ = 0;
    std::uint64_t records_end_ = 0;
};

}  // namespace epscope::serve
