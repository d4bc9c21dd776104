// The screenshot PNG codec: round trip, and refusal of what it cannot read.
#include "png/png.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "../scratch_dir.hpp"

namespace epscope::png {
namespace {

TEST(Png, RoundTripKeepsEveryPixel) {
    Image img;
    img.width = 37;
    img.height = 11;
    img.rgba.resize(img.width * img.height * 4);
    for (std::size_t i = 0; i < img.rgba.size(); ++i)
        img.rgba[i] = static_cast<std::uint8_t>(i * 7 + i / 5);
    const epscope::testing::ScratchDir dir("epscope-png-test");
    const std::filesystem::path p = dir / "round-trip.png";
    write_png(p, img);
    Image back = read_png(p);
    EXPECT_EQ(back.width, img.width);
    EXPECT_EQ(back.height, img.height);
    EXPECT_EQ(back.rgba, img.rgba);
    EXPECT_EQ(back.at(1, 0)[0], img.rgba[4]);
}

TEST(Png, SignatureAndHeaderAreStandard) {
    Image img;
    img.width = 2;
    img.height = 3;
    img.rgba.assign(2 * 3 * 4, 0x80);
    std::vector<std::uint8_t> b = encode(img);
    ASSERT_GT(b.size(), 33u);
    EXPECT_EQ(b[0], 0x89);
    EXPECT_EQ(std::string(b.begin() + 1, b.begin() + 4), "PNG");
    EXPECT_EQ(std::string(b.begin() + 12, b.begin() + 16), "IHDR");
    EXPECT_EQ(b[19], 2);  // width, big-endian
    EXPECT_EQ(b[23], 3);  // height
    EXPECT_EQ(b[24], 8);  // bit depth
    EXPECT_EQ(b[25], 6);  // RGBA
}

TEST(Png, BadInputThrowsNamingTheFile) {
    const epscope::testing::ScratchDir dir("epscope-png-bad");
    const std::filesystem::path p = dir / "text.png";
    std::ofstream(p) << "not a png";
    try {
        read_png(p);
        FAIL() << "read_png accepted text";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos);
    }
    std::filesystem::remove(p);
    Image wrong;
    wrong.width = 4;
    wrong.height = 4;
    wrong.rgba.resize(3);
    EXPECT_THROW(encode(wrong), std::runtime_error);
}

}  // namespace
}  // namespace epscope::png
