// The live stream server end to end on real unix sockets, in one thread:
// the test plays the capture loop (records, ticks) and the readers.
#include "serve/stream_server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "serve/stream_file.hpp"
#include "serve/stream_publisher.hpp"
#include "serve_test_util.hpp"
#include "test_util.hpp"
#include "trace/reader.hpp"
#include "trace/writer.hpp"

namespace epscope::serve {
namespace {

using epscope::testing::Logged;
using epscope::testing::read_until;
using epscope::testing::same;
using epscope::testing::ScratchDir;
using epscope::testing::stream_header;
using epscope::testing::varied_records;
using trace::StreamClient;
using trace::TraceError;

TEST(StreamServer, SocketIsPrivateToItsOwner) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    StreamServer server(path, log.options());
    struct stat st;
    ASSERT_EQ(::lstat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    EXPECT_EQ(st.st_uid, ::geteuid());
}

TEST(StreamServer, OneReaderGetsHeaderAndEveryRecordPromptly) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    StreamServer server(path, log.options());
    StreamPublisher pub(stream_header("live-1"), {&server});
    StreamClient client(path);
    const auto recs = varied_records(5000);
    std::vector<stream::Record> got;
    std::size_t fed = 0;
    // Feed in bursts between ticks, as the capture loop would.
    ASSERT_TRUE(read_until(
        client, got, [&] { return got.size() == recs.size(); },
        [&] {
            for (std::size_t i = 0; i < 700 && fed < recs.size(); ++i) pub.on_record(recs[fed++]);
            pub.tick();
        }));
    ASSERT_TRUE(client.parser().has_header());
    EXPECT_EQ(client.parser().header().host, "live-1");
    for (std::size_t i = 0; i < recs.size(); ++i) ASSERT_TRUE(same(got[i], recs[i])) << i;
    EXPECT_TRUE(log.has("reader 1 connected"));
    // A lone record is flushed by time, not left waiting for a full chunk.
    got.clear();
    pub.on_record(recs[0]);
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(read_until(
        client, got, [&] { return got.size() == 1; }, [&] { pub.tick(); }));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
    // Stopping the tracer is EOF for the reader.
    pub.finish(1000);
    bool eof = false;
    read_until(
        client, got, [] { return false; }, {}, std::chrono::seconds(5), &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(client.parser().partial_bytes(), 0u);
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(StreamServer, SeveralReadersAndLateJoinersGetTheWholeStream) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    StreamServer server(path, log.options());
    StreamPublisher pub(stream_header(), {&server});
    const auto recs = varied_records(3000);
    StreamClient a(path);
    StreamClient b(path);
    for (std::size_t i = 0; i < 1500; ++i) pub.on_record(recs[i]);
    pub.tick();
    pub.flush();
    // Joins after half the stream: the history brings it up to date.
    StreamClient late(path);
    for (std::size_t i = 1500; i < recs.size(); ++i) pub.on_record(recs[i]);
    pub.flush();
    std::vector<stream::Record> ga, gb, gl;
    for (auto* p : {&ga, &gb, &gl}) {
        StreamClient& c = p == &ga ? a : p == &gb ? b : late;
        ASSERT_TRUE(read_until(
            c, *p, [&] { return p->size() == recs.size(); }, [&] { pub.tick(); }));
    }
    for (std::size_t i = 0; i < recs.size(); ++i) {
        ASSERT_TRUE(same(ga[i], recs[i]));
        ASSERT_TRUE(same(gb[i], recs[i]));
        ASSERT_TRUE(same(gl[i], recs[i]));
    }
    EXPECT_EQ(server.readers(), 3u);
    EXPECT_EQ(server.readers_dropped(), 0u);
}

// Without a spool, a reader that joins once the history let chunks go gets
// the header marked incomplete, then the history's chunks and the live ones.
TEST(StreamServer, ReaderJoiningAfterTheHistoryOverflowedWithoutSpoolIsToldItIsIncomplete) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options();
    o.history_bytes = 4096;
    StreamServer server(path, o);
    PublisherOptions po;
    po.chunk_records = 200;
    StreamPublisher pub(stream_header(), {&server}, po);
    const auto recs = varied_records(2000);
    for (const auto& r : recs) pub.on_record(r);
    pub.flush();
    EXPECT_TRUE(log.has("outgrew"));
    StreamClient late(path);
    const auto more = varied_records(400, 99);
    std::vector<stream::Record> got;
    std::size_t fed = 0;
    ASSERT_TRUE(read_until(
        late, got, [&] { return got.size() >= more.size() && same(got.back(), more.back()); },
        [&] {
            for (int i = 0; i < 50 && fed < more.size(); ++i) pub.on_record(more[fed++]);
            pub.tick();
        }));
    ASSERT_TRUE(late.parser().has_header());
    EXPECT_TRUE(late.parser().header().get(trace::kMetaStreamIncomplete));
    EXPECT_TRUE(log.has("too late for the whole stream"));
    // Whatever came before `more` is the end of the first part, in order.
    const std::size_t before = got.size() - more.size();
    ASSERT_LT(before, recs.size());
    for (std::size_t i = 0; i < before; ++i)
        ASSERT_TRUE(same(got[i], recs[recs.size() - before + i])) << i;
    for (std::size_t i = 0; i < more.size(); ++i) ASSERT_TRUE(same(got[before + i], more[i])) << i;
}

// A reader that stops reading is dropped once its queue is full; the writer
// never waits for it, another reader gets everything, and the trace file
// written from the same records is complete.
TEST(StreamServer, SlowReaderIsDroppedWhileCaptureAndTraceFileGoOn) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options();
    o.reader_queue_bytes = 256u << 10;
    o.history_bytes = 0;
    StreamServer server(path, o);
    trace::TraceWriter file(dir / "t.eps", stream_header());
    PublisherOptions po;
    po.chunk_records = 256;
    StreamPublisher pub(stream_header(), {&server}, po);
    TeeSink tee(file, pub);

    StreamClient slow(path);  // never reads
    int small = 4096;
    ::setsockopt(slow.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    StreamClient fast(path);
    server.service();  // accepts both: the capture loop does this on every tick

    const auto recs = varied_records(200000);
    std::vector<stream::Record> got;
    std::size_t fed = 0;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(read_until(
        fast, got, [&] { return got.size() == recs.size(); },
        [&] {
            for (std::size_t i = 0; i < 1000 && fed < recs.size(); ++i) tee.on_record(recs[fed++]);
            pub.tick();
            file.flush_if_due();
        },
        std::chrono::seconds(60)))
        << got.size() << " " << (log.lines.empty() ? "" : log.lines.back());
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_EQ(server.readers_dropped(), 1u);
    EXPECT_TRUE(log.has("reader 1 fell more than 256 KiB behind")) << log.lines.size();
    EXPECT_EQ(server.readers(), 1u);
    for (std::size_t i = 0; i < recs.size(); i += 997) ASSERT_TRUE(same(got[i], recs[i]));
    file.close();
    trace::TraceReader rd(dir / "t.eps");
    EXPECT_FALSE(rd.truncated());
    EXPECT_EQ(rd.record_count(), recs.size());
    std::printf("200000 records through the server in %.2f s with a stalled reader\n", secs);
    // The dropped reader, once it reads again, gets the block it was in,
    // then the end marker saying it was dropped and how far behind it was.
    std::vector<stream::Record> slow_got;
    bool eof = false;
    read_until(
        slow, slow_got, [] { return false; }, [&] { server.service(); }, std::chrono::seconds(10),
        &eof);
    EXPECT_TRUE(eof);
    EXPECT_LT(slow_got.size(), recs.size());
    EXPECT_EQ(slow.parser().partial_bytes(), 0u);
    ASSERT_TRUE(slow.parser().end().has_value());
    EXPECT_EQ(slow.parser().end()->reason, trace::EndReason::Dropped);
    EXPECT_GE(slow.parser().end()->bytes_behind, 256u << 10);
    EXPECT_NE(trace::end_reason_text(*slow.parser().end()).find("dropped: fell "),
              std::string::npos);
}

TEST(StreamServer, ReaderReconnectsWhenTheTracerRestarts) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    const auto recs = varied_records(100);
    std::vector<stream::Record> got;
    {
        StreamServer server(path, log.options());
        StreamPublisher pub(stream_header("run-1"), {&server});
        StreamClient c(path);
        for (const auto& r : recs) pub.on_record(r);
        pub.flush();
        ASSERT_TRUE(read_until(
            c, got, [&] { return got.size() == 100; }, [&] { pub.tick(); }));
        pub.finish(500);
        bool eof = false;
        read_until(
            c, got, [] { return false; }, {}, std::chrono::seconds(5), &eof);
        EXPECT_TRUE(eof);
        // A whole stream ends with the reason "the tracer stopped".
        ASSERT_TRUE(c.parser().end().has_value());
        EXPECT_EQ(c.parser().end()->reason, trace::EndReason::Stopped);
    }
    // Nothing behind the path: a typed, readable error.
    try {
        StreamClient c(path);
        FAIL() << "connected to nothing";
    } catch (const TraceError& e) {
        EXPECT_EQ(e.kind(), trace::TraceErrorKind::Io);
        EXPECT_NE(std::string(e.what()).find("cannot connect"), std::string::npos);
    }
    // The tracer restarts on the same path; so does the reader.
    StreamServer server(path, log.options());
    StreamPublisher pub(stream_header("run-2"), {&server});
    StreamClient c(path);
    got.clear();
    for (const auto& r : recs) pub.on_record(r);
    ASSERT_TRUE(read_until(
        c, got, [&] { return got.size() == 100; }, [&] { pub.tick(); }));
    EXPECT_EQ(c.parser().header().host, "run-2");
}

// A reader that leaves while nothing is being captured frees its slot at the
// next tick, not at the next chunk.
TEST(StreamServer, ReaderLeavingAnIdleStreamIsNoticed) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    StreamServer server(path, log.options());
    StreamPublisher pub(stream_header(), {&server});
    {
        StreamClient c(path);
        server.service();
        EXPECT_EQ(server.readers(), 1u);
    }
    server.service();
    EXPECT_EQ(server.readers(), 0u);
    EXPECT_TRUE(log.has("reader 1 disconnected"));
}

TEST(StreamServer, StaleSocketIsReplacedLiveOneAndOtherFilesRefused) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    {
        // A socket file nobody listens on, as a killed tracer leaves it.
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strcpy(a.sun_path, path.c_str());
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        ::close(fd);
    }
    StreamServer server(path, log.options());
    try {
        StreamServer second(path, log.options());
        FAIL() << "two servers on one socket";
    } catch (const ServeError& e) {
        EXPECT_NE(std::string(e.what()).find("another tracer"), std::string::npos);
    }
    const std::string plain = dir / "plain";
    { std::ofstream(plain) << "x"; }
    EXPECT_THROW(StreamServer(plain, log.options()), ServeError);
    EXPECT_TRUE(std::filesystem::exists(plain));
}

TEST(StreamFile, StreamToAFileIsATraceWithEveryRecord) {
    ScratchDir dir;
    const std::string path = dir / "stream.eps";
    const auto recs = varied_records(5000);
    {
        StreamFile out(path);
        StreamPublisher pub(stream_header(), {&out});
        for (const auto& r : recs) pub.on_record(r);
        pub.tick();
        pub.finish(1000);
        EXPECT_FALSE(out.dropped());
    }
    trace::TraceReader rd(path);
    EXPECT_EQ(rd.record_count(), recs.size());
    // It ends with the stream's end marker (the tracer stopped): whole, not cut off.
    EXPECT_FALSE(rd.truncated()) << rd.incomplete_note();
}

// A FIFO whose reader goes away: the output is dropped with one line, the
// tracer is not killed by SIGPIPE.
TEST(StreamFile, ReaderOfAFifoLeavingDropsTheOutputNotTheTracer) {
    ScratchDir dir;
    const std::string fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
    ASSERT_GE(reader, 0);
    std::vector<std::string> lines;
    StreamFile out(fifo, 1u << 20, [&](const std::string& l) { lines.push_back(l); });
    StreamPublisher pub(stream_header(), {&out});
    const auto recs = varied_records(100);
    for (const auto& r : recs) pub.on_record(r);
    pub.flush();
    pub.tick();
    EXPECT_FALSE(out.dropped());
    ::close(reader);
    for (const auto& r : recs) pub.on_record(r);
    pub.flush();
    pub.tick();
    EXPECT_TRUE(out.dropped());
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("write failed"), std::string::npos) << lines[0];
}

TEST(StreamFile, UnopenablePathIsOneLine) {
    try {
        StreamFile out("/nonexistent-dir/x");
        FAIL();
    } catch (const ServeError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x"), std::string::npos);
    }
}

}  // namespace
}  // namespace epscope::serve
