// The layout kept between runs (gui/app/layout_store.cpp) with a real ImGui
// context and no display: the shares come back in the next run; under sudo
// (SUDO_UID) the file is the invoking user's, made with that user's identity;
// and a config directory another user planted (a symlink, a directory of
// theirs) is never read or written. Needs root and a second user: CTest label
// host (scripts create and remove the user `epscope-layout-t`).
#include "app/layout_store.hpp"

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "../scratch_dir.hpp"
#include "imgui.h"
#include "imgui_internal.h"

namespace epscope::gui {
namespace {

namespace fs = std::filesystem;
constexpr const char* kUser = "epscope-layout-t";

// One ImGui context per run of the store, as one epscope-gui process has.
struct Run {
    Run() {
        ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;
    }
    ~Run() { ImGui::DestroyContext(); }
};

// Runs the GUI's store once: loads, optionally changes the shares (as a
// dragged gutter does), and saves at the end. Returns the shares loaded.
view::Shares run_once(const view::Shares* change, std::string* note = nullptr) {
    Run ctx;
    view::Shares shares;
    view::Shares loaded;
    {
        LayoutStore store(shares);
        loaded = shares;
        if (change != nullptr) {
            shares = *change;
            ImGui::MarkIniSettingsDirty();
        }
        if (note != nullptr) *note = store.note();
    }
    return loaded;
}

class LayoutStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::unsetenv("SUDO_UID");
        ::unsetenv("SUDO_GID");
    }
    void TearDown() override {
        ::unsetenv("XDG_CONFIG_HOME");
        ::unsetenv("SUDO_UID");
        ::unsetenv("SUDO_GID");
        if (made_user_)
            (void)!std::system((std::string("userdel -r ") + kUser + " 2>/dev/null").c_str());
    }
    // A real second user with a home directory.
    const passwd* second_user() {
        (void)!std::system((std::string("userdel -r ") + kUser + " 2>/dev/null").c_str());
        if (std::system((std::string("useradd -m ") + kUser).c_str()) != 0) return nullptr;
        made_user_ = true;
        return ::getpwnam(kUser);
    }
    epscope::testing::ScratchDir scratch_{"epscope-layout"};
    const fs::path dir_ = scratch_.path();
    bool made_user_ = false;
};

TEST_F(LayoutStoreTest, SharesComeBackInTheNextRun) {
    ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
    view::Shares wide;
    wide.side = 0.45f;
    wide.timeline = 0.40f;
    EXPECT_EQ(run_once(&wide), view::Shares{});  // nothing kept yet
    ASSERT_TRUE(fs::exists(dir_ / "epscope" / "gui.ini"));
    const view::Shares back = run_once(nullptr);
    EXPECT_NEAR(back.side, 0.45f, 1e-4);
    EXPECT_NEAR(back.timeline, 0.40f, 1e-4);
    EXPECT_NEAR(back.details, view::Shares{}.details, 1e-4);
    // A hand-edited file cannot hide a pane.
    std::ofstream(dir_ / "epscope" / "gui.ini") << "[epscope][Layout]\nside=0.99\nbrowser=0\n";
    const view::Shares clamped = run_once(nullptr);
    EXPECT_LE(clamped.side, 0.60f);
    EXPECT_GE(clamped.browser, 0.10f);
}

// Root running the window for a user (SUDO_UID): the file lands in the
// user's home, owned by the user; a symlink the user planted where the file
// goes, pointing at a file only root may read, is neither read nor written
// through (the user cannot make root disclose or clobber it).
TEST_F(LayoutStoreTest, UnderSudoTheFileIsTheInvokingUsersAndNoSymlinkIsFollowed) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CTest label host)";
    const passwd* pw = second_user();
    ASSERT_NE(pw, nullptr) << "useradd failed";
    const uid_t uid = pw->pw_uid;
    const gid_t gid = pw->pw_gid;
    const fs::path home = pw->pw_dir;
    ::setenv("SUDO_UID", std::to_string(uid).c_str(), 1);
    ::setenv("SUDO_GID", std::to_string(gid).c_str(), 1);
    ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);  // root's environment: not the user's
    view::Shares wide;
    wide.side = 0.5f;
    run_once(&wide);
    const fs::path ini = home / ".config" / "epscope" / "gui.ini";
    struct stat st {};
    ASSERT_EQ(::stat(ini.c_str(), &st), 0) << "no layout in the user's config directory";
    EXPECT_EQ(st.st_uid, uid);
    EXPECT_FALSE(fs::exists(dir_ / "epscope"));
    EXPECT_NEAR(run_once(nullptr).side, 0.5f, 1e-4);

    // The user plants gui.ini -> a root-only file.
    const fs::path secret = dir_ / "secret";
    std::ofstream(secret) << "[epscope][Layout]\nside=0.2\n";
    ::chmod(secret.c_str(), 0600);
    fs::remove(ini);
    ASSERT_EQ(::symlink(secret.c_str(), ini.c_str()), 0);
    ASSERT_EQ(::lchown(ini.c_str(), uid, gid), 0);
    std::string note;
    EXPECT_EQ(run_once(&wide, &note), view::Shares{});  // not read through the link
    std::ifstream f(secret);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "[epscope][Layout]\nside=0.2\n");  // not written through it
    ASSERT_EQ(::lstat(ini.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));  // the save replaced the link with the user's file
    EXPECT_EQ(st.st_uid, uid);
}

// Root running as itself with XDG_CONFIG_HOME in a directory another user
// owns, holding an `epscope` symlink to a root directory: not used.
TEST_F(LayoutStoreTest, AConfigDirectoryAnotherUserOwnsIsNotUsed) {
    ASSERT_EQ(::geteuid(), 0u) << "needs root (CTest label host)";
    const passwd* pw = second_user();
    ASSERT_NE(pw, nullptr) << "useradd failed";
    const fs::path theirs = dir_ / "theirs";
    const fs::path victim = dir_ / "victim";
    fs::create_directories(theirs);
    fs::create_directories(victim);
    ASSERT_EQ(::chown(theirs.c_str(), pw->pw_uid, pw->pw_gid), 0);
    ASSERT_EQ(::symlink(victim.c_str(), (theirs / "epscope").c_str()), 0);
    ::setenv("XDG_CONFIG_HOME", theirs.c_str(), 1);
    view::Shares wide;
    wide.side = 0.5f;
    std::string note;
    run_once(&wide, &note);
    EXPECT_FALSE(fs::exists(victim / "gui.ini"));
    EXPECT_NE(note.find("another user"), std::string::npos) << note;
    // A directory of root's own: used.
    fs::remove(theirs / "epscope");
    ASSERT_EQ(::chown(theirs.c_str(), 0, 0), 0);
    run_once(&wide);
    EXPECT_TRUE(fs::exists(theirs / "epscope" / "gui.ini"));
}

}  // namespace
}  // namespace epscope::gui
