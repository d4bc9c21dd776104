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

// File header: the full encoded form (prefix, body, crc).
std::vector<std::byte> encode_file_header(const TraceHeader& h);
// Parses a body (between prefix and crc); false if malformed.
bool decode_header_body(std::span<const std::byte> body, TraceHeader& h);

std::vector<std::byte> encode_chunk_header(const ChunkInfo& c);
// false if the magic or the header crc does not hold. `c.offset` is untouched.
bool decode_chunk_header(std::span<const std::byte> b, ChunkInfo& c);

std::vector<std::byte> encode_index(const std::vector<ChunkInfo>& chunks);
std::size_t index_size(std::size_t chunk_count);

std::vector<std::byte> encode_trailer(const Trailer& t);
bool decode_trailer(std::span<const std::byte> b, Trailer& t);

}  // namespace epscope::trace
