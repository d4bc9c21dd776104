// Selecting records of a stream, as `perf script` does: by process, thread,
// fd, instance, kind and time. One set of criteria (FilterArgs, filled by
// CLI11 for dump, export, stat and check) and one place that applies it
// (RecordFilter, a RecordSink in front of the view).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stream/id_map.hpp"
#include "stream/record.hpp"

namespace epscope::stream {

// A --from/--to bound as the user gave it: seconds after the trace's first
// record, a wall-clock time of day (local time, the occurrence nearest the
// trace's first record), or a wall-clock date and time (local time).
struct TimeBound {
    enum class Kind { None, Relative, TimeOfDay, Wall };
    Kind kind = Kind::None;
    std::int64_t ns = 0;  // Relative: after the first record; TimeOfDay: since midnight;
                          // Wall: since the epoch (CLOCK_REALTIME)
};

// "12.5", "01:02:03[.5]" or "2026-12-05 01:02:03[.5]" ('T' between date and
// time too). Returns "" or one line saying what is wrong.
std::string parse_time_bound(const std::string& text, TimeBound& out);

// What the user asked for; empty lists and empty bounds select everything.
struct FilterArgs {
    std::vector<std::uint32_t> pids;     // --pid: the record's process (tgid)
    std::vector<std::uint32_t> tids;     // --tid: the record's thread
    std::vector<std::int32_t> fds;       // --fd: an item's fd or an instance's epfd
    std::vector<std::string> instances;  // --instance: "ep#2" (as dump prints) or "0xADDR"
    std::vector<std::string> kinds;      // --kind: dump's kind names ("callback")
    std::string from, to;                // --from/--to: see parse_time_bound

    bool empty() const {
        return pids.empty() && tids.empty() && fds.empty() && instances.empty() && kinds.empty() &&
               from.empty() && to.empty();
    }
    // Only the criteria stat and check take (process, instance, time).
    bool has_record_criteria() const { return !tids.empty() || !fds.empty() || !kinds.empty(); }
};

// The time window in the stream's clock (CLOCK_MONOTONIC ns), once the
// trace's first record is known.
struct TimeWindow {
    std::uint64_t from = 0;
    std::uint64_t to = UINT64_MAX;
    bool contains(std::uint64_t ts) const { return ts >= from && ts <= to; }
};

// The window of `args` for a trace whose first record has `first_ts` and
// whose wall clock is ts + realtime_offset_ns. Throws std::invalid_argument
// (one line) for a bound that does not parse or a window ending before it starts.
TimeWindow resolve_window(const FilterArgs& args, std::uint64_t first_ts,
                          std::int64_t realtime_offset_ns);

// Whether --pid and --instance select an instance of process `tgid` at
// kernel address `ep` (0 when the backend does not see it: then only when no
// --instance was given). Summaries (stat's rows, check's findings) use it.
bool summary_selected(const FilterArgs& args, std::uint32_t tgid, std::uint64_t ep, IdMap& ids);

// "" or one line when --to is before --from, as far as that shows before the
// trace is read (both bounds of one kind); resolve_window finds the others.
std::string check_window(const FilterArgs& args);
std::string window_order_error(const FilterArgs& args);

// The record kinds' names, as dump prints them (for --kind's check and help).
std::vector<std::string> kind_names();

// Forwards the records `args` selects to `selected`, and those it does not to
// `selected.on_unselected()`. Every record's addresses are named in `ids`
// first, in file order, so "ep#2" is the same instance as in an unfiltered
// dump whatever the filter leaves out.
class RecordFilter : public RecordSink {
public:
    // Throws std::invalid_argument (one line) for a bad --from/--to or --kind.
    RecordFilter(const FilterArgs& args, IdMap& ids, std::int64_t realtime_offset_ns,
                 RecordSink& selected);
    void on_record(const Record& rec) override;
    bool selects(const Record& rec);
    std::uint64_t selected() const { return selected_count_; }

private:
    bool matches_fd(const Record& rec) const;
    bool matches_instance(const Record& rec);

    FilterArgs args_;
    IdMap& ids_;
    std::int64_t realtime_offset_ns_;
    RecordSink& out_;
    std::vector<bool> kinds_;           // by kind number; empty: every kind
    std::optional<TimeWindow> window_;  // resolved at the first record
    std::uint64_t selected_count_ = 0;
};

}  // namespace epscope::stream
