#include "capture/fd_namer.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include "record_builder.hpp"

namespace epscope::capture {
namespace {

struct Collect : stream::RecordSink {
    std::vector<stream::Record> records;
    void on_record(const stream::Record& r) override { records.push_back(r); }
    // Names given to fd, in stream order.
    std::vector<std::string> names(int fd) const {
        std::vector<std::string> out;
        for (const auto& r : records)
            if (r.kind() == EP_KIND_FD_NAME && r.as<ep_fd_name>().fd == fd)
                out.emplace_back(r.as<ep_fd_name>().name);
        return out;
    }
};

template <class T>
T rec(ep_kind kind, std::uint64_t ts) {
    T r{};
    const auto pid = static_cast<std::uint32_t>(getpid());
    testing::stamp(r, kind, ts, pid, pid, EP_SOURCE_TRACEPOINT);
    return r;
}

stream::Record insert(int fd, std::uint64_t file, std::uint64_t ino, std::uint64_t ts) {
    auto r = rec<ep_item_ctl>(EP_KIND_ITEM_INSERT, ts);
    r.fd = fd, r.file = file, r.ino = ino, r.result = 0;
    return stream::Record::of(r);
}

std::uint64_t ino_of(int fd) {
    struct stat st {};
    fstat(fd, &st);
    return st.st_ino;
}

struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() { EXPECT_EQ(pipe(fd), 0); }
    ~Pipe() { close(fd[0]), close(fd[1]); }
};

TEST(FdNamer, EpollAndBpfSocketNamesNeedNoProcRead) {
    Collect out;
    FdNamer namer(out);
    auto create = rec<ep_instance_create>(EP_KIND_INSTANCE_CREATE, 10);
    create.epfd = 900, create.file = 0x1000;
    namer.on_record(stream::Record::of(create));
    auto sock = rec<ep_sock_name>(EP_KIND_SOCK_NAME, 20);
    sock.fd = 901, sock.file = 0x2000, sock.ino = 77, sock.family = AF_INET;
    sock.type = SOCK_STREAM, sock.state = 1, sock.local_port = 8080, sock.peer_port = 4000;
    sock.local_addr[0] = sock.peer_addr[0] = 127, sock.local_addr[3] = sock.peer_addr[3] = 1;
    namer.on_record(stream::Record::of(sock));
    namer.on_record(insert(901, 0x2000, 77, 21));
    // Named before finish(): on the drain thread, with no /proc read (fd 901
    // is not open here, /proc would say "?").
    EXPECT_EQ(out.names(900), std::vector<std::string>{"epoll"});
    EXPECT_EQ(out.names(901), std::vector<std::string>{"TCP 127.0.0.1:8080->127.0.0.1:4000"});
    namer.finish();
    EXPECT_EQ(out.names(901).size(), 1u);
    EXPECT_EQ(namer.stats().from_bpf, 1u);
    EXPECT_EQ(namer.stats().from_proc, 0u);
}

TEST(FdNamer, OtherFdsAreNamedLaterByTheNamingThread) {
    Pipe p;
    Collect out;
    FdNamer namer(out);
    namer.on_record(insert(p.fd[0], 0x3000, ino_of(p.fd[0]), 100));
    namer.finish();
    ASSERT_EQ(out.names(p.fd[0]), std::vector<std::string>{"pipe"});
    // The name follows the insert it names, with a ts not before it.
    EXPECT_EQ(out.records.front().kind(), EP_KIND_ITEM_INSERT);
    EXPECT_GE(out.records.back().header().ts, 100u);
    EXPECT_EQ(namer.stats().from_proc, 1u);
}

TEST(FdNamer, AnFdReusedBeforeProcIsReadGetsNoStaleName) {
    Pipe p;
    Collect out;
    FdNamer namer(out);
    // The insert's inode is not the one the fd holds now: another file.
    namer.on_record(insert(p.fd[0], 0x3000, ino_of(p.fd[0]) + 1, 100));
    // The same fd number inserted again for another file before the name came.
    namer.on_record(insert(p.fd[1], 0x4000, ino_of(p.fd[1]), 101));
    namer.on_record(insert(p.fd[1], 0x5000, ino_of(p.fd[1]), 102));
    namer.finish();
    EXPECT_TRUE(out.names(p.fd[0]).empty());
    // The naming thread's speed decides whether the first file's name came
    // before its fd was inserted again (then emitted before that insert, where
    // it names the first file) or after (then dropped): never after it, where
    // FD_NAME, keyed by (process, fd), would name the second file.
    std::size_t reinsert = 0;
    for (std::size_t i = 0; i < out.records.size(); ++i)
        if (out.records[i].kind() == EP_KIND_ITEM_INSERT &&
            out.records[i].as<ep_item_ctl>().file == 0x5000)
            reinsert = i;
    std::size_t after = 0;
    for (std::size_t i = reinsert; i < out.records.size(); ++i)
        after += out.records[i].kind() == EP_KIND_FD_NAME &&
                 out.records[i].as<ep_fd_name>().fd == p.fd[1];
    EXPECT_EQ(after, 1u);
    const auto names = out.names(p.fd[1]);
    EXPECT_TRUE(names.size() == 1 || names.size() == 2) << names.size();
    for (const auto& n : names) EXPECT_EQ(n, "pipe");
    // Every request is accounted for: fd[0]'s (its inode differs) is stale.
    EXPECT_EQ(namer.stats().stale + namer.stats().from_proc, 3u);
    EXPECT_EQ(namer.stats().from_proc, names.size());
}

TEST(FdNamer, AFullQueueDropsTheNameInsteadOfWaiting) {
    Pipe p;
    Collect out;
    FdNamer namer(out, 0);
    namer.on_record(insert(p.fd[0], 0x3000, ino_of(p.fd[0]), 100));
    namer.finish();
    EXPECT_TRUE(out.names(p.fd[0]).empty());
    EXPECT_EQ(namer.stats().dropped, 1u);
}

}  // namespace
}  // namespace epscope::capture
