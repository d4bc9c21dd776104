// ready-before-attach SECONDS: an epoll instance whose level-triggered items are ready before
// a tracer attaches (`record -p`) and that no callback touches afterwards: an eventfd with a
// count and a pipe with unread data, never read. epoll_wait harvests both every 20 ms and the
// kernel requeues them (level-triggered): the tracer's first sight of them is a harvest's
// ready-list walk, while its model has them from /proc only (fd, no file). Prints "ready"
// once set up; exits after SECONDS.
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

void add(int epfd, int fd, std::uint64_t data) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = data;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        std::perror("ready-before-attach: EPOLL_CTL_ADD");
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atof(argv[1]) <= 0) {
        std::fprintf(stderr, "usage: ready-before-attach SECONDS\n");
        return 2;
    }
    const auto end =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(std::atof(argv[1]));
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    const int efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
    int p[2];
    if (epfd < 0 || efd < 0 || pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0 || write(p[1], "x", 1) != 1) {
        std::perror("ready-before-attach: setup");
        return 1;
    }
    add(epfd, efd, 1);
    add(epfd, p[0], 2);
    std::printf("ready\n");
    std::fflush(stdout);
    while (std::chrono::steady_clock::now() < end) {
        epoll_event ev[4];
        if (epoll_wait(epfd, ev, 4, 1000) != 2) {
            std::fprintf(stderr, "ready-before-attach: both items should be ready\n");
            return 1;
        }
        usleep(20000);
    }
    return 0;
}
