// Readers that join a live stream long after it began: served from the spool
// from the first chunk, then live, with no record missing or repeated; past
// the spool's cap, told so in the header. One thread plays the capture loop
// and the readers, as in stream_server_test.cpp.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <string>
#include <thread>

#include "serve/stream_publisher.hpp"
#include "serve/stream_server.hpp"
#include "serve_test_util.hpp"
#include "test_util.hpp"

namespace epscope::serve {
namespace {

using epscope::testing::Logged;
using epscope::testing::read_until;
using epscope::testing::same;
using epscope::testing::ScratchDir;
using epscope::testing::stream_header;
using epscope::testing::varied_records;
using trace::StreamClient;

// Every record of `want`, in order, none more: record by record, bytes equal.
void expect_identical(const std::vector<stream::Record>& got,
                      const std::vector<stream::Record>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i)
        ASSERT_TRUE(same(got[i], want[i])) << "record " << i;
}

// The stream is far larger than the memory history; a reader that joins
// then, while records keep coming, gets every record from the first one,
// the same as a reader that was there from the start.
TEST(LateJoiner, GetsTheWholeStreamFromTheSpoolThenLiveWithNoGapOrRepeat) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options(dir.path());
    o.history_bytes = 64u << 10;
    // Small spool reads per tick: the catch-up spans many ticks, with chunks
    // published in between and reads that end inside chunks.
    o.catch_up_tick_bytes = 50'000;
    o.catch_up_queue_bytes = 120'000;
    StreamServer server(path, o);
    PublisherOptions po;
    po.chunk_records = 300;
    StreamPublisher pub(stream_header("late-1"), {&server}, po);
    const auto recs = varied_records(260000);
    StreamClient early(path);
    server.service();
    std::vector<stream::Record> got_early, got_late;
    std::size_t fed = 0;
    auto feed = [&](std::size_t n) {
        for (std::size_t i = 0; i < n && fed < recs.size(); ++i) pub.on_record(recs[fed++]);
        pub.tick();
    };
    ASSERT_TRUE(read_until(
        early, got_early, [&] { return fed >= 160000 && got_early.size() == fed; },
        [&] { feed(fed < 160000 ? 2000 : 0); }, std::chrono::seconds(60)));
    ASSERT_GT(server.spool_size(), std::uint64_t{10} * o.history_bytes);
    StreamClient late(path);
    ASSERT_TRUE(read_until(
        late, got_late, [&] { return got_late.size() == recs.size(); },
        [&] {
            feed(500);
            // The early reader keeps up too, so it is not dropped.
            stream::Record r;
            early.pump();
            while (early.parser().next(r)) got_early.push_back(r);
        },
        std::chrono::seconds(120)))
        << got_late.size() << " of " << recs.size();
    ASSERT_TRUE(read_until(
        early, got_early, [&] { return got_early.size() == recs.size(); }, [&] { pub.tick(); }));
    EXPECT_TRUE(log.has("reader 2 connected (")) << log.lines.back();
    EXPECT_TRUE(log.has("behind: served from the spool first"));
    EXPECT_TRUE(log.has("reader 2 caught up ("));
    EXPECT_FALSE(late.parser().header().get(trace::kMetaStreamIncomplete));
    EXPECT_EQ(late.parser().header().host, "late-1");
    expect_identical(got_late, recs);
    expect_identical(got_early, recs);
    EXPECT_EQ(server.readers_catching_up(), 0u);
    EXPECT_EQ(server.readers_dropped(), 0u);
    // Nothing is published after the catch-up; the stream still ends cleanly.
    pub.finish(2000);
    bool eof = false;
    read_until(
        late, got_late, [] { return false; }, {}, std::chrono::seconds(5), &eof);
    EXPECT_TRUE(eof);
    EXPECT_EQ(late.parser().partial_bytes(), 0u);
    EXPECT_EQ(got_late.size(), recs.size());
}

// A reader that joins when the tracer is stopping still gets every record:
// the catch-up goes on while the server finishes.
TEST(LateJoiner, TracerStoppingFinishesTheCatchUp) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options(dir.path());
    o.history_bytes = 16u << 10;
    o.catch_up_queue_bytes = 64u << 10;
    o.catch_up_send_buffer = 0;
    StreamServer server(path, o);
    StreamPublisher pub(stream_header(), {&server});
    const auto recs = varied_records(150000);
    for (const auto& r : recs) pub.on_record(r);
    pub.flush();
    StreamClient late(path);
    server.service();
    ASSERT_EQ(server.readers_catching_up(), 1u);
    // The reader reads in its own thread while the tracer stops.
    std::vector<stream::Record> got;
    bool eof = false;
    std::thread reader([&] {
        read_until(
            late, got, [] { return false; }, {}, std::chrono::seconds(20), &eof);
    });
    pub.finish(10000);
    reader.join();
    EXPECT_TRUE(eof);
    EXPECT_EQ(late.parser().partial_bytes(), 0u);
    expect_identical(got, recs);
}

// Past the spool's cap a joiner cannot get the whole stream: its header says
// where its stream starts and what is missing, the tracer's log says so, and
// the records it gets are exactly the stream's from that record on.
TEST(LateJoiner, PastTheSpoolCapTheStreamIsMarkedIncomplete) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options(dir.path());
    o.history_bytes = 32u << 10;
    o.spool_bytes = 256u << 10;
    StreamServer server(path, o);
    PublisherOptions po;
    po.chunk_records = 200;
    StreamPublisher pub(stream_header(), {&server}, po);
    const auto recs = varied_records(60000);
    for (const auto& r : recs) pub.on_record(r);
    pub.flush();
    EXPECT_TRUE(server.spool_stopped());
    EXPECT_TRUE(log.has("passed the spool's cap of 256 KiB")) << log.lines.front();
    server.service();  // no reader needs the spool: its space goes
    EXPECT_TRUE(log.has("released the spool"));
    StreamClient late(path);
    std::vector<stream::Record> got;
    ASSERT_TRUE(read_until(
        late, got, [&] { return late.parser().has_header(); }, [&] { server.service(); }));
    const auto note = late.parser().header().get(trace::kMetaStreamIncomplete);
    ASSERT_TRUE(note);
    const std::string n(*note);
    EXPECT_NE(n.find("/proc snapshot are missing"), std::string::npos) << n;
    const auto at = n.find("starts at record ");
    ASSERT_NE(at, std::string::npos) << n;
    const std::size_t first = std::stoul(n.substr(at + 17));
    ASSERT_GT(first, 1u);
    const std::vector<stream::Record> tail(recs.begin() + static_cast<std::ptrdiff_t>(first - 1),
                                           recs.end());
    ASSERT_TRUE(read_until(
        late, got, [&] { return got.size() >= tail.size(); }, [&] { server.service(); }));
    expect_identical(got, tail);
    EXPECT_TRUE(log.has("reader 1 connected too late for the whole stream"));
}

// A reader still catching up when the spool stops and the chunks it needs
// leave the memory history cannot be served whole: it is dropped with a
// reason, never handed a stream with a hole in it.
TEST(LateJoiner, CatchingUpReaderOverrunByTheCapIsDroppedNotGivenAGap) {
    ScratchDir dir;
    const std::string path = dir / "s.sock";
    Logged log;
    ServerOptions o = log.options(dir.path());
    o.history_bytes = 16u << 10;
    o.spool_bytes = 2u << 20;
    o.catch_up_queue_bytes = 8u << 10;
    o.catch_up_send_buffer = 0;  // the default socket buffer: it fills well before the cap
    StreamServer server(path, o);
    StreamPublisher pub(stream_header(), {&server});
    const auto recs = varied_records(20000);
    std::size_t fed = 0;
    auto feed_until = [&](const std::function<bool()>& done) {
        while (!done()) {
            pub.on_record(recs[fed++ % recs.size()]);
            if (fed % 1000 == 0) pub.flush();
        }
    };
    feed_until([&] { return server.spool_size() > (1u << 20); });
    ASSERT_FALSE(server.spool_stopped());
    StreamClient late(path);
    server.service();  // joins whole, catching up; it never reads
    ASSERT_EQ(server.readers_catching_up(), 1u);
    feed_until([&] { return server.spool_stopped(); });
    feed_until([&] { return fed % 1000 == 0 && fed > 300000; });
    for (int i = 0; i < 50 && server.readers() != 0; ++i) server.service();
    EXPECT_EQ(server.readers_dropped(), 1u);
    EXPECT_TRUE(log.has("could not be served the whole stream")) << log.lines.back();
}

TEST(LateJoiner, UnusableSpoolDirectoryIsOneLine) {
    ScratchDir dir;
    Logged log;
    try {
        StreamServer server(dir / "s.sock", log.options("/nonexistent-spool-dir"));
        FAIL() << "served without a spool";
    } catch (const ServeError& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("/nonexistent-spool-dir"), std::string::npos) << w;
        EXPECT_NE(w.find("--serve-spool-dir"), std::string::npos) << w;
        EXPECT_EQ(w.find('\n'), std::string::npos);
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "s.sock"));
}

// The spool is unnamed: nothing of it is ever visible in its directory.
TEST(LateJoiner, SpoolLeavesNothingInItsDirectory) {
    ScratchDir dir;
    ScratchDir spool;
    Logged log;
    {
        StreamServer server(dir / "s.sock", log.options(spool.path()));
        StreamPublisher pub(stream_header(), {&server});
        for (const auto& r : varied_records(5000)) pub.on_record(r);
        pub.flush();
        EXPECT_GT(server.spool_size(), 0u);
        EXPECT_TRUE(std::filesystem::is_empty(spool.path()));
    }
    EXPECT_TRUE(std::filesystem::is_empty(spool.path()));
}

}  // namespace
}  // namespace epscope::serve
