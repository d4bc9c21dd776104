// The timeline's view-model: a lane per thread with the time it spent in
// epoll_wait (begin..end, and the part asleep), the wakeups it received and
// sent, the harvests it ran with their counts, and the callbacks it caused
// (per item). TimelineIndex turns the record stream into per-thread tracks
// once (appending as records arrive); timeline_lanes() cuts a time window out
// of it in pixels, merging what falls into one pixel, so drawing costs the
// window's width, not the number of records.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "stream/record.hpp"

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
    std::uint8_t outcome = 0;     // Callback: enum ep_callback_outcome
    std::int32_t fd = -1;         // Callback: the item; Woken/Woke: the item whose callback woke
    std::uint32_t other_tid = 0;  // Woken: the waker; Woke: the woken
    std::uint32_t count = 0;      // Harvest: events delivered
    std::uint64_t ep = 0;
};

struct ThreadTrack {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::vector<WaitSpan> waits;  // in time order (a thread waits once at a time)
    std::vector<TimeMark> marks;  // in time order
};

class TimelineIndex {
public:
    // Feed records in stream order; a live source keeps feeding.
    void add(const stream::Record& rec);
    const std::vector<ThreadTrack>& threads() const { return threads_; }  // by first appearance
    std::uint64_t last_ts() const { return last_ts_; }
    std::size_t records() const { return records_; }

private:
    // Per thread, beside its track: what the next records of it complete.
    struct State {
        std::int32_t last_cb_fd = -1;         // its latest callback's item (for WAKEUP)
        std::size_t open_harvest = SIZE_MAX;  // index of its running Harvest mark
        bool harvested_in_wait = false;       // its current wait has a Harvest mark
    };
    std::size_t track(std::uint32_t tid, std::uint32_t tgid);

    std::vector<ThreadTrack> threads_;
    std::vector<State> state_;  // parallel to threads_
    std::unordered_map<std::uint32_t, std::size_t> by_tid_;
    std::unordered_map<std::uint64_t, std::int32_t> fd_of_epi_;
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
    std::int32_t fd = -1;
    std::uint32_t other_tid = 0;
    std::uint32_t count = 0;
    std::uint32_t n = 1;
    std::uint64_t ts = 0;
};

struct Lane {
    std::uint32_t tid = 0;
    std::uint32_t tgid = 0;
    std::vector<LaneSegment> segments;
    std::vector<LaneMark> marks;
};

// Lanes [first, first + count) of the index (clamped) for window `w`.
std::vector<Lane> timeline_lanes(const TimelineIndex& idx, const TimeWindow& w,
                                 std::size_t first = 0, std::size_t count = SIZE_MAX);

// The callbacks on item `fd` (any thread) in window `w`, merged per pixel: the
// selected item's own lane.
std::vector<LaneMark> item_callbacks(const TimelineIndex& idx, std::int32_t fd,
                                     const TimeWindow& w);

// Zoom around `anchor_ts` by `factor` (< 1 zooms in) keeping the anchor at the
// same pixel, clamped to [min_span, max_span] ns and to [lo, hi].
TimeWindow zoom_window(const TimeWindow& w, std::uint64_t anchor_ts, double factor,
                       std::uint64_t lo, std::uint64_t hi, std::uint64_t min_span = 1000);
// Move by `dx` pixels (positive: later), clamped to [lo, hi].
TimeWindow pan_window(const TimeWindow& w, float dx, std::uint64_t lo, std::uint64_t hi);

}  // namespace epscope::view
