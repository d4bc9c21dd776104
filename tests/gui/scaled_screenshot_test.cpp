// epscope-gui at two DPI scales (run under xvfb-run with a 2560x1600 screen,
// Mesa llvmpipe): a tracepoint trace and a fentry trace, each shot at
// --scale 1 in a 1280x800 window and at --scale 2 in a 2560x1600 one (a 200%
// monitor: the same layout in twice the pixels). Each screenshot is checked
// against the model (tree discs, ready-list boxes), against the scale (the
// text's ink is twice as tall at 2), and against what the backend can see:
// the tracepoint trace shows callbacks, harvests and wakeups as "not seen"
// and paints no callback or wakeup mark; the fentry trace shows them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "../scratch_dir.hpp"
#include "gui_run.hpp"
#include "image_check.hpp"
#include "model/model.hpp"
#include "png/png.hpp"
#include "view/browser.hpp"
#include "view/layout.hpp"
#include "view/palette.hpp"
#include "view/replay.hpp"

namespace epscope::gui_test {
namespace {

namespace fs = std::filesystem;

const fs::path kData = EPSCOPE_GUI_DATA;
// `epscope record -- epscope-poller --model basic` (tracepoint backend).
const fs::path kTracepointTrace = kData / "poller-basic-tracepoint.trace";
// Recorded in the kernel lab on 6.12 (fentry backend): `tests/lab/run --kernel
// 6.12 -- epscope record --backend fentry -- epscope-poller --model mpoller
// --role both --conns 12 --duration 1 --rate 200`. Re-record it when the event
// ABI changes incompatibly.
const fs::path kFentryTrace = kData / "poller-mpoller-6.12-fentry.trace";

// ImGui's light style: text, and greyed ("disabled") text.
constexpr view::Rgb kText{0, 0, 0};

struct Shot {
    GuiRun run;
    png::Image img;
    view::Layout layout;
    float font = 0;                               // px, as the report says
    std::map<std::string, std::string> counters;  // "TABLE NAME" -> value ("unseen")
};

Rect area(const view::Rect& r) {
    return Rect{static_cast<int>(r.x0) + 2, static_cast<int>(r.y0) + 2, static_cast<int>(r.x1) - 2,
                static_cast<int>(r.y1) - 2};
}

// Rows of `a` holding a pixel near `c`: the height of the text's ink there.
int ink_height(const png::Image& img, Rect a, view::Rgb c) {
    int top = -1;
    int bottom = -1;
    for (int y = a.y0; y < a.y1; ++y) {
        if (count_near(img, Rect{a.x0, y, a.x1, y + 1}, c, 40) == 0) continue;
        if (top < 0) top = y;
        bottom = y;
    }
    return top < 0 ? 0 : bottom - top + 1;
}

class Scaled : public ::testing::Test {
protected:
    void SetUp() override { dir_ = shots_.path(); }
    void TearDown() override { shots_.keep_if_failed(HasFailure()); }
    Shot shoot(const fs::path& trace, int scale) {
        Shot s;
        const std::string name = trace.stem().string() + "-x" + std::to_string(scale);
        const fs::path png = dir_ / (name + ".png");
        const fs::path report = dir_ / (name + ".report");
        const int w = kWidth * scale;
        const int h = kHeight * scale;
        s.run = run_gui({"--screenshot", png.string(), "--ui-report", report.string(), "--scale",
                         std::to_string(scale), "--width", std::to_string(w), "--height",
                         std::to_string(h), trace.string()},
                        dir_ / (name + ".err"));
        s.layout = view::Layout{
            static_cast<float>(w), static_cast<float>(h), {}, static_cast<float>(scale)};
        if (fs::exists(png)) s.img = png::read_png(png);
        std::ifstream f(report);
        std::string line;
        while (std::getline(f, line)) {
            std::istringstream l(line);
            std::string key, table, counter, value;
            l >> key;
            if (key == "font") l >> s.font;
            if (key == "counter" && l >> table >> counter >> value)
                s.counters[table + " " + counter] = value;
        }
        return s;
    }
    // The model at the GUI's default cursor, its first instance: what the
    // tree and the queues must show at any scale.
    void check_model(const fs::path& trace, const Shot& s, int scale) {
        SCOPED_TRACE(trace.filename().string() + " at scale " + std::to_string(scale));
        ASSERT_EQ(s.run.status, 0) << s.run.err;
        ASSERT_EQ(s.img.width, static_cast<std::uint32_t>(kWidth * scale));
        ASSERT_EQ(s.img.height, static_cast<std::uint32_t>(kHeight * scale));
        EXPECT_EQ(s.font, std::round(15.0f * static_cast<float>(scale)));
        view::Replay r(trace);
        ASSERT_TRUE(r.opened()) << r.open_error();
        r.seek_records(r.busiest_prefix());
        const auto rows = view::browser_rows(r.model(), view::BrowserQuery{});
        ASSERT_FALSE(rows.empty());
        std::size_t red = 0;
        std::size_t black = 0;
        for (const model::TreeNodeView& n : r.model().tree_preorder(rows.front().inst))
            (n.color == model::RbColor::Red ? red : black) += 1;
        ASSERT_GT(red + black, 0u) << "no tree at the cursor: a test that cannot fail";
        const std::size_t min_area = 40u * static_cast<std::size_t>(scale * scale);
        EXPECT_EQ(count_blobs(s.img, area(s.layout.tree()), view::kNodeRed, min_area), red);
        EXPECT_EQ(count_blobs(s.img, area(s.layout.tree()), view::kNodeBlack, min_area), black);
        EXPECT_EQ(count_blobs(s.img, area(s.layout.queues()), view::kQueueReady,
                              100u * static_cast<std::size_t>(scale * scale)),
                  r.model().ready_list(rows.front().inst).size());
    }
    // The same text (the status bar's) is twice as tall at scale 2: the
    // font was rebuilt at 30 px, not drawn at 15 and left small.
    void check_text_scaled(const Shot& one, const Shot& two) {
        const int h1 = ink_height(one.img, area(one.layout.status()), kText);
        const int h2 = ink_height(two.img, area(two.layout.status()), kText);
        ASSERT_GT(h1, 6) << "no text in the status bar at scale 1";
        EXPECT_GE(h2, h1 * 2 - 2) << "scale 2's text is not twice as tall: " << h1 << " " << h2;
        EXPECT_LE(h2, h1 * 2 + 2) << h1 << " " << h2;
    }
    epscope::testing::ScratchDir shots_{"epscope-gui-scaled"};
    fs::path dir_;
};

TEST_F(Scaled, TracepointTraceShowsWhatItCannotSeeAsNotSeen) {
    const Shot one = shoot(kTracepointTrace, 1);
    const Shot two = shoot(kTracepointTrace, 2);
    for (const auto& [s, scale] : {std::pair{&one, 1}, std::pair{&two, 2}}) {
        check_model(kTracepointTrace, *s, scale);
        SCOPED_TRACE("scale " + std::to_string(scale));
        for (const char* name : {"callbacks", "harvests", "wakeups", "herds"})
            EXPECT_EQ(s->counters.at("instance_counters " + std::string(name)), "unseen") << name;
        EXPECT_NE(s->counters.at("instance_counters deliveries"), "unseen");
        EXPECT_NE(s->counters.at("instance_counters deliveries"), "0");
        // No mark for what the backend cannot see: no callback tick, no wakeup.
        const Rect tl = area(s->layout.timeline());
        EXPECT_EQ(count_pixels(s->img, tl, view::kMarkCallback), 0u);
        EXPECT_EQ(count_pixels(s->img, tl, view::kMarkWakeup), 0u);
        // ... and the waits it does see are painted.
        EXPECT_GT(count_pixels(s->img, tl, view::kLaneBlocked), 100u);
    }
    check_text_scaled(one, two);
}

TEST_F(Scaled, FentryTraceShowsCallbacksWakeupsAndTheReadyList) {
    const Shot one = shoot(kFentryTrace, 1);
    const Shot two = shoot(kFentryTrace, 2);
    for (const auto& [s, scale] : {std::pair{&one, 1}, std::pair{&two, 2}}) {
        check_model(kFentryTrace, *s, scale);
        SCOPED_TRACE("scale " + std::to_string(scale));
        for (const char* name : {"callbacks", "harvests", "wakeups"}) {
            const std::string v = s->counters.at("instance_counters " + std::string(name));
            EXPECT_NE(v, "unseen") << name;
        }
        EXPECT_NE(s->counters.at("instance_counters callbacks"), "0");
        EXPECT_NE(s->counters.at("instance_counters wakeups"), "0");
        const Rect tl = area(s->layout.timeline());
        EXPECT_GT(count_pixels(s->img, tl, view::kMarkCallback), 0u);
        EXPECT_GT(count_pixels(s->img, tl, view::kMarkWakeup), 0u);
    }
    check_text_scaled(one, two);
}

}  // namespace
}  // namespace epscope::gui_test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
