#include "trace/writer.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "trace/crc32.hpp"
#include "trace/trace_error.hpp"

namespace epscope::trace {
namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

TraceWriter::TraceWriter(std::filesystem::path path, const TraceHeader& header, WriterOptions opts)
    : path_(std::move(path)), opts_(opts) {
    // Bound a chunk so its raw size stays under what the reader accepts.
    std::size_t max_records = kMaxChunkRaw / abi::kMaxRecordSize;
    opts_.chunk_records = std::clamp<std::size_t>(opts_.chunk_records, 1, max_records);
    std::string partial = partial_path().string();
    fd_ = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) throw TraceError(TraceErrorKind::Io, partial, -1, errno_text("cannot create"));
    cctx_ = ZSTD_createCCtx();
    if (cctx_ == nullptr) {
        ::close(fd_);
        throw TraceError(TraceErrorKind::Io, partial, -1, "cannot allocate a zstd context");
    }
    pending_.reserve(opts_.chunk_records * 64);
    try {
        write_all(encode_file_header(header));
    } catch (...) {
        ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_));
        ::close(fd_);
        throw;
    }
}

TraceWriter::~TraceWriter() {
    if (!closed_ && fd_ >= 0) {
        try {
            write_chunk();
        } catch (...) {
            // Destructors must not throw; what was written so far stays readable.
        }
        ::close(fd_);
    }
    ZSTD_freeCCtx(static_cast<ZSTD_CCtx*>(cctx_));
}

std::filesystem::path TraceWriter::partial_path() const {
    std::filesystem::path p = path_;
    p += ".partial";
    return p;
}

void TraceWriter::write_all(std::span<const std::byte> b) {
    while (!b.empty()) {
        ssize_t n = ::write(fd_, b.data(), b.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw TraceError(TraceErrorKind::Io, partial_path().string(),
                             static_cast<std::int64_t>(offset_), errno_text("write failed"));
        }
        b = b.subspan(static_cast<std::size_t>(n));
        offset_ += static_cast<std::uint64_t>(n);
    }
}

void TraceWriter::on_record(const stream::Record& rec) {
    if (closed_) return;
    // A malformed record would make the whole chunk unreadable: refuse it here,
    // where the bug is, rather than at read time.
    if (!abi::kind_valid(rec.header().kind) || rec.size() != abi::kind_size(rec.header().kind))
        throw std::invalid_argument("TraceWriter: record of kind " +
                                    std::to_string(rec.header().kind) + " with size " +
                                    std::to_string(rec.size()) + " is not a valid record");
    auto bytes = rec.bytes();
    std::uint64_t ts = rec.header().ts;
    if (pending_count_ == 0) {
        pending_min_ts_ = pending_max_ts_ = ts;
        pending_since_ = std::chrono::steady_clock::now();
    } else {
        pending_min_ts_ = std::min(pending_min_ts_, ts);
        pending_max_ts_ = std::max(pending_max_ts_, ts);
    }
    pending_.insert(pending_.end(), bytes.begin(), bytes.end());
    ++pending_count_;
    if (pending_count_ >= opts_.chunk_records) {
        write_chunk();
    } else {
        flush_if_due();
    }
}

void TraceWriter::flush() {
    if (!closed_) write_chunk();
}

void TraceWriter::flush_if_due() {
    if (closed_ || pending_count_ == 0) return;
    if (std::chrono::steady_clock::now() - pending_since_ >= opts_.flush_interval) write_chunk();
}

void TraceWriter::write_chunk() {
    if (pending_count_ == 0) return;
    compressed_.resize(ZSTD_compressBound(pending_.size()));
    std::size_t n =
        ZSTD_compressCCtx(static_cast<ZSTD_CCtx*>(cctx_), compressed_.data(), compressed_.size(),
                          pending_.data(), pending_.size(), opts_.zstd_level);
    if (ZSTD_isError(n))
        throw TraceError(TraceErrorKind::Io, partial_path().string(),
                         static_cast<std::int64_t>(offset_),
                         std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    compressed_.resize(n);

    ChunkInfo c;
    c.offset = offset_;
    c.first_ts = pending_min_ts_;
    c.last_ts = pending_max_ts_;
    c.record_count = pending_count_;
    c.compressed_size = static_cast<std::uint32_t>(n);
    c.raw_size = static_cast<std::uint32_t>(pending_.size());
    c.payload_crc = crc32(compressed_);
    // Header and payload in one buffer: one write, so a crash leaves either
    // nothing of the chunk or a prefix the reader recognises as cut off.
    std::vector<std::byte> out = encode_chunk_header(c);
    out.insert(out.end(), compressed_.begin(), compressed_.end());
    write_all(out);

    chunks_.push_back(c);
    total_records_ += pending_count_;
    pending_.clear();
    pending_count_ = 0;
}

void TraceWriter::close() {
    if (closed_) return;
    std::string partial = partial_path().string();
    write_chunk();
    Trailer t;
    t.index_offset = offset_;
    t.total_records = total_records_;
    t.chunk_count = static_cast<std::uint32_t>(chunks_.size());
    write_all(encode_index(chunks_));
    write_all(encode_trailer(t));
    closed_ = true;
    if (::fsync(fd_) != 0) {
        int e = errno;
        ::close(fd_);
        fd_ = -1;
        errno = e;
        throw TraceError(TraceErrorKind::Io, partial, -1, errno_text("fsync failed"));
    }
    if (::close(fd_) != 0) {
        fd_ = -1;
        throw TraceError(TraceErrorKind::Io, partial, -1, errno_text("close failed"));
    }
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(partial_path(), path_, ec);
    if (ec)
        throw TraceError(TraceErrorKind::Io, partial, -1,
                         "cannot rename to " + path_.string() + ": " + ec.message());
}

}  // namespace epscope::trace
