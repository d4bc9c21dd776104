#include "view/timeline.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace epscope::view {

std::size_t TimelineIndex::track(std::uint32_t tid, std::uint32_t tgid) {
    auto [it, fresh] = by_tid_.try_emplace(tid, threads_.size());
    if (fresh) {
        threads_.push_back(ThreadTrack{tid, tgid, {}, {}});
        state_.emplace_back();
    } else if (threads_[it->second].tgid == 0) {
        // First seen as the target of a wakeup; now its own record says its process.
        threads_[it->second].tgid = tgid;
    }
    return it->second;
}

void TimelineIndex::add(const stream::Record& rec) {
    ++records_;
    const ep_header& h = rec.header();
    last_ts_ = std::max<std::uint64_t>(last_ts_, h.ts);
    switch (rec.kind()) {
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY:
            if (rec.size() == sizeof(ep_item_ctl)) {
                const ep_item_ctl& r = rec.as<ep_item_ctl>();
                if (r.epi != 0 && r.result == 0) fd_of_epi_[r.epi] = r.fd;
            }
            break;
        case EP_KIND_CALLBACK:
            if (rec.size() == sizeof(ep_callback)) {
                const ep_callback& r = rec.as<ep_callback>();
                if (r.epi != 0) fd_of_epi_[r.epi] = r.fd;
                std::size_t t = track(h.tid, h.tgid);
                state_[t].last_cb_fd = r.fd;
                TimeMark m;
                m.ts = h.ts;
                m.kind = MarkKind::Callback;
                m.outcome = r.outcome;
                m.fd = r.fd;
                m.ep = r.ep;
                threads_[t].marks.push_back(m);
            }
            break;
        case EP_KIND_WAKEUP:
            if (rec.size() == sizeof(ep_wakeup)) {
                const ep_wakeup& r = rec.as<ep_wakeup>();
                std::size_t waker = track(h.tid, h.tgid);
                std::int32_t fd = state_[waker].last_cb_fd;
                if (auto f = fd_of_epi_.find(r.epi); r.epi != 0 && f != fd_of_epi_.end()) {
                    fd = f->second;
                }
                TimeMark m;
                m.ts = h.ts;
                m.kind = MarkKind::Woke;
                m.fd = fd;
                m.other_tid = r.woken_tid;
                m.ep = r.ep;
                threads_[waker].marks.push_back(m);
                std::size_t woken = track(r.woken_tid, 0);
                m.kind = MarkKind::Woken;
                m.other_tid = h.tid;
                threads_[woken].marks.push_back(m);
            }
            break;
        case EP_KIND_WAIT_BEGIN:
            if (rec.size() == sizeof(ep_wait_begin)) {
                const ep_wait_begin& r = rec.as<ep_wait_begin>();
                std::size_t t = track(h.tid, h.tgid);
                ThreadTrack& tr = threads_[t];
                // A thread waits once at a time: an open wait lost its WAIT_END.
                if (!tr.waits.empty() && tr.waits.back().end == 0) tr.waits.back().end = h.ts;
                WaitSpan w;
                w.begin = h.ts;
                w.ep = r.ep;
                w.epfd = r.epfd;
                tr.waits.push_back(w);
                state_[t].harvested_in_wait = false;
                state_[t].open_harvest = SIZE_MAX;
            }
            break;
        case EP_KIND_WAIT_SLEEP: {
            std::size_t t = track(h.tid, h.tgid);
            ThreadTrack& tr = threads_[t];
            if (!tr.waits.empty() && tr.waits.back().end == 0 && tr.waits.back().sleep == 0) {
                tr.waits.back().sleep = h.ts;
            }
            break;
        }
        case EP_KIND_WAIT_END:
            if (rec.size() == sizeof(ep_wait_end)) {
                const ep_wait_end& r = rec.as<ep_wait_end>();
                std::size_t t = track(h.tid, h.tgid);
                ThreadTrack& tr = threads_[t];
                State& st = state_[t];
                if (tr.waits.empty() || tr.waits.back().end != 0) {
                    // Began before the trace did: only its end is known.
                    WaitSpan w;
                    w.begin = h.ts;
                    w.ep = r.ep;
                    w.epfd = r.epfd;
                    tr.waits.push_back(w);
                }
                tr.waits.back().end = h.ts;
                tr.waits.back().result = r.result;
                if (st.open_harvest != SIZE_MAX) {
                    // The events are read from the user buffer when the call
                    // returns: the result is the count when no HARVEST_ITEM came.
                    TimeMark& m = tr.marks[st.open_harvest];
                    if (m.count == 0 && r.result > 0)
                        m.count = static_cast<std::uint32_t>(r.result);
                } else if (!st.harvested_in_wait && r.result > 0) {
                    // No harvest records (syscall-level backend): the call's result.
                    TimeMark m;
                    m.ts = h.ts;
                    m.kind = MarkKind::Harvest;
                    m.count = static_cast<std::uint32_t>(r.result);
                    m.ep = r.ep;
                    tr.marks.push_back(m);
                }
                st.open_harvest = SIZE_MAX;
                st.harvested_in_wait = false;
            }
            break;
        case EP_KIND_HARVEST_BEGIN:
            if (rec.size() == sizeof(ep_harvest_begin)) {
                std::size_t t = track(h.tid, h.tgid);
                TimeMark m;
                m.ts = h.ts;
                m.kind = MarkKind::Harvest;
                m.ep = rec.as<ep_harvest_begin>().ep;
                state_[t].open_harvest = threads_[t].marks.size();
                state_[t].harvested_in_wait = true;
                threads_[t].marks.push_back(m);
            }
            break;
        case EP_KIND_HARVEST_ITEM: {
            std::size_t t = track(h.tid, h.tgid);
            if (state_[t].open_harvest != SIZE_MAX)
                ++threads_[t].marks[state_[t].open_harvest].count;
            break;
        }
        default:
            break;
    }
}

float TimeWindow::x_of(std::uint64_t ts) const {
    const double span = static_cast<double>(t1 - t0);
    const double d = static_cast<double>(ts) - static_cast<double>(t0);
    return static_cast<float>(d * width / span);
}

std::uint64_t TimeWindow::ts_of(float x) const {
    const double span = static_cast<double>(t1 - t0);
    const double d = static_cast<double>(x) * span / width;
    if (d <= -static_cast<double>(t0)) return 0;
    return static_cast<std::uint64_t>(std::llround(static_cast<double>(t0) + d));
}

namespace {

float clampx(float x, float w) { return std::clamp(x, 0.0f, w); }

// Appends `m` or merges it into the last mark of its kind it would overlap.
void put_mark(std::vector<LaneMark>& out, std::array<std::size_t, 4>& last, const TimeMark& t,
              float x) {
    const std::size_t k = static_cast<std::size_t>(t.kind);
    if (last[k] != SIZE_MAX && x < out[last[k]].x_end + mark_merge_px(t.kind)) {
        LaneMark& prev = out[last[k]];
        prev.x_end = std::max(prev.x_end, x);
        ++prev.n;
        prev.count += t.count;
        return;
    }
    LaneMark m;
    m.x = x;
    m.x_end = x;
    m.kind = t.kind;
    m.outcome = t.outcome;
    m.fd = t.fd;
    m.other_tid = t.other_tid;
    m.count = t.count;
    m.ts = t.ts;
    last[k] = out.size();
    out.push_back(m);
}

void marks_in(const std::vector<TimeMark>& marks, const TimeWindow& w, std::int32_t only_fd,
              std::vector<LaneMark>& out, std::array<std::size_t, 4>& last) {
    auto it = std::partition_point(marks.begin(), marks.end(),
                                   [&](const TimeMark& m) { return m.ts < w.t0; });
    for (; it != marks.end() && it->ts <= w.t1; ++it) {
        if (only_fd >= 0 && (it->kind != MarkKind::Callback || it->fd != only_fd)) continue;
        put_mark(out, last, *it, clampx(w.x_of(it->ts), w.width));
    }
}

}  // namespace

std::vector<Lane> timeline_lanes(const TimelineIndex& idx, const TimeWindow& w, std::size_t first,
                                 std::size_t count) {
    std::vector<Lane> lanes;
    const std::vector<ThreadTrack>& th = idx.threads();
    if (w.t1 <= w.t0 || first >= th.size()) return lanes;
    const std::size_t last = count >= th.size() - first ? th.size() : first + count;
    lanes.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
        const ThreadTrack& t = th[i];
        Lane lane;
        lane.tid = t.tid;
        lane.tgid = t.tgid;
        // Waits are in time order and do not overlap: the first one ending at
        // or after t0 (or still open) starts the window.
        auto it = std::partition_point(t.waits.begin(), t.waits.end(), [&](const WaitSpan& s) {
            return s.end != 0 && s.end < w.t0;
        });
        for (; it != t.waits.end() && it->begin <= w.t1; ++it) {
            const bool open = it->end == 0;
            const float x0 = clampx(w.x_of(it->begin), w.width);
            const float x1 = clampx(w.x_of(open ? idx.last_ts() : it->end), w.width);
            const float xs = it->sleep != 0 ? clampx(w.x_of(it->sleep), w.width) : x1;
            if (!lane.segments.empty() && x0 < lane.segments.back().x1 + 1.0f) {
                // Same pixel as the previous wait: one box; its sleep starts
                // at the first merged wait that slept.
                LaneSegment& prev = lane.segments.back();
                if (prev.x_sleep >= prev.x1) prev.x_sleep = xs;
                prev.x1 = std::max(prev.x1, x1);
                prev.open = open;
                ++prev.waits;
                continue;
            }
            LaneSegment s;
            s.x0 = x0;
            s.x1 = x1;
            s.x_sleep = xs;
            s.open = open;
            s.epfd = it->epfd;
            s.result = it->result;
            lane.segments.push_back(s);
        }
        std::array<std::size_t, 4> last_of{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
        marks_in(t.marks, w, -1, lane.marks, last_of);
        lanes.push_back(std::move(lane));
    }
    return lanes;
}

std::vector<LaneMark> item_callbacks(const TimelineIndex& idx, std::int32_t fd,
                                     const TimeWindow& w) {
    std::vector<LaneMark> all;
    if (w.t1 <= w.t0 || fd < 0) return all;
    for (const ThreadTrack& t : idx.threads()) {
        std::vector<LaneMark> one;
        std::array<std::size_t, 4> last_of{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
        marks_in(t.marks, w, fd, one, last_of);
        all.insert(all.end(), one.begin(), one.end());
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const LaneMark& a, const LaneMark& b) { return a.ts < b.ts; });
    // Merge across threads too: one mark per pixel.
    std::vector<LaneMark> out;
    for (const LaneMark& m : all) {
        if (!out.empty() && m.x < out.back().x_end + kMarkMergePx) {
            out.back().n += m.n;
            out.back().x_end = std::max(out.back().x_end, m.x_end);
            continue;
        }
        out.push_back(m);
    }
    return out;
}

TimeWindow zoom_window(const TimeWindow& w, std::uint64_t anchor_ts, double factor,
                       std::uint64_t lo, std::uint64_t hi, std::uint64_t min_span) {
    const double span = static_cast<double>(w.t1 - w.t0);
    const double full = static_cast<double>(hi > lo ? hi - lo : 1);
    const double ns =
        std::clamp(span * factor, std::min(static_cast<double>(min_span), full), full);
    anchor_ts = std::clamp(anchor_ts, w.t0, w.t1);
    const double f = span > 0 ? static_cast<double>(anchor_ts - w.t0) / span : 0.5;
    double t0 = static_cast<double>(anchor_ts) - f * ns;
    t0 = std::clamp(t0, static_cast<double>(lo), static_cast<double>(lo) + full - ns);
    TimeWindow out = w;
    out.t0 = static_cast<std::uint64_t>(t0);
    out.t1 = out.t0 + std::max<std::uint64_t>(1, static_cast<std::uint64_t>(ns));
    return out;
}

TimeWindow pan_window(const TimeWindow& w, float dx, std::uint64_t lo, std::uint64_t hi) {
    const double span = static_cast<double>(w.t1 - w.t0);
    const double shift = static_cast<double>(dx) * span / w.width;
    const double full = static_cast<double>(hi > lo ? hi - lo : 1);
    double t0 = static_cast<double>(w.t0) + shift;
    t0 = std::clamp(t0, static_cast<double>(lo),
                    static_cast<double>(lo) + std::max(0.0, full - span));
    TimeWindow out = w;
    out.t0 = static_cast<std::uint64_t>(t0);
    out.t1 = out.t0 + (w.t1 - w.t0);
    return out;
}

}  // namespace epscope::view
