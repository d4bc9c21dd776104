// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) over chunk payloads
// and the format's own structures. Detects every burst error of up to 32 bits,
// so any single corrupted byte in a covered region is caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace epscope::trace {

// `crc` continues a previous call; start from 0.
std::uint32_t crc32(std::span<const std::byte> data, std::uint32_t crc = 0);

}  // namespace epscope::trace
