// The on-disk layout of a trace file. All integers little-endian, encoded
// field by field (byte_io.hpp).
//
//   file header   "EPSCOPE\0" u32 format_version u32 abi_version u32 body_len
//                 body (host, kernel release, clock, realtime offset, attach plan,
//                 metadata) u32 crc32(format_version .. end of body)
//   chunk*        "EPCK" u32 record_count u64 first_ts u64 last_ts
//                 u32 compressed_size u32 raw_size u32 payload_crc u32 header_crc
//                 payload: zstd frame of the concatenated records (ABI bytes)
//   index         "EPIX" u32 chunk_count {u64 offset u64 first_ts u64 last_ts
//                 u32 record_count u32 compressed_size}* u32 crc32
//   trailer       "EPSCEND\0" u64 index_offset u64 total_records u32 chunk_count u32 crc32
//
// A live stream (serve/) has no index or trailer; it ends with an end marker
// saying why it ended (the tracer stopped, the reader was dropped):
//   end marker    "EPIX" u32 0xffffffff u32 reason u64 bytes_behind
//                 u32 text_len text u32 crc32(from "EPIX" to the end of text)
// It starts as an index does, so a reader that predates it stops there as at
// the end of a whole file sent down a socket; no index has 2^32-1 chunks.
//
// Every chunk is self-contained (its own zstd frame), so a file cut off by a
// crash before the index is written is readable up to its last whole chunk.
// first_ts/last_ts are the minimum and maximum ts in the chunk: records from
// several CPUs are not strictly ordered.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trace/trace_error.hpp"
#include "trace/trace_header.hpp"

namespace epscope::trace {

inline constexpr std::uint32_t kFormatVersion = 1;

inline constexpr std::array<std::byte, 8> kFileMagic = {
    std::byte{'E'}, std::byte{'P'}, std::byte{'S'}, std::byte{'C'},
    std::byte{'O'}, std::byte{'P'}, std::byte{'E'}, std::byte{0}};
inline constexpr std::array<std::byte, 8> kTrailerMagic = {
    std::byte{'E'}, std::byte{'P'}, std::byte{'S'}, std::byte{'C'},
    std::byte{'E'}, std::byte{'N'}, std::byte{'D'}, std::byte{0}};
inline constexpr std::array<std::byte, 4> kChunkMagic = {std::byte{'E'}, std::byte{'P'},
                                                         std::byte{'C'}, std::byte{'K'}};
inline constexpr std::array<std::byte, 4> kIndexMagic = {std::byte{'E'}, std::byte{'P'},
                                                         std::byte{'I'}, std::byte{'X'}};

inline constexpr std::size_t kFilePrefixSize = 20;  // magic + versions + body_len
inline constexpr std::size_t kChunkHeaderSize = 40;
inline constexpr std::size_t kIndexEntrySize = 32;
inline constexpr std::size_t kTrailerSize = 32;

// Bounds that keep a corrupt length from turning into a huge allocation.
inline constexpr std::uint32_t kMaxHeaderBody = 1u << 20;
inline constexpr std::uint32_t kMaxChunkRaw = 16u << 20;
inline constexpr std::uint32_t kMaxChunkCompressed = kMaxChunkRaw + (1u << 16);
inline constexpr std::size_t kMaxHeaderString = 256u << 10;

struct ChunkInfo {
    std::uint64_t offset = 0;  // of the chunk header, from the start of the file
    std::uint64_t first_ts = 0;
    std::uint64_t last_ts = 0;
    std::uint32_t record_count = 0;
    std::uint32_t compressed_size = 0;
    // Known from the chunk header: 0 until the chunk is loaded when the
    // chunk list came from the index.
    std::uint32_t raw_size = 0;
    std::uint32_t payload_crc = 0;
};

struct Trailer {
    std::uint64_t index_offset = 0;
    std::uint64_t total_records = 0;
    std::uint32_t chunk_count = 0;
};

// The version check, in one place: returns an error text, or nullopt if this
// build reads the file. `newer` tells a newer writer from a damaged field.
struct VersionVerdict {
    bool ok;
    bool newer;
    std::string detail;
    bool older = false;  // an event ABI this build no longer reads
};
VersionVerdict check_versions(std::uint32_t format_version, std::uint32_t abi_version);
// The TraceError kind of a failed verdict.
inline TraceErrorKind error_kind(const VersionVerdict& v) {
    return v.newer   ? TraceErrorKind::NewerVersion
           : v.older ? TraceErrorKind::OlderVersion
                     : TraceErrorKind::Corrupt;
}

// Reading a file header, in the two steps both readers need (a file reads
// the prefix first to learn the length; a stream waits until enough bytes came).
struct HeaderPrefix {
    std::uint32_t format_version = 0;
    std::uint32_t abi_version = 0;
    std::uint32_t body_len = 0;
    std::uint64_t header_end() const { return kFilePrefixSize + std::uint64_t{body_len} + 4; }
};
struct HeaderFault {
    TraceErrorKind kind;
    std::uint64_t offset;
    std::string detail;
};
// `prefix`: the first kFilePrefixSize bytes, magic already checked. Checks the
// versions and the body length. `what` names the source in messages ("trace").
std::optional<HeaderFault> parse_header_prefix(std::span<const std::byte> prefix, HeaderPrefix& out,
                                               std::string_view what);
// `whole`: the first p.header_end() bytes. Checks the crc, decodes the body.
std::optional<HeaderFault> parse_header_rest(std::span<const std::byte> whole,
                                             const HeaderPrefix& p, TraceHeader& h,
                                             std::string_view what);

// File header: the full encoded form (prefix, body, crc).
std::vector<std::byte> encode_file_header(const TraceHeader& h);
// Parses a body (between prefix and crc); false if malformed.
bool decode_header_body(std::span<const std::byte> body, TraceHeader& h);

std::vector<std::byte> encode_chunk_header(const ChunkInfo& c);
// false if the magic or the header crc does not hold. `c.offset` is untouched.
bool decode_chunk_header(std::span<const std::byte> b, ChunkInfo& c);

std::vector<std::byte> encode_index(const std::vector<ChunkInfo>& chunks);
std::size_t index_size(std::size_t chunk_count);

// Why a live stream ended (the end marker).
enum class EndReason : std::uint32_t {
    Stopped = 1,    // the tracer stopped: the stream is whole
    Dropped = 2,    // this reader fell too far behind and was dropped
    NotServed = 3,  // the chunks this reader still needed were gone
};
struct EndOfStream {
    EndReason reason = EndReason::Stopped;
    std::uint64_t bytes_behind = 0;  // Dropped: how far behind the reader was
    std::string text;                // one line for the user, from the server
};
inline constexpr std::uint32_t kEndMarkerCount = 0xffffffffu;
inline constexpr std::size_t kEndMarkerFixedSize = 4 + 4 + 4 + 8 + 4 + 4;  // text excluded
inline constexpr std::size_t kMaxEndText = 4096;
std::vector<std::byte> encode_end_marker(const EndOfStream& e);
// `b` starts with "EPIX". Returns the marker's size once `b` holds all of it
// (`ok`: its count, length and crc hold), 0 while more bytes are needed.
std::size_t decode_end_marker(std::span<const std::byte> b, EndOfStream& e, bool& ok);
// "dropped: fell 9 MiB behind"; "the tracer stopped".
std::string end_reason_text(const EndOfStream& e);

std::vector<std::byte> encode_trailer(const Trailer& t);
bool decode_trailer(std::span<const std::byte> b, Trailer& t);

}  // namespace epscope::trace
