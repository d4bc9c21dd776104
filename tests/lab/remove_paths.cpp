// remove-paths: the three ways an epitem leaves an instance, one after the other, each announced
// on tracefs's trace_marker so that kprobes on the removal functions (see capture-remove-paths)
// tell which functions each way enters on the running kernel:
//   ctl_del     EPOLL_CTL_DEL of a registered fd
//   file_close  the last close of a registered fd
//   teardown    the last close of an instance that still holds an item
// Usage: remove-paths TRACE_MARKER-PATH
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

int g_marker = -1;

void mark(const char* step) {
    if (write(g_marker, step, std::strlen(step)) < 0) std::perror("remove-paths: trace_marker");
}

int add_eventfd(int epfd) {
    const int fd = eventfd(0, EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (fd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) std::perror("remove-paths: add");
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "remove-paths: usage: remove-paths TRACE_MARKER-PATH\n");
        return 2;
    }
    g_marker = open(argv[1], O_WRONLY | O_CLOEXEC);
    if (g_marker < 0) {
        std::fprintf(stderr, "remove-paths: cannot open %s: %s\n", argv[1], std::strerror(errno));
        return 1;
    }
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    const int a = add_eventfd(epfd);
    const int b = add_eventfd(epfd);
    const int c = add_eventfd(epfd);
    mark("step ctl_del");
    if (epoll_ctl(epfd, EPOLL_CTL_DEL, a, nullptr) != 0) std::perror("remove-paths: del");
    mark("step file_close");
    close(b);
    mark("step teardown");
    close(epfd);
    mark("step end");
    close(a);
    close(c);
    return 0;
}
