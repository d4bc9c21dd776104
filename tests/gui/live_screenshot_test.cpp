// epscope-gui --connect in a real window (under xvfb-run): the test serves a
// live stream with the real server, the GUI reads it and takes a screenshot
// once the stream ends; the tree's red and black nodes and the ready-list
// boxes must match the model. A socket with nothing behind it shows the red
// message banner and exits 2, never a crash.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../scratch_dir.hpp"
#include "image_check.hpp"
#include "png/png.hpp"
#include "serve/stream_publisher.hpp"
#include "serve/stream_server.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"
#include "view/browser.hpp"
#include "view/layout.hpp"
#include "view/palette.hpp"
#include "view/replay.hpp"

extern char** environ;

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;
using view::Rgb;

const Rect kTreeArea = inset(kLayout.tree());
const Rect kQueueArea = inset(kLayout.queues());

// epscope-gui started in the background; stderr to a file.
class GuiProcess {
public:
    GuiProcess(std::vector<std::string> args, const fs::path& err) : err_(err) {
        args.insert(args.begin(), EPSCOPE_GUI_BIN);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~GuiProcess() {
        if (pid_ > 0 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    // Exit status once it has exited, or -1 (still running, or killed).
    bool exited(int& status) {
        if (exited_) {
            status = status_;
            return true;
        }
        int ws = 0;
        if (pid_ <= 0 || ::waitpid(pid_, &ws, WNOHANG) != pid_) return false;
        exited_ = true;
        status_ = WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
        status = status_;
        return true;
    }
    std::string err() const {
        std::ifstream f(err_);
        std::stringstream ss;
        ss << f.rdbuf();
        return ss.str();
    }

private:
    fs::path err_;
    pid_t pid_ = -1;
    bool exited_ = false;
    int status_ = -1;
};

class LiveScreenshot : public ::testing::Test {
protected:
    void TearDown() override { scratch_.keep_if_failed(HasFailure()); }
    epscope::testing::ScratchDir scratch_{"epscope-gui-live"};
    const fs::path dir_ = scratch_.path();
};

TEST_F(LiveScreenshot, LiveStreamShowsTheTreeAndTheReadyList) {
    const std::string sock = (dir_ / "s.sock").string();
    const fs::path shot = dir_ / "live.png";
    const fs::path same_as_file = dir_ / "same.trace";
    serve::ServerOptions so;
    so.log = [](const std::string&) {};
    serve::StreamServer server(sock, so);
    serve::StreamPublisher pub(trace::TraceHeader{}, {&server});
    // The GUI starts before any record: it must pick the stream up as it comes.
    GuiProcess gui({"--connect", sock, "--screenshot", shot.string(), "--wait", "60"},
                   dir_ / "live.err");
    {
        trace::TraceWriter file(same_as_file, trace::TraceHeader{});
        serve::TeeSink tee(file, pub);
        Synth s(tee);
        s.process("livetree");
        s.create(ep_of(1), 3);
        for (int fd = 10; fd < 27; ++fd) s.insert(ep_of(1), 3, fd);
        for (int fd : {11, 20, 26}) s.callback(ep_of(1), fd, EP_CB_QUEUED_READY);
        file.close();
    }
    int status = -1;
    const auto t0 = std::chrono::steady_clock::now();
    // Serve until the GUI has connected and a few flushes went out, then end
    // the stream (EOF): the GUI takes its screenshot.
    while (server.readers_accepted() == 0 ||
           std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500)) {
        pub.tick();
        ASSERT_FALSE(gui.exited(status)) << gui.err();
        ASSERT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pub.finish(5000);
    while (!gui.exited(status)) {
        ASSERT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(90));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ASSERT_EQ(status, 0) << gui.err();
    EXPECT_NE(gui.err().find("stream ended"), std::string::npos) << gui.err();
    EXPECT_NE(gui.err().find(": 22 records"), std::string::npos) << gui.err();

    // What the model says for the same records read from a file.
    view::Replay r(same_as_file);
    r.seek_records(r.busiest_prefix());
    auto rows = view::browser_rows(r.model(), view::BrowserQuery{});
    ASSERT_EQ(rows.size(), 1u);
    std::size_t red = 0, black = 0;
    for (const auto& n : r.model().tree_preorder(rows.front().inst))
        (n.color == model::RbColor::Red ? red : black) += 1;
    ASSERT_EQ(red + black, 17u);
    const std::size_t ready = r.model().ready_list(rows.front().inst).size();
    ASSERT_EQ(ready, 3u);

    const png::Image img = png::read_png(shot);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeRed, 40), red);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), black);
    EXPECT_EQ(count_blobs(img, kQueueArea, view::kQueueReady, 100), ready);
    EXPECT_EQ(count_pixels(img, kTreeArea, view::kErrorBanner), 0u);
}

// Exit 1, as `epscope dump --connect` to nothing: no stream could be read at all
// (2 is for a stream shown but cut off).
TEST_F(LiveScreenshot, NothingBehindTheSocketShowsTheMessageAndExits1) {
    const std::string sock = (dir_ / "nobody-home.sock").string();
    const fs::path shot = dir_ / "dead.png";
    GuiProcess gui({"--connect", sock, "--screenshot", shot.string(), "--wait", "1"},
                   dir_ / "dead.err");
    int status = -1;
    const auto t0 = std::chrono::steady_clock::now();
    while (!gui.exited(status)) {
        ASSERT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(60));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(status, 1) << gui.err();
    EXPECT_NE(gui.err().find("cannot connect"), std::string::npos) << gui.err();
    EXPECT_NE(gui.err().find(sock), std::string::npos) << gui.err();
    const png::Image img = png::read_png(shot);
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(img, kTreeArea, view::kErrorBanner), 5000u);
    EXPECT_GT(count_pixels(img, kTreeArea, Rgb{255, 255, 255}), 100u);
    EXPECT_EQ(count_blobs(img, kTreeArea, view::kNodeBlack, 40), 0u);
}

}  // namespace
}  // namespace epscope::gui_test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
