// Runs epscope-gui (EPSCOPE_GUI_BIN) to completion for the screenshot tests:
// its exit status and what it said on stderr.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace epscope::gui_test {

struct GuiRun {
    int status = -1;  // exit status, or -1 if it did not exit normally
    std::string err;  // stderr
};

// Runs epscope-gui with `args`; `no_display` removes DISPLAY and WAYLAND_DISPLAY.
inline GuiRun run_gui(const std::vector<std::string>& args, const std::filesystem::path& err_file,
                      bool no_display = false) {
    std::vector<std::string> argv_s{EPSCOPE_GUI_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e) {
        if (no_display && (std::strncmp(*e, "DISPLAY=", 8) == 0 ||
                           std::strncmp(*e, "WAYLAND_DISPLAY=", 16) == 0)) {
            continue;
        }
        envp.push_back(*e);
    }
    envp.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = 0;
    GuiRun r;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        r.err = std::string("posix_spawn: ") + std::strerror(rc);
        return r;
    }
    int ws = 0;
    waitpid(pid, &ws, 0);
    if (WIFEXITED(ws)) r.status = WEXITSTATUS(ws);
    std::ifstream f(err_file);
    std::stringstream ss;
    ss << f.rdbuf();
    r.err = ss.str();
    return r;
}

}  // namespace epscope::gui_test
