// png-count FILE R G B X0 Y0 X1 Y1: prints how many pixels of exactly the
// colour R,G,B lie in [X0,X1) x [Y0,Y1) of a PNG written by epscope-gui, for
// shell tests that check a screenshot.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "png/png.hpp"

int main(int argc, char** argv) {
    if (argc != 9) {
        std::fprintf(stderr, "usage: png-count FILE R G B X0 Y0 X1 Y1\n");
        return 2;
    }
    try {
        const epscope::png::Image img = epscope::png::read_png(argv[1]);
        int v[7];
        for (int i = 0; i < 7; ++i) v[i] = std::atoi(argv[2 + i]);
        unsigned long n = 0;
        for (int y = v[4]; y < v[6] && y < static_cast<int>(img.height); ++y)
            for (int x = v[3]; x < v[5] && x < static_cast<int>(img.width); ++x) {
                const std::uint8_t* p =
                    img.at(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
                n += p[0] == v[0] && p[1] == v[1] && p[2] == v[2];
            }
        std::printf("%lu\n", n);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "png-count: %s\n", e.what());
        return 1;
    }
}
