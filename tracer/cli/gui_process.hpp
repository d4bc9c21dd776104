// The viewer of `epscope gui`: epscope-gui --connect SOCKET started as the
// user who ran sudo (SUDO_UID/SUDO_GID), never as root, with the display
// variables kept. Owned by the tracer: terminated and reaped by it.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace epscope::cli {

struct DropTo {
    uid_t uid;
    gid_t gid;
};

// SUDO_UID/SUDO_GID when we are root and both are set: who to run the GUI as.
std::optional<DropTo> sudo_user();

class GuiProcess {
public:
    // Forks and execs `argv` (as `user` if set). Throws std::runtime_error
    // with one line if it cannot be started (no such program, setuid refused).
    GuiProcess(const std::vector<std::string>& argv, std::optional<DropTo> user);
    ~GuiProcess();  // terminate()
    GuiProcess(const GuiProcess&) = delete;
    GuiProcess& operator=(const GuiProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Non-blocking: the exit status once the GUI has exited.
    std::optional<int> try_wait();
    // Blocks until the GUI exits.
    int wait();
    // SIGTERM, then reaps (SIGKILL if it is still there after 3 s).
    void terminate();

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
};

// The epscope-gui to run: $EPSCOPE_GUI, else next to this executable (an
// install, or the build tree's gui/), else on PATH.
std::string find_gui_binary();

}  // namespace epscope::cli
