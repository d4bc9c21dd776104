// Reading a screenshot of epscope-gui in tests: the window's fixed layout
// (view/layout.hpp) at the test size, and counts of exact colours in a region.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "png/png.hpp"
#include "view/layout.hpp"
#include "view/palette.hpp"

namespace epscope::gui_test {

inline constexpr int kWidth = 1280;
inline constexpr int kHeight = 800;

struct Rect {
    int x0, y0, x1, y1;  // [x0, x1) x [y0, y1)
};
// The GUI's fixed layout at kWidth x kHeight, inset by 2 pixels so a region
// never includes its neighbour's border.
inline const view::Layout kLayout{kWidth, kHeight};
inline Rect inset(const view::Rect& r) {
    return Rect{static_cast<int>(r.x0) + 2, static_cast<int>(r.y0) + 2, static_cast<int>(r.x1) - 2,
                static_cast<int>(r.y1) - 2};
}

inline bool is(const png::Image& img, int x, int y, view::Rgb c) {
    const std::uint8_t* p = img.at(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
    return p[0] == c.r && p[1] == c.g && p[2] == c.b;
}

inline std::size_t count_pixels(const png::Image& img, Rect a, view::Rgb c) {
    std::size_t n = 0;
    for (int y = a.y0; y < a.y1; ++y) {
        for (int x = a.x0; x < a.x1; ++x) n += is(img, x, y, c);
    }
    return n;
}

// Pixels within `tol` of `c` on every channel: anti-aliased text (the TTF
// font) has few pixels of exactly its colour, its strokes' cores are close.
inline std::size_t count_near(const png::Image& img, Rect a, view::Rgb c, int tol) {
    std::size_t n = 0;
    for (int y = a.y0; y < a.y1; ++y) {
        for (int x = a.x0; x < a.x1; ++x) {
            const std::uint8_t* p =
                img.at(static_cast<std::uint32_t>(x), static_cast<std::uint32_t>(y));
            n += std::abs(p[0] - c.r) <= tol && std::abs(p[1] - c.g) <= tol &&
                 std::abs(p[2] - c.b) <= tol;
        }
    }
    return n;
}

// 4-connected regions of exactly colour `c` inside `a` with at least
// `min_area` pixels: node discs and queue boxes (anti-aliased edges and text
// never form regions that large).
inline std::size_t count_blobs(const png::Image& img, Rect a, view::Rgb c, std::size_t min_area) {
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(img.width) * img.height);
    std::size_t blobs = 0;
    std::vector<std::pair<int, int>> stack;
    for (int y = a.y0; y < a.y1; ++y) {
        for (int x = a.x0; x < a.x1; ++x) {
            std::size_t i = static_cast<std::size_t>(y) * img.width + x;
            if (seen[i] || !is(img, x, y, c)) continue;
            std::size_t area = 0;
            seen[i] = 1;
            stack.push_back({x, y});
            while (!stack.empty()) {
                auto [px, py] = stack.back();
                stack.pop_back();
                ++area;
                const int nx[4] = {px - 1, px + 1, px, px};
                const int ny[4] = {py, py, py - 1, py + 1};
                for (int k = 0; k < 4; ++k) {
                    if (nx[k] < a.x0 || nx[k] >= a.x1 || ny[k] < a.y0 || ny[k] >= a.y1) continue;
                    std::size_t j = static_cast<std::size_t>(ny[k]) * img.width + nx[k];
                    if (!seen[j] && is(img, nx[k], ny[k], c)) {
                        seen[j] = 1;
                        stack.push_back({nx[k], ny[k]});
                    }
                }
            }
            if (area >= min_area) ++blobs;
        }
    }
    return blobs;
}

}  // namespace epscope::gui_test
