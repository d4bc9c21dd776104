// FdNameCache (the exporter's names of its busiest items): a name is read
// from the socket tables once per file, read again when the fd number shows
// another file, and asked again while the socket is not in any table.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture/proc_snapshot.hpp"

namespace epscope::capture {
namespace {

struct Fd {
    int fd;
    explicit Fd(int f) : fd(f) { EXPECT_GE(fd, 0); }
    ~Fd() { close(fd); }
};

TEST(FdNameCache, SameFileIsNamedFromTheCache) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    Fd r(p[0]), w(p[1]);
    FdNameCache cache;
    EXPECT_EQ(cache.name(getpid(), r.fd).name, "pipe");
    EXPECT_EQ(cache.name(getpid(), r.fd).name, "pipe");
    EXPECT_EQ(cache.misses(), 1u);
}

TEST(FdNameCache, ReusedFdNumberIsNamedAgain) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    Fd r(p[0]), w(p[1]);
    FdNameCache cache;
    EXPECT_EQ(cache.name(getpid(), r.fd).name, "pipe");
    Fd ev(eventfd(0, 0));
    ASSERT_EQ(dup2(ev.fd, r.fd), r.fd);  // the number now shows an eventfd
    EXPECT_EQ(cache.name(getpid(), r.fd).name, "eventfd");
    EXPECT_EQ(cache.misses(), 2u);
}

TEST(FdNameCache, UnconnectedSocketIsAskedAgainUntilNamed) {
    Fd listener(socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(listener.fd, 1), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(getsockname(listener.fd, reinterpret_cast<sockaddr*>(&a), &len), 0);

    Fd client(socket(AF_INET, SOCK_STREAM, 0));
    FdNameCache cache;
    EXPECT_EQ(cache.name(getpid(), client.fd).name, "socket");
    EXPECT_EQ(cache.name(getpid(), client.fd).name, "socket");
    EXPECT_EQ(cache.misses(), 2u);
    EXPECT_EQ(cache.size(), 0u);

    ASSERT_EQ(connect(client.fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    const std::string port = std::to_string(ntohs(a.sin_port));
    const std::string named = cache.name(getpid(), client.fd).name;
    EXPECT_NE(named.find("127.0.0.1:" + port), std::string::npos) << named;
    EXPECT_EQ(cache.name(getpid(), client.fd).name, named);
    EXPECT_EQ(cache.misses(), 3u);
}

TEST(FdNameCache, ForgetDropsTheProcessNames) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    Fd r(p[0]), w(p[1]);
    FdNameCache cache;
    cache.name(getpid(), r.fd);
    cache.name(getpid(), w.fd);
    EXPECT_EQ(cache.size(), 2u);
    cache.forget({static_cast<std::uint32_t>(getpid()) + 1});
    EXPECT_EQ(cache.size(), 2u);
    cache.forget({static_cast<std::uint32_t>(getpid())});
    EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace epscope::capture
