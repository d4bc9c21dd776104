// Misuse scenarios with several threads (docs/FINDINGS.md): a herd, wakeups
// for nothing, callbacks during harvests. Each provokes its finding by the
// kernel path that defines it, with magnitudes far from the thresholds so a
// loaded emulated machine does not blur them.
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "scenario.hpp"
#include "syscalls.hpp"

namespace epscope::poller {

namespace {

int add(int epfd, int fd, uint32_t events, uint64_t data) {
    return ctl(epfd, EPOLL_CTL_ADD, fd, events, data);
}

// Waits on epfd (timeout 100 ms, to see `stop`) until stop; counts events.
void wait_until(int epfd, const std::atomic<bool>& stop, std::atomic<int>& events) {
    epoll_event ev[4];
    while (!stop.load()) {
        const int n = wait_events(epfd, ev, 4, 100);
        if (n > 0) events += n;
    }
}

}  // namespace

// One eventfd in 4 instances, edge-triggered and without EPOLLEXCLUSIVE, a
// thread waiting on each: every one of 40 writes (50 ms apart) runs 4
// callbacks that wake all 4 threads for one event (40 herds, 4x the threshold
// of 10). Nobody reads the eventfd, so each woken thread gets the event and
// no wakeup is spurious: the herd alone.
void scenario_bad_thundering_herd(Script& s) {
    constexpr int kWaiters = 4, kWrites = 40;
    const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    std::vector<int> eps;
    for (int i = 0; i < kWaiters; ++i) {
        eps.push_back(epoll_create1(EPOLL_CLOEXEC));
        add(eps.back(), efd, EPOLLIN | EPOLLET, static_cast<uint64_t>(i));
    }
    std::atomic<bool> stop{false};
    std::atomic<int> events{0};
    std::vector<std::thread> waiters;
    for (int ep : eps) waiters.emplace_back(wait_until, ep, std::cref(stop), std::ref(events));
    usleep(100'000);  // the waiters are asleep in epoll_wait
    for (int i = 0; i < kWrites; ++i) {
        signal_eventfd(efd);
        usleep(50'000);
    }
    stop = true;
    for (auto& t : waiters) t.join();
    s.expect(events.load() >= kWrites * 2,
             "40 writes woke several waiters each (" + std::to_string(events.load()) + " events)");
    s.checkpoint("eventfd in instance 0", eps[0], {{efd, stored(EPOLLIN | EPOLLET), 0}});
    for (int ep : eps) close(ep);
    close(efd);
}

// A signalfd for SIGUSR1 in an instance, and 80 other signals (SIGRTMIN+1,
// blocked) sent to the process 25 ms apart: the kernel wakes the signalfd's
// wait queue on every signal to the process, so ep_poll_callback queues the
// item and wakes the waiter, whose re-poll finds no SIGUSR1: the waiter goes
// back to sleep and its epoll_wait (10 ms timeout) returns 0. Every wakeup is
// spurious (80, against 20 and a 20% share).
void scenario_bad_spurious_wakeups(Script& s) {
    constexpr int kSignals = 80;
    const int other = SIGRTMIN + 1;
    sigset_t mask, old;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    sigaddset(&mask, other);
    pthread_sigmask(SIG_BLOCK, &mask, &old);  // the sender thread inherits it
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    const int sfd = signalfd(-1, &usr1, SFD_NONBLOCK | SFD_CLOEXEC);
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    add(epfd, sfd, EPOLLIN, 3);
    std::atomic<bool> stop{false};
    std::thread sender([&] {
        usleep(50'000);
        for (int i = 0; i < kSignals; ++i) {
            kill(getpid(), other);
            usleep(25'000);
        }
        stop = true;
    });
    epoll_event ev[2];
    int delivered = 0;
    while (!stop.load())
        if (wait_events(epfd, ev, 2, 10) > 0) ++delivered;
    sender.join();
    s.expect(delivered == 0, "no SIGUSR1: no event delivered though the waiter was woken");
    s.checkpoint("signalfd registered", epfd, {{sfd, stored(EPOLLIN), 3}});
    // Take the queued signals before restoring the mask (their default action ends the process).
    const timespec zero{};
    sigset_t others;
    sigemptyset(&others);
    sigaddset(&others, other);
    while (sigtimedwait(&others, nullptr, &zero) == other) {
    }
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    for (int fd : {sfd, epfd}) close(fd);
}

// The harvest's copy to user space faults on a page that userfaultfd keeps
// missing, so it stops inside ep_send_events (the overflow list active) until
// a handler thread resolves the fault; before it does, the handler signals 100
// edge-triggered eventfds, whose callbacks land on the overflow list. 10
// rounds: 1000 callbacks there, nearly every queueing one (the threshold is
// 25% of at least 100). Deterministic: no race between threads decides it.
void scenario_bad_overflow_pressure(Script& s) {
    constexpr int kLevel = 16, kLate = 100, kRounds = 10;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> fds;
    std::vector<ExpectedItem> expected;
    for (int i = 0; i < kLevel + kLate; ++i) {
        const int fd = eventfd(i < kLevel ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) std::abort();
        fds.push_back(fd);
        const uint32_t req = i < kLevel ? EPOLLIN : EPOLLIN | EPOLLET;
        add(epfd, fd, req, static_cast<uint64_t>(i));
        expected.push_back({fd, stored(req), static_cast<uint64_t>(i)});
    }
    s.checkpoint("16 ready level items, 100 idle edge ones", epfd, expected);
    const long page = sysconf(_SC_PAGESIZE);
    const size_t len = 4 * static_cast<size_t>(page);  // room for every item, twice
    void* buf = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const int uffd = static_cast<int>(syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK));
    uffdio_api api{};
    api.api = UFFD_API;
    uffdio_register reg{};
    reg.range = {reinterpret_cast<uint64_t>(buf), len};
    reg.mode = UFFDIO_REGISTER_MODE_MISSING;
    const bool armed = buf != MAP_FAILED && uffd >= 0 && ioctl(uffd, UFFDIO_API, &api) == 0 &&
                       ioctl(uffd, UFFDIO_REGISTER, &reg) == 0;
    s.expect(armed, "userfaultfd on the events buffer (needs root or vm.unprivileged_userfaultfd)");
    if (!armed) return;
    std::atomic<bool> stop{false};
    std::atomic<int> faults{0};
    std::thread handler([&] {
        pollfd p{uffd, POLLIN, 0};
        while (!stop.load()) {
            uffd_msg msg{};
            if (poll(&p, 1, 100) <= 0 || read(uffd, &msg, sizeof msg) != sizeof msg) continue;
            if (msg.event != UFFD_EVENT_PAGEFAULT) continue;
            ++faults;
            for (int i = kLevel; i < kLevel + kLate; ++i)
                signal_eventfd(fds[static_cast<size_t>(i)]);  // during the harvest
            uffdio_zeropage zp{};
            zp.range = {msg.arg.pagefault.address & ~static_cast<uint64_t>(page - 1),
                        static_cast<uint64_t>(page)};
            ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
        }
    });
    auto* ev = static_cast<epoll_event*>(buf);
    const int max = static_cast<int>(len / sizeof(epoll_event));
    int delivered = 0;
    for (int r = 0; r < kRounds; ++r) {
        madvise(buf, len, MADV_DONTNEED);  // missing again: the next copy faults
        delivered += std::max(0, wait_events(epfd, ev, max, 1000));
    }
    stop = true;
    handler.join();
    s.expect(faults.load() >= kRounds, "each harvest stopped on a missing page (" +
                                           std::to_string(faults.load()) + " faults, " +
                                           std::to_string(delivered) + " events)");
    for (int fd : fds) close(fd);
    close(uffd);
    munmap(buf, len);
    close(epfd);
}

// Three threads, each on its own instance, but every connection went to the
// first: its 32 level-triggered items are always ready and it works 40 ms per
// turn until it has delivered 3000 events (3x the threshold, all its own;
// outside epoll_wait about 75% of its time even in an emulated VM, where a
// harvest is slow) while the other two sleep on instances whose items stay idle.
void scenario_bad_unbalanced_pollers(Script& s) {
    constexpr int kBusyItems = 32, kThreads = 3, kEvents = 3000;
    std::vector<int> eps, fds;
    std::vector<ExpectedItem> busy_items;
    for (int t = 0; t < kThreads; ++t) {
        eps.push_back(epoll_create1(EPOLL_CLOEXEC));
        for (int i = 0; i < (t == 0 ? kBusyItems : 2); ++i) {
            const int fd = eventfd(t == 0 ? 1 : 0, EFD_NONBLOCK | EFD_CLOEXEC);
            if (fd < 0) std::abort();
            fds.push_back(fd);
            add(eps.back(), fd, EPOLLIN, static_cast<uint64_t>(fd));
            if (t == 0) busy_items.push_back({fd, stored(EPOLLIN), static_cast<uint64_t>(fd)});
        }
    }
    s.checkpoint("the busy thread's 32 ready items", eps[0], busy_items);
    std::atomic<bool> stop{false};
    std::atomic<int> idle_events{0};
    std::vector<std::thread> idle;
    for (int t = 1; t < kThreads; ++t)
        idle.emplace_back(wait_until, eps[static_cast<size_t>(t)], std::cref(stop),
                          std::ref(idle_events));
    long busy_events = 0;
    epoll_event ev[2 * kBusyItems];
    using Clock = std::chrono::steady_clock;
    while (busy_events < kEvents) {
        const int n = wait_events(eps[0], ev, 2 * kBusyItems, 100);
        if (n > 0) busy_events += n;
        const auto work = Clock::now() + std::chrono::milliseconds(40);
        while (Clock::now() < work) {
        }
    }
    stop = true;
    for (auto& t : idle) t.join();
    s.expect(busy_events >= kEvents && idle_events.load() == 0, "the first thread delivered " +
                                                                    std::to_string(busy_events) +
                                                                    " events, the other two none");
    for (int fd : fds) close(fd);
    for (int ep : eps) close(ep);
}

}  // namespace epscope::poller
