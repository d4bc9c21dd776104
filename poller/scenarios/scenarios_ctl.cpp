// Scenarios about the interest set: insertion, modification, removal, and the ways an item
// outlives or loses its fd (close, dup, fork, nesting).
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "scenario.hpp"
#include "syscalls.hpp"

namespace epscope::poller {

namespace {

// SCM_RIGHTS: sends `fds` with their numbers in this process as the payload.
bool send_fds(int sock, const int (&fds)[2]) {
    char cbuf[CMSG_SPACE(sizeof fds)] = {};
    iovec iov{const_cast<int*>(fds), sizeof fds};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof fds);
    std::memcpy(CMSG_DATA(c), fds, sizeof fds);
    return sendmsg(sock, &msg, 0) == static_cast<ssize_t>(sizeof fds);
}

// Receives two fds: `mine` gets their numbers here, `theirs` the sender's.
bool recv_fds(int sock, int (&mine)[2], int (&theirs)[2]) {
    char cbuf[CMSG_SPACE(sizeof mine)] = {};
    iovec iov{theirs, sizeof theirs};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf;
    msg.msg_controllen = sizeof cbuf;
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != static_cast<ssize_t>(sizeof theirs)) return false;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c == nullptr || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof mine))
        return false;
    std::memcpy(mine, CMSG_DATA(c), sizeof mine);
    return true;
}

}  // namespace

void scenario_insert_modify_delete(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s.checkpoint("empty instance", epfd, {});

    s.expect(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0xa1) == 0, "ADD pipe read end");
    s.expect(ctl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET, 0xb1) == 0, "ADD eventfd edge");
    s.checkpoint("two items inserted", epfd,
                 {{p[0], stored(EPOLLIN), 0xa1}, {efd, stored(EPOLLIN | EPOLLET), 0xb1}});

    s.expect(ctl(epfd, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLRDHUP, 0xa2) == 0, "MOD pipe");
    s.expect(ctl(epfd, EPOLL_CTL_MOD, efd, EPOLLOUT, 0xb2) == 0, "MOD eventfd to level OUT");
    s.checkpoint("both items modified", epfd,
                 {{p[0], stored(EPOLLIN | EPOLLRDHUP), 0xa2}, {efd, stored(EPOLLOUT), 0xb2}});

    // Errors leave the interest set unchanged.
    errno = 0;
    s.expect(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0) < 0 && errno == EEXIST,
             "ADD of a registered fd fails with EEXIST");
    errno = 0;
    s.expect(ctl(epfd, EPOLL_CTL_MOD, p[1], EPOLLOUT, 0) < 0 && errno == ENOENT,
             "MOD of an unregistered fd fails with ENOENT");
    errno = 0;
    s.expect(ctl(epfd, EPOLL_CTL_ADD, epfd, EPOLLIN, 0) < 0 && errno == EINVAL,
             "ADD of the instance to itself fails with EINVAL");
    const int file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    errno = 0;
    s.expect(ctl(epfd, EPOLL_CTL_ADD, file, EPOLLIN, 0) < 0 && errno == EPERM,
             "ADD of a regular (always ready) file fails with EPERM");
    close(file);
    s.checkpoint("unchanged after failed ctl calls", epfd,
                 {{p[0], stored(EPOLLIN | EPOLLRDHUP), 0xa2}, {efd, stored(EPOLLOUT), 0xb2}});

    s.expect(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], nullptr) == 0, "DEL pipe");
    errno = 0;
    s.expect(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], nullptr) < 0 && errno == ENOENT,
             "second DEL fails with ENOENT");
    s.checkpoint("pipe deleted", epfd, {{efd, stored(EPOLLOUT), 0xb2}});
    s.expect(epoll_ctl(epfd, EPOLL_CTL_DEL, efd, nullptr) == 0, "DEL eventfd");
    s.checkpoint("empty again", epfd, {});
    for (int fd : {p[0], p[1], efd, epfd}) close(fd);
}

void scenario_close_registered(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    ctl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN, 2);
    fill(p[1], 10);  // p[0] is on the ready list when it is closed
    s.checkpoint("pipe and eventfd registered", epfd,
                 {{p[0], stored(EPOLLIN), 1}, {efd, stored(EPOLLIN), 2}});
    close(p[0]);  // last reference: the item is removed (eventpoll_release_file)
    s.checkpoint("pipe closed: its item is gone", epfd, {{efd, stored(EPOLLIN), 2}});
    epoll_event ev[4];
    s.expect(wait_events(epfd, ev, 4, 0) == 0, "the closed item's pending event is not delivered");
    signal_eventfd(efd);
    const int n = wait_events(epfd, ev, 4, 0);
    s.expect(n == 1 && ev[0].data.u64 == 2, "the remaining item still delivers");
    close(efd);
    s.checkpoint("eventfd closed: instance empty", epfd, {});
    close(p[1]);
    close(epfd);
}

void scenario_dup_registered_twice(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const int d = fcntl(p[0], F_DUPFD_CLOEXEC, 0);
    // Items are keyed by (file, fd): the same file under two fd numbers is two items.
    s.expect(ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x10) == 0, "ADD original fd");
    s.expect(ctl(epfd, EPOLL_CTL_ADD, d, EPOLLIN | EPOLLET, 0x20) == 0, "ADD its dup");
    s.checkpoint("one file, two items", epfd,
                 {{p[0], stored(EPOLLIN), 0x10}, {d, stored(EPOLLIN | EPOLLET), 0x20}});
    fill(p[1], 4);
    epoll_event ev[4];
    s.expect(wait_events(epfd, ev, 4, 0) == 2, "one write readies both items");
    // close() of one fd does not remove anything: the file still has a reference (the dup).
    close(p[0]);
    s.checkpoint("original closed: both items stay (file still open)", epfd,
                 {{p[0], stored(EPOLLIN), 0x10}, {d, stored(EPOLLIN | EPOLLET), 0x20}});
    errno = 0;
    s.expect(epoll_ctl(epfd, EPOLL_CTL_DEL, p[0], nullptr) < 0 && errno == EBADF,
             "DEL through the closed fd number fails with EBADF");
    s.expect(wait_events(epfd, ev, 4, 0) == 1 && ev[0].data.u64 == 0x10,
             "the stale item of the closed fd still delivers (level)");
    close(d);  // last reference: every item of the file goes
    s.checkpoint("dup closed: file released, both items removed", epfd, {});
    close(p[1]);
    close(epfd);
}

void scenario_fork_shared(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    const int a = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const int b = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    ctl(epfd, EPOLL_CTL_ADD, a, EPOLLIN, 0xaa);
    s.checkpoint("parent registered a", epfd, {{a, stored(EPOLLIN), 0xaa}});
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        // Same instance: the child sees the parent's item and adds its own.
        s.checkpoint("child sees the parent's item", epfd, {{a, stored(EPOLLIN), 0xaa}});
        ctl(epfd, EPOLL_CTL_ADD, b, EPOLLIN, 0xbb);
        signal_eventfd(b);
        s.checkpoint("child added b", epfd,
                     {{a, stored(EPOLLIN), 0xaa}, {b, stored(EPOLLIN), 0xbb}});
        // Closing the child's copies removes nothing: the parent holds the files.
        close(b);
        close(a);
        std::fflush(stdout);
        _exit(s.failures() == 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    s.skip_checkpoints(2);
    s.expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checkpoints matched");
    s.checkpoint("parent sees the child's item after the child exited", epfd,
                 {{a, stored(EPOLLIN), 0xaa}, {b, stored(EPOLLIN), 0xbb}});
    epoll_event ev[4];
    const int n = wait_events(epfd, ev, 4, 0);
    s.expect(n == 1 && ev[0].data.u64 == 0xbb, "the child's signal is harvested by the parent");
    close(b);
    s.checkpoint("parent closed b", epfd, {{a, stored(EPOLLIN), 0xaa}});
    close(a);
    close(epfd);
}

void scenario_fd_passing(Script& s) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) std::abort();
    std::fflush(stdout);
    const pid_t child = fork();
    if (child == 0) {
        // The child creates the instance and an item, then hands both files to
        // its parent and exits: the instance lives on, reached by other numbers.
        close(sv[0]);
        const int epfd = epoll_create1(EPOLL_CLOEXEC);
        const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        ctl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN, 0xc1);
        s.checkpoint("child created the instance", epfd, {{efd, stored(EPOLLIN), 0xc1}});
        const int fds[2] = {epfd, efd};
        s.expect(send_fds(sv[1], fds), "child sent the epoll fd and the eventfd");
        std::fflush(stdout);
        _exit(s.failures() == 0 ? 0 : 1);
    }
    close(sv[1]);
    int mine[2] = {-1, -1};
    int theirs[2] = {-1, -1};
    s.expect(recv_fds(sv[0], mine, theirs), "parent received two fds over SCM_RIGHTS");
    int status = 0;
    waitpid(child, &status, 0);
    s.skip_checkpoints(1);
    s.expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child checkpoints matched");
    const int epfd = mine[0];
    const int efd = mine[1];
    // The item keeps the fd number it was registered under: the child's.
    const int own = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    s.expect(ctl(epfd, EPOLL_CTL_ADD, own, EPOLLIN, 0xd1) == 0,
             "parent ADDs through the received epoll fd");
    s.checkpoint("parent reaches the child's instance", epfd,
                 {{theirs[1], stored(EPOLLIN), 0xc1}, {own, stored(EPOLLIN), 0xd1}});
    signal_eventfd(efd);
    epoll_event ev[4];
    const int n = wait_events(epfd, ev, 4, 0);
    s.expect(n == 1 && ev[0].data.u64 == 0xc1,
             "a signal through the received eventfd fires the child's item");
    close(efd);  // the last reference to the child's eventfd: its item goes
    s.checkpoint("the received eventfd closed", epfd, {{own, stored(EPOLLIN), 0xd1}});
    close(own);
    close(epfd);
    close(sv[0]);
}

void scenario_nested(Script& s) {
    const int outer = epoll_create1(EPOLL_CLOEXEC);
    const int inner = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    ctl(inner, EPOLL_CTL_ADD, p[0], EPOLLIN, 0x1);
    s.expect(ctl(outer, EPOLL_CTL_ADD, inner, EPOLLIN, 0x2) == 0, "ADD inner instance to outer");
    errno = 0;
    s.expect(ctl(inner, EPOLL_CTL_ADD, outer, EPOLLIN, 0x3) < 0 && errno == ELOOP,
             "a cycle (outer inside inner) fails with ELOOP");
    s.checkpoint("inner holds the pipe", inner, {{p[0], stored(EPOLLIN), 0x1}});
    s.checkpoint("outer holds inner", outer, {{inner, stored(EPOLLIN), 0x2}});
    epoll_event ev[2];
    s.expect(wait_events(outer, ev, 2, 0) == 0, "nothing ready yet");
    fill(p[1], 1);  // the pipe's callback wakes inner, whose callback readies outer's item
    s.expect(wait_events(outer, ev, 2, 0) == 1 && ev[0].data.u64 == 0x2,
             "outer reports inner readable");
    s.expect(wait_events(inner, ev, 2, 0) == 1 && ev[0].data.u64 == 0x1, "inner reports the pipe");
    drain(p[0], 16);
    s.expect(wait_events(outer, ev, 2, 0) == 0, "outer quiet after the pipe is drained");
    close(inner);
    s.checkpoint("inner closed: outer empty", outer, {});
    for (int fd : {p[0], p[1], outer}) close(fd);
}

namespace {

// A child that registers pipe, eventfd and socketpair items, makes two of them ready and
// _exit()s with every fd open: the kernel closes its fds in number order at exit.
// `epoll_last`: the instance's fd is above its targets' (created after them).
void exit_with_items_child(Script& s, bool epoll_last) {
    int epfd = epoll_last ? -1 : epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    int sv[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) std::abort();
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_last) epfd = epoll_create1(EPOLL_CLOEXEC);
    ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN, 1);
    ctl(epfd, EPOLL_CTL_ADD, efd, EPOLLIN | EPOLLET, 2);
    ctl(epfd, EPOLL_CTL_ADD, sv[0], EPOLLIN | EPOLLOUT, 3);
    fill(p[1], 8);  // ready when the process exits
    signal_eventfd(efd);
    s.checkpoint(epoll_last ? "epoll fd above its targets, three items"
                            : "epoll fd below its targets, three items",
                 epfd,
                 {{p[0], stored(EPOLLIN), 1},
                  {efd, stored(EPOLLIN | EPOLLET), 2},
                  {sv[0], stored(EPOLLIN | EPOLLOUT), 3}});
    std::fflush(stdout);
    _exit(s.failures() == 0 ? 0 : 1);
}

}  // namespace

void scenario_exit_with_items(Script& s) {
    for (bool epoll_last : {true, false}) {
        std::fflush(stdout);
        const pid_t child = fork();
        if (child == 0) exit_with_items_child(s, epoll_last);
        int status = 0;
        waitpid(child, &status, 0);
        s.skip_checkpoints(1);
        s.expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                 epoll_last ? "child with the epoll fd last exited, checkpoint matched"
                            : "child with the epoll fd first exited, checkpoint matched");
    }
}

}  // namespace epscope::poller
