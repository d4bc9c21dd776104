#include "capture/launcher.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "capture/bpf_session.hpp"

extern char** environ;

namespace epscope::capture {

LaunchedCommand::LaunchedCommand(std::vector<std::string> argv, std::optional<RunAs> user)
    : argv_(std::move(argv)), user_(std::move(user)) {
    // Everything the child needs, prepared before fork: between fork and exec
    // only async-signal-safe calls (no allocation, no NSS lookups).
    std::vector<char*> args;
    for (auto& a : argv_) args.push_back(a.data());
    args.push_back(nullptr);
    if (user_) env_ = user_->environment();
    std::vector<char*> envp;
    for (auto& e : env_) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* const* env = user_ ? envp.data() : environ;
    int go[2], err[2];
    if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
        throw CaptureError(std::string("cannot create a pipe: ") + std::strerror(errno));
    pid_ = fork();
    if (pid_ < 0) throw CaptureError(std::string("cannot fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        // The tracer blocks SIGINT/SIGTERM/SIGCHLD for its signalfd; the
        // command must start with the default mask.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        close(go[1]);
        close(err[0]);
        char byte;
        if (read(go[0], &byte, 1) != 1) _exit(127);  // the tracer gave up
        int e = EPERM;
        if (!user_ || user_->assume()) {
            execvpe(args[0], args.data(), env);
            e = errno;
        } else {
            e = -errno;  // negative: switching user failed, not exec
        }
        (void)!write(err[1], &e, sizeof(e));
        _exit(127);
    }
    close(go[0]);
    close(err[1]);
    go_fd_ = go[1];
    error_fd_ = err[0];
}

LaunchedCommand::~LaunchedCommand() {
    if (go_fd_ >= 0) close(go_fd_);  // an unreleased child sees EOF and exits
    if (error_fd_ >= 0) close(error_fd_);
    terminate();
}

void LaunchedCommand::release() {
    char go = 1;
    (void)!write(go_fd_, &go, 1);
    close(go_fd_);
    go_fd_ = -1;
    int e = 0;
    ssize_t n = read(error_fd_, &e, sizeof(e));
    close(error_fd_);
    error_fd_ = -1;
    if (n == static_cast<ssize_t>(sizeof(e))) {
        try_wait();
        if (e < 0)
            throw CaptureError("cannot run '" + argv_[0] + "' as uid " +
                               std::to_string(user_->uid()) + ": " + std::strerror(-e));
        throw CaptureError("cannot run '" + argv_[0] + "': " + std::strerror(e));
    }
}

std::optional<int> LaunchedCommand::try_wait() {
    if (status_) return status_;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_)
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_;
}

void LaunchedCommand::terminate() {
    if (try_wait()) return;
    kill(pid_, SIGTERM);
    int st = 0;
    if (waitpid(pid_, &st, 0) == pid_)
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace epscope::capture
