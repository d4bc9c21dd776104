// Storage for the model's hot objects: a chunked pool (stable indices, no 2x
// growth spikes, slots reused) and an open-addressing table of 32-bit indices
// whose keys live in the indexed objects themselves.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace epscope::model {

template <class T, unsigned kShift = 10>
class ChunkedPool {
public:
    static constexpr std::uint32_t kChunk = 1u << kShift;

    ChunkedPool() = default;
    ChunkedPool(ChunkedPool&&) noexcept = default;
    ChunkedPool& operator=(ChunkedPool&&) noexcept = default;
    // Deep copy: a model checkpoint copies its items.
    ChunkedPool(const ChunkedPool& o) : free_(o.free_), size_(o.size_) {
        chunks_.reserve(o.chunks_.size());
        for (const auto& c : o.chunks_) {
            chunks_.push_back(std::make_unique<T[]>(kChunk));
            std::copy(c.get(), c.get() + kChunk, chunks_.back().get());
        }
    }
    ChunkedPool& operator=(const ChunkedPool& o) {
        if (this != &o) *this = ChunkedPool(o);
        return *this;
    }

    T& operator[](std::uint32_t i) { return chunks_[i >> kShift][i & (kChunk - 1)]; }
    const T& operator[](std::uint32_t i) const { return chunks_[i >> kShift][i & (kChunk - 1)]; }

    // A default-constructed T at a free index.
    std::uint32_t alloc() {
        std::uint32_t i;
        if (!free_.empty()) {
            i = free_.back();
            free_.pop_back();
        } else {
            if ((size_ >> kShift) == chunks_.size())
                chunks_.push_back(std::make_unique<T[]>(kChunk));
            i = size_++;
        }
        (*this)[i] = T{};
        return i;
    }
    void release(std::uint32_t i) { free_.push_back(i); }
    std::size_t bytes() const {
        return chunks_.size() * kChunk * sizeof(T) + chunks_.capacity() * sizeof(void*) +
               free_.capacity() * sizeof(std::uint32_t);
    }

private:
    std::vector<std::unique_ptr<T[]>> chunks_;
    std::vector<std::uint32_t> free_;
    std::uint32_t size_ = 0;
};

// Linear probing with backward-shift deletion (no tombstones). The caller
// passes the key's hash and a predicate recognising the wanted index, and a
// function giving any stored index's hash (for growth and deletion). Each slot
// keeps 32 bits of the hash beside the index, so a probe only touches the
// indexed object when the tags agree (8 bytes per slot, load at most 1/2).
class IndexTable {
public:
    static constexpr std::uint32_t kEmpty = 0xffffffffu;

    template <class Match>
    std::uint32_t find(std::uint64_t hash, Match match) const {
        if (slots_.empty()) return kEmpty;
        std::size_t mask = slots_.size() - 1;
        std::uint32_t tag = tag_of(hash);
        for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
            const Slot& s = slots_[i];
            if (s.value == kEmpty) return kEmpty;
            if (s.tag == tag && match(s.value)) return s.value;
        }
    }

    // Calls visit(value) for every stored value whose tag is the hash's
    // (the values of equal keys, and rarely another key's: visit checks).
    template <class Visit>
    void for_each(std::uint64_t hash, Visit visit) const {
        if (slots_.empty()) return;
        std::size_t mask = slots_.size() - 1;
        std::uint32_t tag = tag_of(hash);
        for (std::size_t i = hash & mask; slots_[i].value != kEmpty; i = (i + 1) & mask) {
            if (slots_[i].tag == tag) visit(slots_[i].value);
        }
    }

    template <class HashOf>
    void insert(std::uint64_t hash, std::uint32_t value, HashOf hash_of) {
        if ((count_ + 1) * 2 > slots_.size()) grow(hash_of);
        place(hash, value);
        ++count_;
    }

    // Removes `value` (stored under `hash`); returns false if absent.
    template <class HashOf>
    bool erase(std::uint64_t hash, std::uint32_t value, HashOf hash_of) {
        if (slots_.empty()) return false;
        std::size_t mask = slots_.size() - 1;
        std::size_t i = hash & mask;
        while (slots_[i].value != value) {
            if (slots_[i].value == kEmpty) return false;
            i = (i + 1) & mask;
        }
        // Shift later members of the probe run back so lookups never stop early.
        for (std::size_t j = (i + 1) & mask; slots_[j].value != kEmpty; j = (j + 1) & mask) {
            std::size_t home = hash_of(slots_[j].value) & mask;
            // Move slots_[j] into the hole at i unless its home is in (i, j].
            bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = Slot{};
        --count_;
        return true;
    }

    std::size_t size() const { return count_; }
    std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

private:
    struct Slot {
        std::uint32_t value = kEmpty;
        std::uint32_t tag = 0;
    };
    static std::uint32_t tag_of(std::uint64_t hash) {
        return static_cast<std::uint32_t>(hash >> 32);
    }

    void place(std::uint64_t hash, std::uint32_t value) {
        std::size_t mask = slots_.size() - 1;
        std::size_t i = hash & mask;
        while (slots_[i].value != kEmpty) i = (i + 1) & mask;
        slots_[i] = Slot{value, tag_of(hash)};
    }
    template <class HashOf>
    void grow(HashOf hash_of) {
        std::vector<Slot> old(slots_.empty() ? 16 : slots_.size() * 2);
        old.swap(slots_);
        for (const Slot& s : old) {
            if (s.value != kEmpty) place(hash_of(s.value), s.value);
        }
    }

    std::vector<Slot> slots_;
    std::size_t count_ = 0;
};

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

}  // namespace epscope::model
