#include "view/replay.hpp"

#include <algorithm>

#include "trace/reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::view {

Replay::Replay(const std::filesystem::path& path, ReplayLimits limits)
    : source_(path.string()),
      timeline_(limits.timeline_detail),
      model_(std::make_unique<model::Model>()),
      limits_(limits) {
    std::unique_ptr<trace::TraceReader> reader;
    try {
        reader = std::make_unique<trace::TraceReader>(path);
        header_ = reader->header();
        visibility_ = trace::visibility_of(header_);
    } catch (const trace::TraceError& e) {
        open_error_ = e.what();
        return;
    }
    read_file(*reader);
    store_.use_file(std::move(reader));
    settle_at_end();
    cursor_ts_ = last_ts_;
}

// The one pass over the file: the model is built, checkpoints taken and the
// chunks indexed as they go by; the records themselves are not kept.
void Replay::read_file(trace::TraceReader& reader) {
    const std::vector<trace::ChunkInfo>& chunks = reader.chunks();
    std::size_t chunk = 0;
    std::uint32_t in_chunk = 0;
    try {
        stream::Record rec;
        while (reader.next(rec)) {
            const std::uint64_t ts = rec.header().ts;
            if (applied_ == 0) first_ts_ = last_ts_ = ts;
            last_ts_ = std::max(last_ts_, ts);
            if (rec.kind() == EP_KIND_LOST && rec.size() == sizeof(ep_lost))
                lost_total_ += rec.as<ep_lost>().count;
            count_kind(rec);
            apply(rec);
            counters_.sample(*model_, ts);
            note_busiest();
            timeline_.add(rec);
            // A chunk is delivered whole or not at all (the reader checks it
            // before its first record): count it once its last record is in.
            if (++in_chunk == chunks[chunk].record_count) {
                store_.add_chunk(in_chunk, chunks[chunk].last_ts);
                ++chunk;
                in_chunk = 0;
            }
        }
    } catch (const trace::TraceError& e) {
        damage_ = e.what();
    }
    if (damage_.empty() && reader.truncated()) damage_ = reader.incomplete_note();
}

void Replay::apply(const stream::Record& rec) {
    model_->on_record(rec);
    ++applied_;
    const std::size_t at = applied_;
    if (at % checkpoint_every_ != 0) return;
    if (!checkpoints_.empty() && checkpoints_.back().at >= at) return;  // taken before
    Checkpoint c;
    c.at = at;
    c.bytes = model_->memory_bytes() + sizeof(model::Model);
    c.model = std::make_unique<const model::Model>(*model_);
    checkpoint_bytes_ += c.bytes;
    checkpoints_.push_back(std::move(c));
    while (checkpoint_bytes_ > limits_.checkpoint_bytes && checkpoints_.size() > 1) {
        checkpoint_every_ *= 2;
        std::erase_if(checkpoints_, [&](const Checkpoint& k) {
            if (k.at % checkpoint_every_ == 0) return false;
            checkpoint_bytes_ -= k.bytes;
            return true;
        });
    }
}

std::size_t Replay::memory_bytes() const {
    return store_.memory_bytes() + timeline_.memory_bytes() + counters_.memory_bytes() +
           checkpoint_bytes_ + checkpoints_.capacity() * sizeof(Checkpoint);
}

TimelineIndex Replay::span_timeline(std::size_t from, std::size_t to, std::uint64_t t0,
                                    std::uint64_t t1) const {
    TimelineIndex idx = TimelineIndex::span(t0, std::min(t1, last_ts_));
    to = std::min(to, store_.size());
    for (std::size_t i = from; i < to; ++i) idx.add(store_.at(i));
    return idx;
}

void Replay::settle_at_end() {
    if (!live_ && applied_ == store_.size()) model_->flush_all_deferred();
}

Replay::Replay(LiveTag, std::string source, ReplayLimits limits)
    : live_(true),
      source_(std::move(source)),
      timeline_(limits.timeline_detail),
      model_(std::make_unique<model::Model>()),
      limits_(limits) {
    const std::string why = store_.use_spool();
    if (!why.empty()) spool_note_ = " (no spool file: " + why + "; the records stay in memory)";
}

std::string Replay::source_label() const {
    return live_ ? live_status_ + spool_note_ : "file " + source_;
}

void Replay::restart(const trace::TraceHeader& header) {
    header_ = header;
    visibility_ = trace::visibility_of(header_);
    store_.clear();
    timeline_ = TimelineIndex(limits_.timeline_detail);
    counters_ = CounterIndex{};
    first_ts_ = last_ts_ = lost_total_ = 0;
    busiest_prefix_ = most_items_ = applied_ = 0;
    cursor_ts_ = 0;
    damage_.clear();
    open_error_.clear();
    model_ = std::make_unique<model::Model>();
    checkpoints_.clear();
    checkpoint_bytes_ = 0;
}

void Replay::note_busiest() {
    if (model_->live_items() >= most_items_ && model_->live_items() > 0) {
        most_items_ = model_->live_items();
        busiest_prefix_ = applied_;
    }
}

void Replay::count_kind(const stream::Record& rec) {
    if (rec.kind() < kind_counts_.size()) ++kind_counts_[rec.kind()];
}

std::uint64_t Replay::kind_count(std::uint32_t kind) const {
    return kind < kind_counts_.size() ? kind_counts_[kind] : 0;
}

std::uint32_t default_step_kind(const Replay& r) {
    // What a user steps through first: the kernel's story when the backend
    // saw it, else the syscalls' (a tracepoint trace has no callbacks).
    for (std::uint32_t k : {EP_KIND_CALLBACK, EP_KIND_WAKEUP, EP_KIND_HARVEST_BEGIN,
                            EP_KIND_HARVEST_ITEM, EP_KIND_WAIT_END, EP_KIND_ITEM_INSERT}) {
        if (r.kind_count(k) != 0) return k;
    }
    return EP_KIND_CALLBACK;
}

void Replay::append(const stream::Record& rec) {
    const bool following = applied_ == store_.size();
    store_.append(rec);
    timeline_.add(rec);
    const std::uint64_t ts = rec.header().ts;
    if (store_.size() == 1) first_ts_ = last_ts_ = ts;
    last_ts_ = std::max(last_ts_, ts);
    if (rec.kind() == EP_KIND_LOST && rec.size() == sizeof(ep_lost))
        lost_total_ += rec.as<ep_lost>().count;
    count_kind(rec);
    if (following) {
        apply(rec);
        counters_.sample(*model_, ts);
        cursor_ts_ = ts;
        note_busiest();
    }
}

std::string Replay::backend() const {
    auto b = header_.get(trace::kMetaBackend);
    return b ? std::string(*b) : std::string("unknown");
}

void Replay::seek(std::uint64_t ts) {
    seek_records(store_.prefix_until(ts));
    cursor_ts_ = ts;
}

Replay::Start Replay::checkpoint_before(std::size_t n) const {
    auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), n,
                               [](std::size_t v, const Checkpoint& c) { return v < c.at; });
    if (it == checkpoints_.begin()) return {};
    --it;
    return {it->at, it->model.get()};
}

void Replay::seek_records(std::size_t n) {
    n = std::min(n, store_.size());
    // The nearest checkpoint at or before n, else the start. Forward too
    // when it lies past the cursor: a jump far ahead replays from there.
    auto it = std::upper_bound(checkpoints_.begin(), checkpoints_.end(), n,
                               [](std::size_t v, const Checkpoint& c) { return v < c.at; });
    const bool ahead = it != checkpoints_.begin() && std::prev(it)->at > applied_;
    if (n < applied_ || ahead) {
        if (it == checkpoints_.begin()) {
            model_ = std::make_unique<model::Model>();
            applied_ = 0;
        } else {
            --it;
            model_ = std::make_unique<model::Model>(*it->model);
            applied_ = it->at;
        }
    }
    while (applied_ < n) apply_next();
    settle_at_end();
    cursor_ts_ = n == 0 ? first_ts_ : store_.at(n - 1).header().ts;
}

}  // namespace epscope::view
