// A minimal PNG codec for screenshots: 8-bit RGBA, one IDAT compressed with
// zlib, filter type 0 on every row. read_png() accepts what write_png()
// writes (it exists for the GUI tests, which check screenshot pixels).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace epscope::png {

struct Image {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    std::vector<std::uint8_t> rgba;  // rows top to bottom, 4 bytes per pixel

    const std::uint8_t* at(std::uint32_t x, std::uint32_t y) const {
        return &rgba[(static_cast<std::size_t>(y) * width + x) * 4];
    }
};

// Encodes `img` as PNG bytes.
std::vector<std::uint8_t> encode(const Image& img);
// Writes a PNG file; throws std::runtime_error naming the file on failure.
void write_png(const std::filesystem::path& path, const Image& img);
// Reads a PNG written by write_png (8-bit RGBA, non-interlaced, filter 0);
// throws std::runtime_error naming the file and the problem otherwise.
Image read_png(const std::filesystem::path& path);

}  // namespace epscope::png
