#include "app/bench.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "app/windows.hpp"
#include "imgui.h"

namespace epscope::gui {
namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
}

double pct(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// The whole machine's CPU time from /proc/stat's "cpu" line, in jiffies:
// the total, and the part the hypervisor took for other guests (steal). A
// frame time's tail is read beside it: in a VM, stolen time stalls every
// part of a frame at once.
struct CpuTimes {
    unsigned long long total = 0;
    unsigned long long steal = 0;
    bool ok = false;
};

CpuTimes cpu_times() {
    CpuTimes t;
    std::ifstream in("/proc/stat");
    std::string line;
    if (!std::getline(in, line) || line.rfind("cpu ", 0) != 0) return t;
    std::istringstream fields(line.substr(4));
    unsigned long long v = 0;
    for (int i = 0; fields >> v && i < 10; ++i) {
        if (i < 8) t.total += v;  // guest times are already in user and nice
        if (i == 7) {
            t.steal = v;
            t.ok = true;
        }
    }
    return t;
}

// VmRSS and VmHWM of this process, in MiB (/proc/self/status).
std::pair<double, double> rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    double rss = 0, peak = 0;
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string key;
        double kib = 0;
        f >> key >> kib;
        if (key == "VmRSS:") rss = kib / 1024;
        if (key == "VmHWM:") peak = kib / 1024;
    }
    return {rss, peak};
}

// Seeks to random times (fixed seed: every run the same), as a click on the
// timeline does; p50/p99 of their time.
void bench_seeks(view::Replay& r) {
    const std::uint64_t span = r.last_ts() - r.first_ts();
    if (span == 0) return;
    std::mt19937_64 rng(42);
    std::vector<double> t;
    constexpr int kSeeks = 20;
    for (int i = 0; i < kSeeks; ++i) {
        const std::uint64_t at = r.first_ts() + rng() % span;
        const auto a = Clock::now();
        r.seek(at);
        t.push_back(ms(a, Clock::now()));
    }
    const auto [rss, peak] = rss_mib();
    std::printf(
        "seek: %d random seeks p50 %.1f ms p99 %.1f ms (checkpoints %zu, one every %zu records); "
        "RSS after %.0f MiB\n",
        kSeeks, pct(t, 0.50), pct(t, 0.99), r.checkpoint_count(), r.checkpoint_every(), rss);
    r.seek(r.last_ts());
}

// What the replay holds after opening, and how fast it seeks.
void report_open(view::Replay& r, double open_s) {
    const auto [rss, peak] = rss_mib();
    std::printf(
        "open: %zu records in %.2f s; RSS %.0f MiB (peak %.0f MiB); the replay holds %.1f "
        "MiB (checkpoints %.1f), the model at the cursor %.1f MiB\n",
        r.record_count(), open_s, rss, peak, static_cast<double>(r.memory_bytes()) / 1048576,
        static_cast<double>(r.checkpoint_bytes()) / 1048576,
        static_cast<double>(r.model().memory_bytes()) / 1048576);
    bench_seeks(r);
}

constexpr int kWarmup = 10;
// Playing: the timeline's own play path moves the cursor (draw_timeline
// advances it by frame_dt * speed and the frame re-seeks the replay), at
// a speed that reaches the last record on the last frame. frame_dt is a
// nominal 60 Hz, so every run applies the same records per frame.
constexpr double kFrameDt = 1.0 / 60;

void start_playing(view::Replay& r, UiState& ui, int frames) {
    const std::uint64_t span = r.last_ts() - r.first_ts();
    ui.rel_ns = 0;
    r.seek(r.first_ts());
    ui.playing = true;
    ui.speed = static_cast<float>(static_cast<double>(span) / 1e9 / (frames + kWarmup) / kFrameDt *
                                  1.0001);
}

// The parts of a frame, in order: input and ImGui's new frame; the UI
// (view-model and the windows' draw lists); ImGui's end of frame; handing
// the vertices to OpenGL; waiting for the rasteriser (glFinish: with
// llvmpipe this is the CPU drawing the pixels); the swap (with Xvfb a
// copy of the image to the X server). A frame is all of them.
enum FramePart { kInputPart, kUiPart, kFinishPart, kSubmitPart, kRasterPart, kSwapPart, kParts };
constexpr const char* kPartNames[kParts] = {"input",     "ui",     "imgui end",
                                            "gl submit", "raster", "swap"};

// What the measured frames took and drew (the warm-up frames left out).
struct FrameStats {
    CpuTimes cpu0;  // at the first measured frame
    std::vector<double> applied_per_frame;
    std::array<std::vector<double>, kParts> part;
    std::vector<double> frame;
    double vertices = 0;
    double indices = 0;
    double commands = 0;
    double area = 0;
};

FrameStats measure_frames(Backend& b, view::Replay& r, ViewCache& v, UiState& ui, int frames,
                          bool play) {
    FrameStats m;
    for (int i = 0; i < frames + kWarmup; ++i) {
        if (i == kWarmup) m.cpu0 = cpu_times();
        std::array<Clock::time_point, kParts + 1> t;
        t[0] = Clock::now();
        b.begin_frame(0);
        ui.scale = b.scale();
        t[1] = Clock::now();
        ImVec2 d = ImGui::GetIO().DisplaySize;
        const std::size_t applied_before = r.applied();
        draw_frame(r, v, ui, Layout{d.x, d.y, {}, ui.scale}, play ? kFrameDt : 0);
        t[2] = Clock::now();
        b.finish_ui();
        t[3] = Clock::now();
        b.submit();
        t[4] = Clock::now();
        b.finish();
        t[5] = Clock::now();
        b.swap();
        t[6] = Clock::now();
        if (i < kWarmup) continue;
        m.applied_per_frame.push_back(
            static_cast<double>(r.applied() > applied_before ? r.applied() - applied_before : 0));
        for (int k = 0; k < kParts; ++k) m.part[k].push_back(ms(t[k], t[k + 1]));
        m.frame.push_back(ms(t[0], t[kParts]));
        const Backend::DrawStats s = b.draw_stats();
        m.vertices += s.vertices;
        m.indices += s.indices;
        m.commands += s.commands;
        m.area += s.area;
    }
    return m;
}

// The machine, what was played, the frame times and what a frame drew.
void report_frames(Backend& b, const view::Replay& r, const FrameStats& m, int frames, bool play,
                   std::size_t applied0) {
    const ImVec2 d = ImGui::GetIO().DisplaySize;
    const char* lp = std::getenv("LP_NUM_THREADS");
    std::printf(
        "epscope-gui bench: %d frames of %.0fx%.0f, %zu instances, %zu items, GL renderer %s",
        frames, d.x, d.y, r.model().instances().size(), r.model().live_items(),
        b.renderer().c_str());
    std::printf(", LP_NUM_THREADS=%s, scale %.2f (font %.0f px)\n", lp ? lp : "(unset)",
                static_cast<double>(b.scale()), static_cast<double>(ImGui::GetFontSize()));
    if (play) {
        double sum = 0;
        for (double a : m.applied_per_frame) sum += a;
        std::printf(
            "playing: %.3f ms of trace per frame, records applied per frame mean %.0f p99 %.0f "
            "(%zu of %zu records in all)\n",
            static_cast<double>(r.last_ts() - r.first_ts()) / 1e6 / (frames + kWarmup),
            sum / frames, pct(m.applied_per_frame, 0.99), r.applied() - applied0, r.record_count());
    }
    const CpuTimes cpu1 = cpu_times();
    if (m.cpu0.ok && cpu1.ok && cpu1.total > m.cpu0.total) {
        std::printf(
            "machine during the frames: %.1f%% of CPU time stolen by the hypervisor "
            "(/proc/stat steal)\n",
            100.0 * static_cast<double>(cpu1.steal - m.cpu0.steal) /
                static_cast<double>(cpu1.total - m.cpu0.total));
    }
    std::printf("frame p50 %.3f ms  p99 %.3f ms\n", pct(m.frame, 0.50), pct(m.frame, 0.99));
    std::printf("parts (p50 / p99 ms):");
    for (int k = 0; k < kParts; ++k) {
        std::printf("  %s %.3f / %.3f", kPartNames[k], pct(m.part[k], 0.50), pct(m.part[k], 0.99));
    }
    std::printf(
        "\nper frame: %.0f vertices, %.0f indices, %.0f draw calls, about %.0f k pixels shaded "
        "(%.2f screens)\n",
        m.vertices / frames, m.indices / frames, m.commands / frames, m.area / frames / 1000,
        m.area / frames / static_cast<double>(d.x * d.y));
}

}  // namespace

int run_bench(Backend& b, view::Replay& r, ViewCache& v, UiState& ui, int frames, bool play,
              double open_s) {
    report_open(r, open_s);
    b.set_vsync(false);
    if (play) start_playing(r, ui, frames);
    const std::size_t applied0 = r.applied();
    const FrameStats m = measure_frames(b, r, v, ui, frames, play);
    report_frames(b, r, m, frames, play, applied0);
    return 0;
}

}  // namespace epscope::gui
