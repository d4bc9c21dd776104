// The GUI's live source without a window: connecting with retries, following
// a stream served by the real server, starting over when the tracer
// restarts, and a readable error for a foreign stream.
#include "view/live_source.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <thread>

#include "../scratch_dir.hpp"
#include "serve/stream_publisher.hpp"
#include "serve/stream_server.hpp"
#include "synthetic_stream.hpp"
#include "view/replay.hpp"

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;

using epscope::testing::ScratchDir;

serve::ServerOptions quiet() {
    serve::ServerOptions o;
    o.log = [](const std::string&) {};
    return o;
}

trace::TraceHeader header(const std::string& host) {
    trace::TraceHeader h;
    h.host = host;
    return h;
}

// Polls `src` (and services the server through `tick`) until `done`.
bool poll_until(view::LiveSource& src, const std::function<bool()>& done,
                const std::function<void()>& tick = {}) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
        if (tick) tick();
        src.poll();
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

TEST(LiveSource, ConnectsWhenTheTracerStartsFollowsAndStartsOverOnRestart) {
    const ScratchDir dir("epscope-live");
    const std::string path = (dir / "s.sock").string();
    view::Replay replay(view::Replay::LiveTag{}, path);
    view::LiveSourceOptions lo;
    lo.first_retry = std::chrono::milliseconds(10);
    lo.max_retry = std::chrono::milliseconds(40);
    view::LiveSource src(path, replay, lo);

    // Nothing behind the path yet: a status, a message, no crash.
    src.poll();
    EXPECT_FALSE(src.connected());
    EXPECT_EQ(replay.source_label(), "connecting to " + path + "...");
    EXPECT_FALSE(replay.opened());
    EXPECT_NE(replay.open_error().find("cannot connect"), std::string::npos) << replay.open_error();

    {
        serve::StreamServer server(path, quiet());
        serve::StreamPublisher pub(header("run-1"), {&server});
        Synth s(pub);
        s.process("first");
        s.create(ep_of(1), 3);
        for (int fd = 10; fd < 15; ++fd) s.insert(ep_of(1), 3, fd);
        ASSERT_TRUE(poll_until(
            src, [&] { return replay.record_count() == 7; }, [&] { pub.tick(); }));
        EXPECT_EQ(replay.source_label(), "live " + path);
        EXPECT_TRUE(replay.opened());
        EXPECT_EQ(replay.header().host, "run-1");
        // The cursor followed: the model holds every item.
        EXPECT_EQ(replay.applied(), 7u);
        EXPECT_EQ(replay.model().live_items(), 5u);
        pub.finish(1000);
    }
    ASSERT_TRUE(poll_until(src, [&] { return src.ended(); }));
    EXPECT_NE(replay.source_label().find("stream ended (the tracer stopped)"), std::string::npos)
        << replay.source_label();
    EXPECT_FALSE(replay.live_alarm());
    EXPECT_EQ(replay.record_count(), 7u);  // the last state stays on screen

    // The tracer restarts: the next stream replaces the old one.
    serve::StreamServer server(path, quiet());
    serve::StreamPublisher pub(header("run-2"), {&server});
    Synth s(pub);
    s.process("second");
    s.create(ep_of(2), 4);
    s.insert(ep_of(2), 4, 20);
    ASSERT_TRUE(poll_until(
        src, [&] { return replay.record_count() == 3; }, [&] { pub.tick(); }));
    EXPECT_EQ(src.streams(), 2u);
    EXPECT_EQ(replay.header().host, "run-2");
    EXPECT_EQ(replay.model().live_items(), 1u);
    EXPECT_EQ(replay.source_label(), "live " + path);
}

TEST(LiveSource, CursorLeftBehindStaysWhereItIs) {
    const ScratchDir dir("epscope-live");
    const std::string path = (dir / "s.sock").string();
    view::Replay replay(view::Replay::LiveTag{}, path);
    view::LiveSource src(path, replay);
    serve::StreamServer server(path, quiet());
    serve::StreamPublisher pub(header("h"), {&server});
    Synth s(pub);
    s.create(ep_of(1), 3);
    for (int fd = 10; fd < 14; ++fd) s.insert(ep_of(1), 3, fd);
    ASSERT_TRUE(poll_until(
        src, [&] { return replay.record_count() == 5; }, [&] { pub.tick(); }));
    replay.seek_records(2);  // the user scrubbed back
    s.insert(ep_of(1), 3, 30);
    ASSERT_TRUE(poll_until(
        src, [&] { return replay.record_count() == 6; }, [&] { pub.tick(); }));
    EXPECT_EQ(replay.applied(), 2u);
    EXPECT_EQ(replay.model().live_items(), 1u);
}

// The GUI joins a tracer whose memory history let every chunk go: from the
// spool it still builds the whole state (every item inserted before it
// came); without a spool the status bar says the state is incomplete.
TEST(LiveSource, LateJoinGetsTheWholeStateOrIsToldItIsIncomplete) {
    const ScratchDir dir("epscope-live");
    for (const bool spooled : {true, false}) {
        const std::string path = (dir / "s.sock").string();
        serve::ServerOptions o = quiet();
        o.history_bytes = 0;
        if (spooled) o.spool_dir = dir.path().string();
        serve::StreamServer server(path, o);
        serve::StreamPublisher pub(header("h"), {&server});
        Synth s(pub);
        s.process("early");
        s.create(ep_of(1), 3);
        for (int fd = 10; fd < 16; ++fd) s.insert(ep_of(1), 3, fd);
        pub.flush();
        view::Replay replay(view::Replay::LiveTag{}, path);
        view::LiveSource src(path, replay);
        s.insert(ep_of(1), 3, 40);  // after the GUI connected, before the tracer accepts it
        pub.flush();
        ASSERT_TRUE(poll_until(
            src, [&] { return spooled ? replay.record_count() == 9 : src.connected(); },
            [&] { pub.tick(); }));
        if (spooled) {
            EXPECT_EQ(replay.source_label(), "live " + path);
            EXPECT_EQ(replay.model().live_items(), 7u);
        } else {
            ASSERT_TRUE(poll_until(
                src, [&] { return replay.header().get(trace::kMetaStreamIncomplete).has_value(); },
                [&] { pub.tick(); }));
            EXPECT_NE(replay.source_label().find("live " + path +
                                                 " - INCOMPLETE: the stream "
                                                 "starts at record 10 of the capture"),
                      std::string::npos)
                << replay.source_label();
            EXPECT_EQ(replay.record_count(), 0u);  // no history, nothing new yet
        }
    }
}

// The GUI stops reading (a frozen window), the tracer drops it: once it
// reads again, the stream's end marker says why, and the status bar shows
// it in red.
TEST(LiveSource, DroppedReaderIsToldWhyInRed) {
    const ScratchDir dir("epscope-live");
    const std::string path = (dir / "s.sock").string();
    serve::ServerOptions o = quiet();
    o.reader_queue_bytes = 16u << 10;
    serve::StreamServer server(path, o);
    serve::StreamPublisher pub(header("h"), {&server});
    view::Replay replay(view::Replay::LiveTag{}, path);
    view::LiveSource src(path, replay);
    Synth s(pub);
    s.process("busy");
    s.create(ep_of(1), 3);
    ASSERT_TRUE(poll_until(
        src, [&] { return replay.record_count() == 2; }, [&] { pub.tick(); }));
    for (int i = 0; i < 2000000 && server.readers_dropped() == 0; ++i) {
        s.insert(ep_of(1), 3, 10 + i);
        if (i % 500 == 0) pub.tick();
    }
    ASSERT_EQ(server.readers_dropped(), 1u);
    ASSERT_TRUE(poll_until(
        src, [&] { return src.ended(); }, [&] { server.service(); }));
    EXPECT_NE(src.end_reason().find("dropped: fell "), std::string::npos) << src.end_reason();
    EXPECT_NE(replay.source_label().find("stream ended (dropped: fell "), std::string::npos)
        << replay.source_label();
    EXPECT_TRUE(replay.live_alarm());
    pub.finish(100);
}

TEST(LiveSource, ForeignStreamIsAReadableError) {
    const ScratchDir dir("epscope-live");
    const std::string path = (dir / "junk.sock").string();
    int lfd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path.c_str());
    ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(lfd, 4), 0);
    view::Replay replay(view::Replay::LiveTag{}, path);
    view::LiveSource src(path, replay);
    src.poll();  // connected (queued in the backlog)
    int c = ::accept(lfd, nullptr, nullptr);
    ASSERT_GE(c, 0);
    const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n";
    ASSERT_EQ(::write(c, junk, sizeof junk - 1), static_cast<ssize_t>(sizeof junk - 1));
    ASSERT_TRUE(poll_until(src, [&] { return !src.last_error().empty(); }));
    EXPECT_FALSE(src.connected());
    EXPECT_FALSE(replay.opened());
    EXPECT_NE(replay.open_error().find("not an epscope stream"), std::string::npos)
        << replay.open_error();
    ::close(c);
    ::close(lfd);
}

}  // namespace
}  // namespace epscope::gui_test
