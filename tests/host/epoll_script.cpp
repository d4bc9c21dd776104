// epoll-script: a fixed sequence of epoll calls that drives every kernel path
// the tracer must see (insert, modify, remove, callbacks with each outcome, a
// waiter put to sleep and woken, harvests with maxevents smaller than the
// ready list, level/edge/one-shot delivery, removal at close, teardown), and
// logs what it did and what it expects, one line per fact. trace-check
// compares a recorded trace against this log.
//
// Log lines (fields separated by spaces):
//   pid TGID
//   ctl OP EPFD FD EVENTS DATA RESULT         OP: add|mod|del
//   wait EPFD MAXEVENTS RESULT TID
//   event INDEX REVENTS DATA                  (follows its wait line)
//   callback FD OUTCOME                       an outcome the kernel must report, in order per fd
//   wakeup TID                                this thread, asleep in epoll_wait, must be woken
//   close FD                                  a registered fd closed: removed by the kernel
//   free EPFD                                 the instance's last fd closed
// With --pause MS the script first registers its items, logs them as
//   snapshot EPFD FD EVENTS DATA              (made before the tracer attached)
// prints "ready" on stdout and sleeps MS, so `epscope record -p PID` can
// attach: the trace must describe those items from /proc (fdinfo).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

FILE* g_log = stdout;      // set once in main from --log, before any work
bool g_pre_trace = false;  // ctl calls logged as "snapshot" (made before attach)

pid_t gettid_() { return static_cast<pid_t>(syscall(SYS_gettid)); }

void ctl(int epfd, int op, int fd, std::uint32_t events, std::uint64_t data) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = data;
    int r = epoll_ctl(epfd, op, fd, op == EPOLL_CTL_DEL ? nullptr : &ev);
    const char* name = op == EPOLL_CTL_ADD ? "add" : op == EPOLL_CTL_MOD ? "mod" : "del";
    if (g_pre_trace) {
        std::fprintf(g_log, "snapshot %d %d %u %llu\n", epfd, fd, events,
                     static_cast<unsigned long long>(data));
        return;
    }
    if (op == EPOLL_CTL_DEL) events = 0, data = 0;
    std::fprintf(g_log, "ctl %s %d %d %u %llu %d\n", name, epfd, fd, events,
                 static_cast<unsigned long long>(data), r < 0 ? -errno : 0);
}

int wait(int epfd, int maxevents, int timeout_ms) {
    epoll_event out[16];
    int n = epoll_wait(epfd, out, maxevents, timeout_ms);
    std::fprintf(g_log, "wait %d %d %d %d\n", epfd, maxevents, n < 0 ? -errno : n, gettid_());
    for (int i = 0; i < n; ++i)
        std::fprintf(g_log, "event %d %u %llu\n", i, out[i].events,
                     static_cast<unsigned long long>(out[i].data.u64));
    return n;
}

void poke(int efd) {
    std::uint64_t one = 1;
    if (write(efd, &one, sizeof(one)) != sizeof(one)) std::perror("eventfd write");
}

void drain(int efd) {
    std::uint64_t v;
    if (read(efd, &v, sizeof(v)) != sizeof(v)) std::perror("eventfd read");
}

void expect_callback(int fd, const char* outcome) {
    std::fprintf(g_log, "callback %d %s\n", fd, outcome);
}

// Reads --log and --pause; returns false (after saying why) on a bad command line.
bool parse_args(int argc, char** argv, int& pause_ms) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--log") == 0 && i + 1 < argc) {
            g_log = std::fopen(argv[++i], "w");
            if (!g_log) {
                std::fprintf(stderr, "epoll-script: cannot write %s: %s\n", argv[i],
                             std::strerror(errno));
                return false;
            }
        } else if (std::strcmp(argv[i], "--pause") == 0 && i + 1 < argc) {
            pause_ms = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: epoll-script [--log FILE] [--pause MS]\n");
            return false;
        }
    }
    return true;
}

// Items registered before the tracer attaches (seen only through /proc), then
// "ready" and a pause for `epscope record -p PID` to attach.
bool register_before_attach(int pause_ms) {
    const int epfd = epoll_create1(0);
    const int e = eventfd(0, EFD_NONBLOCK);
    int p[2];
    if (pipe(p)) return false;
    g_pre_trace = true;
    ctl(epfd, EPOLL_CTL_ADD, e, EPOLLIN | EPOLLET, 301);
    ctl(epfd, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 302);
    ctl(epfd, EPOLL_CTL_ADD, p[1], EPOLLOUT, 303);
    g_pre_trace = false;
    std::fflush(g_log);
    std::printf("ready\n");
    std::fflush(stdout);
    usleep(pause_ms * 1000);
    return true;
}

struct DeliveryFds {
    int epfd, a, b, c;
};

// One instance with a level-triggered, an edge-triggered and a one-shot item:
// every callback outcome, a harvest with maxevents smaller than the ready list,
// a modify, and a remove (with its error the second time).
DeliveryFds deliver_each_mode() {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    const int a = eventfd(0, EFD_NONBLOCK);  // level-triggered
    const int b = eventfd(0, EFD_NONBLOCK);  // edge-triggered
    const int c = eventfd(0, EFD_NONBLOCK);  // one-shot, then masked
    ctl(epfd, EPOLL_CTL_ADD, a, EPOLLIN, 101);
    ctl(epfd, EPOLL_CTL_ADD, b, EPOLLIN | EPOLLET, 102);
    ctl(epfd, EPOLL_CTL_ADD, c, EPOLLIN | EPOLLONESHOT, 103);
    ctl(epfd, EPOLL_CTL_ADD, a, EPOLLIN, 999);  // EEXIST: logged with its error

    wait(epfd, 8, 0);  // nothing ready

    poke(a);
    expect_callback(a, "queued_ready");
    poke(a);
    expect_callback(a, "already_ready");
    poke(b);
    expect_callback(b, "queued_ready");
    poke(c);
    expect_callback(c, "queued_ready");

    // maxevents 1: a is delivered and (level-triggered) requeued; b and c stay.
    wait(epfd, 1, 0);
    // The rest: b (edge: not requeued), c (one-shot: disarmed), a again (level).
    wait(epfd, 8, 0);

    poke(c);  // c is disarmed until EPOLL_CTL_MOD
    expect_callback(c, "ignored_disarmed");
    ctl(epfd, EPOLL_CTL_MOD, c, EPOLLOUT, 104);
    drain(c);
    poke(c);  // an EPOLLIN wakeup does not match EPOLLOUT
    expect_callback(c, "ignored_mask");

    drain(a);
    wait(epfd, 8, 0);  // a no longer readable: dropped from the ready list; c writable
    ctl(epfd, EPOLL_CTL_DEL, b, 0, 0);
    ctl(epfd, EPOLL_CTL_DEL, b, 0, 0);  // ENOENT
    return {epfd, a, b, c};
}

struct WaiterFds {
    int epfd2, d;
};

// A waiter that sleeps and is woken by a callback on another thread.
WaiterFds wake_sleeping_waiter() {
    const int d = eventfd(0, EFD_NONBLOCK);
    const int epfd2 = epoll_create1(0);
    ctl(epfd2, EPOLL_CTL_ADD, d, EPOLLIN, 201);
    pid_t waiter_tid = 0;
    std::thread waiter([&] {
        waiter_tid = gettid_();
        wait(epfd2, 4, 5000);
    });
    // Let the waiter reach its sleep: the tracer sees it go off CPU. Generous,
    // because the kernel lab emulates the CPU (TCG) on a shared host.
    usleep(1000 * 1000);
    poke(d);
    waiter.join();
    expect_callback(d, "queued_ready");
    std::fprintf(g_log, "wakeup %d\n", waiter_tid);
    return {epfd2, d};
}

// Removal at close (a), both instances freed (their remaining items torn down).
void close_all(const DeliveryFds& f, const WaiterFds& w) {
    close(f.a);  // the kernel removes a's item from epfd at the last close
    std::fprintf(g_log, "close %d\n", f.a);
    close(w.epfd2);
    std::fprintf(g_log, "free %d\n", w.epfd2);
    close(f.epfd);
    std::fprintf(g_log, "free %d\n", f.epfd);
    close(f.b);
    close(f.c);
    close(w.d);
}

}  // namespace

int main(int argc, char** argv) {
    int pause_ms = 0;
    if (!parse_args(argc, argv, pause_ms)) return 2;
    std::fprintf(g_log, "pid %d\n", getpid());
    if (pause_ms && !register_before_attach(pause_ms)) return 2;
    const DeliveryFds f = deliver_each_mode();
    const WaiterFds w = wake_sleeping_waiter();
    close_all(f, w);
    std::fclose(g_log);
    return 0;
}
