#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "export/perfetto_exporter.hpp"
#include "stream/id_map.hpp"
#include "stream/record_text.hpp"
#include "trace/atomic_output.hpp"
#include "trace/export.hpp"
#include "trace/reader.hpp"
#include "trace/stream_reader.hpp"
#include "trace/trace_error.hpp"

namespace epscope::cli {

namespace {

// Prints each record it gets, as a line or JSON; with -T, wall-clock times
// (the line's time of day, JSON's "wall_time" beside "ts").
class Printer : public stream::RecordSink {
public:
    Printer(std::ostream& out, stream::IdMap& ids, bool json) : out_(out), ids_(ids), json_(json) {}
    void set_wall_clock(std::int64_t realtime_offset_ns) { wall_ = realtime_offset_ns; }
    void on_record(const stream::Record& rec) override {
        if (!json_) {
            out_ << (wall_ ? stream::format_line_wall(rec, ids_, *wall_)
                           : stream::format_line(rec, ids_))
                 << '\n';
            return;
        }
        const std::string wall =
            wall_ ? stream::wall_clock_text(rec.header().ts, *wall_, true) : std::string();
        out_ << stream::format_json(rec, ids_, wall) << '\n';
    }
    void on_unselected(const stream::Record& rec) override { stream::name_addresses(rec, ids_); }

private:
    std::ostream& out_;
    stream::IdMap& ids_;
    bool json_;
    std::optional<std::int64_t> wall_;
};

// What became of the output at the end, for stderr ("" when nothing to say).
void tell_kept(const std::string& kept) {
    if (!kept.empty()) std::fprintf(stderr, "epscope: %s\n", kept.c_str());
}

// A live stream: records as they arrive, until the tracer closes it.
int dump_stream(const DumpOptions& opts, trace::AtomicOutput& out) {
    std::unique_ptr<trace::StreamClient> client;
    const auto give_up = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<long>(opts.wait_s * 1000));
    while (!client) {
        try {
            client = std::make_unique<trace::StreamClient>(opts.connect);
        } catch (const trace::TraceError&) {
            if (std::chrono::steady_clock::now() >= give_up) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    stream::IdMap ids(opts.raw_addresses);
    Printer printer(out.out(), ids, opts.json);
    std::unique_ptr<stream::RecordFilter> filter;  // once the header gives the wall clock
    stream::Record rec;
    trace::StreamClient::Read st;
    bool told = false;
    do {
        st = client->wait_and_pump(-1);
        if (!told && client->parser().has_header()) {
            told = true;
            const auto& header = client->parser().header();
            if (auto note = header.get(trace::kMetaStreamIncomplete))
                std::fprintf(stderr, "epscope dump: %s: incomplete stream: %.*s\n",
                             opts.connect.c_str(), static_cast<int>(note->size()), note->data());
            if (opts.wall_clock) printer.set_wall_clock(header.realtime_offset_ns);
            filter = std::make_unique<stream::RecordFilter>(opts.filter, ids,
                                                            header.realtime_offset_ns, printer);
        }
        while (client->parser().next(rec)) filter->on_record(rec);
        out.out().flush();
    } while (st != trace::StreamClient::Read::Eof);
    if (!client->parser().has_header()) {
        std::fprintf(stderr, "epscope dump: %s: the stream ended before its header\n",
                     opts.connect.c_str());
        return 1;
    }
    if (client->parser().partial_bytes() != 0)
        std::fprintf(stderr,
                     "epscope dump: %s: the stream ended inside a chunk (%zu bytes unreadable)\n",
                     opts.connect.c_str(), client->parser().partial_bytes());
    const auto records = static_cast<unsigned long long>(client->parser().records());
    const auto& end = client->parser().end();
    if (!end) {
        std::fprintf(stderr,
                     "epscope dump: %s: the stream was cut off after %llu records (no end "
                     "marker: the connection broke or the tracer died)\n",
                     opts.connect.c_str(), records);
        return 1;
    }
    if (end->reason != trace::EndReason::Stopped) {
        std::fprintf(stderr, "epscope dump: %s: %s after %llu records\n", opts.connect.c_str(),
                     trace::end_reason_text(*end).c_str(), records);
        return 1;
    }
    tell_kept(out.commit());
    std::fprintf(stderr, "epscope dump: %s: stream ended after %llu records (%s)\n",
                 opts.connect.c_str(), records, trace::end_reason_text(*end).c_str());
    return 0;
}

}  // namespace

int run_dump(const DumpOptions& opts) {
    if (opts.input.empty() && opts.connect.empty()) {
        std::fprintf(stderr, "epscope dump: give a trace FILE or --connect SOCKET\n");
        return 2;
    }
    try {
        if (!opts.connect.empty()) {
            trace::AtomicOutput out(opts.output, opts.force);
            return dump_stream(opts, out);
        }
        trace::TraceReader reader(opts.input);
        trace::AtomicOutput out(opts.output, opts.force);
        stream::IdMap ids(opts.raw_addresses);
        Printer printer(out.out(), ids, opts.json);
        if (opts.wall_clock) printer.set_wall_clock(reader.header().realtime_offset_ns);
        trace::read_selected(reader, opts.filter, printer, ids);
        tell_kept(out.commit());  // what reads is written out whole, said cut off below
        if (reader.truncated())
            std::fprintf(stderr, "epscope dump: %s\n", reader.incomplete_note().c_str());
        return reader.truncated() ? 2 : 0;  // as stat and epscope-gui: shown, but cut off
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope dump: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {  // a filter that does not fit the trace
        std::fprintf(stderr, "epscope dump: %s\n", e.what());
        return 2;
    }
}

namespace {

trace::ExportFormat trace_format(const std::string& name) {
    return name == "jsonl" ? trace::ExportFormat::JsonLines
           : name == "csv" ? trace::ExportFormat::CsvSummary
                           : trace::ExportFormat::Chrome;
}

std::uint64_t export_perfetto(trace::TraceReader& reader, const std::string& path,
                              const trace::ExportOptions& eo, std::string* kept) {
    exporter::PerfettoExporter e(path, eo);
    stream::IdMap ids(eo.raw_addresses);
    std::uint64_t n = trace::read_selected(reader, eo.filter, e, ids);
    *kept = e.finish();
    return n;
}

}  // namespace

int run_export(const ExportOptions& opts) {
    if (opts.format == "perfetto" && trace::AtomicOutput::is_stdout(opts.output) &&
        isatty(STDOUT_FILENO)) {
        std::fprintf(stderr,
                     "epscope export: a Perfetto trace is binary: not written to a terminal (give "
                     "-o FILE, or pipe -o - into a file or program)\n");
        return 2;
    }
    try {
        trace::TraceReader reader(opts.input);
        trace::ExportOptions eo;
        eo.raw_addresses = opts.raw_addresses;
        eo.force = opts.force;
        eo.filter = opts.filter;
        std::string kept;
        auto n = opts.format == "perfetto" ? export_perfetto(reader, opts.output, eo, &kept)
                                           : trace::export_trace(reader, trace_format(opts.format),
                                                                 opts.output, eo, &kept);
        tell_kept(kept);
        std::fprintf(
            stderr, "epscope: exported %llu records to %s\n", static_cast<unsigned long long>(n),
            trace::AtomicOutput::is_stdout(opts.output) ? "standard output" : opts.output.c_str());
        if (!reader.truncated()) return 0;
        // As stat and dump: the readable part is exported, and said not to be whole.
        std::fprintf(stderr, "epscope export: %s\n", reader.incomplete_note().c_str());
        return 2;
    } catch (const trace::TraceError& e) {
        std::fprintf(stderr, "epscope export: %s\n", e.what());
        return 1;
    } catch (const std::invalid_argument& e) {  // a filter that does not fit the trace
        std::fprintf(stderr, "epscope export: %s\n", e.what());
        return 2;
    }
}

CLI::App* add_export_command(CLI::App& app, ExportOptions& o) {
    auto* cmd = app.add_subcommand("export", "Convert a trace for other tools");
    cmd->add_option("file", o.input, "Trace file")->required();
    cmd->add_option("-o,--output", o.output, "Output file (- for standard output)")
        ->required()
        ->check(kPath);
    cmd->add_flag("--force", o.force, "Replace an existing output (else it is kept as FILE.old)");
    cmd->add_option("-f,--format", o.format,
                    "Output format: perfetto (Perfetto's protobuf trace), chrome-json (the legacy "
                    "Chrome trace JSON), jsonl or csv")
        ->check(CLI::IsMember({"perfetto", "chrome-json", "jsonl", "csv"}))
        ->capture_default_str();
    cmd->add_flag("--raw-addresses", o.raw_addresses, "Keep kernel addresses");
    add_filter_options(cmd, o.filter, true);
    return cmd;
}

CLI::App* add_dump_command(CLI::App& app, DumpOptions& o) {
    auto* cmd = app.add_subcommand("dump", "Print the records of a trace file, one per line");
    auto* file = cmd->add_option("file", o.input, "Trace file");
    auto* connect = cmd->add_option(
        "--connect", o.connect,
        "Read the live stream served on this socket (epscope live --serve) until it ends");
    file->excludes(connect);
    cmd->add_option("--wait", o.wait_s, "With --connect: retry connecting for SECONDS")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--json", o.json, "JSON Lines instead of text");
    cmd->add_flag("-T,--wall-clock", o.wall_clock,
                  "Wall-clock times (local time of day, as strace -tt; JSON: wall_time with the "
                  "date); --from/--to take them back");
    cmd->add_flag("--raw-addresses", o.raw_addresses, "Show kernel addresses, not per-trace ids");
    cmd->add_option("-o,--output", o.output, "Write to this file (- for standard output)")
        ->check(kPath)
        ->capture_default_str();
    cmd->add_flag("--force", o.force, "Replace an existing output (else it is kept as FILE.old)");
    add_filter_options(cmd, o.filter, true);
    return cmd;
}

}  // namespace epscope::cli
