#include "serve/chunk_tail.hpp"

#include <algorithm>
#include <memory>

namespace epscope::serve {

bool ChunkTail::push(SharedBytes chunk, std::uint32_t records) {
    const std::size_t n = chunk->size();
    entries_.push_back({end_, records_end_, std::move(chunk)});
    held_ += n;
    end_ += n;
    records_end_ += records;
    bool evicted = false;
    while (!entries_.empty() && held_ > limit_) {
        held_ -= entries_.front().bytes->size();
        entries_.pop_front();
        evicted = true;
    }
    return evicted;
}

SharedBytes ChunkTail::from(std::uint64_t offset) const {
    // The last entry starting at or before `offset`.
    auto it = std::upper_bound(entries_.begin(), entries_.end(), offset,
                               [](std::uint64_t o, const Entry& e) { return o < e.offset; });
    const Entry& e = *std::prev(it);
    if (e.offset == offset) return e.bytes;
    const auto skip = static_cast<std::ptrdiff_t>(offset - e.offset);
    return std::make_shared<const Bytes>(e.bytes->begin() + skip, e.bytes->end());
}

}  // namespace epscope::serve
