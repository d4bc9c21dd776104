// Every model of the echo workload, in process, on short runs: the client verifies each
// echoed byte, and the counters must agree with what the model does.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "client.hpp"
#include "net.hpp"
#include "run.hpp"

namespace epscope::poller {
namespace {

Options base() {
    Options o;
    o.duration = 0.4;
    o.conns = 8;
    o.payload = 512;
    return o;
}

void run_ok(const Options& o, RunResult& r) {
    std::string err;
    ASSERT_EQ(run_workload(o, false, r, err), 0) << err;
    EXPECT_GT(r.client.requests.load(), 0u);
    EXPECT_EQ(r.client.mismatches.load(), 0u);
    EXPECT_FALSE(r.client_failed);
    // The server echoed exactly what the client verified plus what was in flight at stop.
    EXPECT_GE(r.server.bytes.load(), r.client.requests.load() * o.payload);
    EXPECT_LE(r.server.events_handled.load(), r.server.epoll_wait_events.load());
    EXPECT_GT(r.server.epoll_wait_calls.load(), 0u);
}

TEST(PollerModels, BasicLevelNeverModifiesSmallEchoes) {
    Options o = base();
    RunResult r;
    run_ok(o, r);
    // Level: one ADD per connection, no MOD (a 512-byte echo never fills the socket).
    EXPECT_GE(r.server.epoll_ctl_add.load(), static_cast<uint64_t>(o.conns));
    EXPECT_EQ(r.server.epoll_ctl_mod.load(), 0u);
}

TEST(PollerModels, BasicEdge) {
    Options o = base();
    o.trigger = Trigger::Edge;
    RunResult r;
    run_ok(o, r);
    EXPECT_EQ(r.server.epoll_ctl_mod.load(), 0u);
}

TEST(PollerModels, BasicOneshotRearmsAfterEveryEvent) {
    Options o = base();
    o.trigger = Trigger::OneShot;
    RunResult r;
    run_ok(o, r);
    // Each connection event is followed by a MOD (re-arm) unless the connection closed.
    const uint64_t conn_events = r.server.events_handled.load() - r.server.accepts.load();
    EXPECT_GE(r.server.epoll_ctl_mod.load() + static_cast<uint64_t>(o.conns), conn_events);
    EXPECT_GT(r.server.epoll_ctl_mod.load(), r.client.requests.load() / 2);
}

TEST(PollerModels, BasicSharedEpollTwoWaiters) {
    Options o = base();
    o.threads = 2;
    o.shared_epoll = true;
    RunResult r;
    run_ok(o, r);
}

TEST(PollerModels, BasicExclusiveTwoInstances) {
    Options o = base();
    o.threads = 2;
    o.exclusive = true;
    RunResult r;
    run_ok(o, r);
    EXPECT_EQ(r.server.accepts.load(), static_cast<uint64_t>(o.conns));
}

TEST(PollerModels, MPollerHandsEveryReadToHandlers) {
    Options o = base();
    o.model = Model::MPoller;
    o.pollers = 2;
    o.handlers = 2;
    RunResult r;
    run_ok(o, r);
    EXPECT_GT(r.server.handler_messages.load(), 0u);
    EXPECT_GE(r.server.handler_messages.load(), r.client.requests.load());
}

TEST(PollerModels, UnixSockets) {
    Options o = base();
    o.transport = Transport::Unix;
    RunResult r;
    run_ok(o, r);
}

TEST(PollerModels, RateLimitIsRespected) {
    Options o = base();
    o.rate = 200;
    o.duration = 0.5;
    RunResult r;
    run_ok(o, r);
    // 200/s for 0.5 s plus the initial 100 ms burst allowance per client thread.
    EXPECT_LE(r.client.requests.load(), 200u * 6 / 10 + 30u);
}

// With connections that come and go, sepoll needs fewer epoll_ctl calls than basic on the
// same load: no ADD for a connection served while speculative, no DEL before close().
TEST(PollerModels, SepollSavesEpollCtlAgainstBasic) {
    Options o = base();
    o.requests_per_conn = 2;
    RunResult basic;
    run_ok(o, basic);
    o.model = Model::Sepoll;
    RunResult sepoll;
    run_ok(o, sepoll);
    const double basic_per_conn = static_cast<double>(basic.server.epoll_ctl_calls()) /
                                  static_cast<double>(basic.server.accepts.load());
    const double sepoll_per_conn = static_cast<double>(sepoll.server.epoll_ctl_calls()) /
                                   static_cast<double>(sepoll.server.accepts.load());
    EXPECT_LT(sepoll_per_conn, basic_per_conn);
    EXPECT_GT(sepoll.server.ctl_saved.load(), 0u);
    // sepoll's only DEL is the poller's own stop eventfd; basic deletes each closed conn.
    EXPECT_EQ(sepoll.server.epoll_ctl_del.load(), 1u);
    EXPECT_GE(basic.server.epoll_ctl_del.load() + static_cast<uint64_t>(o.conns),
              basic.server.accepts.load());
}

}  // namespace
}  // namespace epscope::poller

namespace epscope::poller {
namespace {

// mpoller's idle timeout runs on each poller's timerfd: idle connections are closed,
// busy ones are kept because every read moves their deadline (poller_touch).
TEST(PollerModels, MPollerIdleTimeoutClosesOnlyIdleConnections) {
    Options o = base();
    o.model = Model::MPoller;
    o.idle_timeout_ms = 400;
    o.duration = 0.6;
    RunResult busy;
    run_ok(o, busy);
    EXPECT_EQ(busy.server.timeouts.load(), 0u);

    o.idle_timeout_ms = 30;
    o.rate = 10;  // 4 connections at 10 requests/s in total: each idles far beyond 30 ms
    o.conns = 4;
    o.duration = 0.5;
    RunResult idle;
    std::string err;
    ASSERT_EQ(run_workload(o, false, idle, err), 0) << err;
    EXPECT_GT(idle.server.timeouts.load(), 0u);
    EXPECT_TRUE(idle.client_failed);  // the client sees its connections closed
    EXPECT_EQ(idle.client.mismatches.load(), 0u);
}

}  // namespace
}  // namespace epscope::poller

namespace epscope::poller {
namespace {

// The client's verification must catch a server that changes bytes: a blocking echo that
// flips the first byte of every reply.
TEST(PollerClient, CountsMismatchedEchoBytes) {
    Options o;
    o.conns = 1;
    o.payload = 16;
    Endpoint ep;
    std::string err;
    const int lfd = listen_on(o, ep, err);
    ASSERT_GE(lfd, 0) << err;
    std::thread corrupting([lfd] {
        int fd = -1;
        for (int i = 0; i < 5000 && fd < 0; ++i) {  // lfd is nonblocking
            fd = accept(lfd, nullptr, nullptr);
            if (fd < 0) usleep(1000);
        }
        if (fd < 0) return;
        const int flags = 0;
        char buf[4096];
        ssize_t n;
        while ((n = recv(fd, buf, sizeof buf, flags)) > 0) {
            buf[0] ^= 0x5a;
            if (send(fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) break;
        }
        close(fd);
    });
    Counters c;
    auto client = std::make_unique<Client>(o, ep, c);
    const int started = client->start(err);
    for (int i = 0; i < 2000 && started == 0 && c.mismatches.load() == 0; ++i) usleep(1000);
    client.reset();  // closes the client's socket, which ends the corrupting echo
    corrupting.join();
    close(lfd);
    ASSERT_EQ(started, 0) << err;
    EXPECT_GT(c.mismatches.load(), 0u);
}

}  // namespace
}  // namespace epscope::poller
