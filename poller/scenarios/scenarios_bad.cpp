// Scenarios that misuse epoll on purpose, each provoking one finding of
// `epscope check` (docs/FINDINGS.md): the host and lab tests record them and
// check that exactly that finding is reported.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
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

int mod(int epfd, int fd, uint32_t events, uint64_t data) {
    return ctl(epfd, EPOLL_CTL_MOD, fd, events, data);
}

using Clock = std::chrono::steady_clock;

}  // namespace

// A loop that polls an idle pipe with timeout 0 for 0.3 s: thousands of
// empty epoll_wait calls, the CPU never given back.
void scenario_bad_busy_poll(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    add(epfd, p[0], EPOLLIN, 1);
    s.checkpoint("idle pipe registered", epfd, {{p[0], stored(EPOLLIN), 1}});
    epoll_event ev[4];
    long polls = 0, empty = 0;
    const auto end = Clock::now() + std::chrono::milliseconds(300);
    while (Clock::now() < end) {
        ++polls;
        if (wait_events(epfd, ev, 4, 0) == 0) ++empty;
    }
    s.expect(polls >= 2000 && empty == polls,
             "busy loop: " + std::to_string(polls) + " timeout-0 waits, all empty");
    for (int fd : {p[0], p[1], epfd}) close(fd);
}

// A one-shot item delivered once and never re-armed while data keeps
// arriving for 1.5 s: the connection is stuck though the loop keeps waiting.
void scenario_bad_oneshot_not_rearmed(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const uint32_t req = EPOLLIN | EPOLLONESHOT;
    add(epfd, p[0], req, 7);
    fill(p[1], 10);
    epoll_event ev[2];
    s.expect(wait_events(epfd, ev, 2, 1000) == 1, "first event delivered");
    s.checkpoint("delivered: item disarmed", epfd, {{p[0], disarmed(stored(req)), 7}});
    int silent = 0;
    for (int i = 0; i < 15; ++i) {
        fill(p[1], 10);  // the peer keeps writing; the disarmed item ignores it
        if (wait_events(epfd, ev, 2, 100) == 0) ++silent;
    }
    s.expect(silent == 15, "no event while disarmed (15 waits of 100 ms)");
    s.checkpoint("still disarmed, never re-armed", epfd, {{p[0], disarmed(stored(req)), 7}});
    for (int fd : {p[0], p[1], epfd}) close(fd);
}

// fd N names pipe A and is registered; a dup keeps A open; close(N) leaves
// A's item registered (the kernel keys it by file and fd, and removes it
// only at A's last close). N is reused for pipe B, registered too: two items
// under one number, A's events coming under a number that now names B.
void scenario_bad_closed_fd_registered(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int a[2], b[2];
    if (pipe2(a, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const int n = a[0];
    add(epfd, n, EPOLLIN, 0xa);
    const int keep = fcntl(n, F_DUPFD_CLOEXEC, 0);  // A stays open through it
    close(n);
    s.checkpoint("fd closed, its item stays", epfd, {{n, stored(EPOLLIN), 0xa}});
    if (pipe2(b, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    if (b[0] != n) {  // the number is reused for B's read end
        if (dup3(b[0], n, O_CLOEXEC) < 0) std::abort();
        close(b[0]);
    }
    s.expect(add(epfd, n, EPOLLIN, 0xb) == 0, "the reused number registers B");
    s.checkpoint("two items under one number", epfd,
                 {{n, stored(EPOLLIN), 0xa}, {n, stored(EPOLLIN), 0xb}});
    epoll_event ev[4];
    int stale = 0, fresh = 0;
    const auto end = Clock::now() + std::chrono::milliseconds(500);
    while (Clock::now() < end) {
        fill(a[1], 8);
        fill(b[1], 8);
        const int got = wait_events(epfd, ev, 4, 100);
        for (int i = 0; i < got; ++i) {
            // A's data can only be read through the dup now.
            if (ev[i].data.u64 == 0xa && drain(keep, 4096) > 0) ++stale;
            if (ev[i].data.u64 == 0xb && drain(n, 4096) > 0) ++fresh;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    s.expect(stale > 0 && fresh > 0, "events for both files: " + std::to_string(stale) +
                                         " for the closed fd's, " + std::to_string(fresh) +
                                         " for the new one");
    close(keep);  // A's last reference: its item goes
    s.checkpoint("dup closed: only B's item left", epfd, {{n, stored(EPOLLIN), 0xb}});
    for (int fd : {n, a[1], b[1], epfd}) close(fd);
}

// An edge-triggered socket delivered once with 4 KiB queued, of which the
// handler reads one 1 KiB buffer and returns to epoll_wait: the kernel
// queues an EPOLLET item only when new data arrives, so the 3 KiB left get
// no event while the loop waits 15 x 100 ms (the peer waits for a reply).
// As a server does, the loop waits (100 ms, idle) before its peer writes:
// a tracer records reads from the first EPOLLET registration on, once it
// has seen it (within its drain interval, docs/FINDINGS.md).
void scenario_bad_edge_undrained(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) std::abort();
    const uint32_t req = EPOLLIN | EPOLLET;
    add(epfd, sv[0], req, 5);
    s.checkpoint("edge-triggered socket registered", epfd, {{sv[0], stored(req), 5}});
    epoll_event ev[2];
    s.expect(wait_events(epfd, ev, 2, 100) == 0, "nothing to read before the peer writes");
    fill(sv[1], 4096);
    s.expect(wait_events(epfd, ev, 2, 1000) == 1, "the 4 KiB delivered once");
    char buf[1024];
    s.expect(read(sv[0], buf, sizeof buf) == static_cast<ssize_t>(sizeof buf),
             "one full 1 KiB read, not to EAGAIN");
    int silent = 0;
    for (int i = 0; i < 15; ++i)
        if (wait_events(epfd, ev, 2, 100) == 0) ++silent;
    s.expect(silent == 15, "no event for the 3 KiB left (15 waits of 100 ms)");
    s.expect(drain(sv[0], 8192) == 3072, "3 KiB were still queued");
    for (int fd : {sv[0], sv[1], epfd}) close(fd);
}

// A loop whose handler blocks for 200 ms per turn (a synchronous disk or DNS
// call) while its peer has already written again: 6 turns, each leaving the
// pipe's item on the ready list for 200 ms (4x the 50 ms threshold, 5x below
// the 1 s error).
void scenario_bad_loop_blocked(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    add(epfd, p[0], EPOLLIN, 1);
    fill(p[1], 10);
    epoll_event ev[2];
    int delivered = 0;
    for (int turn = 0; turn < 7; ++turn) {
        if (wait_events(epfd, ev, 2, 1000) == 1) ++delivered;
        drain(p[0], 64);
        if (turn == 6) break;
        fill(p[1], 10);  // the next request arrives while the handler blocks
        usleep(200'000);
    }
    s.expect(delivered == 7, "7 events delivered, 6 of them 200 ms late");
    s.checkpoint("pipe registered", epfd, {{p[0], stored(EPOLLIN), 1}});
    for (int fd : {p[0], p[1], epfd}) close(fd);
}

// 64 level-triggered eventfds always ready, harvested with maxevents 4: each
// of 40 epoll_wait calls returns 4 and leaves 60 on the ready list (40 full
// harvests: 4x the threshold of 10).
void scenario_bad_maxevents_starved(Script& s) {
    constexpr int kItems = 64, kMax = 4, kWaits = 40;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> fds;
    std::vector<ExpectedItem> expected;
    for (int i = 0; i < kItems; ++i) {
        const int fd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);  // readable, never read
        if (fd < 0) std::abort();
        fds.push_back(fd);
        add(epfd, fd, EPOLLIN, static_cast<uint64_t>(i));
        expected.push_back({fd, stored(EPOLLIN), static_cast<uint64_t>(i)});
    }
    epoll_event ev[kMax];
    int full = 0;
    for (int i = 0; i < kWaits; ++i)
        if (wait_events(epfd, ev, kMax, 1000) == kMax) ++full;
    s.expect(full == kWaits, "40 harvests returned maxevents=4 of 64 ready items");
    s.checkpoint("64 ready items", epfd, expected);
    for (int fd : fds) close(fd);
    close(epfd);
}

// A socket registered for EPOLLOUT, level-triggered, with nothing to write:
// it is writable, so every one of 3000 epoll_wait calls returns it at once
// (3x the 1000-delivery threshold, at thousands per second against 100/s).
void scenario_bad_level_spin(Script& s) {
    constexpr int kWaits = 3000;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) std::abort();
    add(epfd, sv[0], EPOLLOUT, 5);
    epoll_event ev[2];
    int out = 0;
    for (int i = 0; i < kWaits; ++i)
        if (wait_events(epfd, ev, 2, 1000) == 1 && ev[0].events == EPOLLOUT) ++out;
    s.expect(out == kWaits, "3000 waits each returned EPOLLOUT only");
    s.checkpoint("writable socket registered for EPOLLOUT", epfd, {{sv[0], stored(EPOLLOUT), 5}});
    for (int fd : {sv[0], sv[1], epfd}) close(fd);
}

// Per delivered event the loop toggles EPOLLOUT on and off twice and removes
// and re-adds the item: 6 counted epoll_ctl calls per event (4 MOD, a DEL
// and the ADD it undid), 2x the threshold of 3, over 1000 events.
void scenario_bad_registration_churn(Script& s) {
    constexpr int kEvents = 1000;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    const int efd = eventfd(1, EFD_NONBLOCK | EFD_CLOEXEC);  // readable, never read
    add(epfd, efd, EPOLLIN, 9);
    epoll_event ev[2];
    int delivered = 0, failed = 0;
    for (int i = 0; i < kEvents; ++i) {
        if (wait_events(epfd, ev, 2, 1000) == 1) ++delivered;
        for (int k = 0; k < 2; ++k) {
            failed += mod(epfd, efd, EPOLLIN | EPOLLOUT, 9) < 0;
            failed += mod(epfd, efd, EPOLLIN, 9) < 0;
        }
        failed += epoll_ctl(epfd, EPOLL_CTL_DEL, efd, nullptr) < 0;
        failed += add(epfd, efd, EPOLLIN, 9) < 0;
    }
    s.expect(delivered == kEvents && failed == 0,
             "1000 events, each followed by 4 MOD, a DEL and an ADD");
    s.checkpoint("eventfd registered", epfd, {{efd, stored(EPOLLIN), 9}});
    for (int fd : {efd, epfd}) close(fd);
}

}  // namespace epscope::poller
