// The keys table (gui/view/keys.hpp) is the one list of keys: every action
// has exactly one row, no two rows share a key, and the README's keys table
// says the same, row for row.
#include "view/keys.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace epscope::view {
namespace {

TEST(Keys, EveryActionHasOneRowAndEveryKeyOneAction) {
    std::set<KeyAction> actions;
    std::set<std::pair<Key, bool>> keys;
    for (const KeyBinding& b : kKeys) {
        EXPECT_TRUE(actions.insert(b.action).second) << b.label << ": a second row for an action";
        EXPECT_TRUE(keys.insert({b.key, b.ctrl}).second) << b.label << ": a key bound twice";
    }
    EXPECT_EQ(actions.size(), static_cast<std::size_t>(KeyAction::Help) + 1);
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

}  // namespace
}  // namespace epscope::view
