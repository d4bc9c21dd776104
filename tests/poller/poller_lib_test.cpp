// The event-loop library on its own: dispatch, timeouts through the timerfd, stale events,
// deterministic stop, and the errors of its API.
#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "mpoller.hpp"
#include "msgqueue.hpp"
#include "poller.hpp"

namespace epscope::poller {
namespace {

struct Seen {
    std::atomic<int> events{0};
    std::atomic<int> timeouts{0};
    std::atomic<uint32_t> last{0};
};

void on_event(void* ctx, int fd, uint32_t revents) {
    auto* s = static_cast<Seen*>(ctx);
    if (revents == 0) {
        ++s->timeouts;
        return;
    }
    uint64_t v;
    if (read(fd, &v, sizeof v) == sizeof v) ++s->events;
    s->last = revents;
}

template <typename F>
bool eventually(F f) {
    for (int i = 0; i < 2000; ++i) {
        if (f()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
}

TEST(PollerLib, DispatchesToTheItemsHandler) {
    Counters c;
    PollerParams params;
    params.counters = &c;
    Poller* p = poller_create(params);
    ASSERT_NE(p, nullptr);
    const int efd = eventfd(0, EFD_NONBLOCK);
    Seen seen;
    ASSERT_EQ(poller_add(p, efd, EPOLLIN, on_event, &seen, -1), 0);
    ASSERT_EQ(poller_start(p), 0);
    const uint64_t one = 1;
    ASSERT_EQ(write(efd, &one, sizeof one), 8);
    EXPECT_TRUE(eventually([&] { return seen.events.load() == 1; }));
    EXPECT_EQ(seen.last.load() & EPOLLIN, static_cast<uint32_t>(EPOLLIN));
    poller_stop(p);
    // After stop every waiter has joined: a new event is not dispatched.
    ASSERT_EQ(write(efd, &one, sizeof one), 8);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(seen.events.load(), 1);
    EXPECT_GE(c.epoll_wait_calls.load(), 1u);
    EXPECT_EQ(c.events_handled.load(), 1u);
    poller_destroy(p);
    close(efd);
}

TEST(PollerLib, TimeoutRemovesTheItemAndCallsWithZeroRevents) {
    Counters c;
    PollerParams params;
    params.counters = &c;
    Poller* p = poller_create(params);
    ASSERT_NE(p, nullptr);
    const int quiet = eventfd(0, EFD_NONBLOCK);
    const int later = eventfd(0, EFD_NONBLOCK);
    Seen a, b;
    ASSERT_EQ(poller_add(p, quiet, EPOLLIN, on_event, &a, 30), 0);
    ASSERT_EQ(poller_add(p, later, EPOLLIN, on_event, &b, 5000), 0);
    ASSERT_EQ(poller_start(p), 0);
    EXPECT_TRUE(eventually([&] { return a.timeouts.load() == 1; }));
    EXPECT_EQ(b.timeouts.load(), 0);
    // The timed-out item is gone: del reports ENOENT, the other one is still there.
    errno = 0;
    EXPECT_EQ(poller_del(p, quiet), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(poller_del(p, later), 0);
    EXPECT_EQ(c.timeouts.load(), 1u);
    poller_stop(p);
    poller_destroy(p);
    close(quiet);
    close(later);
}

TEST(PollerLib, ModRefreshesTheTimeout) {
    PollerParams params;
    Poller* p = poller_create(params);
    ASSERT_NE(p, nullptr);
    const int efd = eventfd(0, EFD_NONBLOCK);
    Seen s;
    ASSERT_EQ(poller_add(p, efd, EPOLLIN, on_event, &s, 40), 0);
    ASSERT_EQ(poller_mod(p, efd, EPOLLIN, -1), 0);  // no timeout any more
    ASSERT_EQ(poller_start(p), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    EXPECT_EQ(s.timeouts.load(), 0);
    poller_stop(p);
    poller_destroy(p);
    close(efd);
}

TEST(PollerLib, ApiErrors) {
    PollerParams params;
    params.max_fds = 64;
    Poller* p = poller_create(params);
    ASSERT_NE(p, nullptr);
    Seen s;
    const int efd = eventfd(0, EFD_NONBLOCK);
    errno = 0;
    EXPECT_EQ(poller_mod(p, efd, EPOLLIN, -1), -1);
    EXPECT_EQ(errno, ENOENT);
    EXPECT_EQ(poller_add(p, efd, EPOLLIN, on_event, &s, -1), 0);
    errno = 0;
    EXPECT_EQ(poller_add(p, efd, EPOLLIN, on_event, &s, -1), -1);
    EXPECT_EQ(errno, EEXIST);
    errno = 0;
    EXPECT_EQ(poller_add(p, 64, EPOLLIN, on_event, &s, -1), -1);
    EXPECT_EQ(errno, ERANGE);
    poller_destroy(p);  // never started: destroy alone is enough
    close(efd);
    PollerParams none;
    none.threads = 0;
    errno = 0;
    EXPECT_EQ(poller_create(none), nullptr);
    EXPECT_EQ(errno, EINVAL);
    errno = 0;
    EXPECT_EQ(MPoller::create(0, PollerParams{}), nullptr);
    EXPECT_EQ(errno, EINVAL);
}

TEST(PollerLib, MPollerSpreadsFdsOverInstances) {
    auto m = MPoller::create(3, PollerParams{});
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->of(3), m->at(0));
    EXPECT_EQ(m->of(4), m->at(1));
    EXPECT_EQ(m->of(5), m->at(2));
    EXPECT_NE(poller_epfd(m->at(0)), poller_epfd(m->at(1)));
}

TEST(PollerLib, SharedInstanceWithSeveralWaitersStopsCleanly) {
    Counters c;
    PollerParams params;
    params.threads = 4;
    params.counters = &c;
    Poller* p = poller_create(params);
    ASSERT_NE(p, nullptr);
    ASSERT_EQ(poller_start(p), 0);
    // One eventfd write stops all four: it is level-triggered and never read, so every
    // waiter harvests it (a hang here is the failure, caught by the test timeout).
    poller_stop(p);
    EXPECT_GE(c.epoll_wait_calls.load(), 4u);
    poller_destroy(p);
}

TEST(MsgQueue, DeliversInOrderAndUnblocksOnNonblock) {
    MsgQueue<int> q;
    q.put(1);
    q.put(2);
    int v = 0;
    ASSERT_TRUE(q.get(v));
    EXPECT_EQ(v, 1);
    ASSERT_TRUE(q.get(v));
    EXPECT_EQ(v, 2);
    std::thread t([&] { EXPECT_FALSE(q.get(v)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    q.set_nonblock();
    t.join();
}

}  // namespace
}  // namespace epscope::poller
