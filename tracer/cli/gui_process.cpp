#include "cli/gui_process.hpp"

#include <fcntl.h>
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

#include "capture/run_as.hpp"
#include "trace/safe_path.hpp"

extern char** environ;

namespace epscope::cli {
namespace {

int decode_status(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

// What the child becomes, all of it prepared before fork: between fork and
// exec only async-signal-safe calls are made (no NSS lookups, no setenv).
struct ChildPlan {
    char* const* argv;
    char* const* envp;
    const capture::RunAs* user;
};

// In the child: the user's identity fully in place before exec. Reports the
// failing stage and errno on err_fd (close-on-exec: silent on success).
[[noreturn]] void exec_child(const ChildPlan& plan, int err_fd) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int stage = 1;
    if (!plan.user || plan.user->assume()) {
        stage = 2;
        execvpe(plan.argv[0], plan.argv, plan.envp);
    }
    int msg[2] = {stage, errno};
    (void)!write(err_fd, msg, sizeof msg);
    _exit(127);
}

}  // namespace

std::optional<DropTo> sudo_user() {
    const auto u = trace::invoking_user();
    if (!u) return std::nullopt;
    return DropTo{u->uid, u->gid};
}

GuiProcess::GuiProcess(const std::vector<std::string>& argv, std::optional<DropTo> user) {
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    // Looked up before fork: getpwuid and getgrouplist are not async-signal-safe.
    std::optional<capture::RunAs> as;
    if (user) as = capture::RunAs::of(user->uid, user->gid);
    ChildPlan plan{args.data(), nullptr, as ? &*as : nullptr};
    std::vector<std::string> env = as ? as->environment() : std::vector<std::string>{};
    std::vector<char*> envp;
    if (as) {
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
