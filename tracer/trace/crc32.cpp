#include "trace/crc32.hpp"

#include <zlib.h>

namespace epscope::trace {

// zlib's crc32 is the same CRC (IEEE 802.3, reflected, 0xEDB88320, pre- and
// post-inverted), so files written with the earlier hand-written table code
// read unchanged; zlib's is faster (braided/SIMD folding) and well kept.
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc) {
    return static_cast<std::uint32_t>(
        ::crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

}  // namespace epscope::trace
