// epoll-family: processes shaped like servers a user attaches to with
// `epscope record -p PID`, for the host tests of what `-p` finds.
//
//   epoll-family instances SECONDS
//     One process with four epoll instances: epfd A holds two pipes and is
//     waited on every 50 ms; B is empty; C and D hold one pipe each and are
//     never touched again (idle, known only from /proc to a tracer that
//     attaches later). Prints "ready" and the epfds ("ready A B C D").
//   epoll-family master WORKERS SECONDS
//     An nginx-style master: forks WORKERS workers, each with its own epoll
//     instance holding a pipe, waited on every 50 ms; the master itself makes
//     no epoll call. Prints "ready" and the worker pids once all have their
//     instance.
// Both run SECONDS and exit 0.
#include <signal.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

// An epoll instance holding the read ends of `n` new pipes.
int instance_with_pipes(int n) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    for (int i = 0; i < n; ++i) {
        int p[2];
        if (pipe(p) != 0) die("pipe");
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.fd = p[0];
        if (epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) != 0) die("epoll_ctl");
    }
    return ep;
}

void wait_loop(int ep, double seconds) {
    const auto end = std::chrono::steady_clock::now() +
                     std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    epoll_event evs[4];
    while (std::chrono::steady_clock::now() < end) epoll_wait(ep, evs, 4, 50);
}

int run_instances(double seconds) {
    int a = instance_with_pipes(2);
    int b = instance_with_pipes(0);
    int c = instance_with_pipes(1);
    int d = instance_with_pipes(1);
    std::printf("ready %d %d %d %d\n", a, b, c, d);
    std::fflush(stdout);
    wait_loop(a, seconds);
    return 0;
}

int run_master(int workers, double seconds) {
    int ready[2];
    if (pipe(ready) != 0) die("pipe");
    std::vector<pid_t> pids;
    for (int i = 0; i < workers; ++i) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            int ep = instance_with_pipes(1);
            char one = 1;
            if (write(ready[1], &one, 1) != 1) die("write");
            wait_loop(ep, seconds);
            _exit(0);
        }
        pids.push_back(pid);
    }
    for (int i = 0; i < workers; ++i) {
        char c;
        if (read(ready[0], &c, 1) != 1) die("read");
    }
    std::string line = "ready";
    for (pid_t p : pids) line += " " + std::to_string(p);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    int status = 0;
    for (pid_t p : pids) waitpid(p, &status, 0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::strcmp(argv[1], "instances") == 0)
        return run_instances(std::atof(argv[2]));
    if (argc == 4 && std::strcmp(argv[1], "master") == 0)
        return run_master(std::atoi(argv[2]), std::atof(argv[3]));
    std::fprintf(stderr, "usage: epoll-family instances SECONDS | master WORKERS SECONDS\n");
    return 2;
}
