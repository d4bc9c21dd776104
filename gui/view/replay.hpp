// A trace file held in memory and replayed into a model up to a cursor. The
// GUI's timeline moves the cursor; moving forward feeds the records in
// between; moving back starts from the nearest earlier checkpoint (a copy of
// the model taken every so many records while they are first applied) and
// replays from there, so a seek costs at most one checkpoint interval.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "stream/record.hpp"
#include "trace/trace_header.hpp"

namespace epscope::view {

class Replay {
public:
    // Reads every record of `path`. Never throws for a bad file: a file that
    // cannot be opened leaves open_error() set and no records; a file damaged
    // part-way keeps the records before the damage and sets damage().
    explicit Replay(const std::filesystem::path& path);
    // A live stream (epscope-gui --connect): starts empty; the stream's
    // header and records arrive through restart() and append() (see
    // live_source.hpp), and the source says how the connection goes.
    struct LiveTag {};
    Replay(LiveTag, std::string source);
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
    std::string backend() const;  // the header's attach backend, "unknown" if absent

    std::size_t record_count() const { return records_.size(); }
    const stream::Record& record(std::size_t i) const { return records_[i]; }
    std::uint64_t first_ts() const { return first_ts_; }
    std::uint64_t last_ts() const { return last_ts_; }
    std::uint64_t lost_total() const { return lost_total_; }  // sum of LOST in the file

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
    // Checkpoints held and their spacing, in records (for tests and the bench).
    std::size_t checkpoint_count() const { return checkpoints_.size(); }
    std::size_t checkpoint_every() const { return checkpoint_every_; }

    // Model copies kept for seeking, at most this many bytes in all: past it
    // the spacing doubles and every other checkpoint goes.
    static constexpr std::size_t kCheckpointBudget = std::size_t{256} << 20;

    // A live stream runs for as long as the tracer does; the records held
    // stay bounded: past the limit the older half goes (at a checkpoint,
    // whose model becomes the state before the first record kept). The
    // trace file, not the viewer, keeps the whole history.
    static constexpr std::size_t kLiveRecordLimit = 2'000'000;  // ~270 MB of records
    void set_live_record_limit(std::size_t n) { live_limit_ = n; }
    std::uint64_t dropped() const { return dropped_; }  // records let go from the front

private:
    struct Checkpoint {
        std::size_t at = 0;  // records applied since the stream began (dropped included)
        std::unique_ptr<const model::Model> model;
        std::size_t bytes = 0;
    };
    void note_busiest();
    // Applies records_[applied_] and takes a checkpoint when one is due.
    void apply_next();
    // At the end of a file nothing more comes: records the model holds back
    // for reordering (concurrent harvests) are applied.
    void settle_at_end();
    // Live only: lets the older half go once the records exceed the limit.
    void trim();

    bool live_ = false;
    std::string live_status_;
    bool live_alarm_ = false;
    std::size_t most_items_ = 0;
    std::string source_;
    std::string open_error_;
    std::string damage_;
    trace::TraceHeader header_;
    std::vector<stream::Record> records_;
    // ts_max_[i]: the latest timestamp of records_[0..i]. Non-decreasing, so
    // seek() finds the first record later than a time by binary search (the
    // first record with ts > t is the first whose running maximum is > t).
    std::vector<std::uint64_t> ts_max_;
    void note_ts(const stream::Record& rec);
    std::uint64_t first_ts_ = 0;
    std::uint64_t last_ts_ = 0;
    std::uint64_t lost_total_ = 0;
    std::size_t busiest_prefix_ = 0;
    std::unique_ptr<model::Model> model_;
    std::size_t applied_ = 0;
    std::uint64_t cursor_ts_ = 0;
    std::vector<Checkpoint> checkpoints_;
    std::size_t checkpoint_every_ = 16384;
    std::size_t checkpoint_bytes_ = 0;
    std::size_t live_limit_ = kLiveRecordLimit;
    std::uint64_t dropped_ = 0;
    std::shared_ptr<const model::Model> base_;  // state before records_[0]; null: empty
};

}  // namespace epscope::view
