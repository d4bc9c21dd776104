// A trace replayed into a model up to a cursor. The records stay in the file
// (a live stream's in a spool file, see record_store.hpp); memory holds the
// model at the cursor, an index of the file's blocks, and checkpoints. The
// GUI's timeline moves the cursor; moving forward feeds the records in
// between; moving back starts from the nearest earlier checkpoint (a copy of
// the model taken every so many records while they are first applied) and
// replays from there, so a seek costs at most one checkpoint interval.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "stream/record.hpp"
#include "trace/trace_header.hpp"
#include "trace/visibility.hpp"
#include "view/counters.hpp"
#include "view/record_store.hpp"
#include "view/timeline.hpp"

namespace epscope::view {

// What a replay may hold beside the model at the cursor (tests make these
// small to see the bounds at work on small traces).
struct ReplayLimits {
    // Model copies kept for seeking, at most this many bytes in all: past it
    // the spacing doubles and every other checkpoint goes. The spacing thus
    // follows the model's size: memory stays bounded however long the trace,
    // and a seek replays at most one spacing of records.
    std::size_t checkpoint_bytes = std::size_t{256} << 20;
    // Records whose timeline detail is kept (see timeline.hpp).
    std::size_t timeline_detail = TimelineIndex::kDetailLimit;
};

class Replay {
public:
    // Reads every record of `path`. Never throws for a bad file: a file that
    // cannot be opened leaves open_error() set and no records; a file damaged
    // part-way keeps the records before the damage and sets damage().
    explicit Replay(const std::filesystem::path& path, ReplayLimits limits = {});
    // A live stream (epscope-gui --connect): starts empty; the stream's
    // header and records arrive through restart() and append() (see
    // live_source.hpp), and the source says how the connection goes.
    struct LiveTag {};
    Replay(LiveTag, std::string source, ReplayLimits limits = {});
    bool live() const { return live_; }
    // In words, for the status bar: "file PATH", "connecting to PATH...",
    // "live PATH", "PATH: stream ended ...".
    std::string source_label() const;
    // `alarm`: the status tells of lost data (a dropped reader, a cut
    // stream, an incomplete one): the status bar shows it in red.
    void set_live_status(std::string status, bool alarm = false) {
        live_status_ = std::move(status);
        live_alarm_ = alarm;
    }
    bool live_alarm() const { return live_alarm_; }
    // Why there is nothing to show (cannot connect, foreign stream); empty
    // once a stream is read. Shown like a file's open error.
    void set_live_error(std::string error) { open_error_ = std::move(error); }
    // A new stream began (the tracer restarted): forget every record.
    void restart(const trace::TraceHeader& header);
    // One more record. When the cursor is at the end it follows: the record
    // is applied to the model at once.
    void append(const stream::Record& rec);

    const std::string& source() const { return source_; }
    bool opened() const { return open_error_.empty(); }
    const std::string& open_error() const { return open_error_; }
    const std::string& damage() const { return damage_; }  // empty if the file read whole
    const trace::TraceHeader& header() const { return header_; }
    // What the trace's backend could see, read from the header once (the
    // windows ask every frame).
    const trace::Visibility& visibility() const { return visibility_; }
    std::string backend() const;  // the header's attach backend, "unknown" if absent

    std::size_t record_count() const { return store_.size(); }
    // Read back from the file (or the spool): cheap near the records last
    // read, a block's read and decompression elsewhere.
    stream::Record record(std::size_t i) const { return store_.at(i); }
    std::uint64_t first_ts() const { return first_ts_; }
    std::uint64_t last_ts() const { return last_ts_; }
    std::uint64_t lost_total() const { return lost_total_; }  // sum of LOST in the file
    // Records of an ep_kind (EP_KIND_*) read so far.
    std::uint64_t kind_count(std::uint32_t kind) const;

    // The timeline of every record so far, fed as records first arrive.
    const TimelineIndex& timeline() const { return timeline_; }
    // Every instance's counters sampled as records first arrive (counters.hpp).
    const CounterIndex& counters() const { return counters_; }
    // How many records come before the first one later than `ts`.
    std::size_t records_until(std::uint64_t ts) const { return store_.prefix_until(ts); }
    // An index of records [from, to) read back (a window's detail when the
    // whole-trace timeline keeps only summaries), waits open at the edges
    // drawn from `t0` and up to `t1`.
    TimelineIndex span_timeline(std::size_t from, std::size_t to, std::uint64_t t0,
                                std::uint64_t t1) const;

    // State after every record, in file order, up to the first record whose
    // timestamp is later than `ts`.
    void seek(std::uint64_t ts);
    // State after the first `n` records (clamped).
    void seek_records(std::size_t n);
    // The record after which the most items are live (the latest such): a
    // starting point that shows something for a trace that ends torn down.
    std::size_t busiest_prefix() const { return busiest_prefix_; }
    std::size_t applied() const { return applied_; }
    std::uint64_t cursor_ts() const { return cursor_ts_; }
    const model::Model& model() const { return *model_; }
    // Where a replay of the first `n` records may start: the latest
    // checkpoint at or before n (model null: from the first record).
    struct Start {
        std::size_t at = 0;
        const model::Model* model = nullptr;
    };
    Start checkpoint_before(std::size_t n) const;
    // Checkpoints held and their spacing, in records (for tests and the bench).
    std::size_t checkpoint_count() const { return checkpoints_.size(); }
    std::size_t checkpoint_every() const { return checkpoint_every_; }

    // What the replay holds in memory besides the model at the cursor: the
    // record index and the blocks held, the timeline's summaries and the
    // checkpoints (for tests and the bench: bounded whatever the number of
    // records, but for the block index's few bytes per 4096 records).
    std::size_t memory_bytes() const;
    std::size_t checkpoint_bytes() const { return checkpoint_bytes_; }

private:
    struct Checkpoint {
        std::size_t at = 0;  // records applied since the stream began
        std::unique_ptr<const model::Model> model;
        std::size_t bytes = 0;
    };
    void note_busiest();
    // Applies `rec`, the record after the first applied_, and takes a
    // checkpoint when one is due.
    void apply(const stream::Record& rec);
    void apply_next() { apply(store_.at(applied_)); }
    void read_file(trace::TraceReader& reader);
    // At the end of a file nothing more comes: records the model holds back
    // for reordering (concurrent harvests) are applied.
    void settle_at_end();

    bool live_ = false;
    std::string live_status_;
    bool live_alarm_ = false;
    std::size_t most_items_ = 0;
    std::string source_;
    std::string open_error_;
    std::string damage_;
    trace::TraceHeader header_;
    trace::Visibility visibility_;  // of header_
    RecordStore store_;
    TimelineIndex timeline_;
    CounterIndex counters_;
    std::string spool_note_;  // why a live stream is held in memory, if it is
    std::uint64_t first_ts_ = 0;
    std::uint64_t last_ts_ = 0;
    std::uint64_t lost_total_ = 0;
    std::array<std::uint64_t, EP_KIND_COUNT> kind_counts_{};
    void count_kind(const stream::Record& rec);
    std::size_t busiest_prefix_ = 0;
    std::unique_ptr<model::Model> model_;
    std::size_t applied_ = 0;
    std::uint64_t cursor_ts_ = 0;
    std::vector<Checkpoint> checkpoints_;
    std::size_t checkpoint_every_ = 16384;
    std::size_t checkpoint_bytes_ = 0;
    ReplayLimits limits_;
};

// The kind "next of kind" starts on: the first of callback, wakeup, harvest,
// delivery, wait end, insert that the trace holds.
std::uint32_t default_step_kind(const Replay& r);

}  // namespace epscope::view
