// Turns raw record bytes (from the ring buffer, a trace chunk or a socket)
// into an aligned Record, refusing anything that does not match the ABI.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "stream/record.hpp"

namespace epscope::stream {

enum class DecodeStatus {
    Ok,
    Short,          // fewer bytes than a header, or than header.size says
    UnknownKind,    // header.kind is not a kind of this ABI version
    WrongSize,      // header.size differs from the kind's fixed size
    TrailingBytes,  // decode_exact only: more bytes than the record
};

// One line saying what is wrong, e.g. for a log message or an exception.
std::string_view decode_status_message(DecodeStatus status);

// Decodes the record at the start of `raw` into `out`. `raw` may hold more
// bytes after the record (concatenated records in a trace chunk); the record
// occupies out.size() bytes on success. On failure `out` is unspecified.
DecodeStatus decode(std::span<const std::byte> raw, Record& out);

// The checks of decode() without the copy: the record at the start of `raw`
// is well formed, its header is in `h`. For walks that only validate.
DecodeStatus check(std::span<const std::byte> raw, ep_header& h);

// As decode(), but `raw` must be exactly one record (one ring buffer sample).
DecodeStatus decode_exact(std::span<const std::byte> raw, Record& out);

}  // namespace epscope::stream
