#include "trace/reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "stream/decoder.hpp"
#include "trace/byte_io.hpp"
#include "trace/crc32.hpp"
#include "trace/safe_path.hpp"

namespace epscope::trace {
namespace {

class FileSource : public ByteSource {
public:
    explicit FileSource(const std::filesystem::path& path) : name_(path.string()) {
        fd_ = open_trace_for_reading(path);  // never blocks on a FIFO
        struct stat st;
        ::fstat(fd_, &st);
        size_ = static_cast<std::uint64_t>(st.st_size);
    }
    ~FileSource() override { ::close(fd_); }

    std::uint64_t size() const override { return size_; }
    const std::string& name() const override { return name_; }
    void read_at(std::uint64_t offset, std::span<std::byte> out) const override {
        while (!out.empty()) {
            ssize_t n = ::pread(fd_, out.data(), out.size(), static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0)
                throw TraceError(TraceErrorKind::Io, name_, static_cast<std::int64_t>(offset),
                                 n == 0 ? "file shrank while being read"
                                        : std::string("read failed: ") + std::strerror(errno));
            out = out.subspan(static_cast<std::size_t>(n));
            offset += static_cast<std::uint64_t>(n);
        }
    }

private:
    std::string name_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
};

class MemorySource : public ByteSource {
public:
    MemorySource(std::vector<std::byte> bytes, std::string name)
        : bytes_(std::move(bytes)), name_(std::move(name)) {}
    std::uint64_t size() const override { return bytes_.size(); }
    const std::string& name() const override { return name_; }
    void read_at(std::uint64_t offset, std::span<std::byte> out) const override {
        if (out.empty()) return;  // memcpy must not see the null data() of an empty vector
        std::memcpy(out.data(), bytes_.data() + offset, out.size());
    }

private:
    std::vector<std::byte> bytes_;
    std::string name_;
};

// decode() for a record check_records() already passed, into a Record only
// ever written here: the checks are not repeated, and of the tail past the
// record only what the previous record left non-zero is cleared (a record's
// tail is zero, so that equal records compare equal byte for byte).
void copy_checked_record(std::span<const std::byte> raw, stream::Record& out) {
    const std::uint16_t previous = out.size();
    std::uint16_t size = 0;
    std::memcpy(&size, raw.data() + offsetof(ep_header, size), sizeof size);
    auto storage = out.storage();
    std::memcpy(storage.data(), raw.data(), size);
    if (previous > size) std::memset(storage.data() + size, 0, previous - size);
}

template <std::size_t N>
bool starts_with(std::span<const std::byte> b, const std::array<std::byte, N>& m) {
    return b.size() >= N && std::equal(m.begin(), m.end(), b.begin());
}

}  // namespace

TraceReader::TraceReader(const std::filesystem::path& path)
    : TraceReader(std::make_unique<FileSource>(path)) {}

TraceReader::TraceReader(std::unique_ptr<ByteSource> source) : src_(std::move(source)) { open(); }

TraceReader TraceReader::from_memory(std::vector<std::byte> bytes, std::string name) {
    return TraceReader(std::make_unique<MemorySource>(std::move(bytes), std::move(name)));
}

void TraceReader::DctxFree::operator()(ZSTD_DCtx_s* d) const { ZSTD_freeDCtx(d); }

TraceReader::TraceReader(TraceReader&&) noexcept = default;
TraceReader& TraceReader::operator=(TraceReader&&) noexcept = default;
TraceReader::~TraceReader() = default;

const std::string& TraceReader::name() const { return src_->name(); }

std::uint64_t TraceReader::record_count() const {
    std::uint64_t n = 0;
    for (const auto& c : chunks_) n += c.record_count;
    return n;
}

void TraceReader::fail(TraceErrorKind kind, std::uint64_t offset, const std::string& d) const {
    throw TraceError(kind, src_->name(), static_cast<std::int64_t>(offset), d);
}

void TraceReader::open() {
    const std::uint64_t size = src_->size();
    std::byte prefix[kFilePrefixSize];
    std::size_t have = static_cast<std::size_t>(std::min<std::uint64_t>(size, sizeof prefix));
    src_->read_at(0, std::span(prefix, have));
    std::size_t magic_have = std::min(have, kFileMagic.size());
    if (!std::equal(prefix, prefix + magic_have, kFileMagic.begin()) || size == 0)
        fail(TraceErrorKind::NotATrace, 0,
             "not an epscope trace (no EPSCOPE magic); record one with `epscope record`");
    if (have < kFilePrefixSize)
        fail(TraceErrorKind::Truncated, size, "file ends inside the trace header");

    HeaderPrefix p;
    if (auto f = parse_header_prefix(std::span<const std::byte>(prefix), p, "trace"))
        fail(f->kind, f->offset, f->detail);
    const std::uint64_t header_end = p.header_end();
    if (size < header_end)
        fail(TraceErrorKind::Truncated, size, "file ends inside the trace header");

    std::vector<std::byte> hdr(header_end);
    src_->read_at(0, hdr);
    if (auto f = parse_header_rest(hdr, p, header_, "trace")) fail(f->kind, f->offset, f->detail);
    data_start_ = header_end;

    if (!try_index()) scan_chunks();
}

// Fast path for a closed file: trailer -> index. False if there is no valid
// trailer (the caller then walks the chunks and judges the damage).
bool TraceReader::try_index() {
    const std::uint64_t size = src_->size();
    if (size < data_start_ + index_size(0) + kTrailerSize) return false;
    std::byte tb[kTrailerSize];
    src_->read_at(size - kTrailerSize, tb);
    Trailer t;
    if (!decode_trailer(tb, t)) return false;
    if (t.index_offset < data_start_ || t.index_offset > size - kTrailerSize) return false;
    std::uint64_t isize = size - kTrailerSize - t.index_offset;
    if (isize != index_size(t.chunk_count)) return false;
    std::vector<std::byte> ib(isize);
    src_->read_at(t.index_offset, ib);
    std::span<const std::byte> is(ib);
    ByteReader r(is.subspan(kIndexMagic.size()));
    std::uint32_t count = 0, crc = 0;
    r.u32(count);
    if (!starts_with(is, kIndexMagic) || count != t.chunk_count) return false;
    std::vector<ChunkInfo> chunks(count);
    std::uint64_t total = 0;
    std::uint64_t min_next = data_start_;
    for (auto& c : chunks) {
        r.u64(c.offset);
        r.u64(c.first_ts);
        r.u64(c.last_ts);
        r.u32(c.record_count);
        r.u32(c.compressed_size);
        std::uint64_t end = c.offset + kChunkHeaderSize + c.compressed_size;
        if (!r.ok() || c.offset < min_next || c.offset > t.index_offset || end > t.index_offset)
            return false;
        min_next = end;
        total += c.record_count;
    }
    r.u32(crc);
    if (!r.ok() || crc != crc32(is.first(isize - 4)) || total != t.total_records) return false;
    chunks_ = std::move(chunks);
    return true;
}

void TraceReader::scan_chunks() {
    const std::uint64_t size = src_->size();
    std::uint64_t pos = data_start_;
    chunks_.clear();
    truncated_ = true;  // until a valid index and trailer say otherwise
    while (pos < size) {
        std::uint64_t left = size - pos;
        std::byte head[kChunkHeaderSize];
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, sizeof head));
        src_->read_at(pos, std::span(head, n));
        std::span<const std::byte> hs(head, n);
        if (n < 4) break;  // cut inside a block's magic
        if (starts_with(hs, kChunkMagic)) {
            if (n < kChunkHeaderSize) break;
            ChunkInfo c;
            if (!decode_chunk_header(hs, c))
                fail(TraceErrorKind::Corrupt, pos, "chunk header checksum mismatch");
            if (c.raw_size > kMaxChunkRaw || c.compressed_size > kMaxChunkCompressed ||
                c.first_ts > c.last_ts || c.record_count == 0)
                fail(TraceErrorKind::Corrupt, pos, "chunk header holds implausible values");
            if (left < kChunkHeaderSize + std::uint64_t{c.compressed_size}) break;
            c.offset = pos;
            chunks_.push_back(c);
            pos += kChunkHeaderSize + c.compressed_size;
            continue;
        }
        // What is left is exactly an index and a trailer for the chunks
        // found, yet try_index() refused them: something in them is damaged.
        // The chunks carry their own checksums, so the scan found them all.
        if (left == index_size(chunks_.size()) + kTrailerSize) {
            index_damaged_ = true;
            break;
        }
        if (starts_with(hs, kIndexMagic)) {
            if (n < 8) break;
            ByteReader r(hs.subspan(4, 4));
            std::uint32_t count = 0;
            r.u32(count);
            if (count == kEndMarkerCount) {  // a saved live stream (--stream-to) ends here
                if (read_end_marker(pos, left)) return;
                break;
            }
            std::uint64_t need = index_size(count);
            if (count != chunks_.size())
                fail(TraceErrorKind::Corrupt, pos,
                     "index lists " + std::to_string(count) + " chunks, the file holds " +
                         std::to_string(chunks_.size()));
            if (left < need + kTrailerSize) break;  // cut inside index or trailer
            fail(TraceErrorKind::Corrupt, pos, "index or trailer is damaged");
        }
        fail(TraceErrorKind::Corrupt, pos, "no chunk or index starts here");
    }
    unreadable_tail_ = size - pos;
}

// A live stream saved to a file (--stream-to) has no index: its chunks end
// with the stream's end marker. One that says the tracer stopped, at the very
// end of the file, makes the stream whole; any other leaves it cut off.
bool TraceReader::read_end_marker(std::uint64_t pos, std::uint64_t left) {
    std::vector<std::byte> b(
        static_cast<std::size_t>(std::min<std::uint64_t>(left, kEndMarkerFixedSize + kMaxEndText)));
    src_->read_at(pos, b);
    EndOfStream end;
    bool ok = false;
    const std::size_t size = decode_end_marker(b, end, ok);
    if (size == 0 || !ok || size != left) return false;
    truncated_ = end.reason != EndReason::Stopped;
    unreadable_tail_ = 0;
    return true;
}

std::string TraceReader::incomplete_note() const {
    if (index_damaged_)
        return name() + ": the index or trailer at the end of the file is damaged: found its " +
               std::to_string(chunks_.size()) + " chunks by scanning them";
    if (truncated_)
        return name() + " was not closed by its writer: read its readable prefix (" +
               std::to_string(unreadable_tail_) + " bytes at the end unreadable)";
    return {};
}

// Reads, checks and decompresses chunks()[i] into `out`, and walks its
// records once so that a bad chunk fails before any of its records are
// delivered. Touches no iteration state: read_all() runs it on a second
// thread for the next chunk while the records of this one are delivered.
void TraceReader::decode_chunk(std::size_t i, ZstdBuffers& z, DecodedChunk& out) const {
    const ChunkInfo& c = chunks_[i];
    std::byte head[kChunkHeaderSize];
    if (c.offset + kChunkHeaderSize > src_->size())
        fail(TraceErrorKind::Corrupt, c.offset, "chunk lies beyond the end of the file");
    src_->read_at(c.offset, head);
    ChunkInfo& h = out.header;
    if (!decode_chunk_header(head, h))
        fail(TraceErrorKind::Corrupt, c.offset, "chunk header checksum mismatch");
    if (h.raw_size > kMaxChunkRaw || h.compressed_size > kMaxChunkCompressed ||
        h.record_count != c.record_count || h.first_ts != c.first_ts || h.last_ts != c.last_ts ||
        h.compressed_size != c.compressed_size)
        fail(TraceErrorKind::Corrupt, c.offset, "chunk header disagrees with the index");
    if (c.offset + kChunkHeaderSize + h.compressed_size > src_->size())
        fail(TraceErrorKind::Corrupt, c.offset, "chunk payload lies beyond the end of the file");
    z.payload.resize(h.compressed_size);
    src_->read_at(c.offset + kChunkHeaderSize, z.payload);
    if (crc32(z.payload) != h.payload_crc)
        fail(TraceErrorKind::Corrupt, c.offset, "chunk payload checksum mismatch");
    if (!z.dctx) {
        z.dctx.reset(ZSTD_createDCtx());
        if (!z.dctx) fail(TraceErrorKind::Io, c.offset, "out of memory for a zstd context");
    }
    out.raw.resize(h.raw_size);
    std::size_t got = ZSTD_decompressDCtx(z.dctx.get(), out.raw.data(), out.raw.size(),
                                          z.payload.data(), z.payload.size());
    if (ZSTD_isError(got) || got != h.raw_size)
        fail(TraceErrorKind::Corrupt, c.offset,
             std::string("chunk payload does not decompress to its size: ") +
                 (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size mismatch"));
    out.count = check_records(c.offset, h, out.raw);
}

// The records of a decompressed chunk, checked without copying them (the
// copy into a Record happens once, when delivered); returns their number.
std::uint32_t TraceReader::check_records(std::uint64_t offset, const ChunkInfo& h,
                                         std::span<const std::byte> raw) const {
    std::size_t p = 0;
    std::uint32_t count = 0;
    ep_header rh;
    while (p < raw.size()) {
        auto st = stream::check(raw.subspan(p), rh);
        if (st != stream::DecodeStatus::Ok)
            fail(TraceErrorKind::Corrupt, offset,
                 "record " + std::to_string(count) + ": " +
                     std::string(stream::decode_status_message(st)));
        if (rh.ts < h.first_ts || rh.ts > h.last_ts)
            fail(TraceErrorKind::Corrupt, offset, "record outside the chunk's time range");
        p += rh.size;
        ++count;
    }
    if (count != h.record_count)
        fail(TraceErrorKind::Corrupt, offset,
             "chunk holds " + std::to_string(count) + " records, its header says " +
                 std::to_string(h.record_count));
    return count;
}

// Makes a decoded chunk the current one (its buffer swapped in: `d` gets the
// old one back, to be reused).
void TraceReader::adopt_chunk(std::size_t i, DecodedChunk& d) {
    chunks_[i].raw_size = d.header.raw_size;
    chunks_[i].payload_crc = d.header.payload_crc;
    raw_.swap(d.raw);
    cur_chunk_ = i;
    raw_pos_ = 0;
    raw_left_ = d.count;
}

void TraceReader::load_chunk(std::size_t i) {
    DecodedChunk d;
    d.raw.swap(raw_);  // reuse the buffer
    decode_chunk(i, zstd_, d);
    adopt_chunk(i, d);
}

bool TraceReader::next(stream::Record& out) {
    while (raw_left_ == 0) {
        if (next_chunk_ >= chunks_.size()) return false;
        std::size_t i = next_chunk_++;
        // Advance first: a corrupt chunk is reported once, then skipped on retry.
        load_chunk(i);
    }
    // Validated by load_chunk().
    stream::decode(std::span<const std::byte>(raw_).subspan(raw_pos_), out);
    raw_pos_ += out.size();
    --raw_left_;
    return true;
}

std::uint64_t TraceReader::deliver_current(stream::RecordSink& sink) {
    stream::Record rec;
    const std::uint64_t n = raw_left_;
    while (raw_left_ != 0) {
        copy_checked_record(std::span<const std::byte>(raw_).subspan(raw_pos_), rec);
        raw_pos_ += rec.size();
        --raw_left_;
        sink.on_record(rec);
    }
    return n;
}

// Decodes chunks [first, end) on one thread of its own, at most kDepth
// chunks ahead of the caller, which takes them in order. One thread for the
// whole read: a thread per chunk cost a clone, a fresh stack and its page
// faults every 4096 records. Several chunks of slack: the deliverer and the
// decoder take turns at different speeds (a chunk of inserts models slower
// than one of callbacks), and one chunk ahead made each wait for the other.
// The caller shares the decoding: rather than wait for a chunk the thread is
// still on, it decodes a later one itself, so a replay costs about half the
// sum of both threads' work, not the larger of them (the decoder was the
// slower: zstd writing over lines the other CPU had just read paid a
// cross-CPU invalidation each; a chunk the caller decodes is in its cache).
class TraceReader::AheadDecoder {
public:
    AheadDecoder(const TraceReader& r, std::size_t first, ZstdBuffers& thread_z,
                 ZstdBuffers& caller_z)
        : reader_(r),
          zstd_(thread_z),
          caller_zstd_(caller_z),
          claim_(first),
          end_(r.chunks_.size()),
          thread_([this] { run(); }) {}
    ~AheadDecoder() {
        {
            std::lock_guard lock(mu_);
            stop_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }
    AheadDecoder(const AheadDecoder&) = delete;
    AheadDecoder& operator=(const AheadDecoder&) = delete;

    // Gives back `d`'s buffers (the chunk delivered last) and fills `d` with
    // chunk i, the next in order; throws that chunk's TraceError.
    void take(std::size_t i, DecodedChunk& d) {
        std::unique_lock lock(mu_);
        if (d.raw.capacity() != 0) free_.push_back(std::move(d));
        changed_.notify_all();
        for (;;) {
            if (auto it = find_ready(i); it != ready_.end()) {
                Slot s = std::move(*it);
                ready_.erase(it);
                changed_.notify_all();
                if (s.error) std::rethrow_exception(s.error);
                d = std::move(s.chunk);
                return;
            }
            if (claim_ < end_ && (claim_ == i || ready_.size() < kDepth)) {
                // Chunk i itself if no one has it yet, else a later one
                // while the thread finishes chunk i.
                ready_.push_back(decode_claimed(lock, caller_zstd_));
                continue;
            }
            changed_.wait(lock);
        }
    }

private:
    static constexpr std::size_t kDepth = 4;
    struct Slot {
        std::size_t index = 0;
        DecodedChunk chunk;
        std::exception_ptr error;
    };

    std::vector<Slot>::iterator find_ready(std::size_t i) {
        return std::find_if(ready_.begin(), ready_.end(),
                            [i](const Slot& s) { return s.index == i; });
    }

    // Claims the next chunk and decodes it with `lock` released; its error
    // stays in the slot, thrown when the caller reaches that chunk.
    Slot decode_claimed(std::unique_lock<std::mutex>& lock, ZstdBuffers& z) {
        Slot s;
        s.index = claim_++;
        if (!free_.empty()) {
            s.chunk = std::move(free_.back());
            free_.pop_back();
        }
        lock.unlock();
        try {
            reader_.decode_chunk(s.index, z, s.chunk);
        } catch (...) {
            s.error = std::current_exception();
        }
        lock.lock();
        return s;
    }

    void run() {
        std::unique_lock lock(mu_);
        while (!stop_ && claim_ < end_) {
            if (ready_.size() >= kDepth) {
                changed_.wait(lock);
                continue;
            }
            Slot s = decode_claimed(lock, zstd_);
            const bool failed = s.error != nullptr;
            ready_.push_back(std::move(s));
            changed_.notify_all();
            if (failed) return;  // the caller stops at the bad chunk
        }
    }

    const TraceReader& reader_;
    ZstdBuffers& zstd_;
    ZstdBuffers& caller_zstd_;
    std::size_t claim_;  // the next chunk no one has claimed
    const std::size_t end_;
    std::mutex mu_;
    std::condition_variable changed_;
    std::vector<Slot> ready_;  // decoded, not yet taken: at most kDepth (+1 the caller's)
    std::vector<DecodedChunk> free_;
    bool stop_ = false;
    std::thread thread_;  // last: starts once the members above exist
};

// The whole rest of the trace: the chunks after the current one are read,
// checked and decompressed on a second thread (AheadDecoder, with this one's
// help) while the records of earlier ones go to the sink. A bad chunk
// throws where next() would: after every record before it was delivered,
// with the chunk counted as read.
std::uint64_t TraceReader::read_all(stream::RecordSink& sink) {
    std::uint64_t n = deliver_current(sink);
    if (next_chunk_ >= chunks_.size()) return n;
    AheadDecoder ahead(*this, next_chunk_, ahead_zstd_, zstd_);
    DecodedChunk d;
    while (next_chunk_ < chunks_.size()) {
        const std::size_t i = next_chunk_++;
        ahead.take(i, d);  // throws chunk i's TraceError
        adopt_chunk(i, d);
        n += deliver_current(sink);
    }
    return n;
}

void TraceReader::rewind() {
    next_chunk_ = 0;
    raw_left_ = 0;
    raw_pos_ = 0;
}

void TraceReader::seek_chunk(std::size_t i) {
    rewind();
    next_chunk_ = std::min(i, chunks_.size());
}

void TraceReader::seek(std::uint64_t ts) {
    rewind();
    auto it = std::find_if(chunks_.begin(), chunks_.end(),
                           [ts](const ChunkInfo& c) { return c.last_ts >= ts; });
    next_chunk_ = static_cast<std::size_t>(it - chunks_.begin());
    if (it == chunks_.end()) return;
    load_chunk(next_chunk_++);
    stream::Record rec;
    while (raw_left_ > 0) {
        stream::decode(std::span<const std::byte>(raw_).subspan(raw_pos_), rec);
        if (rec.header().ts >= ts) break;
        raw_pos_ += rec.size();
        --raw_left_;
    }
}

std::uint64_t first_record_ts(TraceReader& reader) {
    stream::Record rec;
    std::uint64_t ts = 0;
    while (ts == 0 && reader.next(rec)) ts = rec.header().ts;
    reader.rewind();
    return ts;
}

std::uint64_t read_selected(TraceReader& reader, const stream::FilterArgs& filter,
                            stream::RecordSink& sink, stream::IdMap& ids) {
    if (filter.empty()) return reader.read_all(sink);
    stream::RecordFilter f(filter, ids, reader.header().realtime_offset_ns, sink);
    reader.read_all(f);
    return f.selected();
}

}  // namespace epscope::trace
