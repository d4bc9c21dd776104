// Exports of a record stream. Each exporter is a RecordSink (feed it from a
// TraceReader or a live stream) writing FILE.partial; finish() completes the
// file and renames it to FILE. Destroyed without finish(), it removes the
// partial file. All methods throw TraceError(Io) on write failure.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>

#include "stream/id_map.hpp"
#include "stream/record.hpp"
#include "stream/record_filter.hpp"
#include "trace/atomic_output.hpp"

namespace epscope::trace {

class TraceReader;

struct ExportOptions {
    // Show kernel addresses as they are instead of "ep#1", "epi#7".
    bool raw_addresses = false;
    // Replace an existing output instead of keeping it as FILE.old.
    bool force = false;
    // The records exported (export --pid, --kind, --from...); empty: all.
    stream::FilterArgs filter;
};

enum class ExportFormat { JsonLines, Chrome, CsvSummary };

// One record per line, as stream::format_json renders it.
class JsonLinesExporter : public stream::RecordSink {
public:
    JsonLinesExporter(std::filesystem::path path, ExportOptions opts = {});
    void on_record(const stream::Record& rec) override;
    void on_unselected(const stream::Record& rec) override;  // names its addresses
    // Returns what became of an older FILE (see AtomicOutput::commit).
    std::string finish();

private:
    AtomicOutput out_;
    stream::IdMap ids_;
};

// Chrome/Perfetto trace-event JSON (opens in ui.perfetto.dev, chrome://tracing):
// epoll_wait and harvests as duration slices per thread, callbacks, wakeups,
// harvested items and ctl calls as instant events, process and thread names
// from PROCESS records. Waits still open at the end are closed at the last
// timestamp seen, marked "unfinished".
class ChromeTraceExporter : public stream::RecordSink {
public:
    ChromeTraceExporter(std::filesystem::path path, ExportOptions opts = {});
    void on_record(const stream::Record& rec) override;
    void on_unselected(const stream::Record& rec) override;  // names its addresses
    // Returns what became of an older FILE (see AtomicOutput::commit).
    std::string finish();

private:
    struct Open {
        stream::Record begin;
        bool open = false;
    };
    void event(const nlohmann::ordered_json& e);
    void slice(const stream::Record& begin, std::uint64_t end_ts, const std::string& name,
               nlohmann::ordered_json args);
    void instant(const stream::Record& rec, const std::string& name);
    void name_meta(std::uint32_t pid, std::uint32_t tid, const char* what, const std::string& n);
    void begin_slice(const stream::Record& rec);
    void end_slice(const stream::Record& rec);
    void on_process(const stream::Record& rec);

    AtomicOutput out_;
    stream::IdMap ids_;
    bool first_ = true;
    std::uint64_t last_ts_ = 0;
    std::map<std::uint32_t, Open> waits_;     // by tid
    std::map<std::uint32_t, Open> harvests_;  // by tid
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> names_;
};

// Counts per kind per process: "tgid,comm,kind,count", sorted by tgid then kind.
class CsvSummaryExporter : public stream::RecordSink {
public:
    CsvSummaryExporter(std::filesystem::path path, ExportOptions opts = {});
    void on_record(const stream::Record& rec) override;
    // Returns what became of an older FILE (see AtomicOutput::commit).
    std::string finish();

private:
    AtomicOutput out_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint64_t> counts_;
    std::map<std::uint32_t, std::string> comm_;
};

// Reads every remaining record of `reader` into the exporter of `format`
// writing `path` (those opts.filter selects). Returns the number of records exported; `kept`, if
// given, gets what became of an older FILE.
std::uint64_t export_trace(TraceReader& reader, ExportFormat format,
                           const std::filesystem::path& path, ExportOptions opts = {},
                           std::string* kept = nullptr);

}  // namespace epscope::trace
