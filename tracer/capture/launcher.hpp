// Starts a command held at the door: the child is forked and waits until the
// tracer has put its pid into the BPF filter, then execs. So its very first
// epoll call is already traced.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "capture/run_as.hpp"

namespace epscope::capture {

class LaunchedCommand {
public:
    // Forks; the child waits. Throws CaptureError if fork fails. With `user`
    // the command runs as that user, with their groups and HOME/USER/LOGNAME.
    explicit LaunchedCommand(std::vector<std::string> argv,
                             std::optional<RunAs> user = std::nullopt);
    ~LaunchedCommand();
    LaunchedCommand(const LaunchedCommand&) = delete;
    LaunchedCommand& operator=(const LaunchedCommand&) = delete;

    pid_t pid() const { return pid_; }
    // Lets the child exec; throws CaptureError if exec failed ("cannot run X: ...").
    void release();
    // Non-blocking reap; the exit status once the child has exited.
    std::optional<int> try_wait();
    // Sends SIGTERM (and reaps) if the child is still running.
    void terminate();

private:
    std::vector<std::string> argv_;
    std::optional<RunAs> user_;
    std::vector<std::string> env_;  // the user's environment, built before fork
    pid_t pid_ = -1;
    int go_fd_ = -1;     // parent writes one byte: go
    int error_fd_ = -1;  // child writes errno if exec fails (CLOEXEC: EOF on success)
    std::optional<int> status_;
};

}  // namespace epscope::capture
