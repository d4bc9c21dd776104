#include "cli/gui_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace epscope::cli {
namespace {

std::optional<unsigned long> env_number(const char* name) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == 0) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    const unsigned long n = std::strtoul(v, &end, 10);
    if (errno != 0 || *end != 0) return std::nullopt;
    return n;
}

int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

// What the child becomes, all of it prepared before fork: between fork and
// exec only async-signal-safe calls are made (no NSS lookups, no setenv).
struct ChildPlan {
    char* const* argv;
    char* const* envp;
    std::optional<DropTo> user;
    std::vector<gid_t> groups;  // the user's supplementary groups
};

// In the child: the user's identity fully in place before exec (groups, then
// gid, then uid: after setuid the others can no longer be changed). Reports
// the failing stage and errno on err_fd (close-on-exec: silent on success).
[[noreturn]] void exec_child(const ChildPlan& plan, int err_fd) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int stage = 1;
    const bool identity_ok =
        !plan.user || (setgroups(plan.groups.size(), plan.groups.data()) == 0 &&
                       setgid(plan.user->gid) == 0 && setuid(plan.user->uid) == 0);
    if (identity_ok) {
        stage = 2;
        execvpe(plan.argv[0], plan.argv, plan.envp);
    }
    int msg[2] = {stage, errno};
    (void)!write(err_fd, msg, sizeof msg);
    _exit(127);
}

// The environment for the child: ours, with HOME, USER and LOGNAME of the
// user it runs as (root's HOME would point Xlib at root's ~/.Xauthority).
std::vector<std::string> child_environment(const std::string& name, const std::string& home) {
    std::vector<std::string> env;
    auto replaced = [&](std::string_view var) {
        return (var.starts_with("HOME=") && !home.empty()) ||
               ((var.starts_with("USER=") || var.starts_with("LOGNAME=")) && !name.empty());
    };
    for (char** e = environ; *e != nullptr; ++e)
        if (!replaced(*e)) env.emplace_back(*e);
    if (!home.empty()) env.push_back("HOME=" + home);
    if (!name.empty()) {
        env.push_back("USER=" + name);
        env.push_back("LOGNAME=" + name);
    }
    return env;
}

}  // namespace

std::optional<DropTo> sudo_user() {
    if (::geteuid() != 0) return std::nullopt;
    auto uid = env_number("SUDO_UID");
    auto gid = env_number("SUDO_GID");
    if (!uid || !gid || *uid == 0) return std::nullopt;
    return DropTo{static_cast<uid_t>(*uid), static_cast<gid_t>(*gid)};
}

GuiProcess::GuiProcess(const std::vector<std::string>& argv, std::optional<DropTo> user) {
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    // Looked up before fork: getpwuid and getgrouplist are not async-signal-safe.
    std::string name, home;
    ChildPlan plan{args.data(), nullptr, user, {}};
    if (user) {
        if (const passwd* pw = ::getpwuid(user->uid)) {
            name = pw->pw_name;
            home = pw->pw_dir;
            int n = 64;
            plan.groups.resize(static_cast<std::size_t>(n));
            while (::getgrouplist(name.c_str(), user->gid, plan.groups.data(), &n) < 0) {
                plan.groups.resize(static_cast<std::size_t>(n));
            }
            plan.groups.resize(static_cast<std::size_t>(n));
        }
        // A uid without a passwd entry: no supplementary groups (setgroups(0)).
    }
    std::vector<std::string> env =
        user ? child_environment(name, home) : std::vector<std::string>{};
    std::vector<char*> envp;
    if (user) {
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        plan.envp = envp.data();
    } else {
        plan.envp = environ;
    }
    int err[2];
    if (::pipe2(err, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("cannot create a pipe: ") + std::strerror(errno));
    pid_ = ::fork();
    if (pid_ < 0) {
        ::close(err[0]);
        ::close(err[1]);
        throw std::runtime_error(std::string("cannot fork: ") + std::strerror(errno));
    }
    if (pid_ == 0) {
        ::close(err[0]);
        exec_child(plan, err[1]);
    }
    ::close(err[1]);
    int msg[2] = {0, 0};
    const ssize_t n = ::read(err[0], msg, sizeof msg);
    ::close(err[0]);
    if (n == static_cast<ssize_t>(sizeof msg)) {
        wait();
        if (msg[0] == 1)
            throw std::runtime_error("cannot switch to uid " + std::to_string(user->uid) + ": " +
                                     std::strerror(msg[1]));
        throw std::runtime_error("cannot run '" + argv[0] + "': " + std::strerror(msg[1]) +
                                 " (set EPSCOPE_GUI to the epscope-gui program)");
    }
}

GuiProcess::~GuiProcess() { terminate(); }

std::optional<int> GuiProcess::try_wait() {
    if (status_ || pid_ <= 0) return status_;
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) status_ = decode_status(st);
    return status_;
}

int GuiProcess::wait() {
    while (!status_) {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, 0);
        if (r == pid_) status_ = decode_status(st);
        if (r < 0 && errno != EINTR) status_ = -1;
    }
    return *status_;
}

void GuiProcess::terminate() {
    if (pid_ <= 0 || try_wait()) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 300 && !try_wait(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!try_wait()) {
        ::kill(pid_, SIGKILL);
        wait();
    }
}

std::string find_gui_binary() {
    if (const char* e = std::getenv("EPSCOPE_GUI"); e != nullptr && *e != 0) return e;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto dir = self.parent_path();
        for (const auto& c : {dir / "epscope-gui", dir / "../../gui/epscope-gui"}) {
            if (::access(c.c_str(), X_OK) == 0) return std::filesystem::weakly_canonical(c, ec);
        }
    }
    return "epscope-gui";  // execvp searches PATH
}

}  // namespace epscope::cli
