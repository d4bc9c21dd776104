// The figures of `epscope stat` for a window of a trace (--from/--to): per
// epoll instance its state at the window's end and its counts and latency
// histograms since the window opened. One copy for the CLI's stat and the
// GUI's range selection (gui/view/span_stats.hpp), so both say the same.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "stream/id_map.hpp"
#include "stream/record.hpp"
#include "stream/record_filter.hpp"

namespace epscope::findings {
class Engine;
}

namespace epscope::stat {

// An item whose fd was closed while its file stayed registered (the model's
// stale items), as last seen: it may be removed before the end.
struct StaleSummary {
    std::int32_t fd = -1;
    std::uint64_t file = 0;
    std::uint64_t closed_ts = 0;
    std::string name;
    std::uint64_t callbacks = 0, deliveries = 0;
    bool removed = false;
};

struct InstanceSummary {
    std::uint64_t ep = 0;
    std::uint32_t tgid = 0;
    std::vector<std::int32_t> epfds;
    std::uint32_t items = 0, ready = 0, waiters = 0;
    bool freed = false;
    model::InstanceStats stats;
    std::vector<StaleSummary> stale;
};

// An instance's counts since `base` (its stats when the window opened);
// histograms keep the bucket counts of the window (their percentiles are
// interpolated from counts alone, so the window's are exact, not its sum).
model::InstanceStats since(const model::InstanceStats& now, const model::InstanceStats& base);

// Feeds the model and keeps a summary of each instance taken just before a
// record that may release it, so nothing the trace saw is missing at the end.
// With a --from/--to window the model still takes every record up to the
// window's end (its state must be right), counts are those since the window
// opened and instances freed before it are not summarised.
class StatCollector : public stream::RecordSink {
public:
    StatCollector(bool raw_addresses, stream::TimeWindow window)
        : ids_(raw_addresses), window_(window) {}
    // Starting from `start`, the model after a prefix of the trace (the
    // GUI's checkpoints): feed the records after that prefix.
    StatCollector(const model::Model& start, stream::TimeWindow window)
        : model_(start), ids_(false), window_(window) {}
    void on_record(const stream::Record& rec) override;
    // The findings engine sees the same records (`stat` prints one line per finding).
    void set_findings(findings::Engine* e) { findings_ = e; }
    // After the last record: every instance still known is summarised.
    void finish();
    const model::Model& model() const { return model_; }
    stream::IdMap& ids() { return ids_; }
    bool epoll_activity() const { return activity_; }
    std::uint64_t first_ts() const { return first_ts_; }
    std::uint64_t last_ts() const { return last_ts_; }
    // The model forgets exited processes; their names are kept here.
    std::string comm(std::uint32_t tgid) const {
        auto it = comms_.find(tgid);
        return it == comms_.end() ? std::string() : it->second;
    }
    // By the model's instance serial (an address can be reused).
    const std::map<std::uint64_t, InstanceSummary>& summaries() const { return summaries_; }

private:
    // The stale items as the model has them now, into their instance's summary.
    void note_stale();
    // The counts so far become each instance's baseline.
    void open_window();
    void summarise(model::InstanceRef ref, bool freed);

    model::Model model_;
    findings::Engine* findings_ = nullptr;
    stream::IdMap ids_;
    bool activity_ = false;
    std::map<std::uint32_t, std::string> comms_;
    std::map<std::uint64_t, InstanceSummary> summaries_;
    stream::TimeWindow window_;
    bool opened_ = false;
    std::uint64_t first_ts_ = 0, last_ts_ = 0;
    std::map<std::uint64_t, model::InstanceStats> baseline_;  // by serial
};

}  // namespace epscope::stat
