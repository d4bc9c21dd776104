// The view-model of the current frame, recomputed only when the model state
// (replay position) or the selection changes, not on every frame: a 10,000
// item tree is laid out once, then drawn many times.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "view/browser.hpp"
#include "view/details.hpp"
#include "view/findings.hpp"
#include "view/queues.hpp"
#include "view/replay.hpp"
#include "view/span_stats.hpp"
#include "view/timeline.hpp"
#include "view/tree_layout.hpp"

namespace epscope::gui {

// A node flashes when its callback ran within this much trace time before the cursor.
inline constexpr std::uint64_t kFlashWindowNs = 20'000'000;

class ViewCache {
public:
    const std::vector<view::InstanceRow>& rows(const view::Replay& r, const view::BrowserQuery& q);
    const view::TreeLayout& tree(const view::Replay& r, model::InstanceRef inst);
    // tree() with the subtrees of `folded` (fds) collapsed.
    const view::TreeLayout& folded_tree(const view::Replay& r, model::InstanceRef inst,
                                        const std::set<std::int32_t>& folded);
    const view::Queues& queues(const view::Replay& r, model::InstanceRef inst);
    const std::vector<view::WaiterRow>& waiters(const view::Replay& r, model::InstanceRef inst);

    // The instances of process `pid` holding an item with `fd`.
    const std::vector<model::InstanceRef>& holding_fd(const view::Replay& r, std::uint32_t pid,
                                                      std::int32_t fd);
    const view::InstanceDetails& instance_details(const view::Replay& r, model::InstanceRef inst);
    const view::ItemDetails& item_details(const view::Replay& r, model::InstanceRef inst,
                                          const view::ItemSel& sel);
    // Per-thread tracks of the whole stream (the replay feeds them).
    const view::TimelineIndex& timeline(const view::Replay& r) { return r.timeline(); }
    // The lanes [first, first + count) for window `w`, recomputed only when
    // the window, the lane range or the index changes.
    const std::vector<view::Lane>& lanes(const view::Replay& r, const view::TimeWindow& w,
                                         std::size_t first, std::size_t count);
    // The selected item's callbacks in window `w` (empty when the window is
    // too long a stretch of a long trace to read back).
    std::vector<view::LaneMark> item_callbacks(const view::Replay& r, std::int32_t fd,
                                               const view::TimeWindow& w, bool stale = false);
    // A window holding at most this many records is drawn in detail when the
    // whole-trace timeline keeps only summaries: read back, about 50 ms.
    static constexpr std::size_t kSpanRecords = 200'000;
    // The findings engine over the replay's records (the Findings window
    // advances it each frame by `findings_budget_s`; negative: at once).
    view::FindingsRun& findings() { return findings_; }
    // The statistics of the dragged span [t0, t1] (absolute ts), computed
    // again only when the span or the records change.
    const view::SpanStats& span_stats(const view::Replay& r, std::uint64_t t0, std::uint64_t t1);
    double findings_budget_s = 0.004;

private:
    struct Key {
        const model::Model* model = nullptr;
        std::size_t applied = static_cast<std::size_t>(-1);
        model::InstanceRef inst = model::kNil;
        bool operator==(const Key&) const = default;
    };
    static Key key_of(const view::Replay& r, model::InstanceRef inst) {
        return Key{&r.model(), r.applied(), inst};
    }

    Key rows_key_;
    std::string rows_filter_;
    view::SortKey rows_sort_ = view::SortKey::Pid;
    bool rows_desc_ = false;
    std::vector<view::InstanceRow> rows_;
    Key tree_key_;
    // What tree_ was laid out from: the same replay and model object (a seek
    // back replaces the model), the same stream, the same tree shape.
    struct ShapeKey {
        const view::Replay* replay = nullptr;
        const model::Model* model = nullptr;
        std::uint64_t first_ts = 0;
        model::InstanceRef inst = model::kNil;
        std::uint64_t version = 0;
        bool operator==(const ShapeKey&) const = default;
    };
    ShapeKey tree_shape_;
    view::TreeLayout tree_;
    Key folded_key_;
    std::set<std::int32_t> folded_set_;
    view::TreeLayout folded_;
    Key queues_key_;
    view::Queues queues_;
    // The records of the window read back when the whole-trace timeline
    // keeps only summaries (a long trace zoomed in).
    struct SpanKey {
        const view::Replay* replay = nullptr;
        std::size_t from = 0, to = 0;
        std::uint64_t t0 = 0, t1 = 0;
        bool operator==(const SpanKey&) const = default;
    };
    SpanKey span_key_;
    view::TimelineIndex span_;
    const view::TimelineIndex* span_for(const view::Replay& r, const view::TimeWindow& w);
    struct LanesKey {
        std::uint64_t t0 = 0, t1 = 0;
        float width = 0;
        std::size_t first = 0, count = 0, records = SIZE_MAX;
        const view::Replay* replay = nullptr;
        bool operator==(const LanesKey&) const = default;
    };
    LanesKey lanes_key_;
    std::vector<view::Lane> lanes_;
    Key holding_key_;
    std::uint32_t holding_pid_ = 0;
    std::int32_t holding_fd_ = -1;
    std::vector<model::InstanceRef> holding_;
    Key inst_details_key_;
    view::InstanceDetails inst_details_;
    Key item_details_key_;
    view::ItemSel item_details_sel_;
    view::ItemDetails item_details_;
    view::FindingsRun findings_;
    Key waiters_key_;
    std::vector<view::WaiterRow> waiters_;
    struct StatsKey {
        const view::Replay* replay = nullptr;
        std::uint64_t t0 = 0, t1 = 0;
        std::size_t records = SIZE_MAX;
        bool operator==(const StatsKey&) const = default;
    };
    StatsKey stats_key_;
    view::SpanStats span_stats_;
};

}  // namespace epscope::gui
