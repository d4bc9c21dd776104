// Scenarios about delivery: one-shot, edge vs level, maxevents, harvests racing callbacks,
// exclusive wakeups.
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "scenario.hpp"
#include "syscalls.hpp"

namespace epscope::poller {

namespace {

std::string data_list(const epoll_event* ev, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        if (i) out += ',';
        out += std::to_string(ev[i].data.u64);
    }
    return out;
}

// 'S' (interruptible sleep) for a thread blocked in epoll_wait.
char thread_state(pid_t tid) {
    std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
    std::string stat;
    std::getline(in, stat);
    const size_t close_paren = stat.rfind(')');
    return close_paren != std::string::npos && close_paren + 2 < stat.size() ? stat[close_paren + 2]
                                                                             : '?';
}

}  // namespace

void scenario_oneshot_rearm(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int p[2];
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) < 0) std::abort();
    const uint32_t req = EPOLLIN | EPOLLONESHOT;
    ctl(epfd, EPOLL_CTL_ADD, p[0], req, 7);
    s.checkpoint("one-shot item armed", epfd, {{p[0], stored(req), 7}});
    fill(p[1], 10);
    epoll_event ev[2];
    s.expect(wait_events(epfd, ev, 2, 0) == 1, "first event delivered");
    s.checkpoint("delivered: item disarmed (only private bits left)", epfd,
                 {{p[0], disarmed(stored(req)), 7}});
    s.expect(wait_events(epfd, ev, 2, 0) == 0, "disarmed item is not delivered though data waits");
    fill(p[1], 1);
    s.expect(wait_events(epfd, ev, 2, 0) == 0, "a new write does not re-arm it");
    s.expect(ctl(epfd, EPOLL_CTL_MOD, p[0], req, 8) == 0, "MOD re-arms");
    s.checkpoint("re-armed by MOD", epfd, {{p[0], stored(req), 8}});
    s.expect(wait_events(epfd, ev, 2, 0) == 1 && ev[0].data.u64 == 8,
             "re-armed item delivers the pending data at once");
    s.checkpoint("disarmed again", epfd, {{p[0], disarmed(stored(req)), 8}});
    for (int fd : {p[0], p[1], epfd}) close(fd);
}

void scenario_edge_vs_level(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    int lv[2], ed[2];  // socketpairs: every send runs the reader's callback
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, lv) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, ed) < 0)
        std::abort();
    ctl(epfd, EPOLL_CTL_ADD, lv[0], EPOLLIN, 1);
    ctl(epfd, EPOLL_CTL_ADD, ed[0], EPOLLIN | EPOLLET, 2);
    s.checkpoint("level and edge items", epfd,
                 {{lv[0], stored(EPOLLIN), 1}, {ed[0], stored(EPOLLIN | EPOLLET), 2}});
    fill(lv[1], 100);
    fill(ed[1], 100);
    epoll_event ev[4];
    int edge_deliveries = 0, level_deliveries = 0;
    auto harvest = [&](int expected, const char* what) {
        const int n = wait_events(epfd, ev, 4, 0);
        for (int i = 0; i < n; ++i) (ev[i].data.u64 == 2 ? edge_deliveries : level_deliveries)++;
        s.expect(n == expected, std::string(what) + " (got [" + data_list(ev, n) + "])");
    };
    harvest(2, "both report the first write");
    drain(lv[0], 10);
    drain(ed[0], 10);  // partial reads: 90 bytes left in each
    harvest(1, "after partial reads only level reports");
    harvest(1, "and level keeps reporting");
    fill(ed[1], 1);
    harvest(2, "new data on the edge item: it reports once more");
    harvest(1, "edge quiet again");
    s.expect(edge_deliveries == 2, "edge delivered each readiness (write) exactly once");
    s.expect(level_deliveries == 5, "level delivered on every wait");
    for (int fd : {lv[0], lv[1], ed[0], ed[1], epfd}) close(fd);
}

void scenario_maxevents_small(Script& s) {
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> edge(10), level(5);
    std::vector<ExpectedItem> expected;
    for (size_t i = 0; i < edge.size(); ++i) {
        edge[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        ctl(epfd, EPOLL_CTL_ADD, edge[i], EPOLLIN | EPOLLET, i);
        expected.push_back({edge[i], stored(EPOLLIN | EPOLLET), i});
    }
    s.checkpoint("ten edge items", epfd, expected);
    for (int fd : edge) signal_eventfd(fd);  // ready list order = signal order
    epoll_event ev[3];
    const char* want[] = {"0,1,2", "3,4,5", "6,7,8", "9", ""};
    for (const char* w : want) {
        const int n = wait_events(epfd, ev, 3, 0);
        s.expect(data_list(ev, n) == w,
                 std::string("maxevents 3 takes the ready list head in order: [") + w + "]");
    }
    for (int fd : edge) close(fd);
    s.checkpoint("edge items closed", epfd, {});
    expected.clear();
    for (size_t i = 0; i < level.size(); ++i) {
        level[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        ctl(epfd, EPOLL_CTL_ADD, level[i], EPOLLIN, i);
        expected.push_back({level[i], stored(EPOLLIN), i});
    }
    s.checkpoint("five level items", epfd, expected);
    for (int fd : level) signal_eventfd(fd);
    // Delivered level items go back to the ready list tail: the list rotates.
    const char* rotation[] = {"0,1", "2,3", "4,0", "1,2"};
    for (const char* w : rotation) {
        const int n = wait_events(epfd, ev, 2, 0);
        s.expect(data_list(ev, n) == w,
                 std::string("level items rotate through the ready list: [") + w + "]");
    }
    for (int fd : level) close(fd);
    close(epfd);
}

void scenario_overflow_harvest(Script& s) {
    constexpr int kReady = 2000, kLate = 200, kRounds = 50;
    const int epfd = epoll_create1(EPOLL_CLOEXEC);
    std::vector<int> fds;
    std::vector<ExpectedItem> expected;
    for (int i = 0; i < kReady + kLate; ++i) {
        const int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (fd < 0) std::abort();
        fds.push_back(fd);
        ctl(epfd, EPOLL_CTL_ADD, fd, EPOLLIN, static_cast<uint64_t>(i));
        expected.push_back({fd, stored(EPOLLIN), static_cast<uint64_t>(i)});
        if (i < kReady) signal_eventfd(fd);  // level and never read: ready on every harvest
    }
    s.checkpoint("2000 ready level items and 200 idle ones", epfd, expected);
    // The harvester copies 2000 events per epoll_wait; the writer's callbacks that land
    // while a harvest runs go to the overflow list. Whether and how many do is up to the
    // scheduler: this scenario is deterministic in its interest set and final state, not
    // in its interleaving (a tracer's CALLBACK outcomes tell what happened).
    std::atomic<bool> go{false};
    std::atomic<int> harvested_max{0};
    std::thread harvester([&] {
        std::vector<epoll_event> ev(kReady + kLate);
        while (!go.load()) std::this_thread::yield();
        for (int r = 0; r < kRounds; ++r) {
            const int n = wait_events(epfd, ev.data(), kReady + kLate, 0);
            if (n > harvested_max.load()) harvested_max = n;
        }
    });
    go = true;
    for (int i = kReady; i < kReady + kLate; ++i) signal_eventfd(fds[static_cast<size_t>(i)]);
    harvester.join();
    s.expect(harvested_max.load() >= kReady, "every harvest delivered the 2000 ready items");
    std::vector<epoll_event> ev(kReady + kLate + 1);
    const int n = wait_events(epfd, ev.data(), kReady + kLate + 1, 0);
    s.expect(n == kReady + kLate,
             "after the race every item is ready: none lost on the overflow list (" +
                 std::to_string(n) + " of " + std::to_string(kReady + kLate) + ")");
    s.checkpoint("interest set unchanged after the race", epfd, expected);
    for (int fd : fds) close(fd);
    close(epfd);
}

void scenario_exclusive_waiters(Script& s) {
    constexpr int kWaiters = 3;
    // Run twice: with EPOLLEXCLUSIVE one blocked waiter is woken; without it, all are.
    for (const bool exclusive : {true, false}) {
        const int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        const uint32_t req = EPOLLIN | (exclusive ? EPOLLEXCLUSIVE : 0u);
        std::vector<int> eps;
        for (int i = 0; i < kWaiters; ++i) {
            eps.push_back(epoll_create1(EPOLL_CLOEXEC));
            ctl(eps.back(), EPOLL_CTL_ADD, efd, req, static_cast<uint64_t>(i));
        }
        const std::string mode = exclusive ? "exclusive" : "non-exclusive";
        for (int i = 0; i < kWaiters; ++i)
            s.checkpoint(mode + " instance " + std::to_string(i), eps[static_cast<size_t>(i)],
                         {{efd, stored(req), static_cast<uint64_t>(i)}});
        if (exclusive) {
            errno = 0;
            s.expect(ctl(eps[0], EPOLL_CTL_MOD, efd, EPOLLIN, 9) < 0 && errno == EINVAL,
                     "MOD of an exclusive item fails with EINVAL");
        }
        std::atomic<int> woken{0};
        std::vector<std::atomic<pid_t>> tids(kWaiters);
        std::vector<std::thread> waiters;
        for (int i = 0; i < kWaiters; ++i) {
            waiters.emplace_back([&, i] {
                tids[static_cast<size_t>(i)] = static_cast<pid_t>(syscall(SYS_gettid));
                epoll_event ev[1];
                if (wait_events(eps[static_cast<size_t>(i)], ev, 1, 400) == 1) ++woken;
            });
        }
        // Signal only when every waiter sleeps in epoll_wait (state S).
        bool all_asleep = false;
        for (int tries = 0; tries < 200 && !all_asleep; ++tries) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            all_asleep = true;
            for (auto& t : tids)
                all_asleep = all_asleep && t.load() && thread_state(t.load()) == 'S';
        }
        signal_eventfd(efd);
        for (auto& t : waiters) t.join();
        s.expect(all_asleep, mode + ": all waiters were asleep before the signal");
        const int want = exclusive ? 1 : kWaiters;
        s.expect(woken.load() == want, mode + ": " + std::to_string(woken.load()) +
                                           " waiter(s) woken, expected " + std::to_string(want));
        for (int ep : eps) close(ep);
        close(efd);
    }
}

}  // namespace epscope::poller
