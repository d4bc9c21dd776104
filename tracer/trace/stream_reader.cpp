#include "trace/stream_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stream/decoder.hpp"
#include "trace/byte_io.hpp"
#include "trace/crc32.hpp"
#include "trace/safe_path.hpp"

namespace epscope::trace {
namespace {

template <std::size_t N>
bool starts_with(std::span<const std::byte> b, const std::array<std::byte, N>& m) {
    return b.size() >= N && std::equal(m.begin(), m.end(), b.begin());
}

}  // namespace

void StreamParser::fail(TraceErrorKind kind, std::uint64_t offset, const std::string& d) {
    TraceError e(kind, name_, static_cast<std::int64_t>(offset), d);
    failed_ = e.what();
    throw e;
}

void StreamParser::feed(std::span<const std::byte> bytes) {
    if (failed_) throw TraceError(TraceErrorKind::Corrupt, name_, -1, "stream already failed");
    if (ended_) return;
    received_ += bytes.size();
    // Drop what was parsed before growing, so the buffer holds at most one
    // block in progress plus what just arrived.
    if (pos_ > 0 && pos_ >= buf_.size() / 2) {
        buf_.erase(buf_.begin(), buf_.begin() + static_cast<std::ptrdiff_t>(pos_));
        buf_base_ += pos_;
        pos_ = 0;
    }
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
    parse();
}

void StreamParser::parse() {
    if (!header_ && !parse_header()) return;
    while (!ended_ && parse_chunk()) {
    }
}

bool StreamParser::parse_header() {
    std::span<const std::byte> b(buf_.data() + pos_, buf_.size() - pos_);
    const std::size_t magic_have = std::min(b.size(), kFileMagic.size());
    if (!std::equal(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(magic_have),
                    kFileMagic.begin()))
        fail(TraceErrorKind::NotATrace, 0,
             "not an epscope stream (no EPSCOPE magic); connect to a socket made by "
             "`epscope live --serve PATH`");
    if (b.size() < kFilePrefixSize) return false;
    HeaderPrefix p;
    if (auto f = parse_header_prefix(b, p, "stream")) fail(f->kind, f->offset, f->detail);
    const std::size_t header_end = static_cast<std::size_t>(p.header_end());
    if (b.size() < header_end) return false;
    TraceHeader h;
    if (auto f = parse_header_rest(b, p, h, "stream")) fail(f->kind, f->offset, f->detail);
    header_ = std::move(h);
    pos_ += header_end;
    return true;
}

bool StreamParser::parse_chunk() {
    // One chunk at a time: the records of the previous one are taken first.
    if (raw_pos_ < raw_.size()) return false;
    std::span<const std::byte> b(buf_.data() + pos_, buf_.size() - pos_);
    const std::uint64_t at = buf_base_ + pos_;
    if (b.size() < 4) return false;
    if (starts_with(b, kIndexMagic)) return parse_end(b, at);
    if (!starts_with(b, kChunkMagic))
        fail(TraceErrorKind::Corrupt, at, "no chunk starts here (stream out of step)");
    if (b.size() < kChunkHeaderSize) return false;
    ChunkInfo c;
    if (!decode_chunk_header(b, c))
        fail(TraceErrorKind::Corrupt, at, "chunk header checksum mismatch");
    if (c.raw_size > kMaxChunkRaw || c.compressed_size > kMaxChunkCompressed ||
        c.first_ts > c.last_ts || c.record_count == 0)
        fail(TraceErrorKind::Corrupt, at, "chunk header holds implausible values");
    if (b.size() < kChunkHeaderSize + std::size_t{c.compressed_size}) return false;
    auto payload = b.subspan(kChunkHeaderSize, c.compressed_size);
    if (crc32(payload) != c.payload_crc)
        fail(TraceErrorKind::Corrupt, at, "chunk payload checksum mismatch");
    raw_.resize(c.raw_size);
    const std::size_t got =
        ZSTD_decompress(raw_.data(), raw_.size(), payload.data(), payload.size());
    if (ZSTD_isError(got) || got != c.raw_size)
        fail(TraceErrorKind::Corrupt, at,
             std::string("chunk payload does not decompress to its size: ") +
                 (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size mismatch"));
    // Check every record before handing out any, as the file reader does.
    std::size_t p = 0;
    std::uint32_t count = 0;
    stream::Record rec;
    while (p < raw_.size()) {
        auto st = stream::decode(std::span<const std::byte>(raw_).subspan(p), rec);
        if (st != stream::DecodeStatus::Ok)
            fail(TraceErrorKind::Corrupt, at,
                 "record " + std::to_string(count) + ": " +
                     std::string(stream::decode_status_message(st)));
        if (rec.header().ts < c.first_ts || rec.header().ts > c.last_ts)
            fail(TraceErrorKind::Corrupt, at, "record outside the chunk's time range");
        p += rec.size();
        ++count;
    }
    if (count != c.record_count)
        fail(TraceErrorKind::Corrupt, at,
             "chunk holds " + std::to_string(count) + " records, its header says " +
                 std::to_string(c.record_count));
    raw_pos_ = 0;
    pos_ += kChunkHeaderSize + c.compressed_size;
    ++chunks_;
    return true;
}

// An index (a whole trace file was sent) or the end marker of a live stream.
bool StreamParser::parse_end(std::span<const std::byte> b, std::uint64_t at) {
    if (b.size() < 8) return false;
    ByteReader r(b.subspan(kIndexMagic.size(), 4));
    std::uint32_t count = 0;
    r.u32(count);
    if (count != kEndMarkerCount) {
        ended_ = true;
        return false;
    }
    EndOfStream e;
    bool ok = false;
    const std::size_t n = decode_end_marker(b, e, ok);
    if (n == 0) return false;
    if (!ok) fail(TraceErrorKind::Corrupt, at, "end-of-stream marker is damaged");
    pos_ += n;
    end_ = std::move(e);
    ended_ = true;
    return false;
}

bool StreamParser::next(stream::Record& out) {
    if (raw_pos_ >= raw_.size()) {
        if (failed_ || !header_) return false;
        parse();
        if (raw_pos_ >= raw_.size()) return false;
    }
    // Validated by parse_chunk().
    stream::decode(std::span<const std::byte>(raw_).subspan(raw_pos_), out);
    raw_pos_ += out.size();
    ++records_;
    if (raw_pos_ >= raw_.size()) {
        raw_.clear();
        raw_pos_ = 0;
    }
    return true;
}

StreamClient::StreamClient(const std::string& path) : parser_(path), scratch_(64u << 10) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path)
        throw TraceError(
            TraceErrorKind::Io, path, -1,
            "socket path is longer than " + std::to_string(sizeof addr.sun_path - 1) + " bytes");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0)
        throw TraceError(TraceErrorKind::Io, path, -1,
                         std::string("socket: ") + std::strerror(errno));
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
        const int e = errno;
        ::close(fd_);
        fd_ = -1;
        std::string why = std::strerror(e);
        if (e == ENOENT)
            why = "no such socket (is `epscope live --serve` running?)";
        else if (e == ECONNREFUSED)
            why = "nothing is listening (the tracer stopped?)";
        else if (e == EACCES)
            why = "permission denied (the socket belongs to the user who started the tracer)";
        throw TraceError(TraceErrorKind::Io, path, -1, "cannot connect: " + why);
    }
    try {
        check_stream_peer(fd_, path);  // GUI and dump, first connect and every reconnect
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
    const int fl = ::fcntl(fd_, F_GETFL);
    ::fcntl(fd_, F_SETFL, fl | O_NONBLOCK);
}

StreamClient::~StreamClient() {
    if (fd_ >= 0) ::close(fd_);
}

StreamClient::Read StreamClient::pump(std::size_t max_bytes) {
    std::size_t total = 0;
    while (total < max_bytes) {
        const ssize_t n = ::read(fd_, scratch_.data(), scratch_.size());
        if (n > 0) {
            parser_.feed(std::span<const std::byte>(scratch_.data(), static_cast<std::size_t>(n)));
            total += static_cast<std::size_t>(n);
            continue;
        }
        if (n == 0) return Read::Eof;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == ECONNRESET) return Read::Eof;
        throw TraceError(TraceErrorKind::Io, parser_.name(),
                         static_cast<std::int64_t>(parser_.bytes_received()),
                         std::string("read failed: ") + std::strerror(errno));
    }
    return total > 0 ? Read::Data : Read::Idle;
}

StreamClient::Read StreamClient::wait_and_pump(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int r;
    do {
        r = ::poll(&p, 1, timeout_ms);
    } while (r < 0 && errno == EINTR);
    if (r <= 0) return Read::Idle;
    return pump();
}

}  // namespace epscope::trace
