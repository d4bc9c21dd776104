// rb-sequence: a reproducible sequence of EPOLL_CTL_ADD and EPOLL_CTL_DEL on
// one instance, for recording with `epscope record --verify` in the kernel
// lab: the trace then holds the operations and, after each, BPF's walk of the
// kernel's rb-tree (shape and colours). Committed as unit-test data
// (tests/unit/model/data/rb-sequence-*.trace), it proves the model's rbtree
// re-implementation against lib/rbtree.c.
//
// Usage: rb-sequence FDS OPS SEED
//   FDS eventfds, then OPS operations: each picks an fd (xorshift from SEED)
//   and deletes it if registered, adds it otherwise.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 4 || std::atoi(argv[1]) <= 0 || std::atoi(argv[2]) < 0) {
        std::fprintf(stderr, "usage: rb-sequence FDS OPS SEED (FDS > 0, OPS >= 0)\n");
        return 2;
    }
    const int fds = std::atoi(argv[1]);
    const int ops = std::atoi(argv[2]);
    std::uint64_t x = std::strtoull(argv[3], nullptr, 10) | 1;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return perror("epoll_create1"), 1;
    std::vector<int> fd(fds);
    std::vector<bool> in(fds, false);
    for (int i = 0; i < fds; ++i)
        if ((fd[i] = eventfd(0, EFD_NONBLOCK)) < 0) return perror("eventfd"), 1;
    for (int n = 0; n < ops; ++n) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int i = static_cast<int>(x % static_cast<std::uint64_t>(fds));
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = static_cast<std::uint64_t>(i);
        if (epoll_ctl(epfd, in[i] ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, fd[i], &ev) != 0)
            return perror("epoll_ctl"), 1;
        in[i] = !in[i];
    }
    std::printf("rb-sequence: %d fds, %d operations\n", fds, ops);
    return 0;
}
