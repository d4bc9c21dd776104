// The layout kept between runs: ImGui's ini (with an [epscope][Layout] entry
// holding the panes' shares) in the invoking user's config directory,
// $XDG_CONFIG_HOME/epscope/gui.ini or ~/.config/epscope/gui.ini.
//
// Root may run the window for a user (`sudo epscope-gui`, SUDO_UID set): the
// file is then the user's, in the home of the user's passwd entry, read and
// written with the user's file-system identity (setfsuid), so it is owned by
// the user and nothing root alone may open is reachable through it. Every
// directory on the way from the config directory down must belong to that
// user (or root) and be writable by no one else, and no symlink is followed
// there: a path another user could have planted is never used. When the
// directory cannot be trusted the layout is simply not kept (one line says why).
#pragma once

#include <string>

#include "view/layout.hpp"

namespace epscope::gui {

class LayoutStore {
public:
    // Registers the ini entry for `shares` and reads the file if there is
    // one. After ImGui::CreateContext, before the first frame.
    explicit LayoutStore(view::Shares& shares);
    ~LayoutStore();  // writes the layout once more if it changed
    LayoutStore(const LayoutStore&) = delete;
    LayoutStore& operator=(const LayoutStore&) = delete;

    // Writes the file when ImGui asks for it (a few seconds after a change).
    void save_if_wanted();
    // Why the layout is not kept, empty when it is.
    const std::string& note() const { return note_; }

private:
    bool save();
    std::string note_;
};

}  // namespace epscope::gui
