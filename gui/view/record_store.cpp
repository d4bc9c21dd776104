#include "view/record_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "stream/decoder.hpp"
#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::view {
namespace {

// A directory fit for the spool: a real directory (not a symlink), owned by
// root or by us, and if others may write in it, sticky (/var/tmp).
int open_spool_dir(const char* path) {
    const int dir = ::open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0) return -1;
    struct stat st;
    const bool owner_ok = ::fstat(dir, &st) == 0 && (st.st_uid == 0 || st.st_uid == ::geteuid());
    const bool shared = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0;
    if (!owner_ok || (shared && (st.st_mode & S_ISVTX) == 0)) {
        ::close(dir);
        return -1;
    }
    return dir;
}

void write_all(int fd, std::uint64_t offset, std::span<const std::byte> b) {
    while (!b.empty()) {
        const ssize_t n = ::pwrite(fd, b.data(), b.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw trace::TraceError(trace::TraceErrorKind::Io, "GUI spool", -1,
                                    std::string("write failed: ") + std::strerror(errno));
        b = b.subspan(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

void read_all(int fd, std::uint64_t offset, std::span<std::byte> b) {
    while (!b.empty()) {
        const ssize_t n = ::pread(fd, b.data(), b.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw trace::TraceError(trace::TraceErrorKind::Io, "GUI spool", -1,
                                    std::string("read failed: ") + std::strerror(errno));
        b = b.subspan(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
}

std::uint16_t record_size_at(const std::vector<std::byte>& raw, std::size_t p) {
    ep_header h;
    std::memcpy(&h, raw.data() + p, sizeof h);
    return h.size;
}

}  // namespace

int open_private_spool(std::string& why) {
    // /var/tmp first: it is on disk, where $XDG_RUNTIME_DIR is usually tmpfs
    // (memory again).
    std::vector<const char*> dirs{"/var/tmp"};
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x == '/') dirs.push_back(x);
    why.clear();
    for (const char* d : dirs) {
        const int dir = open_spool_dir(d);
        if (dir < 0) {
            why += std::string(why.empty() ? "" : "; ") + d + ": not a private or sticky directory";
            continue;
        }
        const int fd = ::openat(dir, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        const int err = errno;
        ::close(dir);
        if (fd >= 0) return fd;
        why += std::string(why.empty() ? "" : "; ") + d + ": " + std::strerror(err);
    }
    return -1;
}

RecordStore::RecordStore() = default;

RecordStore::~RecordStore() {
    if (spool_fd_ >= 0) ::close(spool_fd_);
}

void RecordStore::use_file(std::unique_ptr<trace::TraceReader> reader) {
    reader_ = std::move(reader);
    live_ = false;
}

void RecordStore::add_chunk(std::uint32_t records, std::uint64_t last_ts) {
    Block b;
    b.count = records;
    b.first = count_;
    b.ts_before = blocks_.empty() ? 0 : blocks_.back().ts_max;
    b.ts_max = std::max(b.ts_before, last_ts);
    blocks_.push_back(b);
    count_ += records;
}

std::string RecordStore::use_spool() {
    live_ = true;
    if (spool_fd_ >= 0) return {};
    std::string why;
    spool_fd_ = open_private_spool(why);
    return spool_fd_ >= 0 ? std::string() : why;
}

void RecordStore::clear() {
    blocks_.clear();
    count_ = 0;
    tail_ = Held{};
    tail_ts_max_ = 0;
    for (Held& h : held_) h = Held{};
    unspooled_.clear();
    unspooled_.shrink_to_fit();
    spool_end_ = 0;
    if (spool_fd_ >= 0 && ::ftruncate(spool_fd_, 0) != 0) {
        // Space not given back: the spool only grows from its old end.
        spool_end_ = static_cast<std::uint64_t>(::lseek(spool_fd_, 0, SEEK_END));
    }
}

std::uint64_t RecordStore::ts_max_so_far() const {
    return std::max(tail_ts_max_, blocks_.empty() ? 0 : blocks_.back().ts_max);
}

void RecordStore::append(const stream::Record& rec) {
    if (tail_.at.empty()) tail_ts_max_ = ts_max_so_far();
    const auto b = rec.bytes();
    tail_.at.push_back(static_cast<std::uint32_t>(tail_.raw.size()));
    tail_.raw.insert(tail_.raw.end(), b.begin(), b.end());
    tail_ts_max_ = std::max<std::uint64_t>(tail_ts_max_, rec.header().ts);
    ++count_;
    if (tail_.raw.size() >= kSpoolBlockBytes) flush_tail();
}

void RecordStore::flush_tail() {
    Block b;
    b.bytes = static_cast<std::uint32_t>(tail_.raw.size());
    b.count = static_cast<std::uint32_t>(tail_.at.size());
    b.first = count_ - b.count;
    b.ts_before = blocks_.empty() ? 0 : blocks_.back().ts_max;
    b.ts_max = tail_ts_max_;
    if (spool_fd_ >= 0) {
        b.offset = spool_end_;
        write_all(spool_fd_, spool_end_, tail_.raw);
        spool_end_ += b.bytes;
    } else {
        b.offset = unspooled_.size();
        unspooled_.insert(unspooled_.end(), tail_.raw.begin(), tail_.raw.end());
    }
    blocks_.push_back(b);
    tail_.raw.clear();
    tail_.at.clear();
}

std::size_t RecordStore::block_of(std::size_t i) const {
    auto it = std::upper_bound(blocks_.begin(), blocks_.end(), i,
                               [](std::size_t v, const Block& b) { return v < b.first; });
    return static_cast<std::size_t>(it - blocks_.begin()) - 1;
}

void RecordStore::read_block(const Block& blk, std::size_t b, Held& h) const {
    h.block = SIZE_MAX;  // until read whole
    h.raw.clear();
    h.at.clear();
    if (!live_) {
        reader_->seek_chunk(b);
        stream::Record rec;
        for (std::uint32_t k = 0; k < blk.count && reader_->next(rec); ++k) {
            h.at.push_back(static_cast<std::uint32_t>(h.raw.size()));
            const auto bytes = rec.bytes();
            h.raw.insert(h.raw.end(), bytes.begin(), bytes.end());
        }
    } else {
        h.raw.resize(blk.bytes);
        if (spool_fd_ >= 0) {
            read_all(spool_fd_, blk.offset, h.raw);
        } else {
            std::memcpy(h.raw.data(), unspooled_.data() + blk.offset, blk.bytes);
        }
        for (std::size_t p = 0; p < h.raw.size(); p += record_size_at(h.raw, p))
            h.at.push_back(static_cast<std::uint32_t>(p));
    }
    if (h.at.size() != blk.count)
        throw trace::TraceError(trace::TraceErrorKind::Corrupt,
                                reader_ ? reader_->name() : "GUI spool", -1,
                                "a block read back holds other records than at first");
    h.block = b;
}

const RecordStore::Held& RecordStore::hold(std::size_t b) const {
    ++use_clock_;
    for (Held& h : held_) {
        if (h.block == b) {
            h.used = use_clock_;
            return h;
        }
    }
    Held& victim = held_[0].used <= held_[1].used ? held_[0] : held_[1];
    read_block(blocks_[b], b, victim);
    victim.used = use_clock_;
    return victim;
}

stream::Record RecordStore::at(std::size_t i) const {
    const std::size_t tail_first = count_ - tail_.at.size();
    const Held& h = i >= tail_first ? tail_ : hold(block_of(i));
    const std::size_t k = i >= tail_first ? i - tail_first : i - blocks_[h.block].first;
    stream::Record rec;
    stream::decode(std::span<const std::byte>(h.raw).subspan(h.at[k]), rec);
    return rec;
}

std::size_t RecordStore::prefix_until(std::uint64_t t) const {
    // The first block whose running maximum passes t holds the answer, unless
    // its recorded maximum is above what its records reach (a chunk's last_ts).
    auto it = std::upper_bound(blocks_.begin(), blocks_.end(), t,
                               [](std::uint64_t v, const Block& b) { return v < b.ts_max; });
    for (; it != blocks_.end(); ++it) {
        const Held& h = hold(static_cast<std::size_t>(it - blocks_.begin()));
        std::uint64_t run = it->ts_before;
        for (std::size_t k = 0; k < h.at.size(); ++k) {
            ep_header eh;
            std::memcpy(&eh, h.raw.data() + h.at[k], sizeof eh);
            run = std::max<std::uint64_t>(run, eh.ts);
            if (run > t) return it->first + k;
        }
    }
    const std::size_t tail_first = count_ - tail_.at.size();
    std::uint64_t run = blocks_.empty() ? 0 : blocks_.back().ts_max;
    for (std::size_t k = 0; k < tail_.at.size(); ++k) {
        ep_header eh;
        std::memcpy(&eh, tail_.raw.data() + tail_.at[k], sizeof eh);
        run = std::max<std::uint64_t>(run, eh.ts);
        if (run > t) return tail_first + k;
    }
    return count_;
}

std::size_t RecordStore::memory_bytes() const {
    std::size_t n = blocks_.capacity() * sizeof(Block) + unspooled_.capacity();
    for (const Held& h : held_) n += h.raw.capacity() + h.at.capacity() * sizeof(std::uint32_t);
    n += tail_.raw.capacity() + tail_.at.capacity() * sizeof(std::uint32_t);
    return n;
}

}  // namespace epscope::view
