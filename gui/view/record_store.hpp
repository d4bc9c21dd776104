// The records a Replay shows, kept out of memory: in the trace file's own
// chunks (read back through TraceReader::seek_chunk), or for a live stream in
// a spool file of the GUI's own (unnamed, O_TMPFILE). What stays in memory is
// an index per block (where it is, its first record, the latest timestamp so
// far) and the two blocks last read, so memory grows with the number of
// blocks (a few dozen bytes per 4096 records), not with the records.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stream/record.hpp"

namespace epscope::trace {
class TraceReader;
}

namespace epscope::view {

class RecordStore {
public:
    RecordStore();
    ~RecordStore();
    RecordStore(const RecordStore&) = delete;
    RecordStore& operator=(const RecordStore&) = delete;

    // File: the reader's chunks hold the records. The first pass reports
    // each chunk it read whole with add_chunk(), in order; the store reads
    // them back from the reader when asked.
    void use_file(std::unique_ptr<trace::TraceReader> reader);
    void add_chunk(std::uint32_t records, std::uint64_t last_ts);
    // Live: records come through append() and go to a spool file. Returns
    // why no spool file could be made (then the blocks stay in memory), or "".
    std::string use_spool();
    void append(const stream::Record& rec);
    // Forgets every record (a live stream restarted); the spool is reused.
    void clear();

    std::size_t size() const { return count_; }
    // The record at `i` (< size()). Reads its block back when it is not one
    // of the two held. Throws TraceError if the file changed under us.
    stream::Record at(std::size_t i) const;
    // How many records come before the first whose timestamp is later than
    // `t`, counting a record as later when its running maximum is (so the
    // answer is monotonic in t even when records are slightly out of order).
    std::size_t prefix_until(std::uint64_t t) const;
    // Bytes held in memory: the index, the blocks held, the block being filled.
    std::size_t memory_bytes() const;
    bool spooled() const { return spool_fd_ >= 0; }

    // A live block is written out once it holds this many bytes.
    static constexpr std::size_t kSpoolBlockBytes = std::size_t{1} << 20;

private:
    struct Block {
        std::uint64_t offset = 0;  // in the spool (live only)
        std::uint32_t bytes = 0;   // live only
        std::uint32_t count = 0;
        std::size_t first = 0;        // number of its first record
        std::uint64_t ts_max = 0;     // latest timestamp up to its end
        std::uint64_t ts_before = 0;  // ... up to its start
    };
    struct Held {
        std::size_t block = SIZE_MAX;
        std::vector<std::byte> raw;
        std::vector<std::uint32_t> at;  // offset of each record in raw
        std::uint64_t used = 0;
    };
    std::size_t block_of(std::size_t i) const;
    const Held& hold(std::size_t b) const;
    void read_block(const Block& blk, std::size_t b, Held& h) const;
    void flush_tail();
    std::uint64_t ts_max_so_far() const;

    std::unique_ptr<trace::TraceReader> reader_;
    bool live_ = false;
    int spool_fd_ = -1;
    std::uint64_t spool_end_ = 0;
    std::vector<std::byte> unspooled_;  // blocks kept in memory when no spool could be made
    std::vector<Block> blocks_;
    std::size_t count_ = 0;
    // Live: the block being filled, not yet in the spool.
    Held tail_;
    std::uint64_t tail_ts_max_ = 0;
    mutable std::array<Held, 2> held_;
    mutable std::uint64_t use_clock_ = 0;
};

// An unnamed file (O_TMPFILE, mode 0600) for the GUI's spool, in /var/tmp
// or else $XDG_RUNTIME_DIR when that is the user's own private directory:
// never a path another user could have planted. -1 and `why` on failure.
int open_private_spool(std::string& why);

}  // namespace epscope::view
