// epscope-gui: replays a trace file through the model and shows it, or shows
// a live stream as it arrives.
//   epscope-gui FILE                               interactive
//   epscope-gui --connect SOCKET                   live (epscope live --serve SOCKET)
//   epscope-gui --screenshot OUT.png [--at NS] FILE   one frame to a PNG, then exit
//   epscope-gui --bench FILE [--frames N] [--play] frame-time p50/p99 (--play: while playing)
//   epscope-gui --ui-report OUT FILE               interactive, describing each frame (tests)
// Exit status: 0, 1 for usage or display errors, 2 when the trace could not be
// read whole (the window still shows why).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

#include "app/backend.hpp"
#include "app/bench.hpp"
#include "app/layout_store.hpp"
#include "app/ui_report.hpp"
#include "app/windows.hpp"
#include "imgui.h"
#include "view/live_source.hpp"

namespace epscope::gui {
namespace {

struct Options {
    std::string file;
    std::string connect;
    double wait_s = 30;  // --connect with --screenshot/--bench: read the stream this long
    std::string screenshot;
    std::optional<std::uint64_t> at_ns;
    std::int32_t select_fd = -1;
    bool bench = false;
    bool play = false;
    int frames = 300;
    std::string ui_report;
    int width = 1280;
    int height = 800;
    float scale = 0;  // 0: the monitor's content scale
};

void position(view::Replay& r, UiState& ui, const Options& o) {
    if (o.at_ns) {
        ui.rel_ns = std::min(*o.at_ns, r.last_ts() - r.first_ts());
        r.seek(r.first_ts() + ui.rel_ns);
    } else {
        r.seek_records(r.busiest_prefix());
        ui.rel_ns = r.cursor_ts() - r.first_ts();
    }
}

Layout layout_now(const UiState& ui) {
    ImVec2 d = ImGui::GetIO().DisplaySize;
    return Layout{d.x, d.y, ui.shares, ui.scale};
}

// Starts a frame at the scale the user's zoom asks for; the windows read it
// from `ui`.
void begin_frame(Backend& b, UiState& ui, double wait_s) {
    b.set_zoom(ui.font_zoom);
    b.begin_frame(wait_s);
    ui.scale = b.scale();
}

// With --screenshot or --bench on a live stream: read it until it ends (or
// `wait_s`), so the frame shows what the tracer sent.
void read_stream_once(view::LiveSource& src, const Options& o) {
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<long>(o.wait_s * 1000));
    while (!src.ended() && std::chrono::steady_clock::now() < give_up) {
        if (!src.poll()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

// The trace or stream opened, and what went wrong, said on stderr.
struct Opened {
    std::unique_ptr<view::Replay> replay;
    std::unique_ptr<view::LiveSource> source;
    double open_s = 0;
    bool unreachable = false;  // a one-shot read got no stream (refused, nothing there)
    bool bad = false;          // not opened, or damaged
};

// A live socket read once (screenshots, the bench) or followed.
void open_live(Opened& in, const Options& o) {
    view::LiveSourceOptions lo;
    lo.reconnect_after_end = o.screenshot.empty() && !o.bench;
    in.source = std::make_unique<view::LiveSource>(o.connect, *in.replay, lo);
    if (lo.reconnect_after_end) return;
    read_stream_once(*in.source, o);
    // A refused or failed connection is the answer of this one-shot read.
    if (in.replay->record_count() == 0 && !in.source->last_error().empty()) {
        std::cerr << "epscope-gui: " << in.source->last_error() << "\n";
        in.unreachable = true;
    }
    std::cerr << "epscope-gui: " << in.replay->source_label() << ": " << in.replay->record_count()
              << " records\n";
}

Opened open_input(const Options& o) {
    Opened in;
    const bool live = !o.connect.empty();
    const auto open_start = std::chrono::steady_clock::now();
    in.replay = live ? std::make_unique<view::Replay>(view::Replay::LiveTag{}, o.connect)
                     : std::make_unique<view::Replay>(o.file);
    in.open_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
    if (live) open_live(in, o);
    const view::Replay& replay = *in.replay;
    in.bad = !replay.opened() || !replay.damage().empty();
    if (!replay.opened()) {
        std::cerr << "epscope-gui: " << replay.open_error() << "\n";
    } else if (!replay.damage().empty()) {
        std::cerr << "epscope-gui: " << replay.damage() << " (showing the " << replay.record_count()
                  << " records before it)\n";
    } else if (replay.record_count() == 0 && !live) {
        std::cerr << "epscope-gui: " << o.file << ": the trace holds no records\n";
    }
    return in;
}

// --screenshot: a few frames (windows and tables settle their sizes), the last saved.
int run_screenshot(Backend& b, const Opened& in, ViewCache& views, UiState& ui, const Options& o) {
    views.findings_budget_s = -1;  // the one frame shows the whole trace's findings
    // With --ui-report: what the saved frame drew, for the screenshot tests.
    std::unique_ptr<UiReport> report;
    if (!o.ui_report.empty()) report = std::make_unique<UiReport>(o.ui_report);
    constexpr int kFrames = 4;
    for (int i = 0; i < kFrames; ++i) {
        const bool last = i == kFrames - 1;
        if (last && report) {
            ui.report = report.get();
            report->begin_frame();
        }
        begin_frame(b, ui, 0);
        draw_frame(*in.replay, views, ui, layout_now(ui), 0);
        b.render();
        if (!last) b.swap();
    }
    try {
        if (report) report->end_frame(ui, in.replay->first_ts());
        png::write_png(o.screenshot, b.read_pixels());
    } catch (const std::exception& e) {
        std::cerr << "epscope-gui: " << e.what() << "\n";
        return 1;
    }
    return in.unreachable ? 1 : in.bad ? 2 : 0;
}

// Follows the stream while the cursor is at its end.
void follow_stream(view::LiveSource& source, view::Replay& replay, UiState& ui) {
    const bool following = replay.applied() == replay.record_count();
    const bool was_ended = source.ended();
    if (source.poll() && following) {
        replay.seek_records(replay.record_count());
        ui.rel_ns = replay.cursor_ts() - replay.first_ts();
    }
    // The stream ended with the processes torn down: show where the most was
    // going on, as when a file is opened.
    if (!was_ended && source.ended() && following && replay.record_count() != 0) {
        replay.seek_records(replay.busiest_prefix());
        ui.rel_ns = replay.cursor_ts() - replay.first_ts();
    }
}

// Interactive: the panes as the user left them (screenshots and the bench keep
// the default layout).
int run_interactive(Backend& b, Opened& in, ViewCache& views, UiState& ui, const Options& o) {
    LayoutStore layout_store(ui.shares);
    if (!layout_store.note().empty())
        std::cerr << "epscope-gui: layout not kept: " << layout_store.note() << "\n";
    std::unique_ptr<UiReport> report;
    if (!o.ui_report.empty()) {
        report = std::make_unique<UiReport>(o.ui_report);
        ui.report = report.get();
    }
    view::Replay& replay = *in.replay;
    auto last = std::chrono::steady_clock::now();
    while (!b.should_close()) {
        if (in.source) follow_stream(*in.source, replay, ui);
        // Idle at low cost unless playing or live.
        begin_frame(b, ui, ui.playing ? 0 : in.source ? 0.05 : 0.25);
        auto now = std::chrono::steady_clock::now();
        double dt = std::chrono::duration<double>(now - last).count();
        last = now;
        if (report) report->begin_frame();
        draw_frame(replay, views, ui, layout_now(ui), dt);
        b.render();
        if (report) {
            try {
                report->end_frame(ui, replay.first_ts());
                if (report->screenshot_requested()) report->save_screenshot(b.read_pixels());
            } catch (const std::exception& e) {
                std::cerr << "epscope-gui: --ui-report: " << e.what() << "\n";
                return 1;
            }
        }
        b.swap();
        layout_store.save_if_wanted();
    }
    return in.bad && !in.source ? 2 : 0;
}

int run(const Options& o) {
    const bool live = !o.connect.empty();
    Opened in = open_input(o);
    std::string error;
    std::unique_ptr<Backend> b = Backend::open(
        o.width, o.height, "epscope - " + (live ? o.connect : o.file), o.scale, error);
    if (!b) {
        std::cerr << "epscope-gui: " << error << "\n";
        return 1;
    }
    UiState ui;
    ViewCache views;
    position(*in.replay, ui, o);
    ui.selected_fd = o.select_fd;
    ui.select_fd_pending = o.select_fd;
    if (!o.screenshot.empty()) return run_screenshot(*b, in, views, ui, o);
    if (o.bench) {
        run_bench(*b, *in.replay, views, ui, o.frames, o.play, in.open_s);
        return in.bad ? 2 : 0;
    }
    return run_interactive(*b, in, views, ui, o);
}

}  // namespace
}  // namespace epscope::gui

int main(int argc, char** argv) {
    epscope::gui::Options o;
    CLI::App app{"epscope-gui: show a recorded epscope trace (rb-trees, ready lists, waiters)"};
    app.set_version_flag("--version", "epscope-gui " EPSCOPE_VERSION);
    auto* file = app.add_option("FILE", o.file, "Trace file written by `epscope record`");
    auto* connect = app.add_option(
        "--connect", o.connect,
        "Show the live stream served on this unix socket (epscope live --serve SOCKET)");
    file->excludes(connect);
    app.add_option("--wait", o.wait_s,
                   "With --connect and --screenshot/--bench: read the stream until it ends or "
                   "for at most SECONDS")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--screenshot", o.screenshot, "Render one frame into this PNG file and exit");
    app.add_option("--at", o.at_ns,
                   "Cursor in ns after the first record (default: where the most items are live)");
    app.add_option("--select-fd", o.select_fd, "Start with this item fd selected")
        ->check(CLI::NonNegativeNumber);
    app.add_flag("--bench", o.bench, "Render frames and print frame-time p50/p99");
    app.add_option("--frames", o.frames, "Frames for --bench")->check(CLI::Range(1, 1000000));
    app.add_flag("--play", o.play,
                 "With --bench: play the trace from start to end over the frames (the model "
                 "replays and the views recompute every frame, as in a live session)")
        ->needs("--bench");
    app.add_option("--width", o.width, "Window width")->check(CLI::Range(320, 8192));
    app.add_option("--height", o.height, "Window height")->check(CLI::Range(240, 8192));
    app.add_option("--scale", o.scale,
                   "Size text and widgets for this scale (2 for a 200% screen) instead of the "
                   "monitor's content scale; Ctrl+= and Ctrl+- zoom from there")
        ->check(CLI::Range(0.5, 4.0));
    app.add_option("--ui-report", o.ui_report,
                   "For tests driving the window with X input: after each frame write the UI "
                   "state and the screen rectangle of every clickable fd to this file; creating "
                   "FILE.request saves the next frame to FILE.png (with --screenshot: the "
                   "report of the frame saved)");
    app.get_option("--screenshot")->excludes("--bench");
    app.get_option("--ui-report")->excludes("--bench");
    CLI11_PARSE(app, argc, argv);
    if (o.file.empty() && o.connect.empty()) {
        std::cerr << "epscope-gui: give a trace FILE or --connect SOCKET (see --help)\n";
        return 1;
    }
    return epscope::gui::run(o);
}
