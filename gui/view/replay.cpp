#include "view/replay.hpp"

#include <algorithm>

#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::view {

Replay::Replay(const std::filesystem::path& path)
    : source_(path.string()), model_(std::make_unique<model::Model>()) {
    std::unique_ptr<trace::TraceReader> reader;
    try {
        reader = std::make_unique<trace::TraceReader>(path);
        header_ = reader->header();
    } catch (const trace::TraceError& e) {
        open_error_ = e.what();
        return;
    }
    try {
        stream::Record rec;
        while (reader->next(rec)) records_.push_back(rec);
    } catch (const trace::TraceError& e) {
        damage_ = e.what();
    }
    if (damage_.empty() && reader->truncated()) damage_ = reader->incomplete_note();
    for (const stream::Record& r : records_) {
        if (r.kind() == EP_KIND_LOST && r.size() == sizeof(ep_lost)) {
            lost_total_ += r.as<ep_lost>().count;
        }
    }
    if (!records_.empty()) {
        first_ts_ = records_.front().header().ts;
        last_ts_ = first_ts_;
        ts_max_.reserve(records_.size());
        for (const stream::Record& r : records_) note_ts(r);
    }
    while (applied_ < records_.size()) {
        apply_next();
        note_busiest();
    }
    settle_at_end();
    cursor_ts_ = last_ts_;
}

void Replay::note_ts(const stream::Record& rec) {
    last_ts_ = std::max<std::uint64_t>(last_ts_, rec.header().ts);
    ts_max_.push_back(ts_max_.empty() ? rec.header().ts
                                      : std::max<std::uint64_t>(ts_max_.back(), rec.header().ts));
}

void Replay::apply_next() {
    model_->on_record(records_[applied_]);
    ++applied_;
    const std::size_t at = applied_ + dropped_;
    if (at % checkpoint_every_ != 0) return;
    if (!checkpoints_.empty() && checkpoints_.back().at >= at) return;  // taken before
    Checkpoint c;
    c.at = at;
    c.bytes = model_->memory_bytes() + sizeof(model::Model);
    c.model = std::make_unique<const model::Model>(*model_);
    checkpoint_bytes_ += c.bytes;
    checkpoints_.push_back(std::move(c));
    while (checkpoint_bytes_ > kCheckpointBudget && checkpoints_.size() > 1) {
        checkpoint_every_ *= 2;
        std::erase_if(checkpoints_, [&](const Checkpoint& k) {
            if (k.at % checkpoint_every_ == 0) return false;
            checkpoint_bytes_ -= k.bytes;
            return true;
        });
    }
}

void Replay::trim() {
    if (!live_ || records_.size() <= live_limit_) return;
    // The latest checkpoint in the older half marks the cut.
    const std::size_t half = dropped_ + records_.size() / 2;
    auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), half,
                               [](std::size_t v, const Checkpoint& c) { return v < c.at; });
    if (it == checkpoints_.begin()) return;  // none yet: keep everything for now
    --it;
    const std::size_t cut = it->at - dropped_;
    base_ = std::shared_ptr<const model::Model>(std::move(it->model));
    for (auto k = checkpoints_.begin(); k != std::next(it); ++k) checkpoint_bytes_ -= k->bytes;
    checkpoints_.erase(checkpoints_.begin(), std::next(it));
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(cut));
    ts_max_.clear();
    for (const stream::Record& r : records_) note_ts(r);
    dropped_ += cut;
    if (applied_ >= cut) {
        applied_ -= cut;
    } else {
        // The cursor was in the part let go: it moves to the first record kept.
        model_ = std::make_unique<model::Model>(*base_);
        applied_ = 0;
        cursor_ts_ = records_.front().header().ts;
    }
    busiest_prefix_ = busiest_prefix_ > cut ? busiest_prefix_ - cut : 0;
    first_ts_ = records_.front().header().ts;
}

void Replay::settle_at_end() {
    if (!live_ && applied_ == records_.size()) model_->flush_all_deferred();
}

Replay::Replay(LiveTag, std::string source)
    : live_(true), source_(std::move(source)), model_(std::make_unique<model::Model>()) {}

std::string Replay::source_label() const { return live_ ? live_status_ : "file " + source_; }

void Replay::restart(const trace::TraceHeader& header) {
    header_ = header;
    records_.clear();
    ts_max_.clear();
    first_ts_ = last_ts_ = lost_total_ = 0;
    busiest_prefix_ = most_items_ = applied_ = 0;
    cursor_ts_ = 0;
    damage_.clear();
    open_error_.clear();
    model_ = std::make_unique<model::Model>();
    checkpoints_.clear();
    checkpoint_bytes_ = 0;
    dropped_ = 0;
    base_.reset();
}

void Replay::note_busiest() {
    if (model_->live_items() >= most_items_ && model_->live_items() > 0) {
        most_items_ = model_->live_items();
        busiest_prefix_ = applied_;
    }
}

void Replay::append(const stream::Record& rec) {
    const bool following = applied_ == records_.size();
    records_.push_back(rec);
    const std::uint64_t ts = rec.header().ts;
    if (records_.size() == 1) first_ts_ = last_ts_ = ts;
    note_ts(rec);
    if (rec.kind() == EP_KIND_LOST && rec.size() == sizeof(ep_lost))
        lost_total_ += rec.as<ep_lost>().count;
    if (following) {
        apply_next();
        cursor_ts_ = ts;
        note_busiest();
    }
    trim();
}

std::string Replay::backend() const {
    auto b = header_.get(trace::kMetaBackend);
    return b ? std::string(*b) : std::string("unknown");
}

void Replay::seek(std::uint64_t ts) {
    const auto later = std::upper_bound(ts_max_.begin(), ts_max_.end(), ts);
    seek_records(static_cast<std::size_t>(later - ts_max_.begin()));
    cursor_ts_ = ts;
}

void Replay::seek_records(std::size_t n) {
    n = std::min(n, records_.size());
    if (n < applied_) {
        // The nearest checkpoint at or before n, else the start.
        auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), n + dropped_,
                                   [](std::size_t v, const Checkpoint& c) { return v < c.at; });
        if (it == checkpoints_.begin()) {
            model_ =
                base_ ? std::make_unique<model::Model>(*base_) : std::make_unique<model::Model>();
            applied_ = 0;
        } else {
            --it;
            model_ = std::make_unique<model::Model>(*it->model);
            applied_ = it->at - dropped_;
        }
    }
    while (applied_ < n) apply_next();
    settle_at_end();
    cursor_ts_ = n == 0 ? first_ts_ : records_[n - 1].header().ts;
}

}  // namespace epscope::view
