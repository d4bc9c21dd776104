// The trace's CRC-32 (IEEE, reflected, as zlib's crc32) against known values
// and against the bitwise definition, for every length and alignment that
// takes the 8-byte loop and the byte tail.
#include "trace/crc32.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>
#include <vector>

namespace {

using epscope::trace::crc32;

std::span<const std::byte> bytes_of(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// The definition, one bit at a time.
std::uint32_t crc32_bitwise(std::span<const std::byte> data) {
    std::uint32_t c = 0xffffffffu;
    for (std::byte b : data) {
        c ^= static_cast<std::uint8_t>(b);
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

TEST(Crc32, KnownValues) {
    EXPECT_EQ(crc32(bytes_of("")), 0u);
    EXPECT_EQ(crc32(bytes_of("123456789")), 0xCBF43926u);
    EXPECT_EQ(crc32(bytes_of("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32, EveryLengthAndOffsetMatchesTheDefinition) {
    std::mt19937 rng(7);
    std::vector<std::byte> buf(300);
    for (auto& b : buf) b = static_cast<std::byte>(rng());
    for (std::size_t off = 0; off < 8; ++off) {
        for (std::size_t len = 0; off + len <= buf.size(); ++len) {
            auto s = std::span<const std::byte>(buf).subspan(off, len);
            ASSERT_EQ(crc32(s), crc32_bitwise(s)) << "offset " << off << " length " << len;
        }
    }
}

TEST(Crc32, ChainsAcrossPieces) {
    auto all = bytes_of("a trace chunk payload split in two pieces at an odd place");
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        std::uint32_t first = crc32(all.first(cut));
        EXPECT_EQ(crc32(all.subspan(cut), first), crc32(all)) << "cut at " << cut;
    }
}

}  // namespace
