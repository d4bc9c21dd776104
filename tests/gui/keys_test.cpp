// The keys table (gui/view/keys.hpp) is the one list of keys: every action
// has exactly one row, no two rows share a key, and the README's keys table
// says the same, row for row.
#include "view/keys.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "view/legend.hpp"

namespace epscope::view {
namespace {

TEST(Keys, EveryActionHasOneRowAndEveryKeyOneAction) {
    std::set<KeyAction> actions;
    std::set<std::pair<Key, bool>> keys;
    for (const KeyBinding& b : kKeys) {
        EXPECT_TRUE(actions.insert(b.action).second) << b.label << ": a second row for an action";
        EXPECT_TRUE(keys.insert({b.key, b.ctrl}).second) << b.label << ": a key bound twice";
    }
    EXPECT_EQ(actions.size(), static_cast<std::size_t>(KeyAction::TextReset) + 1);
}

// "| Space | play / pause |" lines of README.md's GUI section, in order.
std::vector<std::pair<std::string, std::string>> readme_keys() {
    std::ifstream f(EPSCOPE_README);
    std::vector<std::pair<std::string, std::string>> rows;
    std::string line;
    bool in_table = false;
    while (std::getline(f, line)) {
        if (line == "| Key | Action |") {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        if (line.rfind("|-", 0) == 0) continue;
        if (line.empty() || line[0] != '|') break;
        std::istringstream s(line.substr(1));
        std::string key;
        std::string what;
        std::getline(s, key, '|');
        std::getline(s, what, '|');
        auto trim = [](std::string t) {
            t.erase(0, t.find_first_not_of(' '));
            t.erase(t.find_last_not_of(' ') + 1);
            return t;
        };
        rows.emplace_back(trim(key), trim(what));
    }
    return rows;
}

TEST(Keys, TheReadmeListsTheTable) {
    const auto rows = readme_keys();
    ASSERT_EQ(rows.size(), kKeyCount) << "README.md's keys table has another number of rows";
    for (std::size_t i = 0; i < kKeyCount; ++i) {
        EXPECT_EQ(rows[i].first, kKeys[i].label);
        EXPECT_EQ(rows[i].second, kKeys[i].what);
    }
}

// The legend of the `?` overlay covers every colour of gui/view/palette.hpp
// the panes paint with: a colour added there without a legend row fails
// here. Two kinds need no row. Text colours (a name ending in "Text":
// kTreeText, kBannerText, ...) are labels, not a colour code; a few have a
// row anyway where the legend explains them (kLaneText, kAxisText). And the
// colours drawn outside the tree, queues, timeline and findings, listed here.
bool is_text_colour(const std::string& name) { return name.ends_with("Text"); }

TEST(Legend, EveryPaletteColourOfThePanesHasARow) {
    const std::set<std::string> not_in_panes = {
        "kErrorBanner",  "kInfoBanner",                                // messages
        "kHistogramBar", "kHistogramWaitBar", "kHistogramBackground",  // details panel
        "kSplitter"};                                                  // gutters
    std::ifstream f(EPSCOPE_PALETTE);
    ASSERT_TRUE(f) << EPSCOPE_PALETTE;
    const std::regex colour(R"(inline constexpr Rgb (k\w+)\{(\d+), (\d+), (\d+)\};)");
    std::string line;
    int seen = 0;
    while (std::getline(f, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, colour)) continue;
        ++seen;
        if (not_in_panes.contains(m[1]) || is_text_colour(m[1])) continue;
        const Rgb c{static_cast<std::uint8_t>(std::stoi(m[2])),
                    static_cast<std::uint8_t>(std::stoi(m[3])),
                    static_cast<std::uint8_t>(std::stoi(m[4]))};
        bool found = false;
        for (const LegendEntry& e : kLegend) found = found || e.colour == c;
        EXPECT_TRUE(found) << m[1] << " has no row in view/legend.hpp";
    }
    EXPECT_GT(seen, 20);
}

// Every colour the GUI draws with is named in gui/view/palette.hpp: a colour
// literal anywhere else under gui/ (IM_COL32 or ImColor of numbers, ImGui's
// IM_COL32_WHITE and the like, an ImVec4 of numbers, an Rgb{...} of numbers)
// fails here, with its file and line. Converting a palette colour
// (IM_COL32(c.r, c.g, c.b, a)) is not a literal.
TEST(Palette, NoColourLiteralOutsideThePalette) {
    const std::regex literal(
        R"((\b(IM_COL32|ImColor|ImVec4)\s*[({]\s*[-+]?[0-9.])|\bIM_COL32_[A-Z_]+\b|)"
        R"(\bRgb\s*[({]\s*[0-9])");
    const std::filesystem::path palette = std::filesystem::path(EPSCOPE_PALETTE);
    std::size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(EPSCOPE_GUI_SOURCE)) {
        const std::string ext = e.path().extension().string();
        if (!e.is_regular_file() || (ext != ".cpp" && ext != ".hpp")) continue;
        if (std::filesystem::equivalent(e.path(), palette)) continue;
        ++files;
        std::ifstream f(e.path());
        std::string line;
        for (int n = 1; std::getline(f, line); ++n) {
            EXPECT_FALSE(std::regex_search(line, literal))
                << e.path().string() << ":" << n << ": a colour literal outside view/palette.hpp ("
                << line << "): name it there by its role";
        }
    }
    EXPECT_GT(files, 40u);  // the walk found the GUI's sources
}

}  // namespace
}  // namespace epscope::view
