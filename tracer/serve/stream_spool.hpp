// Every chunk of a live stream, on disk, so a reader that joins late still
// gets the stream from its first chunk (the /proc snapshot and every item
// added since) while the server keeps only a bounded tail in memory. The
// file is unlinked from birth (O_TMPFILE, else mkstemp + unlink): nothing is
// left behind, whatever way the tracer ends, and no one else can open it.
// Appends stop at a cap: a stream that outgrows it is no longer served whole
// to readers that join from then on (they are told, see StreamServer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "serve/output_queue.hpp"

namespace epscope::serve {

// "12 KiB", "3 MiB": a size as messages give it.
std::string size_text(std::uint64_t bytes);

class StreamSpool {
public:
    // Opens an unnamed file in `dir`. Throws ServeError naming the directory
    // and the reason (missing, not writable, ...).
    StreamSpool(const std::string& dir, std::uint64_t cap_bytes);
    ~StreamSpool();
    StreamSpool(const StreamSpool&) = delete;
    StreamSpool& operator=(const StreamSpool&) = delete;

    // Appends a whole chunk. False (nothing appended, now and ever after)
    // when it would pass the cap or the write fails: stopped() says why.
    bool append(const Bytes& chunk);
    // Up to `n` bytes from `offset` (below size()) into `out`. False on a
    // read error (out holds what errno said, as text).
    bool read(std::uint64_t offset, std::size_t n, Bytes& out, std::string& error) const;

    std::uint64_t size() const { return size_; }
    std::uint64_t cap() const { return cap_; }
    bool stopped() const { return !stop_reason_.empty(); }
    const std::string& stop_reason() const { return stop_reason_; }
    // Lets the disk space go once no reader needs the bytes any more.
    void release();
    bool released() const { return fd_ < 0; }

private:
    int fd_ = -1;
    std::uint64_t cap_;
    std::uint64_t size_ = 0;
    std::string stop_reason_;
};

}  // namespace epscope::serve
