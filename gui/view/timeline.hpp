// The timeline's view-model: a lane per thread with the time it spent in
// epoll_wait (begin..end, and the part asleep), the wakeups it received and
// sent, the harvests it ran with their counts, and the callbacks it caused
// (per item). TimelineIndex turns the record stream into per-thread tracks
// once (appending as records arrive); timeline_lanes() cuts a time window out
// of it in pixels, merging what falls into one pixel, so drawing costs the
// window's width, not the number of records.
//
// Memory stays bounded: every lane keeps a summary of kSummaryBuckets time
// buckets over the whole trace (time blocked and asleep, marks per kind),
// whose width doubles as the trace grows, as a zoom level of a mip-map; the
// per-wait and per-mark detail is kept only while the index has seen at most
// detail_limit records. Past that, a zoomed-in window is drawn from an index
// of just the records it shows (read back from the file: span_index()), and
// a zoomed-out one from the summary.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stream/record.hpp"
#include "view/tree_layout.hpp"

namespace epscope::view {

// One epoll_wait call of one thread.
struct WaitSpan {
    std::uint64_t begin = 0;
    std::uint64_t sleep = 0;  // WAIT_SLEEP, 0 if it never slept
    std::uint64_t end = 0;    // WAIT_END, 0 while still waiting
    std::uint64_t ep = 0;
    std::int32_t epfd = -1;
    std::int32_t result = 0;  // events returned, or -errno
};

enum class MarkKind : std::uint8_t {
    Callback,  // this thread's wakeup of a file ran ep_poll_callback on an item
    Woken,     // this thread was woken (by other_tid, through item fd)
    Woke,      // this thread woke other_tid
    Harvest,   // this thread harvested `count` events
};

struct TimeMark {
    std::uint64_t ts = 0;
    MarkKind kind = MarkKind::Callback;
    std::uint8_t outcome = 0;  // Callback: enum ep_callback_outcome
    // Callback: on a stale item (its fd closed while the file stays
    // registered), not on the file the number names now.
    std::uint8_t stale = 0;
    std::int32_t fd = -1;         // Callback: the item; Woken/Woke: the item whose callback woke
    std::uint32_t other_tid = 0;  // Woken: the waker; Woke: the woken
    std::uint32_t count = 0;      // Harvest: events delivered
    std::uint64_t ep = 0;
};

// One bucket of a lane's summary: what happened in [start, start + width).
struct LaneBucket {
    std::uint64_t blocked_ns = 0;                    // in epoll_wait
    std::uint64_t asleep_ns = 0;                     // ... of which asleep
    std::uint32_t waits = 0;                         // waits begun
    std::array<std::uint32_t, 4> marks{};            // by MarkKind
    std::uint32_t harvested = 0;                     // events of its Harvest marks
    std::array<std::int32_t, 4> fd{-1, -1, -1, -1};  // by MarkKind: of the first mark
    std::array<std::uint32_t, 4> other_tid{};        // by MarkKind: of the first mark
    std::uint8_t outcome = 0;                        // of the first callback
    std::uint8_t stale = 0;                          // ... on a stale item
};

struct ThreadTrack {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::vector<WaitSpan> waits;      // in time order (a thread waits once at a time)
    std::vector<TimeMark> marks;      // in time order
    std::vector<LaneBucket> summary;  // see TimelineIndex::bucket_ns()
};

class TimelineIndex {
public:
    static constexpr std::size_t kSummaryBuckets = 1024;
    // Records whose detail the whole-trace index keeps (~40 bytes each).
    static constexpr std::size_t kDetailLimit = 400'000;
    // A whole-trace index: summaries, and detail up to `detail_limit` records.
    explicit TimelineIndex(std::size_t detail_limit = kDetailLimit);
    // A span's index (records read back for a window): detail only. A wait
    // whose begin came before the span is drawn from `from`; one still open
    // at its end is drawn up to `until`.
    static TimelineIndex span(std::uint64_t from, std::uint64_t until);

    // Feed records in stream order; a live source keeps feeding.
    void add(const stream::Record& rec);
    const std::vector<ThreadTrack>& threads() const { return threads_; }  // by first appearance
    const ThreadTrack* thread(std::uint32_t tid) const;
    std::uint64_t last_ts() const { return last_ts_; }
    std::size_t records() const { return records_; }
    // True while waits and marks are kept for every record seen.
    bool detailed() const { return detailed_; }
    // The summary: bucket i of a lane covers [origin + i*w, origin + (i+1)*w).
    std::uint64_t origin() const { return origin_; }
    std::uint64_t bucket_ns() const { return bucket_ns_; }
    std::size_t memory_bytes() const;
    // Lane i's wait still open at the end of what is known (summary; 0: none).
    std::uint64_t open_begin(std::size_t i) const { return open_[i].begin; }
    std::uint64_t open_sleep(std::size_t i) const { return open_[i].sleep; }

private:
    // Per thread, beside its track: what the next records of it complete.
    struct State {
        std::int32_t last_cb_fd = -1;         // its latest callback's item (for WAKEUP)
        std::size_t open_harvest = SIZE_MAX;  // index of its running Harvest mark (detail)
        bool harvest_open = false;            // a Harvest mark is running
        std::uint64_t harvest_ts = 0;         // ... since
        std::uint32_t harvest_count = 0;      // ... with this many events so far
        bool harvested_in_wait = false;       // its current wait has a Harvest mark
    };
    void push_mark(std::size_t t, const TimeMark& m);
    void unstale(std::uint64_t file, std::int32_t fd);
    void count_harvested(std::size_t t, std::uint32_t n);
    std::size_t track(std::uint32_t tid, std::uint32_t tgid);
    void add_detail(const stream::Record& rec);
    void on_item_ctl(const stream::Record& rec);
    void on_fd_close(const ep_fd_close& r);
    void on_callback(const ep_header& h, const ep_callback& r);
    void on_wakeup(const ep_header& h, const ep_wakeup& r);
    void wait_began(const ep_header& h, const ep_wait_begin& r);
    void wait_slept(const ep_header& h);
    void harvest_began(const ep_header& h, const ep_harvest_begin& r);
    void add_summary(const stream::Record& rec);
    void end_wait(std::size_t t, std::uint64_t end);
    void wait_ended(const stream::Record& rec);
    LaneBucket& bucket(std::size_t t, std::uint64_t ts);
    void fit(std::uint64_t ts);
    void drop_detail();

    std::size_t detail_limit_ = kDetailLimit;
    bool detailed_ = true;
    bool summarise_ = true;
    std::uint64_t span_from_ = 0;
    std::uint64_t origin_ = 0;
    std::uint64_t bucket_ns_ = 1024;
    bool have_origin_ = false;
    // Per thread, for the summary: its open wait (begin, sleep; 0: none).
    struct Open {
        std::uint64_t begin = 0;
        std::uint64_t sleep = 0;
    };
    std::vector<Open> open_;  // parallel to threads_
    std::vector<ThreadTrack> threads_;
    std::vector<State> state_;  // parallel to threads_
    std::unordered_map<std::uint32_t, std::size_t> by_tid_;
    std::unordered_map<std::uint64_t, std::int32_t> fd_of_epi_;
    // Stale items' keys (file, fd): FD_CLOSE of a shared file until removed.
    std::vector<std::pair<std::uint64_t, std::int32_t>> stale_keys_;
    std::uint64_t last_ts_ = 0;
    std::size_t records_ = 0;
};

// ---- a window of it, in pixels ---------------------------------------------

struct TimeWindow {
    std::uint64_t t0 = 0;  // absolute ts at the lane's left edge
    std::uint64_t t1 = 0;  // ... at its right edge (> t0)
    float width = 1;       // lane width in pixels
    float x_of(std::uint64_t ts) const;
    std::uint64_t ts_of(float x) const;
};

// A wait as drawn: [x0, x1) blocked, of which [x_sleep, x1) asleep. Waits
// that touch the same pixel are merged into one (waits > 1).
struct LaneSegment {
    float x0 = 0;
    float x_sleep = 0;  // == x1 if it never slept
    float x1 = 0;
    bool open = false;  // still waiting at the end of what is known
    std::uint32_t waits = 1;
    std::int32_t epfd = -1;
    std::int32_t result = 0;
};

// A mark as drawn. Marks of one kind closer than mark_merge_px(kind) to the
// previous one are merged into a run [x, x_end] (n > 1, count summed,
// fd/other_tid/ts of the first): a dense stretch is one bar, not a mark per
// pixel. The distance is how wide the GUI draws the kind (window_timeline.cpp),
// so marks that would overlap on screen are one shape: a software
// rasteriser pays for every triangle, and a busy thread's zoomed-out lane
// has hundreds of harvests a few pixels apart.
inline constexpr float kMarkMergePx = 2.0f;  // callbacks: a 2 px tick
constexpr float mark_merge_px(MarkKind k) {
    switch (k) {
        case MarkKind::Woken:
            return 8.0f;  // a triangle 8 px wide
        case MarkKind::Woke:
            return 4.0f;  // a 4 px square
        case MarkKind::Harvest:
            return 5.0f;  // a 5 px bar
        case MarkKind::Callback:
            break;
    }
    return kMarkMergePx;
}
struct LaneMark {
    float x = 0;
    float x_end = 0;
    MarkKind kind = MarkKind::Callback;
    std::uint8_t outcome = 0;
    // Callback: on the stale item under fd (its fd closed, its file still
    // registered), not on the file the number names now.
    bool stale = false;
    std::int32_t fd = -1;
    std::uint32_t other_tid = 0;
    std::uint32_t count = 0;
    std::uint32_t n = 1;
    std::uint64_t ts = 0;
    // The item a click on the mark selects: the callback's item, stale or
    // not; for a wakeup, the item whose callback woke (by its number).
    ItemSel sel() const { return {fd, 0, stale}; }
};

struct Lane {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::vector<LaneSegment> segments;
    std::vector<LaneMark> marks;
};

// Lanes [first, first + count) of the index (clamped) for window `w`: from
// its detail when it has it, else from `detail` (a span index of the
// window's records, lanes matched by thread) when given, else from the
// summary.
std::vector<Lane> timeline_lanes(const TimelineIndex& idx, const TimeWindow& w,
                                 std::size_t first = 0, std::size_t count = SIZE_MAX,
                                 const TimelineIndex* detail = nullptr);

// The callbacks on item `fd` (any thread) in window `w`, merged per pixel: the
// selected item's own lane. Needs detail (empty from a summary-only index).
// `stale`: those of the stale item under that number (its fd closed, its
// file still registered), not of the file the number names now.
std::vector<LaneMark> item_callbacks(const TimelineIndex& idx, std::int32_t fd, const TimeWindow& w,
                                     bool stale = false);

// Zoom around `anchor_ts` by `factor` (< 1 zooms in) keeping the anchor at the
// same pixel, clamped to [min_span, max_span] ns and to [lo, hi].
TimeWindow zoom_window(const TimeWindow& w, std::uint64_t anchor_ts, double factor,
                       std::uint64_t lo, std::uint64_t hi, std::uint64_t min_span = 1000);
// Move by `dx` pixels (positive: later), clamped to [lo, hi].
TimeWindow pan_window(const TimeWindow& w, float dx, std::uint64_t lo, std::uint64_t hi);

// The wall-clock time of a record time `ts` (CLOCK_MONOTONIC), from the
// trace header's realtime offset, in local time: "2026-12-05 01:02:03.456789
// UTC". Empty when the header has no offset (a synthetic or old trace).
std::string wall_clock(std::int64_t realtime_offset_ns, std::uint64_t ts);

}  // namespace epscope::view
