#include "view/timeline.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace epscope::view {

TimelineIndex::TimelineIndex(std::size_t detail_limit) : detail_limit_(detail_limit) {}

TimelineIndex TimelineIndex::span(std::uint64_t from, std::uint64_t until) {
    TimelineIndex t(SIZE_MAX);
    t.summarise_ = false;
    t.span_from_ = from;
    t.last_ts_ = until;
    return t;
}

const ThreadTrack* TimelineIndex::thread(std::uint32_t tid) const {
    auto it = by_tid_.find(tid);
    return it == by_tid_.end() ? nullptr : &threads_[it->second];
}

std::size_t TimelineIndex::memory_bytes() const {
    std::size_t n = threads_.capacity() * sizeof(ThreadTrack) + state_.capacity() * sizeof(State) +
                    open_.capacity() * sizeof(Open) + (by_tid_.size() + fd_of_epi_.size()) * 32;
    for (const ThreadTrack& t : threads_) {
        n += t.waits.capacity() * sizeof(WaitSpan) + t.marks.capacity() * sizeof(TimeMark) +
             t.summary.capacity() * sizeof(LaneBucket);
    }
    return n;
}

std::size_t TimelineIndex::track(std::uint32_t tid, std::uint32_t tgid) {
    auto [it, fresh] = by_tid_.try_emplace(tid, threads_.size());
    if (fresh) {
        threads_.push_back(ThreadTrack{tid, tgid, {}, {}, {}});
        state_.emplace_back();
        open_.emplace_back();
    } else if (threads_[it->second].tgid == 0) {
        // First seen as the target of a wakeup; now its own record says its process.
        threads_[it->second].tgid = tgid;
    }
    return it->second;
}

namespace {

LaneBucket merged(const LaneBucket& a, const LaneBucket& b) {
    LaneBucket m = a;
    m.blocked_ns += b.blocked_ns;
    m.asleep_ns += b.asleep_ns;
    m.waits += b.waits;
    m.harvested += b.harvested;
    for (std::size_t k = 0; k < 4; ++k) {
        if (a.marks[k] == 0 && b.marks[k] != 0) {
            m.fd[k] = b.fd[k];
            m.other_tid[k] = b.other_tid[k];
            if (k == static_cast<std::size_t>(MarkKind::Callback)) {
                m.outcome = b.outcome;
                m.stale = b.stale;
            }
        }
        m.marks[k] += b.marks[k];
    }
    return m;
}

}  // namespace

// Widens the buckets (doubling, pairs merged) until `ts` falls in the last.
void TimelineIndex::fit(std::uint64_t ts) {
    if (!have_origin_) {
        origin_ = ts;
        have_origin_ = true;
    }
    while (ts >= origin_ && ts - origin_ >= bucket_ns_ * kSummaryBuckets) {
        for (ThreadTrack& t : threads_) {
            if (t.summary.empty()) continue;
            for (std::size_t i = 0; i < kSummaryBuckets / 2; ++i)
                t.summary[i] = merged(t.summary[2 * i], t.summary[2 * i + 1]);
            std::fill(t.summary.begin() + kSummaryBuckets / 2, t.summary.end(), LaneBucket{});
        }
        bucket_ns_ *= 2;
    }
}

LaneBucket& TimelineIndex::bucket(std::size_t t, std::uint64_t ts) {
    std::vector<LaneBucket>& s = threads_[t].summary;
    if (s.empty()) s.resize(kSummaryBuckets);
    const std::uint64_t i = ts > origin_ ? (ts - origin_) / bucket_ns_ : 0;
    return s[std::min<std::uint64_t>(i, kSummaryBuckets - 1)];
}

// The summary's share of a wait that ended: its time blocked and asleep,
// spread over the buckets it covers.
void TimelineIndex::end_wait(std::size_t t, std::uint64_t end) {
    Open& o = open_[t];
    if (o.begin == 0 || !summarise_) {
        o = Open{};
        return;
    }
    auto spread = [&](std::uint64_t from, std::uint64_t to, bool asleep) {
        while (from < to) {
            const std::uint64_t i = from > origin_ ? (from - origin_) / bucket_ns_ : 0;
            const std::uint64_t edge = origin_ + (i + 1) * bucket_ns_;
            const std::uint64_t upto = std::min(to, std::max(edge, from + 1));
            LaneBucket& b = bucket(t, from);
            (asleep ? b.asleep_ns : b.blocked_ns) += upto - from;
            from = upto;
        }
    };
    spread(o.begin, end, false);
    if (o.sleep != 0) spread(o.sleep, end, true);
    o = Open{};
}

void TimelineIndex::push_mark(std::size_t t, const TimeMark& m) {
    if (detailed_) threads_[t].marks.push_back(m);
    if (!summarise_) return;
    LaneBucket& b = bucket(t, m.ts);
    const std::size_t k = static_cast<std::size_t>(m.kind);
    if (b.marks[k]++ == 0) {
        b.fd[k] = m.fd;
        b.other_tid[k] = m.other_tid;
        if (m.kind == MarkKind::Callback) {
            b.outcome = m.outcome;
            b.stale = m.stale;
        }
    }
    b.harvested += m.count;
}

// `n` more events for the thread's running Harvest mark.
void TimelineIndex::count_harvested(std::size_t t, std::uint32_t n) {
    State& st = state_[t];
    st.harvest_count += n;
    if (detailed_ && st.open_harvest != SIZE_MAX) threads_[t].marks[st.open_harvest].count += n;
    if (summarise_) bucket(t, st.harvest_ts).harvested += n;
}

void TimelineIndex::drop_detail() {
    detailed_ = false;
    for (ThreadTrack& t : threads_) {
        t.waits = {};
        t.marks = {};
    }
    for (State& st : state_) st.open_harvest = SIZE_MAX;
}

void TimelineIndex::unstale(std::uint64_t file, std::int32_t fd) {
    if (stale_keys_.empty()) return;
    stale_keys_.erase(std::remove(stale_keys_.begin(), stale_keys_.end(),
                                  std::pair<std::uint64_t, std::int32_t>(file, fd)),
                      stale_keys_.end());
}

void TimelineIndex::add(const stream::Record& rec) {
    ++records_;
    const ep_header& h = rec.header();
    last_ts_ = std::max<std::uint64_t>(last_ts_, h.ts);
    if (summarise_) fit(h.ts);
    add_detail(rec);
    if (detailed_ && records_ > detail_limit_) drop_detail();
}

// An insert or modify names its epitem's fd (for WAKEUP); an insert or a remove of a stale
// item's key ends its staleness.
void TimelineIndex::on_item_ctl(const stream::Record& rec) {
    if (rec.kind() == EP_KIND_ITEM_REMOVE) {
        const ep_item_remove& r = rec.as<ep_item_remove>();
        if (r.result == 0) unstale(r.file, r.fd);
        return;
    }
    const ep_item_ctl& r = rec.as<ep_item_ctl>();
    if (r.epi != 0 && r.result == 0) fd_of_epi_[r.epi] = r.fd;
    if (rec.kind() == EP_KIND_ITEM_INSERT && r.result == 0) unstale(r.file, r.fd);
}

void TimelineIndex::on_fd_close(const ep_fd_close& r) {
    if (r.shared == 1 && r.file != 0) stale_keys_.emplace_back(r.file, r.fd);
}

void TimelineIndex::on_callback(const ep_header& h, const ep_callback& r) {
    if (r.epi != 0) fd_of_epi_[r.epi] = r.fd;
    std::size_t t = track(h.tid, h.tgid);
    state_[t].last_cb_fd = r.fd;
    TimeMark m;
    m.ts = h.ts;
    m.kind = MarkKind::Callback;
    m.outcome = r.outcome;
    m.fd = r.fd;
    m.ep = r.ep;
    m.stale = std::find(stale_keys_.begin(), stale_keys_.end(),
                        std::pair<std::uint64_t, std::int32_t>(r.file, r.fd)) != stale_keys_.end();
    push_mark(t, m);
}

// A Woke mark on the waker's lane and a Woken mark on the woken thread's.
void TimelineIndex::on_wakeup(const ep_header& h, const ep_wakeup& r) {
    std::size_t waker = track(h.tid, h.tgid);
    std::int32_t fd = state_[waker].last_cb_fd;
    if (auto f = fd_of_epi_.find(r.epi); r.epi != 0 && f != fd_of_epi_.end()) fd = f->second;
    TimeMark m;
    m.ts = h.ts;
    m.kind = MarkKind::Woke;
    m.fd = fd;
    m.other_tid = r.woken_tid;
    m.ep = r.ep;
    push_mark(waker, m);
    std::size_t woken = track(r.woken_tid, 0);
    m.kind = MarkKind::Woken;
    m.other_tid = h.tid;
    push_mark(woken, m);
}

void TimelineIndex::wait_began(const ep_header& h, const ep_wait_begin& r) {
    std::size_t t = track(h.tid, h.tgid);
    ThreadTrack& tr = threads_[t];
    // A thread waits once at a time: an open wait lost its WAIT_END.
    if (detailed_ && !tr.waits.empty() && tr.waits.back().end == 0) tr.waits.back().end = h.ts;
    end_wait(t, h.ts);
    if (detailed_) {
        WaitSpan w;
        w.begin = h.ts;
        w.ep = r.ep;
        w.epfd = r.epfd;
        tr.waits.push_back(w);
    }
    if (summarise_) {
        open_[t].begin = h.ts;
        ++bucket(t, h.ts).waits;
    }
    state_[t].harvested_in_wait = false;
    state_[t].open_harvest = SIZE_MAX;
    state_[t].harvest_open = false;
}

void TimelineIndex::wait_slept(const ep_header& h) {
    std::size_t t = track(h.tid, h.tgid);
    ThreadTrack& tr = threads_[t];
    if (detailed_ && !tr.waits.empty() && tr.waits.back().end == 0 && tr.waits.back().sleep == 0)
        tr.waits.back().sleep = h.ts;
    if (open_[t].begin != 0 && open_[t].sleep == 0) open_[t].sleep = h.ts;
}

void TimelineIndex::harvest_began(const ep_header& h, const ep_harvest_begin& r) {
    std::size_t t = track(h.tid, h.tgid);
    TimeMark m;
    m.ts = h.ts;
    m.kind = MarkKind::Harvest;
    m.ep = r.ep;
    State& st = state_[t];
    st.open_harvest = detailed_ ? threads_[t].marks.size() : SIZE_MAX;
    st.harvest_open = true;
    st.harvest_ts = h.ts;
    st.harvest_count = 0;
    st.harvested_in_wait = true;
    push_mark(t, m);
}

// Records of a size other than their kind's layout are ignored (a damaged trace).
void TimelineIndex::add_detail(const stream::Record& rec) {
    const ep_header& h = rec.header();
    switch (rec.kind()) {
        case EP_KIND_ITEM_INSERT:
        case EP_KIND_ITEM_MODIFY:
            if (rec.size() == sizeof(ep_item_ctl)) on_item_ctl(rec);
            break;
        case EP_KIND_ITEM_REMOVE:
            if (rec.size() == sizeof(ep_item_remove)) on_item_ctl(rec);
            break;
        case EP_KIND_FD_CLOSE:
            if (rec.size() == sizeof(ep_fd_close)) on_fd_close(rec.as<ep_fd_close>());
            break;
        case EP_KIND_CALLBACK:
            if (rec.size() == sizeof(ep_callback)) on_callback(h, rec.as<ep_callback>());
            break;
        case EP_KIND_WAKEUP:
            if (rec.size() == sizeof(ep_wakeup)) on_wakeup(h, rec.as<ep_wakeup>());
            break;
        case EP_KIND_WAIT_BEGIN:
            if (rec.size() == sizeof(ep_wait_begin)) wait_began(h, rec.as<ep_wait_begin>());
            break;
        case EP_KIND_WAIT_SLEEP:
            wait_slept(h);
            break;
        case EP_KIND_WAIT_END:
            if (rec.size() == sizeof(ep_wait_end)) wait_ended(rec);
            break;
        case EP_KIND_HARVEST_BEGIN:
            if (rec.size() == sizeof(ep_harvest_begin))
                harvest_began(h, rec.as<ep_harvest_begin>());
            break;
        case EP_KIND_HARVEST_ITEM: {
            std::size_t t = track(h.tid, h.tgid);
            if (state_[t].harvest_open) count_harvested(t, 1);
            break;
        }
        default:
            break;
    }
}

void TimelineIndex::wait_ended(const stream::Record& rec) {
    const ep_header& h = rec.header();
    const ep_wait_end& r = rec.as<ep_wait_end>();
    std::size_t t = track(h.tid, h.tgid);
    ThreadTrack& tr = threads_[t];
    State& st = state_[t];
    // Began before the trace (or the span read back) did: only its end is known.
    const std::uint64_t begin = span_from_ != 0 ? std::min<std::uint64_t>(span_from_, h.ts) : h.ts;
    if (detailed_) {
        if (tr.waits.empty() || tr.waits.back().end != 0) {
            WaitSpan w;
            w.begin = begin;
            w.ep = r.ep;
            w.epfd = r.epfd;
            tr.waits.push_back(w);
        }
        tr.waits.back().end = h.ts;
        tr.waits.back().result = r.result;
    }
    if (summarise_ && open_[t].begin == 0) {
        open_[t].begin = begin;
        ++bucket(t, begin).waits;
    }
    end_wait(t, h.ts);
    if (st.harvest_open) {
        // The events are read from the user buffer when the call
        // returns: the result is the count when no HARVEST_ITEM came.
        if (st.harvest_count == 0 && r.result > 0)
            count_harvested(t, static_cast<std::uint32_t>(r.result));
    } else if (!st.harvested_in_wait && r.result > 0) {
        // No harvest records (syscall-level backend): the call's result.
        TimeMark m;
        m.ts = h.ts;
        m.kind = MarkKind::Harvest;
        m.count = static_cast<std::uint32_t>(r.result);
        m.ep = r.ep;
        push_mark(t, m);
    }
    st.open_harvest = SIZE_MAX;
    st.harvest_open = false;
    st.harvested_in_wait = false;
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
    m.stale = t.kind == MarkKind::Callback && t.stale != 0;
    m.fd = t.fd;
    m.other_tid = t.other_tid;
    m.count = t.count;
    m.ts = t.ts;
    last[k] = out.size();
    out.push_back(m);
}

// Appends `m` or merges it into the last run of its kind it would overlap.
void put_run(std::vector<LaneMark>& out, std::array<std::size_t, 4>& last, const LaneMark& m) {
    const std::size_t k = static_cast<std::size_t>(m.kind);
    if (last[k] != SIZE_MAX && m.x < out[last[k]].x_end + mark_merge_px(m.kind)) {
        LaneMark& prev = out[last[k]];
        prev.x_end = std::max(prev.x_end, m.x_end);
        prev.n += m.n;
        prev.count += m.count;
        return;
    }
    last[k] = out.size();
    out.push_back(m);
}

// Appends `s` or, when it touches the previous box's pixel, merges them into
// one box whose sleep starts at the first merged wait that slept.
void put_segment(std::vector<LaneSegment>& out, const LaneSegment& s) {
    if (!out.empty() && s.x0 < out.back().x1 + 1.0f) {
        LaneSegment& prev = out.back();
        if (prev.x_sleep >= prev.x1) prev.x_sleep = s.x_sleep;
        prev.x1 = std::max(prev.x1, s.x1);
        prev.open = s.open;
        prev.waits += s.waits;
        return;
    }
    out.push_back(s);
}

void marks_in(const std::vector<TimeMark>& marks, const TimeWindow& w, std::int32_t only_fd,
              std::vector<LaneMark>& out, std::array<std::size_t, 4>& last,
              bool only_stale = false) {
    auto it = std::partition_point(marks.begin(), marks.end(),
                                   [&](const TimeMark& m) { return m.ts < w.t0; });
    for (; it != marks.end() && it->ts <= w.t1; ++it) {
        if (only_fd >= 0 &&
            (it->kind != MarkKind::Callback || it->fd != only_fd || (it->stale != 0) != only_stale))
            continue;
        put_mark(out, last, *it, clampx(w.x_of(it->ts), w.width));
    }
}

}  // namespace

namespace {

// Waits are in time order and do not overlap: the first one ending at or
// after t0 (or still open) starts the window.
void cut_waits(const ThreadTrack& t, const TimeWindow& w, std::uint64_t known_until, Lane& lane) {
    auto it = std::partition_point(t.waits.begin(), t.waits.end(),
                                   [&](const WaitSpan& s) { return s.end != 0 && s.end < w.t0; });
    for (; it != t.waits.end() && it->begin <= w.t1; ++it) {
        const bool open = it->end == 0;
        const float x0 = clampx(w.x_of(it->begin), w.width);
        const float x1 = clampx(w.x_of(open ? known_until : it->end), w.width);
        const float xs = it->sleep != 0 ? clampx(w.x_of(it->sleep), w.width) : x1;
        LaneSegment s;
        s.x0 = x0;
        s.x1 = x1;
        s.x_sleep = xs;
        s.open = open;
        s.epfd = it->epfd;
        s.result = it->result;
        put_segment(lane.segments, s);
    }
}

Lane detail_lane(const ThreadTrack& t, const TimeWindow& w, std::uint64_t known_until) {
    Lane lane;
    lane.tid = t.tid;
    lane.tgid = t.tgid;
    cut_waits(t, w, known_until, lane);
    std::array<std::size_t, 4> last_of{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
    marks_in(t.marks, w, -1, lane.marks, last_of);
    return lane;
}

// Zoomed out past the detail: a box per bucket as long as the bucket's time
// blocked (its asleep part at the end), a run per bucket and mark kind.
Lane summary_lane(const TimelineIndex& idx, std::size_t i, const TimeWindow& w) {
    const ThreadTrack& t = idx.threads()[i];
    Lane lane;
    lane.tid = t.tid;
    lane.tgid = t.tgid;
    const double px_per_ns = static_cast<double>(w.width) / static_cast<double>(w.t1 - w.t0);
    const std::uint64_t bn = idx.bucket_ns();
    std::array<std::size_t, 4> last_of{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
    const std::uint64_t o = idx.origin();
    const std::uint64_t b0 = w.t0 > o ? (w.t0 - o) / bn : 0;
    for (std::uint64_t b = b0; b < t.summary.size() && o + b * bn <= w.t1; ++b) {
        const LaneBucket& k = t.summary[b];
        const float bx0 = clampx(w.x_of(o + b * bn), w.width);
        const float bx1 = clampx(w.x_of(o + (b + 1) * bn), w.width);
        if (k.blocked_ns != 0) {
            LaneSegment s;
            s.x0 = bx0;
            s.x1 = std::min(
                bx1, bx0 + static_cast<float>(static_cast<double>(k.blocked_ns) * px_per_ns));
            s.x_sleep = std::max(
                s.x0, s.x1 - static_cast<float>(static_cast<double>(k.asleep_ns) * px_per_ns));
            s.waits = std::max<std::uint32_t>(1, k.waits);
            put_segment(lane.segments, s);
        }
        for (std::size_t kind = 0; kind < 4; ++kind) {
            if (k.marks[kind] == 0) continue;
            LaneMark m;
            m.x = bx0;
            m.x_end = k.marks[kind] > 1 ? std::max(bx0, bx1 - 1) : bx0;
            m.kind = static_cast<MarkKind>(kind);
            m.outcome = k.outcome;
            m.stale = m.kind == MarkKind::Callback && k.stale != 0;
            m.fd = k.fd[kind];
            m.other_tid = k.other_tid[kind];
            m.count = m.kind == MarkKind::Harvest ? k.harvested : 0;
            m.n = k.marks[kind];
            m.ts = o + b * bn;
            put_run(lane.marks, last_of, m);
        }
    }
    if (const std::uint64_t ob = idx.open_begin(i); ob != 0 && ob <= w.t1) {
        LaneSegment s;
        s.x0 = clampx(w.x_of(ob), w.width);
        s.x1 = clampx(w.x_of(idx.last_ts()), w.width);
        const std::uint64_t os = idx.open_sleep(i);
        s.x_sleep = os != 0 ? clampx(w.x_of(os), w.width) : s.x1;
        s.open = true;
        put_segment(lane.segments, s);
    }
    return lane;
}

}  // namespace

std::vector<Lane> timeline_lanes(const TimelineIndex& idx, const TimeWindow& w, std::size_t first,
                                 std::size_t count, const TimelineIndex* detail) {
    std::vector<Lane> lanes;
    const std::vector<ThreadTrack>& th = idx.threads();
    if (w.t1 <= w.t0 || first >= th.size()) return lanes;
    const std::size_t last = count >= th.size() - first ? th.size() : first + count;
    lanes.reserve(last - first);
    for (std::size_t i = first; i < last; ++i) {
        if (idx.detailed()) {
            lanes.push_back(detail_lane(th[i], w, idx.last_ts()));
        } else if (detail != nullptr) {
            const ThreadTrack* t = detail->thread(th[i].tid);
            lanes.push_back(t ? detail_lane(*t, w, detail->last_ts())
                              : Lane{th[i].tid, th[i].tgid, {}, {}});
        } else {
            lanes.push_back(summary_lane(idx, i, w));
        }
    }
    return lanes;
}

std::vector<LaneMark> item_callbacks(const TimelineIndex& idx, std::int32_t fd, const TimeWindow& w,
                                     bool stale) {
    std::vector<LaneMark> all;
    if (w.t1 <= w.t0 || fd < 0 || !idx.detailed()) return all;
    for (const ThreadTrack& t : idx.threads()) {
        std::vector<LaneMark> one;
        std::array<std::size_t, 4> last_of{SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX};
        marks_in(t.marks, w, fd, one, last_of, stale);
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

std::string wall_clock(std::int64_t realtime_offset_ns, std::uint64_t ts) {
    if (realtime_offset_ns == 0) return {};
    const std::int64_t ns = static_cast<std::int64_t>(ts) + realtime_offset_ns;
    const std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
    std::tm tm{};
    if (::localtime_r(&secs, &tm) == nullptr) return {};
    char date[48];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    char zone[16];
    std::strftime(zone, sizeof zone, "%Z", &tm);
    char out[96];
    std::snprintf(out, sizeof out, "%s.%06lld %s", date,
                  static_cast<long long>(ns % 1'000'000'000 / 1000), zone);
    return out;
}

}  // namespace epscope::view
