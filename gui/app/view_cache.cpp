#include "app/view_cache.hpp"

#include "view/activity.hpp"

namespace epscope::gui {

const std::vector<view::InstanceRow>& ViewCache::rows(const view::Replay& r,
                                                      const view::BrowserQuery& q) {
    Key k = key_of(r, model::kNil);
    if (!(k == rows_key_) || q.filter != rows_filter_ || q.key != rows_sort_ ||
        q.descending != rows_desc_) {
        rows_ = view::browser_rows(r.model(), q);
        rows_key_ = k;
        rows_filter_ = q.filter;
        rows_sort_ = q.key;
        rows_desc_ = q.descending;
    }
    return rows_;
}

const view::TreeLayout& ViewCache::tree(const view::Replay& r, model::InstanceRef inst) {
    Key k = key_of(r, inst);
    if (!(k == tree_key_)) {
        // Playing or live, the cursor moves every frame but the tree mostly
        // keeps its shape: then only the marks change (a 10,000-item layout
        // costs milliseconds, its marks tens of microseconds).
        const ShapeKey s{&r, &r.model(), r.first_ts(), inst, r.model().shape_version()};
        if (s == tree_shape_) {
            view::refresh_marks(r.model(), inst, tree_);
        } else {
            tree_ = view::layout_tree(r.model(), inst);
            tree_shape_ = s;
        }
        view::mark_flash(tree_, view::recent_callbacks(r, inst, kFlashWindowNs));
        tree_key_ = k;
    }
    return tree_;
}

const view::TreeLayout& ViewCache::folded_tree(const view::Replay& r, model::InstanceRef inst,
                                               const std::set<std::int32_t>& folded) {
    const view::TreeLayout& whole = tree(r, inst);
    if (folded.empty()) return whole;
    Key k = key_of(r, inst);
    if (!(k == folded_key_) || folded != folded_set_) {
        folded_ = view::fold_tree(whole, folded);
        folded_key_ = k;
        folded_set_ = folded;
    }
    return folded_;
}

const view::Queues& ViewCache::queues(const view::Replay& r, model::InstanceRef inst) {
    Key k = key_of(r, inst);
    if (!(k == queues_key_)) {
        queues_ = view::queues_of(r.model(), inst);
        queues_key_ = k;
    }
    return queues_;
}

const std::vector<view::WaiterRow>& ViewCache::waiters(const view::Replay& r,
                                                       model::InstanceRef inst) {
    Key k = key_of(r, inst);
    if (!(k == waiters_key_)) {
        waiters_ = view::waiter_rows(r.model(), inst);
        waiters_key_ = k;
    }
    return waiters_;
}

const view::TimelineIndex* ViewCache::span_for(const view::Replay& r, const view::TimeWindow& w) {
    if (r.timeline().detailed()) return nullptr;
    const std::size_t from = r.records_until(w.t0 > 0 ? w.t0 - 1 : 0);
    const std::size_t to = r.records_until(w.t1);
    if (to - from > kSpanRecords) return nullptr;
    const SpanKey k{&r, from, to, w.t0, w.t1};
    if (!(k == span_key_)) {
        span_ = r.span_timeline(from, to, w.t0, w.t1);
        span_key_ = k;
    }
    return &span_;
}

const std::vector<view::Lane>& ViewCache::lanes(const view::Replay& r, const view::TimeWindow& w,
                                                std::size_t first, std::size_t count) {
    const view::TimelineIndex& idx = r.timeline();
    LanesKey k{w.t0, w.t1, w.width, first, count, idx.records(), &r};
    if (!(k == lanes_key_)) {
        lanes_ = view::timeline_lanes(idx, w, first, count, span_for(r, w));
        lanes_key_ = k;
    }
    return lanes_;
}

const view::SpanStats& ViewCache::span_stats(const view::Replay& r, std::uint64_t t0,
                                             std::uint64_t t1) {
    const StatsKey k{&r, t0, t1, r.record_count()};
    if (!(k == stats_key_)) {
        span_stats_ = view::span_stats(r, t0, t1);
        stats_key_ = k;
    }
    return span_stats_;
}

std::vector<view::LaneMark> ViewCache::item_callbacks(const view::Replay& r, std::int32_t fd,
                                                      const view::TimeWindow& w, bool stale) {
    const view::TimelineIndex* span = span_for(r, w);
    return view::item_callbacks(span ? *span : r.timeline(), fd, w, stale);
}

const std::vector<model::InstanceRef>& ViewCache::holding_fd(const view::Replay& r,
                                                             std::uint32_t pid, std::int32_t fd) {
    Key k = key_of(r, model::kNil);
    if (!(k == holding_key_) || pid != holding_pid_ || fd != holding_fd_) {
        holding_ = view::instances_holding_fd(r.model(), pid, fd);
        holding_key_ = k;
        holding_pid_ = pid;
        holding_fd_ = fd;
    }
    return holding_;
}

const view::InstanceDetails& ViewCache::instance_details(const view::Replay& r,
                                                         model::InstanceRef inst) {
    Key k = key_of(r, inst);
    if (!(k == inst_details_key_)) {
        inst_details_ = view::instance_details(r.model(), inst, r.visibility());
        inst_details_key_ = k;
    }
    return inst_details_;
}

const view::ItemDetails& ViewCache::item_details(const view::Replay& r, model::InstanceRef inst,
                                                 const view::ItemSel& sel) {
    Key k = key_of(r, inst);
    if (!(k == item_details_key_) || !(sel == item_details_sel_)) {
        item_details_ = view::item_details(r.model(), inst, sel, r.visibility());
        item_details_key_ = k;
        item_details_sel_ = sel;
    }
    return item_details_;
}

}  // namespace epscope::gui
