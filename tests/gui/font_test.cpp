// The GUI's font is read only from a path no user but root can have planted
// or changed (gui/app/font.cpp): as root, files and directories owned by
// `nobody` (the second user playing the attacker), writable by others, a
// symlink or a FIFO in the way are refused with one line naming the path,
// and a root-only copy is read (label host: needs root to chown).
#include "app/font.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "../scratch_dir.hpp"

namespace epscope::gui {
namespace {

namespace fs = std::filesystem;

class Font : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(::geteuid(), 0u) << "run as root (CTest label host)";
        const passwd* pw = ::getpwnam("nobody");
        ASSERT_NE(pw, nullptr) << "no user nobody";
        nobody_ = pw->pw_uid;
        ::chmod(dir_.c_str(), 0755);
        ASSERT_FALSE(read_system_font(kFontPath, why_).empty())
            << why_ << " (scripts/setup installs fonts-dejavu-core)";
    }
    // A copy of the real font at `p`, mode `mode`.
    fs::path copy(const fs::path& p, mode_t mode) {
        fs::copy_file(kFontPath, p, fs::copy_options::overwrite_existing);
        ::chmod(p.c_str(), mode);
        return p;
    }
    bool refused(const fs::path& p) {
        why_.clear();
        return read_system_font(p.c_str(), why_).empty() && !why_.empty();
    }
    // Under /run: root's and writable by no one else, as /usr/share/fonts.
    epscope::testing::ScratchDir scratch_{"epscope-font-test", "/run"};
    const fs::path dir_ = scratch_.path();
    uid_t nobody_ = 0;
    std::string why_;
};

TEST_F(Font, ARootOnlyCopyIsRead) {
    const fs::path p = copy(dir_ / "f.ttf", 0644);
    const std::vector<unsigned char> b = read_system_font(p.c_str(), why_);
    ASSERT_EQ(b.size(), fs::file_size(kFontPath)) << why_;
    // A TrueType file starts with version 1.0.
    EXPECT_EQ(b[0], 0u);
    EXPECT_EQ(b[1], 1u);
}

TEST_F(Font, AnotherUsersFileIsRefused) {
    const fs::path p = copy(dir_ / "f.ttf", 0644);
    ASSERT_EQ(::chown(p.c_str(), nobody_, 0), 0);
    EXPECT_TRUE(refused(p));
    EXPECT_NE(why_.find(p.string()), std::string::npos) << why_;
}

TEST_F(Font, AFileOthersMayWriteIsRefused) { EXPECT_TRUE(refused(copy(dir_ / "f.ttf", 0666))); }

TEST_F(Font, ADirectoryOfAnotherUserOnTheWayIsRefused) {
    fs::create_directory(dir_ / "d");
    const fs::path p = copy(dir_ / "d" / "f.ttf", 0644);
    ASSERT_EQ(::chown((dir_ / "d").c_str(), nobody_, 0), 0);
    EXPECT_TRUE(refused(p));
    EXPECT_NE(why_.find((dir_ / "d").string()), std::string::npos) << why_;
}

TEST_F(Font, AWorldWritableDirectoryOnTheWayIsRefused) {
    // /tmp: anyone may create (or rename into) a name there.
    const epscope::testing::ScratchDir tmp("epscope-font");
    ::chmod(tmp.path().c_str(), 0755);
    const fs::path p = copy(tmp / "f.ttf", 0644);
    EXPECT_TRUE(refused(p));
    fs::create_directory(dir_ / "open");
    ::chmod((dir_ / "open").c_str(), 0777);
    EXPECT_TRUE(refused(copy(dir_ / "open" / "f.ttf", 0644)));
}

TEST_F(Font, ASymlinkIsNotFollowed) {
    const fs::path link = dir_ / "link.ttf";
    fs::create_symlink(kFontPath, link);
    EXPECT_TRUE(refused(link));
    fs::create_directory_symlink(fs::path(kFontPath).parent_path(), dir_ / "linkdir");
    EXPECT_TRUE(refused(dir_ / "linkdir" / fs::path(kFontPath).filename()));
}

TEST_F(Font, AFifoIsRefusedWithoutBlocking) {
    const fs::path p = dir_ / "fifo.ttf";
    ASSERT_EQ(::mkfifo(p.c_str(), 0644), 0);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(refused(p));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
    EXPECT_NE(why_.find("not a regular file"), std::string::npos) << why_;
}

TEST_F(Font, AMissingFileSaysWhich) {
    EXPECT_TRUE(refused(dir_ / "none.ttf"));
    EXPECT_NE(why_.find("none.ttf"), std::string::npos) << why_;
    EXPECT_TRUE(refused("relative.ttf"));
}

}  // namespace
}  // namespace epscope::gui
