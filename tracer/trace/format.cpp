#include "trace/format.hpp"

#include <algorithm>
#include <cstring>

#include "stream/abi.hpp"
#include "trace/byte_io.hpp"
#include "trace/crc32.hpp"

namespace epscope::trace {
namespace {

template <std::size_t N>
bool has_magic(std::span<const std::byte> b, const std::array<std::byte, N>& m) {
    return b.size() >= N && std::equal(m.begin(), m.end(), b.begin());
}

}  // namespace

VersionVerdict check_versions(std::uint32_t format_version, std::uint32_t abi_version) {
    if (format_version > kFormatVersion)
        return {false, true,
                "trace format version " + std::to_string(format_version) +
                    " is newer than this epscope reads (" + std::to_string(kFormatVersion) +
                    "); use a newer epscope"};
    if (abi_version > abi::kVersion)
        return {false, true,
                "event ABI version " + std::to_string(abi_version) +
                    " is newer than this epscope reads (" + std::to_string(abi::kVersion) +
                    "); use a newer epscope"};
    if (format_version == 0)
        return {false, false, "trace format version 0 does not exist: the header is damaged"};
    // An older event ABI: its record layouts differ, so this build cannot read
    // them (no converter is kept for pre-release layouts).
    if (abi_version < abi::kOldestReadable)
        return {false, false,
                "event ABI version " + std::to_string(abi_version) +
                    " is older than this epscope reads (" + std::to_string(abi::kVersion) +
                    "); record the trace again, or read it with the epscope that wrote it",
                true};
    return {true, false, {}};
}

std::optional<HeaderFault> parse_header_prefix(std::span<const std::byte> prefix, HeaderPrefix& out,
                                               std::string_view what) {
    ByteReader pr(prefix.subspan(kFileMagic.size(), 12));
    pr.u32(out.format_version);
    pr.u32(out.abi_version);
    pr.u32(out.body_len);
    VersionVerdict v = check_versions(out.format_version, out.abi_version);
    if (!v.ok) return HeaderFault{error_kind(v), 8, v.detail};
    if (out.body_len > kMaxHeaderBody)
        return HeaderFault{TraceErrorKind::Corrupt, 16,
                           std::string(what) + " header length " + std::to_string(out.body_len) +
                               " is implausible"};
    return std::nullopt;
}

std::optional<HeaderFault> parse_header_rest(std::span<const std::byte> whole,
                                             const HeaderPrefix& p, TraceHeader& h,
                                             std::string_view what) {
    const std::size_t end = static_cast<std::size_t>(p.header_end());
    ByteReader cr(whole.subspan(end - 4, 4));
    std::uint32_t crc = 0;
    cr.u32(crc);
    if (crc != crc32(whole.subspan(kFileMagic.size(), end - 4 - kFileMagic.size())))
        return HeaderFault{TraceErrorKind::Corrupt, 0,
                           std::string(what) + " header checksum mismatch"};
    if (!decode_header_body(whole.subspan(kFilePrefixSize, p.body_len), h))
        return HeaderFault{TraceErrorKind::Corrupt, kFilePrefixSize,
                           "malformed " + std::string(what) + " header fields"};
    h.format_version = p.format_version;
    h.abi_version = p.abi_version;
    return std::nullopt;
}

std::vector<std::byte> encode_file_header(const TraceHeader& h) {
    ByteWriter body;
    body.str(h.host);
    body.str(h.kernel_release);
    body.u32(h.clock_id);
    body.i64(h.realtime_offset_ns);
    body.str(h.attach_plan);
    body.u32(static_cast<std::uint32_t>(h.metadata.size()));
    for (const auto& [k, v] : h.metadata) {
        body.str(k);
        body.str(v);
    }
    ByteWriter w;
    w.bytes(kFileMagic);
    w.u32(kFormatVersion);
    w.u32(abi::kVersion);
    w.u32(static_cast<std::uint32_t>(body.size()));
    w.bytes(body.data());
    std::uint32_t crc = crc32(std::span(w.data()).subspan(kFileMagic.size()));
    w.u32(crc);
    return std::move(w.data());
}

bool decode_header_body(std::span<const std::byte> body, TraceHeader& h) {
    ByteReader r(body);
    r.str(h.host, kMaxHeaderString);
    r.str(h.kernel_release, kMaxHeaderString);
    r.u32(h.clock_id);
    r.i64(h.realtime_offset_ns);
    r.str(h.attach_plan, kMaxHeaderBody);
    std::uint32_t n = 0;
    if (!r.u32(n) || n > body.size()) return false;
    h.metadata.clear();
    for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
        std::string k, v;
        r.str(k, kMaxHeaderString);
        r.str(v, kMaxHeaderBody);
        h.metadata.emplace_back(std::move(k), std::move(v));
    }
    return r.ok() && r.remaining() == 0;
}

std::vector<std::byte> encode_chunk_header(const ChunkInfo& c) {
    ByteWriter w;
    w.bytes(kChunkMagic);
    w.u32(c.record_count);
    w.u64(c.first_ts);
    w.u64(c.last_ts);
    w.u32(c.compressed_size);
    w.u32(c.raw_size);
    w.u32(c.payload_crc);
    w.u32(crc32(w.data()));
    return std::move(w.data());
}

bool decode_chunk_header(std::span<const std::byte> b, ChunkInfo& c) {
    if (b.size() < kChunkHeaderSize || !has_magic(b, kChunkMagic)) return false;
    ByteReader r(b.subspan(kChunkMagic.size(), kChunkHeaderSize - kChunkMagic.size()));
    std::uint32_t crc = 0;
    r.u32(c.record_count);
    r.u64(c.first_ts);
    r.u64(c.last_ts);
    r.u32(c.compressed_size);
    r.u32(c.raw_size);
    r.u32(c.payload_crc);
    r.u32(crc);
    return r.ok() && crc == crc32(b.first(kChunkHeaderSize - 4));
}

std::size_t index_size(std::size_t chunk_count) {
    return kIndexMagic.size() + 4 + chunk_count * kIndexEntrySize + 4;
}

std::vector<std::byte> encode_index(const std::vector<ChunkInfo>& chunks) {
    ByteWriter w;
    w.bytes(kIndexMagic);
    w.u32(static_cast<std::uint32_t>(chunks.size()));
    for (const auto& c : chunks) {
        w.u64(c.offset);
        w.u64(c.first_ts);
        w.u64(c.last_ts);
        w.u32(c.record_count);
        w.u32(c.compressed_size);
    }
    w.u32(crc32(w.data()));
    return std::move(w.data());
}

std::vector<std::byte> encode_end_marker(const EndOfStream& e) {
    ByteWriter w;
    w.bytes(kIndexMagic);
    w.u32(kEndMarkerCount);
    w.u32(static_cast<std::uint32_t>(e.reason));
    w.u64(e.bytes_behind);
    w.str(std::string_view(e.text).substr(0, kMaxEndText));
    w.u32(crc32(w.data()));
    return std::move(w.data());
}

std::size_t decode_end_marker(std::span<const std::byte> b, EndOfStream& e, bool& ok) {
    ok = false;
    if (b.size() < kEndMarkerFixedSize) return 0;
    ByteReader r(b.subspan(kIndexMagic.size()));
    std::uint32_t count = 0, reason = 0, len = 0;
    r.u32(count);
    r.u32(reason);
    r.u64(e.bytes_behind);
    r.u32(len);
    if (count != kEndMarkerCount || len > kMaxEndText) return kEndMarkerFixedSize;
    const std::size_t size = kEndMarkerFixedSize + len;
    if (b.size() < size) return 0;
    const std::size_t text_at = kEndMarkerFixedSize - 4;
    e.text.assign(reinterpret_cast<const char*>(b.data() + text_at), len);
    ByteReader c(b.subspan(size - 4, 4));
    std::uint32_t crc = 0;
    c.u32(crc);
    e.reason = static_cast<EndReason>(reason);
    ok = crc == crc32(b.first(size - 4));
    return size;
}

std::string end_reason_text(const EndOfStream& e) {
    switch (e.reason) {
        case EndReason::Stopped:
            return "the tracer stopped";
        case EndReason::Dropped:
            // MiB as the user thinks of a backlog; KiB for the small queues of tests.
            return "dropped: fell " +
                   (e.bytes_behind >= (1u << 20)
                        ? std::to_string((e.bytes_behind + (1u << 19)) >> 20) + " MiB"
                        : std::to_string((e.bytes_behind + 512) >> 10) + " KiB") +
                   " behind";
        case EndReason::NotServed:
            return "dropped: " + e.text;
    }
    return "ended: " + e.text;  // a reason of a newer epscope: its own words
}

std::vector<std::byte> encode_trailer(const Trailer& t) {
    ByteWriter w;
    w.bytes(kTrailerMagic);
    w.u64(t.index_offset);
    w.u64(t.total_records);
    w.u32(t.chunk_count);
    w.u32(crc32(w.data()));
    return std::move(w.data());
}

bool decode_trailer(std::span<const std::byte> b, Trailer& t) {
    if (b.size() != kTrailerSize || !has_magic(b, kTrailerMagic)) return false;
    ByteReader r(b.subspan(kTrailerMagic.size()));
    std::uint32_t crc = 0;
    r.u64(t.index_offset);
    r.u64(t.total_records);
    r.u32(t.chunk_count);
    r.u32(crc);
    return r.ok() && crc == crc32(b.first(kTrailerSize - 4));
}

}  // namespace epscope::trace
