#include "png/png.hpp"

#include <zlib.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace epscope::png {
namespace {

constexpr std::uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

std::uint32_t get32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

void chunk(std::vector<std::uint8_t>& out, const char type[4], const std::uint8_t* data,
           std::size_t len) {
    put32(out, static_cast<std::uint32_t>(len));
    std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    if (len != 0) out.insert(out.end(), data, data + len);
    // The CRC covers the type and the data.
    uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(4 + len));
    put32(out, static_cast<std::uint32_t>(crc));
}

}  // namespace

std::vector<std::uint8_t> encode(const Image& img) {
    if (img.width == 0 || img.height == 0 ||
        img.rgba.size() != static_cast<std::size_t>(img.width) * img.height * 4) {
        throw std::runtime_error("png: image size does not match its pixels");
    }
    const std::size_t stride = static_cast<std::size_t>(img.width) * 4;
    std::vector<std::uint8_t> raw;
    raw.reserve((stride + 1) * img.height);
    for (std::uint32_t y = 0; y < img.height; ++y) {
        raw.push_back(0);  // filter type None
        raw.insert(raw.end(), img.rgba.begin() + static_cast<std::ptrdiff_t>(y * stride),
                   img.rgba.begin() + static_cast<std::ptrdiff_t>((y + 1) * stride));
    }
    uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> z(zlen);
    if (compress2(z.data(), &zlen, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK) {
        throw std::runtime_error("png: zlib compress2 failed");
    }
    z.resize(zlen);

    std::vector<std::uint8_t> out(std::begin(kSignature), std::end(kSignature));
    std::vector<std::uint8_t> ihdr;
    put32(ihdr, img.width);
    put32(ihdr, img.height);
    ihdr.push_back(8);  // bit depth
    ihdr.push_back(6);  // colour type RGBA
    ihdr.push_back(0);  // compression: deflate
    ihdr.push_back(0);  // filter method 0
    ihdr.push_back(0);  // no interlace
    chunk(out, "IHDR", ihdr.data(), ihdr.size());
    chunk(out, "IDAT", z.data(), z.size());
    chunk(out, "IEND", nullptr, 0);
    return out;
}

void write_png(const std::filesystem::path& path, const Image& img) {
    std::vector<std::uint8_t> bytes = encode(img);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(path.string() + ": cannot create the PNG file");
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) throw std::runtime_error(path.string() + ": write failed");
}

Image read_png(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path.string() + ": cannot open");
    std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(f)),
                                std::istreambuf_iterator<char>());
    auto fail = [&](const std::string& what) -> std::runtime_error {
        return std::runtime_error(path.string() + ": " + what);
    };
    if (b.size() < 8 || std::memcmp(b.data(), kSignature, 8) != 0) throw fail("not a PNG");
    Image img;
    std::vector<std::uint8_t> z;
    std::size_t pos = 8;
    bool end = false;
    while (!end) {
        if (pos + 12 > b.size()) throw fail("truncated chunk");
        std::uint32_t len = get32(&b[pos]);
        if (pos + 12 + len > b.size()) throw fail("truncated chunk");
        std::string type(reinterpret_cast<const char*>(&b[pos + 4]), 4);
        const std::uint8_t* data = &b[pos + 8];
        uLong crc = crc32(0L, &b[pos + 4], len + 4);
        if (crc != get32(&b[pos + 8 + len])) throw fail("bad CRC in " + type);
        if (type == "IHDR") {
            if (len != 13) throw fail("bad IHDR");
            img.width = get32(data);
            img.height = get32(data + 4);
            if (data[8] != 8 || data[9] != 6 || data[12] != 0) {
                throw fail("only 8-bit RGBA non-interlaced PNGs are read");
            }
        } else if (type == "IDAT") {
            z.insert(z.end(), data, data + len);
        } else if (type == "IEND") {
            end = true;
        }
        pos += 12 + len;
    }
    const std::size_t stride = static_cast<std::size_t>(img.width) * 4;
    std::vector<std::uint8_t> raw((stride + 1) * img.height);
    uLongf rlen = static_cast<uLongf>(raw.size());
    if (img.width == 0 ||
        uncompress(raw.data(), &rlen, z.data(), static_cast<uLong>(z.size())) != Z_OK ||
        rlen != raw.size()) {
        throw fail("pixel data does not decompress to the image size");
    }
    img.rgba.resize(stride * img.height);
    for (std::uint32_t y = 0; y < img.height; ++y) {
        if (raw[y * (stride + 1)] != 0) throw fail("row filter other than None");
        std::memcpy(&img.rgba[y * stride], &raw[y * (stride + 1) + 1], stride);
    }
    return img;
}

}  // namespace epscope::png
