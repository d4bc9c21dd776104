// Logarithmic histograms of durations in ns, small enough to keep one per item.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace epscope::model {

// Bucket 0 holds durations under 256 ns; bucket k > 0 holds those under
// 256 << (k * kBits) ns; the last bucket also takes everything longer.
// kSummed: also the sum of every duration (Prometheus histograms carry it;
// per-item histograms go without, to stay 64 bytes).
template <std::size_t kBuckets, unsigned kBits, bool kSummed = false>
class LogHistogram {
public:
    static constexpr std::size_t buckets() { return kBuckets; }

    static constexpr std::size_t bucket_of(std::uint64_t ns) {
        unsigned w = static_cast<unsigned>(std::bit_width(ns >> 8));
        std::size_t b = (w + kBits - 1) / kBits;
        return b < kBuckets ? b : kBuckets - 1;
    }
    // Exclusive upper bound of bucket b in ns (the last bucket is open).
    static constexpr std::uint64_t upper_bound(std::size_t b) {
        unsigned shift = static_cast<unsigned>(8 + b * kBits);
        return shift >= 64 ? std::numeric_limits<std::uint64_t>::max() : std::uint64_t{1} << shift;
    }

    void add(std::uint64_t ns) {
        std::uint32_t& c = counts_[bucket_of(ns)];
        if (c != std::numeric_limits<std::uint32_t>::max()) ++c;  // saturate, never wrap
        if constexpr (kSummed) sum_ns_ += ns;
    }
    // Adds another histogram's counts (and sum): an aggregate of several.
    void merge(const LogHistogram& o) {
        for (std::size_t b = 0; b < kBuckets; ++b) {
            const std::uint64_t c = std::uint64_t{counts_[b]} + o.counts_[b];
            counts_[b] = static_cast<std::uint32_t>(
                std::min<std::uint64_t>(c, std::numeric_limits<std::uint32_t>::max()));
        }
        if constexpr (kSummed) sum_ns_ += o.sum_ns_;
    }
    // The sum of every duration added, in ns.
    std::uint64_t sum_ns() const requires kSummed { return sum_ns_; }
    std::uint32_t count(std::size_t b) const { return counts_[b]; }
    std::uint64_t total() const {
        std::uint64_t t = 0;
        for (auto c : counts_) t += c;
        return t;
    }
    // Quantile q (0..1) in ns, interpolated linearly within the bucket that
    // holds it (the samples spread evenly across their bucket), so p50 of
    // four samples in [512, 1024) is 896, not the bucket's bound. In the open
    // last bucket, its lower bound (the quantile is at least that). 0 when
    // empty. `stat`, `live` and the GUI all print this.
    std::uint64_t quantile(double q) const {
        const std::uint64_t t = total();
        if (t == 0) return 0;
        const double target = std::clamp(q, 0.0, 1.0) * static_cast<double>(t);
        std::uint64_t seen = 0;
        for (std::size_t b = 0; b < kBuckets; ++b) {
            if (counts_[b] == 0) continue;
            if (static_cast<double>(seen + counts_[b]) >= target) {
                const std::uint64_t lo = b == 0 ? 0 : upper_bound(b - 1);
                if (b == kBuckets - 1) return lo;
                const double within =
                    (target - static_cast<double>(seen)) / static_cast<double>(counts_[b]);
                return lo + static_cast<std::uint64_t>(within *
                                                       static_cast<double>(upper_bound(b) - lo));
            }
            seen += counts_[b];
        }
        return upper_bound(kBuckets - 2);
    }

private:
    struct NoSum {};
    std::array<std::uint32_t, kBuckets> counts_{};
    [[no_unique_address]] std::conditional_t<kSummed, std::uint64_t, NoSum> sum_ns_{};
};

// Per item: 16 buckets of 2 octaves each, 256 ns .. ~275 s, 64 bytes.
using ItemLatencyHistogram = LogHistogram<16, 2>;
// Per instance: one octave per bucket, 256 ns .. ~550 s.
using WideHistogram = LogHistogram<32, 1, true>;

}  // namespace epscope::model
