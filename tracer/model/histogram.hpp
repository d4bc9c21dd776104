// Logarithmic histograms of durations in ns, small enough to keep one per item.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace epscope::model {

// Bucket 0 holds durations under 256 ns; bucket k > 0 holds those under
// 256 << (k * kBits) ns; the last bucket also takes everything longer.
template <std::size_t kBuckets, unsigned kBits>
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
    }
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
    std::array<std::uint32_t, kBuckets> counts_{};
};

// Per item: 16 buckets of 2 octaves each, 256 ns .. ~275 s, 64 bytes.
using ItemLatencyHistogram = LogHistogram<16, 2>;
// Per instance: one octave per bucket, 256 ns .. ~550 s.
using WideHistogram = LogHistogram<32, 1>;

}  // namespace epscope::model
