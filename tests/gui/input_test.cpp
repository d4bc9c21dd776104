// epscope-gui driven with real X input events (run under xvfb-run): the test
// starts the GUI with --ui-report, which says after each frame where the
// frame drew every clickable fd and what the UI state is, moves the X pointer
// and presses buttons with xdotool (XTest), and looks at what the GUI shows:
// screenshots the GUI saves on request (FILE.request -> FILE.png), checked by
// exact colours per window (view/palette.hpp, view/layout.hpp), and the
// timeline window the report states. A tree node and a busiest item clicked
// in the recorded poller trace, a ready-list entry in a synthetic one: the fd
// is then highlighted in every window; the wheel zooms the timeline around
// the pointer and a drag pans it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../scratch_dir.hpp"
#include "findings_trace.hpp"
#include "image_check.hpp"
#include "model/model.hpp"
#include "png/png.hpp"
#include "search_trace.hpp"
#include "synthetic_stream.hpp"
#include "trace/writer.hpp"
#include "view/browser.hpp"
#include "view/findings.hpp"
#include "view/keys.hpp"
#include "view/layout.hpp"
#include "view/legend.hpp"
#include "view/palette.hpp"
#include "view/replay.hpp"

extern char** environ;

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using gui_test::ep_of;
using gui_test::Synth;

const Rect kTreeArea = inset(kLayout.tree());
const Rect kQueueArea = inset(kLayout.queues());
const Rect kTimelineArea = inset(kLayout.timeline());
const Rect kDetailsArea = inset(kLayout.details());
const Rect kBrowserArea = inset(kLayout.browser());

// Runs a command to its end; returns its stdout, nullopt if it failed.
std::optional<std::string> run(std::vector<std::string> args) {
    int out[2];
    if (::pipe(out) != 0) return std::nullopt;
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    pid_t pid = -1;
    const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; rc == 0 && (n = ::read(out[0], buf, sizeof buf)) > 0;) text.append(buf, n);
    ::close(out[0]);
    if (rc != 0) return std::nullopt;
    int ws = 0;
    ::waitpid(pid, &ws, 0);
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) return std::nullopt;
    return text;
}

// One parsed --ui-report (gui/app/ui_report.hpp).
struct Target {
    std::string window;
    int fd = -1;
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    int cx() const { return static_cast<int>((x0 + x1) / 2); }
    int cy() const { return static_cast<int>((y0 + y1) / 2); }
};
struct Report {
    bool valid = false;
    float mouse_x = -1, mouse_y = -1;
    int mouse_down = 0;
    int selected_fd = -1;
    unsigned long instance = 0;
    std::uint64_t t0 = 0, t1 = 0;
    std::uint64_t cursor = 0;
    int playing = 0;
    int keys_overlay = 0;
    float font = 0;                // px
    std::set<std::string> legend;  // "PANE R G B" rows drawn
    int text_input = 0;
    float lanes[4] = {0, 0, 0, 0};
    std::vector<Target> targets;
    std::map<std::string, std::string> counters;  // "TABLE NAME" -> value or "unseen"
    int findings = -1;                            // -1: still judging
    int finding_selected = -1;
    std::vector<Target> finding_rows;  // fd: the row's index, window: its kind
    bool has_span = false;
    std::string wall_clock;  // empty: none shown
    int search_index = -1, search_hits = -1;
    float shares[5] = {0, 0, 0, 0, 0};      // side details timeline browser findings
    std::map<std::string, Target> gutters;  // and the View menu's button and item
    std::uint64_t span_t0 = 0, span_t1 = 0;
    float axis[4] = {0, 0, 0, 0};
    bool has_sel = false;  // a dragged span (span T0 T1)
    std::uint64_t sel_t0 = 0, sel_t1 = 0;
    std::vector<std::string> span_rows;  // "TGID EPFDS WAITS ..." as reported
    // The counter tracks' header (window: "collapsed" or "open"; fd: tracks
    // shown), the instances it counts, and each track drawn (fd: its serial).
    std::optional<Target> counter_group;
    std::size_t counter_total = 0;
    std::vector<Target> counter_tracks;
    std::vector<std::string> counter_names;  // parallel to counter_tracks
    std::string tooltip;
    std::uint64_t span() const { return t1 - t0; }
    const Target* find(const std::string& window, int fd) const {
        for (const Target& t : targets) {
            if (t.window == window && t.fd == fd) return &t;
        }
        return nullptr;
    }
};

// The counter tracks' lines of a report (and the timeline's tooltip);
// false for another key.
bool parse_counter_tracks(const std::string& key, std::istringstream& s, Report& r) {
    if (key == "counter_group") {
        Target t;
        int collapsed = 0;
        s >> t.x0 >> t.y0 >> t.x1 >> t.y1 >> t.fd >> r.counter_total >> collapsed;
        t.window = collapsed != 0 ? "collapsed" : "open";
        r.counter_group = t;
    } else if (key == "counter_track") {
        Target t;
        s >> t.fd >> t.x0 >> t.y0 >> t.x1 >> t.y1;
        std::string name;
        std::getline(s, name);
        r.counter_tracks.push_back(t);
        r.counter_names.push_back(name.substr(name.find_first_not_of(' ')));
    } else if (key == "tooltip") {
        std::getline(s, r.tooltip);
        r.tooltip.erase(0, r.tooltip.find_first_not_of(' '));
    } else {
        return false;
    }
    return true;
}

Report parse_report(const fs::path& p) {
    Report r;
    std::ifstream f(p);
    std::string line;
    bool mouse = false;
    while (std::getline(f, line)) {
        std::istringstream s(line);
        std::string key;
        s >> key;
        if (key == "mouse") {
            s >> r.mouse_x >> r.mouse_y >> r.mouse_down;
            mouse = true;
        } else if (key == "selected_fd") {
            s >> r.selected_fd;
        } else if (key == "instance") {
            s >> r.instance;
        } else if (key == "timeline") {
            s >> r.t0 >> r.t1;
        } else if (key == "cursor") {
            s >> r.cursor;
        } else if (key == "playing") {
            s >> r.playing;
        } else if (key == "keys_overlay") {
            s >> r.keys_overlay;
        } else if (key == "font") {
            s >> r.font;
        } else if (key == "text_input") {
            s >> r.text_input;
        } else if (key == "lanes") {
            s >> r.lanes[0] >> r.lanes[1] >> r.lanes[2] >> r.lanes[3];
        } else if (key == "axis") {
            s >> r.axis[0] >> r.axis[1] >> r.axis[2] >> r.axis[3];
        } else if (key == "span") {
            s >> r.sel_t0 >> r.sel_t1;
            r.has_sel = true;
        } else if (key == "span_row") {
            std::string rest;
            std::getline(s, rest);
            r.span_rows.push_back(rest.substr(rest.find_first_not_of(' ')));
        } else if (key == "counter") {
            std::string table, name, value;
            s >> table >> name >> value;
            r.counters[table + " " + name] = value;
        } else if (key == "legend") {
            std::string rest;
            std::getline(s, rest);
            r.legend.insert(rest.substr(rest.find_first_not_of(' ')));
        } else if (key == "search") {
            s >> r.search_index >> r.search_hits;
        } else if (key == "wall_clock") {
            std::getline(s, r.wall_clock);
            r.wall_clock.erase(0, r.wall_clock.find_first_not_of(' '));
        } else if (key == "shares") {
            for (float& f : r.shares) s >> f;
        } else if (key == "gutter") {
            Target t;
            s >> t.window >> t.x0 >> t.y0 >> t.x1 >> t.y1;
            r.gutters[t.window] = t;
        } else if (key == "findings") {
            s >> r.findings;
        } else if (key == "finding_selected") {
            s >> r.finding_selected;
        } else if (key == "finding") {
            Target t;
            s >> t.fd >> t.window >> t.x0 >> t.y0 >> t.x1 >> t.y1;
            r.finding_rows.push_back(t);
        } else if (key == "finding_span") {
            s >> r.span_t0 >> r.span_t1;
            r.has_span = true;
        } else if (parse_counter_tracks(key, s, r)) {
        } else if (key == "target") {
            Target t;
            s >> t.window >> t.fd >> t.x0 >> t.y0 >> t.x1 >> t.y1;
            r.targets.push_back(t);
        }
    }
    r.valid = mouse;
    return r;
}

// epscope-gui --ui-report REPORT TRACE in the background, and the X pointer
// driven over its window with xdotool.
class Gui {
public:
    Gui(const fs::path& trace, const fs::path& dir) : report_(dir / "ui.report") {
        std::vector<std::string> args{EPSCOPE_GUI_BIN, "--ui-report", report_.string(),
                                      trace.string()};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const fs::path err = dir / "gui.err";
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&fa);
    }
    ~Gui() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Gui(const Gui&) = delete;
    Gui& operator=(const Gui&) = delete;

    bool started() const { return pid_ > 0; }

    // Waits (up to 20 s) for a report for which `ok` holds; returns the last one read.
    Report wait_for(const std::function<bool(const Report&)>& ok) {
        const auto give_up = Clock::now() + std::chrono::seconds(20);
        Report r;
        while (Clock::now() < give_up) {
            r = parse_report(report_);
            if (r.valid && ok(r)) return r;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return r;
    }

    // The GUI's X window (GLFW sets _NET_WM_PID).
    bool find_window() {
        std::optional<std::string> out =
            run({"xdotool", "search", "--sync", "--onlyvisible", "--pid", std::to_string(pid_)});
        if (!out || out->empty()) return false;
        window_ = out->substr(0, out->find('\n'));
        // No window manager under Xvfb: give the window the keyboard by hand.
        return xdo({"windowfocus", window_});
    }

    // XTest: the pointer to (x, y) in the window; returns once the GUI's
    // frame has seen it there.
    bool move(int x, int y) {
        if (!xdo({"mousemove", "--window", window_, std::to_string(x), std::to_string(y)}))
            return false;
        Report r = wait_for([&](const Report& r) {
            return static_cast<int>(r.mouse_x) == x && static_cast<int>(r.mouse_y) == y;
        });
        return static_cast<int>(r.mouse_x) == x && static_cast<int>(r.mouse_y) == y;
    }
    bool button(bool down) {
        if (!xdo({down ? "mousedown" : "mouseup", "1"})) return false;
        return wait_for([&](const Report& r) {
                   return r.mouse_down == (down ? 1 : 0);
               }).mouse_down == (down ? 1 : 0);
    }
    bool click_at(int x, int y) { return move(x, y) && button(true) && button(false); }
    // Presses at (x, y), moves by (dx, dy) in four steps, releases.
    bool drag(int x, int y, int dx, int dy) {
        if (!move(x, y) || !button(true)) return false;
        for (int step = 1; step <= 4; ++step) {
            if (!move(x + dx * step / 4, y + dy * step / 4)) return false;
        }
        return button(false);
    }
    // XTest: a key (xdotool's names, view/keys.hpp) or text typed into the
    // window that has the keyboard (the GUI's: find_window() focused it).
    bool key(const std::string& name) { return xdo({"key", name}); }
    bool type(const std::string& text) { return xdo({"type", text}); }
    // The wheel: X button 4 is one notch up (GLFW: scroll +1, the GUI zooms in).
    bool wheel_up() { return xdo({"click", "4"}); }

    // The next frame as the GUI drew it.
    png::Image screenshot() {
        const fs::path request = report_.string() + ".request";
        const fs::path png_path = report_.string() + ".png";
        fs::remove(png_path);
        std::ofstream(request).put('\n');
        const auto give_up = Clock::now() + std::chrono::seconds(20);
        while (fs::exists(request) && Clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (fs::exists(request) || !fs::exists(png_path)) return png::Image{};
        return png::read_png(png_path);
    }

private:
    bool xdo(std::vector<std::string> args) {
        args.insert(args.begin(), "xdotool");
        return run(std::move(args)).has_value();
    }
    fs::path report_;
    pid_t pid_ = -1;
    std::string window_;
};

class Input : public ::testing::Test {
protected:
    void SetUp() override {
        // The GUI keeps its layout here, not in the real ~/.config.
        ::setenv("XDG_CONFIG_HOME", dir_.c_str(), 1);
        ::setenv("TZ", "UTC", 1);  // wall-clock times the same in the GUI and here
        ::tzset();
        ASSERT_TRUE(run({"xdotool", "version"})) << "xdotool is missing (scripts/setup)";
    }
    void TearDown() override { scratch_.keep_if_failed(HasFailure()); }
    void save(const png::Image& img, const std::string& name) {
        if (img.width != 0) png::write_png(dir_ / (name + ".png"), img);
    }
    // One directory per test (a fixture per test): a later test's clean-up must
    // not remove what a failed one kept.
    epscope::testing::ScratchDir scratch_{"epscope-gui-input"};
    const fs::path dir_ = scratch_.path();
};

Rect around(const Target& t, int by) {
    return Rect{static_cast<int>(t.x0) - by, static_cast<int>(t.y0) - by,
                static_cast<int>(t.x1) + by, static_cast<int>(t.y1) + by};
}

// The items of the instance the GUI shows first, by the model at the same cursor.
std::set<int> model_items(const fs::path& trace) {
    view::Replay r(trace);
    r.seek_records(r.busiest_prefix());
    std::set<int> fds;
    std::vector<view::InstanceRow> rows = view::browser_rows(r.model(), view::BrowserQuery{});
    if (rows.empty()) return fds;
    for (const model::TreeNodeView& n : r.model().tree_preorder(rows.front().inst)) {
        fds.insert(r.model().item(n.item).fd);
    }
    return fds;
}

// Nothing selected: no selection colour anywhere, no item in the details (no item
// counters drawn: the font's anti-aliased text has pixels of any grey, so the report
// says it), no item lane in the timeline (its label is in the callback colour; the
// tracepoint backend sees no callbacks).
void expect_nothing_selected(const png::Image& shot, const Report& r) {
    EXPECT_EQ(count_pixels(shot, Rect{0, 0, kWidth, kHeight}, view::kSelection), 0u);
    for (const auto& [name, value] : r.counters) EXPECT_FALSE(name.starts_with("item_counters"));
    EXPECT_EQ(count_pixels(shot, kTimelineArea, view::kMarkCallback), 0u);
}

// The tree node drawn lowest: an item that is not the root, deep in the tree.
const Target* lowest_tree_node(const Report& r) {
    const Target* node = nullptr;
    for (const Target& t : r.targets) {
        if (t.window == "tree" && (node == nullptr || t.y0 > node->y0)) node = &t;
    }
    return node;
}

// The topmost busiest item in the details panel other than `fd` (the list may run
// below the panel's visible part).
const Target* topmost_busiest_item_but(const Report& r, int fd) {
    const Target* other = nullptr;
    for (const Target& t : r.targets) {
        if (t.window == "details" && t.fd != fd && (other == nullptr || t.y0 < other->y0))
            other = &t;
    }
    return other;
}

// `epscope record -- epscope-poller --model basic ...` (tracepoint backend),
// as in the screenshot tests: two instances, the first with 15 items.
const fs::path kPollerTrace = fs::path(EPSCOPE_GUI_DATA) / "poller-basic-tracepoint.trace";

TEST_F(Input, ClickOnATreeNodeSelectsItsFdInEveryWindow) {
    Gui gui(kPollerTrace, dir_);
    ASSERT_TRUE(gui.started());
    Report first = gui.wait_for([](const Report& r) { return !r.targets.empty(); });
    ASSERT_FALSE(first.targets.empty()) << "no report with tree nodes from the GUI";
    ASSERT_TRUE(gui.find_window());
    // The report's tree nodes are the model's items of the shown instance.
    std::set<int> drawn;
    for (const Target& t : first.targets) {
        if (t.window == "tree") drawn.insert(t.fd);
    }
    ASSERT_EQ(drawn, model_items(kPollerTrace));
    ASSERT_EQ(first.selected_fd, -1);

    // A point with nothing under it (the tree's empty top right corner):
    // the pointer rests there for the screenshots, so no tooltip covers them.
    const int rest_x = kTreeArea.x1 - 20;
    const int rest_y = kTreeArea.y0 + 60;
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image before = gui.screenshot();
    save(before, "before");
    ASSERT_EQ(before.width, static_cast<std::uint32_t>(kWidth));
    expect_nothing_selected(before, first);

    // Click the node of an item that is not the root, deep enough to be
    // somewhere in the middle of the tree.
    const Target* node = lowest_tree_node(first);
    ASSERT_NE(node, nullptr);
    const Target clicked = *node;
    ASSERT_TRUE(gui.click_at(clicked.cx(), clicked.cy()));
    Report sel = gui.wait_for([&](const Report& r) { return r.selected_fd == clicked.fd; });
    ASSERT_EQ(sel.selected_fd, clicked.fd);
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image after = gui.screenshot();
    save(after, "after");
    ASSERT_EQ(after.width, static_cast<std::uint32_t>(kWidth));

    // Tree: a ring in the selection colour around the clicked node, and
    // nowhere else.
    const Rect ring = around(clicked, 16);
    EXPECT_GT(count_pixels(after, ring, view::kSelection), 100u);
    EXPECT_EQ(count_pixels(after, kTreeArea, view::kSelection),
              count_pixels(after, ring, view::kSelection));
    // Browser: the square before the epfd of the instance holding the fd.
    EXPECT_GT(count_pixels(after, kBrowserArea, view::kSelection), 40u);
    // Details: "item fd N" and the item's counters.
    EXPECT_GT(count_pixels(after, kDetailsArea, view::kNodeBlack), 20u);
    // Timeline: the selected item's own lane above the threads' lanes.
    EXPECT_GT(count_pixels(after, kTimelineArea, view::kMarkCallback), 20u);
    Report now = gui.wait_for([](const Report&) { return true; });
    EXPECT_TRUE(now.counters.contains("item_counters deliveries"));
    // ... a row of its own: the counter tracks' header moved down by one.
    ASSERT_TRUE(now.counter_group && first.counter_group);
    EXPECT_NEAR(now.counter_group->y0, first.counter_group->y0 + 22, 1.0f);
    // Details: the clicked fd is one of the busiest items (a target there),
    // highlighted as the selected row; a click on another one moves the
    // selection everywhere, the tree's ring included.
    const Target* other = topmost_busiest_item_but(now, clicked.fd);
    ASSERT_NE(other, nullptr) << "no busiest item to click in the details panel";
    const int other_fd = other->fd;
    ASSERT_TRUE(gui.click_at(other->cx(), other->cy()));
    Report sel2 = gui.wait_for([&](const Report& r) { return r.selected_fd == other_fd; });
    ASSERT_EQ(sel2.selected_fd, other_fd);
    const Target* other_node = sel2.find("tree", other_fd);
    ASSERT_NE(other_node, nullptr);
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image moved = gui.screenshot();
    save(moved, "moved");
    EXPECT_EQ(count_pixels(moved, around(clicked, 16), view::kSelection), 0u);
    EXPECT_GT(count_pixels(moved, around(*other_node, 16), view::kSelection), 100u);
}

// Threads wait on one instance of 8 items; a writer thread's callbacks queue
// fds 7, 8 and 9 (fd 7 twice); the ready list holds them at the end.
fs::path write_ready_trace(const fs::path& p) {
    trace::TraceWriter w(p, trace::TraceHeader{});
    Synth s(w);
    const std::uint64_t ep = ep_of(1);
    s.process("queues");
    s.create(ep, 3);
    for (int fd = 4; fd < 12; ++fd) s.insert(ep, 3, fd);
    s.ts = 10'000'000;
    s.wait_begin(ep, 3, 200);
    s.ts = 12'000'000;
    s.wait_sleep(ep, 200);
    s.ts = 20'000'000;
    s.callback(ep, 7, EP_CB_QUEUED_READY, 1, 300);
    s.ts = 30'000'000;
    s.callback(ep, 8, EP_CB_QUEUED_READY, 1, 300);
    s.ts = 40'000'000;
    s.callback(ep, 9, EP_CB_QUEUED_READY, 1, 300);
    s.ts = 50'000'000;
    s.callback(ep, 7, EP_CB_ALREADY_READY, 1, 300);
    w.close();
    return p;
}

TEST_F(Input, ClickOnAReadyListEntryOrATimelineMarkSelectsItsFdEverywhere) {
    const fs::path trace = write_ready_trace(dir_ / "ready.trace");
    Gui gui(trace, dir_);
    ASSERT_TRUE(gui.started());
    Report first = gui.wait_for([](const Report& r) {
        int queued = 0;
        for (const Target& t : r.targets) queued += t.window == "queues";
        return queued == 3;
    });
    ASSERT_TRUE(first.find("queues", 8) != nullptr) << "the ready list is not 7, 8, 9";
    ASSERT_TRUE(gui.find_window());
    const int rest_x = kTreeArea.x1 - 20;
    const int rest_y = kTreeArea.y0 + 60;
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image before = gui.screenshot();
    save(before, "ready-before");
    ASSERT_EQ(before.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_EQ(count_pixels(before, Rect{0, 0, kWidth, kHeight}, view::kSelection), 0u);
    // The timeline shows the writer's callbacks in their own colour.
    EXPECT_GT(count_pixels(before, kTimelineArea, view::kMarkCallback), 20u);

    // fd 7: queued first, two callbacks.
    const Target box = *first.find("queues", 7);
    ASSERT_TRUE(gui.click_at(box.cx(), box.cy()));
    Report sel = gui.wait_for([](const Report& r) { return r.selected_fd == 7; });
    ASSERT_EQ(sel.selected_fd, 7);
    const Target* node = sel.find("tree", 7);
    ASSERT_NE(node, nullptr);
    const Target node7 = *node;
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image after = gui.screenshot();
    save(after, "ready-after");
    ASSERT_EQ(after.width, static_cast<std::uint32_t>(kWidth));
    // Queues: the clicked box outlined, the others not.
    const Rect outline = around(box, 3);
    EXPECT_GT(count_pixels(after, outline, view::kSelection), 60u);
    EXPECT_EQ(count_pixels(after, kQueueArea, view::kSelection),
              count_pixels(after, outline, view::kSelection));
    // Tree: the ring around fd 7 only.
    EXPECT_GT(count_pixels(after, around(node7, 16), view::kSelection), 100u);
    EXPECT_EQ(count_pixels(after, kTreeArea, view::kSelection),
              count_pixels(after, around(node7, 16), view::kSelection));
    // Timeline: fd 7's callbacks in the selection colour, in its own lane
    // (the first row) and among the writer's marks in the threads' lanes.
    const int item_lane_end = static_cast<int>(sel.lanes[1]) + 22;
    const Rect item_lane{kTimelineArea.x0, static_cast<int>(sel.lanes[1]), kTimelineArea.x1,
                         item_lane_end};
    const Rect thread_lanes{kTimelineArea.x0, item_lane_end, kTimelineArea.x1, kTimelineArea.y1};
    EXPECT_GT(count_pixels(after, item_lane, view::kSelection), 20u);
    EXPECT_GT(count_pixels(after, thread_lanes, view::kSelection), 10u);
    // Browser and details as for a tree click.
    EXPECT_GT(count_pixels(after, kBrowserArea, view::kSelection), 40u);
    EXPECT_GT(count_pixels(after, kDetailsArea, view::kNodeBlack), 20u);

    // A callback mark in the writer's lane: a click on fd 8's selects fd 8
    // everywhere, the tree's ring and the queue's outline move to it.
    const Target* mark = sel.find("timeline", 8);
    ASSERT_NE(mark, nullptr) << "no callback mark of fd 8 in the timeline";
    const Target mark8 = *mark;
    ASSERT_TRUE(gui.click_at(mark8.cx(), mark8.cy()));
    Report sel8 = gui.wait_for([](const Report& r) { return r.selected_fd == 8; });
    ASSERT_EQ(sel8.selected_fd, 8);
    ASSERT_NE(sel8.find("tree", 8), nullptr);
    ASSERT_NE(sel8.find("queues", 8), nullptr);
    const Target node8 = *sel8.find("tree", 8);
    const Target box8 = *sel8.find("queues", 8);
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image marked = gui.screenshot();
    save(marked, "mark-after");
    ASSERT_EQ(marked.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(marked, around(node8, 16), view::kSelection), 100u);
    EXPECT_EQ(count_pixels(marked, around(node7, 16), view::kSelection), 0u);
    EXPECT_GT(count_pixels(marked, around(box8, 3), view::kSelection), 60u);
    EXPECT_EQ(count_pixels(marked, outline, view::kSelection), 0u);
}

TEST_F(Input, WheelZoomsTheTimelineAndDragPansIt) {
    Gui gui(kPollerTrace, dir_);
    ASSERT_TRUE(gui.started());
    Report r0 = gui.wait_for([](const Report& r) { return r.lanes[2] > r.lanes[0]; });
    ASSERT_GT(r0.lanes[2], r0.lanes[0]) << "no lanes in the GUI's report";
    ASSERT_TRUE(gui.find_window());
    ASSERT_EQ(r0.t0, 0u);  // the whole trace
    const int x = static_cast<int>((r0.lanes[0] + r0.lanes[2]) / 2);
    const int y = static_cast<int>((r0.lanes[1] + r0.lanes[3]) / 2);
    const float width = r0.lanes[2] - r0.lanes[0];

    // Two notches of the wheel around the middle: each shows 0.8 of the span.
    ASSERT_TRUE(gui.move(x, y));
    ASSERT_TRUE(gui.wheel_up());
    Report r1 = gui.wait_for([&](const Report& r) { return r.span() < r0.span(); });
    ASSERT_LT(r1.span(), r0.span());
    ASSERT_TRUE(gui.wheel_up());
    Report r2 = gui.wait_for([&](const Report& r) { return r.span() < r1.span(); });
    ASSERT_LT(r2.span(), r1.span());
    EXPECT_NEAR(static_cast<double>(r2.span()), 0.64 * static_cast<double>(r0.span()),
                0.01 * static_cast<double>(r0.span()));
    // Zoomed around the pointer: the time under it stays under it.
    const double at0 =
        static_cast<double>(r0.t0) + static_cast<double>(r0.span()) * (x - r0.lanes[0]) / width;
    const double at2 =
        static_cast<double>(r2.t0) + static_cast<double>(r2.span()) * (x - r2.lanes[0]) / width;
    EXPECT_NEAR(at2, at0, 0.01 * static_cast<double>(r0.span()));
    EXPECT_GT(r2.t0, 0u);

    // Drag 200 pixels to the left: the window moves 200 pixels' worth later,
    // same span.
    ASSERT_TRUE(gui.button(true));
    for (int step = 1; step <= 4; ++step) ASSERT_TRUE(gui.move(x - 50 * step, y));
    ASSERT_TRUE(gui.button(false));
    Report r3 = gui.wait_for([&](const Report& r) { return r.t0 != r2.t0; });
    ASSERT_NE(r3.t0, r2.t0);
    EXPECT_NEAR(static_cast<double>(r3.span()), static_cast<double>(r2.span()), 2.0);
    const double expect_t0 =
        static_cast<double>(r2.t0) + 200.0 * static_cast<double>(r2.span()) / width;
    EXPECT_NEAR(static_cast<double>(r3.t0), expect_t0, 0.02 * static_cast<double>(r2.span()));
}

// A recorded trace with several instances: the timeline draws a counter
// track per instance under the group's header (each with the area of its
// items in the screenshot), a tooltip gives a track's values under the
// pointer, and a click on the header folds the group and unfolds it.
TEST_F(Input, ACounterTrackPerInstanceAboveTheLanesFoldsWithItsHeader) {
    const fs::path trace = fs::path(EPSCOPE_GUI_DATA) / "poller-mpoller-6.12-fentry.trace";
    view::Replay model(trace);
    ASSERT_TRUE(model.opened());
    const std::vector<view::CounterTrack>& want = model.counters().tracks();
    ASSERT_GE(want.size(), 2u) << "the test needs a trace with several instances";
    ASSERT_LE(want.size(), view::kFoldedCounterTracks) << "... few enough to be shown all";
    Gui gui(trace, dir_);
    ASSERT_TRUE(gui.started());
    Report r =
        gui.wait_for([&](const Report& r) { return r.counter_tracks.size() == want.size(); });
    ASSERT_TRUE(r.counter_group) << "no counter tracks' header in the GUI's report";
    ASSERT_EQ(r.counter_tracks.size(), want.size());
    EXPECT_EQ(r.counter_total, want.size());
    EXPECT_EQ(r.counter_group->window, "open");
    const float row_h = r.counter_group->y1 - r.counter_group->y0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        // In the order the instances appeared, a row each under the header.
        EXPECT_EQ(static_cast<std::uint64_t>(r.counter_tracks[i].fd), want[i].serial);
        EXPECT_EQ(r.counter_names[i], want[i].name);
        EXPECT_NEAR(r.counter_tracks[i].y0, r.counter_group->y1 + row_h * static_cast<float>(i), 1);
    }
    ASSERT_TRUE(gui.find_window());
    const png::Image open = gui.screenshot();
    ASSERT_GT(open.width, 0u);
    save(open, "open");
    std::size_t in_tracks = 0;
    for (const Target& t : r.counter_tracks) {
        const std::size_t n = count_pixels(open, around(t, 0), view::kCounterItemsArea);
        EXPECT_GT(n, 0u) << "no items area in the track of instance " << t.fd;
        in_tracks += n;
    }
    EXPECT_EQ(count_pixels(open, kTimelineArea, view::kCounterItemsArea), in_tracks);

    // The pointer over the first track: its instance and its three counters.
    const Target& first = r.counter_tracks.front();
    ASSERT_TRUE(gui.move(static_cast<int>(first.x0 + (first.x1 - first.x0) / 3), first.cy()));
    Report tip = gui.wait_for([](const Report& r) { return !r.tooltip.empty(); });
    EXPECT_TRUE(tip.tooltip.starts_with(want.front().name)) << tip.tooltip;
    for (const char* c : {"items: ", "ready list: ", "waiters: "})
        EXPECT_NE(tip.tooltip.find(c), std::string::npos) << c << " not in " << tip.tooltip;

    // A click on the header folds the tracks: none drawn, no area left.
    ASSERT_TRUE(gui.click_at(r.counter_group->cx(), r.counter_group->cy()));
    Report folded = gui.wait_for(
        [](const Report& r) { return r.counter_group && r.counter_group->window == "collapsed"; });
    ASSERT_TRUE(folded.counter_group);
    EXPECT_EQ(folded.counter_group->window, "collapsed");
    EXPECT_TRUE(folded.counter_tracks.empty());
    const png::Image closed = gui.screenshot();
    save(closed, "closed");
    EXPECT_EQ(count_pixels(closed, kTimelineArea, view::kCounterItemsArea), 0u);
    ASSERT_TRUE(gui.click_at(r.counter_group->cx(), r.counter_group->cy()));
    Report again =
        gui.wait_for([&](const Report& r) { return r.counter_tracks.size() == want.size(); });
    EXPECT_EQ(again.counter_tracks.size(), want.size());
}

// "12.000345678": ns as the seconds --from/--to take.
std::string seconds_arg(std::uint64_t ns) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%llu.%09llu",
                  static_cast<unsigned long long>(ns / 1'000'000'000),
                  static_cast<unsigned long long>(ns % 1'000'000'000));
    return buf;
}

// `epscope stat --json --from --to` over a span, as span_row lines
// (gui/app/ui_report.hpp), one per instance.
std::set<std::string> stat_rows(const fs::path& trace, std::uint64_t t0, std::uint64_t t1) {
    const std::optional<std::string> out =
        run({EPSCOPE_BIN, "stat", "--json", "--from", seconds_arg(t0), "--to", seconds_arg(t1),
             trace.string()});
    std::set<std::string> rows;
    if (!out) return rows;
    const nlohmann::json j = nlohmann::json::parse(*out);
    for (const auto& p : j.at("processes")) {
        for (const auto& in : p.at("instances")) {
            std::string fds;
            for (const auto& fd : in.at("epfds")) fds += (fds.empty() ? "" : ",") + fd.dump();
            std::uint64_t callbacks = 0;
            for (const auto& [outcome, n] : in.at("callbacks").items())
                callbacks += n.get<std::uint64_t>();
            std::ostringstream s;
            s << p.at("tgid").get<std::uint32_t>() << ' ' << (fds.empty() ? "-" : fds) << ' '
              << in.at("waits") << ' ' << in.at("harvests") << ' ' << callbacks << ' '
              << in.at("deliveries") << ' ' << in.at("wakeups") << ' ' << in.at("latency_p50_ns")
              << ' ' << in.at("latency_p99_ns") << ' ' << in.at("wait_p50_ns") << ' '
              << in.at("wait_p99_ns");
            rows.insert(s.str());
        }
    }
    return rows;
}

// A span dragged on the time axis (real X button events): the statistics
// window shows, per instance, what `epscope stat --from --to --json` says for
// the same span; a click on the axis clears it.
TEST_F(Input, DraggedSpanShowsTheStatisticsOfStatFromTo) {
    Gui gui(kPollerTrace, dir_);
    ASSERT_TRUE(gui.started());
    const Report r0 = gui.wait_for([](const Report& r) { return r.axis[2] > r.axis[0]; });
    ASSERT_GT(r0.axis[2], r0.axis[0]) << "no time axis in the GUI's report";
    ASSERT_TRUE(gui.find_window());
    const float width = r0.axis[2] - r0.axis[0];
    const int y = static_cast<int>((r0.axis[1] + r0.axis[3]) / 2);
    const int x0 = static_cast<int>(r0.axis[0] + width * 0.2f);
    const int x1 = static_cast<int>(r0.axis[0] + width * 0.7f);
    ASSERT_TRUE(gui.drag(x0, y, x1 - x0, 0));
    const Report r =
        gui.wait_for([](const Report& r) { return r.has_sel && !r.span_rows.empty(); });
    ASSERT_TRUE(r.has_sel) << "the drag selected no span";
    ASSERT_FALSE(r.span_rows.empty()) << "no statistics shown for the span";
    // The span is where the pointer went down and came up (within a pixel).
    const double ns_per_px = static_cast<double>(r0.span()) / width;
    EXPECT_NEAR(static_cast<double>(r.sel_t0), (x0 - r0.axis[0]) * ns_per_px, ns_per_px);
    EXPECT_NEAR(static_cast<double>(r.sel_t1), (x1 - r0.axis[0]) * ns_per_px, ns_per_px);

    const std::set<std::string> shown(r.span_rows.begin(), r.span_rows.end());
    EXPECT_EQ(shown, stat_rows(kPollerTrace, r.sel_t0, r.sel_t1));
    // Not a span of nothing: the poller waited and was delivered events in it.
    std::uint64_t waits = 0, deliveries = 0;
    for (const std::string& row : r.span_rows) {
        std::istringstream s(row);
        std::string tgid, fds;
        std::uint64_t w = 0, h = 0, c = 0, d = 0;
        s >> tgid >> fds >> w >> h >> c >> d;
        waits += w;
        deliveries += d;
    }
    EXPECT_GT(waits, 0u);
    EXPECT_GT(deliveries, 0u);

    // A click on the axis clears the span and its window.
    ASSERT_TRUE(gui.click_at(x0, y));
    const Report cleared = gui.wait_for([](const Report& r) { return !r.has_sel; });
    EXPECT_FALSE(cleared.has_sel);
    EXPECT_TRUE(cleared.span_rows.empty());
}

// A minute of callbacks on 8 items, 3 s apart: playing at 1x takes long
// enough for a test to see it play and pause it.
fs::path write_minute_trace(const fs::path& p) {
    trace::TraceWriter w(p, trace::TraceHeader{});
    Synth s(w);
    const std::uint64_t ep = ep_of(1);
    s.process("minute");
    s.create(ep, 3);
    for (int fd = 4; fd < 12; ++fd) s.insert(ep, 3, fd);
    for (int i = 1; i <= 20; ++i) {
        s.ts = static_cast<std::uint64_t>(i) * 3'000'000'000ull;
        s.callback(ep, 4 + i % 8, EP_CB_QUEUED_READY, 1, 300);
    }
    w.close();
    return p;
}

// Presses the keys of view/keys.hpp's table as real X key events, noting which.
struct KeyPresser {
    Gui& gui;
    std::set<std::string> pressed;
    // Presses the key of `action` and waits for a report where `ok` holds.
    Report press(view::KeyAction action, const std::function<bool(const Report&)>& ok) {
        for (const view::KeyBinding& b : view::kKeys) {
            if (b.action != action) continue;
            pressed.insert(b.label);
            if (!gui.key(b.xdotool)) return Report{};
            return gui.wait_for(ok);
        }
        return Report{};
    }
};
using view::KeyAction;

// Home, Space (play, pause: the cursor stays), Right and Left.
void press_play_and_step(KeyPresser& keys, std::uint64_t trace_span) {
    Report r = keys.press(KeyAction::ToStart, [&](const Report& r) { return r.cursor == 0; });
    ASSERT_EQ(r.cursor, 0u) << "Home did not move the cursor to the first record";
    r = keys.press(KeyAction::PlayPause, [](const Report& r) { return r.playing == 1; });
    ASSERT_EQ(r.playing, 1) << "Space did not start playing";
    r = keys.press(KeyAction::PlayPause, [](const Report& r) { return r.playing == 0; });
    ASSERT_EQ(r.playing, 0) << "Space did not pause";
    EXPECT_GT(r.cursor, 0u);  // it played for a while
    EXPECT_LT(r.cursor, trace_span);
    const std::uint64_t paused = r.cursor;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(keys.gui.wait_for([](const Report&) { return true; }).cursor, paused);

    const std::uint64_t c = r.cursor;
    r = keys.press(KeyAction::StepForward, [&](const Report& r) { return r.cursor > c; });
    EXPECT_GT(r.cursor, c) << "Right did not step forward";
    const std::uint64_t c2 = r.cursor;
    r = keys.press(KeyAction::StepBack, [&](const Report& r) { return r.cursor < c2; });
    EXPECT_LT(r.cursor, c2) << "Left did not step back";
}

// W and S zoom around the cursor, near the start: the window starts there and D
// has room to pan it later, A back.
void press_zoom_and_pan(KeyPresser& keys) {
    Report r = keys.press(KeyAction::ToStart, [&](const Report& r) { return r.cursor == 0; });
    const std::uint64_t whole = r.span();
    r = keys.press(KeyAction::ZoomIn, [&](const Report& r) { return r.span() < whole; });
    EXPECT_NEAR(static_cast<double>(r.span()), view::kKeyZoomFactor * static_cast<double>(whole),
                0.01 * static_cast<double>(whole))
        << "W did not zoom in";
    // Zoomed around the cursor, which stays in view.
    EXPECT_TRUE(r.cursor >= r.t0 && r.cursor <= r.t1);
    r = keys.press(KeyAction::ZoomIn, [&](const Report& r) {
        return r.span() < view::kKeyZoomFactor * static_cast<double>(whole) * 0.99;
    });
    const Report zoomed = r;
    r = keys.press(KeyAction::ZoomOut, [&](const Report& r) { return r.span() > zoomed.span(); });
    EXPECT_NEAR(static_cast<double>(r.span()),
                static_cast<double>(zoomed.span()) / view::kKeyZoomFactor,
                0.01 * static_cast<double>(whole))
        << "S did not zoom out";
    const Report before_pan = r;
    const double pan = view::kKeyPanShare * static_cast<double>(before_pan.span());
    r = keys.press(KeyAction::PanLater, [&](const Report& r) { return r.t0 > before_pan.t0; });
    EXPECT_NEAR(static_cast<double>(r.t0 - before_pan.t0), pan, 0.02 * pan + 2)
        << "D did not pan later";
    const Report after_pan = r;
    r = keys.press(KeyAction::PanEarlier, [&](const Report& r) { return r.t0 < after_pan.t0; });
    EXPECT_NEAR(static_cast<double>(after_pan.t0 - r.t0), pan, 0.02 * pan + 2)
        << "A did not pan earlier";
    EXPECT_EQ(r.span(), before_pan.span());
}

// End, then Ctrl+F, a tree node's fd typed and Enter: that fd is selected.
void press_end_and_find_fd(KeyPresser& keys, const Report& first, std::uint64_t trace_span) {
    Report r =
        keys.press(KeyAction::ToEnd, [&](const Report& r) { return r.cursor == trace_span; });
    EXPECT_EQ(r.cursor, trace_span) << "End did not move the cursor to the last record";
    const Target* node = nullptr;
    for (const Target& t : first.targets) {
        if (t.window == "tree" && (node == nullptr || t.fd > node->fd)) node = &t;
    }
    ASSERT_NE(node, nullptr);
    const int fd = node->fd;
    r = keys.press(KeyAction::FindFd, [](const Report& r) { return r.text_input == 1; });
    ASSERT_EQ(r.text_input, 1) << "Ctrl+F did not give the find box the keyboard";
    ASSERT_TRUE(keys.gui.type(std::to_string(fd)));
    ASSERT_TRUE(keys.gui.key("Return"));
    r = keys.gui.wait_for(
        [&](const Report& r) { return r.selected_fd == fd && r.text_input == 0; });
    EXPECT_EQ(r.selected_fd, fd);
    EXPECT_EQ(r.text_input, 0);
}

// Ctrl+L: a gutter dragged, then the default layout back.
void press_reset_layout(KeyPresser& keys) {
    Gui& gui = keys.gui;
    const Report before_drag = gui.wait_for([](const Report& r) { return r.gutters.size() >= 5; });
    ASSERT_EQ(before_drag.gutters.count("side_gutter"), 1u);
    const Target side = before_drag.gutters.at("side_gutter");
    ASSERT_TRUE(gui.drag(side.cx(), side.cy(), 64, 0));
    Report r =
        gui.wait_for([&](const Report& r) { return r.shares[0] > before_drag.shares[0] + 0.02f; });
    ASSERT_GT(r.shares[0], before_drag.shares[0] + 0.02f) << "the gutter drag did not resize";
    ASSERT_TRUE(gui.move(kTreeArea.x1 - 20, kTreeArea.y0 + 60));
    r = keys.press(KeyAction::ResetLayout, [](const Report& r) {
        return std::abs(r.shares[0] - view::Shares{}.side) < 1e-4f;
    });
    EXPECT_NEAR(r.shares[0], view::Shares{}.side, 1e-4) << "Ctrl+L did not reset the layout";
}

// `?`: the overlay lists every key, one row each, and the legend a row for every
// colour of view/legend.hpp (`overlay`: a screenshot of it); `?` again hides it.
void press_help(KeyPresser& keys, png::Image& overlay) {
    Report r = keys.press(KeyAction::Help, [](const Report& r) { return r.keys_overlay != 0; });
    EXPECT_EQ(r.keys_overlay, static_cast<int>(view::kKeyCount)) << "`?` did not show the keys";
    for (const view::LegendEntry& e : view::kLegend) {
        const std::string row = std::string(e.pane) + ' ' + std::to_string(e.colour.r) + ' ' +
                                std::to_string(e.colour.g) + ' ' + std::to_string(e.colour.b);
        EXPECT_TRUE(r.legend.contains(row)) << "no legend row " << row;
    }
    overlay = keys.gui.screenshot();
    r = keys.press(KeyAction::Help, [](const Report& r) { return r.keys_overlay == 0; });
    EXPECT_EQ(r.keys_overlay, 0) << "`?` did not hide the keys";
}

// Ctrl+= and Ctrl+- rebuild the font a step larger or smaller, Ctrl+0 brings the
// screen's size back (Xvfb: content scale 1, 15 px).
void press_text_size(KeyPresser& keys) {
    const float px = keys.gui.wait_for([](const Report&) { return true; }).font;
    ASSERT_EQ(px, 15.0f);
    Report r = keys.press(KeyAction::TextLarger, [&](const Report& r) { return r.font > px; });
    EXPECT_EQ(r.font, std::round(px * view::kTextZoomStep)) << "Ctrl+= did not enlarge the text";
    r = keys.press(KeyAction::TextLarger, [&](const Report& r) { return r.font > px * 1.3f; });
    EXPECT_EQ(r.font, std::round(px * view::kTextZoomStep * view::kTextZoomStep));
    r = keys.press(KeyAction::TextReset, [&](const Report& r) { return r.font == px; });
    EXPECT_EQ(r.font, px) << "Ctrl+0 did not reset the text's size";
    r = keys.press(KeyAction::TextSmaller, [&](const Report& r) { return r.font < px; });
    EXPECT_EQ(r.font, std::round(px / view::kTextZoomStep)) << "Ctrl+- did not shrink the text";
}

// Every key of view/keys.hpp's table, pressed as a real X key event, does
// what the table says, seen in the GUI's report: the cursor moves, the
// replay plays, the timeline zooms and pans, Ctrl+F gives the "find fd" box
// the keyboard (a number typed there and Enter select that fd), `?` shows
// the list of keys with a row per key.
TEST_F(Input, EveryKeyOfTheTableActs) {
    const fs::path trace = write_minute_trace(dir_ / "minute.trace");
    view::Replay replay(trace);
    const std::uint64_t trace_span = replay.last_ts() - replay.first_ts();
    Gui gui(trace, dir_);
    ASSERT_TRUE(gui.started());
    Report r0 = gui.wait_for([](const Report& r) { return r.lanes[2] > r.lanes[0]; });
    ASSERT_TRUE(r0.valid);
    ASSERT_TRUE(gui.find_window());
    ASSERT_TRUE(gui.move(kTreeArea.x1 - 20, kTreeArea.y0 + 60));
    ASSERT_EQ(r0.keys_overlay, 0);
    ASSERT_EQ(r0.playing, 0);
    ASSERT_GT(r0.cursor, 0u);  // the busiest moment: the end
    KeyPresser keys{gui, {}};
    ASSERT_NO_FATAL_FAILURE(press_play_and_step(keys, trace_span));
    press_zoom_and_pan(keys);
    ASSERT_NO_FATAL_FAILURE(press_end_and_find_fd(keys, r0, trace_span));
    ASSERT_NO_FATAL_FAILURE(press_reset_layout(keys));
    png::Image overlay;
    press_help(keys, overlay);
    save(overlay, "keys-overlay");
    ASSERT_NO_FATAL_FAILURE(press_text_size(keys));
    // Every row of the table was pressed.
    EXPECT_EQ(keys.pressed.size(), view::kKeyCount);
}

// The tracepoint trace in the real window: the details panel shows what the
// backend could not see as "not seen" (the report says "unseen": drawn
// greyed with the reason), never as 0, for the instance and for a clicked item.
TEST_F(Input, TracepointTraceShowsNoZeroForWhatItCannotSee) {
    Gui gui(kPollerTrace, dir_);
    ASSERT_TRUE(gui.started());
    Report r = gui.wait_for([](const Report& r) { return !r.counters.empty(); });
    ASSERT_FALSE(r.counters.empty()) << "no counters in the GUI's report";
    const char* unseen[] = {"callbacks",        "harvests", "wakeups",
                            "spurious_wakeups", "herds",    "dropped_unready"};
    for (const char* name : unseen) {
        EXPECT_EQ(r.counters["instance_counters " + std::string(name)], "unseen") << name;
    }
    EXPECT_NE(r.counters["instance_counters deliveries"], "unseen");
    EXPECT_NE(r.counters["instance_counters deliveries"], "0");
    EXPECT_NE(r.counters["instance_counters waits"], "0");
    ASSERT_TRUE(gui.find_window());
    const Target* node = nullptr;
    for (const Target& t : r.targets) {
        if (t.window == "tree") node = &t;
    }
    ASSERT_NE(node, nullptr);
    const Target clicked = *node;
    ASSERT_TRUE(gui.click_at(clicked.cx(), clicked.cy()));
    Report sel = gui.wait_for([&](const Report& r) {
        return r.selected_fd == clicked.fd && r.counters.contains("item_counters deliveries");
    });
    ASSERT_EQ(sel.selected_fd, clicked.fd);
    for (const char* name : {"callbacks", "spurious_wakeups", "herds"}) {
        EXPECT_EQ(sel.counters["item_counters " + std::string(name)], "unseen") << name;
    }
    // No counter of either table is drawn as 0 but the ones the backend sees.
    for (const auto& [name, value] : sel.counters) {
        if (value == "0") {
            EXPECT_TRUE(name.ends_with(" deliveries") || name.ends_with(" waits")) << name;
        }
    }
    save(gui.screenshot(), "tracepoint-details");
}

// The Findings window: a click on the stuck one-shot's finding selects its
// instance (another process's than the one shown first) and its item, moves
// the cursor to the delivery that disarmed it, and the timeline marks the
// finding's span in its colour.
TEST_F(Input, ClickOnAFindingSelectsItsInstanceItemAndEvidence) {
    const fs::path trace = write_findings_trace(dir_ / "findings.trace");
    // What the GUI must arrive at, by the view-model on its own replay.
    view::Replay replay(trace);
    view::FindingsRun run;
    run.advance(replay, -1);
    ASSERT_EQ(run.findings().size(), 1u);
    const findings::Finding expected = run.findings()[0];
    const view::FindingJump jump = view::finding_jump(replay, expected);
    replay.seek(replay.first_ts() + jump.rel_ns);
    const model::InstanceRef stuck = view::finding_instance(replay.model(), expected);
    ASSERT_NE(stuck, model::kNil);

    Gui gui(trace, dir_);
    ASSERT_TRUE(gui.started());
    Report first = gui.wait_for([](const Report& r) { return r.findings >= 0; });
    ASSERT_EQ(first.findings, 1) << "the Findings window does not list the one finding";
    ASSERT_EQ(first.finding_rows.size(), 1u);
    EXPECT_EQ(first.finding_rows[0].window, "oneshot-not-rearmed");
    ASSERT_NE(first.instance, stuck) << "the GUI starts on the finding's instance: no test";
    ASSERT_NE(first.cursor, jump.rel_ns);
    EXPECT_EQ(first.finding_selected, -1);
    EXPECT_FALSE(first.has_span);
    ASSERT_TRUE(gui.find_window());
    const int rest_x = kTreeArea.x1 - 20;
    const int rest_y = kTreeArea.y0 + 60;
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image before = gui.screenshot();
    save(before, "findings-before");
    ASSERT_EQ(before.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_EQ(count_pixels(before, kTimelineArea, view::kFindingSpan), 0u);
    EXPECT_GT(count_pixels(before, inset(kLayout.findings()), view::kSeverityWarning), 50u);

    const Target row = first.finding_rows[0];
    ASSERT_TRUE(gui.click_at(row.cx(), row.cy()));
    Report sel = gui.wait_for([](const Report& r) { return r.finding_selected == 0; });
    ASSERT_EQ(sel.finding_selected, 0);
    EXPECT_EQ(sel.instance, stuck);
    EXPECT_EQ(sel.selected_fd, 7);
    EXPECT_EQ(sel.cursor, jump.rel_ns);
    // The wall clock beside the relative time follows the cursor (TZ=UTC: ctest's environment).
    EXPECT_EQ(sel.wall_clock, view::wall_clock(kRealtimeOffsetNs, replay.first_ts() + jump.rel_ns));
    EXPECT_TRUE(sel.wall_clock.starts_with("2026-12-05 00:00:00.1")) << sel.wall_clock;
    ASSERT_TRUE(sel.has_span);
    EXPECT_EQ(sel.span_t0, expected.first_ts - replay.first_ts());
    EXPECT_EQ(sel.span_t1, expected.last_ts - replay.first_ts());
    // The tree shows the stuck instance: its one node, fd 7, ringed.
    const Target* node = sel.find("tree", 7);
    ASSERT_NE(node, nullptr);
    const Target node7 = *node;
    ASSERT_TRUE(gui.move(rest_x, rest_y));
    png::Image after = gui.screenshot();
    save(after, "findings-after");
    ASSERT_EQ(after.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(after, around(node7, 16), view::kSelection), 100u);
    // The span on the timeline's axis, from the delivery to the last
    // ignored callback: most of the lanes' width.
    const std::size_t span_px = count_pixels(after, kTimelineArea, view::kFindingSpan);
    EXPECT_GT(span_px, static_cast<std::size_t>((sel.lanes[2] - sel.lanes[0]) * 0.5f * 4));
}

// The panes resized by dragging their gutters (real X button events): the
// left column wider, the timeline taller; the layout is in the ini when the
// GUI is started again; View > Reset layout brings the defaults back.
TEST_F(Input, DraggedGuttersResizeThePanesKeptBetweenRuns) {
    const fs::path ini = dir_ / "epscope" / "gui.ini";
    view::Shares wanted;
    {
        Gui gui(kPollerTrace, dir_);
        ASSERT_TRUE(gui.started());
        Report r0 = gui.wait_for([](const Report& r) { return r.gutters.size() >= 5; });
        ASSERT_EQ(r0.gutters.count("side_gutter"), 1u) << "no gutters in the GUI's report";
        EXPECT_NEAR(r0.shares[0], view::Shares{}.side, 1e-4);
        ASSERT_TRUE(gui.find_window());
        const Target side = r0.gutters.at("side_gutter");
        const Target tl = r0.gutters.at("timeline_gutter");
        // The left column 128 px (a tenth of the width) wider.
        ASSERT_TRUE(gui.drag(side.cx(), side.cy(), 128, 0));
        Report r1 = gui.wait_for([&](const Report& r) { return r.shares[0] > r0.shares[0]; });
        EXPECT_NEAR(r1.shares[0], r0.shares[0] + 0.1f, 0.005f);
        EXPECT_NEAR(r1.gutters.at("side_gutter").x0, side.x0 + 128, 2.0f);
        EXPECT_NEAR(r1.gutters.at("details_gutter").x0, r0.gutters.at("details_gutter").x0, 0.5f);
        // The timeline 80 px (a tenth of the height) taller: its lanes start higher.
        ASSERT_TRUE(gui.drag(tl.cx(), tl.cy(), 0, -80));
        Report r2 = gui.wait_for([&](const Report& r) { return r.shares[2] > r0.shares[2]; });
        EXPECT_NEAR(r2.shares[2], r0.shares[2] + 0.1f, 0.005f);
        EXPECT_NEAR(r2.lanes[1], r0.lanes[1] - 80, 2.0f);
        wanted.side = r2.shares[0];
        wanted.timeline = r2.shares[2];
        // ImGui asks for the ini to be saved a few seconds after a change.
        auto saved = [&] {
            std::ifstream f(ini);
            return std::string((std::istreambuf_iterator<char>(f)),
                               std::istreambuf_iterator<char>());
        };
        char want[32];
        std::snprintf(want, sizeof want, "timeline=%.4f", wanted.timeline);
        const auto give_up = Clock::now() + std::chrono::seconds(20);
        while (saved().find(want) == std::string::npos && Clock::now() < give_up)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        ASSERT_NE(saved().find(want), std::string::npos) << "the layout was not written to " << ini;
    }
    fs::remove(dir_ / "ui.report");
    Gui gui(kPollerTrace, dir_);
    ASSERT_TRUE(gui.started());
    Report again = gui.wait_for([](const Report& r) { return r.gutters.size() >= 5; });
    EXPECT_NEAR(again.shares[0], wanted.side, 1e-3) << "the layout was not kept";
    EXPECT_NEAR(again.shares[2], wanted.timeline, 1e-3);
    ASSERT_TRUE(gui.find_window());
    ASSERT_EQ(again.gutters.count("view_menu"), 1u);
    const Target menu = again.gutters.at("view_menu");
    ASSERT_TRUE(gui.click_at(menu.cx(), menu.cy()));
    Report open =
        gui.wait_for([](const Report& r) { return r.gutters.count("reset_layout_item"); });
    ASSERT_EQ(open.gutters.count("reset_layout_item"), 1u) << "the View menu did not open";
    // A popup's first frame lays it out before placing it: take where it settled.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    open = gui.wait_for([](const Report& r) { return r.gutters.count("reset_layout_item"); });
    ASSERT_EQ(open.gutters.count("reset_layout_item"), 1u);
    const Target item = open.gutters.at("reset_layout_item");
    ASSERT_TRUE(gui.click_at(item.cx(), item.cy()));
    Report reset = gui.wait_for(
        [](const Report& r) { return std::abs(r.shares[0] - view::Shares{}.side) < 1e-4f; });
    EXPECT_NEAR(reset.shares[0], view::Shares{}.side, 1e-4);
    EXPECT_NEAR(reset.shares[2], view::Shares{}.timeline, 1e-4);
}

// The search box: "127.0.0.1:6379" typed and Enter selects the first item
// with that name (pid 100's fd 6) in every window; ">" the next one, in
// another process's instance (pid 200's fd 9); "<" back.
TEST_F(Input, SearchFindsAnFdByItsTcpNameAndSelectsItEverywhere) {
    const fs::path trace = write_search_trace(dir_ / "search.trace");
    view::Replay replay(trace);
    const model::InstanceRef web = replay.model().find_instance(ep_of(1));
    const model::InstanceRef redis = replay.model().find_instance(ep_of(2));
    Gui gui(trace, dir_);
    ASSERT_TRUE(gui.started());
    Report r0 = gui.wait_for([](const Report& r) { return r.gutters.count("search_box") != 0; });
    ASSERT_EQ(r0.gutters.count("search_box"), 1u) << "no search box in the GUI's report";
    ASSERT_EQ(r0.selected_fd, -1);
    ASSERT_TRUE(gui.find_window());
    const Target box = r0.gutters.at("search_box");
    ASSERT_TRUE(gui.click_at(box.cx(), box.cy()));
    ASSERT_EQ(gui.wait_for([](const Report& r) { return r.text_input == 1; }).text_input, 1);
    ASSERT_TRUE(gui.type("127.0.0.1:6379"));
    ASSERT_TRUE(gui.key("Return"));
    Report r1 = gui.wait_for([](const Report& r) { return r.search_index == 0; });
    ASSERT_EQ(r1.search_hits, 2);
    EXPECT_EQ(r1.instance, web);
    EXPECT_EQ(r1.selected_fd, 6);
    EXPECT_NE(r1.find("tree", 6), nullptr);  // the tree shows web's instance
    // ">": the other end of the connection, in redis's instance.
    const Target next = r1.gutters.at("search_next");
    ASSERT_TRUE(gui.click_at(next.cx(), next.cy()));
    Report r2 = gui.wait_for([](const Report& r) { return r.search_index == 1; });
    EXPECT_EQ(r2.instance, redis);
    EXPECT_EQ(r2.selected_fd, 9);
    const Target* node = r2.find("tree", 9);
    ASSERT_NE(node, nullptr);
    const Target node9 = *node;
    ASSERT_TRUE(gui.move(kTreeArea.x1 - 20, kTreeArea.y0 + 60));
    png::Image img = gui.screenshot();
    save(img, "search-next");
    ASSERT_EQ(img.width, static_cast<std::uint32_t>(kWidth));
    EXPECT_GT(count_pixels(img, around(node9, 16), view::kSelection), 100u);
    const Target prev = r2.gutters.at("search_prev");
    ASSERT_TRUE(gui.click_at(prev.cx(), prev.cy()));
    Report r3 = gui.wait_for([](const Report& r) { return r.search_index == 0; });
    EXPECT_EQ(r3.instance, web);
    EXPECT_EQ(r3.selected_fd, 6);
}

}  // namespace
}  // namespace epscope::gui_test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
