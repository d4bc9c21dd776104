// The GUI's font: DejaVu Sans Mono from Debian's fonts-dejavu-core, read from
// a fixed path under /usr/share/fonts that only root can change (epscope-gui
// may run as root: a font file is parsed by stb_truetype, so a file another
// user could plant is never read). Without it, ImGui's built-in font.
#pragma once

#include <string>
#include <vector>

namespace epscope::gui {

// Where fonts-dejavu-core installs it. Monospaced: the tree elides labels by
// counting characters (window_tree.cpp).
inline constexpr const char* kFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

// The font's size in pixels at scale 1 (ImGui's built-in font is 13 px).
inline constexpr float kFontPx = 15.0f;

// The font file's bytes, or empty with one line in `why`: the path, or a
// directory on the way to it, is missing, not root's, writable by others, a
// symlink, or not a regular file.
std::vector<unsigned char> read_system_font(const char* path, std::string& why);

}  // namespace epscope::gui
